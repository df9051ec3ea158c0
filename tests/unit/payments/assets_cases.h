/*
 * Cases of payments/assets.c (Rafiki's asset model), payments/settlement.c (liquidity moves and
 * account transfers) and the peer questions of connector/peers.c, shared by the SQLite unit
 * tests (assets_test.c) and the Postgres integration tests (tests/integration/assets_pg_test.c):
 * the real ledger over a fresh database.
 */
#ifndef RAFIKI_TESTS_PAYMENTS_ASSETS_CASES_H
#define RAFIKI_TESTS_PAYMENTS_ASSETS_CASES_H

#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "connector/peers.h"
#include "payments/assets.h"
#include "payments/payment_liquidity.h"
#include "payments/settlement.h"
#include "payments/webhooks.h"
#include "payments_db.h"

static ledger_id_t ac_id(uint64_t n)
{
    return (ledger_id_t){0, n};
}

typedef struct {
    db_t *db;
    ledger_t *l;
} env_t;

static env_t env_open(const char *base, const char *name)
{
    env_t e = {.db = bk_open(base, name)};
    db_err_t err = {0};
    e.l = ledger_open(e.db, NULL, &err);
    cr_assert_not_null(e.l, "%s", err.msg);
    return e;
}

static void env_close(env_t *e)
{
    ledger_close(e->l);
    db_close(e->db);
}

static void ac_case_life(const char *base)
{
    env_t e = env_open(base, "pa_life");
    uint64_t wt = 100, lt = 50;
    pay_asset_t a, b;
    cr_assert_eq(pay_asset_create(e.db, e.l, "USD", 2, &wt, &lt, &a), PAY_ASSET_OK);
    cr_expect(a.has_withdrawal_threshold && a.withdrawal_threshold == 100);
    cr_expect(a.has_liquidity_threshold && a.liquidity_threshold == 50);
    cr_expect_eq(pay_asset_create(e.db, e.l, "USD", 2, NULL, NULL, &b), PAY_ASSET_DUPLICATE);
    cr_expect_eq(pay_asset_create(e.db, e.l, "US-D", 2, NULL, NULL, &b), PAY_ASSET_CODE_INVALID);
    cr_assert_eq(pay_asset_get(e.db, e.l, a.ledger.id, &b), PAY_ASSET_OK);
    cr_expect(b.has_liquidity_threshold && b.liquidity_threshold == 50);
    /* update sets both: an omitted one is removed */
    cr_assert_eq(pay_asset_update(e.db, e.l, a.ledger.id, NULL, &wt, &b), PAY_ASSET_OK);
    cr_assert_eq(pay_asset_get(e.db, e.l, a.ledger.id, &b), PAY_ASSET_OK);
    cr_expect(!b.has_withdrawal_threshold);
    cr_expect(b.has_liquidity_threshold && b.liquidity_threshold == 100);
    cr_expect_eq(pay_asset_update(e.db, e.l, ac_id(7), NULL, NULL, &b), PAY_ASSET_NOT_FOUND);
    /* delete hides it from reads, not from code-and-scale; create brings it back */
    cr_assert_eq(pay_asset_delete(e.db, e.l, a.ledger.id, 1234, &b), PAY_ASSET_OK);
    cr_expect_eq(b.deleted_ms, 1234);
    cr_expect_eq(pay_asset_get(e.db, e.l, a.ledger.id, &b), PAY_ASSET_NOT_FOUND);
    cr_expect_eq(pay_asset_delete(e.db, e.l, a.ledger.id, 1, &b), PAY_ASSET_NOT_FOUND);
    cr_expect_eq(pay_asset_update(e.db, e.l, a.ledger.id, &wt, NULL, &b), PAY_ASSET_OK,
                 "Rafiki's update patches a deleted asset too");
    cr_expect_eq(b.deleted_ms, 1234, "and leaves it deleted");
    cr_expect_eq(pay_asset_by_code(e.db, e.l, "USD", 2, &b), PAY_ASSET_OK);
    cr_expect_eq(pay_asset_by_code(e.db, e.l, "USD", 3, &b), PAY_ASSET_NOT_FOUND);
    cr_assert_eq(pay_asset_create(e.db, e.l, "USD", 2, NULL, NULL, &b), PAY_ASSET_OK);
    cr_expect(b.ledger.id.hi == a.ledger.id.hi && b.ledger.id.lo == a.ledger.id.lo,
              "the same asset is back");
    cr_expect_eq(pay_asset_get(e.db, e.l, a.ledger.id, &b), PAY_ASSET_OK);
    env_close(&e);
}

