/* Helpers shared by vector handlers: field access, hex decoding and comparisons. */
#include "vectors.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/codec.h"
#include "base/env.h"

/* Vectors are small; no hex field in a vector is larger than this. */
#define VEC_HEX_MAX (1u << 24)

vec_expect_t vec_expect(json_t *vec)
{
    const char *e = vec_str(vec, "expect", NULL);
    if (e == NULL)
        return VEC_EXPECT_UNKNOWN;
    if (strcmp(e, "valid") == 0)
        return VEC_EXPECT_VALID;
    if (strcmp(e, "invalid") == 0)
        return VEC_EXPECT_INVALID;
    if (strcmp(e, "decode_only") == 0)
        return VEC_EXPECT_DECODE_ONLY;
    if (strcmp(e, "valid_lenient") == 0)
        return VEC_EXPECT_VALID_LENIENT;
    return VEC_EXPECT_UNKNOWN;
}

json_t *vec_fields(json_t *vec)
{
    static json_t *empty;
    json_t *f = json_object_get(vec, "fields");
    if (json_is_object(f))
        return f;
    if (empty == NULL)
        empty = json_object();
    return empty;
}

const char *vec_str(json_t *obj, const char *key, size_t *len)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        return NULL;
    if (len)
        *len = json_string_length(v);
    return json_string_value(v);
}

int vec_fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return VEC_FAIL;
}

int vec_hex(json_t *obj, const char *key, buf_t *out, char *err, size_t errlen)
{
    size_t n;
    const char *s = vec_str(obj, key, &n);
    buf_init(out, VEC_HEX_MAX);
    if (s == NULL) {
        vec_fail(err, errlen, "missing hex field %s", key);
        return -1;
    }
    uint8_t *p = buf_extend(out, n / 2);
    if ((p == NULL && n / 2 > 0) || hex_decode(p, n / 2, s, n) < 0) {
        buf_free(out);
        buf_init(out, VEC_HEX_MAX);
        vec_fail(err, errlen, "field %s is not valid hex", key);
        return -1;
    }
    return 0;
}

int vec_u64(json_t *obj, const char *key, uint64_t *out)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (uint64_t)json_integer_value(v);
        return 0;
    }
    if (json_is_string(v))
        return parse_u64(json_string_value(v), json_string_length(v), out);
    return -1;
}

static void hex_preview(slice_t s, char *out, size_t cap)
{
    size_t n = s.len > 48 ? 48 : s.len;
    if (hex_encode(out, cap, s.ptr, n) < 0)
        out[0] = '\0';
    if (n < s.len && strlen(out) + 4 < cap)
        memcpy(out + strlen(out), "...", 4);
}

int vec_cmp_bytes(const char *what, slice_t got, slice_t want, char *err, size_t errlen)
{
    if (slice_eq(got, want))
        return VEC_PASS;
    char g[128], w[128];
    hex_preview(got, g, sizeof(g));
    hex_preview(want, w, sizeof(w));
    return vec_fail(err, errlen, "%s: got %s (%zu bytes), want %s (%zu bytes)", what, g, got.len, w,
                    want.len);
}

int vec_cmp_hex_field(json_t *obj, const char *key, slice_t got, char *err, size_t errlen)
{
    if (json_object_get(obj, key) == NULL)
        return VEC_PASS;
    buf_t want;
    if (vec_hex(obj, key, &want, err, errlen) != 0)
        return VEC_FAIL;
    int rc = vec_cmp_bytes(key, got, buf_slice(&want), err, errlen);
    buf_free(&want);
    return rc;
}

int vec_cmp_str_field(json_t *obj, const char *key, slice_t got, char *err, size_t errlen)
{
    if (json_object_get(obj, key) == NULL) {
        /* a string field may be given as its bytes instead: "<key>_hex" */
        char hex_key[128];
        snprintf(hex_key, sizeof hex_key, "%s_hex", key);
        return vec_cmp_hex_field(obj, hex_key, got, err, errlen);
    }
    size_t n;
    const char *want = vec_str(obj, key, &n);
    if (want == NULL)
        return vec_fail(err, errlen, "field %s is not a string", key);
    if (slice_eq(got, SLICE(want, n)))
        return VEC_PASS;
    return vec_fail(err, errlen, "%s: got \"%.*s\", want \"%s\"", key,
                    (int)(got.len > 200 ? 200 : got.len), (const char *)got.ptr, want);
}

int vec_cmp_u64_field(json_t *obj, const char *key, uint64_t got, char *err, size_t errlen)
{
    if (json_object_get(obj, key) == NULL)
        return VEC_PASS;
    uint64_t want;
    if (vec_u64(obj, key, &want) != 0)
        return vec_fail(err, errlen, "field %s is not a u64", key);
    if (got == want)
        return VEC_PASS;
    return vec_fail(err, errlen, "%s: got %llu, want %llu", key, (unsigned long long)got,
                    (unsigned long long)want);
}

int vec_cmp_prepare(json_t *f, const ilp_prepare_t *p, char *err, size_t errlen)
{
    if (!json_is_object(f))
        return VEC_PASS;
    char wire[ILP_TIMESTAMP_LEN + 1], iso[ILP_ISO_TIME_LEN + 1];
    if (ilp_time_format(p->expires_at_ms, wire) != ILP_OK ||
        ilp_time_format_iso(p->expires_at_ms, iso) != ILP_OK)
        return vec_fail(err, errlen, "cannot format the expiry");
    int rc = vec_cmp_u64_field(f, "amount", p->amount, err, errlen);
    if (rc == VEC_PASS)
        rc = vec_cmp_str_field(f, "expires_at", SLICE(iso, ILP_ISO_TIME_LEN), err, errlen);
    if (rc == VEC_PASS)
        rc = vec_cmp_str_field(f, "expires_at_wire", SLICE(wire, ILP_TIMESTAMP_LEN), err, errlen);
    if (rc == VEC_PASS)
        rc = vec_cmp_hex_field(f, "execution_condition_hex", SLICE(p->condition, ILP_CONDITION_LEN),
                               err, errlen);
    if (rc == VEC_PASS)
        rc = vec_cmp_str_field(f, "destination", p->destination, err, errlen);
    if (rc == VEC_PASS)
        rc = vec_cmp_hex_field(f, "data_hex", p->data, err, errlen);
    return rc;
}

int vec_be_to_decimal(slice_t be, char *out, size_t cap)
{
    /* Repeated division by 10 of a copy of the big-endian number. */
    uint8_t num[256];
    if (be.len > sizeof(num) || cap < 2)
        return -1;
    memcpy(num, be.ptr, be.len);
    char rev[640];
    size_t nd = 0;
    size_t len = be.len;
    do {
        unsigned rem = 0;
        bool nonzero = false;
        for (size_t i = 0; i < len; i++) {
            unsigned cur = rem * 256 + num[i];
            num[i] = (uint8_t)(cur / 10);
            rem = cur % 10;
            nonzero = nonzero || num[i] != 0;
        }
        rev[nd++] = (char)('0' + rem);
        if (!nonzero)
            break;
    } while (nd < sizeof(rev));
    if (nd + 1 > cap)
        return -1;
    for (size_t i = 0; i < nd; i++)
        out[i] = rev[nd - 1 - i];
    out[nd] = '\0';
    return 0;
}
