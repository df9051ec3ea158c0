/*
 * Tests for src/stream/sender.c, paying our own receiver in-process through a fake connector
 * that converts at a rate, enforces a max packet amount (F08 with data) and can inject T04s.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "ilp/packet.h"
#include "stream/crypto.h"
#include "stream/packet.h"
#include "stream/receiver.h"
#include "stream/sender.h"

static const uint8_t SERVER_SECRET[32] = {42};

typedef struct {
    stream_receiver_t rx;
    stream_totals_mem_t *mem;
    uint64_t rate_num, rate_den; /* destination = floor(amount * num / den) */
    uint64_t max_packet;         /* 0: none */
    int t04_skip;                /* let this many packets through before the T04s */
    int t04_left;                /* then reject this many packets with T04 */
    int final_reject_left;       /* reject with F02 */
    int app_temp_declines, app_final_after;
    uint64_t app_received; /* what the application accepted */
    int app_calls;
    uint64_t largest_fulfilled_source;
    int sleeps;
    uint64_t slept_ms;
    int closes_seen;
} net_t;

static stream_money_decision_t app_money(void *ctx, const stream_money_t *m)
{
    net_t *n = ctx;
    n->app_calls++;
    if (n->app_temp_declines > 0) {
        n->app_temp_declines--;
        return STREAM_MONEY_DECLINE_TEMPORARY;
    }
    if (n->app_final_after > 0 && n->app_calls > n->app_final_after)
        return STREAM_MONEY_DECLINE_FINAL;
    n->app_received += m->amount;
    return STREAM_MONEY_ACCEPT;
}

static void reject(buf_t *reply, const char *code, slice_t data)
{
    ilp_reject_t r = {.triggered_by = SLICE_LIT("test.connector"), .data = data};
    memcpy(r.code, code, 4);
    cr_assert_eq(ilp_reject_encode(reply, &r), ILP_OK);
}

static int connector(void *ctx, slice_t bytes, buf_t *reply)
{
    net_t *n = ctx;
    ilp_prepare_t p;
    cr_assert_eq(ilp_prepare_decode(bytes, &p), ILP_OK);
    if (n->max_packet && p.amount > n->max_packet) {
        uint8_t d[ILP_F08_DATA_LEN];
        ilp_f08_data_encode(d, p.amount, n->max_packet);
        reject(reply, "F08", SLICE(d, sizeof d));
        return 0;
    }
    uint64_t source = p.amount;
    p.amount = (uint64_t)((unsigned __int128)p.amount * n->rate_num / n->rate_den);
    if (n->t04_skip > 0)
        n->t04_skip--;
    else if (p.amount > 0 && n->t04_left > 0) {
        n->t04_left--;
        reject(reply, "T04", SLICE("", 0));
        return 0;
    }
    if (p.amount > 0 && n->final_reject_left > 0) {
        n->final_reject_left--;
        ilp_reject_t r = {.code = "F02",
                          .triggered_by = SLICE_LIT("test.far"),
                          .message = SLICE_LIT("no route to test.bob")};
        cr_assert_eq(ilp_reject_encode(reply, &r), ILP_OK);
        return 0;
    }
    stream_reply_info_t info;
    cr_assert_eq(stream_receiver_handle(&n->rx, &p, reply, &info), STREAM_OK);
    if (info.fulfilled && source > n->largest_fulfilled_source)
        n->largest_fulfilled_source = source;
    return 0;
}

static void fake_sleep(void *ctx, uint32_t ms)
{
    net_t *n = ctx;
    n->sleeps++;
    n->slept_ms += ms;
}

static net_t *net_new(uint64_t num, uint64_t den)
{
    net_t *n = calloc(1, sizeof *n);
    cr_assert_eq(stream_receiver_init(&n->rx, SLICE_LIT("test.bob"), SERVER_SECRET), STREAM_OK);
    n->mem = stream_totals_mem_new(100);
    n->rx.totals = stream_totals_mem(n->mem);
    n->rx.on_money = app_money;
    n->rx.app = n;
    n->rate_num = num;
    n->rate_den = den;
    return n;
}

static void net_free(net_t *n)
{
    stream_totals_mem_free(n->mem);
    free(n);
}

static stream_credentials_t cred;

