/*
 * RFC 8785 canonical JSON (see jcs.h): an iterative walk with an explicit stack, ECMAScript
 * number formatting by a shortest round-trip search over correctly rounded printf digits, and
 * object keys sorted by UTF-16 code units.
 */
#include "http/jcs.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

static const char *const names[] = {
    [JCS_OK] = "ok",
    [JCS_TOO_DEEP] = "too_deep",
    [JCS_TOO_LARGE] = "too_large",
    [JCS_INVALID_NUMBER] = "invalid_number",
    [JCS_INVALID_STRING] = "invalid_string",
    [JCS_INVALID_VALUE] = "invalid_value",
};

const char *jcs_result_str(jcs_result_t r)
{
    return (size_t)r < sizeof names / sizeof *names && names[r] ? names[r] : "unknown";
}

/* ---- numbers ---- */

/* The k significant digits of d > 0, correctly rounded (glibc printf is exact), as the integer
 * *m with d ~ m * 10^*scale. */
static void digits_at(double d, int k, uint64_t *m, int *scale)
{
    char t[64];
    snprintf(t, sizeof t, "%.*e", k - 1, d);
    const char *p = t;
    uint64_t v = 0;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9') /* skips the locale's decimal point */
            v = v * 10 + (uint64_t)(*p - '0');
    int sign = 1, e = 0;
    if (*p == 'e')
        p++;
    if (*p == '-' || *p == '+')
        sign = *p++ == '-' ? -1 : 1;
    for (; *p >= '0' && *p <= '9'; p++)
        e = e * 10 + (*p - '0');
    *m = v;
    *scale = sign * e - (k - 1);
}

/* True when m * 10^scale reads back as d (strtod rounds correctly). */
static bool round_trips(double d, uint64_t m, int scale)
{
    char t[64];
    snprintf(t, sizeof t, "%llue%d", (unsigned long long)m, scale);
    return strtod(t, NULL) == d;
}

/* The k-digit decimal that reads back as d > 0 and is closest to it, if there is one: the
 * correctly rounded k digits, or one of their neighbours when d's rounding interval is lopsided
 * (a power of two). */
static bool candidate(double d, int k, uint64_t *m, int *scale)
{
    digits_at(d, k, m, scale);
    if (round_trips(d, *m, *scale))
        return true;
    if (*m > 1 && round_trips(d, *m - 1, *scale))
        return (*m)--, true;
    if (round_trips(d, *m + 1, *scale))
        return (*m)++, true;
    return false;
}

/* The shortest digits that read back as d > 0 and, among those, the closest to d. Having a
 * k-digit candidate implies one at k + 1 (append a zero), so the fewest digits are found by
 * bisection; 17 digits always read back. */
static void shortest(double d, uint64_t *m, int *scale)
{
    int lo = 1, hi = 17;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (candidate(d, mid, m, scale))
            hi = mid;
        else
            lo = mid + 1;
    }
    if (!candidate(d, lo, m, scale))
        digits_at(d, 17, m, scale);
}

/* ECMAScript Number::toString steps 6-10 for digits s (k of them) and exponent n
 * (d = 0.s * 10^n). */
static size_t es_layout(const char *s, int k, int n, char *o)
{
    size_t j = 0;
    if (k <= n && n <= 21) {
        memcpy(o, s, (size_t)k), j = (size_t)k;
        for (int i = k; i < n; i++)
            o[j++] = '0';
    } else if (0 < n && n <= 21) {
        memcpy(o, s, (size_t)n), j = (size_t)n;
        o[j++] = '.';
        memcpy(o + j, s + n, (size_t)(k - n)), j += (size_t)(k - n);
    } else if (-6 < n && n <= 0) {
        o[j++] = '0', o[j++] = '.';
        for (int i = 0; i < -n; i++)
            o[j++] = '0';
        memcpy(o + j, s, (size_t)k), j += (size_t)k;
    } else {
        o[j++] = s[0];
        if (k > 1) {
            o[j++] = '.';
            memcpy(o + j, s + 1, (size_t)(k - 1)), j += (size_t)(k - 1);
        }
        int e = n - 1;
        j += (size_t)snprintf(o + j, 8, "e%c%d", e < 0 ? '-' : '+', e < 0 ? -e : e);
    }
    o[j] = '\0';
    return j;
}

