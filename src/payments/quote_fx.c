/*
 * Local receivers in another asset than the payer's wallet: the quote fixes both amounts at the
 * connector's rate (rates.h: floor for what is delivered), and the payment moves them through
 * the two assets' liquidity accounts in one ledger chain, as the connector does for packets.
 */
#include <pthread.h>
#include <string.h>

#include "payments/quote.h"
#include "base/log.h"

/* ---- the rate, waited for ---- */

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    rates_result_t rc;
    rate_t rate;
} rate_wait_t;

static void rate_done(void *user, rates_result_t rc, rate_t rate)
{
    rate_wait_t *w = user;
    pthread_mutex_lock(&w->mu);
    w->rc = rc;
    w->rate = rate;
    w->done = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

quote_result_t quote_rate_get(rates_t *rates, const char *src, const char *dst, rate_t *out)
{
    rate_wait_t w = {.done = false};
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);
    rates_result_t rc = rates_get(rates, src, dst, out, rate_done, &w);
    if (rc == RATES_PENDING) {
        pthread_mutex_lock(&w.mu);
        while (!w.done) /* the fetch reports exactly once, by its HTTP timeout at the latest */
            pthread_cond_wait(&w.cv, &w.mu);
        pthread_mutex_unlock(&w.mu);
        rc = w.rc;
        *out = w.rate;
    }
    pthread_cond_destroy(&w.cv);
    pthread_mutex_destroy(&w.mu);
    if (rc != RATES_OK)
        LOGW("quotes: no rate %s -> %s: %s", src, dst, rates_result_str(rc));
    return rc == RATES_OK ? QUOTE_OK : QUOTE_RATE_UNAVAILABLE;
}

/* The least source amount that converts to at least receive (rate_convert is monotonic). */
static quote_result_t source_for(uint64_t receive, rate_t rate, uint8_t src_scale,
                                 uint8_t dst_scale, uint64_t *send)
{
    uint64_t lo = 0, hi = UINT64_MAX, got;
    rates_result_t rc = rate_convert(hi, rate, src_scale, dst_scale, &got);
    if (rc == RATES_OK && got < receive)
        return QUOTE_OVERFLOW;
    if (rc != RATES_OK && rc != RATES_OVERFLOW)
        return QUOTE_RATE_UNAVAILABLE;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        rc = rate_convert(mid, rate, src_scale, dst_scale, &got);
        if (rc == RATES_OVERFLOW || (rc == RATES_OK && got >= receive))
            hi = mid;
        else
            lo = mid + 1;
    }
    *send = lo;
    return QUOTE_OK;
}

static quote_result_t fees_quote_error(fees_result_t fr)
{
    return fr == FEES_OVERFLOW ? QUOTE_OVERFLOW : QUOTE_AMOUNT_TOO_LOW;
}

/* Amounts of q for a fixed debit (in src), a fixed receive (in dst) or the remaining amount. */
static quote_result_t price_fx(const quote_request_t *req, const fees_t *fees,
                               const ledger_asset_t *src, const ledger_asset_t *dst, rate_t rate,
                               uint64_t remaining, bool has_remaining, quote_t *q)
{
    const quote_amount_t *given = req->has_debit ? &req->debit_amount : &req->receive_amount;
    const ledger_asset_t *in = req->has_debit ? src : dst;
    if ((req->has_debit || req->has_receive) &&
        (strcmp(given->asset_code, in->code) != 0 || given->asset_scale != in->scale))
        return QUOTE_ASSET_MISMATCH;
    if ((req->has_debit || req->has_receive) && given->value == 0)
        return QUOTE_AMOUNT_ZERO;
    if (!req->has_debit && !req->has_receive && (!has_remaining || remaining == 0))
        return QUOTE_AMOUNT_REQUIRED;
    uint64_t send, fee, debit, receive;
    fees_result_t fr;
    if (req->has_debit) {
        debit = given->value;
        if ((fr = fees_send_for_debit(fees, debit, &send, &fee)) != FEES_OK)
            return fees_quote_error(fr);
        rates_result_t rc = rate_convert(send, rate, src->scale, dst->scale, &receive);
        if (rc != RATES_OK)
            return rc == RATES_OVERFLOW ? QUOTE_OVERFLOW : QUOTE_RATE_UNAVAILABLE;
        if (receive == 0)
            return QUOTE_AMOUNT_TOO_LOW;
    } else {
        receive = req->has_receive ? given->value : remaining;
        quote_result_t r = source_for(receive, rate, src->scale, dst->scale, &send);
        if (r != QUOTE_OK)
            return r;
        if ((fr = fees_debit_for_send(fees, send, &debit, &fee)) != FEES_OK)
            return fees_quote_error(fr);
    }
    if (has_remaining && receive > remaining)
        return QUOTE_RECEIVE_EXCEEDS;
    q->debit_amount.value = debit;
    q->send_amount = send;
    q->fee = fee;
    q->receive_amount.value = receive;
    q->min_delivered = receive; /* the ledger moves exactly this much */
    memcpy(q->receive_amount.asset_code, dst->code, sizeof dst->code);
    q->receive_amount.asset_scale = dst->scale;
    return QUOTE_OK;
}

quote_result_t quote_price_local_fx(const quote_svc_t *svc, const quote_request_t *req,
                                    const fees_t *fees, const ledger_asset_t *src,
                                    const quote_receiver_t *rcv, quote_t *q)
{
    if (!svc->rates)
        return QUOTE_RECEIVER_ASSET;
    ledger_asset_t dst;
    if (ledger_asset_get(svc->ledger, rcv->asset_id, &dst) != LEDGER_OK)
        return QUOTE_STORAGE_ERROR;
    rate_t rate;
    quote_result_t r = quote_rate_get(svc->rates, src->code, dst.code, &rate);
    if (r != QUOTE_OK)
        return r;
    uint64_t remaining = rcv->incoming_amount > rcv->received_amount
                             ? rcv->incoming_amount - rcv->received_amount
                             : 0;
    return price_fx(req, fees, src, &dst, rate, remaining, rcv->has_incoming_amount, q);
}