static stream_pay_opts_t opts_for(net_t *n, const stream_connection_details_t *d,
                                  stream_pay_mode_t mode, uint64_t amount)
{
    cr_assert_eq(stream_receiver_credentials(&n->rx, d, &cred), STREAM_OK);
    return (stream_pay_opts_t){.destination = SLICE(cred.address, cred.address_len),
                               .shared_secret = cred.shared_secret,
                               .send = connector,
                               .send_ctx = n,
                               .mode = mode,
                               .amount = amount,
                               .sleep_ms = fake_sleep,
                               .sleep_ctx = n};
}

/* Runs the payment and fails the test unless it completes. */
static stream_pay_result_t pay_ok(const stream_pay_opts_t *o)
{
    stream_pay_result_t r;
    cr_assert_eq(stream_pay(o, &r), STREAM_PAY_OK, "%s", stream_pay_error_str(r.error));
    return r;
}

Test(stream_sender, fixed_source_exact_totals)
{
    net_t *n = net_new(1, 1);
    stream_pay_opts_t o = opts_for(n, NULL, STREAM_PAY_FIXED_SOURCE, 123457);
    stream_pay_result_t r = pay_ok(&o);
    cr_assert_eq(r.sent, 123457);
    cr_assert_eq(r.delivered, 123457);
    cr_assert_eq(n->app_received, 123457);
    cr_assert_eq(r.packets_fulfilled, 1);
    cr_assert_eq(r.probe_source, 123457);
    cr_assert_eq(r.probe_delivered, 123457);
    cr_assert_str_eq(r.last_reject_code, "", "the receiver's answer to the probe is no failure");
    net_free(n);
}

Test(stream_sender, discovers_max_packet_amount_from_f08)
{
    net_t *n = net_new(1, 1);
    n->max_packet = 100;
    stream_pay_opts_t o = opts_for(n, NULL, STREAM_PAY_FIXED_SOURCE, 1050);
    stream_pay_result_t r = pay_ok(&o);
    cr_assert_eq(r.sent, 1050);
    cr_assert_eq(r.delivered, 1050);
    cr_assert_eq(n->app_received, 1050);
    cr_assert_eq(r.max_packet_amount, 100);
    cr_assert_eq(n->largest_fulfilled_source, 100);
    cr_assert_eq(r.packets_fulfilled, 11);
    net_free(n);
}

Test(stream_sender, fixed_delivery_through_a_rate)
{
    net_t *n = net_new(3, 2); /* 1 source unit = 1.5 destination units */
    n->max_packet = 300;
    stream_pay_opts_t o = opts_for(n, NULL, STREAM_PAY_FIXED_DELIVERY, 3000);
    stream_pay_result_t r = pay_ok(&o);
    cr_assert_eq(r.delivered, 3000);
    cr_assert_eq(n->app_received, 3000);
    cr_assert_eq(r.sent, 2000);
    cr_assert_eq(r.probe_source, 300);
    cr_assert_eq(r.probe_delivered, 450);
    net_free(n);
}

/* Issue 18 §3.1: T04s shrink the probe to 100 source units, which see 111 of a rate of
 * 1111/1000 arrive; a packet sized ceil(500 x 100 / 111) = 451 delivered 501 to a receiver that
 * takes whatever arrives. Sized below the rate's upper bound, 447 then 4 deliver 500. */
Test(stream_sender, fixed_delivery_never_overpays_after_a_small_probe)
{
    net_t *n = net_new(1111, 1000);
    n->t04_left = 4; /* probes of 10^6, 10^5, 10^4 and 1000 */
    stream_pay_opts_t o = opts_for(n, NULL, STREAM_PAY_FIXED_DELIVERY, 500);
    stream_pay_result_t r = pay_ok(&o);
    cr_assert_eq(r.probe_source, 100);
    cr_assert_eq(r.probe_delivered, 111);
    cr_assert_eq(n->app_received, 500);
    cr_assert_eq(r.delivered, 500);
    cr_assert_eq(r.sent, 451);
    cr_assert_eq(r.packets_fulfilled, 2);
    net_free(n);
}