jcs_result_t jcs_number(double d, char out[JCS_NUMBER_MAX], size_t *len)
{
    if (!isfinite(d))
        return JCS_INVALID_NUMBER;
    if (d == 0) { /* 0 and -0 */
        out[0] = '0', out[1] = '\0', *len = 1;
        return JCS_OK;
    }
    size_t j = 0;
    if (d < 0)
        out[j++] = '-', d = -d;
    uint64_t m;
    int scale;
    shortest(d, &m, &scale);
    while (m % 10 == 0) /* m > 0: d > 0 */
        m /= 10, scale++;
    char s[24];
    int k = snprintf(s, sizeof s, "%llu", (unsigned long long)m);
    *len = j + es_layout(s, k, scale + k, out + j);
    return JCS_OK;
}

/* ---- strings ---- */

/* Decodes the UTF-8 sequence at s[*i] (strict: no overlongs, surrogates or values past
 * U+10FFFF) and advances *i. -1 when malformed. */
static int utf8_next(const uint8_t *s, size_t n, size_t *i, uint32_t *cp)
{
    uint8_t c = s[*i];
    size_t len = c < 0x80             ? 1
                 : (c & 0xE0) == 0xC0 ? 2
                 : (c & 0xF0) == 0xE0 ? 3
                 : (c & 0xF8) == 0xF0 ? 4
                                      : 0;
    if (len == 0 || n - *i < len)
        return -1;
    uint32_t v = len == 1 ? c : (uint32_t)(c & (0x7F >> len));
    for (size_t j = 1; j < len; j++) {
        if ((s[*i + j] & 0xC0) != 0x80)
            return -1;
        v = (v << 6) | (s[*i + j] & 0x3F);
    }
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < min[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return -1;
    *i += len;
    *cp = v;
    return 0;
}

static bool utf8_valid(const char *s, size_t n)
{
    uint32_t cp;
    for (size_t i = 0; i < n;)
        if (utf8_next((const uint8_t *)s, n, &i, &cp) != 0)
            return false;
    return true;
}

/* JSON.stringify's QuoteJSONString over valid UTF-8. */
static jcs_result_t put_string(buf_t *b, const char *s, size_t n)
{
    if (!utf8_valid(s, n))
        return JCS_INVALID_STRING;
    buf_push(b, '"');
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)s[i];
        const char *esc = c == '\b'   ? "\\b"
                          : c == '\t' ? "\\t"
                          : c == '\n' ? "\\n"
                          : c == '\f' ? "\\f"
                          : c == '\r' ? "\\r"
                          : c == '"'  ? "\\\""
                          : c == '\\' ? "\\\\"
                                      : NULL;
        if (esc)
            buf_append(b, esc, 2);
        else if (c < 0x20)
            buf_printf(b, "\\u%04x", c);
        else
            buf_push(b, c);
    }
    buf_push(b, '"');
    return JCS_OK;
}

/* ---- objects ---- */

typedef struct {
    const char *key;
    size_t len;
    const json_t *val;
} member_t;

/* The first UTF-16 code unit of a code point. */
static uint32_t utf16_lead(uint32_t cp)
{
    return cp < 0x10000 ? cp : 0xD800 + ((cp - 0x10000) >> 10);
}

