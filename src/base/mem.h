/*
 * Allocation that does not return on failure: xmalloc, xcalloc, xrealloc and xstrdup log one
 * line ("out of memory: ...") at error level, whatever LOG_LEVEL says, and abort.
 *
 * Why abort rather than hand NULL back: every allocation is bounded by a limit (limits.h, queue
 * and cache caps), so running out means the host is out of memory, not that a request was too
 * big; and every result we acknowledge is durable before it is reported (the ledger answers
 * after COMMIT), so a crash loses nothing a client was told. Half-handled NULL paths are code
 * no test runs. New code uses these; a size that a caller or a peer chooses is checked against
 * its limit before it gets here.
 *
 * Thread-safe: they call only the C allocator and log_write (one write(2) per line).
 */
#ifndef RAFIKI_BASE_MEM_H
#define RAFIKI_BASE_MEM_H

#include <stddef.h>

/* n bytes, uninitialised; never NULL (n == 0 gives a unique pointer to free). */
void *xmalloc(size_t n);
/* count * size zeroed bytes; never NULL. A product that overflows size_t aborts too. */
void *xcalloc(size_t count, size_t size);
/* p (NULL or from these functions) resized to n bytes, contents kept up to the smaller size;
 * never NULL. Unlike realloc, n == 0 keeps a valid allocation rather than freeing p. */
void *xrealloc(void *p, size_t n);
/* A heap copy of the NUL-terminated string s; never NULL. */
char *xstrdup(const char *s);
/* A heap copy of the n bytes at s (a (ptr, len) slice: all n must be readable, NULs inside
 * are copied) with a NUL after them; never NULL. */
char *xstrndup(const char *s, size_t n);

#endif