/* 10/9 (EUR 1 = USD 1.111...): the probe of 10^6 sees 1111111, and ceil(500 x 10^6 / 1111111)
 * = 451 delivered 501; 450 delivers exactly 500. */
Test(stream_sender, fixed_delivery_exact_at_ten_ninths)
{
    net_t *n = net_new(10, 9);
    stream_pay_opts_t o = opts_for(n, NULL, STREAM_PAY_FIXED_DELIVERY, 500);
    stream_pay_result_t r = pay_ok(&o);
    cr_assert_eq(r.probe_delivered, 1111111);
    cr_assert_eq(n->app_received, 500);
    cr_assert_eq(r.delivered, 500);
    cr_assert_eq(r.sent, 450);
    net_free(n);
}

/* 7/3: 214 source units deliver 499, 215 deliver 501, and one unit delivers 2: 500 cannot be
 * reached without overpaying, so the payment ends 1 short (less than a source unit's worth). */
Test(stream_sender, fixed_delivery_stops_short_rather_than_overpay)
{
    net_t *n = net_new(7, 3);
    stream_pay_opts_t o = opts_for(n, NULL, STREAM_PAY_FIXED_DELIVERY, 500);
    stream_pay_result_t r = pay_ok(&o);
    cr_assert_eq(n->app_received, 499);
    cr_assert_eq(r.delivered, 499);
    cr_assert_eq(r.sent, 214);
    o.amount = 700; /* 300 x 7/3 */
    r = pay_ok(&o);
    cr_assert_eq(r.delivered, 700);
    cr_assert_eq(n->app_received, 499 + 700);
    net_free(n);
}

Test(stream_sender, fixed_delivery_exact_at_three_sevenths)
{
    net_t *n = net_new(3, 7);
    n->max_packet = 1000;
    stream_pay_opts_t o = opts_for(n, NULL, STREAM_PAY_FIXED_DELIVERY, 500);
    stream_pay_result_t r = pay_ok(&o);
    cr_assert_eq(n->app_received, 500);
    cr_assert_eq(r.delivered, 500);
    cr_assert_eq(r.packets_fulfilled, 2); /* 1000 (428 arrive), then 170 (72 arrive) */
    net_free(n);
}

Test(stream_sender, fixed_source_through_a_rate_reports_delivered)
{
    net_t *n = net_new(7, 10);
    n->max_packet = 1000;
    stream_pay_opts_t o = opts_for(n, NULL, STREAM_PAY_FIXED_SOURCE, 5500);
    o.min_rate_num = 69; /* 0.69 <= 0.7: allowed */
    o.min_rate_den = 100;
    stream_pay_result_t r = pay_ok(&o);
    cr_assert_eq(r.sent, 5500);
    cr_assert_eq(r.delivered, 5 * 700 + 350);
    cr_assert_eq(n->app_received, r.delivered);
    net_free(n);
}

/* At exactly the minimum rate, a packet whose delivery rounds down must still pass: the least
 * it must deliver is its amount at that rate rounded down (rounding up refused every packet
 * here, 7 * 0.9 = 6.3 delivered as 6). */
Test(stream_sender, minimum_rate_rounds_the_packet_minimum_down)
{
    net_t *n = net_new(9, 10);
    n->max_packet = 7;
    stream_pay_opts_t o = opts_for(n, NULL, STREAM_PAY_FIXED_SOURCE, 70);
    o.min_rate_num = 9;
    o.min_rate_den = 10;
    stream_pay_result_t r = pay_ok(&o);
    cr_assert_eq(r.sent, 70);
    cr_assert_eq(r.delivered, 60);
    cr_assert_eq(n->app_received, 60);
    net_free(n);
}

Test(stream_sender, enforces_minimum_rate)
{
    net_t *n = net_new(1, 2);
    stream_pay_opts_t o = opts_for(n, NULL, STREAM_PAY_FIXED_SOURCE, 1000);
    o.min_rate_num = 6;
    o.min_rate_den = 10;
    stream_pay_result_t r;
    cr_assert_eq(stream_pay(&o, &r), STREAM_PAY_ERR_EXCHANGE_RATE);
    cr_assert_eq(r.sent, 0);
    cr_assert_eq(n->app_received, 0);
    net_free(n);
}

