/*
 * The HTTP server: libmicrohttpd (epoll, one thread per core, suspend/resume) under a small
 * router. Each connection owns one http_req_t, created when the connection opens and reused by
 * every request on it (HTTP/1.1 requests on one connection are handled one after another), so
 * the request path allocates nothing of ours once its buffers have grown. Shared state touched
 * per request is limited to a few relaxed atomic counters; there is no lock on the request path.
 *
 * Answer hand-off between threads (http_respond from any thread, see server.h):
 *   state IN_HANDLER -> the handler runs on the worker;
 *   a responder first claims the request (atomic flag, so exactly one answer is written), fills
 *   the answer, then swaps state to ANSWERED. If the worker had already suspended the connection
 *   (state SUSPENDED), the responder resumes it; if the worker was still in or just after the
 *   handler, the worker sees ANSWERED when its compare-and-swap to SUSPENDED fails and resumes
 *   the connection itself. A resumed connection calls on_request() again, which queues the
 *   answer.
 */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/uuid.h"

#define ROUTES_MAX           192 /* the admin port: ~65 API routes and the console's ~75 */
#define METHOD_MAX_LEN       15
#define RESP_HEADERS_MAX     16
#define RESP_HEADER_BYTES    4096
#define CONTENT_TYPE_MAX_LEN 127
#define RESPONSE_MAX_DEFAULT (64u * 1024u * 1024u)
/* Buffers larger than this are released when a request completes, so an idle keep-alive
 * connection does not keep a large body's memory; body buffers larger than this are mapped
 * pages of their own (see body_reserve). */
#define BUF_KEEP_MAX (64u * 1024u)
/* The reaper looks for connections past their deadline this often (at most). */
#define REAP_PERIOD_MAX_MS 250u
/* File descriptors kept free for everything else in the process (database, cache, logs). */
#define FDS_SPARE 256u
/* Once at least this many connections have come since the last trim and the open ones have
 * fallen to half their peak, the reaper hands free heap memory back to the system (at most
 * once per TRIM_EVERY_MS). */
#define TRIM_BURST_MIN 128u
#define TRIM_EVERY_MS  1000u
/* libmicrohttpd's messages (mostly clients that went away mid-request) at most this often. */
#define MHD_LOG_INTERVAL_MS 10000u
/* Under pressure (see relieve_pressure): a listener is under pressure once its open connections
 * reach connections_max minus 1/PRESSURE_RESERVE_DIV of it, and is relieved down to twice that
 * margin. A new connection that has not sent its request head within PRESSURE_GRACE_MS is then
 * slow enough to be closed: a client that means to be served sends it at once. */
#define PRESSURE_RESERVE_DIV 8u
#define PRESSURE_GRACE_MS    500u
/* New connections under pressure wake the reaper at most this often: each wake walks the list
 * of connections, and a client churning connections must not turn that into a busy loop. */
#define PRESSURE_WAKE_MIN_MS 20u
#define PRESSURE_PERIOD_MS   50u

typedef struct {
    const char *text; /* points into route_t.pattern_copy */
    size_t len;
    bool param;
} route_seg_t;

typedef struct {
    char method[METHOD_MAX_LEN + 1];
    char *pattern_copy; /* segments NUL-separated */
    route_seg_t segs[HTTP_PATH_MAX_SEGMENTS];
    size_t n_segs;
    http_gate_fn gate;
    http_handler_fn fn;
    void *user;
    size_t body_max;
    char *pattern;          /* as registered, for metrics */
    metrics_hist_t latency; /* from routing to the queued answer */
} route_t;

enum { REQ_IDLE = 0, REQ_IN_HANDLER, REQ_SUSPENDED, REQ_ANSWERED };

/* Where a connection is, for relieve_pressure: waiting for its first request head, between
 * requests of a keep-alive connection, or in a request (head in; body, handler or answer). */
enum { CONN_NEW = 0, CONN_IDLE, CONN_IN_REQUEST };

struct http_req {
    http_server_t *server;
    struct MHD_Connection *conn;
    /* The server's list of open connections and the deadline the reaper enforces (conns_mu
     * guards the links and reaped; the deadline is written by the worker, read by the reaper). */
    struct http_req *conn_prev, *conn_next;
    MHD_socket fd;
    _Atomic uint64_t deadline_ms; /* monotonic; 0 = none (a handler or the answer is running) */
    bool reaped;
    uint64_t opened_ms; /* monotonic */
    atomic_int phase;   /* CONN_*: written by the worker, read by relieve_pressure */
    bool path_ctl;      /* the path (raw or percent-decoded) has a control byte; from on_uri */

    const char *method;
    const route_t *route;
    uint64_t routed_ns;                      /* monotonic, when route was found */
    char request_id[LOG_REQUEST_ID_MAX + 1]; /* with cfg.request_ids: X-Request-Id */
    char path[HTTP_PATH_MAX_LEN + 1];
    /* The request-target exactly as received (path and query, not decoded), for signatures. */
    char target[HTTP_TARGET_MAX_LEN + 1];
    bool target_ok;
    char seg_mem[HTTP_PATH_MAX_LEN + 1];
    const char *segs[HTTP_PATH_MAX_SEGMENTS];
    size_t n_segs;

    uint8_t *body;
    size_t body_len, body_cap, body_max;
    bool body_mapped;   /* body is an mmap of body_cap bytes, not a malloc */
    bool body_expected; /* the request announced a body (Content-Length > 0 or chunked) */
    bool body_too_large;
    bool pending;        /* the handler returned without an answer; the connection was suspended */
    bool answered_early; /* an answer was queued before the body was read */
    bool busy;           /* counted in server->busy */

    atomic_bool claimed;
    atomic_int state;
    unsigned status;
    uint8_t *resp;
    size_t resp_len, resp_cap;
    bool resp_failed;
    char content_type[CONTENT_TYPE_MAX_LEN + 1];
    uint16_t hdr_name[RESP_HEADERS_MAX], hdr_value[RESP_HEADERS_MAX];
    char hdr_mem[RESP_HEADER_BYTES];
    size_t hdr_len, n_hdrs;
};

struct http_server {
    http_server_config_t cfg;
    char name[32];
    struct sockaddr_storage addr;
    route_t routes[ROUTES_MAX];
    size_t n_routes;
    struct MHD_Daemon *daemon;
    uint16_t port;
    atomic_bool stopping;
    atomic_uint_fast64_t busy; /* requests in a handler or pending */
    atomic_uint_fast64_t pending;
    atomic_uint_fast64_t conns_opened, conns_open, requests, timed_out, evicted;
    atomic_uint_fast64_t answers[6]; /* by status class: [1] 1xx ... [5] 5xx, [0] other */
    log_limit_t mhd_log_limit, pressure_log_limit;

