/* The allocation wrappers of mem.h: the C allocator, or one log line and abort(). */
#include "base/mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

/* Not through LOGE: the line is written even when LOG_LEVEL is off, since it says why the
 * process died. log_write formats on the stack and never allocates. */
_Noreturn static void out_of_memory(const char *what, size_t count, size_t size)
{
    log_write(LOG_ERROR, __FILE__, __LINE__, "out of memory: %s of %zu x %zu bytes failed", what,
              count, size);
    abort();
}

void *xmalloc(size_t n)
{
    /* malloc(0) may return NULL on success; asking for one byte keeps "never NULL" simple. */
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        out_of_memory("malloc", 1, n);
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size)
        out_of_memory("calloc", count, size);
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (p == NULL)
        out_of_memory("calloc", count, size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL)
        out_of_memory("realloc", 1, n);
    return q;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    if (n == SIZE_MAX)
        out_of_memory("strndup", 1, n);
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}
