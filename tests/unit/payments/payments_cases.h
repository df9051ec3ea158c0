/*
 * Wallet address and incoming payment tests written once and run on every database:
 * tes../unit/payments/payments_sqlite_test.c runs them on a temporary SQLite file,
 * tests/integration/payments_pg_test.c on TEST_POSTGRES_URL. The including file defines
 * pc_url(buf, cap) (0, or -1 to skip).
 *
 * Money moves through the real ledger: "paying" an incoming payment is a ledger transfer from
 * the asset's settlement account into the invoice account, which is what the connector's local
 * STREAM delivery does for each packet.
 */
#ifndef RAFIKI_TESTS_PAYMENTS_CASES_H
#define RAFIKI_TESTS_PAYMENTS_CASES_H

#include <criterion/criterion.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "payments/incoming_payment.h"
#include "payments/partial_decision.h"
#include "payments/wallet_address.h"
#include "payments/webhooks.h"
#include "base/clock.h"
#include "base/rand.h"
#include "ledger/ledger.h"
#include "store/db.h"

#define PC_OP_URL "http://127.0.0.1:3000"

typedef struct {
    db_t *db;
    ledger_t *l;
    ledger_asset_t usd;
    stream_receiver_t receiver;
    wallet_ctx_t ctx;
    char url[512];
} pc_env_t;

static int pc_url(char *buf, size_t cap);

/* false when the database is not configured (the caller skips). */
static bool pc_setup(pc_env_t *e)
{
    memset(e, 0, sizeof *e);
    if (pc_url(e->url, sizeof e->url) != 0)
        return false;
    db_err_t err;
    db_opts_t o = {.pool_size = 4, .busy_timeout_ms = 5000, .sqlite_sync_normal = true};
    e->db = db_open_opts(e->url, &o, &err);
    cr_assert_not_null(e->db, "db_open %s: %s", e->url, err.msg);
    char dir[512];
    cr_assert_eq(db_sql_dir(dir, sizeof dir), 0);
    cr_assert_eq(db_migrate(e->db, dir, NULL, &err), DB_OK, "migrate: %s", err.msg);
    e->l = ledger_open(e->db, NULL, &err);
    cr_assert_not_null(e->l, "ledger_open: %s", err.msg);
    /* a random code: Postgres keeps assets between tests, (code, scale) is unique */
    uint64_t r = rand_u64();
    for (int i = 0; i < 8; i++, r /= 26)
        e->usd.code[i] = (char)('A' + r % 26);
    e->usd.scale = 2;
    cr_assert_eq(ledger_asset_create(e->l, &e->usd), LEDGER_OK);
    uint8_t secret[32] = {7};
    cr_assert_eq(stream_receiver_init(&e->receiver, SLICE_LIT("test.pay"), secret), STREAM_OK);
    e->ctx = (wallet_ctx_t){.db = e->db,
                            .ledger = e->l,
                            .op_url = PC_OP_URL,
                            .auth_url = "http://127.0.0.1:3006",
                            .receiver = &e->receiver,
                            .incoming_expiry_max_ms = 60000};
    return true;
}

static void pc_teardown(pc_env_t *e)
{
    ledger_close(e->l);
    db_close(e->db);
}

/* A fresh wallet address URL (unique across runs on a shared Postgres). */
static void pc_fresh_url(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, PC_OP_URL "/%s-%llx", name, (unsigned long long)rand_u64());
}

static wallet_address_t pc_wallet(pc_env_t *e, const char *name)
{
    char url[256];
    pc_fresh_url(url, sizeof url, name);
    wallet_address_t w;
    db_err_t err;
    cr_assert_eq(wallet_address_create(&e->ctx, e->usd.id, url, name, &w, &err), WALLET_ADDRESS_OK);
    return w;
}

/* Moves amount from the asset's settlement account into account; the ledger's result. */
static ledger_result_t pc_pay(pc_env_t *e, ledger_id_t account, uint64_t amount)
{
    ledger_op_t op = {.kind = LEDGER_OP_CREATE,
                      .id = ledger_id_random(),
                      .debit_account_id = e->usd.settlement_account_id,
                      .credit_account_id = account,
                      .amount = amount,
                      .code = 1};
    ledger_result_t res;
    cr_assert_eq(ledger_transfers_execute(e->l, &op, 1, &res), LEDGER_OK);
    return res;
}

static int64_t pc_balance(pc_env_t *e, ledger_id_t account)
{
    ledger_status_t s;
    cr_assert_eq(ledger_account_status(e->l, account, &s), LEDGER_OK);
    return s.balance;
}

