/*
 * Tests for the hostile-client limits of src/http/server.c: absolute request deadlines that
 * trickled bytes cannot extend, the per-address connection cap, JSON 431 and 414 answers, and
 * route gates that answer before a body is read. Driven over loopback with raw sockets, since
 * a well-behaved client cannot produce these requests.
 */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "http/server.h"
#include "raw_conn.h"

static http_server_t *srv;
static atomic_int handler_calls;

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static http_handler_result_t h_ok(http_req_t *req, void *user)
{
    (void)user;
    atomic_fetch_add(&handler_calls, 1);
    http_respond(req, 200, "text/plain", "ok", 2);
    return HTTP_DONE;
}

/* Parks the request for the test to answer (later than the request deadline). */
static _Atomic(http_req_t *) parked;

static http_handler_result_t h_park(http_req_t *req, void *user)
{
    (void)user;
    atomic_store(&parked, req);
    return HTTP_PENDING;
}

/* Lets a request in only with "X-Key: open". */
static bool gate_key(http_req_t *req, void *user)
{
    (void)user;
    const char *k = http_req_header(req, "X-Key");
    if (k && strcmp(k, "open") == 0)
        return true;
    http_respond_error(req, 401, "unauthorized", "no key");
    return false;
}

/* With stop_grace false, a stop closes kept-alive connections at once: the churn test stops
 * under a stream of new connections, which the grace would keep answering for 200 ms a round
 * (and that run beside the trickle test makes Criterion 2.4's runner leak 48 bytes under
 * LeakSanitizer, a fault of the runner: the leaked block is Criterion's own). */
static bool stop_grace = true;
static unsigned conns_max; /* 0: the default */

static void start(unsigned request_timeout_ms, unsigned idle_s, unsigned per_ip)
{
    http_server_config_t cfg = {.threads = 2,
                                .name = "limits",
                                .request_timeout_ms = request_timeout_ms,
                                .idle_timeout_s = idle_s,
                                .per_ip_max = per_ip,
                                .connections_max = conns_max,
                                .no_stop_grace = !stop_grace};
    srv = http_server_new(&cfg);
    cr_assert_not_null(srv);
    cr_assert_eq(http_server_route(srv, "GET", "/ok", h_ok, NULL, 0), 0);
    cr_assert_eq(http_server_route(srv, "GET", "/slow", h_park, NULL, 0), 0);
    cr_assert_eq(http_server_route_gated(srv, "POST", "/gated", gate_key, h_ok, NULL, 4u << 20), 0);
    cr_assert_eq(http_server_start(srv), 0);
    atomic_store(&handler_calls, 0);
}

static void stop(void)
{
    http_server_free(srv);
    srv = NULL;
}

static int dial(const char *src)
{
    return raw_dial(http_server_port(srv), src);
}

/* Trickles a request head that never ends, one byte every 50 ms, for up to max_ms; returns the
 * milliseconds until the server closed the connection, or max_ms. */
static unsigned trickle_until_closed(int fd, unsigned max_ms)
{
    uint64_t t0 = clock_mono_ms();
    raw_send_all(fd, "GET /ok HTTP/1.1\r\nHost: x\r\nX-Slow: ", 35);
    while (clock_mono_ms() - t0 < max_ms) {
        raw_send_all(fd, "a", 1);
        if (raw_closed_within(fd, 50))
            return (unsigned)(clock_mono_ms() - t0);
    }
    return max_ms;
}

Test(http_limits, trickled_head_is_closed_at_the_deadline, .timeout = 30)
{
    start(400, 60, 0);
    int fd = dial("127.0.0.1");
    unsigned ms = trickle_until_closed(fd, 3000);
    close(fd);
    /* The idle timeout (60 s) restarts on every byte; the request deadline does not. */
    cr_assert(ms >= 350 && ms < 1500, "closed after %u ms", ms);
    http_server_stats_t st;
    http_server_stats(srv, &st);
    cr_assert_eq(st.connections_timed_out, 1);
    cr_assert_eq(atomic_load(&handler_calls), 0);
    stop();
}

/* GET /ok on fd must answer 200. */
static void expect_ok(int fd)
{
    char resp[4096];
    const char *req = "GET /ok HTTP/1.1\r\nHost: x\r\n\r\n";
    raw_exchange(fd, req, strlen(req), resp, sizeof resp);
    cr_assert(strncmp(resp, "HTTP/1.1 200", 12) == 0, "got: %s", resp);
}

Test(http_limits, next_keep_alive_request_has_a_deadline_too, .timeout = 30)
{
    start(400, 1, 0);
    int fd = dial("127.0.0.1");
    expect_ok(fd);
    unsigned ms = trickle_until_closed(fd, 4000);
    close(fd);
    cr_assert(ms >= 900 && ms < 2000, "closed after %u ms", ms);
    stop();
}

