/* src/payments/wallet_address_events.c on a temporary SQLite file: Rafiki's marking rule
 * (withdrawal threshold, WITHDRAWAL_THROTTLE_DELAY, neither), the processing that records
 * wallet_address.web_monetization once per amount, and createWalletAddressWithdrawal. Money
 * reaches the wallet account as the connector's local STREAM delivery moves it (pc_pay). */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "payments_cases.h"
#pragma GCC diagnostic pop

#include "payments/assets.h"
#include "payments/payment_liquidity.h"
#include "payments/wallet_address_events.h"

#define WM "wallet_address.web_monetization"

static char lite_path[128];

static int pc_url(char *buf, size_t cap)
{
    snprintf(lite_path, sizeof lite_path, "/tmp/wa_events_test_%d_%llx.db", (int)getpid(),
             (unsigned long long)rand_u64());
    snprintf(buf, cap, "sqlite:%s", lite_path);
    return 0;
}

static pc_env_t E;

static void wm_setup(void)
{
    pc_setup(&E);
    E.ctx.rafiki_funding = true; /* the events' model (wallet_address_events.h) */
}

static void wm_teardown(void)
{
    pc_teardown(&E);
    static const char *const suffix[] = {"", "-wal", "-shm"};
    char p[160];
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", lite_path, suffix[i]);
        unlink(p);
    }
}

TestSuite(wa_events, .init = wm_setup, .fini = wm_teardown);

/* One mark pass over every wallet address at now; how many were marked. */
static size_t mark(int64_t now)
{
    ledger_id_t cursor = {0, 0};
    size_t n = 0;
    db_err_t err = {0};
    cr_assert_eq(wa_events_mark_pass(&E.ctx, now, &cursor, &n, &err), WA_EVENTS_OK, "%s", err.msg);
    return n;
}

/* Processes up to limit due at now; the count. */
static size_t process(int64_t now, int64_t limit)
{
    size_t n = 99;
    db_err_t err = {0};
    cr_assert_eq(wa_events_process(&E.ctx, now, limit, &n, &err), WA_EVENTS_OK, "%s", err.msg);
    return n;
}

/* What the wallet address's events announced in all (its total_events_amount), and in *n how
 * many there are. */
