/*
 * ILP over HTTP (RFC 0035, synchronous mode) in and out, and the rates-service fetch.
 *
 * In: POST (any of "/", "/ilp", "/accounts/{id}/ilp") with Authorization: Bearer <token> and
 * Content-Type: application/octet-stream, body one ILP Prepare. 401 when the token is missing or
 * unknown, 400 for another content type (as Rafiki); otherwise 200 with the Fulfill or Reject,
 * answered asynchronously (the request is suspended while the packet is in the pipeline).
 *
 * Out: a POST to the peer's endpoint on the shared libcurl multi client (keep-alive, connection
 * reuse), timed out at the outgoing expiry. Failures become ILP codes:
 *   timeout R00; connection refused, reset, TLS or DNS failure, unreadable body T01;
 *   HTTP 4xx F02 (interledger-rs); HTTP 5xx T00 (RFC 0035); other statuses T01.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/log.h"
#include "base/mem.h"
#include "connector/connector_internal.h"
#include "ilp/errors.h"

/* ---- in ---- */

static void http_reply(void *user, const uint8_t *pkt, size_t len)
{
    http_respond(user, 200, "application/octet-stream", pkt, len);
}

static bool content_type_ok(const char *ct)
{
    static const char want[] = "application/octet-stream";
    if (!ct || strncasecmp(ct, want, sizeof want - 1) != 0)
        return false;
    char next = ct[sizeof want - 1];
    return next == 0 || next == ';' || next == ' ';
}

/* The bearer token of req, or NULL. */
static const char *bearer_token(const http_req_t *req)
{
    const char *auth = http_req_header(req, "Authorization");
    return auth && strncasecmp(auth, "Bearer ", 7) == 0 ? auth + 7 : NULL;
}

/* The request of an authenticated peer (NULL: 401). Takes the peer reference. */
static http_handler_result_t ilp_serve(connector_t *c, http_req_t *req, peer_t *peer)
{
    if (!peer) {
        http_respond_error(req, 401, "unauthorized", "unknown or missing bearer token");
        return HTTP_DONE;
    }
    if (!content_type_ok(http_req_header(req, "Content-Type"))) {
        peer_release(peer);
        http_respond_error(req, 400, "bad_content_type",
                           "expected Content-Type: application/octet-stream");
        return HTTP_DONE;
    }
    slice_t body = http_req_body(req);
    pipeline_start(c, peer, peer->account_id, body.ptr, body.len, http_reply, req);
    peer_release(peer);
    return HTTP_PENDING;
}

typedef struct {
    connector_t *c;
    http_req_t *req;
} auth_job_t;

/* On the account loader thread: a token not in memory, looked up in the database. */
static void auth_load(void *user)
{
    auth_job_t j = *(auth_job_t *)user;
    free(user);
    const char *tok = bearer_token(j.req);
    peer_t *peer = peers_auth_load(j.c->peers, tok, strlen(tok));
    atomic_fetch_sub(&j.c->auth_loads, 1);
    (void)ilp_serve(j.c, j.req, peer);
}

static http_handler_result_t h_ilp(http_req_t *req, void *user)
{
    connector_t *c = user;
    const char *tok = bearer_token(req);
    peer_t *peer = tok ? peers_auth(c->peers, tok, strlen(tok)) : NULL;
    if (peer || !tok || !c->db || strlen(tok) > PEER_TOKEN_MAX)
        return ilp_serve(c, req, peer);
    /* maybe a peer another replica created: the database is read off this thread */
    if (atomic_fetch_add(&c->auth_loads, 1) < CONNECTOR_AUTH_LOADS_MAX) {
        auth_job_t *j = xmalloc(sizeof *j);
        *j = (auth_job_t){c, req};
        if (accounts_defer(c->accounts, auth_load, j) == ACCOUNTS_PENDING)
            return HTTP_PENDING;
        free(j);
    }
    atomic_fetch_sub(&c->auth_loads, 1);
    http_respond_error(req, 503, "busy", "cannot authenticate now, retry later");
    return HTTP_DONE;
}

static const http_route_t ILP_ROUTES[] = {
    {"POST", "/", h_ilp, HTTP_BODY_MAX_ILP},
    {"POST", "/ilp", h_ilp, HTTP_BODY_MAX_ILP},
    {"POST", "/accounts/{id}/ilp", h_ilp, HTTP_BODY_MAX_ILP},
};

