/* src/backend/admin.c: bearer checks and JSON values, and the header checks every admin route
 * runs before its body (over loopback, with an in-process cache and no ledger). */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "../http/raw_conn.h"
#include "admin/admin.h"
#include "http/client.h"

Test(admin, bearer_token)
{
    admin_ctx_t ctx = {.secret = "s3cret-value"};
    cr_expect(admin_authorized(&ctx, "Bearer s3cret-value"));
    cr_expect(admin_authorized(&ctx, "bearer s3cret-value"), "the scheme is case-insensitive");
    cr_expect(!admin_authorized(&ctx, "Bearer s3cret-valu"));
    cr_expect(!admin_authorized(&ctx, "Bearer s3cret-value2"));
    cr_expect(!admin_authorized(&ctx, "Bearer "));
    cr_expect(!admin_authorized(&ctx, "s3cret-value"));
    cr_expect(!admin_authorized(&ctx, "Basic s3cret-value"));
    cr_expect(!admin_authorized(&ctx, NULL));
    ctx.secret = NULL;
    cr_expect(!admin_authorized(&ctx, "Bearer "));
    cr_expect(!admin_authorized(&ctx, "Bearer (null)"));
    ctx.secret = "";
    cr_expect(!admin_authorized(&ctx, "Bearer "), "an empty secret refuses everything");
}

Test(admin, json_values)
{
    json_t *v = pay_json_u64(UINT64_MAX);
    cr_expect_str_eq(json_string_value(v), "18446744073709551615");
    json_decref(v);
    v = pay_json_i64(INT64_MIN);
    cr_expect_str_eq(json_string_value(v), "-9223372036854775808");
    json_decref(v);
    v = pay_json_time(1738324800123);
    cr_expect_str_eq(json_string_value(v), "2025-01-31T12:00:00.123Z");
    json_decref(v);
    cr_expect(json_is_null(pay_json_time(0)));
    v = pay_json_id_or_null((ledger_id_t){0, 0});
    cr_expect(json_is_null(v));
    v = pay_json_id((ledger_id_t){0x0123456789abcdefull, 0xfedcba9876543210ull});
    cr_expect_str_eq(json_string_value(v), "01234567-89ab-cdef-fedc-ba9876543210");
    json_decref(v);
}

/* ---- the admin routes' header checks, over loopback ---- */

#define SECRET "admin-test-secret-0123"

static http_server_t *srv;
static http_client_t *cli;
static admin_ctx_t actx;
static cache_t *cache;
static int things_calls;

/* POST /things: echoes the parsed body under "got". */
static http_handler_result_t thing_create(admin_call_t *call)
{
    things_calls++;
    json_t *body = admin_body(call);
    if (!body)
        return HTTP_DONE;
    return admin_reply(call, 201, json_pack("{s:O}", "got", body));
}

static const admin_route_t things[] = {ADMIN_ROUTE("POST", "/things", thing_create)};

static void things_start(void)
{
    cache_err_t cerr;
    cache = cache_open(NULL, &cerr);
    cr_assert_not_null(cache);
    actx = (admin_ctx_t){.secret = SECRET, .cache = cache};
    http_server_config_t hc = {.threads = 2, .name = "admin-unit"};
    srv = http_server_new(&hc);
    cr_assert_not_null(srv);
    cr_assert_eq(admin_routes_register(srv, &actx, things, 1), 0);
    cr_assert_eq(http_server_start(srv), 0);
    cli = http_client_new(NULL);
    cr_assert_not_null(cli);
    things_calls = 0;
}

static void things_stop(void)
{
    http_client_free(cli);
    http_server_free(srv);
    cache_close(cache);
}

