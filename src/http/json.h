/*
 * JSON request bodies with jansson: a bounded parse and typed field getters whose errors read
 * well in an API answer ("field 'amount' must be a string of decimal digits").
 *
 * Amounts travel as decimal strings (Open Payments, Rafiki's admin API) because JSON numbers
 * lose precision past 2^53 in most clients. http_json_parse_u64 is strict and canonical:
 * one or more ASCII digits, no sign, no spaces, no decimal point or exponent, no leading zero
 * unless the value is exactly "0", value <= 2^64-1 (so "18446744073709551615" is the largest).
 * Leading zeros are refused so that one amount has one spelling (idempotency keys compare
 * request bodies).
 *
 * Getters return 0 on success and -1 with err filled otherwise. "opt" getters treat an absent
 * key and a JSON null alike: they return 0 and leave the output at its default.
 *
 * Threads: pure functions of their arguments; any thread.
 */
#ifndef RAFIKI_HTTP_JSON_H
#define RAFIKI_HTTP_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/slice.h"

typedef struct {
    const char *code; /* a stable machine code: "invalid_json", "too_deep", "missing_field",
                         "invalid_field" (static string) */
    char message[256];
} http_json_err_t;

/* Parses a request body that must be one JSON object or array (no trailing bytes, no duplicate
 * keys, nesting at most JSON_DEPTH_MAX). The depth is checked on the raw bytes first, without
 * recursion, because jansson's parser recurses. Returns a new reference, or NULL with err. */
json_t *http_json_parse(slice_t body, http_json_err_t *err);

/* The nesting depth of the arrays and objects in [p, p+n), ignoring brackets inside strings;
 * stops counting early and returns limit + 1 once the depth exceeds limit. */
size_t http_json_depth(const uint8_t *p, size_t n, size_t limit);

/* Strict canonical decimal u64 (see above). Returns 0, or -1 for anything else. */
int http_json_parse_u64(const char *s, size_t n, uint64_t *out);

/* Required string; *out points into obj (valid while obj lives). len may be NULL. Strings
 * longer than max_len bytes are refused (0 = no limit beyond the body cap). */
int http_json_get_str(const json_t *obj, const char *key, size_t max_len, const char **out,
                      size_t *len, http_json_err_t *err);
/* Optional string; *out is left unchanged (set a default first) when absent or null. */
int http_json_opt_str(const json_t *obj, const char *key, size_t max_len, const char **out,
                      size_t *len, http_json_err_t *err);

/* Required u64 given as a decimal string, e.g. "amount": "1500". */
int http_json_get_u64str(const json_t *obj, const char *key, uint64_t *out, http_json_err_t *err);
/* Optional u64 string; *present tells whether it was given (present may be NULL). */
int http_json_opt_u64str(const json_t *obj, const char *key, uint64_t *out, bool *present,
                         http_json_err_t *err);

int http_json_get_bool(const json_t *obj, const char *key, bool *out, http_json_err_t *err);
int http_json_opt_bool(const json_t *obj, const char *key, bool *out, http_json_err_t *err);

/* Required object; *out is a borrowed reference into obj. */
int http_json_get_object(const json_t *obj, const char *key, json_t **out, http_json_err_t *err);
/* Optional object; *out is NULL when absent or null. */
int http_json_opt_object(const json_t *obj, const char *key, json_t **out, http_json_err_t *err);

/* A new {"error":{"code":code,"message":message}} document. */
json_t *http_json_error_body(const char *code, const char *message);

#endif
