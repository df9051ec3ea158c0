/*
 * Tests for src/http/server.c, driven over loopback by our own client (src/http/client.c) and,
 * where the client would hide the behaviour (streamed bodies), by a raw socket.
 */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "http/client.h"
#include "http/server.h"

static http_server_t *srv;
static http_client_t *cli;
static char base_url[64];

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- handlers ---- */

static http_handler_result_t h_echo(http_req_t *req, void *user)
{
    (void)user;
    slice_t b = http_req_body(req);
    const char *ct = http_req_header(req, "Content-Type");
    http_req_add_header(req, "X-Echo", "yes");
    http_respond(req, 200, ct ? ct : "application/octet-stream", b.ptr, b.len);
    return HTTP_DONE;
}

static http_handler_result_t h_status(http_req_t *req, void *user)
{
    (void)user;
    json_t *doc =
        json_pack("{s:s,s:s?,s:s?,s:s,s:s?,s:s?,s:s?}", "id", http_req_param(req, "id"), "q",
                  http_req_query(req, "q"), "h", http_req_header(req, "X-Test"), "path",
                  http_req_path(req), "flag", http_req_query(req, "flag"), "absent",
                  http_req_query(req, "absent"), "target", http_req_target(req));
    http_respond_json(req, 200, doc);
    json_decref(doc);
    return HTTP_DONE;
}

static http_handler_result_t h_transfer(http_req_t *req, void *user)
{
    (void)user;
    json_t *doc =
        json_pack("{s:s,s:s}", "id", http_req_param(req, "id"), "tid", http_req_param(req, "tid"));
    http_respond_json(req, 201, doc);
    json_decref(doc);
    return HTTP_DONE;
}

static http_handler_result_t h_forgets(http_req_t *req, void *user)
{
    (void)req;
    (void)user;
    return HTTP_DONE; /* a bug: the server must answer 500 for it */
}

static http_handler_result_t h_twice(http_req_t *req, void *user)
{
    (void)user;
    int first = http_respond(req, 200, "text/plain", "one", 3);
    int second = http_respond(req, 500, "text/plain", "two", 3);
    (void)first;
    /* The first answer wins; the second call must report failure. The body proves which. */
    if (second != -1)
        abort();
    return HTTP_DONE;
}

typedef struct {
    http_req_t *req;
    unsigned delay_ms;
} later_t;

static void *answer_later(void *arg)
{
    later_t *l = arg;
    if (l->delay_ms)
        sleep_ms(l->delay_ms);
    char body[64];
    int n = snprintf(body, sizeof body, "late %u", l->delay_ms);
    http_req_add_header(l->req, "X-From", "worker");
    http_respond(l->req, 202, "text/plain", body, (size_t)n);
    free(l);
    return NULL;
}

/* Answers from another thread after ?ms= milliseconds (0: immediately, racing the suspend). */
static http_handler_result_t h_async(http_req_t *req, void *user)
{
    (void)user;
    later_t *l = malloc(sizeof *l);
    const char *ms = http_req_query(req, "ms");
    l->req = req;
    l->delay_ms = ms ? (unsigned)strtoul(ms, NULL, 10) : 50;
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, answer_later, l), 0);
    pthread_detach(t);
    return HTTP_PENDING;
}

/* ---- fixtures ---- */

static void setup(void)
{
    http_server_config_t cfg = {.port = 0, .threads = 2, .body_max = 4096, .name = "test"};
    srv = http_server_new(&cfg);
    cr_assert_not_null(srv);
    cr_assert_eq(http_server_route(srv, "POST", "/echo", h_echo, NULL, 0), 0);
    cr_assert_eq(http_server_route(srv, "POST", "/small", h_echo, NULL, 100), 0);
    cr_assert_eq(http_server_route(srv, "POST", "/big", h_echo, NULL, 100000), 0);
    cr_assert_eq(http_server_route(srv, "GET", "/accounts/{id}/status", h_status, NULL, 0), 0);
    cr_assert_eq(http_server_route(srv, "PUT", "/accounts/{id}/status", h_status, NULL, 0), 0);
    cr_assert_eq(
        http_server_route(srv, "POST", "/accounts/{id}/transfers/{tid}", h_transfer, NULL, 0), 0);
    cr_assert_eq(http_server_route(srv, "GET", "/forgets", h_forgets, NULL, 0), 0);
    cr_assert_eq(http_server_route(srv, "GET", "/twice", h_twice, NULL, 0), 0);
    cr_assert_eq(http_server_route(srv, "GET", "/async", h_async, NULL, 0), 0);
    cr_assert_eq(http_server_start(srv), 0);
    cr_assert_neq(http_server_port(srv), 0);
    snprintf(base_url, sizeof base_url, "http://127.0.0.1:%u", (unsigned)http_server_port(srv));
    http_client_config_t ccfg = {.host_connections_max = 4};
    cli = http_client_new(&ccfg);
    cr_assert_not_null(cli);
}