Test(stream_sender, backs_off_on_t04)
{
    net_t *n = net_new(1, 1);
    n->t04_skip = 1; /* the rate probe */
    n->t04_left = 3;
    stream_pay_opts_t o = opts_for(n, NULL, STREAM_PAY_FIXED_SOURCE, 900);
    stream_pay_result_t r = pay_ok(&o);
    cr_assert_eq(r.sent, 900);
    cr_assert_eq(n->app_received, 900);
    cr_assert_eq(n->sleeps, 3);
    cr_assert_eq(n->slept_ms, 100 + 150 + 225, "exponential backoff");
    cr_assert(n->largest_fulfilled_source < 900, "T04 shrank the packets");
    net_free(n);
}

Test(stream_sender, retries_temporary_declines_from_the_receiver)
{
    net_t *n = net_new(1, 1);
    n->app_temp_declines = 2;
    stream_pay_opts_t o = opts_for(n, NULL, STREAM_PAY_FIXED_SOURCE, 500);
    pay_ok(&o);
    cr_assert_eq(n->app_received, 500);
    cr_assert_eq(n->sleeps, 2);
    net_free(n);
}

Test(stream_sender, gives_up_after_max_retries)
{
    net_t *n = net_new(1, 1);
    n->t04_left = 1000;
    stream_pay_opts_t o = opts_for(n, NULL, STREAM_PAY_FIXED_SOURCE, 500);
    o.max_retries = 5;
    stream_pay_result_t r;
    cr_assert_eq(stream_pay(&o, &r), STREAM_PAY_ERR_RETRIES);
    cr_assert_str_eq(r.reject_code, "T04");
    cr_assert_str_eq(r.last_reject_code, "T04");
    cr_assert_eq(r.last_reject_triggered_by_len, strlen("test.connector"));
    cr_assert(memcmp(r.last_reject_triggered_by, "test.connector", 14) == 0);
    cr_assert_eq(r.last_reject_message_len, 0);
    cr_assert_eq(r.sent, 0);
    net_free(n);
}

Test(stream_sender, final_decline_closes)
{
    net_t *n = net_new(1, 1);
    n->max_packet = 100;
    n->app_final_after = 2;
    stream_pay_opts_t o = opts_for(n, NULL, STREAM_PAY_FIXED_SOURCE, 1000);
    stream_pay_result_t r;
    cr_assert_eq(stream_pay(&o, &r), STREAM_PAY_ERR_CLOSED);
    cr_assert_eq(r.sent, 200);
    cr_assert_eq(r.delivered, 200);
    cr_assert_eq(n->app_received, 200);
    net_free(n);
}

Test(stream_sender, connector_final_reject_ends_payment)
{
    net_t *n = net_new(1, 1);
    n->final_reject_left = 1;
    stream_pay_opts_t o = opts_for(n, NULL, STREAM_PAY_FIXED_SOURCE, 1000);
    stream_pay_result_t r;
    cr_assert_eq(stream_pay(&o, &r), STREAM_PAY_ERR_CONNECTOR);
    cr_assert_str_eq(r.reject_code, "F02");
    /* what the wallet is told of the failed attempt: the reject's code, who and why */
    cr_assert_str_eq(r.last_reject_code, "F02");
    cr_assert_eq(r.last_reject_triggered_by_len, 8);
    cr_assert(memcmp(r.last_reject_triggered_by, "test.far", 8) == 0);
    cr_assert_eq(r.last_reject_message_len, strlen("no route to test.bob"));
    cr_assert(memcmp(r.last_reject_message, "no route to test.bob", 20) == 0);
    cr_assert_eq(r.sent, 0);
    net_free(n);
}

Test(stream_sender, learns_asset_and_keeps_receipts)
{
    net_t *n = net_new(1, 1);
    n->max_packet = 400;
    stream_connection_details_t d = {
        .receipts = true, .has_asset = true, .asset_code = SLICE_LIT("XRP"), .asset_scale = 6};
    memset(d.receipt_secret, 3, 32);
    stream_pay_opts_t o = opts_for(n, &d, STREAM_PAY_FIXED_SOURCE, 1000);
    stream_pay_result_t r = pay_ok(&o);
    cr_assert(r.has_dest_asset);
    cr_assert_str_eq(r.dest_asset_code, "XRP");
    cr_assert_eq(r.dest_asset_scale, 6);
    cr_assert(r.has_receipt);
    stream_receipt_t rc;
    cr_assert_eq(stream_receipt_verify(SLICE(r.receipt, sizeof r.receipt), d.receipt_secret, &rc),
                 STREAM_OK);
    cr_assert_eq(rc.total_received, 1000);
    net_free(n);
}

