/*
 * The HTTP client: one thread runs a curl multi handle; submitters push requests on a lock-free
 * stack (inbox) and wake it with curl_multi_wakeup. The thread owns everything else: a pool of
 * "slots" (an easy handle plus response buffers, reused across requests so their connections and
 * buffers stay warm), the transfers in flight, and the completion callbacks.
 *
 * A submitted request is one allocation holding the request, its URL, headers and body.
 */
#include "http/client.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "base/assert.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/mem.h"

#define HOST_CONNECTIONS_DEFAULT   64
#define CONNECTIONS_CACHE_DEFAULT  256
#define TIMEOUT_DEFAULT_MS         30000
#define CONNECT_TIMEOUT_DEFAULT_MS 5000
#define QUEUE_MAX_DEFAULT          65536
#define METHOD_MAX_LEN             15
/* Idle slots kept for reuse; more are freed on completion. */
#define SLOTS_KEEP_MAX 256
/* Response buffers above this are released when a slot goes idle. */
#define BUF_KEEP_MAX      (64u * 1024u)
#define HEADERS_MAX_BYTES (64u * 1024u)

typedef struct xfer {
    struct xfer *next;
    http_client_done_fn done;
    void *user;
    char method[METHOD_MAX_LEN + 1];
    uint32_t timeout_ms;
    size_t response_max;
    char *url;
    char *hdr_lines; /* "Name: value\0" * n_headers */
    size_t n_headers;
    uint8_t *body;
    size_t body_len;
} xfer_t;

typedef struct slot {
    struct slot *next; /* idle list, or the active list with prev */
    struct slot *prev;
    CURL *easy;
    struct curl_slist *hdrs;
    xfer_t *x;
    uint8_t *body;
    size_t body_len, body_cap, body_max;
    char *head;
    size_t head_len, head_cap;
    bool too_large;
} slot_t;