static void teardown(void)
{
    http_client_free(cli);
    http_server_free(srv);
}

static http_client_result_t do_req(const char *method, const char *path, const void *body,
                                   size_t len, const http_header_t *h, size_t nh,
                                   http_client_resp_t *out)
{
    char url[256];
    snprintf(url, sizeof url, "%s%s", base_url, path);
    http_client_req_t req = {.method = method,
                             .url = url,
                             .headers = h,
                             .n_headers = nh,
                             .body = {body, len},
                             .timeout_ms = 5000};
    return http_client_do_sync(cli, &req, out);
}

static json_t *body_json(const http_client_resp_t *r)
{
    json_error_t e;
    json_t *doc = json_loadb((const char *)r->body.ptr, r->body.len, 0, &e);
    cr_assert_not_null(doc, "response body is not JSON: %.*s", (int)r->body.len,
                       (const char *)r->body.ptr);
    return doc;
}

static void assert_error_code(const http_client_resp_t *r, const char *code)
{
    json_t *doc = body_json(r);
    const char *got = json_string_value(json_object_get(json_object_get(doc, "error"), "code"));
    cr_assert_str_eq(got ? got : "(none)", code);
    cr_assert(json_is_string(json_object_get(json_object_get(doc, "error"), "message")));
    json_decref(doc);
}

static bool header_is(const http_client_resp_t *r, const char *name, const char *want)
{
    slice_t v = http_client_resp_header(r, name);
    return v.ptr != NULL && v.len == strlen(want) && memcmp(v.ptr, want, v.len) == 0;
}

TestSuite(http_server, .init = setup, .fini = teardown, .timeout = 30);

Test(http_server, echo_round_trip)
{
    http_client_resp_t r;
    http_header_t h[] = {{"Content-Type", "application/octet-stream"}};
    uint8_t body[1000];
    for (size_t i = 0; i < sizeof body; i++)
        body[i] = (uint8_t)(i * 7);
    cr_assert_eq(do_req("POST", "/echo", body, sizeof body, h, 1, &r), HTTP_CLIENT_OK);
    cr_assert_eq(r.status, 200);
    cr_assert_eq(r.body.len, sizeof body);
    cr_assert_eq(memcmp(r.body.ptr, body, sizeof body), 0);
    cr_assert(header_is(&r, "content-type", "application/octet-stream"));
    cr_assert(header_is(&r, "X-Echo", "yes"));
    http_client_resp_free(&r);
}

Test(http_server, healthz_on_every_listener)
{
    http_client_resp_t r;
    cr_assert_eq(do_req("GET", "/healthz", NULL, 0, NULL, 0, &r), HTTP_CLIENT_OK);
    cr_assert_eq(r.status, 200);
    json_t *doc = body_json(&r);
    cr_assert_str_eq(json_string_value(json_object_get(doc, "status")), "ok");
    cr_assert(header_is(&r, "Content-Type", "application/json"));
    json_decref(doc);
    http_client_resp_free(&r);
}

