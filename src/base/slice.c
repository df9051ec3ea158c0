/* Slices and capped buffers: see slice.h for the contract. */
#include "base/slice.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/mem.h"

bool slice_eq(slice_t a, slice_t b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

bool slice_eq_str(slice_t s, const char *z)
{
    size_t n = strlen(z);
    return s.len == n && (n == 0 || memcmp(s.ptr, z, n) == 0);
}

void buf_init(buf_t *b, size_t max)
{
    *b = (buf_t){.max = max};
}

void buf_init_fixed(buf_t *b, uint8_t *mem, size_t cap)
{
    *b = (buf_t){.ptr = mem, .cap = cap, .max = cap, .fixed = true};
}

/* Ensure room for n more bytes; grows geometrically up to max. */
static int buf_reserve(buf_t *b, size_t n)
{
    if (b->failed)
        return -1;
    if (n > b->max - b->len) {
        b->failed = true;
        return -1;
    }
    size_t need = b->len + n;
    if (need <= b->cap)
        return 0;
    if (b->fixed) {
        b->failed = true;
        return -1;
    }
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (cap > b->max)
        cap = b->max;
    b->ptr = xrealloc(b->ptr, cap);
    b->cap = cap;
    return 0;
}

int buf_append(buf_t *b, const void *p, size_t n)
{
    if (buf_reserve(b, n) != 0)
        return -1;
    if (n)
        memcpy(b->ptr + b->len, p, n);
    b->len += n;
    return 0;
}

int buf_push(buf_t *b, uint8_t byte)
{
    return buf_append(b, &byte, 1);
}

uint8_t *buf_extend(buf_t *b, size_t n)
{
    if (buf_reserve(b, n) != 0)
        return NULL;
    uint8_t *p = b->ptr + b->len;
    b->len += n;
    return p;
}

int buf_printf(buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || buf_reserve(b, (size_t)n + 1) != 0) {
        b->failed = true;
        return -1;
    }
    va_start(ap, fmt);
    vsnprintf((char *)b->ptr + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

void buf_reset(buf_t *b)
{
    b->len = 0;
    b->failed = false;
}

void buf_free(buf_t *b)
{
    if (!b->fixed)
        free(b->ptr);
    b->ptr = NULL;
    b->len = b->cap = 0;
}