static uint64_t announced(ledger_id_t wa, size_t *n)
{
    char id[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(wa, id);
    pc_events_t ev = pc_events(&E, wa);
    uint64_t sum = 0;
    *n = 0;
    for (const char *p = ev.types; (p = strstr(p, WM)) != NULL; p += strlen(WM))
        (*n)++;
    db_err_t err;
    db_conn_t *c = db_acquire(E.db, DB_CONN_READ, &err);
    cr_assert_not_null(c);
    db_stmt_t *st =
        db_prepare(c, "SELECT total_events_amount FROM wallet_addresses WHERE id = ?", &err);
    db_bind_str(st, 1, id);
    cr_assert_eq(db_step_one(st, &err), DB_ROW);
    sum = db_col_u64(st, 0);
    db_release(c);
    return sum;
}

Test(wa_events, nothing_marked_without_threshold_or_throttle)
{
    wallet_address_t w = pc_wallet(&E, "nora");
    cr_assert_eq(pc_pay(&E, w.account_id, 10), LEDGER_OK);
    int64_t now = clock_wall_ms();
    cr_expect_eq(mark(now), 0, "Rafiki marks nothing without either setting");
    E.ctx.withdrawal_throttle = true;
    E.ctx.rafiki_funding = false;
    cr_expect_eq(mark(now), 0, "the ledger model: credits are not all Web Monetization");
    cr_expect_eq(process(now + 86400000, 100), 0);
    size_t n;
    cr_expect_eq(announced(w.id, &n), 0);
    cr_expect_eq(n, 0);
}

Test(wa_events, throttle_zero_announces_each_amount_once)
{
    E.ctx.withdrawal_throttle = true;
    wallet_address_t w = pc_wallet(&E, "tess"), idle = pc_wallet(&E, "idle");
    cr_assert_eq(pc_pay(&E, w.account_id, 10), LEDGER_OK);
    int64_t now = clock_wall_ms();
    cr_expect_eq(mark(now), 1, "only the wallet address that received money");
    cr_expect_eq(mark(now), 0, "marked once");
    cr_expect_eq(process(now, 10), 1);
    pc_events_t ev = pc_events(&E, w.id);
    cr_expect_str_eq(ev.types, WM);
    cr_expect(strstr(ev.last, "\"receivedAmount\":{\"assetCode\""), "%s", ev.last);
    cr_expect(strstr(ev.last, "\"value\":\"10\""), "%s", ev.last);
    cr_expect(strstr(ev.last, "\"createdAt\":\""), "%s", ev.last);
    char id[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(w.id, id);
    cr_expect(strstr(ev.last, id), "data names the wallet address: %s", ev.last);
    /* nothing new: no mark, no event, however often */
    for (int i = 0; i < 3; i++) {
        cr_expect_eq(mark(now), 0);
        cr_expect_eq(process(now, 10), 0);
    }
    cr_assert_eq(pc_pay(&E, w.account_id, 5), LEDGER_OK);
    cr_expect_eq(mark(now), 1);
    cr_expect_eq(process(now, 10), 1);
    cr_expect(strstr(pc_events(&E, w.id).last, "\"value\":\"5\""), "only what is new");
    size_t n;
    cr_expect_eq(announced(w.id, &n), 15);
    cr_expect_eq(n, 2);
    cr_expect_str_eq(pc_events(&E, idle.id).types, "");
}

Test(wa_events, throttle_delay_waits)
{
    E.ctx.withdrawal_throttle = true;
    E.ctx.withdrawal_throttle_delay_ms = 60000;
    wallet_address_t w = pc_wallet(&E, "dora");
    cr_assert_eq(pc_pay(&E, w.account_id, 7), LEDGER_OK);
    int64_t now = clock_wall_ms();
    cr_expect_eq(mark(now), 1);
    cr_assert_eq(pc_pay(&E, w.account_id, 3), LEDGER_OK);
    cr_expect_eq(mark(now + 1000), 0, "a second credit does not move the delay");
    cr_expect_eq(process(now + 59000, 10), 0, "not due yet");
    cr_expect_eq(process(now + 60000, 10), 1);
    cr_expect(strstr(pc_events(&E, w.id).last, "\"value\":\"10\""));
}

Test(wa_events, withdrawal_threshold_marks_at_once)
{
    uint64_t wt = 100;
    pay_asset_t a;
    cr_assert_eq(pay_asset_update(E.db, E.l, E.usd.id, &wt, NULL, &a), PAY_ASSET_OK);
    wallet_address_t w = pc_wallet(&E, "thea");
    cr_assert_eq(pc_pay(&E, w.account_id, 60), LEDGER_OK);
    int64_t now = clock_wall_ms();
    cr_expect_eq(mark(now), 0, "below the threshold");
    cr_assert_eq(pc_pay(&E, w.account_id, 50), LEDGER_OK);
    cr_expect_eq(mark(now), 1);
    cr_expect_eq(process(now, 1), 1);
    cr_expect(strstr(pc_events(&E, w.id).last, "\"value\":\"110\""));
    cr_assert_eq(pc_pay(&E, w.account_id, 99), LEDGER_OK);
    cr_expect_eq(mark(now), 0, "99 new is below 100 again");
    /* with a throttle too, what stays below the threshold is due after the delay */
    E.ctx.withdrawal_throttle = true;
    E.ctx.withdrawal_throttle_delay_ms = 5000;
    cr_expect_eq(mark(now), 1);
    cr_expect_eq(process(now, 10), 0);
    cr_expect_eq(process(now + 5000, 10), 1);
    size_t n;
    cr_expect_eq(announced(w.id, &n), 209);
    cr_expect_eq(n, 2);
}

Test(wa_events, limit_and_money_during_processing)
{
    E.ctx.withdrawal_throttle = true;
    wallet_address_t w[3];
    const char *names[3] = {"ann", "ben", "cy"};
    for (int i = 0; i < 3; i++) {
        w[i] = pc_wallet(&E, names[i]);
        cr_assert_eq(pc_pay(&E, w[i].account_id, 10 + (uint64_t)i), LEDGER_OK);
    }
    int64_t now = clock_wall_ms();
    cr_expect_eq(mark(now), 3);
    cr_expect_eq(process(now, 2), 2, "limit");
    cr_expect_eq(process(now, 0), 0);
    cr_expect_eq(process(now, 5), 1, "the rest");
    /* money after an announcement (or while one is made, after its total was read): the row
     * shows more received than announced, so the next pass marks it again */
    cr_assert_eq(pc_pay(&E, w[0].account_id, 4), LEDGER_OK);
    cr_expect_eq(mark(now), 1);
    cr_expect_eq(process(now, 5), 1);
    size_t n;
    cr_expect_eq(announced(w[0].id, &n), 14);
    cr_expect_eq(n, 2);
}

typedef struct {
    int64_t now;
    size_t count;
} proc_arg_t;

static void *proc_thread(void *arg)
{
    proc_arg_t *a = arg;
    db_err_t err = {0};
    if (wa_events_process(&E.ctx, a->now, 100, &a->count, &err) != WA_EVENTS_OK)
        a->count = 1000;
    return NULL;
}

/* Two workers on the same due rows: each wallet address is taken once, each amount announced
 * once. */
Test(wa_events, concurrent_workers_announce_once)
{
    E.ctx.withdrawal_throttle = true;
    wallet_address_t w[8];
    for (int i = 0; i < 8; i++) {
        char name[16];
        snprintf(name, sizeof name, "w%d", i);
        w[i] = pc_wallet(&E, name);
        cr_assert_eq(pc_pay(&E, w[i].account_id, 100), LEDGER_OK);
    }
    int64_t now = clock_wall_ms();
    cr_expect_eq(mark(now), 8);
    proc_arg_t a = {now, 0}, b = {now, 0};
    pthread_t ta, tb;
    pthread_create(&ta, NULL, proc_thread, &a);
    pthread_create(&tb, NULL, proc_thread, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    cr_expect_eq(a.count + b.count, 8, "%zu + %zu", a.count, b.count);
    for (int i = 0; i < 8; i++) {
        size_t n;
        cr_expect_eq(announced(w[i].id, &n), 100);
        cr_expect_eq(n, 1);
    }
}

Test(wa_events, withdrawal)
{
    wallet_address_t w = pc_wallet(&E, "wendy"), got;
    ledger_id_t id = ledger_id_random(), id2 = ledger_id_random();
    uint64_t amount = 0;
    cr_expect_eq(wa_events_withdraw(&E.ctx, ledger_id_random(), &id, 0, &got, &amount),
                 WA_EVENTS_NOT_FOUND);
    cr_expect_eq(wa_events_withdraw(&E.ctx, w.id, &id, 0, &got, &amount), WA_EVENTS_AMOUNT_ZERO);
    cr_assert_eq(pc_pay(&E, w.account_id, 40), LEDGER_OK);
    cr_expect_eq(wa_events_withdraw(&E.ctx, w.id, NULL, 0, &got, &amount), WA_EVENTS_INVALID_ID,
                 "Rafiki checks the id after the amount");
    cr_assert_eq(wa_events_withdraw(&E.ctx, w.id, &id, 0, &got, &amount), WA_EVENTS_OK);
    cr_expect_eq(amount, 40, "the whole balance");
    cr_expect_eq(got.id.lo, w.id.lo);
    cr_expect_eq(pc_balance(&E, w.account_id), 0);
    cr_expect_eq(payment_liquidity_withdrawal_resolve(E.l, id, true),
                 PAYMENT_LIQUIDITY_ALREADY_POSTED, "no timeout: posted at once");
    cr_assert_eq(pc_pay(&E, w.account_id, 25), LEDGER_OK);
    cr_expect_eq(wa_events_withdraw(&E.ctx, w.id, &id, 0, &got, &amount),
                 WA_EVENTS_TRANSFER_EXISTS);
    cr_assert_eq(wa_events_withdraw(&E.ctx, w.id, &id2, 60, &got, &amount), WA_EVENTS_OK);
    cr_expect_eq(amount, 25);
    cr_expect_eq(pc_balance(&E, w.account_id), 0, "held");
    cr_expect_eq(wa_events_withdraw(&E.ctx, w.id, &id, 0, &got, &amount), WA_EVENTS_AMOUNT_ZERO,
                 "a pending withdrawal leaves nothing");
    cr_expect_eq(payment_liquidity_withdrawal_resolve(E.l, id2, false), PAYMENT_LIQUIDITY_OK);
    cr_expect_eq(pc_balance(&E, w.account_id), 25, "voided: back");
    ledger_id_t id3 = ledger_id_random();
    cr_assert_eq(wa_events_withdraw(&E.ctx, w.id, &id3, 60, &got, &amount), WA_EVENTS_OK);
    cr_expect_eq(payment_liquidity_withdrawal_resolve(E.l, id3, true), PAYMENT_LIQUIDITY_OK);
    cr_expect_eq(pc_balance(&E, w.account_id), 0);
    /* a withdrawal takes the balance, not what was received: the events are unaffected */
    E.ctx.withdrawal_throttle = true;
    int64_t now = clock_wall_ms();
    cr_expect_eq(mark(now), 1);
    cr_expect_eq(process(now, 1), 1);
    size_t n;
    cr_expect_eq(announced(w.id, &n), 65);
}

static void on_event_id(const webhook_event_t *ev, void *user)
{
    snprintf(user, 37, "%s", ev->id);
}

/* Rafiki's deprecated withdrawEventLiquidity(eventId) on a web monetization event: the amount
 * it announced, under its id, once. */
Test(wa_events, withdraw_by_event)
{
    E.ctx.withdrawal_throttle = true;
    wallet_address_t w = pc_wallet(&E, "eve");
    cr_assert_eq(pc_pay(&E, w.account_id, 30), LEDGER_OK);
    int64_t now = clock_wall_ms();
    cr_assert_eq(mark(now), 1);
    cr_assert_eq(process(now, 1), 1);
    cr_assert_eq(pc_pay(&E, w.account_id, 8), LEDGER_OK); /* not announced yet */
    char id[37] = "";
    webhook_filter_t f = {.type = WM, .state = -1, .limit = 1};
    db_err_t err;
    cr_assert_eq(webhook_events_list(E.db, &f, on_event_id, id, &err), DB_OK);
    cr_assert_neq(id[0], '\0');
    payment_withdrawal_t out;
    cr_assert_eq(payment_liquidity_event_withdraw(NULL, &E.ctx, id, &out), PAYMENT_LIQUIDITY_OK);
    cr_expect_eq(out.amount, 30, "what the event announced");
    cr_expect_eq(pc_balance(&E, w.account_id), 8);
    cr_expect_eq(payment_liquidity_event_withdraw(NULL, &E.ctx, id, &out),
                 PAYMENT_LIQUIDITY_TRANSFER_EXISTS);
    cr_expect_eq(payment_liquidity_withdrawal_resolve(E.l, out.id, true),
                 PAYMENT_LIQUIDITY_ALREADY_POSTED, "posted at once");
    cr_expect_eq(payment_liquidity_event_withdraw(NULL, &E.ctx,
                                                  "dddddddd-0000-4000-8000-000000000001", &out),
                 PAYMENT_LIQUIDITY_UNKNOWN_EVENT);
    cr_expect_eq(pc_balance(&E, w.account_id), 8);
}