Test(http_server, route_params_query_and_headers)
{
    http_client_resp_t r;
    http_header_t h[] = {{"X-Test", "hdr value"}};
    cr_assert_eq(do_req("GET", "/accounts/acc-42/status?q=a%20b&flag&z=1", NULL, 0, h, 1, &r),
                 HTTP_CLIENT_OK);
    cr_assert_eq(r.status, 200);
    json_t *doc = body_json(&r);
    cr_assert_str_eq(json_string_value(json_object_get(doc, "id")), "acc-42");
    cr_assert_str_eq(json_string_value(json_object_get(doc, "q")), "a b");
    cr_assert_str_eq(json_string_value(json_object_get(doc, "h")), "hdr value");
    cr_assert_str_eq(json_string_value(json_object_get(doc, "path")), "/accounts/acc-42/status");
    cr_assert_str_eq(json_string_value(json_object_get(doc, "flag")), "");
    cr_assert(json_is_null(json_object_get(doc, "absent")));
    /* the raw request-target keeps its percent-encoding, as signatures need */
    cr_assert_str_eq(json_string_value(json_object_get(doc, "target")),
                     "/accounts/acc-42/status?q=a%20b&flag&z=1");
    json_decref(doc);
    http_client_resp_free(&r);

    /* an encoded byte in a segment stays encoded in the target, decoded in the path */
    cr_assert_eq(do_req("GET", "/accounts/a%7Eb/status", NULL, 0, NULL, 0, &r), HTTP_CLIENT_OK);
    doc = body_json(&r);
    cr_assert_str_eq(json_string_value(json_object_get(doc, "target")), "/accounts/a%7Eb/status");
    cr_assert_str_eq(json_string_value(json_object_get(doc, "id")), "a~b");
    json_decref(doc);
    http_client_resp_free(&r);

    cr_assert_eq(do_req("POST", "/accounts/a1/transfers/t9", "{}", 2, NULL, 0, &r), HTTP_CLIENT_OK);
    cr_assert_eq(r.status, 201);
    doc = body_json(&r);
    cr_assert_str_eq(json_string_value(json_object_get(doc, "id")), "a1");
    cr_assert_str_eq(json_string_value(json_object_get(doc, "tid")), "t9");
    json_decref(doc);
    http_client_resp_free(&r);
}

Test(http_server, not_found_is_json_404)
{
    const char *paths[] = {"/nope", "/accounts/x", "/accounts//status", "/accounts/x/status/y",
                           "/"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        http_client_resp_t r;
        cr_assert_eq(do_req("GET", paths[i], NULL, 0, NULL, 0, &r), HTTP_CLIENT_OK);
        cr_assert_eq(r.status, 404, "%s gave %u", paths[i], r.status);
        assert_error_code(&r, "not_found");
        http_client_resp_free(&r);
    }
}

Test(http_server, wrong_method_is_json_405_with_allow)
{
    http_client_resp_t r;
    cr_assert_eq(do_req("DELETE", "/accounts/7/status", NULL, 0, NULL, 0, &r), HTTP_CLIENT_OK);
    cr_assert_eq(r.status, 405);
    assert_error_code(&r, "method_not_allowed");
    cr_assert(header_is(&r, "Allow", "GET, PUT"));
    http_client_resp_free(&r);

    cr_assert_eq(do_req("GET", "/echo", NULL, 0, NULL, 0, &r), HTTP_CLIENT_OK);
    cr_assert_eq(r.status, 405);
    http_client_resp_free(&r);
}

Test(http_server, body_cap_per_route_and_server)
{
    uint8_t body[5000];
    memset(body, 'a', sizeof body);
    http_client_resp_t r;
    /* Route cap 100: exactly 100 passes, 101 is refused. */
    cr_assert_eq(do_req("POST", "/small", body, 100, NULL, 0, &r), HTTP_CLIENT_OK);
    cr_assert_eq(r.status, 200);
    cr_assert_eq(r.body.len, 100);
    http_client_resp_free(&r);
    cr_assert_eq(do_req("POST", "/small", body, 101, NULL, 0, &r), HTTP_CLIENT_OK);
    cr_assert_eq(r.status, 413);
    assert_error_code(&r, "payload_too_large");
    http_client_resp_free(&r);
    /* Server cap 4096 applies to routes without their own. */
    cr_assert_eq(do_req("POST", "/echo", body, 4096, NULL, 0, &r), HTTP_CLIENT_OK);
    cr_assert_eq(r.status, 200);
    http_client_resp_free(&r);
    cr_assert_eq(do_req("POST", "/echo", body, 4097, NULL, 0, &r), HTTP_CLIENT_OK);
    cr_assert_eq(r.status, 413);
    http_client_resp_free(&r);
    /* A route may allow more than the server default. */
    cr_assert_eq(do_req("POST", "/big", body, sizeof body, NULL, 0, &r), HTTP_CLIENT_OK);
    cr_assert_eq(r.status, 200);
    cr_assert_eq(r.body.len, sizeof body);
    http_client_resp_free(&r);
}

/* Sends raw bytes on a new connection and returns what the server answers before closing (or
 * before 2 s pass). */