    pthread_mutex_t conns_mu; /* the list of open connections, newest first */
    http_req_t *conns, *conns_tail;
    uint64_t pressure_at, relieved_to; /* open connections: see relieve_pressure */
    atomic_uint_fast64_t pressure_woken_ms;
    pthread_mutex_t reaper_mu; /* reaper_stop and its condition */
    pthread_cond_t reaper_cv;
    bool reaper_stop, reaper_running;
    pthread_t reaper;
    uint64_t conns_peak, opened_at_trim, trimmed_ms; /* reaper thread only: trim_after_burst */
};

static int route_parse(route_t *r, const char *pattern);
static const route_t *route_find(const http_server_t *s, http_req_t *req, bool *path_known,
                                 char *allow, size_t allow_cap);
static int path_split(http_req_t *req, const char *url);
static int claim(http_req_t *req);
static int finish(http_req_t *req, unsigned status, const char *content_type);
static int resp_append(http_req_t *req, const void *p, size_t n);
static int body_reserve(http_req_t *req, size_t cap);
static http_handler_result_t healthz(http_req_t *req, void *user);

/* ---- lifecycle ---- */

static int addr_parse(http_server_t *s, const char *host, uint16_t port)
{
    memset(&s->addr, 0, sizeof s->addr);
    struct sockaddr_in *v4 = (struct sockaddr_in *)&s->addr;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&s->addr;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        return 0;
    }
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        return 0;
    }
    return -1;
}

http_server_t *http_server_new(const http_server_config_t *cfg)
{
    http_server_t *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    if (cfg != NULL)
        s->cfg = *cfg;
    snprintf(s->name, sizeof s->name, "%s", s->cfg.name ? s->cfg.name : "http");
    s->cfg.name = s->name;
    const char *host = s->cfg.host ? s->cfg.host : "127.0.0.1";
    s->cfg.host = NULL; /* the caller's string need not outlive this call */
    if (addr_parse(s, host, s->cfg.port) != 0) {
        LOGE("%s: bad listen host '%s' (want a numeric IPv4 or IPv6 address)", s->name, host);
        free(s);
        return NULL;
    }
    if (s->cfg.threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        s->cfg.threads = n > 0 ? (unsigned)n : 1;
    }
    if (s->cfg.body_max == 0)
        s->cfg.body_max = HTTP_BODY_MAX_DEFAULT;
    if (s->cfg.response_max == 0)
        s->cfg.response_max = RESPONSE_MAX_DEFAULT;
    if (s->cfg.idle_timeout_s == 0)
        s->cfg.idle_timeout_s = HTTP_IDLE_TIMEOUT_DEFAULT_S;
    if (s->cfg.request_timeout_ms == 0)
        s->cfg.request_timeout_ms = HTTP_REQUEST_TIMEOUT_DEFAULT_MS;
    if (s->cfg.connections_max == 0)
        s->cfg.connections_max = HTTP_CONNECTIONS_DEFAULT;
    if (s->cfg.per_ip_max == 0)
        s->cfg.per_ip_max = HTTP_PER_IP_DEFAULT;
    if (s->cfg.header_max == 0)
        s->cfg.header_max = HTTP_HEADER_MAX_DEFAULT;
    s->mhd_log_limit.interval_ms = MHD_LOG_INTERVAL_MS;
    s->pressure_log_limit.interval_ms = MHD_LOG_INTERVAL_MS;
    pthread_mutex_init(&s->conns_mu, NULL);
    pthread_mutex_init(&s->reaper_mu, NULL);
    pthread_cond_init(&s->reaper_cv, NULL);
    return s;
}

int http_server_config_env(http_server_config_t *cfg, env_err_t *err)
{
    uint64_t request_ms, idle_s, conns, per_ip;
    if (env_u64("HTTP_REQUEST_TIMEOUT_MS", HTTP_REQUEST_TIMEOUT_DEFAULT_MS, 100, 3600000,
                &request_ms, err) != 0 ||
        env_u64("HTTP_IDLE_TIMEOUT_S", HTTP_IDLE_TIMEOUT_DEFAULT_S, 1, 3600, &idle_s, err) != 0 ||
        env_u64("HTTP_CONNECTIONS_MAX", HTTP_CONNECTIONS_DEFAULT, 16, 1000000, &conns, err) != 0 ||
        env_u64("HTTP_PER_IP_CONNECTIONS_MAX", HTTP_PER_IP_DEFAULT, 1, 1000000, &per_ip, err) != 0)
        return -1;
    cfg->request_timeout_ms = (unsigned)request_ms;
    cfg->idle_timeout_s = (unsigned)idle_s;
    cfg->connections_max = (unsigned)conns;
    cfg->per_ip_max = (unsigned)per_ip;
    return 0;
}

int http_server_route(http_server_t *s, const char *method, const char *pattern, http_handler_fn fn,
                      void *user, size_t body_max)
{
    return http_server_route_gated(s, method, pattern, NULL, fn, user, body_max);
}

int http_server_routes(http_server_t *s, const http_route_t *table, size_t n, void *user)
{
    for (size_t i = 0; i < n; i++)
        if (http_server_route(s, table[i].method, table[i].pattern, table[i].fn, user,
                              table[i].body_max) != 0)
            return -1;
    return 0;
}

int http_server_route_gated(http_server_t *s, const char *method, const char *pattern,
                            http_gate_fn gate, http_handler_fn fn, void *user, size_t body_max)
{
    ASSERT(s != NULL && method != NULL && pattern != NULL && fn != NULL);
    if (s->daemon != NULL || s->n_routes == ROUTES_MAX || strlen(method) > METHOD_MAX_LEN ||
        method[0] == '\0')
        return -1;
    route_t *r = &s->routes[s->n_routes];
    memset(r, 0, sizeof *r);
    if (route_parse(r, pattern) != 0) {
        LOGE("%s: bad route pattern '%s'", s->name, pattern);
        return -1;
    }
    memcpy(r->method, method, strlen(method) + 1);
    r->gate = gate;
    r->fn = fn;
    r->user = user;
    r->body_max = body_max ? body_max : s->cfg.body_max;
    if (!(r->pattern = strdup(pattern))) {
        free(r->pattern_copy);
        return -1;
    }
    metrics_hist_init(&r->latency, &metrics_seconds);
    s->n_routes++;
    return 0;
}

