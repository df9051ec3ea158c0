/*
 * Ledger tests written once and run on every database: tests/unit/ledger/ledger_sqlite_test.c
 * runs them on a temporary SQLite file, tests/integration/ledger_pg_test.c on TEST_POSTGRES_URL.
 * The including file defines LC_OPEN_URL(buf, cap) (returns 0, or -1 to skip) and the suite.
 */
#ifndef RAFIKI_TESTS_LEDGER_CASES_H
#define RAFIKI_TESTS_LEDGER_CASES_H

#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/rand.h"
#include "ledger/ledger.h"
#include "ledger/lstore.h"
#include "store/db.h"

typedef struct {
    db_t *db;
    ledger_t *l;
    ledger_asset_t usd, eur;
    char url[512];
} lc_env_t;

static int lc_url(char *buf, size_t cap);

static db_t *lc_db_open(const char *url)
{
    db_err_t err;
    db_opts_t o = {.pool_size = 4, .busy_timeout_ms = 5000, .sqlite_sync_normal = true};
    db_t *db = db_open_opts(url, &o, &err);
    cr_assert_not_null(db, "db_open %s: %s", url, err.msg);
    char dir[512];
    cr_assert_eq(db_sql_dir(dir, sizeof dir), 0);
    cr_assert_eq(db_migrate(db, dir, NULL, &err), DB_OK, "migrate: %s", err.msg);
    return db;
}

static void lc_random_code(char *out)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    uint64_t r = rand_u64();
    for (int i = 0; i < 10; i++) {
        out[i] = abc[r % 26];
        r /= 26;
    }
    out[10] = '\0';
}

static ledger_asset_t lc_asset(ledger_t *l)
{
    ledger_asset_t a = {.scale = 2};
    lc_random_code(a.code);
    cr_assert_eq(ledger_asset_create(l, &a), LEDGER_OK);
    return a;
}

static bool lc_setup(lc_env_t *e, const ledger_opts_t *opts)
{
    memset(e, 0, sizeof *e);
    log_set_level(LOG_WARN);
    if (lc_url(e->url, sizeof e->url) != 0)
        return false;
    e->db = lc_db_open(e->url);
    db_err_t err;
    e->l = ledger_open(e->db, opts, &err);
    cr_assert_not_null(e->l, "ledger_open: %s", err.msg);
    e->usd = lc_asset(e->l);
    e->eur = lc_asset(e->l);
    return true;
}

static void lc_teardown(lc_env_t *e)
{
    ledger_close(e->l);
    db_close(e->db);
}

static ledger_id_t lc_account(ledger_t *l, const ledger_asset_t *a, int64_t min)
{
    ledger_account_t acct = {.asset_id = a->id, .kind = LEDGER_KIND_WALLET, .min_balance = min};
    cr_assert_eq(ledger_account_create(l, &acct), LEDGER_OK);
    return acct.id;
}

static ledger_op_t lc_xfer(ledger_id_t dr, ledger_id_t cr, uint64_t amount)
{
    return (ledger_op_t){.kind = LEDGER_OP_CREATE,
                         .id = ledger_id_random(),
                         .debit_account_id = dr,
                         .credit_account_id = cr,
                         .amount = amount};
}

static ledger_result_t lc_exec1(ledger_t *l, ledger_op_t op)
{
    ledger_result_t r = LEDGER_RESULT_COUNT;
    cr_assert_eq(ledger_transfers_execute(l, &op, 1, &r), LEDGER_OK);
    return r;
}

static int64_t lc_balance(ledger_t *l, ledger_id_t id)
{
    ledger_status_t st;
    cr_assert_eq(ledger_account_status(l, id, &st), LEDGER_OK);
    return st.balance;
}

/* Every account's stored counters equal the sums over its transfer rows, and per asset debits
 * equal credits: nothing is half-applied. Transfer rows carry 16-byte account ids and accounts
 * text ids, so the sums are made here in C. */
typedef struct {
    ledger_id_t id, asset;
    int64_t stored[4]; /* debits_posted, credits_posted, debits_pending, credits_pending */
    int64_t summed[4];
    int64_t min;
    bool no_min;
} lc_inv_t;

static int lc_inv_cmp(const void *a, const void *b)
{
    return ledger_id_cmp(((const lc_inv_t *)a)->id, ((const lc_inv_t *)b)->id);
}

static int lc_inv_asset_cmp(const void *a, const void *b)
{
    return ledger_id_cmp(((const lc_inv_t *)a)->asset, ((const lc_inv_t *)b)->asset);
}

static ledger_id_t lc_blob_id(db_stmt_t *st, int col)
{
    size_t n = 0;
    const uint8_t *p = db_col_blob(st, col, &n);
    cr_assert_eq(n, 16, "transfer id columns are 16 bytes");
    ledger_id_t id = {0, 0};
    for (int i = 0; i < 8; i++) {
        id.hi = id.hi << 8 | p[i];
        id.lo = id.lo << 8 | p[8 + i];
    }
    return id;
}

static lc_inv_t *lc_inv_find(lc_inv_t *v, size_t n, ledger_id_t id)
{
    lc_inv_t key = {.id = id};
    lc_inv_t *f = bsearch(&key, v, n, sizeof *v, lc_inv_cmp);
    cr_assert_not_null(f, "a transfer names an unknown account");
    return f;
}

