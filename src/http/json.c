/*
 * JSON body helpers over jansson: a depth pre-scan (jansson's parser recurses and has no depth
 * option we can lower), strict decimal amounts and typed getters with readable errors.
 */
#include "http/json.h"

#include <stdlib.h>

#include "base/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/env.h"
#include "base/limits.h"

__attribute__((format(printf, 3, 4))) static int fail(http_json_err_t *err, const char *code,
                                                      const char *fmt, ...)
{
    if (err != NULL) {
        err->code = code;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* jansson allocates through xmalloc (base/mem.h), so out of memory is fatal there too and no
 * json_* call of ours returns NULL for want of memory. Set before main in every binary that
 * links this file (each one that parses or builds JSON does). */
static void *json_xmalloc(size_t n)
{
    return xmalloc(n);
}

__attribute__((constructor)) static void json_alloc_fatal(void)
{
    json_set_alloc_funcs(json_xmalloc, free);
}

size_t http_json_depth(const uint8_t *p, size_t n, size_t limit)
{
    size_t depth = 0, max = 0;
    bool in_string = false;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (in_string) {
            if (c == '\\')
                i++; /* the escaped byte cannot end the string */
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max) {
                max = depth;
                if (max > limit)
                    return limit + 1;
            }
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
    }
    return max;
}

json_t *http_json_parse(slice_t body, http_json_err_t *err)
{
    if (http_json_depth(body.ptr, body.len, JSON_DEPTH_MAX) > JSON_DEPTH_MAX) {
        fail(err, "too_deep", "JSON nested deeper than %d levels", JSON_DEPTH_MAX);
        return NULL;
    }
    /* jansson calls an empty (or NULL) buffer "wrong arguments" at line -1: say what it is. */
    if (body.len == 0) {
        fail(err, "invalid_json",
             "invalid JSON: the request body is empty; expected a JSON "
             "object (Content-Type: application/json)");
        return NULL;
    }
    json_error_t jerr;
    json_t *doc = json_loadb((const char *)body.ptr, body.len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL && jerr.line >= 1)
        fail(err, "invalid_json", "invalid JSON at line %d column %d: %s", jerr.line, jerr.column,
             jerr.text);
    else if (doc == NULL)
        fail(err, "invalid_json", "invalid JSON: %s", jerr.text);
    return doc;
}

int http_json_parse_u64(const char *s, size_t n, uint64_t *out)
{
    /* One spelling per amount: base's strict decimal parse, minus leading zeros. */
    if (n > 1 && s[0] == '0')
        return -1;
    return parse_u64(s, n, out);
}

/* The value under key when obj is an object; NULL for an absent key or a JSON null. */
static json_t *lookup(const json_t *obj, const char *key)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_null(v) ? NULL : v;
}

static int str_check(json_t *v, const char *key, size_t max_len, const char **out, size_t *len,
                     http_json_err_t *err)
{
    if (!json_is_string(v))
        return fail(err, "invalid_field", "field '%s' must be a string", key);
    size_t n = json_string_length(v);
    if (max_len != 0 && n > max_len)
        return fail(err, "invalid_field", "field '%s' is longer than %zu bytes", key, max_len);
    *out = json_string_value(v);
    if (len != NULL)
        *len = n;
    return 0;
}

int http_json_get_str(const json_t *obj, const char *key, size_t max_len, const char **out,
                      size_t *len, http_json_err_t *err)
{
    json_t *v = lookup(obj, key);
    if (v == NULL)
        return fail(err, "missing_field", "missing required field '%s'", key);
    return str_check(v, key, max_len, out, len, err);
}

int http_json_opt_str(const json_t *obj, const char *key, size_t max_len, const char **out,
                      size_t *len, http_json_err_t *err)
{
    json_t *v = lookup(obj, key);
    return v == NULL ? 0 : str_check(v, key, max_len, out, len, err);
}

static int u64_check(json_t *v, const char *key, uint64_t *out, http_json_err_t *err)
{
    if (!json_is_string(v))
        return fail(err, "invalid_field", "field '%s' must be a string of decimal digits", key);
    if (http_json_parse_u64(json_string_value(v), json_string_length(v), out) != 0)
        return fail(err, "invalid_field",
                    "field '%s' must be an unsigned 64-bit integer in decimal digits "
                    "without sign or leading zeros",
                    key);
    return 0;
}

int http_json_get_u64str(const json_t *obj, const char *key, uint64_t *out, http_json_err_t *err)
{
    json_t *v = lookup(obj, key);
    if (v == NULL)
        return fail(err, "missing_field", "missing required field '%s'", key);
    return u64_check(v, key, out, err);
}

int http_json_opt_u64str(const json_t *obj, const char *key, uint64_t *out, bool *present,
                         http_json_err_t *err)
{
    json_t *v = lookup(obj, key);
    if (present != NULL)
        *present = v != NULL;
    return v == NULL ? 0 : u64_check(v, key, out, err);
}

static int bool_check(json_t *v, const char *key, bool *out, http_json_err_t *err)
{
    if (!json_is_boolean(v))
        return fail(err, "invalid_field", "field '%s' must be true or false", key);
    *out = json_is_true(v);
    return 0;
}

int http_json_get_bool(const json_t *obj, const char *key, bool *out, http_json_err_t *err)
{
    json_t *v = lookup(obj, key);
    if (v == NULL)
        return fail(err, "missing_field", "missing required field '%s'", key);
    return bool_check(v, key, out, err);
}

int http_json_opt_bool(const json_t *obj, const char *key, bool *out, http_json_err_t *err)
{
    json_t *v = lookup(obj, key);
    return v == NULL ? 0 : bool_check(v, key, out, err);
}

int http_json_get_object(const json_t *obj, const char *key, json_t **out, http_json_err_t *err)
{
    json_t *v = lookup(obj, key);
    if (v == NULL)
        return fail(err, "missing_field", "missing required field '%s'", key);
    if (!json_is_object(v))
        return fail(err, "invalid_field", "field '%s' must be an object", key);
    *out = v;
    return 0;
}

int http_json_opt_object(const json_t *obj, const char *key, json_t **out, http_json_err_t *err)
{
    json_t *v = lookup(obj, key);
    *out = NULL;
    if (v == NULL)
        return 0;
    if (!json_is_object(v))
        return fail(err, "invalid_field", "field '%s' must be an object", key);
    *out = v;
    return 0;
}

json_t *http_json_error_body(const char *code, const char *message)
{
    return json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", message);
}