struct http_client {
    http_client_config_t cfg;
    CURLM *multi;
    pthread_t thread;
    _Atomic(xfer_t *) inbox;
    atomic_bool stopping;
    atomic_size_t queued; /* submitted and not yet completed */
    slot_t *idle;
    size_t n_idle;
    slot_t *active; /* transfers in the multi handle */
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

/* Extra CAs for every client (http_client_trust_set); written once at start, before any
 * transfer, then only read. */
static char *trust_file, *trust_dir;

static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

const char *http_client_result_str(http_client_result_t r)
{
    switch (r) {
    case HTTP_CLIENT_OK:
        return "ok";
    case HTTP_CLIENT_CONNECT_FAILED:
        return "connect_failed";
    case HTTP_CLIENT_TIMEOUT:
        return "timeout";
    case HTTP_CLIENT_TOO_LARGE:
        return "too_large";
    case HTTP_CLIENT_BAD_REQUEST:
        return "bad_request";
    case HTTP_CLIENT_IO:
        return "io_error";
    case HTTP_CLIENT_TLS:
        return "tls_error";
    case HTTP_CLIENT_RESOLVE:
        return "resolve_failed";
    case HTTP_CLIENT_QUEUE_FULL:
        return "queue_full";
    case HTTP_CLIENT_SHUTDOWN:
        return "shutdown";
    case HTTP_CLIENT_NO_MEMORY:
        return "no_memory";
    }
    return "unknown";
}

static http_client_result_t result_from_curl(CURLcode rc, bool too_large)
{
    if (too_large)
        return HTTP_CLIENT_TOO_LARGE;
    switch (rc) {
    case CURLE_OK:
        return HTTP_CLIENT_OK;
    case CURLE_OPERATION_TIMEDOUT:
        return HTTP_CLIENT_TIMEOUT;
    case CURLE_COULDNT_CONNECT:
        return HTTP_CLIENT_CONNECT_FAILED;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return HTTP_CLIENT_RESOLVE;
    case CURLE_FILESIZE_EXCEEDED:
        return HTTP_CLIENT_TOO_LARGE;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_BAD_FUNCTION_ARGUMENT:
        return HTTP_CLIENT_BAD_REQUEST;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
        return HTTP_CLIENT_TLS;
    case CURLE_OUT_OF_MEMORY:
        return HTTP_CLIENT_NO_MEMORY;
    default:
        return HTTP_CLIENT_IO;
    }
}

/* ---- TLS trust ---- */

/* Fills err with the reason a trust setting is refused; returns HTTP_CLIENT_TLS. */
static http_client_result_t trust_refused(http_client_err_t *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static http_client_result_t trust_refused(http_client_err_t *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return HTTP_CLIENT_TLS;
}

/* Checks that path is a readable PEM file with at least one certificate. */
static http_client_result_t trust_file_check(const char *path, http_client_err_t *err)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return trust_refused(err, "%s: %s", path, strerror(errno));
    fclose(f);
    /* X509_STORE_load_file also reads a directory name without complaint: refuse it here */
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return trust_refused(err, "%s: not a regular file", path);
    X509_STORE *st = X509_STORE_new();
    ASSERT(st != NULL);
    bool ok =
        X509_STORE_load_file(st, path) == 1 && sk_X509_OBJECT_num(X509_STORE_get0_objects(st)) >= 1;
    X509_STORE_free(st);
    return ok ? HTTP_CLIENT_OK : trust_refused(err, "%s: no PEM certificate in it", path);
}

static http_client_result_t trust_dir_check(const char *path, http_client_err_t *err)
{
    DIR *d = opendir(path);
    if (d == NULL)
        return trust_refused(err, "%s: %s", path, strerror(errno));
    closedir(d);
    return HTTP_CLIENT_OK;
}

http_client_result_t http_client_trust_set(const char *ca_file, const char *ca_dir,
                                           http_client_err_t *err)
{
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    if ((ca_file || ca_dir) &&
        (v->ssl_version == NULL || strncmp(v->ssl_version, "OpenSSL/", 8) != 0))
        return trust_refused(err, "libcurl is not built with OpenSSL (%s)",
                             v->ssl_version ? v->ssl_version : "no TLS");
    http_client_result_t r = HTTP_CLIENT_OK;
    if ((ca_file && (r = trust_file_check(ca_file, err)) != HTTP_CLIENT_OK) ||
        (ca_dir && (r = trust_dir_check(ca_dir, err)) != HTTP_CLIENT_OK))
        return r;
    free(trust_file);
    free(trust_dir);
    trust_file = ca_file ? xstrdup(ca_file) : NULL;
    trust_dir = ca_dir ? xstrdup(ca_dir) : NULL;
    return HTTP_CLIENT_OK;
}

static log_limit_t trust_log_limit = LOG_LIMIT_INIT(LOG_LIMIT_INTERVAL_DEFAULT_MS);

/* libcurl has put the system's CAs in the context's store; the configured ones are added to
 * them (CURLOPT_CAINFO and CURLOPT_CAPATH would replace them). Runs before each handshake. A
 * file that has become unreadable since start is logged and the handshake goes on: this only
 * ever adds trust, so verification then decides with what the store already holds. */
static CURLcode trust_add(CURL *easy, void *ssl_ctx, void *user)
{
    (void)easy;
    (void)user;
    if (SSL_CTX_load_verify_locations(ssl_ctx, trust_file, trust_dir) != 1) {
        ERR_clear_error(); /* libcurl reports the handshake's own errors from this queue */
        LOGW_LIMITED(&trust_log_limit, "http client: cannot load the CAs of %s%s%s",
                     trust_file ? trust_file : "", trust_file && trust_dir ? " and " : "",
                     trust_dir ? trust_dir : "");
    }
    return CURLE_OK;
}

/* ---- submitting (any thread) ---- */

static bool text_ok(const char *s)
{
    return s != NULL && strpbrk(s, "\r\n") == NULL;
}

/* Copies the request into one allocation. */
static xfer_t *xfer_new(const http_client_req_t *req, const http_client_config_t *cfg)
{
    size_t url_len = strlen(req->url), hdr_bytes = 0;
    for (size_t i = 0; i < req->n_headers; i++)
        hdr_bytes += strlen(req->headers[i].name) + 2 + strlen(req->headers[i].value) + 1;
    xfer_t *x = malloc(sizeof *x + url_len + 1 + hdr_bytes + req->body.len);
    if (x == NULL)
        return NULL;
    memset(x, 0, sizeof *x);
    char *p = (char *)(x + 1);
    x->url = p;
    memcpy(p, req->url, url_len + 1);
    p += url_len + 1;
    x->hdr_lines = p;
    for (size_t i = 0; i < req->n_headers; i++) {
        size_t nl = strlen(req->headers[i].name), vl = strlen(req->headers[i].value);
        memcpy(p, req->headers[i].name, nl);
        memcpy(p + nl, ": ", 2);
        memcpy(p + nl + 2, req->headers[i].value, vl + 1);
        p += nl + 2 + vl + 1;
    }
    x->n_headers = req->n_headers;
    x->body = (uint8_t *)p;
    x->body_len = req->body.len;
    if (req->body.len > 0)
        memcpy(x->body, req->body.ptr, req->body.len);
    const char *m = req->method ? req->method : (req->body.len > 0 ? "POST" : "GET");
    memcpy(x->method, m, strlen(m) + 1);
    x->timeout_ms = req->timeout_ms ? req->timeout_ms : cfg->timeout_ms_default;
    x->response_max = req->response_max ? req->response_max : cfg->response_max;
    return x;
}

http_client_result_t http_client_submit(http_client_t *c, const http_client_req_t *req,
                                        http_client_done_fn done, void *user)
{
    ASSERT(c != NULL && req != NULL && done != NULL);
    if (atomic_load(&c->stopping))
        return HTTP_CLIENT_SHUTDOWN;
    if (req->url == NULL || !text_ok(req->url) || (req->method && !text_ok(req->method)) ||
        (req->method && strlen(req->method) > METHOD_MAX_LEN))
        return HTTP_CLIENT_BAD_REQUEST;
    for (size_t i = 0; i < req->n_headers; i++)
        if (!text_ok(req->headers[i].name) || !text_ok(req->headers[i].value) ||
            strchr(req->headers[i].name, ':') != NULL)
            return HTTP_CLIENT_BAD_REQUEST;
    if (atomic_fetch_add(&c->queued, 1) >= c->cfg.queue_max) {
        atomic_fetch_sub(&c->queued, 1);
        return HTTP_CLIENT_QUEUE_FULL;
    }
    xfer_t *x = xfer_new(req, &c->cfg);
    if (x == NULL) {
        atomic_fetch_sub(&c->queued, 1);
        return HTTP_CLIENT_NO_MEMORY;
    }
    x->done = done;
    x->user = user;
    /* Once the push succeeds the client thread owns x: only the local head is read after. */
    xfer_t *head = atomic_load_explicit(&c->inbox, memory_order_relaxed);
    do {
        x->next = head;
    } while (!atomic_compare_exchange_weak_explicit(&c->inbox, &head, x, memory_order_release,
                                                    memory_order_relaxed));
    if (head == NULL) /* the inbox was empty: the thread may be asleep */
        curl_multi_wakeup(c->multi);
    return 0;
}

/* ---- the client thread ---- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *user)
{
    slot_t *s = user;
    size_t n = size * nmemb;
    if (n > s->body_max - s->body_len) {
        s->too_large = true;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    if (s->body_len + n > s->body_cap) {
        size_t cap = s->body_cap ? s->body_cap : 1024;
        while (cap < s->body_len + n)
            cap *= 2;
        uint8_t *p = realloc(s->body, cap);
        if (p == NULL)
            return 0;
        s->body = p;
        s->body_cap = cap;
    }
    memcpy(s->body + s->body_len, data, n);
    s->body_len += n;
    return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *user)
{
    slot_t *s = user;
    size_t n = size * nmemb;
    if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        s->head_len = 0; /* a new response (after 100 Continue): keep only the last one */
        return n;
    }
    if (n > HEADERS_MAX_BYTES - s->head_len)
        return 0;
    if (s->head_len + n > s->head_cap) {
        size_t cap = s->head_cap ? s->head_cap : 512;
        while (cap < s->head_len + n)
            cap *= 2;
        char *p = realloc(s->head, cap);
        if (p == NULL)
            return 0;
        s->head = p;
        s->head_cap = cap;
    }
    memcpy(s->head + s->head_len, data, n);
    s->head_len += n;
    return n;
}

