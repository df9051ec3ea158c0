/* The GraphQL face's shared pieces (admin_gql.h, admin_gql_idem.h): Relay page arguments as
 * Rafiki's getPage reads them, connections, JavaScript-style times, and the idempotencyKey
 * wrapper (replay, argument mismatch, concurrent use, failures not kept). */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin_gql.h"
#include "admin/admin_gql_idem.h"
#include "base/codec.h"
#include "base/digest.h"

static gql_field_err_t ferr;

static gql_call_t call_of(const char *args_json)
{
    memset(&ferr, 0, sizeof ferr);
    json_t *args = json_loads(args_json, 0, NULL);
    cr_assert(args, "bad test JSON %s", args_json);
    return (gql_call_t){.type = "Query", .field = "assets", .args = args, .err = &ferr};
}

Test(gql_page, defaults_forward_desc)
{
    gql_call_t c = call_of("{}");
    admin_gql_page_t p;
    cr_assert_eq(admin_gql_page_args(&c, &p), GQL_RESOLVED);
    cr_assert_eq(p.limit, 20);
    cr_assert(!p.backward && !p.asc && !p.has_cursor);
    json_decref(c.args);
}

Test(gql_page, after_and_before)
{
    gql_call_t c = call_of("{\"first\":5,\"after\":\"a1\",\"sortOrder\":\"ASC\"}");
    admin_gql_page_t p;
    cr_assert_eq(admin_gql_page_args(&c, &p), GQL_RESOLVED);
    cr_assert(p.asc && !p.backward && p.has_cursor && p.limit == 5);
    cr_assert_str_eq(p.cursor, "a1");
    json_decref(c.args);
    c = call_of("{\"last\":3,\"before\":\"b2\"}");
    cr_assert_eq(admin_gql_page_args(&c, &p), GQL_RESOLVED);
    cr_assert(p.backward && p.limit == 3);
    cr_assert_str_eq(p.cursor, "b2");
    json_decref(c.args);
}

Test(gql_page, rafiki_errors)
{
    admin_gql_page_t p;
    gql_call_t c = call_of("{\"last\":3}");
    cr_assert_eq(admin_gql_page_args(&c, &p), GQL_RESOLVE_ERROR);
    cr_assert_str_eq(ferr.message, "Can't paginate backwards from the start.");
    json_decref(c.args);
    c = call_of("{\"first\":101}");
    cr_assert_eq(admin_gql_page_args(&c, &p), GQL_RESOLVE_ERROR);
    cr_assert_str_eq(ferr.message, "Pagination index error");
    cr_assert_str_eq(ferr.code, GQL_CODE_INTERNAL);
    json_decref(c.args);
    c = call_of("{\"first\":-1}");
    cr_assert_eq(admin_gql_page_args(&c, &p), GQL_RESOLVE_ERROR);
    json_decref(c.args);
    c = call_of("{\"first\":0}"); /* Rafiki: `first || 20` */
    cr_assert_eq(admin_gql_page_args(&c, &p), GQL_RESOLVED);
    cr_assert_eq(p.limit, 20);
    json_decref(c.args);
}

Test(gql_page, connection_shape)
{
    json_t *nodes = json_loads("[{\"id\":\"x\"},{\"id\":\"y\"}]", 0, NULL);
    json_t *conn = admin_gql_connection(nodes, true, false);
    char *s = json_dumps(conn, JSON_COMPACT);
    cr_assert_str_eq(s, "{\"edges\":[{\"cursor\":\"x\",\"node\":{\"id\":\"x\"}},{\"cursor\":\"y\","
                        "\"node\":{\"id\":\"y\"}}],\"pageInfo\":{\"startCursor\":\"x\","
                        "\"endCursor\":\"y\",\"hasNextPage\":false,\"hasPreviousPage\":true}}");
    free(s);
    json_decref(conn);
    conn = admin_gql_connection(json_array(), false, false);
    s = json_dumps(conn, JSON_COMPACT);
    cr_assert_str_eq(s, "{\"edges\":[],\"pageInfo\":{\"startCursor\":null,\"endCursor\":null,"
                        "\"hasNextPage\":false,\"hasPreviousPage\":false}}");
    free(s);
    json_decref(conn);
}

Test(gql_time, as_javascript)
{
    char t[32];
    admin_gql_time(0, t);
    cr_assert_str_eq(t, "1970-01-01T00:00:00.000Z");
    admin_gql_time(1796674734123, t);
    cr_assert_str_eq(t, "2026-12-07T20:18:54.123Z");
    admin_gql_time(951782400999, t); /* a leap day */
    cr_assert_str_eq(t, "2000-02-29T00:00:00.999Z");
}

static int runs;
static bool fail_next;

