/*
 * Remote receivers of quotes and outgoing payments: the SPSP answer of a wallet address URL
 * (fetched with the HTTP client, parsed here), the STREAM link through the in-process
 * connector, and the rate probe that prices a remote quote.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "payments/quote.h"
#include "base/codec.h"
#include "base/log.h"
#include "base/mem.h"
#include "ilp/address.h"
#include "stream/sender.h"

/* How long a SPSP GET and a rate probe may take. */
#define QUOTE_SPSP_TIMEOUT_MS  10000
#define QUOTE_PROBE_TIMEOUT_MS 10000
/* The SPSP answer is a small JSON object; anything larger is not one. */
#define QUOTE_SPSP_BODY_MAX 4096

int quote_spsp_parse(const char *body, size_t len, quote_spsp_t *out)
{
    if (len > QUOTE_SPSP_BODY_MAX)
        return -1;
    json_error_t je;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    int rc = -1;
    const char *dest = json_string_value(json_object_get(j, "destination_account"));
    const json_t *sec = json_object_get(j, "shared_secret");
    if (json_is_object(j) && dest && json_is_string(sec)) {
        size_t dn = strlen(dest);
        uint8_t secret[STREAM_SHARED_SECRET_LEN + 8];
        ssize_t n = b64_decode(secret, sizeof secret, json_string_value(sec),
                               json_string_length(sec), B64_STD | B64_LENIENT);
        if (n == STREAM_SHARED_SECRET_LEN && dn <= ILP_ADDRESS_MAX_LEN &&
            ilp_address_validate(SLICE(dest, dn)) == ILP_ADDR_OK) {
            memcpy(out->destination, dest, dn + 1);
            memcpy(out->shared_secret, secret, STREAM_SHARED_SECRET_LEN);
            rc = 0;
        }
    }
    json_decref(j);
    return rc;
}

quote_lookup_t quote_spsp_fetch(http_client_t *http, const char *url, quote_spsp_t *out)
{
    http_header_t h[] = {{"Accept", "application/spsp4+json"}};
    http_client_req_t rq = {.method = "GET",
                            .url = url,
                            .headers = h,
                            .n_headers = 1,
                            .timeout_ms = QUOTE_SPSP_TIMEOUT_MS,
                            .response_max = QUOTE_SPSP_BODY_MAX};
    http_client_resp_t resp;
    http_client_result_t r = http_client_do_sync(http, &rq, &resp);
    quote_lookup_t res = QUOTE_LOOKUP_NOT_FOUND;
    if (r == HTTP_CLIENT_OK && resp.status == 200 &&
        quote_spsp_parse((const char *)resp.body.ptr, resp.body.len, out) == 0)
        res = QUOTE_LOOKUP_FOUND;
    else if (r != HTTP_CLIENT_OK)
        LOGW("quotes: SPSP %s: %s", url, http_client_result_str(r));
    http_client_resp_free(&resp);
    return res;
}

/* ---- the STREAM link ---- */

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    buf_t *reply;
    int rc;
} link_wait_t;

static void link_reply(void *user, const uint8_t *packet, size_t len)
{
    link_wait_t *w = user;
    pthread_mutex_lock(&w->mu);
    w->rc = buf_append(w->reply, packet, len) == 0 ? 0 : -1;
    w->done = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

int quote_link_send(void *ctx, slice_t prepare, buf_t *reply)
{
    const quote_link_t *l = ctx;
    link_wait_t w = {.reply = reply};
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);
    connector_send_local(l->connector, l->source, prepare.ptr, prepare.len, link_reply, &w);
    pthread_mutex_lock(&w.mu);
    while (!w.done) /* the connector answers every packet, by its expiry at the latest */
        pthread_cond_wait(&w.cv, &w.mu);
    pthread_mutex_unlock(&w.mu);
    pthread_cond_destroy(&w.cv);
    pthread_mutex_destroy(&w.mu);
    return w.rc;
}

/* ---- the rate probe ---- */

quote_result_t quote_probe(const quote_svc_t *svc, const quote_spsp_t *spsp,
                           const ledger_asset_t *asset, quote_probe_t *out)
{
    /* The probe's holds are on the settlement account, which has no minimum, so a wallet with
     * no money yet can be quoted; every probe is rejected and its hold voided. */
    quote_link_t link = {.connector = svc->connector, .source = asset->settlement_account_id};
    stream_pay_opts_t o = {.destination = SLICE_STR(spsp->destination),
                           .shared_secret = spsp->shared_secret,
                           .send = quote_link_send,
                           .send_ctx = &link,
                           .mode = STREAM_PAY_FIXED_SOURCE,
                           .amount = 1,
                           /* a minimum no path meets: stream_pay stops after the probe */
                           .min_rate_num = UINT64_MAX,
                           .min_rate_den = 1,
                           .source_asset_code = SLICE_STR(asset->code),
                           .source_asset_scale = asset->scale,
                           .timeout_ms = QUOTE_PROBE_TIMEOUT_MS,
                           .max_retries = 5};
    stream_pay_result_t *res = xcalloc(1, sizeof *res);
    stream_pay_error_t e = stream_pay(&o, res);
    quote_result_t r = QUOTE_OK;
    if (e != STREAM_PAY_ERR_EXCHANGE_RATE || res->probe_source == 0 || res->probe_delivered == 0 ||
        !res->has_dest_asset) {
        LOGW("quotes: rate probe to %s: %s", spsp->destination, stream_pay_error_str(e));
        r = QUOTE_RATE_UNAVAILABLE;
    } else {
        out->source = res->probe_source;
        out->delivered = res->probe_delivered;
        memcpy(out->asset_code, res->dest_asset_code, sizeof out->asset_code);
        out->asset_scale = res->dest_asset_scale;
    }
    free(res);
    return r;
}
