/*
 * HTTP/1.1 server on libmicrohttpd with a router, body caps and asynchronous replies.
 *
 * One server is one listener: an epoll event loop per worker thread (a pool sized to the cores),
 * keep-alive connections, a request body cap per server and per route (413 when Content-Length
 * announces more, or when a streamed body grows past it), and a router of method + path
 * patterns ("/accounts/{id}/status"). Unknown paths get 404, known paths with another method 405
 * (with an Allow header), both as {"error":{"code":...,"message":...}}. Every server also answers
 * GET /healthz with 200 {"status":"ok"} unless a route of its own takes that path.
 *
 * Hostile clients: a connection's request must be complete (head and body) within
 * request_timeout_ms of the connection opening, and each later request on a keep-alive
 * connection within idle_timeout_s of the previous answer. These are absolute deadlines:
 * trickling bytes does not extend them (libmicrohttpd's own timeout restarts on every byte).
 * A reaper thread shuts down connections past their deadline. Connections per client address
 * are capped (per_ip_max; the excess is closed at accept). Connections from many addresses
 * cannot fill the listener either: once 7/8 of connections_max are open, new connections
 * without a request head after 500 ms are closed, then the oldest idle keep-alive ones down
 * to 3/4, so a new client is served within a second. Heads larger than header_max get 431, paths
 * longer than HTTP_PATH_MAX_LEN 414, and paths with a control byte (also as %00..%1F or %7F)
 * 400, all as JSON errors. Bodies larger than 64 KiB live in pages mapped for them, so memory
 * goes back to the system after a burst. libmicrohttpd still answers by itself, 431 in HTML, a
 * head too large for its 32 KiB per-connection buffer; that body is compiled into the library
 * (docs/DESIGN.md, "Hostile clients").
 *
 * Per-request state lives in a context owned by the connection and reused for each request on
 * it, so a keep-alive request costs no allocation of ours beyond growing buffers once.
 *
 * Asynchronous replies: a handler that cannot answer at once returns HTTP_PENDING and later
 * calls http_respond*() exactly once, from any thread. The connection is suspended meanwhile
 * (MHD_suspend_connection) and resumed by the reply. A pending request MUST be answered:
 * http_server_stop() waits for every pending request before it stops, so the component that
 * answers them has to keep running until stop returns.
 *
 * Thread rules: route registration happens before http_server_start(). Handlers run on the
 * worker threads, several at once. The request accessors are valid from the handler's call until
 * the request is answered; after http_respond*() returns, the request must not be touched.
 */
#ifndef RAFIKI_HTTP_SERVER_H
#define RAFIKI_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/env.h"
#include "base/slice.h"

typedef struct http_server http_server_t;
typedef struct http_req http_req_t;

/* What a handler tells the server: it answered (http_respond* was called on this thread), or it
 * will answer later from some thread. Returning HTTP_DONE without answering is a programmer
 * error; the server logs it and answers 500. */
typedef enum { HTTP_DONE = 0, HTTP_PENDING = 1 } http_handler_result_t;

typedef http_handler_result_t (*http_handler_fn)(http_req_t *req, void *user);

/* A route's gate: runs on the worker thread once the request's headers are in, before any of
 * its body is read or buffered (http_req_body is empty here). It returns true to let the
 * request go on, or answers with http_respond* and returns false; the body is then never
 * read and the connection is closed after the answer when a body was announced. For checks
 * that need no body: authentication, Content-Type. */
typedef bool (*http_gate_fn)(http_req_t *req, void *user);