/* A pattern is '/'-separated segments; "{name}" segments are parameters. "/" has none. */
static int route_parse(route_t *r, const char *pattern)
{
    size_t n = strlen(pattern);
    if (n == 0 || pattern[0] != '/' || n > HTTP_PATH_MAX_LEN)
        return -1;
    r->pattern_copy = malloc(n + 1);
    if (r->pattern_copy == NULL)
        return -1;
    memcpy(r->pattern_copy, pattern, n + 1);
    if (n == 1)
        return 0;
    char *p = r->pattern_copy + 1;
    for (;;) {
        char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (r->n_segs == HTTP_PATH_MAX_SEGMENTS)
            goto bad;
        route_seg_t *seg = &r->segs[r->n_segs++];
        if (len >= 3 && p[0] == '{' && p[len - 1] == '}') {
            seg->param = true;
            seg->text = p + 1;
            seg->len = len - 2;
            p[len - 1] = '\0';
        } else {
            seg->text = p;
            seg->len = len;
        }
        if (memchr(seg->text, '{', seg->len) || memchr(seg->text, '}', seg->len))
            goto bad;
        if (slash == NULL)
            break;
        *slash = '\0';
        p = slash + 1;
    }
    return 0;
bad:
    free(r->pattern_copy);
    r->pattern_copy = NULL;
    return -1;
}

/* ---- connection and request contexts ---- */

static uint64_t deadline_after(uint64_t ms)
{
    return clock_mono_ms() + ms;
}

/* Frees a body buffer, whichever way it was allocated. */
static void body_release(http_req_t *req)
{
    if (req->body_mapped)
        munmap(req->body, req->body_cap);
    else
        free(req->body);
    req->body = NULL;
    req->body_cap = 0;
    req->body_mapped = false;
}

static http_req_t *conn_open(http_server_t *s, struct MHD_Connection *conn)
{
    http_req_t *req = calloc(1, sizeof *req);
    if (req == NULL)
        return NULL;
    req->server = s;
    req->conn = conn;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    req->fd = ci ? ci->connect_fd : MHD_INVALID_SOCKET;
    req->opened_ms = clock_mono_ms();
    atomic_store(&req->deadline_ms, req->opened_ms + s->cfg.request_timeout_ms);
    pthread_mutex_lock(&s->conns_mu);
    req->conn_next = s->conns;
    if (s->conns)
        s->conns->conn_prev = req;
    else
        s->conns_tail = req;
    s->conns = req;
    pthread_mutex_unlock(&s->conns_mu);
    return req;
}

/* libmicrohttpd reports a connection closed before it closes the socket, so once the context
 * is off the list (under conns_mu) the reaper can no longer shut down a reused descriptor. */
static void conn_close(http_server_t *s, http_req_t *req)
{
    pthread_mutex_lock(&s->conns_mu);
    if (req->conn_prev)
        req->conn_prev->conn_next = req->conn_next;
    else
        s->conns = req->conn_next;
    if (req->conn_next)
        req->conn_next->conn_prev = req->conn_prev;
    else
        s->conns_tail = req->conn_prev;
    pthread_mutex_unlock(&s->conns_mu);
    body_release(req);
    free(req->resp);
    free(req);
}

/* Wakes the reaper to relieve the pressure now rather than at its next period (a signal sent
 * without its mutex may be missed: then it runs at that period). */
static void pressure_wake(http_server_t *s)
{
    uint64_t now = clock_mono_ms();
    uint64_t last = atomic_load_explicit(&s->pressure_woken_ms, memory_order_relaxed);
    if (now - last >= PRESSURE_WAKE_MIN_MS &&
        atomic_compare_exchange_strong(&s->pressure_woken_ms, &last, now))
        pthread_cond_signal(&s->reaper_cv);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
                          enum MHD_ConnectionNotificationCode code)
{
    http_server_t *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        *socket_ctx = conn_open(s, conn); /* NULL: on_request refuses the connection's requests */
        atomic_fetch_add_explicit(&s->conns_opened, 1, memory_order_relaxed);
        uint64_t open = atomic_fetch_add_explicit(&s->conns_open, 1, memory_order_relaxed) + 1;
        if (open >= s->pressure_at)
            pressure_wake(s);
        return;
    }
    if (*socket_ctx != NULL)
        conn_close(s, *socket_ctx);
    *socket_ctx = NULL;
    atomic_fetch_sub_explicit(&s->conns_open, 1, memory_order_relaxed);
}

/* Shuts down a connection (conns_mu held); libmicrohttpd then reads the end of stream on its
 * worker thread and closes the connection as it would for a client that left. */
static void conn_shut(http_req_t *req)
{
    req->reaped = true;
    shutdown(req->fd, SHUT_RDWR);
}

/* Shuts down every connection past its deadline. */
static void reap_due(http_server_t *s, uint64_t now)
{
    pthread_mutex_lock(&s->conns_mu);
    for (http_req_t *req = s->conns; req; req = req->conn_next) {
        uint64_t due = atomic_load_explicit(&req->deadline_ms, memory_order_relaxed);
        if (due == 0 || due > now || req->reaped || req->fd == MHD_INVALID_SOCKET)
            continue;
        /* counted first: a client may see the close before this thread runs on */
        atomic_fetch_add_explicit(&s->timed_out, 1, memory_order_relaxed);
        conn_shut(req);
    }
    pthread_mutex_unlock(&s->conns_mu);
}

/* Shuts down up to want connections in phase (oldest opened first); CONN_NEW ones only once
 * they are older than PRESSURE_GRACE_MS. Returns how many. conns_mu held. */
static uint64_t evict_phase(http_server_t *s, int phase, uint64_t want, uint64_t now)
{
    uint64_t n = 0;
    for (http_req_t *req = s->conns_tail; req && n < want; req = req->conn_prev) {
        if (req->reaped || req->fd == MHD_INVALID_SOCKET ||
            atomic_load_explicit(&req->phase, memory_order_relaxed) != phase)
            continue;
        if (phase == CONN_NEW && now - req->opened_ms < PRESSURE_GRACE_MS)
            break; /* the rest are younger */
        atomic_fetch_add_explicit(&s->evicted, 1, memory_order_relaxed);
        conn_shut(req);
        n++;
    }
    return n;
}

/* Without this, connections from many addresses (each under per_ip_max) can hold every slot
 * of the listener: libmicrohttpd then stops accepting, and a new client waits in the backlog
 * until an idle or request timeout frees a slot, up to a minute. Once the open connections
 * reach pressure_at, every new connection still without a request head after
 * PRESSURE_GRACE_MS is closed (slow by then, whatever their number), then the oldest idle
 * keep-alive connections down to relieved_to (a keep-alive client reconnects): under pressure
 * the first-request and idle timeouts are in effect that short. Connections in a request (a
 * body arriving, a handler, an answer) are left alone. Returns whether the listener was under
 * pressure (the reaper then looks again every PRESSURE_PERIOD_MS: slow heads come of age). */
