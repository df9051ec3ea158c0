/*
 * Canonical OER (RFC 0030) as Interledger uses it: fixed big-endian integers, length
 * determinants (short and minimal long form), var-octet-strings and VarUInts.
 *
 * Reading: an oer_reader_t walks a (ptr, len) slice. Every read checks bounds and canonical
 * form and returns an oer_result_t; on error the reader is left where it was.
 * Writing: appends to a capped buf_t (see base/slice.h); the buffer's sticky failure flag
 * reports overflow.
 * Threads: no shared state; any thread may call these at once, each on its own reader/buffer.
 */
#ifndef RAFIKI_ILP_OER_H
#define RAFIKI_ILP_OER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"

typedef enum {
    OER_OK = 0,
    OER_TRUNCATED = -1,     /* a length or field runs past the end */
    OER_NON_CANONICAL = -2, /* long form for < 128, leading zero byte, zero-length VarUInt */
    OER_TOO_LARGE = -3,     /* value does not fit the destination type */
    OER_INDEFINITE = -4,    /* long form with zero length bytes (0x80) */
} oer_result_t;

typedef struct {
    const uint8_t *ptr;
    size_t len;
    size_t pos;
} oer_reader_t;

static inline oer_reader_t oer_reader(slice_t s)
{
    return (oer_reader_t){s.ptr, s.len, 0};
}
static inline size_t oer_remaining(const oer_reader_t *r)
{
    return r->len - r->pos;
}

oer_result_t oer_read_u8(oer_reader_t *r, uint8_t *out);
oer_result_t oer_read_u16(oer_reader_t *r, uint16_t *out);
oer_result_t oer_read_u32(oer_reader_t *r, uint32_t *out);
oer_result_t oer_read_u64(oer_reader_t *r, uint64_t *out);
/* n raw bytes (fixed-size octet string); out points into the input. */
oer_result_t oer_read_fixed(oer_reader_t *r, size_t n, slice_t *out);
/* A length determinant; values above SIZE_MAX or > 8 length bytes are OER_TOO_LARGE. */
oer_result_t oer_read_length(oer_reader_t *r, uint64_t *out);
/* A var-octet-string; out points into the input. */
oer_result_t oer_read_var_octets(oer_reader_t *r, slice_t *out);
/* A VarUInt that must fit u64. */
oer_result_t oer_read_var_uint(oer_reader_t *r, uint64_t *out);
/* A VarUInt that saturates at UINT64_MAX when wider than 8 bytes (STREAM §5.1.4). */
oer_result_t oer_read_var_uint_saturating(oer_reader_t *r, uint64_t *out);
/* A VarUInt of any width: out is its canonical big-endian content (>= 1 byte, no leading
 * zero), pointing into the input. */
oer_result_t oer_read_var_uint_bytes(oer_reader_t *r, slice_t *out);

void oer_write_u8(buf_t *b, uint8_t v);
void oer_write_u16(buf_t *b, uint16_t v);
void oer_write_u32(buf_t *b, uint32_t v);
void oer_write_u64(buf_t *b, uint64_t v);
void oer_write_length(buf_t *b, uint64_t n);
void oer_write_var_octets(buf_t *b, slice_t s);
void oer_write_var_uint(buf_t *b, uint64_t v);
/* A VarUInt from a big-endian integer of any width; leading zero bytes are dropped. */
void oer_write_var_uint_bytes(buf_t *b, slice_t be);
/* Bytes a length determinant for n takes; bytes a VarUInt for v takes (prefix included). */
size_t oer_length_size(uint64_t n);
size_t oer_var_uint_size(uint64_t v);

const char *oer_result_str(oer_result_t r);

#endif