typedef struct {
    const char *host;         /* numeric IPv4 or IPv6 address; NULL = "127.0.0.1" */
    uint16_t port;            /* 0 = an ephemeral port, see http_server_port() */
    unsigned threads;         /* worker threads; 0 = one per online core */
    size_t body_max;          /* request body cap; 0 = HTTP_BODY_MAX_DEFAULT */
    size_t response_max;      /* response body cap; 0 = 64 MiB */
    unsigned idle_timeout_s;  /* keep-alive: the next request must be in within this of the
                                 previous answer; 0 = HTTP_IDLE_TIMEOUT_DEFAULT_S */
    unsigned connections_max; /* open connections; 0 = HTTP_CONNECTIONS_DEFAULT */
    const char *name;         /* for log lines; NULL = "http" */
    /* A new connection's first request (head and body) must be in within this; 0 =
     * HTTP_REQUEST_TIMEOUT_DEFAULT_MS. Activity does not extend it: see "Hostile clients". */
    unsigned request_timeout_ms;
    unsigned per_ip_max; /* connections from one address; 0 = HTTP_PER_IP_DEFAULT */
    size_t header_max;   /* request line and headers; 0 = HTTP_HEADER_MAX_DEFAULT; more: 431 */
    bool no_stop_grace;  /* http_server_stop closes kept-alive connections at once (tests) */
    /* Each request is given an id: the client's X-Request-Id when valid (log.h), else a new one;
     * answered in X-Request-Id and carried by the handler's log lines (http_req_id). */
    bool request_ids;
} http_server_config_t;

/* Defaults of the limits above, chosen for a connector whose peers keep a few keep-alive
 * connections each; an operator changes them with the HTTP_* variables (docs/CONFIG.md). */
#define HTTP_IDLE_TIMEOUT_DEFAULT_S     60
#define HTTP_REQUEST_TIMEOUT_DEFAULT_MS 15000
#define HTTP_CONNECTIONS_DEFAULT        4096
#define HTTP_PER_IP_DEFAULT             128
#define HTTP_HEADER_MAX_DEFAULT         (8u * 1024u)

/* Fills the limits of cfg from HTTP_REQUEST_TIMEOUT_MS, HTTP_IDLE_TIMEOUT_S,
 * HTTP_CONNECTIONS_MAX and HTTP_PER_IP_CONNECTIONS_MAX (unset: the defaults). Returns 0, or -1
 * with err naming the variable when a value is malformed or out of range. */
int http_server_config_env(http_server_config_t *cfg, env_err_t *err);

/* Counters, for tests and metrics. Read without locks; values are approximate while serving. */
typedef struct {
    uint64_t connections_opened;
    uint64_t connections_open;
    uint64_t requests;
    uint64_t pending;               /* requests currently waiting for an asynchronous answer */
    uint64_t connections_timed_out; /* closed because a request missed its deadline */
    uint64_t connections_evicted;   /* idle or slow, closed to make room (under pressure) */
} http_server_stats_t;

/* Returns a server that is configured but not listening, or NULL on a bad host or OOM. */
http_server_t *http_server_new(const http_server_config_t *cfg);

/* Adds a route. method is "GET", "POST", ... (exact, case-sensitive). pattern starts with '/'
 * and has literal segments and "{name}" parameters that match one non-empty segment; a pattern
 * has at most HTTP_PATH_MAX_SEGMENTS segments. body_max caps this route's request bodies
 * (0 = the server's cap; it may be larger than the server's). Routes are tried in order.
 * Returns 0, or -1 for a malformed pattern, too many routes, or after start. */
int http_server_route(http_server_t *s, const char *method, const char *pattern, http_handler_fn fn,
                      void *user, size_t body_max);
/* The same with a gate (may be NULL) that sees the request before its body; gate and fn get
 * the same user pointer. */
int http_server_route_gated(http_server_t *s, const char *method, const char *pattern,
                            http_gate_fn gate, http_handler_fn fn, void *user, size_t body_max);

/* One row of a route table: the form every listener's routes are declared in. */
typedef struct {
    const char *method;
    const char *pattern;
    http_handler_fn fn;
    size_t body_max; /* as http_server_route's */
} http_route_t;

/* Adds the n routes of table, in order, each with user. 0, or -1 as http_server_route. */
int http_server_routes(http_server_t *s, const http_route_t *table, size_t n, void *user);
#define HTTP_ROUTES_N(table) (sizeof(table) / sizeof *(table))

/* Binds and starts the worker threads. Returns 0, or -1 (logged) when the bind or start fails. */
int http_server_start(http_server_t *s);

/* The bound port (the ephemeral one when configured with 0); 0 before start. */
uint16_t http_server_port(const http_server_t *s);