static slot_t *slot_get(http_client_t *c)
{
    slot_t *s = c->idle;
    if (s != NULL) {
        c->idle = s->next;
        c->n_idle--;
        curl_easy_reset(s->easy);
        return s;
    }
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->easy = curl_easy_init();
    if (s->easy == NULL) {
        free(s);
        return NULL;
    }
    return s;
}

static void slot_destroy(slot_t *s)
{
    curl_easy_cleanup(s->easy);
    free(s->body);
    free(s->head);
    free(s);
}

static void slot_put(http_client_t *c, slot_t *s)
{
    curl_slist_free_all(s->hdrs);
    s->hdrs = NULL;
    s->x = NULL;
    s->body_len = s->head_len = 0;
    s->too_large = false;
    if (c->n_idle >= SLOTS_KEEP_MAX) {
        slot_destroy(s);
        return;
    }
    if (s->body_cap > BUF_KEEP_MAX) {
        free(s->body);
        s->body = NULL;
        s->body_cap = 0;
    }
    s->next = c->idle;
    c->idle = s;
    c->n_idle++;
}

/* Calls the callback and releases the request. */
static void complete(http_client_t *c, xfer_t *x, const http_client_resp_t *resp)
{
    x->done(resp, x->user);
    free(x);
    atomic_fetch_sub(&c->queued, 1);
}