static bool relieve_pressure(http_server_t *s, uint64_t now)
{
    uint64_t open = atomic_load_explicit(&s->conns_open, memory_order_relaxed);
    if (open < s->pressure_at)
        return false;
    uint64_t want = open - s->relieved_to, shut = 0;
    pthread_mutex_lock(&s->conns_mu);
    for (http_req_t *req = s->conns; req; req = req->conn_next)
        if (req->reaped && want > 0)
            want--; /* shut down already; libmicrohttpd has yet to close it */
    shut += evict_phase(s, CONN_NEW, UINT64_MAX, now);
    shut += evict_phase(s, CONN_IDLE, want > shut ? want - shut : 0, now);
    pthread_mutex_unlock(&s->conns_mu);
    if (shut > 0)
        LOGW_LIMITED(&s->pressure_log_limit,
                     "%s: %llu connections open (pressure from %llu): closed %llu idle or slow",
                     s->name, (unsigned long long)open, (unsigned long long)s->pressure_at,
                     (unsigned long long)shut);
    return true;
}

/* Each connection holds libmicrohttpd's 32 KiB buffer and our context, both from malloc, which
 * keeps freed blocks in its per-thread arenas: after a burst of a thousand connections the
 * process stayed tens of megabytes larger. Once a burst has drained by half, malloc_trim gives
 * the free pages back. It walks the arenas under their locks, so it runs rarely. */
static void trim_after_burst(http_server_t *s, uint64_t now)
{
    uint64_t open = atomic_load_explicit(&s->conns_open, memory_order_relaxed);
    uint64_t opened = atomic_load_explicit(&s->conns_opened, memory_order_relaxed);
    if (open > s->conns_peak)
        s->conns_peak = open;
    if (opened - s->opened_at_trim < TRIM_BURST_MIN || open > s->conns_peak / 2 ||
        now - s->trimmed_ms < TRIM_EVERY_MS)
        return;
    malloc_trim(0);
    s->trimmed_ms = now;
    s->conns_peak = open;
    s->opened_at_trim = opened;
}

static void *reaper_main(void *arg)
{
    http_server_t *s = arg;
    unsigned period = s->cfg.request_timeout_ms / 4;
    if (period > REAP_PERIOD_MAX_MS)
        period = REAP_PERIOD_MAX_MS;
    if (period == 0)
        period = 1;
    bool pressed = false;
    pthread_mutex_lock(&s->reaper_mu);
    while (!s->reaper_stop) {
        struct timespec ts;
        unsigned wait_ms = pressed && period > PRESSURE_PERIOD_MS ? PRESSURE_PERIOD_MS : period;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += (long)wait_ms * 1000000L;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&s->reaper_cv, &s->reaper_mu, &ts);
        if (s->reaper_stop)
            break;
        uint64_t now = clock_mono_ms();
        reap_due(s, now);
        pressed = relieve_pressure(s, now);
        trim_after_burst(s, now);
    }
    pthread_mutex_unlock(&s->reaper_mu);
    return NULL;
}

/* Called when a request is over (answered and sent, or its connection failed). */
static void on_completed(void *cls, struct MHD_Connection *conn, void **req_ctx,
                         enum MHD_RequestTerminationCode code)
{
    http_server_t *s = cls;
    http_req_t *req = *req_ctx;
    (void)conn;
    (void)code;
    if (req == NULL)
        return;
    if (req->pending)
        atomic_fetch_sub_explicit(&s->pending, 1, memory_order_relaxed);
    if (req->busy)
        atomic_fetch_sub(&s->busy, 1);
    /* The next request on this keep-alive connection must be in within the idle timeout. */
    atomic_store(&req->deadline_ms, deadline_after((uint64_t)s->cfg.idle_timeout_s * 1000u));
    atomic_store_explicit(&req->phase, CONN_IDLE, memory_order_relaxed);
    if (req->body_cap > BUF_KEEP_MAX)
        body_release(req);
    if (req->resp_cap > BUF_KEEP_MAX) {
        free(req->resp);
        req->resp = NULL;
        req->resp_cap = 0;
    }
    req->route = NULL;
    req->request_id[0] = '\0';
    req->body_len = req->resp_len = req->hdr_len = req->n_hdrs = 0;
    req->body_too_large = req->pending = req->answered_early = req->busy = false;
    req->body_expected = false;
    req->resp_failed = false;
    req->content_type[0] = '\0';
    atomic_store_explicit(&req->claimed, false, memory_order_relaxed);
    atomic_store_explicit(&req->state, REQ_IDLE, memory_order_relaxed);
    *req_ctx = NULL;
}

/* Queues the answer held in req. */
static enum MHD_Result answer_queue(http_req_t *req)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(req->resp_len, req->resp, MHD_RESPMEM_PERSISTENT);
    if (r == NULL)
        return MHD_NO;
    if (req->content_type[0] != '\0')
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, req->content_type);
    for (size_t i = 0; i < req->n_hdrs; i++)
        MHD_add_response_header(r, req->hdr_mem + req->hdr_name[i],
                                req->hdr_mem + req->hdr_value[i]);
    /* An answer before an announced body closes the connection: the body is never read. */
    if (atomic_load_explicit(&req->server->stopping, memory_order_relaxed) ||
        (req->answered_early && req->body_expected))
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(req->conn, req->status, r);
    MHD_destroy_response(r);
    unsigned cls = req->status / 100;
    atomic_fetch_add_explicit(&req->server->answers[cls >= 1 && cls <= 5 ? cls : 0], 1,
                              memory_order_relaxed);
    if (req->route) /* the histogram's atomics are the one mutable part of a route */
        metrics_hist_observe((metrics_hist_t *)&req->route->latency,
                             (double)(clock_mono_ns() - req->routed_ns) / 1e9);
    return ret;
}

/* Answers on the worker thread, before or after the body (404, 405, 413, 503...). */
static enum MHD_Result answer_now(http_req_t *req, unsigned status, const char *code,
                                  const char *message)
{
    http_respond_error(req, status, code, message);
    return answer_queue(req);
}

static int content_length(struct MHD_Connection *conn, uint64_t *out)
{
    const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    if (v == NULL || v[0] == '\0')
        return -1;
    uint64_t n = 0;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9' || n > (UINT64_MAX - 9) / 10)
            return -1;
        n = n * 10 + (uint64_t)(*p - '0');
    }
    *out = n;
    return 0;
}

