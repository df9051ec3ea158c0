/*
 * Fuzz target for src/connector/rates.c: the exact decimal parser, the static EXCHANGE_RATES
 * JSON, and a rates-service answer delivered through the fetch callback. A parsed rate must be
 * reduced with a non-zero denominator, and conversion must never crash on any of them.
 */
#include <stdlib.h>
#include <string.h>

#include "connector/rates.h"

static slice_t g_body;
static rates_t *g_pending_r;
static rates_fetch_done_fn g_pending_done;

static void fetch(void *ctx, rates_t *r, const char *base, rates_fetch_done_fn done)
{
    (void)ctx;
    (void)base;
    g_pending_r = r;
    g_pending_done = done;
}

static void got(void *user, rates_result_t rc, rate_t rate)
{
    (void)user;
    if (rc == RATES_OK && rate.den == 0)
        abort();
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    rate_t rate;
    if (rate_parse((const char *)data, size, &rate) == RATES_OK) {
        if (rate.den == 0 || rate.num == 0 || gcd(rate.num, rate.den) != 1)
            abort();
        uint64_t out;
        rate_convert(UINT64_MAX, rate, 0, 9, &out);
        rate_convert(12345, rate, 9, 0, &out);
    }

    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    rates_config_t cfg = {.static_json = text};
    rates_t *r = rates_new(&cfg, NULL);
    if (r) {
        rate_t out;
        rates_get(r, "USD", "EUR", &out, got, NULL);
        rates_free(r);
    }

    rates_config_t fcfg = {.fetch = fetch};
    r = rates_new(&fcfg, NULL);
    if (r) {
        rate_t out;
        g_pending_done = NULL;
        if (rates_get(r, "USD", "EUR", &out, got, NULL) == RATES_PENDING && g_pending_done) {
            g_body = (slice_t){data, size};
            g_pending_done(g_pending_r, "USD", true, g_body);
            rates_get(r, "USD", "EUR", &out, got, NULL);
        }
        rates_free(r);
    }
    free(text);
    return 0;
}