Test(stream_sender, rejects_bad_arguments)
{
    net_t *n = net_new(1, 1);
    stream_pay_opts_t o = opts_for(n, NULL, STREAM_PAY_FIXED_SOURCE, 10);
    o.destination = SLICE_LIT("not an address");
    stream_pay_result_t r;
    cr_assert_eq(stream_pay(&o, &r), STREAM_PAY_ERR_ARGS);
    net_free(n);
}

/* A receiver that advertises StreamMaxMoney(1, limit, total) in every reply. */
typedef struct {
    uint64_t limit, total;
    stream_keys_t keys;
} limited_t;

static int limited_receiver(void *ctx, slice_t bytes, buf_t *reply)
{
    limited_t *l = ctx;
    ilp_prepare_t p;
    cr_assert_eq(ilp_prepare_decode(bytes, &p), ILP_OK);
    uint8_t plain[4096], ful[32], cond[32], data_mem[512], out_mem[512];
    size_t n;
    stream_packet_t sp;
    cr_assert_eq(stream_decrypt(plain, sizeof plain, &n, l->keys.encryption, p.data), STREAM_OK);
    cr_assert_eq(stream_packet_decode(SLICE(plain, n), &sp), STREAM_OK);
    stream_fulfillment(ful, l->keys.fulfillment, p.data);
    stream_condition(cond, l->keys.fulfillment, p.data);
    bool ok = memcmp(cond, p.condition, 32) == 0 && p.amount <= l->limit - l->total;
    if (ok)
        l->total += p.amount;
    stream_frame_t f = {.type = STREAM_FRAME_STREAM_MAX_MONEY};
    f.max_money.stream_id = 1;
    f.max_money.receive_max = l->limit;
    f.max_money.total_received = l->total;
    stream_packet_t hdr = {
        .ilp_packet_type = ok ? 13 : 14, .sequence = sp.sequence, .prepare_amount = p.amount};
    buf_t out, data;
    buf_init_fixed(&out, out_mem, sizeof out_mem);
    buf_init_fixed(&data, data_mem, sizeof data_mem);
    stream_packet_encode(&out, &hdr, &f, 1);
    stream_encrypt(&data, l->keys.encryption, buf_slice(&out));
    if (ok) {
        ilp_fulfill_t ff = {.data = buf_slice(&data)};
        memcpy(ff.fulfillment, ful, 32);
        cr_assert_eq(ilp_fulfill_encode(reply, &ff), ILP_OK);
    } else {
        reject(reply, "F99", buf_slice(&data));
    }
    return 0;
}

Test(stream_sender, respects_receiver_stream_max_money)
{
    uint8_t secret[32] = {5};
    limited_t l = {.limit = 500};
    stream_keys_derive(&l.keys, secret, 32);
    stream_pay_opts_t o = {.destination = SLICE_LIT("test.limited.x"),
                           .shared_secret = secret,
                           .send = limited_receiver,
                           .send_ctx = &l,
                           .mode = STREAM_PAY_FIXED_SOURCE,
                           .amount = 1000};
    stream_pay_result_t r;
    cr_assert_eq(stream_pay(&o, &r), STREAM_PAY_ERR_RECEIVE_MAX);
    cr_assert_eq(r.sent, 500);
    cr_assert_eq(r.delivered, 500);
    cr_assert_eq(l.total, 500);
    cr_assert_eq(r.remote_receive_max, 500);

    limited_t l2 = {.limit = 500};
    stream_keys_derive(&l2.keys, secret, 32);
    o.send_ctx = &l2;
    o.mode = STREAM_PAY_FIXED_DELIVERY;
    cr_assert_eq(stream_pay(&o, &r), STREAM_PAY_ERR_RECEIVE_MAX);
    cr_assert_eq(r.sent, 0, "fixed delivery above the receive max does not start");
}