/* Orders keys (valid UTF-8) by UTF-16 code units, as JavaScript's default sort does. */
static int member_cmp(const void *pa, const void *pb)
{
    const member_t *a = pa, *b = pb;
    size_t i = 0, j = 0;
    while (i < a->len && j < b->len) {
        uint32_t ca = 0, cb = 0;
        utf8_next((const uint8_t *)a->key, a->len, &i, &ca);
        utf8_next((const uint8_t *)b->key, b->len, &j, &cb);
        uint32_t ua = utf16_lead(ca), ub = utf16_lead(cb);
        if (ua != ub)
            return ua < ub ? -1 : 1;
        if (ca != cb) /* same lead surrogate: the trail decides, in code point order */
            return ca < cb ? -1 : 1;
    }
    return (i < a->len) - (j < b->len);
}

/* The members of obj sorted; *out is NULL for an empty object. */
static jcs_result_t members_sorted(const json_t *obj, member_t **out, size_t *n)
{
    json_t *o = (json_t *)obj; /* jansson's iterators take a non-const object */
    *n = json_object_size(o);
    *out = *n ? xcalloc(*n, sizeof **out) : NULL;
    size_t i = 0;
    for (void *it = json_object_iter(o); it && i < *n; it = json_object_iter_next(o, it), i++) {
        member_t *m = &(*out)[i];
        m->key = json_object_iter_key(it);
        m->len = json_object_iter_key_len(it);
        m->val = json_object_iter_value(it);
        if (!utf8_valid(m->key, m->len))
            return JCS_INVALID_STRING;
    }
    if (*n > 1)
        qsort(*out, *n, sizeof **out, member_cmp);
    return JCS_OK;
}

/* ---- the walk ---- */

typedef struct {
    const json_t *v;
    member_t *members; /* objects only */
    size_t i, n;
    bool object;
} frame_t;

/* Writes a scalar, or opens a container and pushes its frame. */
static jcs_result_t put_value(const json_t *v, buf_t *b, frame_t *st, size_t *depth)
{
    char num[JCS_NUMBER_MAX];
    size_t len;
    jcs_result_t r = JCS_OK;
    switch (v ? json_typeof(v) : (json_type)-1) {
    case JSON_NULL:
        return buf_append(b, "null", 4), JCS_OK;
    case JSON_TRUE:
        return buf_append(b, "true", 4), JCS_OK;
    case JSON_FALSE:
        return buf_append(b, "false", 5), JCS_OK;
    case JSON_INTEGER:
    case JSON_REAL:
        if ((r = jcs_number(json_number_value(v), num, &len)) == JCS_OK)
            buf_append(b, num, len);
        return r;
    case JSON_STRING:
        return put_string(b, json_string_value(v), json_string_length(v));
    case JSON_ARRAY:
    case JSON_OBJECT:
        break;
    default:
        return JCS_INVALID_VALUE;
    }
    if (*depth == JCS_DEPTH_MAX)
        return JCS_TOO_DEEP;
    frame_t *f = &st[(*depth)++];
    *f = (frame_t){.v = v, .object = json_is_object(v)};
    if (f->object)
        r = members_sorted(v, &f->members, &f->n);
    else
        f->n = json_array_size(v);
    buf_push(b, f->object ? '{' : '[');
    return r;
}

jcs_result_t jcs_canonicalize(const json_t *v, buf_t *out)
{
    frame_t st[JCS_DEPTH_MAX];
    size_t depth = 0;
    jcs_result_t r = put_value(v, out, st, &depth);
    while (r == JCS_OK && depth > 0 && !out->failed) {
        frame_t *f = &st[depth - 1];
        if (f->i == f->n) {
            buf_push(out, f->object ? '}' : ']');
            free(f->members);
            depth--;
            continue;
        }
        if (f->i > 0)
            buf_push(out, ',');
        const json_t *next;
        if (f->object) {
            const member_t *m = &f->members[f->i];
            r = put_string(out, m->key, m->len); /* valid: checked when sorted */
            buf_push(out, ':');
            next = m->val;
        } else {
            next = json_array_get(f->v, f->i);
        }
        f->i++;
        if (r == JCS_OK)
            r = put_value(next, out, st, &depth);
    }
    while (depth > 0)
        free(st[--depth].members);
    if (r == JCS_OK && out->failed)
        r = JCS_TOO_LARGE;
    return r;
}
