/* Tests for src/connector/rates.c: exact parsing, floor conversion, static table, single flight. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "connector/rates.h"

Test(rates, parse_exact_decimals)
{
    rate_t r;
    cr_assert_eq(rate_parse("0.9", 3, &r), RATES_OK);
    cr_assert_eq(r.num, 9);
    cr_assert_eq(r.den, 10);
    cr_assert_eq(rate_parse("0.900", 5, &r), RATES_OK);
    cr_assert_eq(r.den, 10);
    cr_assert_eq(rate_parse("12", 2, &r), RATES_OK);
    cr_assert(r.num == 12 && r.den == 1);
    cr_assert_eq(rate_parse("1.25e-3", 7, &r), RATES_OK);
    cr_assert(r.num == 1 && r.den == 800, "%llu/%llu", (unsigned long long)r.num,
              (unsigned long long)r.den);
    cr_assert_eq(rate_parse("0", 1, &r), RATES_BAD_RATE);
    cr_assert_eq(rate_parse("-1", 2, &r), RATES_BAD_RATE);
    cr_assert_eq(rate_parse("1.2.3", 5, &r), RATES_BAD_RATE);
    cr_assert_eq(rate_parse("", 0, &r), RATES_BAD_RATE);
    cr_assert_eq(rate_parse("99999999999999999999", 20, &r), RATES_BAD_RATE);
}

Test(rates, convert_floors_and_scales)
{
    rate_t r = {9, 10};
    uint64_t out;
    cr_assert_eq(rate_convert(1000, r, 2, 2, &out), RATES_OK);
    cr_assert_eq(out, 900);
    cr_assert_eq(rate_convert(1, r, 2, 2, &out), RATES_OK);
    cr_assert_eq(out, 0, "0.9 floors to 0");
    cr_assert_eq(rate_convert(11, r, 2, 2, &out), RATES_OK);
    cr_assert_eq(out, 9, "9.9 floors to 9");
    /* USD/2 -> EUR/9: 1 cent = 0.009 EUR = 9,000,000 units */
    cr_assert_eq(rate_convert(1, r, 2, 9, &out), RATES_OK);
    cr_assert_eq(out, 9000000);
    /* scale down: 123456789 units at scale 9 -> scale 2 at rate 1 = 12 */
    cr_assert_eq(rate_convert(123456789, (rate_t){1, 1}, 9, 2, &out), RATES_OK);
    cr_assert_eq(out, 12);
    /* 1/3 exact floor */
    cr_assert_eq(rate_convert(10, (rate_t){1, 3}, 0, 0, &out), RATES_OK);
    cr_assert_eq(out, 3);
    cr_assert_eq(rate_convert(UINT64_MAX, (rate_t){2, 1}, 0, 0, &out), RATES_OVERFLOW);
    cr_assert_eq(rate_convert(UINT64_MAX, (rate_t){1, 1}, 0, 1, &out), RATES_OVERFLOW);
    cr_assert_eq(rate_convert(UINT64_MAX, (rate_t){UINT64_MAX, UINT64_MAX}, 0, 0, &out), RATES_OK);
    cr_assert_eq(out, UINT64_MAX, "128-bit intermediate");
}

Test(rates, static_table_and_inverse)
{
    rates_config_t cfg = {.static_json = "{\"USD\":{\"EUR\":\"0.9\",\"JPY\":150}}"};
    rates_result_t rc;
    rates_t *r = rates_new(&cfg, &rc);
    cr_assert_not_null(r);
    rate_t rate;
    cr_assert_eq(rates_get(r, "USD", "EUR", &rate, NULL, NULL), RATES_OK);
    cr_assert(rate.num == 9 && rate.den == 10);
    cr_assert_eq(rates_get(r, "EUR", "USD", &rate, NULL, NULL), RATES_OK);
    cr_assert(rate.num == 10 && rate.den == 9);
    cr_assert_eq(rates_get(r, "USD", "JPY", &rate, NULL, NULL), RATES_OK);
    cr_assert(rate.num == 150 && rate.den == 1);
    cr_assert_eq(rates_get(r, "EUR", "EUR", &rate, NULL, NULL), RATES_OK);
    cr_assert(rate.num == 1 && rate.den == 1);
    cr_assert_eq(rates_get(r, "EUR", "JPY", &rate, NULL, NULL), RATES_UNAVAILABLE);
    rates_free(r);

    cfg.static_json = "{\"USD\":{\"EUR\":\"abc\"}}";
    cr_assert_null(rates_new(&cfg, &rc));
    cr_assert_eq(rc, RATES_BAD_CONFIG);
}