static void ac_case_in_use(const char *base)
{
    env_t e = env_open(base, "pa_inuse");
    pay_asset_t a, b;
    cr_assert_eq(pay_asset_create(e.db, e.l, "EUR", 2, NULL, NULL, &a), PAY_ASSET_OK);
    ledger_account_t w = {.asset_id = a.ledger.id, .kind = LEDGER_KIND_WALLET};
    cr_assert_eq(ledger_account_create(e.l, &w), LEDGER_OK);
    cr_expect_eq(pay_asset_delete(e.db, e.l, a.ledger.id, 1, &b), PAY_ASSET_IN_USE);
    cr_assert_eq(pay_asset_create(e.db, e.l, "GBP", 2, NULL, NULL, &a), PAY_ASSET_OK);
    ledger_account_t pa = {.asset_id = a.ledger.id, .kind = LEDGER_KIND_PEER};
    cr_assert_eq(ledger_account_create(e.l, &pa), LEDGER_OK);
    peer_t *p = peer_new();
    p->id = ledger_id_random();
    p->asset_id = a.ledger.id;
    p->account_id = pa.id;
    snprintf(p->ilp_address, sizeof p->ilp_address, "test.peer");
    cr_assert_eq(peers_db_insert(e.db, p, NULL, 0, NULL), PEERS_OK);
    cr_expect_eq(pay_asset_delete(e.db, e.l, a.ledger.id, 1, &b), PAY_ASSET_IN_USE);
    cr_assert_eq(peers_db_delete(e.db, p->id), PEERS_OK);
    cr_expect_eq(pay_asset_delete(e.db, e.l, a.ledger.id, 1, &b), PAY_ASSET_OK);
    peer_release(p);
    env_close(&e);
}

static void ac_case_pages(const char *base)
{
    env_t e = env_open(base, "pa_page");
    pay_asset_t a[4], out[8];
    const char *codes[] = {"AAA", "BBB", "CCC", "DDD"};
    for (int i = 0; i < 4; i++)
        cr_assert_eq(pay_asset_create(e.db, e.l, codes[i], 2, NULL, NULL, &a[i]), PAY_ASSET_OK);
    cr_assert_eq(pay_asset_delete(e.db, e.l, a[1].ledger.id, 5, &out[0]), PAY_ASSET_OK);
    size_t n = 0;
    pay_keyset_t k = {.asc = true, .limit = 10};
    cr_assert_eq(pay_assets_page(e.db, e.l, &k, out, &n), PAY_ASSET_OK);
    cr_assert_eq(n, 3);
    /* creation order: created_ms may tie within a millisecond, then ids order them */
    for (size_t i = 1; i < n; i++) {
        pay_key_t x = {out[i - 1].ledger.created_ms, out[i - 1].ledger.id};
        pay_key_t y = {out[i].ledger.created_ms, out[i].ledger.id};
        cr_expect_lt(pay_key_cmp(&x, &y), 0);
    }
    k = (pay_keyset_t){.asc = false, .limit = 1, .has_cursor = true, .cursor = out[2].ledger.id};
    pay_asset_t after;
    cr_assert_eq(pay_assets_page(e.db, e.l, &k, &after, &n), PAY_ASSET_OK);
    cr_assert_eq(n, 1);
    cr_expect_str_eq(after.ledger.code, out[1].ledger.code);
    env_close(&e);
}

