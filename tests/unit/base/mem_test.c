/* Tests for src/base/mem.c: the x* allocators hand back usable memory, and abort when a size
 * cannot be allocated rather than returning NULL. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

Test(mem, xmalloc_gives_writable_memory)
{
    unsigned char *p = xmalloc(4096);
    cr_assert_not_null(p);
    memset(p, 0xA5, 4096);
    cr_assert_eq(p[0], 0xA5);
    cr_assert_eq(p[4095], 0xA5);
    free(p);
    void *z = xmalloc(0);
    cr_assert_not_null(z, "a zero-byte request still yields a pointer to free");
    free(z);
}

Test(mem, xcalloc_zeroes)
{
    uint64_t *p = xcalloc(512, sizeof *p);
    for (size_t i = 0; i < 512; i++)
        cr_assert_eq(p[i], 0, "element %zu", i);
    free(p);
    void *z = xcalloc(0, 8);
    cr_assert_not_null(z);
    free(z);
}

Test(mem, xrealloc_keeps_contents)
{
    char *p = xrealloc(NULL, 4);
    memcpy(p, "abcd", 4);
    p = xrealloc(p, 1 << 20);
    cr_assert_eq(memcmp(p, "abcd", 4), 0);
    p[(1 << 20) - 1] = 'z';
    p = xrealloc(p, 2);
    cr_assert_eq(memcmp(p, "ab", 2), 0);
    p = xrealloc(p, 0);
    cr_assert_not_null(p, "n == 0 keeps an allocation instead of freeing it");
    free(p);
}

Test(mem, xstrdup_and_xstrndup_copy)
{
    const char *s = "rafiki";
    char *d = xstrdup(s);
    cr_assert_str_eq(d, s);
    cr_assert_neq(d, s);
    free(d);
    char *e = xstrndup("abc\0def", 7);
    cr_assert_eq(memcmp(e, "abc\0def", 8), 0, "the NUL inside is copied and one is appended");
    free(e);
    char *f = xstrndup("xyz", 0);
    cr_assert_str_eq(f, "");
    free(f);
}

/* The overflow check runs before the allocator, so this aborts the same way under ASan. */
Test(mem, xcalloc_overflow_aborts, .signal = SIGABRT)
{
    void *p = xcalloc(SIZE_MAX / 2 + 2, 2);
    free(p); /* not reached */
}
