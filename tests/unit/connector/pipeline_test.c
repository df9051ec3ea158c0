/*
 * Tests for src/connector/pipeline.c and connector.c: three connectors A -- B -- C in one
 * process (own SQLite ledgers, an in-process link), a USD -> EUR STREAM payment over two hops,
 * every reject path at B, and the ledger after each (no hold left, nothing moved on rejects).
 */
#include "harness.h"

#include "stream/sender.h"

#define TOK_AB "tok-a-to-b-0123456789"
#define TOK_BC "tok-b-to-c-0123456789"

typedef struct {
    h_node_t *a, *b, *c;
    ledger_id_t alice_out, carol;
    peer_t *ab, *ba, *bc, *cb;
} topo_t;

static topo_t T;

static void topo_setup(void)
{
    log_set_level(LOG_ERROR);
    memset(&T, 0, sizeof T);
    T.a = h_node("A", "test.a", NULL);
    T.b = h_node("B", "test.b", "{\"USD\":{\"EUR\":\"0.9\"}}");
    T.c = h_node("C", "test.c", NULL);
    T.alice_out = h_account(T.a, &T.a->usd, LEDGER_KIND_OUTGOING, 0, false);
    h_deposit(T.a, &T.a->usd, T.alice_out, 100000);
    T.ab = h_peer(T.a, &T.a->usd, "test.b", "http://B/", TOK_AB, NULL, "test.c", 0);
    T.ba = h_peer(T.b, &T.b->usd, "test.a", NULL, NULL, TOK_AB, "test.a", -1000000);
    T.bc = h_peer(T.b, &T.b->eur, "test.c", "http://C/", TOK_BC, NULL, "test.c", 0);
    h_deposit(T.b, &T.b->eur, T.b->eur.liquidity_account_id, 1000000);
    T.cb = h_peer(T.c, &T.c->eur, "test.b", NULL, NULL, TOK_BC, "test.b", -1000000);
    T.carol = h_account(T.c, &T.c->eur, LEDGER_KIND_WALLET, 0, true);
}

static void topo_teardown(void)
{
    peer_t *ps[] = {T.ab, T.ba, T.bc, T.cb};
    for (size_t i = 0; i < 4; i++)
        peer_release(ps[i]);
    h_teardown();
}

/* stream_pay's link: the in-process entry point of A. */
static int pay_send(void *ctx, slice_t prepare, buf_t *reply)
{
    (void)ctx;
    h_wait_t w;
    h_wait_init(&w);
    connector_send_local(T.a->c, T.alice_out, prepare.ptr, prepare.len, h_on_reply, &w);
    if (!h_wait(&w, 10000))
        return -1;
    return buf_append(reply, w.buf, w.len);
}

static void no_holds(h_node_t *n, ledger_id_t id)
{
    ledger_status_t s = h_status(n, id);
    cr_assert_eq(s.debits_pending, 0, "hold left on %s", n->name);
    cr_assert_eq(s.credits_pending, 0, "hold left on %s", n->name);
}

/* STREAM payment options from A to carol's account on C; cred holds what they point into. */
static stream_pay_opts_t pay_to_carol(stream_credentials_t *cred, stream_pay_mode_t mode,
                                      uint64_t amount)
{
    cr_assert_eq(connector_stream_credentials(T.c->c, T.carol, cred), CONNECTOR_OK);
    return (stream_pay_opts_t){.destination = SLICE(cred->address, cred->address_len),
                               .shared_secret = cred->shared_secret,
                               .send = pay_send,
                               .mode = mode,
                               .amount = amount};
}

TestSuite(pipeline, .init = topo_setup, .fini = topo_teardown, .timeout = 60);