/* Size of the request line and headers, as libmicrohttpd parsed them; 0 when unknown. */
static size_t head_size(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
    return ci ? ci->header_size : 0;
}

/* First call for a request: check its head, route it, run the route's gate and check the
 * announced body size, all before any of the body is read. */
static enum MHD_Result request_begin(http_server_t *s, http_req_t *req, const char *url,
                                     const char *method)
{
    atomic_fetch_add_explicit(&s->requests, 1, memory_order_relaxed);
    atomic_store_explicit(&req->phase, CONN_IN_REQUEST, memory_order_relaxed);
    req->method = method;
    uint64_t announced = 0;
    bool has_length = content_length(req->conn, &announced) == 0;
    req->body_expected = (has_length && announced > 0) ||
                         MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL;
    req->answered_early = true; /* until the checks below pass */
    if (head_size(req->conn) > s->cfg.header_max)
        return answer_now(req, 431, "header_fields_too_large",
                          "request line and headers too large");
    if (path_split(req, url) != 0)
        return answer_now(req, 414, "uri_too_long", "request path too long");
    if (req->path_ctl)
        return answer_now(req, 400, "invalid_request", "control character in the request path");
    bool path_known = false;
    char allow[128];
    req->route = route_find(s, req, &path_known, allow, sizeof allow);
    req->routed_ns = clock_mono_ns();
    if (req->route == NULL) {
        if (!path_known)
            return answer_now(req, 404, "not_found", "no such resource");
        http_req_add_header(req, "Allow", allow);
        return answer_now(req, 405, "method_not_allowed", "method not allowed for this resource");
    }
    if (req->route->gate && !req->route->gate(req, req->route->user)) {
        if (atomic_load_explicit(&req->state, memory_order_acquire) == REQ_ANSWERED)
            return answer_queue(req);
        LOGE("%s: gate for %s %s refused without answering", s->name, req->method, req->path);
        return answer_now(req, 500, "internal", "request refused without an answer");
    }
    req->body_max = req->route->body_max;
    if (has_length && announced > req->body_max)
        return answer_now(req, 413, "payload_too_large", "request body too large");
    req->answered_early = false;
    if (has_length)
        body_reserve(req, (size_t)announced); /* on failure the body grows as it comes */
    return MHD_YES;
}

/* Grows the body buffer to at least cap bytes; 0, or -1 when memory is short. Buffers over
 * BUF_KEEP_MAX are pages mapped for them alone, so they go back to the system when the request
 * ends: from malloc they would stay in its arenas (glibc raises its mmap threshold after each
 * large free), and a burst of 1 MiB uploads left hundreds of megabytes resident. */
static int body_reserve(http_req_t *req, size_t cap)
{
    if (cap <= req->body_cap)
        return 0;
    uint8_t *p;
    if (cap <= BUF_KEEP_MAX) {
        p = realloc(req->body, cap);
        if (p == NULL)
            return -1;
    } else if (req->body_mapped) {
        p = mremap(req->body, req->body_cap, cap, MREMAP_MAYMOVE);
        if (p == MAP_FAILED)
            return -1;
    } else {
        p = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return -1;
        if (req->body_len)
            memcpy(p, req->body, req->body_len);
        free(req->body);
        req->body_mapped = true;
    }
    req->body = p;
    req->body_cap = cap;
    return 0;
}

static void body_append(http_req_t *req, const char *data, size_t n)
{
    if (req->body_too_large)
        return;
    if (n > req->body_max - req->body_len) {
        req->body_too_large = true;
        return;
    }
    if (req->body_len + n > req->body_cap) {
        size_t cap = req->body_cap ? req->body_cap : 1024;
        while (cap < req->body_len + n)
            cap *= 2;
        if (cap > req->body_max)
            cap = req->body_max;
        if (body_reserve(req, cap) != 0) {
            req->body_too_large = true; /* answered 413; nothing better to say on OOM */
            return;
        }
    }
    memcpy(req->body + req->body_len, data, n);
    req->body_len += n;
}

/* The client's X-Request-Id when it is a valid one, else a new id: answered in X-Request-Id and
 * set for the handler's log lines (log_request_id_set). */
static void request_id_take(http_req_t *req)
{
    const char *h = http_req_header(req, "X-Request-Id");
    if (h && log_request_id_valid(h, strlen(h)))
        snprintf(req->request_id, sizeof req->request_id, "%s", h);
    else
        uuid_v7(req->request_id);
    http_req_add_header(req, "X-Request-Id", req->request_id);
    log_request_id_set(req->request_id);
}

const char *http_req_id(const http_req_t *req)
{
    return req->request_id;
}

int http_req_client_addr(const http_req_t *req, char *out, size_t cap)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    const void *a =
        !sa                         ? NULL
        : sa->sa_family == AF_INET  ? (const void *)&((const struct sockaddr_in *)sa)->sin_addr
        : sa->sa_family == AF_INET6 ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
                                    : NULL;
    return a && cap <= (size_t)INT32_MAX && inet_ntop(sa->sa_family, a, out, (socklen_t)cap) ? 0
                                                                                             : -1;
}

/* The body is complete: run the handler, then answer now or suspend. */
static enum MHD_Result request_run(http_server_t *s, http_req_t *req)
{
    /* The request is in: what follows is ours to finish, not the client's to delay. */
    atomic_store(&req->deadline_ms, 0);
    if (req->body_too_large)
        return answer_now(req, 413, "payload_too_large", "request body too large");
    req->busy = true;
    atomic_fetch_add(&s->busy, 1); /* before reading stopping; see http_server_stop */
    if (atomic_load(&s->stopping))
        return answer_now(req, 503, "unavailable", "server is shutting down");

    atomic_store_explicit(&req->state, REQ_IN_HANDLER, memory_order_relaxed);
    if (s->cfg.request_ids)
        request_id_take(req);
    http_handler_result_t r = req->route->fn(req, req->route->user);
    log_request_id_set(NULL); /* the handler's thread goes back to the pool */
    if (atomic_load_explicit(&req->state, memory_order_acquire) == REQ_ANSWERED)
        return answer_queue(req);
    if (r == HTTP_DONE && http_respond_error(req, 500, "internal", "handler gave no answer") == 0) {
        LOGE("%s: handler for %s %s returned without answering", s->name, req->method, req->path);
        return answer_queue(req);
    }
    req->pending = true;
    atomic_fetch_add_explicit(&s->pending, 1, memory_order_relaxed);
    MHD_suspend_connection(req->conn);
    int expected = REQ_IN_HANDLER;
    if (!atomic_compare_exchange_strong_explicit(&req->state, &expected, REQ_SUSPENDED,
                                                 memory_order_acq_rel, memory_order_acquire))
        MHD_resume_connection(req->conn); /* answered meanwhile; on_request queues it */
    return MHD_YES;
}