Test(http_limits, answer_slower_than_the_deadline_still_arrives, .timeout = 30)
{
    /* The deadline covers the client sending its request, not the server answering it. */
    start(300, 60, 0);
    int fd = dial("127.0.0.1");
    char resp[4096];
    const char *req = "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n";
    atomic_store(&parked, NULL);
    raw_send_all(fd, req, strlen(req));
    for (int i = 0; i < 2000 && atomic_load(&parked) == NULL; i++)
        sleep_ms(1);
    cr_assert_not_null(atomic_load(&parked));
    sleep_ms(600); /* twice the deadline */
    http_respond(atomic_load(&parked), 202, "text/plain", "late", 4);
    struct timeval tv = {3, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    size_t got = 0;
    while (got + 1 < sizeof resp && strstr(resp, "late") == NULL) {
        ssize_t n = recv(fd, resp + got, sizeof resp - 1 - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
        resp[got] = '\0';
    }
    resp[got] = '\0';
    close(fd);
    cr_assert(strncmp(resp, "HTTP/1.1 202", 12) == 0, "got: %s", resp);
    stop();
}

Test(http_limits, connections_per_address_are_capped, .timeout = 30)
{
    start(10000, 60, 3);
    int held[3];
    for (int i = 0; i < 3; i++)
        held[i] = dial("127.0.0.1");
    sleep_ms(100); /* let the server accept them */
    int extra = dial("127.0.0.1");
    cr_assert(raw_closed_within(extra, 2000), "the fourth connection from one address stays open");
    close(extra);
    /* Another address is not affected by the first one's connections. */
    int other = dial("127.0.0.2");
    expect_ok(other);
    close(other);
    for (int i = 0; i < 3; i++)
        close(held[i]);
    stop();
}

/* Sends head + n filler bytes + tail on a new connection; the answer lands in resp. */
static void send_padded(const char *head, size_t n, const char *tail, char *resp, size_t cap)
{
    char req[16384];
    size_t hl = strlen(head), tl = strlen(tail);
    cr_assert(hl + n + tl <= sizeof req);
    memcpy(req, head, hl);
    memset(req + hl, 'p', n);
    memcpy(req + hl + n, tail, tl);
    int fd = dial("127.0.0.1");
    raw_exchange(fd, req, hl + n + tl, resp, cap);
    close(fd);
}

Test(http_limits, oversized_heads_get_json_431_and_414, .timeout = 30)
{
    static const struct {
        const char *head;
        size_t pad;
        const char *tail, *status, *code;
    } cases[] = {
        /* over the 8 KiB head cap, within libmicrohttpd's buffer (which would answer HTML) */
        {"GET /ok HTTP/1.1\r\nHost: x\r\nX-Big: ", 10000, "\r\n\r\n", "HTTP/1.1 431",
         "\"code\":\"header_fields_too_large\""},
        /* a path over HTTP_PATH_MAX_LEN in a head under the cap */
        {"GET /", 3000, " HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 414",
         "\"code\":\"uri_too_long\""},
    };
    start(10000, 60, 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char resp[4096];
        send_padded(cases[i].head, cases[i].pad, cases[i].tail, resp, sizeof resp);
        cr_assert(strncmp(resp, cases[i].status, 12) == 0, "got: %.200s", resp);
        cr_assert(strstr(resp, "Content-Type: application/json") != NULL, "got: %.400s", resp);
        cr_assert(strstr(resp, cases[i].code) != NULL, "got: %.400s", resp);
    }
    cr_assert_eq(atomic_load(&handler_calls), 0);
    stop();
}

Test(http_limits, control_bytes_in_the_path_get_json_400, .timeout = 30)
{
    /* libmicrohttpd decodes %00 into the C string it hands over: "/ok%00x" was routed as "/ok" */
    static const char *const paths[] = {"/ok%00garbage", "/ok%00", "/ok%0d%0aX: y",
                                        "/o%1Fk",        "/ok%7f", "/ok%0A"};
    start(10000, 60, 0);
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        char req[256], resp[4096];
        int w = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", paths[i]);
        cr_assert(w > 0 && (size_t)w < sizeof req);
        int fd = dial("127.0.0.1");
        raw_exchange(fd, req, (size_t)w, resp, sizeof resp);
        close(fd);
        cr_assert(strncmp(resp, "HTTP/1.1 400", 12) == 0, "%s got: %.200s", paths[i], resp);
        cr_assert(strstr(resp, "Content-Type: application/json") != NULL, "got: %.400s", resp);
        cr_assert(strstr(resp, "\"code\":\"invalid_request\"") != NULL, "got: %.400s", resp);
    }
    /* A control byte in the query is the handler's business, and "%25" is a plain '%'. */
    int fd = dial("127.0.0.1");
    char resp[4096];
    const char *req = "GET /ok?x=%00 HTTP/1.1\r\nHost: x\r\n\r\n";
    raw_exchange(fd, req, strlen(req), resp, sizeof resp);
    close(fd);
    cr_assert(strncmp(resp, "HTTP/1.1 200", 12) == 0, "got: %.200s", resp);
    cr_assert_eq(atomic_load(&handler_calls), 1);
    stop();
}

/* Opens n connections spread over 127.0.0.2..9: with idle, each sends one request (answered,
 * then kept alive), else each sends half a request head. */
static void flood(int *fds, int n, bool idle)
{
    const char *full = "GET /ok HTTP/1.1\r\nHost: x\r\n\r\n";
    const char *half = "GET /ok HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < n; i++) {
        char src[32];
        snprintf(src, sizeof src, "127.0.0.%d", 2 + i % 8);
        fds[i] = dial(src);
        raw_send_all(fds[i], idle ? full : half, strlen(idle ? full : half));
    }
}