Test(pipeline, stream_payment_usd_to_eur_over_two_hops)
{
    stream_credentials_t cred;
    stream_pay_opts_t o = pay_to_carol(&cred, STREAM_PAY_FIXED_SOURCE, 5000);
    o.source_asset_code = SLICE_LIT("USD");
    o.source_asset_scale = 2;
    o.max_packet_amount = 1000;
    stream_pay_result_t res;
    cr_assert_eq(stream_pay(&o, &res), STREAM_PAY_OK, "pay: %s (%s)",
                 stream_pay_error_str(res.error), res.reject_code);
    cr_assert_eq(res.sent, 5000);
    cr_assert_eq(res.delivered, 4500, "0.9 EUR per USD");
    /* A: alice paid 5000, B's account got it */
    cr_assert_eq(h_status(T.a, T.alice_out).balance, 95000);
    cr_assert_eq(h_status(T.a, T.ab->account_id).balance, 5000);
    /* B: A's account debited 5000 USD, C's credited 4500 EUR through the liquidity accounts */
    cr_assert_eq(h_status(T.b, T.ba->account_id).balance, -5000);
    cr_assert_eq(h_status(T.b, T.b->usd.liquidity_account_id).balance, 5000);
    cr_assert_eq(h_status(T.b, T.b->eur.liquidity_account_id).balance, 1000000 - 4500);
    cr_assert_eq(h_status(T.b, T.bc->account_id).balance, 4500);
    /* C: carol has 4500 EUR cents */
    cr_assert_eq(h_status(T.c, T.carol).balance, 4500);
    cr_assert_eq(h_status(T.c, T.cb->account_id).balance, -4500);
    no_holds(T.b, T.ba->account_id);
    no_holds(T.b, T.bc->account_id);
    no_holds(T.a, T.alice_out);
}

Test(pipeline, invalid_packet_f01_and_expired_r02)
{
    h_wait_t w;
    uint8_t junk[] = {12, 3, 1, 2, 3};
    h_send_peer(T.b, T.ba, junk, sizeof junk, &w);
    ilp_reject_t r = h_expect_reject(&w, "F01");
    cr_assert(slice_eq_str(r.triggered_by, "test.b"), "triggered by us");
    uint8_t pkt[512];
    size_t n = h_prepare(pkt, sizeof pkt, "test.c.x", 10, -1000, NULL);
    h_send_peer(T.b, T.ba, pkt, n, &w);
    h_expect_reject(&w, "R02");
}

Test(pipeline, max_packet_amount_f08_with_data)
{
    peer_t *p = peer_clone(T.ba);
    p->max_packet_amount = 500;
    peers_put(connector_peers(T.b->c), p, NULL, 0);
    uint8_t pkt[512];
    size_t n = h_prepare(pkt, sizeof pkt, "test.c.x", 501, 10000, NULL);
    h_wait_t w;
    h_send_peer(T.b, p, pkt, n, &w);
    ilp_reject_t r = h_expect_reject(&w, "F08");
    uint64_t got, max;
    cr_assert_eq(ilp_f08_data_decode(r.data, &got, &max), ILP_OK);
    cr_assert_eq(got, 501);
    cr_assert_eq(max, 500);
    peer_release(p);
}

Test(pipeline, rate_limit_t05_and_throughput_t04)
{
    peer_t *p = peer_clone(T.ba);
    p->packets_per_s = 2;
    peers_put(connector_peers(T.b->c), p, NULL, 0);
    uint8_t pkt[512];
    size_t n = h_prepare(pkt, sizeof pkt, "test.nowhere", 0, 10000, NULL);
    h_wait_t w;
    int t05 = 0;
    for (int i = 0; i < 3; i++) {
        h_send_peer(T.b, p, pkt, n, &w);
        ilp_reject_t r;
        cr_assert_eq(ilp_reject_decode(SLICE(w.buf, w.len), &r), ILP_OK);
        t05 += strcmp(r.code, "T05") == 0;
    }
    /* the three may straddle a one-second window boundary: at least one of 3 in 2 windows */
    cr_assert_geq(t05, 1, "third packet in a second is rate limited");
    peer_release(p);

    p = peer_clone(T.ba);
    p->packets_per_s = 0;
    p->amount_per_s = 100;
    peers_put(connector_peers(T.b->c), p, NULL, 0);
    n = h_prepare(pkt, sizeof pkt, "test.nowhere", 101, 10000, NULL);
    h_send_peer(T.b, p, pkt, n, &w);
    h_expect_reject(&w, "T04");
    peer_release(p);
}

