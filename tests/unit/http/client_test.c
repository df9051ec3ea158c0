/*
 * Tests for src/http/client.c against our server on loopback: failures are reported as
 * enumerated results, and every accepted request completes exactly once.
 */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http/client.h"
#include "http/server.h"

static http_server_t *srv;
static char base_url[64];

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void *answer_slowly(void *arg)
{
    sleep_ms(400);
    http_respond(arg, 200, "text/plain", "slow", 4);
    return NULL;
}

static http_handler_result_t h_slow(http_req_t *req, void *user)
{
    (void)user;
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, answer_slowly, req), 0);
    pthread_detach(t);
    return HTTP_PENDING;
}

static http_handler_result_t h_big(http_req_t *req, void *user)
{
    (void)user;
    static char body[100000];
    memset(body, 'b', sizeof body);
    http_respond(req, 200, "text/plain", body, sizeof body);
    return HTTP_DONE;
}

static http_handler_result_t h_method(http_req_t *req, void *user)
{
    (void)user;
    const char *m = http_req_method(req);
    http_req_add_header(req, "X-Method", m);
    slice_t b = http_req_body(req);
    http_respond(req, 200, "text/plain", b.ptr, b.len);
    return HTTP_DONE;
}

static void setup(void)
{
    http_server_config_t cfg = {.threads = 2};
    srv = http_server_new(&cfg);
    cr_assert_not_null(srv);
    http_server_route(srv, "GET", "/slow", h_slow, NULL, 0);
    http_server_route(srv, "GET", "/big", h_big, NULL, 0);
    http_server_route(srv, "PUT", "/m", h_method, NULL, 0);
    http_server_route(srv, "DELETE", "/m", h_method, NULL, 0);
    cr_assert_eq(http_server_start(srv), 0);
    snprintf(base_url, sizeof base_url, "http://127.0.0.1:%u", (unsigned)http_server_port(srv));
}

static void teardown(void)
{
    http_server_free(srv);
}

TestSuite(http_client, .init = setup, .fini = teardown, .timeout = 30);

static void url_for(char *out, size_t cap, const char *path)
{
    snprintf(out, cap, "%s%s", base_url, path);
}

Test(http_client, timeout_against_slow_handler)
{
    http_client_t *c = http_client_new(NULL);
    char url[128];
    url_for(url, sizeof url, "/slow");
    http_client_req_t req = {.url = url, .timeout_ms = 100};
    http_client_resp_t r;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    cr_assert_eq(http_client_do_sync(c, &req, &r), HTTP_CLIENT_TIMEOUT);
    clock_gettime(CLOCK_MONOTONIC, &b);
    long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    cr_assert(ms >= 90 && ms < 380, "timed out after %ld ms", ms);
    cr_assert_eq(r.status, 0);
    http_client_resp_free(&r);
    /* With enough time the same request succeeds. */
    req.timeout_ms = 3000;
    cr_assert_eq(http_client_do_sync(c, &req, &r), HTTP_CLIENT_OK);
    cr_assert_eq(r.status, 200);
    http_client_resp_free(&r);
    http_client_free(c);
}