int connector_http_register(connector_t *c, http_server_t *s)
{
    return http_server_routes(s, ILP_ROUTES, HTTP_ROUTES_N(ILP_ROUTES), c);
}

/* ---- out ---- */

typedef struct {
    connector_link_done_fn done;
    void *op;
} link_req_t;

static void link_complete(const http_client_resp_t *resp, void *user)
{
    link_req_t lr = *(link_req_t *)user;
    free(user);
    char msg[96];
    switch (resp->result) {
    case HTTP_CLIENT_OK:
        if (resp->status == 200 && resp->body.len) {
            lr.done(lr.op, resp->body.ptr, resp->body.len, NULL, NULL);
            return;
        }
        snprintf(msg, sizeof msg, "peer answered HTTP %u", resp->status);
        lr.done(lr.op, NULL, 0,
                resp->status >= 500   ? ILP_T00_INTERNAL_ERROR
                : resp->status >= 400 ? ILP_F02_UNREACHABLE
                                      : ILP_T01_PEER_UNREACHABLE,
                msg);
        return;
    case HTTP_CLIENT_TIMEOUT:
        lr.done(lr.op, NULL, 0, ILP_R00_TRANSFER_TIMED_OUT, "peer did not answer in time");
        return;
    default:
        snprintf(msg, sizeof msg, "peer unreachable: %s", http_client_result_str(resp->result));
        lr.done(lr.op, NULL, 0, ILP_T01_PEER_UNREACHABLE, msg);
        return;
    }
}

int connector_http_link_send(void *ctx, const peer_t *peer, const uint8_t *pkt, size_t len,
                             uint32_t timeout_ms, connector_link_done_fn done, void *op)
{
    connector_t *c = ctx;
    if (!peer->outgoing_endpoint || !peer->outgoing_token)
        return -1;
    char bearer[PEER_TOKEN_MAX + 8];
    snprintf(bearer, sizeof bearer, "Bearer %s", peer->outgoing_token);
    http_header_t h[] = {{"Content-Type", "application/octet-stream"},
                         {"Accept", "application/octet-stream"},
                         {"Authorization", bearer}};
    http_client_req_t req = {.method = "POST",
                             .url = peer->outgoing_endpoint,
                             .headers = h,
                             .n_headers = 3,
                             .body = SLICE(pkt, len),
                             .timeout_ms = timeout_ms ? timeout_ms : 1,
                             .response_max = ILP_PACKET_MAX_LEN};
    link_req_t *lr = xmalloc(sizeof *lr);
    *lr = (link_req_t){done, op};
    if (http_client_submit(c->http, &req, link_complete, lr) != 0) {
        free(lr);
        return -1;
    }
    return 0;
}

/* ---- the rates service ---- */

typedef struct {
    rates_t *r;
    rates_fetch_done_fn done;
    char base[ASSET_CODE_MAX_LEN + 1];
} rates_req_t;

static void rates_complete(const http_client_resp_t *resp, void *user)
{
    rates_req_t *rr = user;
    bool ok = resp->result == HTTP_CLIENT_OK && resp->status == 200;
    if (!ok)
        LOGW("rates: fetching %s failed (%s, HTTP %u)", rr->base,
             http_client_result_str(resp->result), resp->status);
    rr->done(rr->r, rr->base, ok, ok ? resp->body : SLICE(NULL, 0));
    free(rr);
}

void connector_http_rates_fetch(void *ctx, rates_t *r, const char *base, rates_fetch_done_fn done)
{
    const rates_source_t *src = ctx;
    connector_t *c = src->c;
    char url[PEER_ENDPOINT_MAX + 64];
    const char *sep = strchr(src->url, '?') ? "&" : "?";
    int n = snprintf(url, sizeof url, "%s%sbase=%s", src->url, sep, base);
    if (n <= 0 || (size_t)n >= sizeof url) {
        done(r, base, false, SLICE(NULL, 0));
        return;
    }
    rates_req_t *rr = xmalloc(sizeof *rr);
    *rr = (rates_req_t){.r = r, .done = done};
    snprintf(rr->base, sizeof rr->base, "%s", base);
    http_header_t h[] = {{"Accept", "application/json"}};
    http_client_req_t req = {.url = url, .headers = h, .n_headers = 1, .timeout_ms = 5000};
    if (http_client_submit(c->http, &req, rates_complete, rr) != 0) {
        free(rr);
        done(r, base, false, SLICE(NULL, 0));
    }
}
