/*
 * The GraphQL face's shared shapes (admin_gql.h): Relay page arguments read as Rafiki's getPage
 * reads them, connections as its resolvers build them, and times as JavaScript prints them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "admin/admin_gql.h"
#include "base/civil.h"

gql_resolve_t admin_gql_fail(const gql_call_t *call, const char *code, const char *fmt, ...)
{
    call->err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(call->err->message, sizeof call->err->message, fmt, ap);
    va_end(ap);
    return GQL_RESOLVE_ERROR;
}

/* first or last: absent, null or 0 mean the default (Rafiki: `pagination.first || 20`). */
static gql_resolve_t limit_arg(const gql_call_t *call, const char *name, uint32_t *out)
{
    json_t *v = json_object_get(call->args, name);
    *out = ADMIN_GQL_PAGE_DEFAULT;
    if (!json_is_integer(v) || json_integer_value(v) == 0)
        return GQL_RESOLVED;
    json_int_t n = json_integer_value(v);
    if (n < 0 || n > ADMIN_GQL_PAGE_MAX)
        return admin_gql_fail(call, GQL_CODE_INTERNAL, "Pagination index error");
    *out = (uint32_t)n;
    return GQL_RESOLVED;
}

static bool cursor_arg(const gql_call_t *call, const char *name, admin_gql_page_t *page)
{
    json_t *v = json_object_get(call->args, name);
    if (!json_is_string(v))
        return false;
    snprintf(page->cursor, sizeof page->cursor, "%s", json_string_value(v));
    page->has_cursor = true;
    return true;
}

gql_resolve_t admin_gql_page_args(const gql_call_t *call, admin_gql_page_t *page)
{
    memset(page, 0, sizeof *page);
    json_t *order = json_object_get(call->args, "sortOrder");
    page->asc = json_is_string(order) && strcmp(json_string_value(order), "ASC") == 0;
    json_t *before = json_object_get(call->args, "before");
    if (!json_is_string(before) && json_is_integer(json_object_get(call->args, "last")))
        return admin_gql_fail(call, GQL_CODE_INTERNAL, "Can't paginate backwards from the start.");
    uint32_t first, last;
    if (limit_arg(call, "first", &first) != GQL_RESOLVED ||
        limit_arg(call, "last", &last) != GQL_RESOLVED)
        return GQL_RESOLVE_ERROR;
    page->limit = first;
    if (cursor_arg(call, "after", page))
        return GQL_RESOLVED;
    if (cursor_arg(call, "before", page)) {
        page->backward = true;
        page->limit = last;
    }
    return GQL_RESOLVED;
}

json_t *admin_gql_connection(json_t *nodes, bool has_prev, bool has_next)
{
    json_t *edges = json_array();
    size_t i, n = json_array_size(nodes);
    json_t *node;
    json_array_foreach(nodes, i, node)
    {
        json_t *id = json_object_get(node, "id");
        json_array_append_new(
            edges, json_pack("{s:O,s:O}", "cursor", id ? id : json_null(), "node", node));
    }
    json_t *start = n ? json_object_get(json_array_get(nodes, 0), "id") : NULL;
    json_t *end = n ? json_object_get(json_array_get(nodes, n - 1), "id") : NULL;
    json_t *info =
        json_pack("{s:O,s:O,s:b,s:b}", "startCursor", start ? start : json_null(), "endCursor",
                  end ? end : json_null(), "hasNextPage", has_next, "hasPreviousPage", has_prev);
    json_decref(nodes);
    return json_pack("{s:o,s:o}", "edges", edges, "pageInfo", info);
}

void admin_gql_time(int64_t unix_ms, char out[32])
{
    int64_t days = unix_ms / 86400000, rem = unix_ms % 86400000;
    if (rem < 0) {
        rem += 86400000;
        days--;
    }
    int64_t y;
    int m, d;
    civil_date_from_days(days, &y, &m, &d);
    snprintf(out, 32, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ", (long long)y, m, d,
             (int)(rem / 3600000), (int)(rem / 60000 % 60), (int)(rem / 1000 % 60),
             (int)(rem % 1000));
}

json_t *admin_gql_time_json(int64_t unix_ms)
{
    char t[32];
    admin_gql_time(unix_ms, t);
    return json_string(t);
}