static void lc_check_invariants(db_t *db)
{
    db_err_t err;
    db_conn_t *c = db_acquire(db, DB_CONN_READ, &err);
    cr_assert_not_null(c);
    /* one snapshot for both reads: other tests commit transfers meanwhile (SQLite: a read
     * transaction is a snapshot; Postgres: only at REPEATABLE READ, not its default) */
    cr_assert_eq(db_begin(c, DB_TX_READ, &err), DB_OK);
    if (db_conn_kind(c) == DB_POSTGRES)
        cr_assert_eq(db_exec(c, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", &err), DB_OK,
                     "%s", err.msg);
    db_stmt_t *st =
        db_prepare(c,
                   "SELECT id, asset_id, debits_posted, credits_posted, debits_pending, "
                   "credits_pending, min_balance, no_min_balance FROM accounts_v",
                   &err);
    cr_assert_not_null(st, "%s", err.msg);
    size_t n = 0, cap = 64;
    lc_inv_t *v = malloc(cap * sizeof *v);
    db_rc_t rc;
    while ((rc = db_step(st, &err)) == DB_ROW) {
        if (n == cap)
            v = realloc(v, (cap *= 2) * sizeof *v);
        lc_inv_t *a = &v[n++];
        memset(a, 0, sizeof *a);
        const char *id = db_col_text(st, 0, NULL), *asset = db_col_text(st, 1, NULL);
        cr_assert_eq(ledger_id_parse(id, strlen(id), &a->id), 0);
        cr_assert_eq(ledger_id_parse(asset, strlen(asset), &a->asset), 0);
        for (int k = 0; k < 4; k++)
            a->stored[k] = db_col_i64(st, 2 + k);
        a->min = db_col_i64(st, 6);
        a->no_min = db_col_bool(st, 7);
    }
    cr_assert_eq(rc, DB_DONE, "%s", err.msg);
    qsort(v, n, sizeof *v, lc_inv_cmp);
    st = db_prepare(c,
                    "SELECT debit_account_id, credit_account_id, amount, posted_amount, state "
                    "FROM transfers",
                    &err);
    cr_assert_not_null(st, "%s", err.msg);
    while ((rc = db_step(st, &err)) == DB_ROW) {
        lc_inv_t *d = lc_inv_find(v, n, lc_blob_id(st, 0));
        lc_inv_t *k = lc_inv_find(v, n, lc_blob_id(st, 1));
        cr_assert(ledger_id_eq(d->asset, k->asset), "a transfer across assets");
        d->summed[0] += db_col_i64(st, 3);
        k->summed[1] += db_col_i64(st, 3);
        if (db_col_i64(st, 4) == LEDGER_STATE_PENDING) {
            d->summed[2] += db_col_i64(st, 2);
            k->summed[3] += db_col_i64(st, 2);
        }
    }
    cr_assert_eq(rc, DB_DONE, "%s", err.msg);
    db_rollback(c);
    db_release(c);
    for (size_t i = 0; i < n; i++) {
        char idstr[LEDGER_ID_STR_LEN + 1];
        ledger_id_format(v[i].id, idstr);
        for (int k = 0; k < 4; k++)
            cr_assert_eq(v[i].stored[k], v[i].summed[k],
                         "account %s counter %d: stored %lld, transfers say %lld", idstr, k,
                         (long long)v[i].stored[k], (long long)v[i].summed[k]);
        int64_t bal = v[i].stored[1] - v[i].stored[0] - v[i].stored[2];
        if (!v[i].no_min)
            cr_assert_geq(bal, v[i].min, "account %s past its minimum", idstr);
    }
    /* per asset, debits equal credits (posted and pending) */
    qsort(v, n, sizeof *v, lc_inv_asset_cmp);
    for (size_t i = 0; i < n;) {
        int64_t posted = 0, pending = 0;
        size_t j = i;
        for (; j < n && ledger_id_eq(v[j].asset, v[i].asset); j++) {
            posted += v[j].stored[0] - v[j].stored[1];
            pending += v[j].stored[2] - v[j].stored[3];
        }
        cr_assert_eq(posted, 0, "posted not conserved");
        cr_assert_eq(pending, 0, "pending not conserved");
        i = j;
    }
    free(v);
}

/* ---- cases ---- */

static void lc_case_assets_and_accounts(lc_env_t *e)
{
    ledger_t *l = e->l;
    ledger_asset_t again = e->usd;
    cr_assert_eq(ledger_asset_create(l, &again), LEDGER_EXISTS);
    cr_assert(ledger_id_eq(again.settlement_account_id, e->usd.settlement_account_id));
    again.scale = 3;
    cr_assert_eq(ledger_asset_create(l, &again), LEDGER_EXISTS_WITH_DIFFERENT_FIELDS);
    ledger_asset_t dup = {.scale = e->usd.scale};
    memcpy(dup.code, e->usd.code, sizeof dup.code);
    cr_assert_eq(ledger_asset_create(l, &dup), LEDGER_ASSET_EXISTS_WITH_SAME_CODE_AND_SCALE);
    ledger_asset_t bad = {.code = "U$D"};
    cr_assert_eq(ledger_asset_create(l, &bad), LEDGER_ASSET_CODE_INVALID);

    ledger_account_t s;
    cr_assert_eq(ledger_account_get(l, e->usd.settlement_account_id, &s), LEDGER_OK);
    cr_assert_eq(s.kind, LEDGER_KIND_SETTLEMENT);
    cr_assert(s.no_min_balance);

    ledger_account_t w = {.asset_id = e->usd.id, .kind = LEDGER_KIND_WALLET};
    cr_assert_eq(ledger_account_create(l, &w), LEDGER_OK);
    ledger_account_t w2 = w;
    cr_assert_eq(ledger_account_create(l, &w2), LEDGER_EXISTS);
    w2.min_balance = -5;
    cr_assert_eq(ledger_account_create(l, &w2), LEDGER_EXISTS_WITH_DIFFERENT_FIELDS);

    ledger_account_t sub = {.asset_id = e->usd.id, .parent_id = w.id, .kind = LEDGER_KIND_INVOICE};
    cr_assert_eq(ledger_account_create(l, &sub), LEDGER_OK);
    ledger_account_t bad_sub = {
        .asset_id = e->eur.id, .parent_id = w.id, .kind = LEDGER_KIND_MANDATE};
    cr_assert_eq(ledger_account_create(l, &bad_sub), LEDGER_PARENT_MUST_HAVE_THE_SAME_LEDGER);
    bad_sub = (ledger_account_t){
        .asset_id = e->usd.id, .parent_id = ledger_id_random(), .kind = LEDGER_KIND_MANDATE};
    cr_assert_eq(ledger_account_create(l, &bad_sub), LEDGER_PARENT_NOT_FOUND);
    bad_sub = (ledger_account_t){.asset_id = ledger_id_random(), .kind = LEDGER_KIND_PEER};
    cr_assert_eq(ledger_account_create(l, &bad_sub), LEDGER_ASSET_NOT_FOUND);
    bad_sub = (ledger_account_t){.asset_id = e->usd.id, .kind = LEDGER_KIND_SETTLEMENT};
    cr_assert_eq(ledger_account_create(l, &bad_sub), LEDGER_ACCOUNT_KIND_INVALID);
    bad_sub = (ledger_account_t){.asset_id = e->usd.id,
                                 .kind = LEDGER_KIND_PEER,
                                 .min_balance = 10,
                                 .has_max_balance = true,
                                 .max_balance = 5};
    cr_assert_eq(ledger_account_create(l, &bad_sub), LEDGER_MIN_BALANCE_ABOVE_MAX_BALANCE);
    bad_sub = (ledger_account_t){
        .asset_id = e->usd.id, .kind = LEDGER_KIND_PEER, .ilp_address = "g..bad"};
    cr_assert_eq(ledger_account_create(l, &bad_sub), LEDGER_ILP_ADDRESS_INVALID);

    char addr[64];
    char idstr[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(ledger_id_random(), idstr);
    snprintf(addr, sizeof addr, "test.peer-%.8s", idstr);
    ledger_account_t peer = {.asset_id = e->usd.id,
                             .kind = LEDGER_KIND_PEER,
                             .min_balance = -1000,
                             .max_packet_amount = 500,
                             .stream_enabled = true};
    memcpy(peer.ilp_address, addr, strlen(addr) + 1);
    cr_assert_eq(ledger_account_create(l, &peer), LEDGER_OK);
    ledger_account_t peer2 = {.asset_id = e->usd.id, .kind = LEDGER_KIND_PEER};
    memcpy(peer2.ilp_address, addr, strlen(addr) + 1);
    cr_assert_eq(ledger_account_create(l, &peer2), LEDGER_ILP_ADDRESS_TAKEN);
    ledger_account_t got;
    cr_assert_eq(ledger_account_get(l, peer.id, &got), LEDGER_OK);
    cr_assert_str_eq(got.ilp_address, addr);
    cr_assert_eq(got.max_packet_amount, 500);
    cr_assert(got.stream_enabled);
    cr_assert_eq(got.min_balance, -1000);
    cr_assert_eq(ledger_account_get(l, ledger_id_random(), &got), LEDGER_ACCOUNT_NOT_FOUND);

    ledger_account_t list[4];
    size_t n = 0;
    ledger_account_filter_t subs = {.parent_id = w.id};
    cr_assert_eq(ledger_account_list(l, &subs, (ledger_id_t){0, 0}, list, 4, &n), LEDGER_OK);
    cr_assert_eq(n, 1);
    cr_assert(ledger_id_eq(list[0].id, sub.id));
}

static void lc_case_transfers_and_status(lc_env_t *e)
{
    ledger_t *l = e->l;
    ledger_id_t S = e->usd.settlement_account_id;
    ledger_id_t a = lc_account(l, &e->usd, 0), b = lc_account(l, &e->usd, 0);
    ledger_id_t x = lc_account(l, &e->eur, 0);
    ledger_op_t dep = lc_xfer(S, a, 1000);
    cr_assert_eq(lc_exec1(l, dep), LEDGER_OK);
    cr_assert_eq(lc_exec1(l, dep), LEDGER_EXISTS); /* idempotent across batches */
    dep.amount = 999;
    cr_assert_eq(lc_exec1(l, dep), LEDGER_EXISTS_WITH_DIFFERENT_AMOUNT);
    dep.amount = 1000;
    dep.debit_account_id = b;
    cr_assert_eq(lc_exec1(l, dep), LEDGER_EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT_ID);
    cr_assert_eq(lc_balance(l, a), 1000);
    cr_assert_eq(lc_balance(l, S), -1000);

    cr_assert_eq(lc_exec1(l, lc_xfer(a, b, 1001)), LEDGER_EXCEEDS_CREDITS);
    cr_assert_eq(lc_exec1(l, lc_xfer(a, x, 1)), LEDGER_ACCOUNTS_MUST_HAVE_THE_SAME_LEDGER);
    cr_assert_eq(lc_exec1(l, lc_xfer(a, ledger_id_random(), 1)), LEDGER_CREDIT_ACCOUNT_NOT_FOUND);
    cr_assert_eq(lc_exec1(l, lc_xfer(ledger_id_random(), a, 1)), LEDGER_DEBIT_ACCOUNT_NOT_FOUND);
    cr_assert_eq(lc_exec1(l, lc_xfer(a, a, 1)), LEDGER_ACCOUNTS_MUST_BE_DIFFERENT);
    cr_assert_eq(lc_exec1(l, lc_xfer(a, b, 0)), LEDGER_AMOUNT_MUST_NOT_BE_ZERO);

    /* two-phase */
    ledger_op_t h = lc_xfer(a, b, 300);
    h.flags = LEDGER_F_PENDING;
    h.timeout_ms = 60000;
    cr_assert_eq(lc_exec1(l, h), LEDGER_OK);
    ledger_status_t st;
    cr_assert_eq(ledger_account_status(l, a, &st), LEDGER_OK);
    cr_assert_eq(st.balance, 700);
    cr_assert_eq(st.debits_pending, 300);
    cr_assert_eq(st.available, 700);
    ledger_op_t post = {.kind = LEDGER_OP_POST_PENDING, .pending_id = h.id};
    cr_assert_eq(lc_exec1(l, post), LEDGER_OK);
    cr_assert_eq(lc_exec1(l, post), LEDGER_PENDING_TRANSFER_ALREADY_POSTED);
    ledger_op_t vd = {.kind = LEDGER_OP_VOID_PENDING, .pending_id = h.id};
    cr_assert_eq(lc_exec1(l, vd), LEDGER_PENDING_TRANSFER_ALREADY_POSTED);
    cr_assert_eq(ledger_account_status(l, b, &st), LEDGER_OK);
    cr_assert_eq(st.balance, 300);
    cr_assert_eq(st.total_received, 300);
    h.id = ledger_id_random();
    cr_assert_eq(lc_exec1(l, h), LEDGER_OK);
    vd.pending_id = h.id;
    cr_assert_eq(lc_exec1(l, vd), LEDGER_OK);
    cr_assert_eq(lc_exec1(l, vd), LEDGER_PENDING_TRANSFER_ALREADY_VOIDED);
    cr_assert_eq(lc_balance(l, a), 700);
    ledger_transfer_t t;
    cr_assert_eq(ledger_transfer_get(l, h.id, &t), LEDGER_OK);
    cr_assert_eq(t.state, LEDGER_STATE_VOIDED);
    cr_assert_eq(ledger_transfer_get(l, ledger_id_random(), &t), LEDGER_TRANSFER_NOT_FOUND);
    cr_assert_eq(lc_exec1(l, (ledger_op_t){.kind = LEDGER_OP_POST_PENDING,
                                           .pending_id = ledger_id_random()}),
                 LEDGER_PENDING_TRANSFER_NOT_FOUND);
    cr_assert_eq(lc_exec1(l, (ledger_op_t){.kind = LEDGER_OP_POST_PENDING, .pending_id = dep.id}),
                 LEDGER_PENDING_TRANSFER_NOT_PENDING);

    /* limits change through update; the batcher sees the new limit at once */
    ledger_account_t acct;
    cr_assert_eq(ledger_account_get(l, a, &acct), LEDGER_OK);
    acct.min_balance = 600;
    ledger_result_t ur = ledger_account_update(l, &acct);
    cr_assert_eq(ur, LEDGER_OK, "update: %s", ledger_result_str(ur));
    cr_assert_eq(lc_exec1(l, lc_xfer(a, b, 101)), LEDGER_EXCEEDS_CREDITS);
    cr_assert_eq(lc_exec1(l, lc_xfer(a, b, 100)), LEDGER_OK);
    cr_assert_eq(ledger_account_status(l, a, &st), LEDGER_OK);
    cr_assert_eq(st.available, 0);
    acct.has_max_balance = true;
    acct.max_balance = 650;
    cr_assert_eq(ledger_account_update(l, &acct), LEDGER_OK);
    cr_assert_eq(lc_exec1(l, lc_xfer(b, a, 51)), LEDGER_EXCEEDS_DEBITS);
    acct.id = ledger_id_random();
    cr_assert_eq(ledger_account_update(l, &acct), LEDGER_ACCOUNT_NOT_FOUND);
    lc_check_invariants(e->db);
}

/* Three fresh USD wallets; a holds 100 from the settlement account. */
static void lc_trio(lc_env_t *e, ledger_id_t *a, ledger_id_t *b, ledger_id_t *c)
{
    *a = lc_account(e->l, &e->usd, 0);
    *b = lc_account(e->l, &e->usd, 0);
    *c = lc_account(e->l, &e->usd, 0);
    cr_assert_eq(lc_exec1(e->l, lc_xfer(e->usd.settlement_account_id, *a, 100)), LEDGER_OK);
}

static void lc_case_linked_rollback(lc_env_t *e)
{
    ledger_t *l = e->l;
    ledger_id_t a, b, c;
    lc_trio(e, &a, &b, &c);
    ledger_op_t ops[3] = {lc_xfer(a, b, 70), lc_xfer(b, c, 70), lc_xfer(a, c, 31)};
    ops[0].flags = ops[1].flags = LEDGER_F_LINKED;
    ledger_result_t r[3];
    cr_assert_eq(ledger_transfers_execute(l, ops, 3, r), LEDGER_OK);
    cr_assert_eq(r[0], LEDGER_LINKED_EVENT_FAILED);
    cr_assert_eq(r[1], LEDGER_LINKED_EVENT_FAILED);
    cr_assert_eq(r[2], LEDGER_EXCEEDS_CREDITS);
    cr_assert_eq(lc_balance(l, a), 100);
    cr_assert_eq(lc_balance(l, b), 0);
    ledger_transfer_t t;
    cr_assert_eq(ledger_transfer_get(l, ops[0].id, &t), LEDGER_TRANSFER_NOT_FOUND);
    ops[2].amount = 30;
    cr_assert_eq(ledger_transfers_execute(l, ops, 3, r), LEDGER_OK);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(r[i], LEDGER_OK);
    cr_assert_eq(lc_balance(l, a), 0);
    cr_assert_eq(lc_balance(l, c), 100);
    /* open chain */
    ledger_op_t open = lc_xfer(c, a, 1);
    open.flags = LEDGER_F_LINKED;
    cr_assert_eq(lc_exec1(l, open), LEDGER_LINKED_EVENT_CHAIN_OPEN);
    lc_check_invariants(e->db);
}

static void lc_case_expiry_and_sweeper(lc_env_t *e)
{
    ledger_t *l = e->l;
    ledger_id_t S = e->usd.settlement_account_id;
    ledger_id_t a = lc_account(l, &e->usd, 0), b = lc_account(l, &e->usd, 0);
    cr_assert_eq(lc_exec1(l, lc_xfer(S, a, 100)), LEDGER_OK);
    ledger_op_t h = lc_xfer(a, b, 40);
    h.flags = LEDGER_F_PENDING;
    h.timeout_ms = 30;
    cr_assert_eq(lc_exec1(l, h), LEDGER_OK);
    cr_assert_eq(lc_balance(l, a), 60);
    usleep(60 * 1000);
    ledger_op_t post = {.kind = LEDGER_OP_POST_PENDING, .pending_id = h.id};
    cr_assert_eq(lc_exec1(l, post), LEDGER_PENDING_TRANSFER_EXPIRED);
    size_t n = 0;
    cr_assert_eq(ledger_sweep_expired(l, 100, &n), LEDGER_OK);
    cr_assert_geq(n, 1);
    cr_assert_eq(lc_balance(l, a), 100);
    ledger_transfer_t t;
    cr_assert_eq(ledger_transfer_get(l, h.id, &t), LEDGER_OK);
    cr_assert_eq(t.state, LEDGER_STATE_EXPIRED);
    cr_assert_eq(lc_exec1(l, post), LEDGER_PENDING_TRANSFER_EXPIRED);
    lc_check_invariants(e->db);
}

static void lc_case_history(lc_env_t *e)
{
    ledger_t *l = e->l;
    ledger_id_t S = e->usd.settlement_account_id;
    ledger_id_t a = lc_account(l, &e->usd, 0), b = lc_account(l, &e->usd, 0);
    ledger_id_t ids[25];
    for (int i = 0; i < 25; i++) {
        ledger_op_t op = i % 2 ? lc_xfer(a, b, 1) : lc_xfer(S, a, 2);
        ids[i] = op.id;
        cr_assert_eq(lc_exec1(l, op), LEDGER_OK);
    }
    char cursor[LEDGER_CURSOR_LEN] = "";
    ledger_transfer_t page[10];
    int seen = 0;
    for (int p = 0; p < 5; p++) {
        size_t n = 0;
        char next[LEDGER_CURSOR_LEN];
        cr_assert_eq(ledger_account_transfers(l, a, cursor, page, 10, &n, next), LEDGER_OK);
        for (size_t i = 0; i < n; i++, seen++)
            cr_assert(ledger_id_eq(page[i].id, ids[24 - seen]), "newest first, page %d", p);
        if (!next[0])
            break;
        memcpy(cursor, next, sizeof cursor);
    }
    cr_assert_eq(seen, 25);
    size_t n;
    char next[LEDGER_CURSOR_LEN];
    cr_assert_eq(ledger_account_transfers(l, a, "12x.abc", page, 10, &n, next),
                 LEDGER_CURSOR_INVALID);
}

/* ---- property test: random ops against an independent in-memory model ---- */

typedef struct {
    ledger_id_t id;
    int asset;
    int64_t min;
    bool no_min;
    uint64_t dp, dpo, cp, cpo;
} lm_acct_t;

typedef struct {
    ledger_id_t id;
    int dr, cr;
    uint64_t amount;
    bool pending;
    int state; /* 0 posted, 1 pending, 2 voided */
} lm_xfer_t;

#define LM_ACCTS 6
#define LM_MAX_X 256

typedef struct {
    lm_acct_t a[LM_ACCTS];
    lm_xfer_t x[LM_MAX_X];
    int nx;
} lm_t;

static uint64_t lm_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static int lm_find(lm_t *m, ledger_id_t id)
{
    for (int i = 0; i < m->nx; i++)
        if (ledger_id_eq(m->x[i].id, id))
            return i;
    return -1;
}

static int lm_acct(lm_t *m, ledger_id_t id)
{
    for (int i = 0; i < LM_ACCTS; i++)
        if (ledger_id_eq(m->a[i].id, id))
            return i;
    return -1;
}

/* The model's rules, written plainly: the expected result of one unlinked op. */
static ledger_result_t lm_apply(lm_t *m, const ledger_op_t *op)
{
    if (op->kind == LEDGER_OP_CREATE) {
        int k = lm_find(m, op->id);
        if (k >= 0) {
            lm_xfer_t *t = &m->x[k];
            if (t->pending != ((op->flags & LEDGER_F_PENDING) != 0))
                return LEDGER_EXISTS_WITH_DIFFERENT_FLAGS;
            if (!ledger_id_eq(m->a[t->dr].id, op->debit_account_id))
                return LEDGER_EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT_ID;
            if (!ledger_id_eq(m->a[t->cr].id, op->credit_account_id))
                return LEDGER_EXISTS_WITH_DIFFERENT_CREDIT_ACCOUNT_ID;
            return t->amount == op->amount ? LEDGER_EXISTS : LEDGER_EXISTS_WITH_DIFFERENT_AMOUNT;
        }
        int d = lm_acct(m, op->debit_account_id), c = lm_acct(m, op->credit_account_id);
        if (d == c)
            return LEDGER_ACCOUNTS_MUST_BE_DIFFERENT;
        if (op->amount == 0)
            return LEDGER_AMOUNT_MUST_NOT_BE_ZERO;
        if (m->a[d].asset != m->a[c].asset)
            return LEDGER_ACCOUNTS_MUST_HAVE_THE_SAME_LEDGER;
        lm_acct_t *D = &m->a[d], *C = &m->a[c];
        int64_t bal = (int64_t)D->cpo - (int64_t)D->dpo - (int64_t)D->dp - (int64_t)op->amount;
        if (!D->no_min && bal < D->min)
            return LEDGER_EXCEEDS_CREDITS;
        bool pending = op->flags & LEDGER_F_PENDING;
        if (pending) {
            D->dp += op->amount;
            C->cp += op->amount;
        } else {
            D->dpo += op->amount;
            C->cpo += op->amount;
        }
        cr_assert_lt(m->nx, LM_MAX_X);
        m->x[m->nx++] = (lm_xfer_t){op->id, d, c, op->amount, pending, pending ? 1 : 0};
        return LEDGER_OK;
    }
    int k = lm_find(m, op->pending_id);
    if (k < 0)
        return LEDGER_PENDING_TRANSFER_NOT_FOUND;
    lm_xfer_t *t = &m->x[k];
    if (!t->pending)
        return LEDGER_PENDING_TRANSFER_NOT_PENDING;
    if (t->state == 0)
        return LEDGER_PENDING_TRANSFER_ALREADY_POSTED;
    if (t->state == 2)
        return LEDGER_PENDING_TRANSFER_ALREADY_VOIDED;
    m->a[t->dr].dp -= t->amount;
    m->a[t->cr].cp -= t->amount;
    if (op->kind == LEDGER_OP_POST_PENDING) {
        m->a[t->dr].dpo += t->amount;
        m->a[t->cr].cpo += t->amount;
        t->state = 0;
    } else {
        t->state = 2;
    }
    return LEDGER_OK;
}

static ledger_op_t lm_gen(lm_t *m, uint64_t *s)
{
    uint64_t r = lm_rand(s);
    ledger_op_t op = {0};
    int kind = (int)(r % 10);
    if (kind < 6 || m->nx == 0) {
        int d = (int)(lm_rand(s) % LM_ACCTS), c = (int)(lm_rand(s) % LM_ACCTS);
        op = lc_xfer(m->a[d].id, m->a[c].id, lm_rand(s) % 60);
        if (lm_rand(s) % 3 == 0)
            op.flags = LEDGER_F_PENDING;
        if (m->nx && lm_rand(s) % 8 == 0) /* a retry, maybe with a changed body */
            op.id = m->x[lm_rand(s) % (uint64_t)m->nx].id;
    } else {
        op.kind = kind < 8 ? LEDGER_OP_POST_PENDING : LEDGER_OP_VOID_PENDING;
        op.pending_id = m->x[lm_rand(s) % (uint64_t)m->nx].id;
    }
    return op;
}

static void lm_init(lm_t *m, ledger_t *l, const ledger_asset_t *usd, const ledger_asset_t *eur)
{
    memset(m, 0, sizeof *m);
    for (int i = 0; i < LM_ACCTS; i++) {
        const ledger_asset_t *as = i < 4 ? usd : eur;
        lm_acct_t *a = &m->a[i];
        a->asset = i < 4 ? 0 : 1;
        if (i == 0 || i == 4) {
            a->id = as->settlement_account_id;
            a->no_min = true;
        } else {
            a->min = i == 2 ? -100 : 0;
            a->id = lc_account(l, as, a->min);
        }
    }
}

/* Runs `seeds` random sequences of `steps` ops (each its own submission, in random-sized
 * groups) and compares every result and every counter with the model. */
static void lc_case_property(lc_env_t *e, int seeds, int steps)
{
    for (int seed = 1; seed <= seeds; seed++) {
        ledger_asset_t usd = lc_asset(e->l), eur = lc_asset(e->l);
        lm_t m;
        lm_init(&m, e->l, &usd, &eur);
        uint64_t s = 0x9E3779B97F4A7C15ull * (uint64_t)seed;
        for (int i = 0; i < steps;) {
            ledger_op_t ops[8];
            ledger_result_t want[8], got[8];
            int n = 1 + (int)(lm_rand(&s) % 8);
            for (int k = 0; k < n; k++) {
                ops[k] = lm_gen(&m, &s);
                want[k] = lm_apply(&m, &ops[k]);
            }
            cr_assert_eq(ledger_transfers_execute(e->l, ops, (size_t)n, got), LEDGER_OK);
            for (int k = 0; k < n; k++)
                cr_assert_eq(got[k], want[k], "seed %d step %d: got %s want %s", seed, i + k,
                             ledger_result_str(got[k]), ledger_result_str(want[k]));
            i += n;
        }
        for (int i = 0; i < LM_ACCTS; i++) {
            ledger_account_t a;
            cr_assert_eq(ledger_account_get(e->l, m.a[i].id, &a), LEDGER_OK);
            cr_assert_eq(a.counters.debits_pending, m.a[i].dp, "seed %d", seed);
            cr_assert_eq(a.counters.debits_posted, m.a[i].dpo, "seed %d", seed);
            cr_assert_eq(a.counters.credits_pending, m.a[i].cp, "seed %d", seed);
            cr_assert_eq(a.counters.credits_posted, m.a[i].cpo, "seed %d", seed);
        }
    }
    lc_check_invariants(e->db);
}

/* ---- concurrency: 8 threads on 3 hot accounts ---- */

typedef struct {
    ledger_t *l;
    ledger_id_t acct[3];
    uint64_t seed;
    int64_t delta[3]; /* what this thread's accepted transfers did to each account */
    int ok, rejected;
} lc_worker_t;

static void *lc_worker(void *arg)
{
    lc_worker_t *w = arg;
    for (int i = 0; i < 300; i++) {
        ledger_op_t ops[4];
        ledger_result_t r[4];
        int d[4], c[4];
        for (int k = 0; k < 4; k++) {
            d[k] = (int)(lm_rand(&w->seed) % 3);
            c[k] = (d[k] + 1 + (int)(lm_rand(&w->seed) % 2)) % 3;
            ops[k] = lc_xfer(w->acct[d[k]], w->acct[c[k]], 1 + lm_rand(&w->seed) % 40);
        }
        if (ledger_transfers_execute(w->l, ops, 4, r) != LEDGER_OK)
            return (void *)1;
        for (int k = 0; k < 4; k++) {
            if (r[k] == LEDGER_OK) {
                w->delta[d[k]] -= (int64_t)ops[k].amount;
                w->delta[c[k]] += (int64_t)ops[k].amount;
                w->ok++;
            } else if (r[k] == LEDGER_EXCEEDS_CREDITS) {
                w->rejected++;
            } else {
                return (void *)2;
            }
        }
    }
    return NULL;
}

static void lc_case_concurrency(lc_env_t *e)
{
    ledger_t *l = e->l;
    ledger_id_t S = e->usd.settlement_account_id;
    lc_worker_t w[8];
    ledger_id_t acct[3];
    for (int i = 0; i < 3; i++) {
        acct[i] = lc_account(l, &e->usd, 0);
        cr_assert_eq(lc_exec1(l, lc_xfer(S, acct[i], 500)), LEDGER_OK);
    }
    pthread_t th[8];
    for (int i = 0; i < 8; i++) {
        w[i] = (lc_worker_t){.l = l, .seed = 77u + (uint64_t)i};
        memcpy(w[i].acct, acct, sizeof acct);
        cr_assert_eq(pthread_create(&th[i], NULL, lc_worker, &w[i]), 0);
    }
    int ok = 0, rejected = 0;
    int64_t delta[3] = {0};
    for (int i = 0; i < 8; i++) {
        void *rv;
        pthread_join(th[i], &rv);
        cr_assert_null(rv, "worker %d failed", i);
        ok += w[i].ok;
        rejected += w[i].rejected;
        for (int k = 0; k < 3; k++)
            delta[k] += w[i].delta[k];
    }
    cr_assert_eq(ok + rejected, 8 * 300 * 4);
    cr_assert_gt(ok, 0);
    int64_t total = 0;
    for (int k = 0; k < 3; k++) {
        int64_t b = lc_balance(l, acct[k]);
        cr_assert_eq(b, 500 + delta[k], "account %d: exact total", k);
        cr_assert_geq(b, 0, "limit violated");
        total += b;
    }
    cr_assert_eq(total, 1500);
    lc_check_invariants(e->db);
}

/* ---- listing assets and accounts ---- */

/* Pages through every account matching f, `page` at a time, and counts them; each page is in
 * id order and continues after the last one. */
static size_t lc_count_accounts(ledger_t *l, const ledger_account_filter_t *f, size_t page)
{
    ledger_account_t buf[8];
    cr_assert_leq(page, 8);
    ledger_id_t after = {0, 0};
    size_t total = 0, n = 0;
    do {
        cr_assert_eq(ledger_account_list(l, f, after, buf, page, &n), LEDGER_OK);
        for (size_t i = 0; i < n; i++) {
            cr_assert_gt(ledger_id_cmp(buf[i].id, after), 0, "in id order, after the cursor");
            if (f && !ledger_id_is_zero(f->asset_id))
                cr_assert(ledger_id_eq(buf[i].asset_id, f->asset_id));
            if (f && !ledger_id_is_zero(f->parent_id))
                cr_assert(ledger_id_eq(buf[i].parent_id, f->parent_id));
            if (f && f->kind)
                cr_assert_eq(buf[i].kind, f->kind);
            after = buf[i].id;
        }
        total += n;
    } while (n == page);
    return total;
}

static void lc_case_lists(lc_env_t *e)
{
    ledger_t *l = e->l;
    ledger_asset_t gbp = lc_asset(l);
    ledger_account_t parent = {.asset_id = gbp.id, .kind = LEDGER_KIND_WALLET};
    cr_assert_eq(ledger_account_create(l, &parent), LEDGER_OK);
    for (int i = 0; i < 5; i++) {
        ledger_account_t sub = {.asset_id = gbp.id,
                                .parent_id = parent.id,
                                .kind = i < 3 ? LEDGER_KIND_INVOICE : LEDGER_KIND_MANDATE};
        cr_assert_eq(ledger_account_create(l, &sub), LEDGER_OK);
        ledger_account_t peer = {.asset_id = gbp.id, .kind = LEDGER_KIND_PEER};
        cr_assert_eq(ledger_account_create(l, &peer), LEDGER_OK);
    }
    /* the asset's liquidity and settlement accounts, the parent, 5 subs, 5 peers */
    ledger_account_filter_t f = {.asset_id = gbp.id};
    cr_assert_eq(lc_count_accounts(l, &f, 3), 13);
    f.kind = LEDGER_KIND_PEER;
    cr_assert_eq(lc_count_accounts(l, &f, 2), 5);
    f = (ledger_account_filter_t){.parent_id = parent.id};
    cr_assert_eq(lc_count_accounts(l, &f, 4), 5);
    f.kind = LEDGER_KIND_MANDATE;
    cr_assert_eq(lc_count_accounts(l, &f, 1), 2);
    f = (ledger_account_filter_t){.asset_id = e->usd.id, .parent_id = parent.id};
    cr_assert_eq(lc_count_accounts(l, &f, 4), 0, "filters combine");
    f = (ledger_account_filter_t){.kind = LEDGER_KIND_SETTLEMENT};
    cr_assert_geq(lc_count_accounts(l, &f, 8), 3);
    cr_assert_geq(lc_count_accounts(l, NULL, 8), 13 + 4);

    /* assets: every page continues after the last; the three of this test are all found */
    ledger_asset_t page[2];
    ledger_id_t after = {0, 0};
    size_t n = 0, seen = 0;
    do {
        cr_assert_eq(ledger_asset_list(l, after, page, 2, &n), LEDGER_OK);
        for (size_t i = 0; i < n; i++) {
            cr_assert_gt(ledger_id_cmp(page[i].id, after), 0);
            after = page[i].id;
            if (ledger_id_eq(page[i].id, gbp.id)) {
                cr_assert_str_eq(page[i].code, gbp.code);
                cr_assert(ledger_id_eq(page[i].settlement_account_id, gbp.settlement_account_id));
            }
            seen += ledger_id_eq(page[i].id, gbp.id) || ledger_id_eq(page[i].id, e->usd.id) ||
                    ledger_id_eq(page[i].id, e->eur.id);
        }
    } while (n == 2);
    cr_assert_eq(seen, 3);
}

/* ---- transfer groups ---- */

static ledger_op_t lc_leg(ledger_id_t dr, ledger_id_t cr, uint64_t amount, uint32_t flags)
{
    return (ledger_op_t){.kind = LEDGER_OP_CREATE,
                         .debit_account_id = dr,
                         .credit_account_id = cr,
                         .amount = amount,
                         .flags = flags,
                         .code = 7};
}

static void lc_case_groups(lc_env_t *e)
{
    ledger_t *l = e->l;
    ledger_id_t a, b, c;
    lc_trio(e, &a, &b, &c);
    ledger_transfer_t out[LEDGER_GROUP_LEGS_MAX];
    size_t leg = 99, n = 0;

    ledger_id_t g = ledger_id_random();
    ledger_op_t legs[3] = {lc_leg(a, b, 30, 0), lc_leg(b, c, 10, 0), lc_leg(a, c, 1, 0)};
    cr_assert_eq(ledger_group_create(l, g, legs, 2, out, &leg), LEDGER_OK);
    cr_assert(ledger_id_eq(out[0].id, g), "leg 0 takes the group id");
    cr_assert(ledger_id_eq(out[1].id, ledger_group_leg_id(g, 1)));
    cr_assert_eq(out[1].amount, 10);
    cr_assert_eq(out[1].code, 7);
    cr_assert_eq(lc_balance(l, a), 70);
    cr_assert_eq(lc_balance(l, c), 10);

    /* the same group again: the earlier outcome, nothing applied twice */
    memset(out, 0, sizeof out);
    cr_assert_eq(ledger_group_create(l, g, legs, 2, out, &leg), LEDGER_EXISTS);
    cr_assert(ledger_id_eq(out[1].id, ledger_group_leg_id(g, 1)));
    cr_assert_eq(lc_balance(l, a), 70);
    /* other bodies under its id */
    legs[1].amount = 11;
    cr_assert_eq(ledger_group_create(l, g, legs, 2, out, &leg),
                 LEDGER_EXISTS_WITH_DIFFERENT_AMOUNT);
    cr_assert_eq(leg, 1);
    legs[1].amount = 10;
    cr_assert_eq(ledger_group_create(l, g, legs, 3, out, &leg),
                 LEDGER_EXISTS_WITH_DIFFERENT_FIELDS);
    cr_assert_eq(leg, 2);
    legs[0].debit_account_id = c;
    cr_assert_eq(ledger_group_create(l, g, legs, 2, out, &leg),
                 LEDGER_EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT_ID);
    cr_assert_eq(leg, 0);
    legs[0].debit_account_id = a;
    legs[1].flags = LEDGER_F_PENDING;
    cr_assert_eq(ledger_group_create(l, g, legs, 2, out, &leg), LEDGER_EXISTS_WITH_DIFFERENT_FLAGS);
    cr_assert_eq(ledger_group_get(l, g, out, &n), LEDGER_OK);
    cr_assert_eq(n, 2);

    /* a rejected leg: nothing applied, and the group does not exist */
    ledger_id_t h = ledger_id_random();
    ledger_op_t over[2] = {lc_leg(a, b, 10, 0), lc_leg(b, c, 5000, 0)};
    cr_assert_eq(ledger_group_create(l, h, over, 2, out, &leg), LEDGER_EXCEEDS_CREDITS);
    cr_assert_eq(leg, 1);
    cr_assert_eq(ledger_group_get(l, h, out, &n), LEDGER_TRANSFER_NOT_FOUND);
    cr_assert_eq(lc_balance(l, a), 70);
    over[1] = lc_leg(b, c, 5, LEDGER_F_LINKED);
    cr_assert_eq(ledger_group_create(l, h, over, 2, out, &leg), LEDGER_FLAGS_INVALID);
    cr_assert_eq(leg, 1);
    cr_assert_eq(ledger_group_create(l, (ledger_id_t){0, 0}, over, 1, out, &leg),
                 LEDGER_ID_MUST_NOT_BE_ZERO);
    cr_assert_eq(ledger_group_create(l, h, over, 0, out, &leg), LEDGER_OP_INVALID);

    /* a pending group: posted all at once, and only once */
    ledger_id_t p = ledger_id_random();
    ledger_op_t holds[2] = {lc_leg(a, b, 5, LEDGER_F_PENDING), lc_leg(a, c, 6, LEDGER_F_PENDING)};
    cr_assert_eq(ledger_group_create(l, p, holds, 2, out, &leg), LEDGER_OK);
    cr_assert_eq(lc_balance(l, a), 59);
    cr_assert_eq(ledger_group_resolve(l, p, LEDGER_OP_POST_PENDING, out, &n, &leg), LEDGER_OK);
    cr_assert_eq(n, 2);
    cr_assert_eq(out[0].state, LEDGER_STATE_POSTED);
    cr_assert_eq(out[1].state, LEDGER_STATE_POSTED);
    cr_assert_eq(out[1].posted_amount, 6);
    cr_assert_eq(ledger_group_resolve(l, p, LEDGER_OP_VOID_PENDING, out, &n, &leg),
                 LEDGER_PENDING_TRANSFER_ALREADY_POSTED);
    cr_assert_eq(leg, 0);
    cr_assert_eq(ledger_group_resolve(l, h, LEDGER_OP_POST_PENDING, out, &n, &leg),
                 LEDGER_TRANSFER_NOT_FOUND);
    cr_assert_eq(ledger_group_resolve(l, p, LEDGER_OP_CREATE, out, &n, &leg), LEDGER_OP_INVALID);
    cr_assert_eq(lc_balance(l, a), 59);
    cr_assert_eq(lc_balance(l, c), 16);
    lc_check_invariants(e->db);
}

/* ---- submissions from completion callbacks (they run on the batcher thread) ---- */

/* batch_max and queue_max of these cases: small, so a few submissions fill the queue */
#define LC_QMAX 8
static const ledger_opts_t LC_SMALL_QUEUE = {.batch_max = LC_QMAX, .queue_max = LC_QMAX};

typedef struct {
    ledger_t *l;
    ledger_id_t from, to;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;       /* completions seen */
    int ok;         /* of them, committed LEDGER_OK */
    int refused;    /* follow-up submissions the ledger did not take */
    bool in_gate;   /* the gate callback is running (the batcher is held) */
    bool open_gate; /* lets the gate callback return */
} lc_cb_t;

static void lc_cb_init(lc_cb_t *c, lc_env_t *e, uint64_t funds)
{
    memset(c, 0, sizeof *c);
    c->l = e->l;
    c->from = lc_account(e->l, &e->usd, 0);
    c->to = lc_account(e->l, &e->usd, 0);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    cr_assert_eq(lc_exec1(e->l, lc_xfer(e->usd.settlement_account_id, c->from, funds)), LEDGER_OK);
}

static void lc_cb_count(void *user, const ledger_result_t *r, size_t n)
{
    lc_cb_t *c = user;
    pthread_mutex_lock(&c->mu);
    c->done++;
    c->ok += n == 1 && r[0] == LEDGER_OK;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

/* The first completion submits 3 * LC_QMAX follow-ups with the plain (waiting) submit: more
 * than the queue holds, and only the batcher running this callback could make room. */
static void lc_cb_fan_out(void *user, const ledger_result_t *r, size_t n)
{
    lc_cb_t *c = user;
    for (int i = 0; i < 3 * LC_QMAX; i++) {
        ledger_op_t op = lc_xfer(c->from, c->to, 1);
        if (ledger_transfers_submit(c->l, &op, 1, lc_cb_count, c) != LEDGER_OK) {
            pthread_mutex_lock(&c->mu);
            c->refused++;
            pthread_mutex_unlock(&c->mu);
        }
    }
    lc_cb_count(user, r, n);
}

/* Waits up to timeout_ms for `want` completions; whether they all came. */
static bool lc_cb_wait(lc_cb_t *c, int want, int timeout_ms)
{
    int64_t until = clock_wall_ms() + timeout_ms;
    pthread_mutex_lock(&c->mu);
    while (c->done < want && clock_wall_ms() < until) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 10 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&c->cv, &c->mu, &ts);
    }
    bool all = c->done >= want;
    pthread_mutex_unlock(&c->mu);
    return all;
}

/* A completion callback that submits more than the queue holds must not wait for the queue
 * (it runs on the batcher, the only thread that empties it): every follow-up is taken and
 * runs, and the ledger balances. Before submission modes this hung for good. */
static void lc_case_submit_from_callback(lc_env_t *e)
{
    lc_cb_t c;
    lc_cb_init(&c, e, 1000);
    ledger_op_t first = lc_xfer(c.from, c.to, 1);
    cr_assert_eq(ledger_transfers_submit(e->l, &first, 1, lc_cb_fan_out, &c), LEDGER_OK);
    int want = 1 + 3 * LC_QMAX;
    cr_assert(lc_cb_wait(&c, want, 10000), "the batcher hangs on its own queue: %d of %d done",
              c.done, want);
    cr_assert_eq(c.refused, 0);
    cr_assert_eq(c.ok, want);
    cr_assert_eq(lc_balance(e->l, c.to), want);
    lc_check_invariants(e->db);
}

/* Holds the batcher in a completion callback until the test opens the gate, so the queue stays
 * as the test fills it. */
static void lc_cb_gate(void *user, const ledger_result_t *r, size_t n)
{
    lc_cb_t *c = user;
    pthread_mutex_lock(&c->mu);
    c->in_gate = true;
    pthread_cond_broadcast(&c->cv);
    while (!c->open_gate)
        pthread_cond_wait(&c->cv, &c->mu);
    pthread_mutex_unlock(&c->mu);
    lc_cb_count(user, r, n);
}

static ledger_result_t lc_cb_submit(lc_cb_t *c, ledger_submit_mode_t mode)
{
    ledger_op_t op = lc_xfer(c->from, c->to, 1);
    return ledger_transfers_submit_mode(c->l, &op, 1, mode, lc_cb_count, c);
}

/* With the batcher held and the queue full: TRY answers LEDGER_BUSY at once and queues
 * nothing, FOLLOW_UP is taken past queue_max; once the batcher runs again everything taken
 * commits and the ledger balances. */
static void lc_case_submit_modes(lc_env_t *e)
{
    lc_cb_t c;
    lc_cb_init(&c, e, 1000);
    ledger_op_t first = lc_xfer(c.from, c.to, 1);
    cr_assert_eq(ledger_transfers_submit_mode(e->l, &first, 1, LEDGER_SUBMIT_TRY, lc_cb_gate, &c),
                 LEDGER_OK);
    pthread_mutex_lock(&c.mu);
    while (!c.in_gate)
        pthread_cond_wait(&c.cv, &c.mu);
    pthread_mutex_unlock(&c.mu);
    for (int i = 0; i < LC_QMAX; i++)
        cr_assert_eq(lc_cb_submit(&c, LEDGER_SUBMIT_TRY), LEDGER_OK, "room for %d", i);
    int64_t t0 = clock_wall_ms();
    cr_assert_eq(lc_cb_submit(&c, LEDGER_SUBMIT_TRY), LEDGER_BUSY);
    cr_assert_lt(clock_wall_ms() - t0, 1000, "TRY must not wait");
    cr_assert_eq(lc_cb_submit(&c, (ledger_submit_mode_t)7), LEDGER_OP_INVALID);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(lc_cb_submit(&c, LEDGER_SUBMIT_FOLLOW_UP), LEDGER_OK);
    cr_assert_eq(lc_cb_submit(&c, LEDGER_SUBMIT_TRY), LEDGER_BUSY, "still full");
    pthread_mutex_lock(&c.mu);
    c.open_gate = true;
    pthread_cond_broadcast(&c.cv);
    pthread_mutex_unlock(&c.mu);
    int want = 1 + LC_QMAX + 3;
    cr_assert(lc_cb_wait(&c, want, 10000), "%d of %d done", c.done, want);
    cr_assert_eq(c.ok, want);
    cr_assert_eq(lc_balance(e->l, c.to), want, "the refused ones were not applied");
    /* room again: TRY is taken */
    cr_assert_eq(lc_cb_submit(&c, LEDGER_SUBMIT_TRY), LEDGER_OK);
    cr_assert(lc_cb_wait(&c, want + 1, 10000));
    lc_check_invariants(e->db);
}

/* ---- crash: kill -9 a loaded child, reopen, check ---- */

typedef struct {
    int fd;
} lc_crash_ctx_t;

static void lc_crash_done(void *user, const ledger_result_t *r, size_t n)
{
    /* the ids ride in the op copy just before the results; we only need to know which ones
     * were acknowledged, so the child writes them itself (see lc_crash_child) */
    (void)user;
    (void)r;
    (void)n;
}

static void lc_crash_child(const char *url, int fd, ledger_id_t from, ledger_id_t to,
                           const ledger_opts_t *opts)
{
    db_err_t err;
    db_opts_t o = {.pool_size = 2, .sqlite_sync_normal = true};
    db_t *db = db_open_opts(url, &o, &err);
    if (!db)
        _exit(3);
    ledger_t *l = ledger_open(db, opts, &err);
    if (!l)
        _exit(4);
    for (;;) {
        ledger_op_t ops[32];
        ledger_result_t r[32];
        for (int k = 0; k < 32; k++) {
            ops[k] = lc_xfer(k % 2 ? to : from, k % 2 ? from : to, 1 + (uint64_t)k);
            if (k % 4 == 0) /* some linked pairs */
                ops[k].flags = LEDGER_F_LINKED;
        }
        if (ledger_transfers_execute(l, ops, 32, r) != LEDGER_OK)
            _exit(5);
        for (int k = 0; k < 32; k++)
            if (r[k] == LEDGER_OK && write(fd, &ops[k].id, sizeof ops[k].id) < 0)
                _exit(6);
    }
}

/* Rows of an account's history, walked page by page. */
static size_t lc_history_count(ledger_t *l, ledger_id_t acct)
{
    char cursor[LEDGER_CURSOR_LEN] = "";
    size_t total = 0;
    for (;;) {
        ledger_transfer_t out[64];
        size_t n = 0;
        char next[LEDGER_CURSOR_LEN];
        cr_assert_eq(ledger_account_transfers(l, acct, cursor, out, 64, &n, next), LEDGER_OK);
        total += n;
        if (!next[0])
            return total;
        memcpy(cursor, next, sizeof cursor);
    }
}

/* Transfer rows naming acct on either side, counted in SQL. */
static size_t lc_rows_of(db_t *db, ledger_id_t acct)
{
    db_err_t err;
    db_conn_t *c = db_acquire(db, DB_CONN_READ, &err);
    cr_assert_not_null(c);
    db_stmt_t *st = db_prepare(
        c, "SELECT COUNT(*) FROM transfers WHERE debit_account_id = ? OR credit_account_id = ?",
        &err);
    cr_assert_not_null(st, "%s", err.msg);
    lstore_bind_xid(st, 1, acct);
    lstore_bind_xid(st, 2, acct);
    cr_assert_eq(db_step_one(st, &err), DB_ROW, "%s", err.msg);
    size_t n = (size_t)db_col_i64(st, 0);
    db_release(c);
    return n;
}

/* ---- guards (ledger_transfers_execute_guarded) and batched account updates ---- */

typedef struct {
    const char *key;  /* the row the guard inserts into lc_guard_rows */
    bool keep;        /* what it answers */
    bool fail;        /* run a statement that fails instead */
    bool saw_failure; /* out: a result other than OK reached it */
    int calls;
} lc_guard_t;

static db_rc_t lc_guard(db_conn_t *c, void *arg, const ledger_result_t *res, size_t n, bool *keep,
                        db_err_t *err)
{
    lc_guard_t *g = arg;
    g->calls++;
    g->saw_failure = false;
    for (size_t i = 0; i < n; i++)
        g->saw_failure = g->saw_failure || res[i] != LEDGER_OK;
    *keep = g->keep;
    db_stmt_t *st = db_prepare(c,
                               g->fail ? "INSERT INTO lc_no_such_table (k) VALUES (?)"
                                       : "INSERT INTO lc_guard_rows (k) VALUES (?)",
                               err);
    if (!st)
        return err->code;
    db_bind_str(st, 1, g->key);
    return db_run(st, err);
}

static int lc_guard_rows(db_t *db, const char *key)
{
    db_err_t err;
    db_conn_t *c = db_acquire(db, DB_CONN_READ, &err);
    cr_assert_not_null(c, "%s", err.msg);
    db_stmt_t *st = db_prepare(c, "SELECT COUNT(*) FROM lc_guard_rows WHERE k = ?", &err);
    cr_assert_not_null(st, "%s", err.msg);
    db_bind_str(st, 1, key);
    cr_assert_eq(db_step_one(st, &err), DB_ROW, "%s", err.msg);
    int n = (int)db_col_i64(st, 0);
    db_release(c);
    return n;
}

/* Runs the linked pair under guard g, which inserts a row under a fresh key (into key). */
static ledger_result_t lc_guarded_pair(ledger_t *l, ledger_op_t pair[2], lc_guard_t *g,
                                       char key[40], ledger_result_t res[2])
{
    pair[0].flags = LEDGER_F_LINKED;
    snprintf(key, 40, "k%llx", (unsigned long long)rand_u64());
    g->key = key;
    return ledger_transfers_execute_guarded(l, pair, 2, res, lc_guard, g);
}

/* A guard's writes and the submission commit together or not at all: kept, both are there;
 * refused or failed, neither (the ops report guard_refused / storage_error, the balances and the
 * transfer ids are untouched, so the same ops apply later); a chain that fails reaches the guard
 * with its results and the guard's answer does not revive it. Other submissions are unaffected. */
static void lc_case_guards(lc_env_t *e)
{
    db_err_t err;
    db_conn_t *c = db_acquire(e->db, DB_CONN_WRITE, &err);
    cr_assert_not_null(c, "%s", err.msg);
    cr_assert_eq(db_exec(c, "CREATE TABLE IF NOT EXISTS lc_guard_rows (k TEXT NOT NULL)", &err),
                 DB_OK, "%s", err.msg);
    db_release(c);
    ledger_id_t S = e->usd.settlement_account_id;
    ledger_id_t a = lc_account(e->l, &e->usd, 0), b = lc_account(e->l, &e->usd, 0);
    cr_assert_eq(lc_exec1(e->l, lc_xfer(S, a, 100)), LEDGER_OK);
    char key[40];

    /* kept: the chain and the row */
    ledger_op_t chain[2] = {lc_xfer(a, b, 30), lc_xfer(b, S, 10)};
    ledger_result_t res[2];
    lc_guard_t g = {.keep = true};
    cr_assert_eq(lc_guarded_pair(e->l, chain, &g, key, res), LEDGER_OK);
    cr_assert(res[0] == LEDGER_OK && res[1] == LEDGER_OK && g.calls >= 1 && !g.saw_failure);
    cr_assert_eq(lc_balance(e->l, a), 70);
    cr_assert_eq(lc_balance(e->l, b), 20);
    cr_assert_eq(lc_guard_rows(e->db, key), 1);

    /* refused: nothing of it, and the ids stay free */
    ledger_op_t again[2] = {lc_xfer(a, b, 5), lc_xfer(b, S, 5)};
    g = (lc_guard_t){.keep = false};
    cr_assert_eq(lc_guarded_pair(e->l, again, &g, key, res), LEDGER_OK);
    cr_assert_eq(res[0], LEDGER_GUARD_REFUSED, "%s", ledger_result_str(res[0]));
    cr_assert_eq(res[1], LEDGER_GUARD_REFUSED);
    cr_assert_eq(lc_balance(e->l, a), 70);
    cr_assert_eq(lc_balance(e->l, b), 20);
    cr_assert_eq(lc_guard_rows(e->db, key), 0, "a refused guard's row stayed");
    ledger_transfer_t t;
    cr_assert_eq(ledger_transfer_get(e->l, again[0].id, &t), LEDGER_TRANSFER_NOT_FOUND);

    /* failed: storage_error for its ops only; the next submission goes through */
    g = (lc_guard_t){.keep = true, .fail = true};
    cr_assert_eq(lc_guarded_pair(e->l, again, &g, key, res), LEDGER_STORAGE_ERROR);
    cr_assert_eq(res[0], LEDGER_STORAGE_ERROR, "%s", ledger_result_str(res[0]));
    cr_assert_eq(lc_balance(e->l, a), 70);
    cr_assert_eq(ledger_transfers_execute(e->l, again, 2, res), LEDGER_OK);
    cr_assert(res[0] == LEDGER_OK && res[1] == LEDGER_OK, "the refused ids were taken");
    cr_assert_eq(lc_balance(e->l, a), 65);

    /* a chain that fails: the guard sees it, keeping changes nothing */
    ledger_op_t big[2] = {lc_xfer(a, b, 1000), lc_xfer(b, S, 1)};
    g = (lc_guard_t){.keep = true};
    cr_assert_eq(lc_guarded_pair(e->l, big, &g, key, res), LEDGER_OK);
    cr_assert_eq(res[0], LEDGER_EXCEEDS_CREDITS);
    cr_assert_eq(res[1], LEDGER_LINKED_EVENT_FAILED);
    cr_assert(g.saw_failure);
    cr_assert_eq(lc_balance(e->l, a), 65);
    lc_check_invariants(e->db);

    /* ledger_accounts_update: all or nothing */
    ledger_account_t acc[2];
    cr_assert_eq(ledger_account_get(e->l, a, &acc[0]), LEDGER_OK);
    cr_assert_eq(ledger_account_get(e->l, b, &acc[1]), LEDGER_OK);
    acc[0].has_max_balance = true;
    acc[0].max_balance = 65;
    acc[1].has_max_balance = true;
    acc[1].max_balance = -5; /* below its minimum */
    size_t failed = 9;
    cr_assert_eq(ledger_accounts_update(e->l, acc, 2, &failed),
                 LEDGER_MIN_BALANCE_ABOVE_MAX_BALANCE);
    cr_assert_eq(failed, 1u);
    ledger_account_t now;
    cr_assert_eq(ledger_account_get(e->l, a, &now), LEDGER_OK);
    cr_assert(!now.has_max_balance, "the first account changed though the call failed");
    acc[1].max_balance = 1000;
    cr_assert_eq(ledger_accounts_update(e->l, acc, 2, &failed), LEDGER_OK);
    cr_assert_eq(ledger_account_get(e->l, a, &now), LEDGER_OK);
    cr_assert(now.has_max_balance && now.max_balance == 65);
    /* the batcher applies the new limit at once: a is full */
    cr_assert_eq(lc_exec1(e->l, lc_xfer(S, a, 1)), LEDGER_EXCEEDS_DEBITS);
}

/* A child process runs transfers through a ledger opened with opts and is killed with SIGKILL
 * mid-stream; the reopened ledger has every acknowledged transfer, consistent counters, and a
 * history per account of exactly its rows. */
static void lc_case_crash(lc_env_t *e, const ledger_opts_t *opts)
{
    ledger_id_t S = e->usd.settlement_account_id;
    ledger_id_t a = lc_account(e->l, &e->usd, 0), b = lc_account(e->l, &e->usd, 0);
    cr_assert_eq(lc_exec1(e->l, lc_xfer(S, a, 1000000)), LEDGER_OK);
    ledger_close(e->l);
    db_close(e->db);
    (void)lc_crash_done;

    int p[2];
    cr_assert_eq(pipe(p), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        close(p[0]);
        lc_crash_child(e->url, p[1], a, b, opts);
        _exit(0);
    }
    close(p[1]);
    size_t cap = 1 << 20, n = 0;
    ledger_id_t *acked = malloc(cap * sizeof *acked);
    uint64_t deadline = clock_mono_ms() + 400;
    uint8_t buf[sizeof(ledger_id_t) * 256];
    size_t have = 0;
    bool killed = false;
    for (;;) {
        if (!killed && clock_mono_ms() >= deadline) {
            kill(pid, SIGKILL);
            killed = true;
        }
        ssize_t r = read(p[0], buf + have, sizeof buf - have);
        if (r <= 0)
            break; /* EOF after the kill */
        have += (size_t)r;
        size_t whole = have / sizeof(ledger_id_t);
        for (size_t i = 0; i < whole && n < cap; i++)
            memcpy(&acked[n++], buf + i * sizeof(ledger_id_t), sizeof(ledger_id_t));
        memmove(buf, buf + whole * sizeof(ledger_id_t), have - whole * sizeof(ledger_id_t));
        have -= whole * sizeof(ledger_id_t);
    }
    int status;
    waitpid(pid, &status, 0);
    close(p[0]);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "child ended early: %d", status);
    cr_assert_gt(n, 100, "the child acknowledged too few transfers (%zu)", n);

    e->db = lc_db_open(e->url);
    db_err_t err;
    e->l = ledger_open(e->db, opts, &err);
    cr_assert_not_null(e->l);
    for (size_t i = 0; i < n; i++) {
        ledger_transfer_t t;
        cr_assert_eq(ledger_transfer_get(e->l, acked[i], &t), LEDGER_OK,
                     "acknowledged transfer %zu missing after the crash", i);
    }
    free(acked);
    lc_check_invariants(e->db);
    cr_assert_eq(lc_balance(e->l, a) + lc_balance(e->l, b), 1000000);
    /* the ledger works after the restart, history included */
    cr_assert_eq(lc_exec1(e->l, lc_xfer(a, b, 1)), LEDGER_OK);
    cr_assert_eq(lc_history_count(e->l, a), lc_rows_of(e->db, a));
    cr_assert_eq(lc_history_count(e->l, b), lc_rows_of(e->db, b));
    cr_assert_geq(lc_rows_of(e->db, a), n);
}

#endif
