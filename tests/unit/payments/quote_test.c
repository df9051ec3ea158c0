/* src/payments/quote_remote.c: the SPSP answer parser; quote_ilp.c: remote pricing (the rest of
 * quotes is in tests/integration/payments_test.c, against real databases). */
#include <criterion/criterion.h>

#include <string.h>

#include "payments/quote.h"

#define SECRET_B64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

static int parse(const char *s, quote_spsp_t *out)
{
    return quote_spsp_parse(s, strlen(s), out);
}

Test(quote, spsp_answer)
{
    quote_spsp_t out;
    cr_assert_eq(parse("{\"destination_account\":\"test.b.x~y\",\"shared_secret\":\"" SECRET_B64
                       "\",\"receipts_enabled\":true}",
                       &out),
                 0);
    cr_expect_str_eq(out.destination, "test.b.x~y");
    for (int i = 0; i < 32; i++)
        cr_expect_eq(out.shared_secret[i], i);
}

Test(quote, spsp_answer_refused)
{
    quote_spsp_t out;
    const char *bad[] = {
        "",
        "[]",
        "{\"destination_account\":\"test.b\"}",
        "{\"shared_secret\":\"" SECRET_B64 "\"}",
        "{\"destination_account\":\"not an address\",\"shared_secret\":\"" SECRET_B64 "\"}",
        "{\"destination_account\":\"test.b\",\"shared_secret\":\"AAEC\"}",
        "{\"destination_account\":\"test.b\",\"shared_secret\":\"" SECRET_B64 "AAAA\"}",
        "{\"destination_account\":5,\"shared_secret\":\"" SECRET_B64 "\"}",
        "{\"destination_account\":\"test.b\",\"destination_account\":\"test.c\",\"shared_secret\":"
        "\"" SECRET_B64 "\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_eq(parse(bad[i], &out), -1, "%s", bad[i]);
    char big[5000];
    memset(big, ' ', sizeof big);
    const char *ok = "{\"destination_account\":\"test.b\",\"shared_secret\":\"" SECRET_B64 "\"}";
    memcpy(big, ok, strlen(ok));
    cr_expect_eq(quote_spsp_parse(big, sizeof big, &out), -1, "larger than any SPSP answer");
    cr_expect_eq(quote_spsp_parse(ok, strlen(ok), &out), 0);
}

/* ---- remote pricing as Rafiki's ILP quote (quote_ilp.c) ---- */

typedef struct {
    const char *code;
    uint8_t scale;
    uint64_t probe_source, probe_delivered;
    bool debit; /* the amount is the debit, else the receive amount */
    uint64_t amount;
    fees_t fees;
    uint64_t want_debit, want_send, want_receive;
} ilp_case_t;

/* USD scale 2 pays the receiver's asset at the probed rate, SLIPPAGE 1 %%, no rates service (the
 * probed rate is the external one). */
static void ilp_case(const ilp_case_t *c)
{
    quote_svc_t svc = {.slippage_ppm = 10000};
    ledger_asset_t usd = {.scale = 2};
    memcpy(usd.code, "USD", 4);
    quote_probe_t probe = {
        .source = c->probe_source, .delivered = c->probe_delivered, .asset_scale = c->scale};
    snprintf(probe.asset_code, sizeof probe.asset_code, "%s", c->code);
    quote_request_t req = {.has_debit = c->debit, .has_receive = !c->debit};
    quote_amount_t *a = c->debit ? &req.debit_amount : &req.receive_amount;
    a->value = c->amount;
    snprintf(a->asset_code, sizeof a->asset_code, "%s", c->debit ? "USD" : c->code);
    a->asset_scale = c->debit ? 2 : c->scale;
    quote_t q;
    memset(&q, 0, sizeof q);
    cr_assert_eq(quote_price_ilp(&svc, &req, &c->fees, &usd, &probe, &q), QUOTE_OK);
    cr_expect_eq(q.debit_amount.value, c->want_debit, "debit %llu",
                 (unsigned long long)q.debit_amount.value);
    cr_expect_eq(q.send_amount, c->want_send, "send %llu", (unsigned long long)q.send_amount);
    cr_expect_eq(q.receive_amount.value, c->want_receive, "receive %llu",
                 (unsigned long long)q.receive_amount.value);
    cr_expect_eq(q.min_delivered, q.receive_amount.value, "Rafiki's receiveAmount is the minimum");
}

Test(quote, ilp_fixed_send_promises_ceil_of_one_unit_less_at_the_min_rate)
{
    /* 0.9 less 1 %% = 0.891: ceil(999 x 0.891) = ceil(890.109) */
    ilp_case(&(ilp_case_t){"EUR", 2, 10, 9, true, 1000, {0, 0}, 1000, 1000, 891});
    ilp_case(&(ilp_case_t){"EUR", 2, 10, 9, true, 30000, {0, 0}, 30000, 30000, 26730});
    /* the fee on the debit first: 200 - (20 + ceil(2 %% of 200)) = 176 sent, ceil(175 x 0.891) */
    ilp_case(&(ilp_case_t){"EUR", 2, 10, 9, true, 200, {20, 200}, 200, 176, 156});
    /* scale 4: the rate in smallest units is 90 x 0.99 = 89.1; ceil(99 x 89.1) = ceil(8820.9) */
    ilp_case(&(ilp_case_t){"EUR", 4, 1, 90, true, 100, {0, 0}, 100, 100, 8821});
    /* equal codes: the external rate is 1 (not the probe's 0.995), min 0.99 */
    ilp_case(&(ilp_case_t){"USD", 2, 1000, 995, true, 1000, {0, 0}, 1000, 1000, 990});
}

Test(quote, ilp_fixed_receive_sends_floor_of_receive_over_min_plus_one)
{
    /* floor(900 / 0.891) + 1 = floor(1010.10...) + 1 */
    ilp_case(&(ilp_case_t){"EUR", 2, 10, 9, false, 900, {0, 0}, 1011, 1011, 900});
    /* exact division still adds one: floor(891 / 0.891) + 1; the fee on what is sent */
    ilp_case(&(ilp_case_t){"EUR", 2, 10, 9, false, 891, {150, 200}, 1001 + 150 + 21, 1001, 891});
}

Test(quote, ilp_refusals)
{
    quote_svc_t svc = {.slippage_ppm = 10000};
    ledger_asset_t usd = {.scale = 2};
    memcpy(usd.code, "USD", 4);
    /* equal codes probed at 0.98: below the min rate of 0.99 (pay's InsufficientExchangeRate) */
    quote_probe_t probe = {.source = 100, .delivered = 98, .asset_scale = 2};
    memcpy(probe.asset_code, "USD", 4);
    quote_request_t req = {.has_debit = true, .debit_amount = {.value = 1000, .asset_scale = 2}};
    memcpy(req.debit_amount.asset_code, "USD", 4);
    quote_t q;
    cr_expect_eq(quote_price_ilp(&svc, &req, &(fees_t){0, 0}, &usd, &probe, &q),
                 QUOTE_RATE_UNAVAILABLE);
    probe.delivered = 100;
    req.debit_amount.value = 1; /* ceil(0 x 0.99) = 0 arrives */
    cr_expect_eq(quote_price_ilp(&svc, &req, &(fees_t){0, 0}, &usd, &probe, &q),
                 QUOTE_AMOUNT_TOO_LOW);
    req.debit_amount.value = 10; /* the fee takes it all */
    cr_expect_eq(quote_price_ilp(&svc, &req, &(fees_t){10, 0}, &usd, &probe, &q),
                 QUOTE_AMOUNT_TOO_LOW);
}