/* A fetcher that parks the request so the test can answer it later. */
typedef struct {
    int calls;
    rates_t *r;
    char base[8];
    rates_fetch_done_fn done;
} fake_fetch_t;

static void fake_fetch(void *ctx, rates_t *r, const char *base, rates_fetch_done_fn done)
{
    fake_fetch_t *f = ctx;
    f->calls++;
    f->r = r;
    snprintf(f->base, sizeof f->base, "%s", base);
    f->done = done;
}

typedef struct {
    int called;
    rates_result_t rc;
    rate_t rate;
} got_t;

static void got_cb(void *user, rates_result_t rc, rate_t rate)
{
    got_t *g = user;
    g->called++;
    g->rc = rc;
    g->rate = rate;
}

Test(rates, fetch_single_flight_and_ttl_cache)
{
    fake_fetch_t f = {0};
    rates_config_t cfg = {.fetch = fake_fetch, .fetch_ctx = &f, .ttl_ms = 60000};
    rates_t *r = rates_new(&cfg, NULL);
    rate_t rate;
    got_t g1 = {0}, g2 = {0};
    cr_assert_eq(rates_get(r, "USD", "EUR", &rate, got_cb, &g1), RATES_PENDING);
    cr_assert_eq(rates_get(r, "USD", "GBP", &rate, got_cb, &g2), RATES_PENDING);
    cr_assert_eq(f.calls, 1, "one fetch for two waiters");
    const char *body = "{\"base\":\"USD\",\"rates\":{\"EUR\":0.9,\"GBP\":\"0.75\"}}";
    f.done(f.r, f.base, true, SLICE_STR(body));
    cr_assert_eq(g1.called, 1);
    cr_assert_eq(g1.rc, RATES_OK);
    cr_assert(g1.rate.num == 9 && g1.rate.den == 10);
    cr_assert_eq(g2.rc, RATES_OK);
    cr_assert(g2.rate.num == 3 && g2.rate.den == 4);
    /* cached now: synchronous answer, no new fetch */
    cr_assert_eq(rates_get(r, "USD", "EUR", &rate, got_cb, &g1), RATES_OK);
    cr_assert_eq(rates_get(r, "USD", "XXX", &rate, got_cb, &g1), RATES_UNAVAILABLE);
    cr_assert_eq(rates_fetch_count(r), 1);
    rates_free(r);
}

Test(rates, failed_fetch_reports_unavailable)
{
    fake_fetch_t f = {0};
    rates_config_t cfg = {.fetch = fake_fetch, .fetch_ctx = &f};
    rates_t *r = rates_new(&cfg, NULL);
    rate_t rate;
    got_t g = {0};
    cr_assert_eq(rates_get(r, "USD", "EUR", &rate, got_cb, &g), RATES_PENDING);
    f.done(f.r, f.base, true, SLICE_LIT("{\"base\":\"EUR\",\"rates\":{}}"));
    cr_assert_eq(g.rc, RATES_UNAVAILABLE, "wrong base is refused");
    cr_assert_eq(rates_get(r, "USD", "EUR", &rate, got_cb, &g), RATES_PENDING, "refetches");
    cr_assert_eq(f.calls, 2);
    f.done(f.r, f.base, false, SLICE(NULL, 0));
    cr_assert_eq(g.called, 2);
    cr_assert_eq(g.rc, RATES_UNAVAILABLE);
    rates_free(r);
}
