/*
 * Canonical OER reader and writer (RFC 0030). Readers check bounds first, then canonical form,
 * and restore the reader position on any error so a caller can report where a field began.
 * Writers append to a capped buf_t and rely on its sticky failure flag.
 */
#include "ilp/oer.h"

#include "base/assert.h"
#include "base/limits.h"

static oer_result_t read_be(oer_reader_t *r, size_t n, uint64_t *out)
{
    ASSERT(n <= 8);
    if (oer_remaining(r) < n)
        return OER_TRUNCATED;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | r->ptr[r->pos + i];
    r->pos += n;
    *out = v;
    return OER_OK;
}

oer_result_t oer_read_u8(oer_reader_t *r, uint8_t *out)
{
    uint64_t v;
    oer_result_t rc = read_be(r, 1, &v);
    if (rc == OER_OK)
        *out = (uint8_t)v;
    return rc;
}

oer_result_t oer_read_u16(oer_reader_t *r, uint16_t *out)
{
    uint64_t v;
    oer_result_t rc = read_be(r, 2, &v);
    if (rc == OER_OK)
        *out = (uint16_t)v;
    return rc;
}

oer_result_t oer_read_u32(oer_reader_t *r, uint32_t *out)
{
    uint64_t v;
    oer_result_t rc = read_be(r, 4, &v);
    if (rc == OER_OK)
        *out = (uint32_t)v;
    return rc;
}

oer_result_t oer_read_u64(oer_reader_t *r, uint64_t *out)
{
    return read_be(r, 8, out);
}

oer_result_t oer_read_fixed(oer_reader_t *r, size_t n, slice_t *out)
{
    if (oer_remaining(r) < n)
        return OER_TRUNCATED;
    *out = SLICE(r->ptr + r->pos, n);
    r->pos += n;
    return OER_OK;
}

/*
 * Length determinant. Short form 0..127; long form 0x80|n then n big-endian bytes, which must
 * be minimal (no leading zero) and encode a value >= 128.
 */
oer_result_t oer_read_length(oer_reader_t *r, uint64_t *out)
{
    size_t start = r->pos;
    if (oer_remaining(r) < 1)
        return OER_TRUNCATED;
    uint8_t first = r->ptr[r->pos];
    if ((first & 0x80) == 0) {
        r->pos++;
        *out = first;
        return OER_OK;
    }
    size_t n = first & 0x7f;
    if (n == 0)
        return OER_INDEFINITE;
    if (n > OER_LENGTH_MAX_BYTES)
        return OER_TOO_LARGE;
    if (oer_remaining(r) < 1 + n)
        return OER_TRUNCATED;
    if (r->ptr[r->pos + 1] == 0)
        return OER_NON_CANONICAL;
    r->pos++;
    uint64_t v;
    oer_result_t rc = read_be(r, n, &v);
    ASSERT(rc == OER_OK);
    if (v < 128) {
        r->pos = start;
        return OER_NON_CANONICAL;
    }
    if (v > SIZE_MAX) {
        r->pos = start;
        return OER_TOO_LARGE;
    }
    *out = v;
    return OER_OK;
}

oer_result_t oer_read_var_octets(oer_reader_t *r, slice_t *out)
{
    size_t start = r->pos;
    uint64_t n;
    oer_result_t rc = oer_read_length(r, &n);
    if (rc != OER_OK)
        return rc;
    if (oer_remaining(r) < n) {
        r->pos = start;
        return OER_TRUNCATED;
    }
    *out = SLICE(r->ptr + r->pos, (size_t)n);
    r->pos += (size_t)n;
    return OER_OK;
}

/* Reads the VarUInt's content bytes; checks non-empty and no leading zero. */
static oer_result_t read_var_uint_content(oer_reader_t *r, slice_t *content)
{
    size_t start = r->pos;
    oer_result_t rc = oer_read_var_octets(r, content);
    if (rc != OER_OK)
        return rc;
    if (content->len == 0 || (content->len > 1 && content->ptr[0] == 0)) {
        r->pos = start;
        return OER_NON_CANONICAL;
    }
    return OER_OK;
}

static uint64_t be_value(slice_t s)
{
    uint64_t v = 0;
    for (size_t i = 0; i < s.len; i++)
        v = (v << 8) | s.ptr[i];
    return v;
}

oer_result_t oer_read_var_uint(oer_reader_t *r, uint64_t *out)
{
    size_t start = r->pos;
    slice_t c;
    oer_result_t rc = read_var_uint_content(r, &c);
    if (rc != OER_OK)
        return rc;
    if (c.len > OER_VARUINT_MAX_BYTES) {
        r->pos = start;
        return OER_TOO_LARGE;
    }
    *out = be_value(c);
    return OER_OK;
}

oer_result_t oer_read_var_uint_saturating(oer_reader_t *r, uint64_t *out)
{
    slice_t c;
    oer_result_t rc = read_var_uint_content(r, &c);
    if (rc != OER_OK)
        return rc;
    *out = c.len > OER_VARUINT_MAX_BYTES ? UINT64_MAX : be_value(c);
    return OER_OK;
}

oer_result_t oer_read_var_uint_bytes(oer_reader_t *r, slice_t *out)
{
    return read_var_uint_content(r, out);
}

/* ---- writing ---- */

static void write_be(buf_t *b, uint64_t v, size_t n)
{
    uint8_t *p = buf_extend(b, n);
    if (p == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

/* Minimal number of big-endian bytes for v, at least 1. */
static size_t be_size(uint64_t v)
{
    size_t n = 1;
    while (n < 8 && (v >> (8 * n)) != 0)
        n++;
    return n;
}

void oer_write_u8(buf_t *b, uint8_t v)
{
    buf_push(b, v);
}

void oer_write_u16(buf_t *b, uint16_t v)
{
    write_be(b, v, 2);
}

void oer_write_u32(buf_t *b, uint32_t v)
{
    write_be(b, v, 4);
}

void oer_write_u64(buf_t *b, uint64_t v)
{
    write_be(b, v, 8);
}

void oer_write_length(buf_t *b, uint64_t n)
{
    if (n < 128) {
        buf_push(b, (uint8_t)n);
        return;
    }
    size_t k = be_size(n);
    buf_push(b, (uint8_t)(0x80 | k));
    write_be(b, n, k);
}

void oer_write_var_octets(buf_t *b, slice_t s)
{
    oer_write_length(b, s.len);
    if (s.len > 0)
        buf_append(b, s.ptr, s.len);
}

void oer_write_var_uint(buf_t *b, uint64_t v)
{
    size_t k = be_size(v);
    buf_push(b, (uint8_t)k);
    write_be(b, v, k);
}

void oer_write_var_uint_bytes(buf_t *b, slice_t be)
{
    size_t skip = 0;
    while (skip + 1 < be.len && be.ptr[skip] == 0)
        skip++;
    if (be.len == 0) {
        oer_write_var_uint(b, 0);
        return;
    }
    oer_write_var_octets(b, SLICE(be.ptr + skip, be.len - skip));
}

size_t oer_length_size(uint64_t n)
{
    return n < 128 ? 1 : 1 + be_size(n);
}

size_t oer_var_uint_size(uint64_t v)
{
    return 1 + be_size(v);
}

const char *oer_result_str(oer_result_t r)
{
    switch (r) {
    case OER_OK:
        return "ok";
    case OER_TRUNCATED:
        return "truncated";
    case OER_NON_CANONICAL:
        return "non-canonical encoding";
    case OER_TOO_LARGE:
        return "value too large";
    case OER_INDEFINITE:
        return "indefinite length";
    }
    return "unknown oer error";
}