static gql_resolve_t counting(const gql_call_t *call, json_t **out)
{
    runs++;
    if (fail_next)
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "Asset not found");
    *out = json_pack("{s:i}", "run", runs);
    return GQL_RESOLVED;
}

/* The tenant the idempotency calls run as. */
static admin_gql_req_t caller = {.tenant_id = "tenant-a"};

static gql_resolve_t idem(cache_t *cache, const char *field, const char *args, json_t **out)
{
    gql_call_t c = call_of(args);
    c.type = "Mutation";
    c.field = field;
    c.ctx = &caller;
    gql_resolve_t r = admin_gql_idem_run(cache, &c, counting, out);
    json_decref(c.args);
    return r;
}

Test(gql_idem, replay_mismatch_and_failures)
{
    cache_t *cache = cache_open(NULL, NULL);
    runs = 0;
    fail_next = false;
    json_t *a = NULL, *b = NULL;
    const char *args = "{\"input\":{\"idempotencyKey\":\"k1\",\"code\":\"USD\",\"scale\":2}}";
    const char *same = "{\"input\":{\"scale\":2,\"code\":\"USD\",\"idempotencyKey\":\"k1\"}}";
    cr_assert_eq(idem(cache, "createAsset", args, &a), GQL_RESOLVED);
    cr_assert_eq(idem(cache, "createAsset", same, &b), GQL_RESOLVED);
    cr_assert_eq(runs, 1, "the replay must not run the resolver again");
    cr_assert(json_equal(a, b));
    json_decref(a);
    json_decref(b);
    const char *other = "{\"input\":{\"idempotencyKey\":\"k1\",\"code\":\"EUR\",\"scale\":2}}";
    cr_assert_eq(idem(cache, "createAsset", other, &a), GQL_RESOLVE_ERROR);
    cr_assert_str_eq(ferr.message, "Incoming arguments are different than the original request "
                                   "for idempotencyKey: k1");
    cr_assert_eq(idem(cache, "updateAsset", args, &a), GQL_RESOLVE_ERROR);
    cr_assert_eq(runs, 1);
    /* a failure is not kept: the retry runs again */
    fail_next = true;
    const char *k2 = "{\"input\":{\"idempotencyKey\":\"k2\"}}";
    cr_assert_eq(idem(cache, "createAsset", k2, &a), GQL_RESOLVE_ERROR);
    fail_next = false;
    cr_assert_eq(idem(cache, "createAsset", k2, &a), GQL_RESOLVED);
    cr_assert_eq(runs, 3);
    json_decref(a);
    /* without a key the resolver always runs */
    cr_assert_eq(idem(cache, "createAsset", "{\"input\":{}}", &a), GQL_RESOLVED);
    json_decref(a);
    cr_assert_eq(runs, 4);
    /* another tenant's same key and arguments are its own: never the first tenant's answer */
    caller.tenant_id = "tenant-b";
    cr_assert_eq(idem(cache, "createAsset", args, &a), GQL_RESOLVED);
    cr_assert_eq(runs, 5, "tenant-b's call ran");
    cr_assert_eq(json_integer_value(json_object_get(a, "run")), 5);
    json_decref(a);
    caller.tenant_id = "tenant-a";
    cache_close(cache);
}

Test(gql_idem, concurrent_use_is_refused)
{
    cache_t *cache = cache_open(NULL, NULL);
    /* hold the lock as a request in flight would: gql-lock:<hex SHA-256 of tenant NUL key> */
    uint8_t h[SHA256_LEN];
    sha256(h, "tenant-a\0k3", 11);
    char hex[2 * SHA256_LEN + 1], lock[128];
    hex_encode(hex, sizeof hex, h, SHA256_LEN);
    snprintf(lock, sizeof lock, "gql-lock:%s", hex);
    cr_assert_eq(cache_set_nx(cache, lock, "1", 1, 10000, NULL), CACHE_OK);
    json_t *a = NULL;
    runs = 0;
    fail_next = false;
    cr_assert_eq(idem(cache, "createAsset", "{\"input\":{\"idempotencyKey\":\"k3\"}}", &a),
                 GQL_RESOLVE_ERROR);
    cr_assert_str_eq(ferr.message, "Concurrent request for idempotencyKey: k3");
    cr_assert_eq(runs, 0);
    /* released: the next call runs and frees the lock after itself */
    cache_del(cache, lock, NULL);
    cr_assert_eq(idem(cache, "createAsset", "{\"input\":{\"idempotencyKey\":\"k3\"}}", &a),
                 GQL_RESOLVED);
    json_decref(a);
    cr_assert_eq(cache_set_nx(cache, lock, "1", 1, 10000, NULL), CACHE_OK);
    cache_close(cache);
}
