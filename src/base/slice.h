/*
 * (ptr, len) slices and capped byte buffers. Every buffer has a maximum: appending past it fails
 * and the failure is sticky, so a writer can append many fields and check once at the end.
 * Threads: the functions share no state; one buf_t is used by one thread at a time.
 */
#ifndef RAFIKI_BASE_SLICE_H
#define RAFIKI_BASE_SLICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    const uint8_t *ptr;
    size_t len;
} slice_t;

#define SLICE(p, n)  ((slice_t){(const uint8_t *)(p), (n)})
#define SLICE_STR(s) ((slice_t){(const uint8_t *)(s), strlen(s)})
#define SLICE_LIT(s) ((slice_t){(const uint8_t *)(s), sizeof(s) - 1})

/* True when both slices hold the same bytes (not constant time; see ct.h for secrets). */
bool slice_eq(slice_t a, slice_t b);
/* True when s equals the NUL-terminated string z. */
bool slice_eq_str(slice_t s, const char *z);

typedef struct {
    uint8_t *ptr;
    size_t len;
    size_t cap;
    size_t max;  /* hard cap on len */
    bool fixed;  /* memory is caller-owned and never grows */
    bool failed; /* an append went past max; sticky (out of memory aborts, see mem.h) */
} buf_t;

/* A heap buffer that grows up to max bytes. */
void buf_init(buf_t *b, size_t max);
/* A buffer over caller memory of cap bytes; never reallocates. */
void buf_init_fixed(buf_t *b, uint8_t *mem, size_t cap);
/* Append n bytes; returns 0, or -1 (and marks the buffer failed) past max. */
int buf_append(buf_t *b, const void *p, size_t n);
int buf_push(buf_t *b, uint8_t byte);
/* Append a formatted string (no NUL kept in len); -1 on overflow as above. */
int buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Make room for n more bytes and return a pointer to them (len is advanced); NULL past max. */
uint8_t *buf_extend(buf_t *b, size_t n);
void buf_reset(buf_t *b);
void buf_free(buf_t *b);
static inline slice_t buf_slice(const buf_t *b)
{
    return (slice_t){b->ptr, b->len};
}

#endif