static int hex_digit(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* True when the path of a request-target (up to '?') has a control byte (below 0x20, or 0x7F),
 * as sent or percent-encoded. libmicrohttpd hands the decoded path over as a C string, so
 * "/alice%00garbage" would be routed as "/alice"; other control bytes have no use in a path. */
static bool path_has_ctl(const char *uri)
{
    for (const unsigned char *p = (const unsigned char *)uri; *p && *p != '?'; p++) {
        int b = *p, hi, lo;
        if (b == '%' && (hi = hex_digit(p[1])) >= 0 && (lo = hex_digit(p[2])) >= 0) {
            b = hi * 16 + lo;
            p += 2;
        }
        if (b < 0x20 || b == 0x7f)
            return true;
    }
    return false;
}

/* libmicrohttpd decodes the path in place before the handler sees it; this callback runs on the
 * raw request-target first and keeps a copy (HTTP message signatures cover it as sent). It
 * returns NULL so that on_request still sees a fresh request context. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    http_req_t *req = ci ? ci->socket_context : NULL;
    if (req == NULL)
        return NULL;
    req->path_ctl = uri != NULL && path_has_ctl(uri);
    size_t n = uri ? strlen(uri) : 0;
    req->target_ok = uri != NULL && n <= HTTP_TARGET_MAX_LEN;
    if (req->target_ok)
        memcpy(req->target, uri, n + 1);
    else
        req->target[0] = '\0';
    return NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_ctx)
{
    http_server_t *s = cls;
    http_req_t *req = *req_ctx;
    (void)version;
    if (req == NULL) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        req = ci ? ci->socket_context : NULL;
        if (req == NULL)
            return MHD_NO; /* the connection context could not be allocated */
        *req_ctx = req;
        return request_begin(s, req, url, method);
    }
    if (req->answered_early) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        body_append(req, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (req->pending)
        return answer_queue(req); /* resumed after http_respond */
    return request_run(s, req);
}

__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    http_server_t *s = cls;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n > 0 && line[n - 1] == '\n')
        line[--n] = '\0';
    /* Mostly clients that went away mid-request: a remote party decides how many there are. */
    LOGW_LIMITED(&s->mhd_log_limit, "%s: microhttpd: %s", s->name, line);
}

/* Raises the process's descriptor limit to what connections_max needs (each connection is one
 * descriptor), up to the hard limit, and returns the connection cap the limit allows. */
static unsigned fds_ensure(http_server_t *s)
{
    unsigned want = s->cfg.connections_max;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return want;
    if (rl.rlim_cur < rl.rlim_max && rl.rlim_cur < (rlim_t)want + FDS_SPARE) {
        rlim_t cur = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            rl.rlim_cur = cur;
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)want + FDS_SPARE) {
        unsigned fit = rl.rlim_cur > 2 * FDS_SPARE ? (unsigned)(rl.rlim_cur - FDS_SPARE) : 64u;
        LOGW("%s: open-file limit %llu allows %u connections, not %u", s->name,
             (unsigned long long)rl.rlim_cur, fit, want);
        want = fit;
    }
    return want;
}

int http_server_start(http_server_t *s)
{
    ASSERT(s != NULL && s->daemon == NULL);
    if (http_server_route(s, "GET", "/healthz", healthz, NULL, 0) != 0)
        return -1;
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO |
                     MHD_USE_ERROR_LOG;
    if (s->addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_OptionItem opts[16];
    size_t n = 0;
    /* The logger goes first so that messages about later options reach it. */
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, s};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, &s->addr};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, s->cfg.threads, NULL};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, s->cfg.idle_timeout_s, NULL};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, s};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, s};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_uri, s};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, NULL};
    unsigned limit = fds_ensure(s);
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, limit, NULL};
    uint64_t reserve = limit / PRESSURE_RESERVE_DIV ? limit / PRESSURE_RESERVE_DIV : 1;
    s->pressure_at = limit - reserve;
    s->relieved_to = limit > 2 * reserve ? limit - 2 * reserve : 0;
    opts[n++] =
        (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT, s->cfg.per_ip_max, NULL};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    uint16_t want =
        ntohs(s->addr.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&s->addr)->sin6_port
                                            : ((struct sockaddr_in *)&s->addr)->sin_port);
    s->daemon = MHD_start_daemon(flags, want, NULL, NULL, on_request, s, MHD_OPTION_ARRAY, opts,
                                 MHD_OPTION_END);
    if (s->daemon == NULL) {
        LOGE("%s: cannot listen on port %u: %s", s->name, (unsigned)want, strerror(errno));
        s->n_routes--; /* drop healthz so a retry can add it again */
        free(s->routes[s->n_routes].pattern_copy);
        free(s->routes[s->n_routes].pattern);
        return -1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : want;
    s->reaper_stop = false;
    s->reaper_running = pthread_create(&s->reaper, NULL, reaper_main, s) == 0;
    if (!s->reaper_running)
        LOGW("%s: no reaper thread: request deadlines are not enforced", s->name);
    LOGI("%s: listening on port %u with %u threads", s->name, (unsigned)s->port, s->cfg.threads);
    return 0;
}

uint16_t http_server_port(const http_server_t *s)
{
    return s->port;
}

void http_server_stats(const http_server_t *s, http_server_stats_t *out)
{
    http_server_t *m = (http_server_t *)s; /* atomics are read through a non-const lvalue */
    out->connections_opened = atomic_load_explicit(&m->conns_opened, memory_order_relaxed);
    out->connections_open = atomic_load_explicit(&m->conns_open, memory_order_relaxed);
    out->requests = atomic_load_explicit(&m->requests, memory_order_relaxed);
    out->pending = atomic_load_explicit(&m->pending, memory_order_relaxed);
    out->connections_timed_out = atomic_load_explicit(&m->timed_out, memory_order_relaxed);
    out->connections_evicted = atomic_load_explicit(&m->evicted, memory_order_relaxed);
}

static void reaper_stop(http_server_t *s)
{
    if (!s->reaper_running)
        return;
    pthread_mutex_lock(&s->reaper_mu);
    s->reaper_stop = true;
    pthread_cond_signal(&s->reaper_cv);
    pthread_mutex_unlock(&s->reaper_mu);
    pthread_join(s->reaper, NULL);
    s->reaper_running = false;
}

void http_server_stop_begin(http_server_t *s)
{
    if (s != NULL)
        atomic_store(&s->stopping, true);
}