static void fail(http_client_t *c, xfer_t *x, http_client_result_t r)
{
    http_client_resp_t resp = {.result = r};
    complete(c, x, &resp);
}

static int slot_setup(http_client_t *c, slot_t *s, xfer_t *x)
{
    CURL *e = s->easy;
    s->x = x;
    s->body_max = x->response_max;
    const char *p = x->hdr_lines;
    for (size_t i = 0; i < x->n_headers; i++) {
        struct curl_slist *l = curl_slist_append(s->hdrs, p);
        if (l == NULL)
            return -1;
        s->hdrs = l;
        p += strlen(p) + 1;
    }
    /* curl would send "Expect: 100-continue" for larger bodies and wait a round trip. */
    struct curl_slist *l = curl_slist_append(s->hdrs, "Expect:");
    if (l == NULL)
        return -1;
    s->hdrs = l;
    uint32_t connect_ms = c->cfg.connect_timeout_ms;
    if (connect_ms > x->timeout_ms)
        connect_ms = x->timeout_ms;
    int bad = 0;
    bad |= (int)curl_easy_setopt(e, CURLOPT_URL, x->url);
    bad |= (int)curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    bad |= (int)curl_easy_setopt(e, CURLOPT_PRIVATE, s);
    bad |= (int)curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    bad |= (int)curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    bad |= (int)curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)x->timeout_ms);
    bad |= (int)curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)connect_ms);
    bad |= (int)curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->response_max);
    bad |= (int)curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    bad |= (int)curl_easy_setopt(e, CURLOPT_WRITEDATA, s);
    bad |= (int)curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    bad |= (int)curl_easy_setopt(e, CURLOPT_HEADERDATA, s);
    bad |= (int)curl_easy_setopt(e, CURLOPT_HTTPHEADER, s->hdrs);
    if (trust_file || trust_dir)
        bad |= (int)curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, trust_add);
    if (x->body_len > 0 || strcmp(x->method, "POST") == 0) {
        bad |= (int)curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->body_len);
        bad |= (int)curl_easy_setopt(e, CURLOPT_POSTFIELDS, (const char *)x->body);
    }
    if (strcmp(x->method, "GET") == 0 && x->body_len == 0)
        bad |= (int)curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    else if (strcmp(x->method, "HEAD") == 0)
        bad |= (int)curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    else if (strcmp(x->method, "POST") != 0)
        bad |= (int)curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, x->method);
    return bad ? -1 : 0;
}