Test(pipeline, ildcp_answers_peer_config)
{
    uint8_t mem[256];
    buf_t b;
    buf_init_fixed(&b, mem, sizeof mem);
    cr_assert_eq(ildcp_request_encode(&b, clock_wall_ms() + 60000), ILP_OK);
    h_wait_t w;
    h_send_peer(T.b, T.ba, b.ptr, b.len, &w);
    ildcp_response_t r;
    cr_assert_eq(ildcp_response_decode(SLICE(w.buf, w.len), &r, NULL), ILDCP_OK);
    cr_assert(slice_eq_str(r.client_address, "test.a"));
    cr_assert(slice_eq_str(r.asset_code, "USD"));
    cr_assert_eq(r.asset_scale, 2);
}

Test(pipeline, unreachable_f02)
{
    uint8_t pkt[512];
    h_wait_t w;
    size_t n = h_prepare(pkt, sizeof pkt, "test.nowhere.x", 10, 10000, NULL);
    h_send_peer(T.b, T.ba, pkt, n, &w);
    h_expect_reject(&w, "F02");
    n = h_prepare(pkt, sizeof pkt, "peer.route.control", 0, 10000, NULL);
    h_send_peer(T.b, T.ba, pkt, n, &w);
    h_expect_reject(&w, "F02");
    /* never back to the source: test.a routes to A itself */
    n = h_prepare(pkt, sizeof pkt, "test.a.alice", 10, 10000, NULL);
    h_send_peer(T.b, T.ba, pkt, n, &w);
    h_expect_reject(&w, "F02");
    /* a local address with no valid STREAM token */
    n = h_prepare(pkt, sizeof pkt, "test.c.garbage", 10, 10000, NULL);
    h_send_peer(T.c, T.cb, pkt, n, &w);
    h_expect_reject(&w, "F02");
    no_holds(T.b, T.ba->account_id);
}

Test(pipeline, exhausted_liquidity_t04_moves_nothing)
{
    /* B's EUR liquidity holds 1,000,000: ask for more than that after conversion */
    uint8_t pkt[512];
    h_wait_t w;
    size_t n = h_prepare(pkt, sizeof pkt, "test.c.x", 1200000, 10000, NULL);
    h_send_peer(T.b, T.ba, pkt, n, &w);
    h_expect_reject(&w, "T04");
    cr_assert_eq(h_status(T.b, T.ba->account_id).balance, 0);
    cr_assert_eq(h_status(T.b, T.b->eur.liquidity_account_id).balance, 1000000);
    cr_assert_eq(h_status(T.b, T.b->usd.liquidity_account_id).balance, 0);
    no_holds(T.b, T.ba->account_id);
    no_holds(T.b, T.b->eur.liquidity_account_id);
}

Test(pipeline, rate_r01_and_f07)
{
    uint8_t pkt[512];
    h_wait_t w;
    size_t n = h_prepare(pkt, sizeof pkt, "test.c.x", 1, 10000, NULL);
    h_send_peer(T.b, T.ba, pkt, n, &w);
    h_expect_reject(&w, "R01");
    /* a JPY peer: no USD->JPY rate */
    ledger_asset_t jpy = {.code = "JPY", .scale = 0};
    cr_assert_eq(ledger_asset_create(T.b->l, &jpy), LEDGER_OK);
    peer_t *pj =
        h_peer(T.b, &jpy, "test.j", "http://rejecter/", "tok-jjjjjjjjjjjjjjjj", NULL, "test.j", 0);
    n = h_prepare(pkt, sizeof pkt, "test.j.x", 100, 10000, NULL);
    h_send_peer(T.b, T.ba, pkt, n, &w);
    h_expect_reject(&w, "F07");
    peer_release(pj);
}