void http_server_stop(http_server_t *s)
{
    if (s == NULL || s->daemon == NULL)
        return;
    /* No MHD_quiesce_daemon: with epoll workers it races them over the listen socket and
     * libmicrohttpd 0.9.75 aborts the process ("Failed to remove listen FD from epoll set").
     * The listener stays open until MHD_stop_daemon; what arrives meanwhile is answered 503. */
    http_server_stop_begin(s);
    /* Every request that got past the stopping check is counted in busy (the increment comes
     * first), so once busy reads 0 no connection is or will be suspended. */
    uint64_t waited_ms = 0;
    while (atomic_load(&s->busy) != 0) {
        struct timespec ts = {0, 1000 * 1000};
        nanosleep(&ts, NULL);
        if (++waited_ms % 5000 == 0)
            LOGW("%s: stop is waiting for %llu unanswered requests", s->name,
                 (unsigned long long)atomic_load(&s->busy));
    }
    /* Kept-alive connections close after their next (503, Connection: close) answer; wait for
     * them while requests still come, not for idle ones (those close below). */
    for (int i = 0;
         !s->cfg.no_stop_grace && i < HTTP_STOP_GRACE_MS && atomic_load(&s->conns_open) != 0; i++) {
        uint64_t before = atomic_load_explicit(&s->requests, memory_order_relaxed);
        struct timespec ts = {0, HTTP_STOP_QUIET_MS * 1000 * 1000};
        nanosleep(&ts, NULL);
        i += HTTP_STOP_QUIET_MS - 1;
        if (atomic_load_explicit(&s->requests, memory_order_relaxed) == before)
            break; /* nothing arrived: the rest are idle */
    }
    reaper_stop(s);
    MHD_stop_daemon(s->daemon);
    s->daemon = NULL;
}

void http_server_free(http_server_t *s)
{
    if (s == NULL)
        return;
    http_server_stop(s);
    for (size_t i = 0; i < s->n_routes; i++) {
        free(s->routes[i].pattern_copy);
        free(s->routes[i].pattern);
    }
    pthread_mutex_destroy(&s->conns_mu);
    pthread_mutex_destroy(&s->reaper_mu);
    pthread_cond_destroy(&s->reaper_cv);
    free(s);
}

/* ---- routing ---- */

/* Copies the decoded path and splits it into NUL-terminated segments. */
static int path_split(http_req_t *req, const char *url)
{
    size_t n = strlen(url);
    if (n > HTTP_PATH_MAX_LEN)
        return -1;
    memcpy(req->path, url, n + 1);
    memcpy(req->seg_mem, url, n + 1);
    req->n_segs = 0;
    if (n <= 1 || req->seg_mem[0] != '/')
        return 0;
    char *p = req->seg_mem + 1;
    for (;;) {
        if (req->n_segs == HTTP_PATH_MAX_SEGMENTS) {
            req->n_segs = HTTP_PATH_MAX_SEGMENTS + 1u; /* matches no route */
            return 0;
        }
        req->segs[req->n_segs++] = p;
        char *slash = strchr(p, '/');
        if (slash == NULL)
            return 0;
        *slash = '\0';
        p = slash + 1;
    }
}

static bool route_matches_path(const route_t *r, const http_req_t *req)
{
    if (r->n_segs != req->n_segs)
        return false;
    for (size_t i = 0; i < r->n_segs; i++) {
        const char *seg = req->segs[i];
        if (r->segs[i].param) {
            if (seg[0] == '\0')
                return false;
        } else if (strlen(seg) != r->segs[i].len || memcmp(seg, r->segs[i].text, r->segs[i].len)) {
            return false;
        }
    }
    return true;
}

/* The first route matching method and path, or NULL; path_known tells whether some route has
 * this path, and allow lists those routes' methods (for 405). */
static const route_t *route_find(const http_server_t *s, http_req_t *req, bool *path_known,
                                 char *allow, size_t allow_cap)
{
    size_t used = 0;
    allow[0] = '\0';
    for (size_t i = 0; i < s->n_routes; i++) {
        const route_t *r = &s->routes[i];
        if (!route_matches_path(r, req))
            continue;
        if (strcmp(r->method, req->method) == 0)
            return r;
        *path_known = true;
        int w = snprintf(allow + used, allow_cap - used, "%s%s", used ? ", " : "", r->method);
        if (w > 0 && (size_t)w < allow_cap - used)
            used += (size_t)w;
    }
    return NULL;
}

static http_handler_result_t healthz(http_req_t *req, void *user)
{
    (void)user;
    static const char body[] = "{\"status\":\"ok\"}";
    http_respond(req, 200, "application/json", body, sizeof body - 1);
    return HTTP_DONE;
}

/* ---- request accessors ---- */

const char *http_req_method(const http_req_t *req)
{
    return req->method;
}

const char *http_req_target(const http_req_t *req)
{
    return req->target_ok ? req->target : NULL;
}

const char *http_req_path(const http_req_t *req)
{
    return req->path;
}

const char *http_req_param(const http_req_t *req, const char *name)
{
    const route_t *r = req->route;
    if (r == NULL)
        return NULL;
    size_t n = strlen(name);
    for (size_t i = 0; i < r->n_segs; i++)
        if (r->segs[i].param && r->segs[i].len == n && memcmp(r->segs[i].text, name, n) == 0)
            return req->segs[i];
    return NULL;
}

const char *http_req_query(const http_req_t *req, const char *name)
{
    const char *v = NULL;
    size_t n = 0;
    if (MHD_lookup_connection_value_n(req->conn, MHD_GET_ARGUMENT_KIND, name, strlen(name), &v,
                                      &n) != MHD_YES)
        return NULL;
    return v != NULL ? v : ""; /* "?flag" has a key and no value */
}