static void ac_case_moves(const char *base)
{
    env_t e = env_open(base, "pa_moves");
    pay_asset_t a;
    cr_assert_eq(pay_asset_create(e.db, e.l, "XRP", 6, NULL, NULL, &a), PAY_ASSET_OK);
    ledger_id_t liq = a.ledger.liquidity_account_id, d = ledger_id_random();
    cr_expect_eq(pay_deposit(e.l, liq, d, 0), PAY_MOVE_INVALID_AMOUNT);
    cr_expect_eq(pay_deposit(e.l, liq, d, 100), PAY_MOVE_OK);
    cr_expect_eq(pay_deposit(e.l, liq, d, 100), PAY_MOVE_TRANSFER_EXISTS, "the same id again");
    cr_expect_eq(pay_deposit(e.l, ac_id(5), ledger_id_random(), 1), PAY_MOVE_UNKNOWN_ACCOUNT);
    ledger_id_t w = ledger_id_random(), w2 = ledger_id_random(), w3 = ledger_id_random();
    cr_expect_eq(pay_withdraw(e.l, liq, ledger_id_random(), 101, 60),
                 PAY_MOVE_INSUFFICIENT_BALANCE);
    cr_expect_eq(pay_withdraw(e.l, liq, w, 40, 60), PAY_MOVE_OK);
    cr_expect_eq(pay_withdraw(e.l, liq, w2, 30, 60), PAY_MOVE_OK);
    ledger_status_t s;
    cr_assert_eq(ledger_account_status(e.l, liq, &s), LEDGER_OK);
    cr_expect_eq(s.balance, 30, "held withdrawals count against the balance");
    cr_expect_eq(payment_liquidity_withdrawal_resolve(e.l, w, true), PAYMENT_LIQUIDITY_OK);
    cr_expect_eq(payment_liquidity_withdrawal_resolve(e.l, w, true),
                 PAYMENT_LIQUIDITY_ALREADY_POSTED);
    cr_expect_eq(payment_liquidity_withdrawal_resolve(e.l, w, false),
                 PAYMENT_LIQUIDITY_ALREADY_POSTED);
    cr_expect_eq(payment_liquidity_withdrawal_resolve(e.l, w2, false), PAYMENT_LIQUIDITY_OK);
    cr_expect_eq(payment_liquidity_withdrawal_resolve(e.l, w2, true),
                 PAYMENT_LIQUIDITY_ALREADY_VOIDED);
    cr_expect_eq(payment_liquidity_withdrawal_resolve(e.l, ac_id(77), true),
                 PAYMENT_LIQUIDITY_UNKNOWN_TRANSFER);
    cr_expect_eq(pay_withdraw(e.l, liq, w3, 10, 0), PAY_MOVE_OK, "no timeout: posted at once");
    cr_expect_eq(payment_liquidity_withdrawal_resolve(e.l, w3, true),
                 PAYMENT_LIQUIDITY_ALREADY_POSTED);
    cr_assert_eq(ledger_account_status(e.l, liq, &s), LEDGER_OK);
    cr_expect_eq(s.balance, 50);
    env_close(&e);
}

static peer_t *mk_peer(env_t *e, ledger_id_t asset, const char *addr)
{
    ledger_account_t pa = {.asset_id = asset, .kind = LEDGER_KIND_PEER};
    cr_assert_eq(ledger_account_create(e->l, &pa), LEDGER_OK);
    peer_t *p = peer_new();
    p->id = ledger_id_random();
    p->asset_id = asset;
    p->account_id = pa.id;
    snprintf(p->ilp_address, sizeof p->ilp_address, "%s", addr);
    cr_assert_eq(peers_db_insert(e->db, p, NULL, 0, NULL), PEERS_OK);
    return p;
}

