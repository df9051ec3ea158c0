/*
 * Exchange rates and currency conversion with integer math only.
 *
 * A rate is an exact rational num/den: "how many units of the destination currency one unit of
 * the source currency buys", both in whole currency units (USD 1 -> EUR 0.9 is 9/10). Rates are
 * parsed from decimal strings exactly ("0.9" is 9/10, never a binary float). Conversion of an
 * amount in minor units (asset scale) is
 *
 *   dst = floor(amount * num * 10^dst_scale / (den * 10^src_scale))
 *
 * computed with 128-bit intermediates and long division, so it is exact and rounds down: we
 * never deliver more than the source paid for.
 *
 * The rate table (rates_t) answers "rate from code A to code B" from one of two sources:
 *  - static configuration: EXCHANGE_RATES='{"USD":{"EUR":"0.9"}}' (a JSON object of base codes,
 *    each an object of quote codes to rates given as decimal strings or JSON numbers). A missing
 *    pair is derived from its inverse when that is configured (EUR->USD = 1/0.9 = 10/9).
 *  - a rates service: EXCHANGE_RATES_URL answers GET ?base=XXX with {"base":"XXX","rates":{...}}
 *    (Rafiki's format). Answers are cached per base for a TTL; concurrent misses for one base
 *    share one fetch (single flight). The fetch itself is a callback (fetch_fn) so this module
 *    needs no HTTP client; the connector plugs in its libcurl client.
 * Equal codes always convert at 1.
 *
 * Threads: rates_get may be called from any thread; a fetch completes on the HTTP client's
 * thread and calls back there. rate_convert and the other pure functions: any thread.
 */
#ifndef RAFIKI_CONNECTOR_RATES_H
#define RAFIKI_CONNECTOR_RATES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/limits.h"
#include "base/slice.h"

typedef struct {
    uint64_t num;
    uint64_t den; /* > 0 */
} rate_t;

/* The most fraction digits a decimal rate may have (den <= 10^18 fits u64). */
#define RATE_FRACTION_DIGITS_MAX 18
/* Asset scales above this are refused by conversion (10^38 is the most u128 holds). */
#define RATE_SCALE_DIFF_MAX 38

typedef enum {
    RATES_OK = 0,
    RATES_PENDING = 1,      /* a fetch is under way; the callback will report */
    RATES_BAD_RATE = -1,    /* malformed decimal, zero, or too many digits */
    RATES_OVERFLOW = -2,    /* converted amount does not fit u64 (ILP: F08) */
    RATES_UNAVAILABLE = -3, /* no rate for the pair (ILP: F07 "Exchange rate error") */
    RATES_BAD_CONFIG = -4,  /* static configuration does not parse */
} rates_result_t;

const char *rates_result_str(rates_result_t r);

/* Parses a positive decimal exactly: digits with at most one '.', optionally an exponent
 * ("12", "0.9", "1.25e-3"). The result is reduced. RATES_OK or RATES_BAD_RATE (zero, negative,
 * malformed, or num/den would not fit u64). */
rates_result_t rate_parse(const char *s, size_t n, rate_t *out);
/* floor(amount * rate scaled from src_scale to dst_scale); RATES_OK, RATES_OVERFLOW or
 * RATES_BAD_RATE (zero denominator, scale difference above RATE_SCALE_DIFF_MAX). */
rates_result_t rate_convert(uint64_t amount, rate_t rate, uint8_t src_scale, uint8_t dst_scale,
                            uint64_t *out);

/* ---- the rate table ---- */

typedef struct rates rates_t;

/* Completion of a fetch: body is the service's JSON answer (status 200), or ok=false. */
typedef void (*rates_fetch_done_fn)(rates_t *r, const char *base, bool ok, slice_t body);
/* Starts fetching rates for base; must call done exactly once, from any thread. */
typedef void (*rates_fetch_fn)(void *ctx, rates_t *r, const char *base, rates_fetch_done_fn done);
/* Result of an asynchronous rates_get. */
typedef void (*rates_cb)(void *user, rates_result_t rc, rate_t rate);

typedef struct {
    const char *static_json; /* EXCHANGE_RATES, may be NULL */
    rates_fetch_fn fetch;    /* NULL: static rates only */
    void *fetch_ctx;
    uint32_t ttl_ms; /* cache lifetime of fetched rates; 0 = 15000 (Rafiki's default) */
} rates_config_t;

/* NULL with RATES_BAD_CONFIG in *rc (may be NULL). */
rates_t *rates_new(const rates_config_t *cfg, rates_result_t *rc);
void rates_free(rates_t *r);

/*
 * Rate from src to dst (asset codes). Returns RATES_OK with *out set when known now (equal codes,
 * static, or a fresh cached fetch); RATES_PENDING when a fetch was started or joined: cb(user,...)
 * is then called exactly once from the fetch's thread; RATES_UNAVAILABLE otherwise (cb is not
 * called). A failed fetch reports RATES_UNAVAILABLE through cb.
 */
rates_result_t rates_get(rates_t *r, const char *src, const char *dst, rate_t *out, rates_cb cb,
                         void *user);

/*
 * Threads: rate_parse and rate_convert are pure. A rates_t may be used from any thread at once
 * (a mutex guards the cache); rates_get never blocks: a fetch runs on the fetcher's thread
 * (the connector's HTTP client) and cb is called from there.
 */

/* Number of fetches started (tests: single flight). */
uint64_t rates_fetch_count(rates_t *r);

#endif
