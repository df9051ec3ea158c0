/* payments/keyset.c (creation-order pages in memory), payments/assets.c (Rafiki's asset model:
 * thresholds, soft delete refused while in use, pages), payments/settlement.c (deposits and
 * withdrawals with Rafiki's transfer errors) and the peer questions of connector/peers.c the
 * GraphQL face asks, on SQLite with the real ledger. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "connector/peers.h"
#include "payments/assets.h"
#include "payments/keyset.h"
#include "payments/payment_liquidity.h"
#include "payments/settlement.h"
#include "payments_db.h"

static ledger_id_t id_n(uint64_t n)
{
    return (ledger_id_t){0, n};
}

/* keys 1..5 created at times 10,20,20,30,40 (ids 1..5): ascending order is 1,2,3,4,5 */
static void keys5(pay_key_t *k)
{
    int64_t t[] = {10, 20, 20, 30, 40};
    for (int i = 0; i < 5; i++)
        k[i] = (pay_key_t){t[i], id_n((uint64_t)i + 1)};
}

static void expect_ids(const pay_key_t *k, const size_t *pos, size_t n, const char *want)
{
    char got[64] = "";
    size_t at = 0;
    for (size_t i = 0; i < n && at < sizeof got; i++) {
        int w = snprintf(got + at, sizeof got - at, "%s%llu", i ? "," : "",
                         (unsigned long long)k[pos[i]].id.lo);
        at += w > 0 ? (size_t)w : 0;
    }
    cr_expect_str_eq(got, want);
}

Test(keyset, windows_in_four_directions)
{
    pay_key_t k[5];
    keys5(k);
    size_t pos[8], n;
    pay_keyset_t q = {.asc = true, .limit = 2};
    pay_keyset_window(k, 5, &q, pos, &n);
    expect_ids(k, pos, n, "1,2");
    q = (pay_keyset_t){.asc = true, .has_cursor = true, .cursor = id_n(2), .limit = 2};
    pay_keyset_window(k, 5, &q, pos, &n);
    expect_ids(k, pos, n, "3,4");
    q = (pay_keyset_t){.asc = false, .limit = 3};
    pay_keyset_window(k, 5, &q, pos, &n);
    expect_ids(k, pos, n, "5,4,3");
    q = (pay_keyset_t){.asc = false, .has_cursor = true, .cursor = id_n(3), .limit = 5};
    pay_keyset_window(k, 5, &q, pos, &n);
    expect_ids(k, pos, n, "2,1");
    q = (pay_keyset_t){
        .asc = true, .backward = true, .has_cursor = true, .cursor = id_n(4), .limit = 2};
    pay_keyset_window(k, 5, &q, pos, &n);
    expect_ids(k, pos, n, "2,3");
    q = (pay_keyset_t){
        .asc = false, .backward = true, .has_cursor = true, .cursor = id_n(2), .limit = 2};
    pay_keyset_window(k, 5, &q, pos, &n);
    expect_ids(k, pos, n, "4,3");
    q = (pay_keyset_t){.asc = true, .has_cursor = true, .cursor = id_n(99), .limit = 2};
    pay_keyset_window(k, 5, &q, pos, &n);
    cr_expect_eq(n, 0, "a cursor no row has: an empty page");
}

Test(keyset, sort_by_time_then_id)
{
    pay_key_t k[3] = {{30, id_n(1)}, {10, id_n(9)}, {10, id_n(2)}};
    size_t idx[3] = {0, 1, 2};
    pay_keys_sort(k, idx, 3);
    cr_expect_eq(idx[0], 2);
    cr_expect_eq(idx[1], 1);
    cr_expect_eq(idx[2], 0);
}

typedef struct {
    db_t *db;
    ledger_t *l;
} env_t;

static env_t env_open(const char *name)
{
    env_t e = {.db = bk_open("sqlite:", name)};
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

Test(pay_assets, create_duplicate_update_delete_revive)
{
    env_t e = env_open("pa_life");
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
    cr_expect_eq(pay_asset_update(e.db, e.l, id_n(7), NULL, NULL, &b), PAY_ASSET_NOT_FOUND);
    /* delete hides it from reads, not from code-and-scale; create brings it back */
    cr_assert_eq(pay_asset_delete(e.db, e.l, a.ledger.id, 1234, &b), PAY_ASSET_OK);
    cr_expect_eq(b.deleted_ms, 1234);
    cr_expect_eq(pay_asset_get(e.db, e.l, a.ledger.id, &b), PAY_ASSET_NOT_FOUND);
    cr_expect_eq(pay_asset_delete(e.db, e.l, a.ledger.id, 1, &b), PAY_ASSET_NOT_FOUND);
    cr_expect_eq(pay_asset_by_code(e.db, e.l, "USD", 2, &b), PAY_ASSET_OK);
    cr_expect_eq(pay_asset_by_code(e.db, e.l, "USD", 3, &b), PAY_ASSET_NOT_FOUND);
    cr_assert_eq(pay_asset_create(e.db, e.l, "USD", 2, NULL, NULL, &b), PAY_ASSET_OK);
    cr_expect(b.ledger.id.hi == a.ledger.id.hi && b.ledger.id.lo == a.ledger.id.lo,
              "the same asset is back");
    cr_expect_eq(pay_asset_get(e.db, e.l, a.ledger.id, &b), PAY_ASSET_OK);
    env_close(&e);
}

Test(pay_assets, delete_refused_while_in_use)
{
    env_t e = env_open("pa_inuse");
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

Test(pay_assets, pages_skip_deleted)
{
    env_t e = env_open("pa_page");
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

Test(settlement, deposit_withdraw_post_void)
{
    env_t e = env_open("pa_moves");
    pay_asset_t a;
    cr_assert_eq(pay_asset_create(e.db, e.l, "XRP", 6, NULL, NULL, &a), PAY_ASSET_OK);
    ledger_id_t liq = a.ledger.liquidity_account_id, d = ledger_id_random();
    cr_expect_eq(pay_deposit(e.l, liq, d, 0), PAY_MOVE_INVALID_AMOUNT);
    cr_expect_eq(pay_deposit(e.l, liq, d, 100), PAY_MOVE_OK);
    cr_expect_eq(pay_deposit(e.l, liq, d, 100), PAY_MOVE_TRANSFER_EXISTS, "the same id again");
    cr_expect_eq(pay_deposit(e.l, id_n(5), ledger_id_random(), 1), PAY_MOVE_UNKNOWN_ACCOUNT);
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
    cr_expect_eq(payment_liquidity_withdrawal_resolve(e.l, id_n(77), true),
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

Test(peers_gql, address_next_hop_and_pages)
{
    env_t e = env_open("pa_peers");
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
    ledger_id_t nobody = id_n(3);
    cr_assert_eq(peers_db_page(e.db, false, false, &nobody, page, 4, &n), PEERS_OK);
    cr_expect_eq(n, 0);
    peer_release(p1);
    peer_release(p2);
    peer_release(p3);
    env_close(&e);
}