const char *http_req_header(const http_req_t *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

slice_t http_req_body(const http_req_t *req)
{
    return (slice_t){req->body, req->body_len};
}

bool http_req_has_body(const http_req_t *req)
{
    return req->body_expected;
}

bool http_req_content_type_is(const http_req_t *req, const char *want)
{
    const char *ct = http_req_header(req, "Content-Type");
    size_t n = strlen(want);
    if (ct == NULL || strncasecmp(ct, want, n) != 0)
        return false;
    return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ' || ct[n] == '\t';
}

/* ---- answering ---- */

static bool header_text_ok(const char *s)
{
    return strpbrk(s, "\r\n") == NULL;
}

int http_req_add_header(http_req_t *req, const char *name, const char *value)
{
    size_t nl = strlen(name), vl = strlen(value);
    if (req->n_hdrs == RESP_HEADERS_MAX || nl == 0 || !header_text_ok(name) ||
        !header_text_ok(value) || strchr(name, ':') != NULL ||
        nl + vl + 2 > RESP_HEADER_BYTES - req->hdr_len)
        return -1;
    req->hdr_name[req->n_hdrs] = (uint16_t)req->hdr_len;
    memcpy(req->hdr_mem + req->hdr_len, name, nl + 1);
    req->hdr_len += nl + 1;
    req->hdr_value[req->n_hdrs] = (uint16_t)req->hdr_len;
    memcpy(req->hdr_mem + req->hdr_len, value, vl + 1);
    req->hdr_len += vl + 1;
    req->n_hdrs++;
    return 0;
}

/* Takes the right to answer; -1 when some thread already has it. */
static int claim(http_req_t *req)
{
    if (atomic_exchange_explicit(&req->claimed, true, memory_order_acq_rel))
        return -1;
    req->resp_len = 0;
    req->resp_failed = false;
    return 0;
}

static int resp_append(http_req_t *req, const void *p, size_t n)
{
    if (req->resp_failed)
        return -1;
    size_t max = req->server->cfg.response_max;
    if (n > max - req->resp_len) {
        req->resp_failed = true;
        return -1;
    }
    if (req->resp_len + n > req->resp_cap) {
        size_t cap = req->resp_cap ? req->resp_cap : 512;
        while (cap < req->resp_len + n)
            cap *= 2;
        if (cap > max)
            cap = max;
        uint8_t *q = realloc(req->resp, cap);
        if (q == NULL) {
            req->resp_failed = true;
            return -1;
        }
        req->resp = q;
        req->resp_cap = cap;
    }
    memcpy(req->resp + req->resp_len, p, n);
    req->resp_len += n;
    return 0;
}

/* Publishes the answer written since claim(); after this the request belongs to the worker. */
static int finish(http_req_t *req, unsigned status, const char *content_type)
{
    int rc = 0;
    if (req->resp_failed) {
        static const char body[] = "{\"error\":{\"code\":\"internal\",\"message\":"
                                   "\"response too large\"}}";
        req->resp_failed = false;
        req->resp_len = 0;
        resp_append(req, body, sizeof body - 1);
        status = 500;
        content_type = "application/json";
        rc = -1;
    }
    req->status = status;
    req->content_type[0] = '\0';
    if (content_type != NULL && strlen(content_type) <= CONTENT_TYPE_MAX_LEN &&
        header_text_ok(content_type))
        memcpy(req->content_type, content_type, strlen(content_type) + 1);
    struct MHD_Connection *conn = req->conn; /* req may be reused once state is ANSWERED */
    int old = atomic_exchange_explicit(&req->state, REQ_ANSWERED, memory_order_acq_rel);
    if (old == REQ_SUSPENDED)
        MHD_resume_connection(conn);
    return rc;
}

int http_respond(http_req_t *req, unsigned status, const char *content_type, const void *body,
                 size_t len)
{
    ASSERT(req != NULL && status >= 100 && status <= 999);
    if (claim(req) != 0)
        return -1;
    if (len > 0)
        resp_append(req, body, len);
    return finish(req, status, content_type);
}

static int json_sink(const char *buffer, size_t size, void *data)
{
    return resp_append(data, buffer, size);
}

int http_respond_json(http_req_t *req, unsigned status, const json_t *doc)
{
    ASSERT(req != NULL && doc != NULL && status >= 100 && status <= 999);
    if (claim(req) != 0)
        return -1;
    if (json_dump_callback(doc, json_sink, req, JSON_COMPACT) != 0)
        req->resp_failed = true;
    return finish(req, status, "application/json");
}

/* Appends s as a JSON string body (quotes and escapes). */
static void resp_append_json_str(http_req_t *req, const char *s)
{
    resp_append(req, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*p;
            resp_append(req, esc, 2);
        } else if (*p < 0x20) {
            int w = snprintf(esc, sizeof esc, "\\u%04x", (unsigned)*p);
            resp_append(req, esc, (size_t)w);
        } else {
            resp_append(req, p, 1);
        }
    }
    resp_append(req, "\"", 1);
}

int http_respond_error(http_req_t *req, unsigned status, const char *code, const char *message)
{
    ASSERT(req != NULL && code != NULL && message != NULL);
    if (claim(req) != 0)
        return -1;
    static const char open[] = "{\"error\":{\"code\":";
    static const char mid[] = ",\"message\":";
    resp_append(req, open, sizeof open - 1);
    resp_append_json_str(req, code);
    resp_append(req, mid, sizeof mid - 1);
    resp_append_json_str(req, message);
    resp_append(req, "}}", 2);
    return finish(req, status, "application/json");
}

/* ---- metrics ---- */

/* True when an earlier route has the same method and pattern (it answers; this one never). */
static bool route_shadowed(const http_server_t *s, size_t r)
{
    for (size_t j = 0; j < r; j++)
        if (strcmp(s->routes[j].method, s->routes[r].method) == 0 &&
            strcmp(s->routes[j].pattern, s->routes[r].pattern) == 0)
            return true;
    return false;
}

int http_server_metrics_write(http_server_t *const *servers, size_t n, buf_t *b)
{
    static const char *const classes[6] = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};
    int rc = metrics_family(b, "rafiki_http_responses_total", "counter",
                            "HTTP answers by listener and status class");
    char labels[256], pat[HTTP_PATH_MAX_LEN * 2 + 1];
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (!servers[i])
            continue;
        for (int c = 0; c < 6 && rc == 0; c++) {
            snprintf(labels, sizeof labels, "listener=\"%s\",code=\"%s\"", servers[i]->name,
                     classes[c]);
            rc = metrics_sample_u64(
                b, "rafiki_http_responses_total", labels,
                atomic_load_explicit(&servers[i]->answers[c], memory_order_relaxed));
        }
    }
    if (rc == 0)
        rc = metrics_family(b, "rafiki_http_request_duration_seconds", "histogram",
                            "time from routing a request to queueing its answer, per route");
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (!servers[i])
            continue;
        for (size_t r = 0; r < servers[i]->n_routes && rc == 0; r++) {
            const route_t *rt = &servers[i]->routes[r];
            if (route_shadowed(servers[i], r))
                continue;
            snprintf(labels, sizeof labels, "listener=\"%s\",method=\"%s\",route=\"%s\"",
                     servers[i]->name, rt->method,
                     metrics_label_escape(rt->pattern, pat, sizeof pat));
            rc =
                metrics_hist_write(b, "rafiki_http_request_duration_seconds", labels, &rt->latency);
        }
    }
    return rc;
}
