/*
 * JSON Canonicalization Scheme (RFC 8785) of a jansson value: the bytes Rafiki signs its Admin
 * API requests over (the npm package json-canonicalize, which is JSON.stringify with object keys
 * sorted by UTF-16 code units). Output is compact; object members are sorted by their keys'
 * UTF-16 code units; strings are escaped as ES6 JSON.stringify does (\b \t \n \f \r \" \\,
 * other controls as \u00xx, everything else verbatim UTF-8); numbers are IEEE 754 doubles
 * written as ECMAScript's Number::toString (shortest round-trip digits, "1e+21", "1e-7", -0 as
 * "0"). A json_integer is converted to a double first, as JavaScript's JSON.parse would read it
 * (so 9007199254740993 is written 9007199254740992).
 *
 * The walk is iterative (no recursion on untrusted input) and bounded: nesting deeper than
 * JCS_DEPTH_MAX is refused, and the output stops at the buffer's maximum.
 *
 * Threads: pure functions of their arguments; any thread.
 */
#ifndef RAFIKI_HTTP_JCS_H
#define RAFIKI_HTTP_JCS_H

#include <stddef.h>

#include <jansson.h>

#include "base/limits.h"
#include "base/slice.h"

/* Nesting accepted, counted as http_json_depth counts it (a top-level object is depth 1). */
#define JCS_DEPTH_MAX JSON_DEPTH_MAX
/* Longest ECMAScript number text: "-1.2345678901234567e-308" and a NUL fit. */
#define JCS_NUMBER_MAX 32

typedef enum {
    JCS_OK = 0,
    JCS_TOO_DEEP,       /* nesting deeper than JCS_DEPTH_MAX */
    JCS_TOO_LARGE,      /* the output would pass the buffer's maximum */
    JCS_INVALID_NUMBER, /* NaN or an infinity (a json_real built in C) */
    JCS_INVALID_STRING, /* a string or key that is not valid UTF-8 */
    JCS_INVALID_VALUE,  /* NULL or an unknown jansson type */
    JCS_RESULT_COUNT
} jcs_result_t;

/* Stable snake_case name of a result ("too_deep"). */
const char *jcs_result_str(jcs_result_t r);

/* Appends the canonical form of v to out (whose max bounds the size). On failure out holds a
 * partial text the caller discards. */
jcs_result_t jcs_canonicalize(const json_t *v, buf_t *out);

/* Writes d as ECMAScript Number::toString into out (JCS_NUMBER_MAX bytes, NUL-terminated) and
 * returns its length; JCS_INVALID_NUMBER for NaN and infinities. */
jcs_result_t jcs_number(double d, char out[JCS_NUMBER_MAX], size_t *len);

/* Flags for json_loadb that read a body as JavaScript's JSON.parse does where jansson can:
 * every number a double (integers past int64 included), "\u0000" in strings, duplicate keys
 * keeping the last value. */
#define JCS_JSON_LOAD_FLAGS (JSON_DECODE_INT_AS_REAL | JSON_ALLOW_NUL | JSON_DECODE_ANY)

#endif
