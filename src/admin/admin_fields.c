/*
 * Reading an admin request: the JSON body, its fields, path and query parameters. Each getter
 * answers 400 naming the field through admin_error (admin_call.c) and returns -1.
 */
#include "admin/admin.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/assert.h"
#include "base/ct.h"
#include "base/digest.h"
#include "base/log.h"
#include "http/json.h"

/* ---- body and fields ---- */

json_t *admin_body(admin_call_t *call)
{
    http_json_err_t err;
    json_t *doc = http_json_parse(http_req_body(call->req), &err);
    if (!doc) {
        admin_error(call, 400, err.code, "%s", err.message);
        return NULL;
    }
    if (!json_is_object(doc)) {
        json_decref(doc);
        admin_error(call, 400, "invalid_body", "the request body must be a JSON object");
        return NULL;
    }
    call->body = doc;
    return doc;
}

json_t *admin_body_opt(admin_call_t *call)
{
    if (http_req_body(call->req).len > 0)
        return admin_body(call);
    call->body = json_object();
    return call->body;
}

/* The value under key; NULL for absent or null. */
static json_t *field(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_null(v) ? NULL : v;
}

static int amount_check(admin_call_t *call, const json_t *v, const char *key, bool positive,
                        uint64_t *out)
{
    uint64_t x;
    if (!json_is_string(v) ||
        http_json_parse_u64(json_string_value(v), json_string_length(v), &x) != 0) {
        admin_error(call, 400, "invalid_amount",
                    "field '%s' must be a string of decimal digits for an unsigned 64-bit "
                    "integer (0 to 18446744073709551615, no sign, no leading zeros)",
                    key);
        return -1;
    }
    if (positive && x == 0) {
        admin_error(call, 400, "invalid_amount", "field '%s' must be greater than 0", key);
        return -1;
    }
    *out = x;
    return 0;
}

int admin_get_amount(admin_call_t *call, const json_t *obj, const char *key, bool positive,
                     uint64_t *out)
{
    json_t *v = field(obj, key);
    if (!v) {
        admin_error(call, 400, "missing_field", "missing required field '%s'", key);
        return -1;
    }
    return amount_check(call, v, key, positive, out);
}

int admin_opt_amount(admin_call_t *call, const json_t *obj, const char *key, uint64_t *out,
                     bool *present)
{
    json_t *v = field(obj, key);
    if (present)
        *present = v != NULL;
    return v ? amount_check(call, v, key, false, out) : 0;
}

/* Signed canonical decimal: an optional '-' then a canonical u64 within the int64 range;
 * "-0" is refused so that every value has one spelling. */
static int parse_i64(const char *s, size_t n, int64_t *out)
{
    bool neg = n > 0 && s[0] == '-';
    uint64_t mag;
    if (http_json_parse_u64(s + neg, n - neg, &mag) != 0)
        return -1;
    if (neg) {
        if (mag == 0 || mag > (uint64_t)INT64_MAX + 1)
            return -1;
        *out = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
    } else {
        if (mag > (uint64_t)INT64_MAX)
            return -1;
        *out = (int64_t)mag;
    }
    return 0;
}

int admin_opt_i64str(admin_call_t *call, const json_t *obj, const char *key, int64_t *out,
                     bool *present)
{
    json_t *v = field(obj, key);
    if (present)
        *present = v != NULL;
    if (!v)
        return 0;
    if (!json_is_string(v) || parse_i64(json_string_value(v), json_string_length(v), out) != 0) {
        admin_error(call, 400, "invalid_amount",
                    "field '%s' must be a string of decimal digits with an optional '-' for a "
                    "signed 64-bit integer",
                    key);
        return -1;
    }
    return 0;
}

static int id_check(admin_call_t *call, const json_t *v, const char *key, ledger_id_t *out)
{
    if (!json_is_string(v) ||
        ledger_id_parse(json_string_value(v), json_string_length(v), out) != 0) {
        admin_error(call, 400, "invalid_field", "field '%s' must be a UUID string", key);
        return -1;
    }
    return 0;
}