static void active_link(http_client_t *c, slot_t *s)
{
    s->prev = NULL;
    s->next = c->active;
    if (c->active != NULL)
        c->active->prev = s;
    c->active = s;
}

static void active_unlink(http_client_t *c, slot_t *s)
{
    if (s->prev != NULL)
        s->prev->next = s->next;
    else
        c->active = s->next;
    if (s->next != NULL)
        s->next->prev = s->prev;
    s->next = s->prev = NULL;
}

/* Moves the inbox into the multi handle, oldest first. */
static void inbox_drain(http_client_t *c, bool start)
{
    xfer_t *x = atomic_exchange_explicit(&c->inbox, NULL, memory_order_acquire);
    xfer_t *fifo = NULL;
    while (x != NULL) {
        xfer_t *next = x->next;
        x->next = fifo;
        fifo = x;
        x = next;
    }
    while (fifo != NULL) {
        x = fifo;
        fifo = fifo->next;
        if (!start) {
            fail(c, x, HTTP_CLIENT_SHUTDOWN);
            continue;
        }
        slot_t *s = slot_get(c);
        if (s == NULL) {
            fail(c, x, HTTP_CLIENT_NO_MEMORY);
            continue;
        }
        if (slot_setup(c, s, x) != 0 || curl_multi_add_handle(c->multi, s->easy) != CURLM_OK) {
            slot_put(c, s);
            fail(c, x, HTTP_CLIENT_BAD_REQUEST);
            continue;
        }
        active_link(c, s);
    }
}

static void transfer_done(http_client_t *c, CURL *easy, CURLcode rc)
{
    char *priv = NULL;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
    slot_t *s = (slot_t *)(void *)priv;
    ASSERT(s != NULL && s->x != NULL);
    curl_multi_remove_handle(c->multi, easy);
    active_unlink(c, s);
    http_client_resp_t resp = {.result = result_from_curl(rc, s->too_large)};
    if (resp.result == HTTP_CLIENT_OK) {
        long status = 0;
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
        resp.status = (unsigned)status;
        resp.body = (slice_t){s->body, s->body_len};
        resp.headers = (slice_t){(const uint8_t *)s->head, s->head_len};
    }
    curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &resp.new_connections);
    xfer_t *x = s->x;
    s->x = NULL;
    complete(c, x, &resp);
    slot_put(c, s);
}

static void *client_main(void *arg)
{
    http_client_t *c = arg;
    while (!atomic_load(&c->stopping)) {
        inbox_drain(c, true);
        int running = 0;
        curl_multi_perform(c->multi, &running);
        CURLMsg *m;
        int left = 0;
        while ((m = curl_multi_info_read(c->multi, &left)) != NULL)
            if (m->msg == CURLMSG_DONE)
                transfer_done(c, m->easy_handle, m->data.result);
        if (atomic_load_explicit(&c->inbox, memory_order_relaxed) != NULL)
            continue;
        curl_multi_poll(c->multi, NULL, 0, 1000, NULL);
    }
    /* Shutdown: fail what is in flight, then what is still queued. */
    while (c->active != NULL) {
        slot_t *s = c->active;
        curl_multi_remove_handle(c->multi, s->easy);
        active_unlink(c, s);
        xfer_t *x = s->x;
        s->x = NULL;
        fail(c, x, HTTP_CLIENT_SHUTDOWN);
        slot_put(c, s);
    }
    inbox_drain(c, false);
    return NULL;
}