Test(http_client, connect_failed_on_closed_port)
{
    /* Take a free port and release it: nothing listens there. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    close(fd);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", (unsigned)ntohs(a.sin_port));
    http_client_t *c = http_client_new(NULL);
    http_client_resp_t r;
    http_client_req_t req = {.url = url, .timeout_ms = 2000};
    cr_assert_eq(http_client_do_sync(c, &req, &r), HTTP_CLIENT_CONNECT_FAILED);
    http_client_resp_free(&r);
    http_client_free(c);
}

Test(http_client, response_over_cap_is_too_large)
{
    http_client_t *c = http_client_new(NULL);
    char url[128];
    url_for(url, sizeof url, "/big");
    http_client_resp_t r;
    http_client_req_t req = {.url = url, .timeout_ms = 2000, .response_max = 99999};
    cr_assert_eq(http_client_do_sync(c, &req, &r), HTTP_CLIENT_TOO_LARGE);
    http_client_resp_free(&r);
    req.response_max = 100000;
    cr_assert_eq(http_client_do_sync(c, &req, &r), HTTP_CLIENT_OK);
    cr_assert_eq(r.body.len, 100000);
    http_client_resp_free(&r);
    http_client_free(c);
}

Test(http_client, methods_headers_and_body)
{
    http_client_t *c = http_client_new(NULL);
    char url[128];
    url_for(url, sizeof url, "/m");
    http_client_resp_t r;
    http_client_req_t req = {.method = "PUT", .url = url, .body = SLICE_LIT("put body")};
    cr_assert_eq(http_client_do_sync(c, &req, &r), HTTP_CLIENT_OK);
    cr_assert_eq(r.status, 200);
    slice_t m = http_client_resp_header(&r, "x-method");
    cr_assert(slice_eq_str(m, "PUT"));
    cr_assert(slice_eq_str(r.body, "put body"));
    cr_assert_null(http_client_resp_header(&r, "X-Absent").ptr);
    http_client_resp_free(&r);
    req.method = "DELETE";
    req.body = (slice_t){NULL, 0};
    cr_assert_eq(http_client_do_sync(c, &req, &r), HTTP_CLIENT_OK);
    cr_assert(slice_eq_str(http_client_resp_header(&r, "X-Method"), "DELETE"));
    http_client_resp_free(&r);
    http_client_free(c);
}

static void never(const http_client_resp_t *r, void *u)
{
    (void)r;
    (void)u;
    cr_assert_fail("a refused submit must not call back");
}

Test(http_client, bad_requests_are_refused_at_submit)
{
    http_client_t *c = http_client_new(NULL);
    http_client_req_t req = {.url = NULL};
    cr_assert_eq(http_client_submit(c, &req, never, NULL), HTTP_CLIENT_BAD_REQUEST);
    http_header_t h[] = {{"X-Bad", "a\r\nInjected: yes"}};
    req = (http_client_req_t){.url = "http://127.0.0.1:1/", .headers = h, .n_headers = 1};
    cr_assert_eq(http_client_submit(c, &req, never, NULL), HTTP_CLIENT_BAD_REQUEST);
    /* A scheme other than http(s) is refused by the transfer itself. */
    http_client_resp_t r;
    req = (http_client_req_t){.url = "file:///etc/passwd"};
    cr_assert_eq(http_client_do_sync(c, &req, &r), HTTP_CLIENT_BAD_REQUEST);
    http_client_resp_free(&r);
    http_client_free(c);
}

typedef struct {
    atomic_int n, shutdown, ok;
} count_t;

static void on_count(const http_client_resp_t *r, void *u)
{
    count_t *k = u;
    atomic_fetch_add(&k->n, 1);
    if (r->result == HTTP_CLIENT_SHUTDOWN)
        atomic_fetch_add(&k->shutdown, 1);
    if (r->result == HTTP_CLIENT_OK)
        atomic_fetch_add(&k->ok, 1);
}

Test(http_client, free_completes_everything_with_shutdown)
{
    http_client_config_t cfg = {.host_connections_max = 2};
    http_client_t *c = http_client_new(&cfg);
    char url[128];
    url_for(url, sizeof url, "/slow");
    http_client_req_t req = {.url = url, .timeout_ms = 5000};
    count_t k = {0};
    for (int i = 0; i < 10; i++)
        cr_assert_eq(http_client_submit(c, &req, on_count, &k), 0);
    sleep_ms(50);
    http_client_free(c);
    cr_assert_eq(atomic_load(&k.n), 10, "every accepted request completes exactly once");
    cr_assert_eq(atomic_load(&k.shutdown), 10);
}

Test(http_client, queue_full_is_reported)
{
    http_client_config_t cfg = {.queue_max = 3};
    http_client_t *c = http_client_new(&cfg);
    char url[128];
    url_for(url, sizeof url, "/slow");
    http_client_req_t req = {.url = url, .timeout_ms = 5000};
    count_t k = {0};
    for (int i = 0; i < 3; i++)
        cr_assert_eq(http_client_submit(c, &req, on_count, &k), 0);
    cr_assert_eq(http_client_submit(c, &req, never, NULL), HTTP_CLIENT_QUEUE_FULL);
    for (int i = 0; i < 3000 && atomic_load(&k.n) < 3; i++)
        sleep_ms(1);
    cr_assert_eq(atomic_load(&k.ok), 3);
    /* Completed requests free their places. */
    cr_assert_eq(http_client_submit(c, &req, on_count, &k), 0);
    http_client_free(c);
    cr_assert_eq(atomic_load(&k.n), 4);
}

Test(http_client, result_names)
{
    cr_assert_str_eq(http_client_result_str(HTTP_CLIENT_TIMEOUT), "timeout");
    cr_assert_str_eq(http_client_result_str(HTTP_CLIENT_CONNECT_FAILED), "connect_failed");
    cr_assert_str_eq(http_client_result_str(HTTP_CLIENT_OK), "ok");
}