/* Milliseconds until a new client from another address has its answer (or wait_ms). */
static unsigned newcomer_ms(unsigned wait_ms)
{
    uint64_t t0 = clock_mono_ms();
    int fd = dial("127.0.0.99");
    const char *req = "GET /ok HTTP/1.1\r\nHost: x\r\n\r\n";
    raw_send_all(fd, req, strlen(req));
    struct timeval tv = {wait_ms / 1000, (long)(wait_ms % 1000) * 1000L};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char resp[256];
    ssize_t n = recv(fd, resp, sizeof resp - 1, 0);
    close(fd);
    resp[n > 0 ? n : 0] = '\0';
    unsigned ms = (unsigned)(clock_mono_ms() - t0);
    return strncmp(resp, "HTTP/1.1 200", 12) == 0 ? ms : wait_ms;
}

/* 96 connections from 8 addresses (under their per-address cap) against a cap of 64: kept-alive
 * idle ones, then ones sending their head slowly, used to hold every slot until the idle
 * (60 s) or request (15 s) timeout while a new client waited in the backlog. */
Test(http_limits, a_full_listener_makes_room_for_a_new_client, .timeout = 30)
{
    enum { N = 96 };
    int fds[N];
    conns_max = 64;
    stop_grace = false; /* the flood is closed just before the stop: no grace to wait for */
    for (int idle = 1; idle >= 0; idle--) {
        start(15000, 60, 0);
        flood(fds, N, idle);
        /* Slow heads are closed once 500 ms old; idle connections at once. */
        sleep_ms(idle ? 200 : 700);
        unsigned ms = newcomer_ms(3000);
        cr_assert(ms < 1000, "%s flood: the new client waited %u ms", idle ? "idle" : "slow", ms);
        http_server_stats_t st;
        http_server_stats(srv, &st);
        cr_assert(st.connections_evicted >= 8, "evicted %llu",
                  (unsigned long long)st.connections_evicted);
        for (int i = 0; i < N; i++)
            close(fds[i]);
        stop();
    }
    conns_max = 0;
    stop_grace = true;
}

Test(http_limits, gate_answers_before_the_body_and_closes, .timeout = 30)
{
    start(10000, 60, 0);
    /* Headers only, announcing 3 MiB: the refusal must come without the body. */
    raw_expect_early_answer(http_server_port(srv),
                            "POST /gated HTTP/1.1\r\nHost: x\r\nContent-Length: 3145728\r\n\r\n",
                            "HTTP/1.1 401", "Connection: close");
    cr_assert_eq(atomic_load(&handler_calls), 0);

    /* With the key the same route reads its body and runs the handler. */
    const char *ok = "POST /gated HTTP/1.1\r\nHost: x\r\nX-Key: open\r\nContent-Length: 4\r\n"
                     "\r\nbody";
    int fd = dial("127.0.0.1");
    char resp[4096];
    raw_exchange(fd, ok, strlen(ok), resp, sizeof resp);
    close(fd);
    cr_assert(strncmp(resp, "HTTP/1.1 200", 12) == 0, "got: %s", resp);
    cr_assert_eq(atomic_load(&handler_calls), 1);
    stop();
}

