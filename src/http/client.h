/*
 * HTTP client on libcurl's multi interface: one background thread drives every transfer of a
 * client, so connections to a peer are kept alive and reused across requests (ILP-over-HTTP
 * forwards many small POSTs to the same few peers).
 *
 * Submitting is thread-safe and lock-free (a request is pushed on an atomic stack and the
 * client thread is woken). Each request has a timeout in milliseconds covering the whole
 * exchange, and a cap on the response body.
 *
 * Callbacks: every request accepted by http_client_submit() (return 0) receives exactly one call
 * of its completion callback, ON THE CLIENT THREAD, with the response or an enumerated failure.
 * The callback must not block (it stalls every other transfer of this client); it may submit
 * further requests. The response it sees, body and headers included, is valid only during the
 * call. A submit that fails never calls the callback.
 */
#ifndef RAFIKI_HTTP_CLIENT_H
#define RAFIKI_HTTP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"

typedef struct http_client http_client_t;

typedef enum {
    HTTP_CLIENT_OK = 0,              /* a response arrived; see status (any HTTP status) */
    HTTP_CLIENT_CONNECT_FAILED = -1, /* the TCP connection was refused or unreachable */
    HTTP_CLIENT_TIMEOUT = -2,        /* no complete response within timeout_ms */
    HTTP_CLIENT_TOO_LARGE = -3,      /* the response body exceeds response_max */
    HTTP_CLIENT_BAD_REQUEST = -4,    /* malformed URL, scheme other than http(s), bad header */
    HTTP_CLIENT_IO = -5,             /* connection reset, empty or malformed response */
    HTTP_CLIENT_TLS = -6,            /* handshake or certificate verification failed */
    HTTP_CLIENT_RESOLVE = -7,        /* the host name did not resolve */
    HTTP_CLIENT_QUEUE_FULL = -8,     /* submit only: queue_max requests already in flight */
    HTTP_CLIENT_SHUTDOWN = -9,       /* the client stopped before the request completed */
    HTTP_CLIENT_NO_MEMORY = -10,
} http_client_result_t;

/* The detail of a refused setting, for the operator's log. */
typedef struct {
    char msg[256];
} http_client_err_t;

/* A short stable name for a result ("timeout", "connect_failed", ...). */
const char *http_client_result_str(http_client_result_t r);

typedef struct {
    const char *name;
    const char *value;
} http_header_t;

typedef struct {
    const char *method; /* NULL: POST when body.len > 0, else GET */
    const char *url;    /* http:// or https:// */
    const http_header_t *headers;
    size_t n_headers;
    slice_t body;        /* copied by submit */
    uint32_t timeout_ms; /* 0: the client's default */
    size_t response_max; /* 0: the client's default */
} http_client_req_t;

typedef struct {
    http_client_result_t result;
    unsigned status; /* HTTP status when result is HTTP_CLIENT_OK, else 0 */
    slice_t body;
    slice_t headers;      /* the response header block, "Name: value\r\n" lines */
    long new_connections; /* connections this request had to open (0: a kept-alive one) */
    void *owned;          /* internal: memory of a response from http_client_do_sync */
} http_client_resp_t;

typedef void (*http_client_done_fn)(const http_client_resp_t *resp, void *user);

typedef struct {
    unsigned host_connections_max; /* per host:port; 0 = 64 (CURLMOPT_MAX_HOST_CONNECTIONS) */
    unsigned connections_cache;    /* idle connections kept open; 0 = 256 (CURLMOPT_MAXCONNECTS) */
    uint32_t timeout_ms_default;   /* 0 = 30000 */
    uint32_t connect_timeout_ms;   /* 0 = 5000 (never more than the request's timeout) */
    size_t response_max;           /* 0 = HTTP_BODY_MAX_DEFAULT */
    size_t queue_max;              /* requests queued or in flight; 0 = 65536 */
} http_client_config_t;

/* Makes every client of the process (started before or after) trust, for https, the CA
 * certificates of ca_file (PEM, one or more) and of ca_dir (a directory of PEM certificates
 * named by subject hash, as `openssl rehash` makes it) in addition to the system's. Either may
 * be NULL. Call once at start, before any request is submitted. HTTP_CLIENT_OK, or
 * HTTP_CLIENT_TLS with err->msg saying why ("PATH: No such file or directory", "PATH: no PEM
 * certificate in it", libcurl without OpenSSL). */
http_client_result_t http_client_trust_set(const char *ca_file, const char *ca_dir,
                                           http_client_err_t *err);

/* Starts a client and its thread. NULL when libcurl cannot be initialised. */
http_client_t *http_client_new(const http_client_config_t *cfg);

/* Queues a request. HTTP_CLIENT_OK (done will be called exactly once, on the client thread), or
 * HTTP_CLIENT_QUEUE_FULL, HTTP_CLIENT_SHUTDOWN, HTTP_CLIENT_BAD_REQUEST (no URL, header with
 * CR/LF) or HTTP_CLIENT_NO_MEMORY, and then done is never called. */
http_client_result_t http_client_submit(http_client_t *c, const http_client_req_t *req,
                                        http_client_done_fn done, void *user);

/* Sends a request and waits for its completion. Returns the result (also in out->result); out
 * holds a copy of the response that the caller releases with http_client_resp_free(). Must not
 * be called on the client thread (from a completion callback). */
http_client_result_t http_client_do_sync(http_client_t *c, const http_client_req_t *req,
                                         http_client_resp_t *out);
void http_client_resp_free(http_client_resp_t *resp);

/* The value of a response header (case-insensitive name, surrounding blanks trimmed), or a slice
 * with ptr NULL when absent. */
slice_t http_client_resp_header(const http_client_resp_t *resp, const char *name);

/* Completes every queued and in-flight request with HTTP_CLIENT_SHUTDOWN (on the client thread),
 * stops the thread and frees the client. No submit may run concurrently or later. NULL: no-op. */
void http_client_free(http_client_t *c);

#endif