static void ac_case_peers(const char *base)
{
    env_t e = env_open(base, "pa_peers");
    pay_asset_t a, b;
    cr_assert_eq(pay_asset_create(e.db, e.l, "USD", 2, NULL, NULL, &a), PAY_ASSET_OK);
    cr_assert_eq(pay_asset_create(e.db, e.l, "EUR", 2, NULL, NULL, &b), PAY_ASSET_OK);
    peer_t *p1 = mk_peer(&e, a.ledger.id, "test.alice");
    peer_t *p2 = mk_peer(&e, a.ledger.id, "test.alice.sub");
    peer_t *p3 = mk_peer(&e, b.ledger.id, "test.alice");
    ledger_id_t got;
    cr_assert_eq(peers_db_find_address(e.db, "test.alice", a.ledger.id, NULL, &got), PEERS_OK);
    cr_expect(got.lo == p1->id.lo && got.hi == p1->id.hi);
    cr_expect_eq(peers_db_find_address(e.db, "test.alice", a.ledger.id, &p1->id, &got),
                 PEERS_NOT_FOUND, "the peer itself is no duplicate of itself");
    peer_t *hop = NULL;
    cr_assert_eq(peers_db_next_hop(e.db, "test.alice.sub.x", a.ledger.id, &hop), PEERS_OK);
    cr_expect(hop->id.lo == p2->id.lo, "the longest prefix wins");
    peer_release(hop);
    cr_assert_eq(peers_db_next_hop(e.db, "test.alice.other", b.ledger.id, &hop), PEERS_OK);
    cr_expect(hop->id.lo == p3->id.lo, "the asset chooses");
    peer_release(hop);
    cr_expect_eq(peers_db_next_hop(e.db, "test.alicex", a.ledger.id, &hop), PEERS_NOT_FOUND,
                 "a prefix ends at a dot");
    const char *routes[] = {"test.alice", "test.zed"};
    peer_set_routes(p1, routes, 2);
    cr_assert_eq(peers_db_update(e.db, p1, NULL, 0, NULL), PEERS_OK);
    cr_assert_eq(peers_db_next_hop(e.db, "test.zed.x", a.ledger.id, &hop), PEERS_OK);
    cr_expect(hop->id.lo == p1->id.lo, "a route of the peer counts as its address does");
    peer_release(hop);
    bool used = false;
    cr_assert_eq(peers_db_asset_in_use(e.db, b.ledger.id, &used), PEERS_OK);
    cr_expect(used);
    /* pages: ascending from the start, then backward before the last */
    peer_t *page[4];
    size_t n = 0;
    cr_assert_eq(peers_db_page(e.db, true, false, NULL, page, 4, &n), PEERS_OK);
    cr_assert_eq(n, 3);
    ledger_id_t ids[3];
    for (size_t i = 0; i < n; i++) {
        ids[i] = page[i]->id;
        peer_release(page[i]);
    }
    cr_assert_eq(peers_db_page(e.db, true, true, &ids[2], page, 4, &n), PEERS_OK);
    cr_assert_eq(n, 2);
    cr_expect(page[0]->id.lo == ids[0].lo && page[1]->id.lo == ids[1].lo, "in the page's order");
    peer_release(page[0]);
    peer_release(page[1]);
    cr_assert_eq(peers_db_page(e.db, false, false, &ids[1], page, 4, &n), PEERS_OK);
    cr_assert_eq(n, 1);
    cr_expect(page[0]->id.lo == ids[0].lo);
    peer_release(page[0]);
    ledger_id_t nobody = ac_id(3);
    cr_assert_eq(peers_db_page(e.db, false, false, &nobody, page, 4, &n), PEERS_OK);
    cr_expect_eq(n, 0);
    peer_release(p1);
    peer_release(p2);
    peer_release(p3);
    env_close(&e);
}

static void ac_collect(const webhook_event_t *ev, void *user)
{
    json_array_append_new(user, json_string(ev->id));
}

/* The positions in ids of got's ids, joined by ',' (got is emptied). */
static void ac_expect_ids_(json_t *got, char ids[][37], const char *want, const char *why)
{
    char s[64] = "";
    size_t at = 0, i;
    json_t *v;
    json_array_foreach(got, i, v)
    {
        int pos = -1;
        for (int j = 0; j < 4; j++)
            if (strcmp(ids[j], json_string_value(v)) == 0)
                pos = j;
        int w = snprintf(s + at, sizeof s - at, "%s%d", i ? "," : "", pos);
        at += w > 0 ? (size_t)w : 0;
    }
    cr_expect_str_eq(s, want, "%s", why);
    json_array_clear(got);
}
#define ac_expect_ids(got, ids, want, ...) ac_expect_ids_(got, ids, want, "" __VA_ARGS__)