Test(pipeline, next_hop_answers_r00_f05_relay_t01)
{
    peer_t *ps[3];
    const char *eps[] = {"http://silent/", "http://badful/", "http://rejecter/"};
    const char *pre[] = {"test.s", "test.f", "test.r"};
    for (int i = 0; i < 3; i++)
        ps[i] = h_peer(T.b, &T.b->usd, pre[i], eps[i], "tok-xxxxxxxxxxxxxxxx", NULL, pre[i], 0);
    uint8_t pkt[512];
    h_wait_t w;
    /* silent: R00 at the outgoing expiry (source - 1 s), long before 10 s */
    size_t n = h_prepare(pkt, sizeof pkt, "test.s.x", 10, 2500, NULL);
    uint64_t t0 = clock_mono_ms();
    h_send_peer(T.b, T.ba, pkt, n, &w);
    ilp_reject_t r = h_expect_reject(&w, "R00");
    cr_assert(slice_eq_str(r.triggered_by, "test.b"));
    uint64_t took = clock_mono_ms() - t0;
    cr_assert(took >= 1300 && took < 2500, "R00 after %llu ms", (unsigned long long)took);
    usleep(100000);
    no_holds(T.b, T.ba->account_id);
    cr_assert_eq(h_status(T.b, T.ba->account_id).balance, 0, "voided");
    /* wrong fulfillment: F05, hold voided */
    n = h_prepare(pkt, sizeof pkt, "test.f.x", 10, 10000, NULL);
    h_send_peer(T.b, T.ba, pkt, n, &w);
    h_expect_reject(&w, "F05");
    /* a downstream reject is relayed unchanged */
    n = h_prepare(pkt, sizeof pkt, "test.r.x", 10, 10000, NULL);
    h_send_peer(T.b, T.ba, pkt, n, &w);
    r = h_expect_reject(&w, "T99");
    cr_assert(slice_eq_str(r.triggered_by, "test.downstream"));
    cr_assert(slice_eq_str(r.data, "xyz"));
    /* too little time left to forward: R02 */
    n = h_prepare(pkt, sizeof pkt, "test.r.x", 10, 1500, NULL);
    h_send_peer(T.b, T.ba, pkt, n, &w);
    h_expect_reject(&w, "R02");
    /* next hop unreachable: T01 */
    peer_t *gone = h_peer(T.b, &T.b->usd, "test.g", "http://nowhere/", "tok-gggggggggggggggg", NULL,
                          "test.g", 0);
    n = h_prepare(pkt, sizeof pkt, "test.g.x", 10, 10000, NULL);
    h_send_peer(T.b, T.ba, pkt, n, &w);
    h_expect_reject(&w, "T01");
    usleep(100000);
    no_holds(T.b, T.ba->account_id);
    cr_assert_eq(h_status(T.b, T.ba->account_id).balance, 0);
    for (int i = 0; i < 3; i++)
        peer_release(ps[i]);
    peer_release(gone);
}

Test(pipeline, fulfilled_forward_posts_the_hold)
{
    /* a forwarded packet that C's receiver fulfils: B's hold is posted, not left pending */
    stream_credentials_t cred;
    stream_pay_opts_t o = pay_to_carol(&cred, STREAM_PAY_FIXED_DELIVERY, 900);
    stream_pay_result_t res;
    cr_assert_eq(stream_pay(&o, &res), STREAM_PAY_OK, "%s", stream_pay_error_str(res.error));
    cr_assert_geq(res.delivered, 900);
    no_holds(T.b, T.ba->account_id);
    no_holds(T.b, T.bc->account_id);
    cr_assert_eq(h_status(T.b, T.bc->account_id).balance, (int64_t)res.delivered);
}

Test(pipeline, local_credentials_need_stream_enabled)
{
    stream_credentials_t cred;
    ledger_id_t plain = h_account(T.c, &T.c->eur, LEDGER_KIND_WALLET, 0, false);
    cr_assert_eq(connector_stream_credentials(T.c->c, plain, &cred), CONNECTOR_NOT_FOUND);
    cr_assert_eq(connector_stream_credentials(T.c->c, ledger_id_random(), &cred),
                 CONNECTOR_NOT_FOUND);
}