/* POSTs body to /things with the given Content-Type (NULL: none) and key (NULL: none). */
static void post_thing(const char *content_type, const char *body, const char *key,
                       http_client_resp_t *out)
{
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/things", (unsigned)http_server_port(srv));
    http_header_t h[3] = {{"Authorization", "Bearer " SECRET}};
    size_t nh = 1;
    if (content_type)
        h[nh++] = (http_header_t){"Content-Type", content_type};
    if (key)
        h[nh++] = (http_header_t){"Idempotency-Key", key};
    http_client_req_t rq = {.method = "POST",
                            .url = url,
                            .headers = h,
                            .n_headers = nh,
                            .body = {(const uint8_t *)body, strlen(body)},
                            .timeout_ms = 5000};
    cr_assert_eq(http_client_do_sync(cli, &rq, out), HTTP_CLIENT_OK);
}

static void expect_error(const http_client_resp_t *r, unsigned status, const char *code,
                         const char *message_part);

/* POSTs and expects an error answer (see expect_error). */
static void expect_post_error(const char *content_type, const char *body, unsigned status,
                              const char *code, const char *message_part)
{
    http_client_resp_t r;
    post_thing(content_type, body, NULL, &r);
    expect_error(&r, status, code, message_part);
    http_client_resp_free(&r);
}

/* The error object of an answer: code and message must both be strings. */
static void expect_error(const http_client_resp_t *r, unsigned status, const char *code,
                         const char *message_part)
{
    cr_expect_eq(r->status, status);
    json_error_t e;
    json_t *doc = json_loadb((const char *)r->body.ptr, r->body.len, 0, &e);
    cr_assert_not_null(doc, "not JSON: %.*s", (int)r->body.len, (const char *)r->body.ptr);
    json_t *err = json_object_get(doc, "error");
    const char *c = json_string_value(json_object_get(err, "code"));
    const char *m = json_string_value(json_object_get(err, "message"));
    cr_expect_str_eq(c ? c : "(none)", code);
    cr_expect(m && strstr(m, message_part), "message: %s", m ? m : "(none)");
    json_decref(doc);
}

Test(admin_gate, unauthenticated_upload_refused_on_headers, .init = things_start,
     .fini = things_stop, .timeout = 30)
{
    /* Only the headers of a 1 MiB upload: the 401 must not wait for the body. */
    raw_expect_early_answer(http_server_port(srv),
                            "POST /things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            "Content-Length: 1048576\r\n\r\n",
                            "HTTP/1.1 401", "\"code\":\"unauthorized\"");
    cr_assert_eq(things_calls, 0);
}

Test(admin_gate, body_needs_json_content_type, .init = things_start, .fini = things_stop,
     .timeout = 30)
{
    http_client_resp_t r;
    expect_post_error("text/plain", "{\"a\":1}", 415, "unsupported_media_type",
                      "Content-Type: application/json");
    expect_post_error(NULL, "{\"a\":1}", 415, "unsupported_media_type", "application/json");
    expect_post_error("application/jsonx", "{\"a\":1}", 415, "unsupported_media_type",
                      "application/json");
    cr_expect_eq(things_calls, 0);
    post_thing("Application/JSON; charset=utf-8", "{\"a\":1}", NULL, &r);
    cr_expect_eq(r.status, 201);
    http_client_resp_free(&r);
}

Test(admin_gate, empty_and_malformed_bodies_say_why, .init = things_start, .fini = things_stop,
     .timeout = 30)
{
    expect_post_error("application/json", "", 400, "invalid_json", "body is empty");
    /* No body, so no Content-Type is needed to be told so. */
    expect_post_error(NULL, "", 400, "invalid_json", "body is empty");
    expect_post_error("application/json", "{\"a\":", 400, "invalid_json", "line 1 column");
}

Test(admin_gate, refused_media_type_leaves_the_idempotency_key_free, .init = things_start,
     .fini = things_stop, .timeout = 30)
{
    http_client_resp_t r;
    post_thing("text/plain", "{\"a\":2}", "key-1", &r);
    cr_expect_eq(r.status, 415);
    http_client_resp_free(&r);
    post_thing("application/json", "{\"a\":2}", "key-1", &r);
    cr_expect_eq(r.status, 201);
    http_client_resp_free(&r);
}