static size_t raw_exchange(const char *req, size_t req_len, char *out, size_t cap)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(http_server_port(srv))};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    struct timeval tv = {2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    size_t sent = 0;
    while (sent < req_len) {
        ssize_t w = send(fd, req + sent, req_len - sent, MSG_NOSIGNAL);
        if (w <= 0)
            break; /* the server may close early after refusing */
        sent += (size_t)w;
    }
    size_t got = 0;
    while (got + 1 < cap) {
        ssize_t n = recv(fd, out + got, cap - 1 - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
        if (strstr(out, "}}") != NULL)
            break; /* the JSON error body is complete */
        out[got] = '\0';
    }
    out[got] = '\0';
    close(fd);
    return got;
}

Test(http_server, streamed_body_over_cap_is_413)
{
    /* Chunked upload without Content-Length: the cap is enforced while streaming. */
    char req[4096];
    size_t n = 0;
    n += (size_t)snprintf(req, sizeof req,
                          "POST /small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 3; i++) {
        n += (size_t)snprintf(req + n, sizeof req - n, "3c\r\n");
        memset(req + n, 'z', 60);
        n += 60;
        n += (size_t)snprintf(req + n, sizeof req - n, "\r\n");
    }
    n += (size_t)snprintf(req + n, sizeof req - n, "0\r\n\r\n");
    char resp[4096];
    raw_exchange(req, n, resp, sizeof resp);
    cr_assert(strncmp(resp, "HTTP/1.1 413", 12) == 0, "got: %s", resp);
    cr_assert(strstr(resp, "payload_too_large") != NULL, "got: %s", resp);

    /* The same upload under the cap (1 chunk of 60) is echoed. */
    n = (size_t)snprintf(req, sizeof req,
                         "POST /small HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n3c\r\n");
    memset(req + n, 'z', 60);
    n += 60;
    n += (size_t)snprintf(req + n, sizeof req - n, "\r\n0\r\n\r\n");
    raw_exchange(req, n, resp, sizeof resp);
    cr_assert(strncmp(resp, "HTTP/1.1 200", 12) == 0, "got: %s", resp);
}

Test(http_server, content_length_over_cap_refused_before_body)
{
    /* Only headers are sent: the 413 must come without the server waiting for the body. */
    const char *req = "POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n";
    char resp[4096];
    raw_exchange(req, strlen(req), resp, sizeof resp);
    cr_assert(strncmp(resp, "HTTP/1.1 413", 12) == 0, "got: %s", resp);
}

Test(http_server, handler_without_answer_gets_500)
{
    http_client_resp_t r;
    cr_assert_eq(do_req("GET", "/forgets", NULL, 0, NULL, 0, &r), HTTP_CLIENT_OK);
    cr_assert_eq(r.status, 500);
    assert_error_code(&r, "internal");
    http_client_resp_free(&r);
}

Test(http_server, second_answer_is_refused)
{
    http_client_resp_t r;
    cr_assert_eq(do_req("GET", "/twice", NULL, 0, NULL, 0, &r), HTTP_CLIENT_OK);
    cr_assert_eq(r.status, 200);
    cr_assert_eq(r.body.len, 3);
    cr_assert_eq(memcmp(r.body.ptr, "one", 3), 0);
    http_client_resp_free(&r);
}

Test(http_server, suspend_and_answer_from_another_thread)
{
    http_client_resp_t r;
    cr_assert_eq(do_req("GET", "/async?ms=100", NULL, 0, NULL, 0, &r), HTTP_CLIENT_OK);
    cr_assert_eq(r.status, 202);
    cr_assert_eq(r.body.len, strlen("late 100"));
    cr_assert_eq(memcmp(r.body.ptr, "late 100", r.body.len), 0);
    cr_assert(header_is(&r, "X-From", "worker"));
    http_client_resp_free(&r);
    /* the server counts the request done in its completion callback, which may run after the
     * client has read the whole response: wait for it (it failed now and then when checked at
     * once) */
    http_server_stats_t st;
    http_server_stats(srv, &st);
    for (int waited_ms = 0; st.pending != 0 && waited_ms < 2000; waited_ms++) {
        sleep_ms(1);
        http_server_stats(srv, &st);
    }
    cr_assert_eq(st.pending, 0);
}

typedef struct {
    atomic_int ok, bad;
    atomic_long new_conns;
} tally_t;

static void on_tally(const http_client_resp_t *resp, void *user)
{
    tally_t *t = user;
    if (resp->result == HTTP_CLIENT_OK && (resp->status == 202 || resp->status == 200))
        atomic_fetch_add(&t->ok, 1);
    else
        atomic_fetch_add(&t->bad, 1);
    atomic_fetch_add(&t->new_conns, resp->new_connections);
}

static void wait_tally(tally_t *t, int n)
{
    for (int i = 0; i < 10000 && atomic_load(&t->ok) + atomic_load(&t->bad) < n; i++)
        sleep_ms(1);
}

Test(http_server, immediate_answers_from_other_threads_race_the_suspend)
{
    /* ms=0: the worker answers at once, often before the server has suspended the connection. */
    tally_t t = {0};
    char url[128];
    snprintf(url, sizeof url, "%s/async?ms=0", base_url);
    http_client_req_t req = {.url = url, .timeout_ms = 5000};
    for (int i = 0; i < 300; i++)
        cr_assert_eq(http_client_submit(cli, &req, on_tally, &t), 0);
    wait_tally(&t, 300);
    cr_assert_eq(atomic_load(&t.ok), 300);
    cr_assert_eq(atomic_load(&t.bad), 0);
}

Test(http_server, thousand_keep_alive_requests_reuse_connections)
{
    tally_t t = {0};
    char url[128];
    snprintf(url, sizeof url, "%s/echo", base_url);
    uint8_t body[200];
    memset(body, 'k', sizeof body);
    http_client_req_t req = {.url = url, .body = {body, sizeof body}, .timeout_ms = 10000};
    http_server_stats_t before;
    http_server_stats(srv, &before);
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(http_client_submit(cli, &req, on_tally, &t), 0);
    wait_tally(&t, 1000);
    cr_assert_eq(atomic_load(&t.ok), 1000);
    http_server_stats_t after;
    http_server_stats(srv, &after);
    uint64_t opened = after.connections_opened - before.connections_opened;
    /* host_connections_max is 4: every request went over at most 4 connections. */
    cr_assert(opened >= 1 && opened <= 4, "server saw %llu connections",
              (unsigned long long)opened);
    cr_assert(atomic_load(&t.new_conns) <= 4, "curl opened %ld connections",
              atomic_load(&t.new_conns));
    cr_assert_eq(after.requests - before.requests, 1000);
}

typedef struct {
    http_client_resp_t r;
    http_client_result_t rc;
} bg_req_t;

static void *bg_async(void *arg)
{
    bg_req_t *b = arg;
    b->rc = do_req("GET", "/async?ms=300", NULL, 0, NULL, 0, &b->r);
    return NULL;
}

Test(http_server, stop_waits_for_pending_answers)
{
    bg_req_t b = {0};
    pthread_t t;
    pthread_create(&t, NULL, bg_async, &b);
    http_server_stats_t st = {0};
    for (int i = 0; i < 2000 && st.pending == 0; i++) {
        sleep_ms(1);
        http_server_stats(srv, &st);
    }
    cr_assert_eq(st.pending, 1);
    http_server_stop(srv); /* returns only after the pending request was answered */
    pthread_join(t, NULL);
    cr_assert_eq(b.rc, HTTP_CLIENT_OK);
    cr_assert_eq(b.r.status, 202);
    http_client_resp_free(&b.r);
    /* A stopped server refuses connections. */
    http_client_resp_t r;
    cr_assert_eq(do_req("GET", "/healthz", NULL, 0, NULL, 0, &r), HTTP_CLIENT_CONNECT_FAILED);
    http_client_resp_free(&r);
}

Test(http_server, route_registration_errors)
{
    http_server_t *s = http_server_new(NULL);
    cr_assert_not_null(s);
    cr_assert_eq(http_server_route(s, "GET", "no-slash", h_echo, NULL, 0), -1);
    cr_assert_eq(http_server_route(s, "GET", "/a/{x", h_echo, NULL, 0), -1);
    cr_assert_eq(http_server_route(s, "GET", "/a/{}", h_echo, NULL, 0), -1);
    cr_assert_eq(http_server_route(s, "GET", "/a/{id}/b", h_echo, NULL, 0), 0);
    http_server_free(s);
    http_server_config_t bad = {.host = "localhost.invalid"};
    cr_assert_null(http_server_new(&bad));
}

Test(http_server, listens_on_ipv6_loopback)
{
    http_server_config_t cfg = {.host = "::1", .threads = 1};
    http_server_t *s6 = http_server_new(&cfg);
    cr_assert_not_null(s6);
    if (http_server_start(s6) != 0) {
        http_server_free(s6);
        cr_skip_test("no IPv6 loopback here");
    }
    char url[64];
    snprintf(url, sizeof url, "http://[::1]:%u/healthz", (unsigned)http_server_port(s6));
    http_client_req_t req = {.url = url, .timeout_ms = 2000};
    http_client_resp_t r;
    cr_assert_eq(http_client_do_sync(cli, &req, &r), HTTP_CLIENT_OK);
    cr_assert_eq(r.status, 200);
    http_client_resp_free(&r);
    http_server_free(s6);
}