Test(http_limits, clients_leaving_mid_request_log_one_line, .timeout = 30)
{
    start(10000, 60, 0);
    char path[] = "/tmp/rafiki-limits-log-XXXXXX";
    int logfd = mkstemp(path);
    cr_assert(logfd >= 0);
    int saved = dup(STDERR_FILENO);
    dup2(logfd, STDERR_FILENO);
    /* 50 clients send half a request head and leave: libmicrohttpd reports each one. */
    for (int i = 0; i < 50; i++) {
        int fd = dial("127.0.0.1");
        raw_send_all(fd, "POST /ok HTTP/1.1\r\nHost: x\r\n", 28);
        sleep_ms(2);
        close(fd);
    }
    sleep_ms(300);
    stop();
    dup2(saved, STDERR_FILENO);
    close(saved);
    char text[65536];
    ssize_t n = pread(logfd, text, sizeof text - 1, 0);
    close(logfd);
    unlink(path);
    text[n > 0 ? n : 0] = '\0';
    int lines = 0;
    for (const char *p = strstr(text, "microhttpd"); p; p = strstr(p + 1, "microhttpd"))
        lines++;
    cr_assert(lines >= 1 && lines <= 2, "%d microhttpd lines:\n%s", lines, text);
}

Test(http_limits, limits_from_the_environment)
{
    http_server_config_t cfg = {0};
    env_err_t err;
    static const char *const names[] = {"HTTP_REQUEST_TIMEOUT_MS", "HTTP_IDLE_TIMEOUT_S",
                                        "HTTP_CONNECTIONS_MAX", "HTTP_PER_IP_CONNECTIONS_MAX"};
    for (size_t i = 0; i < 4; i++)
        unsetenv(names[i]);
    cr_assert_eq(http_server_config_env(&cfg, &err), 0);
    cr_assert_eq(cfg.request_timeout_ms, HTTP_REQUEST_TIMEOUT_DEFAULT_MS);
    cr_assert_eq(cfg.per_ip_max, HTTP_PER_IP_DEFAULT);
    setenv("HTTP_PER_IP_CONNECTIONS_MAX", "7", 1);
    setenv("HTTP_IDLE_TIMEOUT_S", "5", 1);
    cr_assert_eq(http_server_config_env(&cfg, &err), 0);
    cr_assert_eq(cfg.per_ip_max, 7);
    cr_assert_eq(cfg.idle_timeout_s, 5);
    setenv("HTTP_REQUEST_TIMEOUT_MS", "50", 1);
    cr_assert_eq(http_server_config_env(&cfg, &err), -1, "below the 100 ms minimum");
    cr_assert(strstr(err.msg, "HTTP_REQUEST_TIMEOUT_MS") != NULL, "%s", err.msg);
    for (size_t i = 0; i < 4; i++)
        unsetenv(names[i]);
}

/* Connects and sends one request after another until told to stop; for the stop race below. */
static atomic_bool hammer_on;
static uint16_t hammer_port;

static void *hammer(void *arg)
{
    (void)arg;
    const char *req = "GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    while (atomic_load(&hammer_on)) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(hammer_port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) { /* refused once stopped */
            close(fd);
            continue;
        }
        raw_send_all(fd, req, strlen(req));
        char b[256];
        while (recv(fd, b, sizeof b, 0) > 0) {
        }
        close(fd);
    }
    return NULL;
}

/* libmicrohttpd's calls to epoll_ctl come here (the executable's definition interposes on
 * libc's); while widen_epoll_race is set, each removal waits 2 ms first, which turns a rare
 * scheduling accident into the usual case for the test below. */
static atomic_bool widen_epoll_race;

int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
    static int (*real)(int, int, int, struct epoll_event *);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "epoll_ctl");
    if (op == EPOLL_CTL_DEL && atomic_load(&widen_epoll_race))
        sleep_ms(2);
    return real(epfd, op, fd, ev);
}

/* Stopping a listener while clients keep connecting must not abort the process. libmicrohttpd
 * 0.9.75 panics with "Failed to remove listen FD from epoll set" when MHD_quiesce_daemon and
 * an epoll worker both remove the listen socket (seen in CI; an open defect there), so the
 * server must not quiesce an epoll daemon. */
Test(http_limits, stop_under_connection_churn, .timeout = 60)
{
    atomic_store(&widen_epoll_race, true);
    stop_grace = false;
    for (int round = 0; round < 60; round++) {
        start(10000, 60, 0);
        hammer_port = http_server_port(srv);
        atomic_store(&hammer_on, true);
        pthread_t t[4];
        for (int i = 0; i < 4; i++)
            pthread_create(&t[i], NULL, hammer, NULL);
        sleep_ms(5);
        http_server_stop(srv);
        atomic_store(&hammer_on, false);
        for (int i = 0; i < 4; i++)
            pthread_join(t[i], NULL);
        stop();
    }
    /* Criterion's own messaging (nng) uses epoll_ctl too: leave it unslowed for the report */
    atomic_store(&widen_epoll_race, false);
}