/* webhook_events_page: in / notIn filters and both directions around a cursor. */
static void ac_case_webhook_pages(const char *base)
{
    env_t e = env_open(base, "pa_whpage");
    const char *types[] = {"incoming_payment.created", "outgoing_payment.funded",
                           "incoming_payment.completed", "incoming_payment.expired"};
    char ids[4][37];
    db_err_t err = {0};
    for (int i = 0; i < 4; i++) {
        db_conn_t *c = db_acquire(e.db, DB_CONN_WRITE, &err);
        cr_assert_not_null(c);
        json_t *data = json_pack("{s:i}", "n", i);
        cr_assert_eq(db_begin(c, DB_TX_WRITE, &err), DB_OK);
        cr_assert_eq(webhook_event_add_id(c, types[i], "r", data, ids[i], &err), DB_OK, "%s",
                     err.msg);
        cr_assert_eq(db_commit(c, &err), DB_OK);
        json_decref(data);
        db_release(c);
    }
    const char *not_in[] = {"outgoing_payment.funded"};
    const char *in[] = {"incoming_payment.created", "incoming_payment.expired",
                        "outgoing_payment.funded"};
    webhook_types_t t = {.not_in = not_in, .n_not_in = 1};
    json_t *got = json_array();
    pay_keyset_t k = {.asc = true, .limit = 10};
    cr_assert_eq(webhook_events_page(e.db, &t, &k, ac_collect, got, &err), DB_OK, "%s", err.msg);
    ac_expect_ids(got, ids, "0,2,3");
    k = (pay_keyset_t){.asc = true, .backward = true, .has_cursor = true, .limit = 10};
    cr_assert_eq(ledger_id_parse(ids[3], 36, &k.cursor), 0);
    cr_assert_eq(webhook_events_page(e.db, &t, &k, ac_collect, got, &err), DB_OK);
    ac_expect_ids(got, ids, "2,0", "backward: nearest the cursor first");
    t = (webhook_types_t){.in = in, .n_in = 3, .not_in = not_in, .n_not_in = 1};
    k = (pay_keyset_t){.asc = false, .limit = 10};
    cr_assert_eq(webhook_events_page(e.db, &t, &k, ac_collect, got, &err), DB_OK);
    ac_expect_ids(got, ids, "3,0");
    t = (webhook_types_t){.in = in, .n_in = 0};
    cr_assert_eq(webhook_events_page(e.db, &t, &k, ac_collect, got, &err), DB_OK);
    ac_expect_ids(got, ids, "", "an empty in matches nothing");
    k = (pay_keyset_t){.asc = false, .has_cursor = true, .cursor = ac_id(5), .limit = 10};
    t = (webhook_types_t){0};
    cr_assert_eq(webhook_events_page(e.db, &t, &k, ac_collect, got, &err), DB_OK);
    ac_expect_ids(got, ids, "", "a cursor no event has");
    json_decref(got);
    env_close(&e);
}

#define ASSETS_CASES(suite, base_expr, skip_stmt)                                                  \
    Test(suite, asset_life)                                                                        \
    {                                                                                              \
        skip_stmt;                                                                                 \
        ac_case_life(base_expr);                                                                   \
    }                                                                                              \
    Test(suite, asset_in_use)                                                                      \
    {                                                                                              \
        skip_stmt;                                                                                 \
        ac_case_in_use(base_expr);                                                                 \
    }                                                                                              \
    Test(suite, asset_pages)                                                                       \
    {                                                                                              \
        skip_stmt;                                                                                 \
        ac_case_pages(base_expr);                                                                  \
    }                                                                                              \
    Test(suite, liquidity_moves)                                                                   \
    {                                                                                              \
        skip_stmt;                                                                                 \
        ac_case_moves(base_expr);                                                                  \
    }                                                                                              \
    Test(suite, peer_questions)                                                                    \
    {                                                                                              \
        skip_stmt;                                                                                 \
        ac_case_peers(base_expr);                                                                  \
    }                                                                                              \
    Test(suite, webhook_pages)                                                                     \
    {                                                                                              \
        skip_stmt;                                                                                 \
        ac_case_webhook_pages(base_expr);                                                          \
    }

#endif