/* Rows of one wallet address (tests run in parallel on one Postgres). */
static int64_t pc_count_payments(pc_env_t *e, ledger_id_t wallet_address)
{
    char wid[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(wallet_address, wid);
    db_err_t err;
    db_conn_t *c = db_acquire(e->db, DB_CONN_READ, &err);
    cr_assert_not_null(c);
    db_stmt_t *st =
        db_prepare(c, "SELECT COUNT(*) FROM incoming_payments WHERE wallet_address_id = ?", &err);
    cr_assert_not_null(st);
    db_bind_str(st, 1, wid);
    cr_assert_eq(db_step_one(st, &err), DB_ROW);
    int64_t n = db_col_i64(st, 0);
    db_release(c);
    return n;
}

typedef struct {
    char types[256]; /* the event types of a resource, comma-separated, oldest first */
    char last[1024]; /* the data of the newest event */
} pc_events_t;

static void pc_on_event(const webhook_event_t *ev, void *user)
{
    pc_events_t *out = user;
    size_t n = strlen(out->types);
    snprintf(out->types + n, sizeof out->types - n, "%s%s", n ? "," : "", ev->type);
    snprintf(out->last, sizeof out->last, "%s", ev->data);
}

static pc_events_t pc_events(pc_env_t *e, ledger_id_t resource)
{
    char id[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(resource, id);
    pc_events_t out = {{0}, {0}};
    webhook_filter_t f = {.resource_id = id, .state = -1, .limit = 16};
    db_err_t err;
    cr_assert_eq(webhook_events_list(e->db, &f, pc_on_event, &out, &err), DB_OK, "%s", err.msg);
    return out;
}

typedef struct {
    char wid[LEDGER_ID_STR_LEN + 1];
    size_t n;
} pc_count_t;

static void pc_on_count(const webhook_event_t *ev, void *user)
{
    pc_count_t *c = user;
    c->n += strstr(ev->data, c->wid) != NULL;
}

/* How many incoming_payment.created events name this wallet address. */
static size_t pc_count_created(pc_env_t *e, ledger_id_t wallet_address)
{
    pc_count_t c = {.n = 0};
    ledger_id_format(wallet_address, c.wid);
    webhook_filter_t f = {.type = WEBHOOK_INCOMING_PAYMENT_CREATED, .state = -1, .limit = 100000};
    db_err_t err;
    cr_assert_eq(webhook_events_list(e->db, &f, pc_on_count, &c, &err), DB_OK, "%s", err.msg);
    return c.n;
}

/* ---- cases ---- */

static void pc_case_wallet_addresses(pc_env_t *e)
{
    char url[256], slash[300];
    pc_fresh_url(url, sizeof url, "alice");
    wallet_address_t w, got;
    db_err_t err;
    cr_assert_eq(wallet_address_create(&e->ctx, e->usd.id, url, "Alice", &w, &err),
                 WALLET_ADDRESS_OK);
    cr_expect_str_eq(w.url, url);
    cr_expect_str_eq(w.asset_code, e->usd.code);
    cr_expect(w.active);
    ledger_account_t acct;
    cr_assert_eq(ledger_account_get(e->l, w.account_id, &acct), LEDGER_OK);
    cr_expect_eq(acct.kind, LEDGER_KIND_WALLET);
    cr_expect(acct.stream_enabled, "SPSP payments credit the wallet account directly");

    cr_assert_eq(wallet_address_get(&e->ctx, w.id, &got, &err), WALLET_ADDRESS_OK);
    cr_expect_str_eq(got.public_name, "Alice");
    cr_assert_eq(wallet_address_get_by_url(&e->ctx, url, strlen(url), &got, &err),
                 WALLET_ADDRESS_OK);
    cr_expect(ledger_id_eq(got.id, w.id));
    /* the same URL again, also spelled with a trailing slash */
    snprintf(slash, sizeof slash, "%s/", url);
    cr_expect_eq(wallet_address_create(&e->ctx, e->usd.id, slash, NULL, &got, &err),
                 WALLET_ADDRESS_URL_TAKEN);
    cr_expect_eq(
        wallet_address_create(&e->ctx, ledger_id_random(), PC_OP_URL "/nobody-x", NULL, &got, &err),
        WALLET_ADDRESS_ASSET_NOT_FOUND);
    cr_expect_eq(
        wallet_address_create(&e->ctx, e->usd.id, PC_OP_URL "/bad\x01name-x", NULL, &got, &err),
        WALLET_ADDRESS_URL_INVALID);
    cr_expect_eq(wallet_address_get(&e->ctx, ledger_id_random(), &got, &err),
                 WALLET_ADDRESS_NOT_FOUND);

    bool inactive = false;
    cr_assert_eq(wallet_address_update(&e->ctx, w.id, "Alice B", &inactive, &got, &err),
                 WALLET_ADDRESS_OK);
    cr_expect_str_eq(got.public_name, "Alice B");
    cr_expect(!got.active);
    cr_assert_eq(wallet_address_update(&e->ctx, w.id, NULL, NULL, &got, &err), WALLET_ADDRESS_OK);
    cr_expect_str_eq(got.public_name, "Alice B", "NULL leaves the name alone");
    cr_expect(!got.active);
    cr_expect_eq(wallet_address_update(&e->ctx, ledger_id_random(), "x", NULL, &got, &err),
                 WALLET_ADDRESS_NOT_FOUND);

    wallet_address_t page[4];
    size_t n = 0;
    ledger_id_t before = {w.id.hi, w.id.lo - 1};
    cr_assert_eq(wallet_address_list(&e->ctx, before, page, 4, &n, &err), WALLET_ADDRESS_OK);
    cr_assert_geq(n, 1);
    cr_expect(ledger_id_eq(page[0].id, w.id), "the list is in id order from the cursor");
}

static void pc_case_keys(pc_env_t *e)
{
    wallet_address_t w = pc_wallet(e, "keys");
    static const char x[] = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
    wallet_key_t k, list[WALLET_KEYS_MAX];
    size_t n;
    db_err_t err;
    cr_assert_eq(wallet_key_add(&e->ctx, w.id, "k1", x, &k, &err), WALLET_ADDRESS_OK);
    cr_expect(!k.revoked);
    cr_expect_eq(wallet_key_add(&e->ctx, w.id, "k1", x, &k, &err), WALLET_ADDRESS_KEY_EXISTS);
    cr_expect_eq(wallet_key_add(&e->ctx, ledger_id_random(), "k1", x, &k, &err),
                 WALLET_ADDRESS_NOT_FOUND);
    cr_assert_eq(wallet_key_add(&e->ctx, w.id, "k2", x, &k, &err), WALLET_ADDRESS_OK);
    cr_assert_eq(wallet_key_revoke(&e->ctx, w.id, "k1", &k, &err), WALLET_ADDRESS_OK);
    cr_expect(k.revoked);
    cr_expect_str_eq(k.kid, "k1");
    cr_expect_eq(wallet_key_revoke(&e->ctx, w.id, "k1", &k, &err), WALLET_ADDRESS_OK,
                 "revoking twice is not an error");
    cr_expect_eq(wallet_key_revoke(&e->ctx, w.id, "nope", &k, &err), WALLET_ADDRESS_KEY_NOT_FOUND);
    cr_assert_eq(wallet_key_list(&e->ctx, w.id, list, WALLET_KEYS_MAX, &n, &err),
                 WALLET_ADDRESS_OK);
    cr_assert_eq(n, 2, "revoked keys stay listed");
    size_t k1 = strcmp(list[0].kid, "k1") == 0 ? 0 : 1;
    cr_expect_str_eq(list[k1].kid, "k1");
    cr_expect(list[k1].revoked);
    cr_expect(!list[1 - k1].revoked);
}

static incoming_payment_t pc_incoming(pc_env_t *e, const wallet_address_t *w, uint64_t amount,
                                      int64_t expires_ms)
{
    incoming_payment_new_t in = {.wallet_address_id = w->id,
                                 .has_incoming_amount = amount > 0,
                                 .incoming_amount = amount,
                                 .expires_ms = expires_ms,
                                 .metadata = "{\"order\":\"42\"}"};
    incoming_payment_t p;
    db_err_t err;
    cr_assert_eq(incoming_payment_create(&e->ctx, &in, &p, &err), INCOMING_PAYMENT_OK, "%s",
                 err.msg);
    return p;
}

/* Paid in full: the ledger refuses more, a read completes it and sweeps into the wallet. */
static void pc_case_complete_on_amount(pc_env_t *e)
{
    wallet_address_t w = pc_wallet(e, "bob");
    incoming_payment_t p = pc_incoming(e, &w, 500, 0), got;
    db_err_t err;
    cr_expect_eq(p.state, INCOMING_PAYMENT_PENDING);
    cr_expect_str_eq(p.metadata, "{\"order\":\"42\"}");
    cr_assert_eq(pc_pay(e, p.account_id, 300), LEDGER_OK);
    cr_assert_eq(incoming_payment_get(&e->ctx, p.id, &got, &err), INCOMING_PAYMENT_OK);
    cr_expect_eq(got.received_amount, 300);
    cr_expect_str_eq(incoming_payment_state_str(got.state, got.received_amount), "processing");
    cr_expect_eq(pc_pay(e, p.account_id, 201), LEDGER_EXCEEDS_DEBITS,
                 "the invoice account's max_balance refuses overpayment");
    cr_assert_eq(pc_pay(e, p.account_id, 200), LEDGER_OK);
    cr_assert_eq(incoming_payment_get(&e->ctx, p.id, &got, &err), INCOMING_PAYMENT_OK);
    cr_expect_eq(got.state, INCOMING_PAYMENT_COMPLETED);
    cr_expect_eq(got.received_amount, 500);
    cr_expect(got.settled);
    cr_expect_eq(pc_balance(e, p.account_id), 0);
    cr_expect_eq(pc_balance(e, w.account_id), 500, "swept into the wallet account");
    cr_expect_eq(incoming_payment_complete(&e->ctx, p.id, &got, &err),
                 INCOMING_PAYMENT_ALREADY_COMPLETED);
    cr_expect_eq(pc_balance(e, w.account_id), 500, "a second complete moves nothing");
    pc_events_t ev = pc_events(e, p.id);
    cr_expect_str_eq(ev.types, "incoming_payment.created,incoming_payment.completed",
                     "one event per change, in order, none for the refused second complete");
    cr_expect(strstr(ev.last, "\"receivedAmount\":{\"assetCode\"") != NULL, "%s", ev.last);
    cr_expect(strstr(ev.last, "\"value\":\"500\"") != NULL, "%s", ev.last);
    cr_expect(strstr(ev.last, "\"completed\":true") != NULL, "%s", ev.last);
    char url[256];
    cr_assert_eq(incoming_payment_url(&e->ctx, p.id, url, sizeof url), 0);
    cr_assert_eq(incoming_payment_get_by_url(&e->ctx, url, strlen(url), &got, &err),
                 INCOMING_PAYMENT_OK);
    cr_expect(ledger_id_eq(got.id, p.id));
    cr_expect_eq(incoming_payment_get_by_url(&e->ctx, url, strlen(url) - 1, &got, &err),
                 INCOMING_PAYMENT_NOT_FOUND);
}

/* Completed on request with part of the amount; nothing arrives afterwards. */
static void pc_case_complete_on_request(pc_env_t *e)
{
    wallet_address_t w = pc_wallet(e, "carol");
    incoming_payment_t p = pc_incoming(e, &w, 0, 0), got;
    db_err_t err;
    cr_assert_eq(pc_pay(e, p.account_id, 70), LEDGER_OK);
    cr_assert_eq(incoming_payment_complete(&e->ctx, p.id, &got, &err), INCOMING_PAYMENT_OK);
    cr_expect_eq(got.state, INCOMING_PAYMENT_COMPLETED);
    cr_expect_eq(got.received_amount, 70);
    cr_expect_eq(pc_balance(e, w.account_id), 70);
    cr_expect_eq(pc_pay(e, p.account_id, 1), LEDGER_EXCEEDS_DEBITS, "closed after completion");
    stream_credentials_t cred;
    cr_expect_eq(incoming_payment_credentials(&e->ctx, &got, &cred), -1,
                 "no credentials for an ended payment");
}

/* The worker expires a due payment and sweeps what it received. */
static void pc_case_expiry(pc_env_t *e)
{
    wallet_address_t w = pc_wallet(e, "dave");
    /* 1.5 s: the first pass must come before the expiry even on a loaded machine (at 150 ms it
     * sometimes did not, and the partial payment was never reported) */
    incoming_payment_t p = pc_incoming(e, &w, 1000, clock_wall_ms() + 1500), got;
    db_err_t err;
    cr_assert_eq(pc_pay(e, p.account_id, 40), LEDGER_OK);
    size_t changed = 0;
    cr_assert_eq(incoming_payment_worker_run(&e->ctx, clock_wall_ms(), NULL, &changed, &err),
                 INCOMING_PAYMENT_OK);
    usleep(1600 * 1000);
    cr_assert_eq(incoming_payment_worker_run(&e->ctx, clock_wall_ms(), NULL, &changed, &err),
                 INCOMING_PAYMENT_OK);
    cr_expect_geq(changed, 1);
    cr_assert_eq(incoming_payment_get(&e->ctx, p.id, &got, &err), INCOMING_PAYMENT_OK);
    cr_expect_eq(got.state, INCOMING_PAYMENT_EXPIRED);
    cr_expect(got.settled);
    cr_expect_eq(pc_balance(e, w.account_id), 40);
    cr_expect_eq(incoming_payment_complete(&e->ctx, p.id, &got, &err),
                 INCOMING_PAYMENT_ALREADY_EXPIRED);
    cr_expect_str_eq(pc_events(e, p.id).types,
                     "incoming_payment.created,incoming_payment.partial_payment_received,"
                     "incoming_payment.expired",
                     "40 of 1000 is reported once as partial (Rafiki's event), then expired");
}

/* The worker completes payments paid in full without anyone reading them. */
static void pc_case_worker_completes_paid(pc_env_t *e)
{
    wallet_address_t w = pc_wallet(e, "hal");
    incoming_payment_t p[3];
    for (int i = 0; i < 3; i++)
        p[i] = pc_incoming(e, &w, 10, 0);
    cr_assert_eq(pc_pay(e, p[0].account_id, 10), LEDGER_OK);
    cr_assert_eq(pc_pay(e, p[2].account_id, 10), LEDGER_OK);
    cr_assert_eq(pc_pay(e, p[1].account_id, 9), LEDGER_OK);
    ledger_id_t cursor = {0, 0};
    size_t changed = 0;
    db_err_t err;
    cr_assert_eq(incoming_payment_worker_run(&e->ctx, clock_wall_ms(), &cursor, &changed, &err),
                 INCOMING_PAYMENT_OK);
    cr_expect_eq(changed, 2);
    cr_expect(ledger_id_is_zero(cursor), "a short page wraps the cursor to the start");
    cr_expect_str_eq(pc_events(e, p[0].id).types,
                     "incoming_payment.created,incoming_payment.completed");
    cr_expect_str_eq(pc_events(e, p[1].id).types,
                     "incoming_payment.created,incoming_payment.partial_payment_received",
                     "9 of 10 stays open, reported as a partial payment");
    cr_expect_str_eq(pc_events(e, p[2].id).types,
                     "incoming_payment.created,incoming_payment.completed");
    cr_expect_eq(pc_balance(e, w.account_id), 20);
}

/* incoming_payment.partial_payment_received: once per increase of what a pending payment
 * received, whatever the number of passes, with the amount so far; none when paid in full. */
static void pc_case_partial_once_per_increase(pc_env_t *e)
{
    wallet_address_t w = pc_wallet(e, "paula");
    incoming_payment_t p = pc_incoming(e, &w, 100, 0), open = pc_incoming(e, &w, 0, 0);
    db_err_t err;
    const char *partial = "incoming_payment.partial_payment_received";
    char want[256];
    cr_assert_eq(incoming_payment_worker_run(&e->ctx, clock_wall_ms(), NULL, NULL, &err),
                 INCOMING_PAYMENT_OK);
    cr_expect_str_eq(pc_events(e, p.id).types, "incoming_payment.created", "nothing received");
    cr_assert_eq(pc_pay(e, p.account_id, 10), LEDGER_OK);
    cr_assert_eq(pc_pay(e, open.account_id, 7), LEDGER_OK);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(incoming_payment_worker_run(&e->ctx, clock_wall_ms(), NULL, NULL, &err),
                     INCOMING_PAYMENT_OK);
    snprintf(want, sizeof want, "incoming_payment.created,%s", partial);
    cr_expect_str_eq(pc_events(e, p.id).types, want, "three passes, one event");
    cr_expect(strstr(pc_events(e, p.id).last, "\"receivedAmount\":{\"assetCode\""));
    cr_expect(strstr(pc_events(e, p.id).last, "\"value\":\"10\""));
    cr_expect_str_eq(pc_events(e, open.id).types, want, "without an incoming amount too");
    cr_assert_eq(pc_pay(e, p.account_id, 20), LEDGER_OK);
    cr_assert_eq(incoming_payment_worker_run(&e->ctx, clock_wall_ms(), NULL, NULL, &err),
                 INCOMING_PAYMENT_OK);
    snprintf(want, sizeof want, "incoming_payment.created,%s,%s", partial, partial);
    cr_expect_str_eq(pc_events(e, p.id).types, want);
    cr_expect(strstr(pc_events(e, p.id).last, "\"value\":\"30\""));
    cr_assert_eq(pc_pay(e, p.account_id, 70), LEDGER_OK);
    cr_assert_eq(incoming_payment_worker_run(&e->ctx, clock_wall_ms(), NULL, NULL, &err),
                 INCOMING_PAYMENT_OK);
    snprintf(want, sizeof want, "incoming_payment.created,%s,%s,incoming_payment.completed",
             partial, partial);
    cr_expect_str_eq(pc_events(e, p.id).types, want, "paid in full: completed, not partial");
}

/* A crash between the state change and the settlement: the worker finishes it. */
static void pc_case_settle_after_crash(pc_env_t *e)
{
    wallet_address_t w = pc_wallet(e, "erin");
    incoming_payment_t p = pc_incoming(e, &w, 0, 0), got;
    cr_assert_eq(pc_pay(e, p.account_id, 25), LEDGER_OK);
    db_err_t err;
    db_conn_t *c = db_acquire(e->db, DB_CONN_WRITE, &err);
    cr_assert_not_null(c);
    db_stmt_t *st = db_prepare(c, "UPDATE incoming_payments SET state = 2 WHERE id = ?", &err);
    char id[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(p.id, id);
    db_bind_str(st, 1, id);
    cr_assert_eq(db_run(st, &err), DB_OK);
    db_release(c);
    cr_expect_eq(pc_balance(e, w.account_id), 0);
    size_t changed = 0;
    cr_assert_eq(incoming_payment_worker_run(&e->ctx, clock_wall_ms(), NULL, &changed, &err),
                 INCOMING_PAYMENT_OK);
    cr_assert_eq(incoming_payment_get(&e->ctx, p.id, &got, &err), INCOMING_PAYMENT_OK);
    cr_expect(got.settled);
    cr_expect_eq(pc_balance(e, w.account_id), 25);
    cr_expect_eq(pc_balance(e, p.account_id), 0);
    cr_assert_eq(incoming_payment_worker_run(&e->ctx, clock_wall_ms(), NULL, &changed, &err),
                 INCOMING_PAYMENT_OK);
    cr_expect_eq(pc_balance(e, w.account_id), 25, "settling again moves nothing");
}

/* Bad input: a precise result and no row. */
static void pc_case_bad_input(pc_env_t *e)
{
    wallet_address_t w = pc_wallet(e, "frank"), off = pc_wallet(e, "off");
    bool inactive = false;
    db_err_t err;
    cr_assert_eq(wallet_address_update(&e->ctx, off.id, NULL, &inactive, &off, &err),
                 WALLET_ADDRESS_OK);
    int64_t now = clock_wall_ms();
    char big[INCOMING_PAYMENT_METADATA_MAX + 16];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    struct {
        incoming_payment_new_t in;
        incoming_payment_result_t want;
    } cases[] = {
        {{.wallet_address_id = {1, 2}}, INCOMING_PAYMENT_WALLET_ADDRESS_NOT_FOUND},
        {{.wallet_address_id = off.id}, INCOMING_PAYMENT_WALLET_ADDRESS_INACTIVE},
        {{.wallet_address_id = w.id, .has_incoming_amount = true}, INCOMING_PAYMENT_AMOUNT_INVALID},
        {{.wallet_address_id = w.id, .has_incoming_amount = true, .incoming_amount = UINT64_MAX},
         INCOMING_PAYMENT_AMOUNT_INVALID},
        {{.wallet_address_id = w.id, .expires_ms = now - 1}, INCOMING_PAYMENT_EXPIRY_INVALID},
        {{.wallet_address_id = w.id, .expires_ms = now + 3600000}, INCOMING_PAYMENT_EXPIRY_INVALID},
        {{.wallet_address_id = w.id, .metadata = big}, INCOMING_PAYMENT_METADATA_INVALID},
    };
    int64_t before = pc_count_payments(e, w.id);
    size_t created = pc_count_created(e, w.id);
    cr_assert_eq(created, 0);
    pc_incoming(e, &w, 5, 0); /* so that the counts below can see a row and an event */
    before++;
    created++;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        incoming_payment_t p;
        cr_expect_eq(incoming_payment_create(&e->ctx, &cases[i].in, &p, &err), cases[i].want,
                     "case %zu", i);
    }
    cr_expect_eq(pc_count_payments(e, w.id), before, "no bad request left a row");
    cr_expect_eq(pc_count_created(e, w.id), created, "nor an event");
    incoming_payment_t p;
    cr_expect_eq(incoming_payment_complete(&e->ctx, ledger_id_random(), &p, &err),
                 INCOMING_PAYMENT_NOT_FOUND);
    cr_expect_eq(incoming_payment_get(&e->ctx, ledger_id_random(), &p, &err),
                 INCOMING_PAYMENT_NOT_FOUND);
}

/* The ilp method's credentials name the invoice account in their payment tag. */
static void pc_case_credentials(pc_env_t *e)
{
    wallet_address_t w = pc_wallet(e, "gina");
    incoming_payment_t p = pc_incoming(e, &w, 10, 0);
    stream_credentials_t cred;
    cr_assert_eq(incoming_payment_credentials(&e->ctx, &p, &cred), 0);
    stream_connection_details_t d;
    uint8_t plain[1024];
    cr_assert_eq(stream_receiver_decode_token(&e->receiver, SLICE(cred.address, cred.address_len),
                                              &d, plain, sizeof plain, NULL, NULL),
                 STREAM_OK);
    char tag[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(p.account_id, tag);
    cr_assert_eq(d.payment_tag.len, LEDGER_ID_STR_LEN);
    cr_expect_eq(memcmp(d.payment_tag.ptr, tag, LEDGER_ID_STR_LEN), 0);
    cr_expect(d.has_asset);
    cr_expect_eq(d.asset_scale, 2);
}

/* Rafiki's approval: once, either way, only while pending with nothing received; the event data
 * of a later change carries approvedAt / cancelledAt. */
static void pc_case_approval(pc_env_t *e)
{
    wallet_address_t w = pc_wallet(e, "hank");
    incoming_payment_t a = pc_incoming(e, &w, 100, 0), c = pc_incoming(e, &w, 100, 0), got;
    db_err_t err;
    cr_assert_eq(incoming_payment_approve(&e->ctx, a.id, &got, &err), INCOMING_PAYMENT_OK);
    cr_expect(got.approved_ms > 0 && got.cancelled_ms == 0);
    int64_t at = got.approved_ms;
    cr_expect_eq(incoming_payment_approve(&e->ctx, a.id, &got, &err), INCOMING_PAYMENT_OK);
    cr_expect_eq(got.approved_ms, at, "a second approve changes nothing");
    cr_expect_eq(incoming_payment_cancel(&e->ctx, a.id, NULL, &got, &err),
                 INCOMING_PAYMENT_ALREADY_ACTIONED);
    char reason[INCOMING_PAYMENT_REASON_MAX + 8];
    memset(reason, 'x', sizeof reason - 3);
    memcpy(reason + sizeof reason - 3, "\xc3\xa9", 3); /* ends in a 2-byte character, cut */
    cr_assert_eq(incoming_payment_cancel(&e->ctx, c.id, reason, &got, &err), INCOMING_PAYMENT_OK);
    cr_expect(got.cancelled_ms > 0 && got.approved_ms == 0);
    cr_expect_eq(strlen(got.cancellation_reason), INCOMING_PAYMENT_REASON_MAX);
    cr_expect_eq(incoming_payment_approve(&e->ctx, c.id, &got, &err),
                 INCOMING_PAYMENT_ALREADY_ACTIONED);
    cr_expect_eq(incoming_payment_approve(&e->ctx, ledger_id_random(), &got, &err),
                 INCOMING_PAYMENT_NOT_FOUND);
    /* money received (Rafiki's PROCESSING) or ended: wrong state */
    incoming_payment_t p = pc_incoming(e, &w, 100, 0);
    cr_assert_eq(pc_pay(e, p.account_id, 10), LEDGER_OK);
    cr_expect_eq(incoming_payment_approve(&e->ctx, p.id, &got, &err), INCOMING_PAYMENT_WRONG_STATE);
    cr_assert_eq(incoming_payment_complete(&e->ctx, c.id, &got, &err), INCOMING_PAYMENT_OK);
    cr_expect_eq(incoming_payment_cancel(&e->ctx, c.id, NULL, &got, &err),
                 INCOMING_PAYMENT_WRONG_STATE);
    pc_events_t ev = pc_events(e, c.id);
    cr_expect(strstr(ev.last, "\"cancelledAt\":\"") != NULL, "%s", ev.last);
    /* the create's wait: approved at once, cancelled, off */
    e->ctx.approval_poll = true;
    e->ctx.approval_poll_timeout_ms = 300;
    e->ctx.approval_poll_frequency_ms = 20;
    cr_expect_eq(incoming_payment_await_approval(&e->ctx, a.id, &got, &err), INCOMING_PAYMENT_OK);
    cr_expect(ledger_id_eq(got.id, a.id));
    incoming_payment_t n = pc_incoming(e, &w, 100, 0);
    uint64_t t0 = clock_mono_ms();
    cr_expect_eq(incoming_payment_await_approval(&e->ctx, n.id, &got, &err),
                 INCOMING_PAYMENT_ACTION_NOT_PERFORMED);
    cr_expect_geq(clock_mono_ms() - t0, 250, "waited for the timeout");
    cr_assert_eq(incoming_payment_cancel(&e->ctx, n.id, NULL, &got, &err), INCOMING_PAYMENT_OK);
    cr_expect_eq(incoming_payment_await_approval(&e->ctx, n.id, &got, &err),
                 INCOMING_PAYMENT_ACTION_NOT_PERFORMED);
    e->ctx.approval_poll = false;
}

typedef struct {
    atomic_int calls;
    bool accept;
    char reason[128];
} pc_decided_t;

static void pc_decided(void *op, bool accept, const char *reason)
{
    pc_decided_t *d = op;
    d->accept = accept;
    snprintf(d->reason, sizeof d->reason, "%s", reason);
    atomic_fetch_add(&d->calls, 1);
}

/* Waits up to 3 s for d's answer; the milliseconds it took. */
static uint64_t pc_await(pc_decided_t *d)
{
    uint64_t t0 = clock_mono_ms();
    while (atomic_load(&d->calls) == 0 && clock_mono_ms() - t0 < 3000) {
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
    cr_assert_eq(atomic_load(&d->calls), 1, "answered once");
    return clock_mono_ms() - t0;
}

/* The partialIncomingPaymentId of payment id's newest partial event, once there are n. */
static void pc_partial_id(pc_env_t *e, ledger_id_t id, size_t n, char *out, size_t cap,
                          json_t **data)
{
    pc_events_t ev;
    for (int i = 0; i < 300; i++) {
        ev = pc_events(e, id);
        size_t k = 0;
        for (const char *t = ev.types; (t = strstr(t, "partial_payment_received")); t++)
            k++;
        if (k >= n)
            break;
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    *data = json_loads(ev.last, 0, NULL);
    const char *pid = json_string_value(json_object_get(*data, "partialIncomingPaymentId"));
    cr_assert_not_null(pid, "%s", ev.last);
    snprintf(out, cap, "%s", pid);
}

/* Rafiki's partial payment decision: the event, the wallet's answer through the cache, the
 * defaults of its reasons, and the bounded wait. */
static void pc_case_partial_decision(pc_env_t *e)
{
    wallet_address_t w = pc_wallet(e, "ivy");
    incoming_payment_t p = pc_incoming(e, &w, 100, 0);
    cache_err_t cerr;
    cache_t *cache = cache_open(NULL, &cerr);
    cr_assert_not_null(cache);
    partial_decision_t *pd = partial_decision_start(&(partial_decision_config_t){
        .wallet = &e->ctx, .cache = cache, .max_wait_ms = 400, .margin_ms = 100});
    cr_assert_not_null(pd);
    char ip[LEDGER_ID_STR_LEN + 1], pid[64];
    ledger_id_format(p.id, ip);
    int64_t later = clock_wall_ms() + 30000;
    json_t *data;

    pc_decided_t d1 = {0};
    partial_decision_ask(pd, p.account_id, (const uint8_t *)"ok\xff", 3, later, pc_decided, &d1);
    pc_partial_id(e, p.id, 1, pid, sizeof pid, &data);
    cr_expect_str_eq(json_string_value(json_object_get(data, "dataFromSender")), "ok\xEF\xBF\xBD",
                     "an invalid byte reads as U+FFFD");
    cr_expect_str_eq(
        json_string_value(json_object_get(json_object_get(data, "receivedAmount"), "value")), "0");
    json_decref(data);
    cr_assert(partial_decision_record(cache, ip, pid, true, NULL));
    pc_await(&d1);
    cr_expect(d1.accept);
    cr_expect_str_eq(d1.reason, "Additional data approved");

    pc_decided_t d2 = {0};
    partial_decision_ask(pd, p.account_id, (const uint8_t *)"x", 1, later, pc_decided, &d2);
    pc_partial_id(e, p.id, 2, pid, sizeof pid, &data);
    json_decref(data);
    cr_assert(partial_decision_record(cache, ip, pid, false, NULL));
    pc_await(&d2);
    cr_expect(!d2.accept);
    cr_expect_str_eq(d2.reason, "Additional data rejected");

    pc_decided_t d3 = {0}, d4 = {0}, d5 = {0};
    partial_decision_ask(pd, p.account_id, (const uint8_t *)"y", 1, later, pc_decided, &d3);
    uint64_t took = pc_await(&d3);
    cr_expect(!d3.accept && took >= 350, "waited %llu ms", (unsigned long long)took);
    cr_expect_str_eq(d3.reason, "No response from receiving ASE");
    partial_decision_ask(pd, p.account_id, (const uint8_t *)"z", 1, clock_wall_ms() + 150,
                         pc_decided, &d4);
    took = pc_await(&d4);
    cr_expect(took < 300, "bounded by the expiry less the margin: %llu ms",
              (unsigned long long)took);
    partial_decision_ask(pd, ledger_id_random(), (const uint8_t *)"?", 1, later, pc_decided, &d5);
    pc_await(&d5);
    cr_expect_str_eq(d5.reason, "Error processing partial payment");
    partial_decision_stop(pd);
    cache_close(cache);
}

#endif