void http_server_stats(const http_server_t *s, http_server_stats_t *out);

/* Answers every new request with 503 and Connection: close (the listening socket stays open
 * until the end: libmicrohttpd cannot stop an epoll listener from accepting without racing its
 * workers), waits until every pending request has been answered and sent, gives kept-alive
 * connections up to HTTP_STOP_GRACE_MS to close after such an answer while requests keep
 * coming (a client that was writing its next request receives the 503 rather than a reset), then
 * stops the workers and closes the listener and every connection. Safe to call twice. */
#define HTTP_STOP_GRACE_MS 200
#define HTTP_STOP_QUIET_MS 50 /* ...and stops waiting once no request came for this long */
void http_server_stop(http_server_t *s);
/* The first step of http_server_stop alone (new requests get 503), so that a process stopping
 * several listeners drains them all at once. NULL: no-op. */
void http_server_stop_begin(http_server_t *s);

/* Stops the server if needed and frees it. NULL is a no-op. */
void http_server_free(http_server_t *s);

/* ---- the request (valid until answered) ---- */

const char *http_req_method(const http_req_t *req);
/* The percent-decoded path, without the query string. */
const char *http_req_path(const http_req_t *req);
/* The request-target as the client sent it: path and query, not percent-decoded ("/a%2Fb?x=1").
 * HTTP message signatures cover these exact bytes. NULL when it was longer than
 * HTTP_TARGET_MAX_LEN. */
const char *http_req_target(const http_req_t *req);
/* The value of a "{name}" segment of the matched route, or NULL. */
const char *http_req_param(const http_req_t *req, const char *name);
/* The decoded value of a query argument, or NULL when absent ("?a" gives ""). */
const char *http_req_query(const http_req_t *req, const char *name);
/* A request header (case-insensitive name), or NULL. */
const char *http_req_header(const http_req_t *req, const char *name);
/* The request body; its bytes are not NUL-terminated and are valid until answered. */
slice_t http_req_body(const http_req_t *req);
/* True when the request announced a body (Content-Length above 0, or Transfer-Encoding);
 * usable in a gate, before the body is read. */
bool http_req_has_body(const http_req_t *req);
/* True when the Content-Type header names media type want (case-insensitive), with or without
 * parameters ("application/json; charset=utf-8"). */
bool http_req_content_type_is(const http_req_t *req, const char *want);

/* ---- answering: exactly once per request, from any thread ---- */

/* Adds a header to the answer. Call before http_respond*() from the thread that will answer.
 * Returns 0, or -1 when the header table (16 headers, 4 KiB) is full or the name or value
 * contains CR/LF. */
int http_req_add_header(http_req_t *req, const char *name, const char *value);

/* Answers with status, an optional Content-Type (NULL for none) and len body bytes (copied).
 * Returns 0, or -1 when the request was already answered (then nothing is sent) or the body
 * exceeds the response cap (then 500 is sent instead). */
/* The request's id (cfg.request_ids), "" without. */
const char *http_req_id(const http_req_t *req);
/* The client's address, numeric ("192.0.2.1", "2001:db8::1"), into out (INET6_ADDRSTRLEN
 * bytes suffice): 0, or -1 when it is unknown or does not fit. The peer of the TCP connection:
 * behind a proxy, the proxy's address. */
int http_req_client_addr(const http_req_t *req, char *out, size_t cap);

int http_respond(http_req_t *req, unsigned status, const char *content_type, const void *body,
                 size_t len);

/* Answers with doc serialised compactly as application/json. The caller keeps its reference.
 * Returns as http_respond. */
int http_respond_json(http_req_t *req, unsigned status, const json_t *doc);

/* Answers {"error":{"code":code,"message":message}} as application/json. */
int http_respond_error(http_req_t *req, unsigned status, const char *code, const char *message);

/* Appends the metrics of these listeners (NULL entries skipped) in the Prometheus text format
 * (base/metrics.h): answers by status class, and the latency of each route. 0, or -1 when b is
 * full. Threads: any, while the servers run. */
int http_server_metrics_write(http_server_t *const *servers, size_t n, buf_t *b);

#endif