http_client_t *http_client_new(const http_client_config_t *cfg)
{
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK)
        return NULL;
    http_client_t *c = xcalloc(1, sizeof *c);
    if (cfg != NULL)
        c->cfg = *cfg;
    if (c->cfg.host_connections_max == 0)
        c->cfg.host_connections_max = HOST_CONNECTIONS_DEFAULT;
    if (c->cfg.connections_cache == 0)
        c->cfg.connections_cache = CONNECTIONS_CACHE_DEFAULT;
    if (c->cfg.timeout_ms_default == 0)
        c->cfg.timeout_ms_default = TIMEOUT_DEFAULT_MS;
    if (c->cfg.connect_timeout_ms == 0)
        c->cfg.connect_timeout_ms = CONNECT_TIMEOUT_DEFAULT_MS;
    if (c->cfg.response_max == 0)
        c->cfg.response_max = HTTP_BODY_MAX_DEFAULT;
    if (c->cfg.queue_max == 0)
        c->cfg.queue_max = QUEUE_MAX_DEFAULT;
    c->multi = curl_multi_init();
    if (c->multi == NULL)
        goto fail;
    curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)c->cfg.host_connections_max);
    curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long)c->cfg.connections_cache);
    curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    if (pthread_create(&c->thread, NULL, client_main, c) != 0)
        goto fail;
    return c;
fail:
    if (c->multi != NULL)
        curl_multi_cleanup(c->multi);
    free(c);
    return NULL;
}

void http_client_free(http_client_t *c)
{
    if (c == NULL)
        return;
    atomic_store(&c->stopping, true);
    curl_multi_wakeup(c->multi);
    pthread_join(c->thread, NULL);
    while (c->idle != NULL) {
        slot_t *s = c->idle;
        c->idle = s->next;
        slot_destroy(s);
    }
    curl_multi_cleanup(c->multi);
    free(c);
}

/* ---- blocking convenience ---- */

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    http_client_resp_t *out;
} sync_wait_t;

static void sync_done(const http_client_resp_t *resp, void *user)
{
    sync_wait_t *w = user;
    http_client_resp_t *out = w->out;
    *out = *resp;
    out->body = out->headers = (slice_t){NULL, 0};
    size_t total = resp->body.len + resp->headers.len;
    uint8_t *mem = total ? malloc(total) : NULL;
    if (total == 0) {
        /* a failure or an empty response: nothing to own */
    } else if (mem == NULL) {
        out->result = HTTP_CLIENT_NO_MEMORY;
        out->status = 0;
    } else {
        if (resp->body.len)
            memcpy(mem, resp->body.ptr, resp->body.len);
        if (resp->headers.len)
            memcpy(mem + resp->body.len, resp->headers.ptr, resp->headers.len);
        out->body = (slice_t){mem, resp->body.len};
        out->headers = (slice_t){mem + resp->body.len, resp->headers.len};
        out->owned = mem;
    }
    pthread_mutex_lock(&w->mu);
    w->done = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

http_client_result_t http_client_do_sync(http_client_t *c, const http_client_req_t *req,
                                         http_client_resp_t *out)
{
    ASSERT(!pthread_equal(pthread_self(), c->thread));
    memset(out, 0, sizeof *out);
    sync_wait_t w = {.done = false, .out = out};
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);
    int rc = http_client_submit(c, req, sync_done, &w);
    if (rc != 0) {
        out->result = (http_client_result_t)rc;
    } else {
        pthread_mutex_lock(&w.mu);
        while (!w.done)
            pthread_cond_wait(&w.cv, &w.mu);
        pthread_mutex_unlock(&w.mu);
    }
    pthread_cond_destroy(&w.cv);
    pthread_mutex_destroy(&w.mu);
    return out->result;
}

void http_client_resp_free(http_client_resp_t *resp)
{
    if (resp == NULL)
        return;
    free(resp->owned);
    memset(resp, 0, sizeof *resp);
}

slice_t http_client_resp_header(const http_client_resp_t *resp, const char *name)
{
    size_t nl = strlen(name);
    const char *p = (const char *)resp->headers.ptr;
    const char *end = p ? p + resp->headers.len : NULL;
    while (p != NULL && p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = eol ? eol : end;
        if ((size_t)(line_end - p) > nl && p[nl] == ':' && strncasecmp(p, name, nl) == 0) {
            const char *v = p + nl + 1, *ve = line_end;
            while (v < ve && (*v == ' ' || *v == '\t'))
                v++;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            return (slice_t){(const uint8_t *)v, (size_t)(ve - v)};
        }
        p = eol ? eol + 1 : end;
    }
    return (slice_t){NULL, 0};
}
