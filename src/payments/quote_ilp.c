/*
 * Remote receivers priced as Rafiki prices an ILP quote (packages/backend/src/payment-method/ilp/
 * service.ts over @interledger/pay's startQuote), in exact integer arithmetic where Rafiki uses
 * doubles:
 *
 *   min rate   = external rate x (1 - SLIPPAGE) x 10^(receive scale - send scale), the external
 *                rate being the rates service's (1 between equal codes); the probed rate when
 *                the service has none (Rafiki then refuses the quote: CouldNotFetchRates)
 *   the probed rate must be at least the min rate (pay's InsufficientExchangeRate)
 *   fixed send:    send = debit - fee(debit); receive = min_delivered = ceil((send - 1) x min)
 *   fixed receive: send = floor(receive / min) + 1; debit = send + fee(send)
 */
#include <string.h>

#include "payments/quote.h"

typedef unsigned __int128 u128;

/* The most scale difference applied to a rate (10^12 x a u64 x 10^6 fits 128 bits). */
#define SCALE_DIFF_MAX 12

static u128 gcd128(u128 a, u128 b)
{
    while (b) {
        u128 t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* num/den reduced, then both halved until they fit 64 bits (a relative error below 2^-62, far
 * below the double Rafiki computes the rate in). */
static void rate_fit(u128 num, u128 den, uint64_t *n, uint64_t *d)
{
    u128 g = gcd128(num, den);
    if (g > 1)
        num /= g, den /= g;
    while (num > UINT64_MAX || den > UINT64_MAX)
        num >>= 1, den >>= 1;
    *n = (uint64_t)num;
    *d = den ? (uint64_t)den : 1;
}

/* The external rate from the wallet's asset to the receiver's, unscaled: 1 between equal codes,
 * else the rates service's, else false. */
static bool external_rate(const quote_svc_t *svc, const ledger_asset_t *asset,
                          const quote_probe_t *probe, rate_t *out)
{
    if (strcmp(asset->code, probe->asset_code) == 0) {
        *out = (rate_t){1, 1};
        return true;
    }
    return svc->rates &&
           quote_rate_get(svc->rates, asset->code, probe->asset_code, out) == QUOTE_OK;
}

/* The min rate as n/d (destination units per source unit, both in smallest units). */
static quote_result_t min_rate(const quote_svc_t *svc, const ledger_asset_t *asset,
                               const quote_probe_t *probe, uint64_t *n, uint64_t *d)
{
    rate_t ext;
    u128 num, den;
    uint64_t keep = FEES_PPM_DENOM - svc->slippage_ppm;
    if (external_rate(svc, asset, probe, &ext) && ext.den > 0) {
        int diff = (int)probe->asset_scale - (int)asset->scale;
        if (diff > SCALE_DIFF_MAX || diff < -SCALE_DIFF_MAX)
            return QUOTE_RATE_UNAVAILABLE;
        num = (u128)ext.num * keep;
        den = (u128)ext.den * FEES_PPM_DENOM;
        for (; diff > 0; diff--)
            num *= 10;
        for (; diff < 0; diff++)
            den *= 10;
    } else {
        /* no external rate: the probe's (already in the assets' units) */
        num = (u128)probe->delivered * keep;
        den = (u128)probe->source * FEES_PPM_DENOM;
    }
    if (den == 0)
        return QUOTE_RATE_UNAVAILABLE;
    rate_fit(num, den, n, d);
    /* the probed rate must reach it: delivered/source >= n/d */
    if ((u128)probe->delivered * *d < (u128)*n * probe->source)
        return QUOTE_RATE_UNAVAILABLE;
    return QUOTE_OK;
}

static quote_result_t fees_fail(fees_result_t fr)
{
    return fr == FEES_OVERFLOW ? QUOTE_OVERFLOW : QUOTE_AMOUNT_TOO_LOW;
}

/* Fixed send: the fee on the debit, the rest sent, ceil((send - 1) x n/d) promised. */
static quote_result_t fixed_send(const fees_t *fees, uint64_t debit, uint64_t n, uint64_t d,
                                 quote_t *q)
{
    uint64_t send, fee;
    fees_result_t fr = fees_send_for_debit(fees, debit, &send, &fee);
    if (fr != FEES_OK)
        return fees_fail(fr);
    u128 min = ((u128)(send - 1) * n + d - 1) / d;
    if (min == 0)
        return QUOTE_AMOUNT_TOO_LOW; /* Rafiki: QuoteNonPositiveReceiveAmount */
    if (min > UINT64_MAX)
        return QUOTE_OVERFLOW;
    q->debit_amount.value = debit;
    q->send_amount = send;
    q->fee = fee;
    q->receive_amount.value = q->min_delivered = (uint64_t)min;
    return QUOTE_OK;
}

/* Fixed receive: floor(receive x d/n) + 1 sent, the fee on top. */
static quote_result_t fixed_receive(const fees_t *fees, uint64_t receive, uint64_t n, uint64_t d,
                                    quote_t *q)
{
    if (n == 0)
        return QUOTE_RATE_UNAVAILABLE; /* pay's UnenforceableDelivery (SLIPPAGE 1) */
    u128 send = (u128)receive * d / n + 1;
    if (send > UINT64_MAX)
        return QUOTE_OVERFLOW;
    uint64_t debit, fee;
    fees_result_t fr = fees_debit_for_send(fees, (uint64_t)send, &debit, &fee);
    if (fr != FEES_OK)
        return fees_fail(fr);
    q->debit_amount.value = debit;
    q->send_amount = (uint64_t)send;
    q->fee = fee;
    q->receive_amount.value = q->min_delivered = receive;
    return QUOTE_OK;
}

quote_result_t quote_price_ilp(const quote_svc_t *svc, const quote_request_t *req,
                               const fees_t *fees, const ledger_asset_t *asset,
                               const quote_probe_t *rate, quote_t *q)
{
    const quote_amount_t *given = req->has_debit ? &req->debit_amount : &req->receive_amount;
    if (!req->has_debit && !req->has_receive)
        return QUOTE_AMOUNT_REQUIRED;
    bool same = req->has_debit ? strcmp(given->asset_code, asset->code) == 0 &&
                                     given->asset_scale == asset->scale
                               : strcmp(given->asset_code, rate->asset_code) == 0 &&
                                     given->asset_scale == rate->asset_scale;
    if (!same)
        return QUOTE_ASSET_MISMATCH;
    if (given->value == 0)
        return QUOTE_AMOUNT_ZERO;
    uint64_t n, d;
    quote_result_t r = min_rate(svc, asset, rate, &n, &d);
    if (r == QUOTE_OK)
        r = req->has_debit ? fixed_send(fees, given->value, n, d, q)
                           : fixed_receive(fees, given->value, n, d, q);
    if (r != QUOTE_OK)
        return r;
    memcpy(q->receive_amount.asset_code, rate->asset_code, sizeof rate->asset_code);
    q->receive_amount.asset_scale = rate->asset_scale;
    return QUOTE_OK;
}