int admin_get_id(admin_call_t *call, const json_t *obj, const char *key, ledger_id_t *out)
{
    json_t *v = field(obj, key);
    if (!v) {
        admin_error(call, 400, "missing_field", "missing required field '%s'", key);
        return -1;
    }
    return id_check(call, v, key, out);
}

int admin_opt_id(admin_call_t *call, const json_t *obj, const char *key, ledger_id_t *out,
                 bool *present)
{
    json_t *v = field(obj, key);
    if (present)
        *present = v != NULL;
    return v ? id_check(call, v, key, out) : 0;
}

int admin_opt_uint(admin_call_t *call, const json_t *obj, const char *key, uint64_t min,
                   uint64_t max, uint64_t *out, bool *present)
{
    json_t *v = field(obj, key);
    if (present)
        *present = v != NULL;
    if (!v)
        return 0;
    json_int_t x = json_is_integer(v) ? json_integer_value(v) : -1;
    if (x < 0 || (uint64_t)x < min || (uint64_t)x > max) {
        admin_error(call, 400, "invalid_field",
                    "field '%s' must be an integer from %" PRIu64 " to %" PRIu64, key, min, max);
        return -1;
    }
    *out = (uint64_t)x;
    return 0;
}

int admin_opt_bool(admin_call_t *call, const json_t *obj, const char *key, bool *out, bool *present)
{
    json_t *v = field(obj, key);
    if (present)
        *present = v != NULL;
    if (!v)
        return 0;
    if (!json_is_boolean(v)) {
        admin_error(call, 400, "invalid_field", "field '%s' must be true or false", key);
        return -1;
    }
    *out = json_is_true(v);
    return 0;
}

int admin_check_keys(admin_call_t *call, const json_t *obj, const char *where,
                     const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        bool ok = false;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcmp(*a, key) == 0;
        if (!ok) {
            admin_error(call, 400, "unknown_field", "unknown field '%.64s' in %s", key, where);
            return -1;
        }
    }
    return 0;
}

/* ---- path and query ---- */

int admin_path_id(admin_call_t *call, const char *name, ledger_id_t *out)
{
    const char *v = http_req_param(call->req, name);
    if (!v || ledger_id_parse(v, strlen(v), out) != 0) {
        admin_error(call, 400, "invalid_id", "'%.64s' in the path is not a UUID", v ? v : "");
        return -1;
    }
    return 0;
}

int admin_query_id(admin_call_t *call, const char *name, ledger_id_t *out, bool *present)
{
    const char *v = http_req_query(call->req, name);
    bool given = v != NULL && *v != '\0';
    if (present)
        *present = given;
    if (!given)
        return 0;
    if (ledger_id_parse(v, strlen(v), out) != 0) {
        admin_error(call, 400, "invalid_id", "query parameter '%s' must be a UUID", name);
        return -1;
    }
    return 0;
}

int admin_query_limit(admin_call_t *call, size_t *out)
{
    const char *v = http_req_query(call->req, "limit");
    *out = ADMIN_PAGE_DEFAULT;
    if (!v)
        return 0;
    uint64_t x;
    if (http_json_parse_u64(v, strlen(v), &x) != 0 || x < 1 || x > ADMIN_PAGE_MAX) {
        admin_error(call, 400, "invalid_field", "query parameter 'limit' must be 1 to %d",
                    ADMIN_PAGE_MAX);
        return -1;
    }
    *out = (size_t)x;
    return 0;
}

int admin_query_cursor(admin_call_t *call, ledger_id_t *after)
{
    *after = (ledger_id_t){0, 0};
    const char *cursor = http_req_query(call->req, "cursor");
    if (cursor && *cursor && ledger_id_parse(cursor, strlen(cursor), after) != 0) {
        admin_error(call, 400, "invalid_cursor", "the cursor is not valid");
        return -1;
    }
    return 0;
}
