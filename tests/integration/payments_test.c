/*
 * Quotes and outgoing payments end to end over the admin API: a real HTTP server, the real
 * ledger over a temp SQLite file (suite outgoing_sqlite) or Postgres (outgoing_pg, when
 * TEST_POSTGRES_URL is set). The worker is driven with outgoing_payments_run_due so every
 * step is observable.
 *
 * Wallet addresses and incoming payments are the real modules (wallet_address.h,
 * incoming_payment.h) through quote_directory_wallets, as in `rafiki serve`.
 */
#include <criterion/criterion.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "admin/admin.h"
#include "payments/incoming_payment.h"
#include "payments/outgoing_payment.h"
#include "payments/outgoing_payment_internal.h"
#include "payments/payment_liquidity.h"
#include "payments/fee.h"
#include "payments/tenants.h"
#include "admin/admin_outgoing.h"
#include "payments/webhooks.h"
#include "admin/admin_payments.h"
#include "connector/rates.h"
#include "base/rand.h"
#include "http/client.h"
#include "http/server.h"
#include "ledger/ledger.h"
#include "store/cache.h"
#include "store/db.h"

#define SECRET  "payments-test-secret-0123456789"
#define DIR_MAX 16

typedef struct {
    ledger_id_t id, account_id;
} wallet_ref_t;

typedef struct {
    wallet_ref_t w[DIR_MAX];
    size_t nw;
    char url[DIR_MAX][256];
    struct {
        ledger_id_t id, account_id;
    } r[DIR_MAX];
    size_t nr;
} directory_t;

static struct {
    char path[256];
    db_t *db;
    cache_t *cache;
    ledger_t *ledger;
    admin_ctx_t admin;
    wallet_ctx_t wallets;
    quote_svc_t qs;
    outgoing_payments_t *op;
    http_server_t *srv;
    http_client_t *client;
    char base[64];
    directory_t dir;
    ledger_asset_t asset;
    ledger_asset_t asset2; /* a second asset: asset -> asset2 converts at 0.9 */
    rates_t *rates;
} fx;

static void fx_start(bool pg, const char *fees)
{
    memset(&fx, 0, sizeof fx);
    db_err_t err;
    char url[300];
    if (pg) {
        snprintf(url, sizeof url, "%s", getenv("TEST_POSTGRES_URL"));
    } else {
        snprintf(fx.path, sizeof fx.path, "/tmp/rafiki-payments-test-%d-%llx.db", (int)getpid(),
                 (unsigned long long)rand_u64());
        snprintf(url, sizeof url, "sqlite:%s", fx.path);
    }
    fx.db = db_open(url, &err);
    cr_assert_not_null(fx.db, "db_open: %s", err.msg);
    const char *dir = getenv("RAFIKI_SQL_DIR");
    cr_assert_eq(db_migrate(fx.db, dir ? dir : "sql", NULL, &err), DB_OK, "%s", err.msg);
    cache_err_t cerr;
    fx.cache = cache_open(NULL, &cerr);
    cr_assert_not_null(fx.cache);
    fx.ledger = ledger_open(fx.db, NULL, &err);
    cr_assert_not_null(fx.ledger, "ledger_open: %s", err.msg);
    fx.admin = (admin_ctx_t){.secret = SECRET, .ledger = fx.ledger, .db = fx.db, .cache = fx.cache};
    fx.wallets = (wallet_ctx_t){.db = fx.db,
                                .ledger = fx.ledger,
                                .op_url = "http://localhost:3000",
                                .incoming_expiry_max_ms = INCOMING_PAYMENT_EXPIRY_MAX_MS_DEFAULT};
    fx.qs = (quote_svc_t){.ledger = fx.ledger,
                          .db = fx.db,
                          .dir = quote_directory_wallets(&fx.wallets),
                          .slippage_ppm = QUOTE_SLIPPAGE_PPM_DEFAULT,
                          .lifespan_ms = QUOTE_LIFESPAN_MS_DEFAULT};
    /* A fresh asset code per run: Postgres is shared between runs. */
    snprintf(fx.asset.code, sizeof fx.asset.code, "P%08llX",
             (unsigned long long)(rand_u64() & 0xffffffffu));
    fx.asset.scale = 2;
    cr_assert_eq(ledger_asset_create(fx.ledger, &fx.asset), LEDGER_OK);
    snprintf(fx.asset2.code, sizeof fx.asset2.code, "Q%08llX",
             (unsigned long long)(rand_u64() & 0xffffffffu));
    fx.asset2.scale = 2;
    cr_assert_eq(ledger_asset_create(fx.ledger, &fx.asset2), LEDGER_OK);
    char spec[128], rates_json[128];
    snprintf(rates_json, sizeof rates_json, "{\"%s\":{\"%s\":\"0.9\"}}", fx.asset.code,
             fx.asset2.code);
    rates_config_t rc = {.static_json = rates_json};
    fx.rates = rates_new(&rc, NULL);
    cr_assert_not_null(fx.rates);
    fx.qs.rates = fx.rates;
    snprintf(spec, sizeof spec, "%s:%s", fx.asset.code, fees);
    cr_assert_eq(fees_table_parse(spec, strlen(spec), &fx.qs.fees), 0);
    outgoing_payments_config_t oc = {.quotes = &fx.qs, .retry_ms = 1};
    fx.op = outgoing_payments_new(&oc);
    http_server_config_t hc = {.port = 0, .threads = 4, .name = "payments-test"};
    fx.srv = http_server_new(&hc);
    cr_assert_eq(admin_outgoing_register(fx.srv, &fx.admin, fx.op), 0);
    cr_assert_eq(admin_incoming_register(fx.srv, &fx.admin, &fx.wallets), 0);
    cr_assert_eq(admin_ledger_register(fx.srv, &fx.admin), 0);
    cr_assert_eq(http_server_start(fx.srv), 0);
    snprintf(fx.base, sizeof fx.base, "http://127.0.0.1:%u", (unsigned)http_server_port(fx.srv));
    fx.client = http_client_new(NULL);
}

static void fx_stop(void)
{
    http_client_free(fx.client);
    http_server_free(fx.srv);
    outgoing_payments_free(fx.op);
    rates_free(fx.rates);
    ledger_close(fx.ledger);
    cache_close(fx.cache);
    db_close(fx.db);
    const char *suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; fx.path[0] && i < 3; i++) {
        char p[300];
        snprintf(p, sizeof p, "%s%s", fx.path, suffix[i]);
        unlink(p);
    }
}

/* ---- HTTP ---- */

typedef struct {
    unsigned status;
    json_t *json;
} reply_t;

/* A request on client c; status 0 when it got no answer. Asserts nothing (any thread). */
static reply_t http_on(http_client_t *c, const char *method, const char *path, const char *body)
{
    char url[512];
    snprintf(url, sizeof url, "%s%s", fx.base, path);
    http_header_t h[] = {{"Content-Type", "application/json"}, {"Authorization", "Bearer " SECRET}};
    http_client_req_t rq = {.method = method,
                            .url = url,
                            .headers = h,
                            .n_headers = 2,
                            .body = body ? SLICE_STR(body) : SLICE(NULL, 0),
                            .timeout_ms = 10000};
    http_client_resp_t out;
    if (http_client_do_sync(c, &rq, &out) != HTTP_CLIENT_OK)
        return (reply_t){0};
    reply_t r = {.status = out.status,
                 .json = json_loadb((const char *)out.body.ptr, out.body.len, 0, NULL)};
    http_client_resp_free(&out);
    return r;
}

static reply_t http(const char *method, const char *path, const char *body)
{
    char url[512];
    snprintf(url, sizeof url, "%s%s", fx.base, path);
    http_header_t h[] = {{"Content-Type", "application/json"}, {"Authorization", "Bearer " SECRET}};
    http_client_req_t rq = {.method = method,
                            .url = url,
                            .headers = h,
                            .n_headers = 2,
                            .body = body ? SLICE_STR(body) : SLICE(NULL, 0),
                            .timeout_ms = 10000};
    http_client_resp_t out;
    cr_assert_eq(http_client_do_sync(fx.client, &rq, &out), HTTP_CLIENT_OK);
    reply_t r = {.status = out.status,
                 .json = json_loadb((const char *)out.body.ptr, out.body.len, 0, NULL)};
    http_client_resp_free(&out);
    return r;
}

static const char *field(const reply_t *r, const char *key)
{
    const char *s = json_string_value(json_object_get(r->json, key));
    return s ? s : "";
}

static const char *amount_value(const reply_t *r, const char *key)
{
    const char *s = json_string_value(json_object_get(json_object_get(r->json, key), "value"));
    return s ? s : "";
}

static const char *error_code(const reply_t *r)
{
    const char *s = json_string_value(json_object_get(json_object_get(r->json, "error"), "code"));
    return s ? s : "";
}

/* Expects an error status and code from a request. */
static void expect_error(const char *method, const char *path, const char *body, unsigned status,
                         const char *code)
{
    reply_t r = http(method, path, body);
    cr_expect_eq(r.status, status, "%s %s %s -> %u", method, path, body, r.status);
    cr_expect_str_eq(error_code(&r), code, "%s", body);
    json_decref(r.json);
}

/* ---- fixtures: wallets, incoming payments, money ---- */

static void wallet_set_active(size_t i, bool active)
{
    wallet_address_t w;
    db_err_t e;
    cr_assert_eq(wallet_address_update(&fx.wallets, fx.dir.w[i].id, NULL, &active, &w, &e),
                 WALLET_ADDRESS_OK);
}

static size_t wallet_new_in(const ledger_asset_t *asset, bool active)
{
    char url[128];
    snprintf(url, sizeof url, "http://localhost:3000/w%016llx", (unsigned long long)rand_u64());
    wallet_address_t w;
    db_err_t e;
    cr_assert_eq(wallet_address_create(&fx.wallets, asset->id, url, NULL, &w, &e),
                 WALLET_ADDRESS_OK, "%s", e.msg);
    size_t i = fx.dir.nw++;
    fx.dir.w[i] = (wallet_ref_t){.id = w.id, .account_id = w.account_id};
    if (!active)
        wallet_set_active(i, false);
    return i;
}

static size_t wallet_new(bool active)
{
    return wallet_new_in(&fx.asset, active);
}

static void deposit(size_t wallet, uint64_t amount)
{
    ledger_op_t op = {.kind = LEDGER_OP_CREATE,
                      .id = ledger_id_random(),
                      .debit_account_id = fx.asset.settlement_account_id,
                      .credit_account_id = fx.dir.w[wallet].account_id,
                      .amount = amount,
                      .code = PAY_CODE_DEPOSIT};
    ledger_result_t res;
    cr_assert_eq(ledger_transfers_execute(fx.ledger, &op, 1, &res), LEDGER_OK);
    cr_assert_eq(res, LEDGER_OK);
}

/* An incoming payment of wallet `to` (amount 0: none); returns its index. */
static size_t incoming_new(size_t to, uint64_t amount)
{
    incoming_payment_new_t in = {.wallet_address_id = fx.dir.w[to].id,
                                 .has_incoming_amount = amount > 0,
                                 .incoming_amount = amount};
    incoming_payment_t *ip = malloc(sizeof *ip);
    db_err_t e;
    cr_assert_eq(incoming_payment_create(&fx.wallets, &in, ip, &e), INCOMING_PAYMENT_OK, "%s",
                 e.msg);
    size_t i = fx.dir.nr++;
    fx.dir.r[i].account_id = ip->account_id;
    fx.dir.r[i].id = ip->id;
    cr_assert_eq(incoming_payment_url(&fx.wallets, ip->id, fx.dir.url[i], sizeof fx.dir.url[i]), 0);
    free(ip);
    return i;
}

static int64_t balance(ledger_id_t account)
{
    ledger_status_t st;
    cr_assert_eq(ledger_account_status(fx.ledger, account, &st), LEDGER_OK);
    return st.balance;
}

/* What an incoming payment's invoice account received (its credits_posted): its balance goes
 * to the wallet account when the payment completes. */
static uint64_t received(ledger_id_t account)
{
    ledger_status_t st;
    cr_assert_eq(ledger_account_status(fx.ledger, account, &st), LEDGER_OK);
    return st.total_received;
}

static void id_str(ledger_id_t id, char out[LEDGER_ID_STR_LEN + 1])
{
    ledger_id_format(id, out);
}

/* POST /quotes for wallet w to incoming payment r with an extra JSON fragment (may be ""). */
static reply_t quote_post(size_t w, size_t r, const char *extra)
{
    char wid[LEDGER_ID_STR_LEN + 1], body[1024];
    id_str(fx.dir.w[w].id, wid);
    snprintf(body, sizeof body, "{\"wallet_address_id\":\"%s\",\"receiver\":\"%s\"%s}", wid,
             fx.dir.url[r], extra);
    return http("POST", "/quotes", body);
}

/* A quote that must succeed; its id is copied to quote_id. */
static void quote_ok(size_t w, size_t r, const char *extra, char quote_id[64])
{
    reply_t q = quote_post(w, r, extra);
    cr_assert_eq(q.status, 201, "quote -> %u %s", q.status, error_code(&q));
    snprintf(quote_id, 64, "%s", field(&q, "id"));
    json_decref(q.json);
}

static reply_t payment_post(size_t w, const char *quote_id)
{
    char wid[LEDGER_ID_STR_LEN + 1], body[512];
    id_str(fx.dir.w[w].id, wid);
    snprintf(body, sizeof body,
             "{\"wallet_address_id\":\"%s\",\"quote_id\":\"%s\",\"metadata\":{\"memo\":\"t\"}}",
             wid, quote_id);
    return http("POST", "/outgoing-payments", body);
}

static void payment_ok(size_t w, const char *quote_id, char pid[64])
{
    reply_t p = payment_post(w, quote_id);
    cr_assert_eq(p.status, 201, "payment -> %u %s", p.status, error_code(&p));
    cr_expect_str_eq(field(&p, "state"), "FUNDING");
    snprintf(pid, 64, "%s", field(&p, "id"));
    json_decref(p.json);
}

/* Runs the workers until nothing is due and returns the payment's state. */
static bool settled(ledger_id_t id)
{
    outgoing_payment_t *p = malloc(sizeof *p);
    cr_assert_eq(outgoing_payment_get(fx.op, id, p), OUTGOING_PAYMENT_OK);
    bool done = p->settled;
    free(p);
    return done;
}

/* Runs worker passes until the payment is settled or nothing is due (on the shared Postgres,
 * rows of earlier cases waiting for funds stay due: a pass may not reach this one), then
 * returns its state. */
static const char *state_after_work(const char *pid, char out[32])
{
    ledger_id_t id;
    cr_assert_eq(ledger_id_parse(pid, strlen(pid), &id), 0);
    for (int i = 0; i < 200 && !settled(id); i++) {
        if (outgoing_payments_run_due(fx.op, 16) == 0 && i >= 3)
            break;
        usleep(2000);
    }
    char path[128];
    snprintf(path, sizeof path, "/outgoing-payments/%s", pid);
    reply_t r = http("GET", path, NULL);
    cr_assert_eq(r.status, 200);
    snprintf(out, 32, "%s", field(&r, "state"));
    json_decref(r.json);
    return out;
}

static void payment_path(const char *pid, const char *suffix, char out[160])
{
    snprintf(out, 160, "/outgoing-payments/%s%s", pid, suffix);
}

static ledger_id_t parse_id(const char *s)
{
    ledger_id_t id;
    cr_assert_eq(ledger_id_parse(s, strlen(s), &id), 0, "'%s'", s);
    return id;
}

static void amount_extra(char *out, size_t cap, const char *key, const char *value,
                         const char *code)
{
    snprintf(out, cap, ",\"%s\":{\"value\":\"%s\",\"asset_code\":\"%s\",\"asset_scale\":2}", key,
             value, code);
}

static void expect_quote_error(size_t w, size_t r, const char *extra, unsigned status,
                               const char *code)
{
    reply_t q = quote_post(w, r, extra);
    cr_expect_eq(q.status, status, "%s -> %u", extra, q.status);
    cr_expect_str_eq(error_code(&q), code, "%s", extra);
    json_decref(q.json);
}

/* Appends each event's type to the comma-separated list in user. */
static void event_type(const webhook_event_t *e, void *user)
{
    char *list = user;
    size_t n = strlen(list);
    snprintf(list + n, 256 - n, "%s%s", n ? "," : "", e->type);
}

/* The webhook event types recorded for resource id, oldest first. */
static void events_of(const char *id, char out[256])
{
    out[0] = '\0';
    webhook_filter_t f = {.resource_id = id, .state = -1, .limit = 20};
    db_err_t e;
    cr_assert_eq(webhook_events_list(fx.db, &f, event_type, out, &e), DB_OK, "%s", e.msg);
}

/* ---- cases ---- */

static void case_local_payment_completes(void)
{
    size_t a = wallet_new(true), b = wallet_new(true);
    deposit(a, 10000);
    size_t ip = incoming_new(b, 500);
    reply_t q = quote_post(a, ip, "");
    cr_assert_eq(q.status, 201);
    cr_expect_str_eq(amount_value(&q, "receive_amount"), "500", "the remaining amount");
    cr_expect_str_eq(amount_value(&q, "debit_amount"), "515", "500 + 10 + 1 %%");
    cr_expect_str_eq(amount_value(&q, "fee"), "15");
    char qid[64], pid[64], st[32], path[160];
    snprintf(qid, sizeof qid, "%s", field(&q, "id"));
    json_decref(q.json);
    snprintf(path, sizeof path, "/quotes/%s", qid);
    reply_t g = http("GET", path, NULL);
    cr_expect_eq(g.status, 200);
    cr_expect_str_eq(amount_value(&g, "debit_amount"), "515");
    json_decref(g.json);

    payment_ok(a, qid, pid);
    cr_assert_str_eq(state_after_work(pid, st), "COMPLETED");
    /* the invoice is full: the payment does not complete it itself (its worker's next pass
     * does, off the payment's path); no worker runs here, so a read of it ends it, as any read
     * of a paid-in-full incoming payment does */
    cr_expect_eq(received(fx.dir.r[ip].account_id), 500);
    incoming_payment_t *got = malloc(sizeof *got);
    db_err_t e;
    cr_assert_eq(incoming_payment_get(&fx.wallets, fx.dir.r[ip].id, got, &e), INCOMING_PAYMENT_OK);
    cr_expect_eq(got->state, INCOMING_PAYMENT_COMPLETED);
    free(got);
    cr_expect_eq(balance(fx.dir.w[b].account_id), 500, "the invoice was swept into bob's wallet");
    cr_expect_eq(balance(fx.dir.w[a].account_id), 10000 - 515);
    cr_expect_eq(received(fx.dir.r[ip].account_id), 500);
    cr_expect_eq(balance(fx.asset.liquidity_account_id), 15, "the fee is the operator's");
    cr_expect_eq(balance(parse_id(pid)), 0, "nothing left in the outgoing account");
    payment_path(pid, "", path);
    reply_t p = http("GET", path, NULL);
    cr_expect_str_eq(amount_value(&p, "sent_amount"), "500");
    cr_expect_str_eq(
        json_string_value(json_object_get(json_object_get(p.json, "metadata"), "memo")), "t");
    json_decref(p.json);

    reply_t again = payment_post(a, qid);
    cr_expect_eq(again.status, 409);
    cr_expect_str_eq(error_code(&again), "quote_already_used");
    json_decref(again.json);
    payment_path(pid, "/cancel", path);
    expect_error("POST", path, "{}", 409, "outgoing_payment_not_cancellable");
    cr_expect_eq(balance(fx.dir.w[a].account_id), 10000 - 515, "no second payment");
    expect_quote_error(a, ip, "", 422, "receiver_inactive");
    char events[256];
    events_of(pid, events);
    cr_expect_str_eq(events, "outgoing_payment.created,outgoing_payment.funded,"
                             "outgoing_payment.completed");
}

static void case_fixed_debit_charges_the_fee_on_the_debit(void)
{
    /* 50 %, as Rafiki: the fee is charged on the debit of 5 (ceil 2.5 = 3), 2 are sent */
    size_t a = wallet_new(true), b = wallet_new(true);
    deposit(a, 100);
    size_t ip = incoming_new(b, 0);
    char extra[160], qid[64], pid[64], st[32];
    snprintf(extra, sizeof extra,
             ",\"debit_amount\":{\"value\":\"5\",\"asset_code\":\"%s\",\"asset_scale\":2}",
             fx.asset.code);
    quote_ok(a, ip, extra, qid);
    payment_ok(a, qid, pid);
    cr_assert_str_eq(state_after_work(pid, st), "COMPLETED");
    cr_expect_eq(received(fx.dir.r[ip].account_id), 2);
    cr_expect_eq(balance(fx.asset.liquidity_account_id), 3);
    cr_expect_eq(balance(fx.dir.w[a].account_id), 95);
    cr_expect_eq(balance(parse_id(pid)), 0);
}

static void case_waits_for_funds_and_cancels(void)
{
    size_t a = wallet_new(true), b = wallet_new(true);
    size_t ip = incoming_new(b, 0);
    char extra[160], qid[64], pid[64], st[32], path[160];
    snprintf(extra, sizeof extra,
             ",\"receive_amount\":{\"value\":\"100\",\"asset_code\":\"%s\",\"asset_scale\":2}",
             fx.asset.code);
    quote_ok(a, ip, extra, qid);
    payment_ok(a, qid, pid);
    cr_expect_str_eq(state_after_work(pid, st), "FUNDING", "no balance: it waits");
    deposit(a, 1000);
    usleep(5000);
    cr_expect_str_eq(state_after_work(pid, st), "COMPLETED", "funded by the deposit");
    cr_expect_eq(balance(fx.dir.w[a].account_id), 1000 - 100 - 10 - 1);

    snprintf(extra, sizeof extra,
             ",\"receive_amount\":{\"value\":\"5000\",\"asset_code\":\"%s\",\"asset_scale\":2}",
             fx.asset.code);
    quote_ok(a, ip, extra, qid);
    payment_ok(a, qid, pid);
    cr_expect_str_eq(state_after_work(pid, st), "FUNDING");
    payment_path(pid, "/cancel", path);
    reply_t c = http("POST", path, "{}");
    cr_expect_eq(c.status, 200);
    cr_expect_str_eq(field(&c, "state"), "CANCELLED");
    json_decref(c.json);
    deposit(a, 10000);
    usleep(5000);
    cr_expect_str_eq(state_after_work(pid, st), "CANCELLED", "a deposit does not revive it");
    cr_expect_eq(balance(fx.dir.w[a].account_id), 889 + 10000);
    cr_expect_eq(received(fx.dir.r[ip].account_id), 100);
}

/* A worker killed after a ledger commit and before its row update: the next run finds the
 * transfers under the same ids (LEDGER_EXISTS) and pays nothing twice. */
static void case_exactly_once_after_a_crash(void)
{
    size_t a = wallet_new(true), b = wallet_new(true);
    deposit(a, 1000);
    size_t ip = incoming_new(b, 300);
    char qid[64], pid[64], st[32];
    quote_ok(a, ip, "", qid); /* 300 + 10 + 3 */
    payment_ok(a, qid, pid);
    ledger_id_t p = parse_id(pid);
    /* the chain the worker submits for a local receiver: fund, send, fee */
    ledger_op_t ops[3] = {
        {.kind = LEDGER_OP_CREATE,
         .flags = LEDGER_F_LINKED,
         .id = outgoing_payment_transfer_id(p, OUTGOING_PAYMENT_CODE_FUND),
         .debit_account_id = fx.dir.w[a].account_id,
         .credit_account_id = p,
         .amount = 313,
         .code = OUTGOING_PAYMENT_CODE_FUND},
        {.kind = LEDGER_OP_CREATE,
         .flags = LEDGER_F_LINKED,
         .id = outgoing_payment_transfer_id(p, OUTGOING_PAYMENT_CODE_SEND),
         .debit_account_id = p,
         .credit_account_id = fx.dir.r[ip].account_id,
         .amount = 300,
         .code = OUTGOING_PAYMENT_CODE_SEND},
        {.kind = LEDGER_OP_CREATE,
         .id = outgoing_payment_transfer_id(p, OUTGOING_PAYMENT_CODE_FEE),
         .debit_account_id = p,
         .credit_account_id = fx.asset.liquidity_account_id,
         .amount = 13,
         .code = OUTGOING_PAYMENT_CODE_FEE},
    };
    ledger_result_t res[3];
    cr_assert_eq(ledger_transfers_execute(fx.ledger, ops, 3, res), LEDGER_OK);
    cr_assert(res[0] == LEDGER_OK && res[1] == LEDGER_OK && res[2] == LEDGER_OK);
    cr_assert_str_eq(state_after_work(pid, st), "COMPLETED");
    cr_expect_eq(balance(fx.dir.w[a].account_id), 1000 - 313, "debited once");
    cr_expect_eq(received(fx.dir.r[ip].account_id), 300, "paid once");
    cr_expect_eq(balance(p), 0);
}

/* A cancel that lands after a funding transfer committed (remote payments fund before they
 * stream): the funds come back. */
static void case_cancel_after_funding_settles(void)
{
    size_t a = wallet_new(true), b = wallet_new(true);
    deposit(a, 1000);
    size_t ip = incoming_new(b, 100);
    char qid[64], pid[64], st[32], path[160];
    quote_ok(a, ip, "", qid);
    payment_ok(a, qid, pid);
    ledger_id_t p = parse_id(pid);
    ledger_op_t fund = {.kind = LEDGER_OP_CREATE,
                        .id = outgoing_payment_transfer_id(p, OUTGOING_PAYMENT_CODE_FUND),
                        .debit_account_id = fx.dir.w[a].account_id,
                        .credit_account_id = p,
                        .amount = 111,
                        .code = OUTGOING_PAYMENT_CODE_FUND};
    ledger_result_t res;
    cr_assert_eq(ledger_transfers_execute(fx.ledger, &fund, 1, &res), LEDGER_OK);
    cr_assert_eq(res, LEDGER_OK);
    payment_path(pid, "/cancel", path);
    reply_t c = http("POST", path, "{}");
    cr_assert_eq(c.status, 200);
    json_decref(c.json);
    cr_expect_str_eq(state_after_work(pid, st), "CANCELLED");
    cr_expect_eq(balance(fx.dir.w[a].account_id), 1000, "the funding came back");
    cr_expect_eq(received(fx.dir.r[ip].account_id), 0);
    cr_expect_eq(balance(p), 0);
    char events[256];
    events_of(pid, events);
    cr_expect_str_eq(events, "outgoing_payment.created,outgoing_payment.cancelled",
                     "a cancel is no completion or failure, and is reported as Rafiki does");
}

/* The incoming payment is completed between quote and payment: the receiver refuses, the
 * payment FAILS and everything goes back to the wallet. */
static void case_receiver_refuses(void)
{
    size_t a = wallet_new(true), b = wallet_new(true);
    deposit(a, 1000);
    size_t ip = incoming_new(b, 300);
    char qid[64], pid[64], st[32], events[256];
    quote_ok(a, ip, "", qid);
    incoming_payment_t *done = malloc(sizeof *done);
    db_err_t e;
    cr_assert_eq(incoming_payment_complete(&fx.wallets, fx.dir.r[ip].id, done, &e),
                 INCOMING_PAYMENT_OK);
    free(done);
    payment_ok(a, qid, pid);
    cr_assert_str_eq(state_after_work(pid, st), "FAILED");
    char path[160];
    payment_path(pid, "", path);
    reply_t p = http("GET", path, NULL);
    cr_expect_str_eq(field(&p, "error"), "receiver_refused");
    json_decref(p.json);
    cr_expect_eq(balance(fx.dir.w[a].account_id), 1000, "the funding came back");
    cr_expect_eq(balance(parse_id(pid)), 0);
    events_of(pid, events);
    cr_expect_str_eq(events, "outgoing_payment.created,outgoing_payment.failed");
}

static void case_bad_quotes(void)
{
    size_t a = wallet_new(true), b = wallet_new(true), off = wallet_new(false);
    size_t ip = incoming_new(b, 300), open_ip = incoming_new(b, 0);
    const char *c = fx.asset.code;
    char x[256], y[512];
    expect_quote_error(off, ip, "", 422, "wallet_address_inactive");
    amount_extra(x, sizeof x, "debit_amount", "100", "XXX");
    expect_quote_error(a, ip, x, 422, "asset_mismatch");
    amount_extra(x, sizeof x, "debit_amount", "-5", c);
    expect_quote_error(a, ip, x, 400, "invalid_amount");
    amount_extra(x, sizeof x, "debit_amount", "18446744073709551616", c);
    expect_quote_error(a, ip, x, 400, "invalid_amount");
    amount_extra(x, sizeof x, "receive_amount", "18446744073709551615", c);
    expect_quote_error(a, open_ip, x, 422, "amount_overflow");
    amount_extra(x, sizeof x, "receive_amount", "301", c);
    expect_quote_error(a, ip, x, 422, "receive_amount_exceeds_incoming");
    amount_extra(x, sizeof x, "debit_amount", "10", c);
    expect_quote_error(a, ip, x, 422, "amount_too_low");
    amount_extra(x, sizeof x, "debit_amount", "0", c);
    expect_quote_error(a, ip, x, 400, "amount_zero");
    amount_extra(x, sizeof x, "debit_amount", "100", c);
    amount_extra(y, sizeof y, "receive_amount", "100", c);
    strncat(x, y, sizeof x - strlen(x) - 1);
    expect_quote_error(a, ip, x, 400, "amounts_conflict");
    expect_quote_error(a, open_ip, "", 422, "amount_required");

    char body[512], wid[LEDGER_ID_STR_LEN + 1];
    id_str(fx.dir.w[a].id, wid);
    snprintf(body, sizeof body, "{\"wallet_address_id\":\"%s\",\"receiver\":\"http://x/y\"}", wid);
    expect_error("POST", "/quotes", body, 422, "receiver_not_found");
    snprintf(body, sizeof body, "{\"wallet_address_id\":\"%s\",\"receiver\":\"%s\"}",
             "00000000-0000-4000-8000-000000000001", fx.dir.url[ip]);
    expect_error("POST", "/quotes", body, 422, "wallet_address_not_found");
    expect_error("GET", "/quotes/00000000-0000-4000-8000-000000000001", NULL, 404,
                 "quote_not_found");
}

static void case_bad_payments(void)
{
    size_t a = wallet_new(true), b = wallet_new(true), other = wallet_new(true);
    size_t ip = incoming_new(b, 300);
    char qid[64], body[512], wid[LEDGER_ID_STR_LEN + 1];
    quote_ok(a, ip, "", qid);
    reply_t p = payment_post(other, qid);
    cr_expect_eq(p.status, 422);
    cr_expect_str_eq(error_code(&p), "quote_wallet_mismatch");
    json_decref(p.json);
    p = payment_post(a, "00000000-0000-4000-8000-000000000001");
    cr_expect_str_eq(error_code(&p), "quote_not_found");
    json_decref(p.json);
    id_str(fx.dir.w[a].id, wid);
    snprintf(body, sizeof body,
             "{\"wallet_address_id\":\"%s\",\"quote_id\":\"%s\",\"grant_id\":"
             "\"00000000-0000-4000-8000-000000000002\",\"limits\":{\"debit_amount\":{}}}",
             wid, qid);
    expect_error("POST", "/outgoing-payments", body, 400, "missing_field");
    snprintf(body, sizeof body, "{\"wallet_address_id\":\"%s\",\"quote_id\":\"%s\",\"limits\":{}}",
             wid, qid);
    expect_error("POST", "/outgoing-payments", body, 400, "missing_field");
    snprintf(body, sizeof body,
             "{\"wallet_address_id\":\"%s\",\"quote_id\":\"%s\",\"metadata\":[1]}", wid, qid);
    expect_error("POST", "/outgoing-payments", body, 400, "invalid_field");
    expect_error("GET", "/outgoing-payments/00000000-0000-4000-8000-000000000001", NULL, 404,
                 "outgoing_payment_not_found");
    expect_error("POST", "/outgoing-payments/00000000-0000-4000-8000-000000000001/cancel", "{}",
                 404, "outgoing_payment_not_found");

    wallet_set_active(a, false);
    p = payment_post(a, qid);
    cr_expect_str_eq(error_code(&p), "wallet_address_inactive");
    json_decref(p.json);
    wallet_set_active(a, true);

    fx.qs.lifespan_ms = 1;
    quote_ok(a, ip, "", qid);
    usleep(5000);
    p = payment_post(a, qid);
    cr_expect_eq(p.status, 422);
    cr_expect_str_eq(error_code(&p), "quote_expired");
    json_decref(p.json);
    fx.qs.lifespan_ms = QUOTE_LIFESPAN_MS_DEFAULT;
}

/* POST /outgoing-payments of quote qid from wallet w under grant with limits (JSON text). */
static reply_t granted_post(size_t w, const char *qid, const char *grant, const char *limits)
{
    char wid[LEDGER_ID_STR_LEN + 1], body[1024];
    id_str(fx.dir.w[w].id, wid);
    snprintf(body, sizeof body,
             "{\"wallet_address_id\":\"%s\",\"quote_id\":\"%s\",\"grant_id\":\"%s\","
             "\"limits\":%s}",
             wid, qid, grant, limits);
    return http("POST", "/outgoing-payments", body);
}

/* A grant's debit limit: payments past it are refused, a cancel gives its share back. */
static void case_grant_limits(void)
{
    size_t a = wallet_new(true), b = wallet_new(true);
    size_t ip = incoming_new(b, 0);
    char grant[LEDGER_ID_STR_LEN + 1], limits[256], extra[160], q[3][64], pid[64], path[160];
    id_str(ledger_id_random(), grant);
    snprintf(limits, sizeof limits,
             "{\"debit_amount\":{\"value\":\"1000\",\"asset_code\":\"%s\",\"asset_scale\":2}}",
             fx.asset.code);
    amount_extra(extra, sizeof extra, "debit_amount", "400", fx.asset.code);
    for (int i = 0; i < 3; i++)
        quote_ok(a, ip, extra, q[i]);
    reply_t r = granted_post(a, q[0], grant, limits);
    cr_assert_eq(r.status, 201);
    json_decref(r.json);
    r = granted_post(a, q[1], grant, limits);
    cr_assert_eq(r.status, 201);
    snprintf(pid, sizeof pid, "%s", field(&r, "id"));
    json_decref(r.json);
    r = granted_post(a, q[2], grant, limits);
    cr_expect_eq(r.status, 422, "1200 > 1000");
    cr_expect_str_eq(error_code(&r), "grant_limit_exceeded");
    json_decref(r.json);
    payment_path(pid, "/cancel", path);
    r = http("POST", path, "{}");
    cr_assert_eq(r.status, 200);
    json_decref(r.json);
    r = granted_post(a, q[2], grant, limits);
    cr_expect_eq(r.status, 201, "the cancelled payment gave its 400 back");
    json_decref(r.json);
    snprintf(limits, sizeof limits,
             "{\"debit_amount\":{\"value\":\"1000\",\"asset_code\":\"XYZ\",\"asset_scale\":2}}");
    quote_ok(a, ip, extra, q[0]);
    r = granted_post(a, q[0], grant, limits);
    cr_expect_eq(r.status, 422);
    cr_expect_str_eq(error_code(&r), "asset_mismatch");
    json_decref(r.json);
}

/* An incoming payment in the second asset: priced at 0.9, paid through both liquidity
 * accounts in one chain; exactly the quoted amounts move. */
static void case_local_across_assets(void)
{
    size_t a = wallet_new(true), b = wallet_new_in(&fx.asset2, true);
    deposit(a, 10000);
    ledger_op_t liq = {.kind = LEDGER_OP_CREATE,
                       .id = ledger_id_random(),
                       .debit_account_id = fx.asset2.settlement_account_id,
                       .credit_account_id = fx.asset2.liquidity_account_id,
                       .amount = 100000,
                       .code = PAY_CODE_DEPOSIT};
    ledger_result_t res;
    cr_assert_eq(ledger_transfers_execute(fx.ledger, &liq, 1, &res), LEDGER_OK);
    size_t ip = incoming_new(b, 900);
    reply_t q = quote_post(a, ip, "");
    cr_assert_eq(q.status, 201, "%s", error_code(&q));
    cr_expect_str_eq(amount_value(&q, "receive_amount"), "900");
    cr_expect_str_eq(amount_value(&q, "debit_amount"), "1000", "900 / 0.9, no fees here");
    char qid[64], pid[64], st[32], x[256];
    snprintf(qid, sizeof qid, "%s", field(&q, "id"));
    json_decref(q.json);
    payment_ok(a, qid, pid);
    cr_assert_str_eq(state_after_work(pid, st), "COMPLETED");
    cr_expect_eq(received(fx.dir.r[ip].account_id), 900);
    cr_expect_eq(balance(fx.dir.w[a].account_id), 9000);
    cr_expect_eq(balance(fx.asset.liquidity_account_id), 1000);
    cr_expect_eq(balance(fx.asset2.liquidity_account_id), 100000 - 900);
    /* a debit in the wallet's asset floors what arrives; an amount in a third asset is refused */
    size_t ip2 = incoming_new(b, 0);
    amount_extra(x, sizeof x, "debit_amount", "101", fx.asset.code);
    q = quote_post(a, ip2, x);
    cr_expect_str_eq(amount_value(&q, "receive_amount"), "90", "floor(101 x 0.9)");
    json_decref(q.json);
    amount_extra(x, sizeof x, "receive_amount", "100", fx.asset.code);
    expect_quote_error(a, ip2, x, 422, "asset_mismatch");
}

/* A payment under a grant fails: what it did not send goes back to the grant. */
static void case_grant_refund_on_failure(void)
{
    size_t a = wallet_new(true), b = wallet_new(true);
    deposit(a, 1000);
    size_t ip = incoming_new(b, 300), ip2 = incoming_new(b, 300);
    char grant[LEDGER_ID_STR_LEN + 1], limits[256], qid[64], pid[64], st[32];
    id_str(ledger_id_random(), grant);
    snprintf(limits, sizeof limits,
             "{\"debit_amount\":{\"value\":\"313\",\"asset_code\":\"%s\",\"asset_scale\":2}}",
             fx.asset.code);
    quote_ok(a, ip, "", qid); /* 300 + 10 + 3 */
    incoming_payment_t *done = malloc(sizeof *done);
    db_err_t e;
    cr_assert_eq(incoming_payment_complete(&fx.wallets, fx.dir.r[ip].id, done, &e),
                 INCOMING_PAYMENT_OK);
    free(done);
    reply_t r = granted_post(a, qid, grant, limits);
    cr_assert_eq(r.status, 201);
    snprintf(pid, sizeof pid, "%s", field(&r, "id"));
    json_decref(r.json);
    quote_ok(a, ip2, "", qid);
    r = granted_post(a, qid, grant, limits);
    cr_expect_eq(r.status, 422, "the grant is spent while the first payment runs");
    json_decref(r.json);
    cr_assert_str_eq(state_after_work(pid, st), "FAILED");
    r = granted_post(a, qid, grant, limits);
    cr_expect_eq(r.status, 201, "the failed payment gave its 313 back");
    json_decref(r.json);
}

typedef struct {
    size_t wallet;
    const char *quote, *grant, *limits;
    unsigned status;
} grant_race_t;

static void *grant_race_post(void *arg)
{
    grant_race_t *g = arg;
    reply_t r = granted_post(g->wallet, g->quote, g->grant, g->limits);
    g->status = r.status;
    json_decref(r.json);
    return NULL;
}

/* 50 concurrent payments of 100 under a grant of 1000: exactly 10 are created. */
static void case_grant_limits_concurrent(void)
{
    enum { N = 50 };
    size_t a = wallet_new(true), b = wallet_new(true);
    size_t ip = incoming_new(b, 0);
    char grant[LEDGER_ID_STR_LEN + 1], limits[256], extra[160], q[N][64];
    id_str(ledger_id_random(), grant);
    snprintf(limits, sizeof limits,
             "{\"debit_amount\":{\"value\":\"1000\",\"asset_code\":\"%s\",\"asset_scale\":2}}",
             fx.asset.code);
    amount_extra(extra, sizeof extra, "debit_amount", "100", fx.asset.code);
    grant_race_t g[N];
    pthread_t t[N];
    for (int i = 0; i < N; i++) {
        quote_ok(a, ip, extra, q[i]);
        g[i] = (grant_race_t){.wallet = a, .quote = q[i], .grant = grant, .limits = limits};
    }
    for (int i = 0; i < N; i++)
        pthread_create(&t[i], NULL, grant_race_post, &g[i]);
    int created = 0, refused = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        created += g[i].status == 201;
        refused += g[i].status == 422;
    }
    cr_expect_eq(created, 10, "created %d", created);
    cr_expect_eq(refused, N - 10, "every other one is refused, none fails otherwise");
}

/* Two services over one database (two replicas) run the same due rows concurrently: every
 * payment completes once. */
typedef struct {
    outgoing_payments_t *op;
    atomic_bool *stop;
} replica_t;

static void *replica_run(void *arg)
{
    replica_t *r = arg;
    while (!atomic_load(r->stop))
        if (outgoing_payments_run_due(r->op, 2) == 0)
            usleep(1000);
    return NULL;
}

static void case_replicas_share_the_work(void)
{
    enum { N = 12 };
    size_t a = wallet_new(true), b = wallet_new(true);
    deposit(a, 100000);
    size_t ip = incoming_new(b, 0);
    char extra[160], qid[64], pid[N][64], st[32];
    amount_extra(extra, sizeof extra, "receive_amount", "100", fx.asset.code);
    for (int i = 0; i < N; i++) {
        quote_ok(a, ip, extra, qid);
        payment_ok(a, qid, pid[i]);
    }
    outgoing_payments_config_t oc = {.quotes = &fx.qs, .retry_ms = 1};
    outgoing_payments_t *second = outgoing_payments_new(&oc);
    pthread_t t1, t2;
    atomic_bool stop = false;
    replica_t r1 = {fx.op, &stop}, r2 = {second, &stop};
    pthread_create(&t1, NULL, replica_run, &r1);
    pthread_create(&t2, NULL, replica_run, &r2);
    for (int i = 0, done = 0; i < 5000 && done < N; i++) {
        done = 0;
        for (int k = 0; k < N; k++)
            done += settled(parse_id(pid[k]));
        usleep(2000);
    }
    atomic_store(&stop, true);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    outgoing_payments_free(second);
    for (int i = 0; i < N; i++)
        cr_expect_str_eq(state_after_work(pid[i], st), "COMPLETED");
    cr_expect_eq(received(fx.dir.r[ip].account_id), N * 100);
    cr_expect_eq(balance(fx.dir.w[a].account_id), 100000 - N * 111);
}

/* ---- a paid incoming payment read right after its payment completes ---- */

enum { READERS = 16, READER_PAYMENTS = 8 };

/* One client: pays READER_PAYMENTS incoming payments of its own receiver and, as soon as each
 * outgoing payment reads COMPLETED, reads the incoming payment and the receiver's balance. */
typedef struct {
    char from[LEDGER_ID_STR_LEN + 1], to[LEDGER_ID_STR_LEN + 1], to_account[LEDGER_ID_STR_LEN + 1];
    int reads;          /* incoming payments read after their payment completed */
    int short_received; /* of those, how many showed less than was paid */
    int not_completed;  /* ... or did not read completed */
    int short_balance;  /* balance reads without all the money paid so far */
    int errors;         /* requests that failed (no money involved) */
    char first[512];    /* the first wrong answer */
} reader_t;

static void reader_note(reader_t *r, const char *what, const reply_t *rep)
{
    if (r->first[0])
        return;
    char *doc = rep->json ? json_dumps(rep->json, JSON_COMPACT) : NULL;
    snprintf(r->first, sizeof r->first, "%s: %u %s", what, rep->status, doc ? doc : "");
    free(doc);
}

/* POSTs body to path on c; the answer's field key (its id) into out; false on another status. */
static bool reader_post(reader_t *r, http_client_t *c, const char *path, const char *body,
                        const char *key, char out[64])
{
    reply_t rep = http_on(c, "POST", path, body);
    bool ok = rep.status == 201;
    if (ok)
        snprintf(out, 64, "%s", field(&rep, key));
    else
        r->errors++, reader_note(r, path, &rep);
    json_decref(rep.json);
    return ok;
}

/* Polls the outgoing payment until it has ended; true when it reads COMPLETED. */
static bool reader_wait(reader_t *r, http_client_t *c, const char *pid)
{
    char path[160];
    payment_path(pid, "", path);
    for (int i = 0; i < 10000; i++) {
        reply_t rep = http_on(c, "GET", path, NULL);
        const char *st = rep.status == 200 ? field(&rep, "state") : "";
        bool done = strcmp(st, "COMPLETED") == 0, ended = done || strcmp(st, "FAILED") == 0;
        if (!done && (ended || rep.status != 200))
            r->errors++, reader_note(r, "outgoing payment", &rep);
        json_decref(rep.json);
        if (ended || rep.status != 200)
            return done;
        usleep(1000);
    }
    r->errors++;
    return false;
}

/* Reads incoming payment id (paid `amount`) and the receiver's balance (paid `total` so far). */
static void reader_check(reader_t *r, http_client_t *c, const char *id, uint64_t amount,
                         uint64_t total)
{
    char path[160], want[32];
    snprintf(path, sizeof path, "/incoming-payments/%s", id);
    reply_t rep = http_on(c, "GET", path, NULL);
    r->reads++;
    snprintf(want, sizeof want, "%llu", (unsigned long long)amount);
    if (strcmp(amount_value(&rep, "received_amount"), want) != 0)
        r->short_received++, reader_note(r, "incoming payment", &rep);
    else if (!json_is_true(json_object_get(rep.json, "completed")))
        r->not_completed++, reader_note(r, "incoming payment", &rep);
    json_decref(rep.json);
    snprintf(path, sizeof path, "/accounts/%s/status", r->to_account);
    rep = http_on(c, "GET", path, NULL);
    snprintf(want, sizeof want, "%llu", (unsigned long long)total);
    const char *bal = json_string_value(json_object_get(rep.json, "balance"));
    if (!bal || strcmp(bal, want) != 0)
        r->short_balance++, reader_note(r, "receiver balance", &rep);
    json_decref(rep.json);
}

static void *reader_run(void *arg)
{
    reader_t *r = arg;
    http_client_t *c = http_client_new(NULL);
    uint64_t total = 0;
    for (int i = 0; i < READER_PAYMENTS; i++) {
        uint64_t amount = 100 + (uint64_t)i;
        char body[512], id[64], url[256], qid[64], pid[64];
        snprintf(body, sizeof body,
                 "{\"wallet_address_id\":\"%s\",\"incoming_amount\":{\"value\":\"%llu\","
                 "\"asset_code\":\"%s\",\"asset_scale\":2}}",
                 r->to, (unsigned long long)amount, fx.asset.code);
        reply_t ip = http_on(c, "POST", "/incoming-payments", body);
        if (ip.status != 201) {
            r->errors++, reader_note(r, "incoming payment create", &ip);
            json_decref(ip.json);
            continue;
        }
        snprintf(id, sizeof id, "%s", field(&ip, "id"));
        snprintf(url, sizeof url, "%s", field(&ip, "url"));
        json_decref(ip.json);
        snprintf(body, sizeof body, "{\"wallet_address_id\":\"%s\",\"receiver\":\"%s\"}", r->from,
                 url);
        if (!reader_post(r, c, "/quotes", body, "id", qid))
            continue;
        snprintf(body, sizeof body, "{\"wallet_address_id\":\"%s\",\"quote_id\":\"%s\"}", r->from,
                 qid);
        if (!reader_post(r, c, "/outgoing-payments", body, "id", pid) || !reader_wait(r, c, pid))
            continue;
        total += amount;
        reader_check(r, c, id, amount, total);
    }
    http_client_free(c);
    return NULL;
}

/* Clients that read an incoming payment right after its outgoing payment completed, while the
 * incoming payment worker ends paid payments too: every read shows what was paid, and the
 * receiver's balance has it. */
static void case_paid_reads_show_the_money(void)
{
    reader_t *r = calloc(READERS, sizeof *r);
    for (int i = 0; i < READERS; i++) {
        size_t a = wallet_new(true), b = wallet_new(true);
        deposit(a, 1000000);
        id_str(fx.dir.w[a].id, r[i].from);
        id_str(fx.dir.w[b].id, r[i].to);
        id_str(fx.dir.w[b].account_id, r[i].to_account);
        fx.dir.nw = 0; /* the ids are kept here: the directory has DIR_MAX slots */
    }
    cr_assert_eq(outgoing_payments_start(fx.op), 0);
    incoming_payment_worker_t *w = incoming_payment_worker_start(&fx.wallets, 5);
    cr_assert_not_null(w);
    pthread_t t[READERS];
    for (int i = 0; i < READERS; i++)
        pthread_create(&t[i], NULL, reader_run, &r[i]);
    reader_t sum = {0};
    for (int i = 0; i < READERS; i++) {
        pthread_join(t[i], NULL);
        sum.reads += r[i].reads;
        sum.short_received += r[i].short_received;
        sum.not_completed += r[i].not_completed;
        sum.short_balance += r[i].short_balance;
        sum.errors += r[i].errors;
        if (!sum.first[0])
            memcpy(sum.first, r[i].first, sizeof sum.first);
    }
    incoming_payment_worker_stop(w);
    cr_expect_eq(sum.errors, 0, "%d requests failed; first: %s", sum.errors, sum.first);
    cr_expect_eq(sum.reads, READERS * READER_PAYMENTS);
    cr_expect_eq(sum.short_received + sum.not_completed + sum.short_balance, 0,
                 "of %d reads: %d received less than paid, %d not completed, %d balances short; "
                 "first: %s",
                 sum.reads, sum.short_received, sum.not_completed, sum.short_balance, sum.first);
    free(r);
}

/* ---- Rafiki's funding model: the domain calls the GraphQL resolvers make ---- */

/* Runs rop's workers until payment id is settled (or nothing is due); its state. */
static outgoing_payment_state_t rafiki_run(outgoing_payments_t *rop, ledger_id_t id)
{
    outgoing_payment_t *p = malloc(sizeof *p);
    for (int i = 0; i < 200; i++) {
        cr_assert_eq(outgoing_payment_get(rop, id, p), OUTGOING_PAYMENT_OK);
        if (p->settled || (outgoing_payments_run_due(rop, 16) == 0 && i >= 3))
            break;
        usleep(2000);
    }
    cr_assert_eq(outgoing_payment_get(rop, id, p), OUTGOING_PAYMENT_OK);
    outgoing_payment_state_t st = p->state;
    free(p);
    return st;
}

/* A payment of wallet a to incoming payment ip created by rop. */
static ledger_id_t rafiki_payment(outgoing_payments_t *rop, size_t a, size_t ip)
{
    char qid[64];
    quote_ok(a, ip, "", qid);
    outgoing_payment_request_t req = {.wallet_address_id = fx.dir.w[a].id,
                                      .quote_id = parse_id(qid)};
    outgoing_payment_t *p = malloc(sizeof *p);
    cr_assert_eq(outgoing_payment_create(rop, &req, p), OUTGOING_PAYMENT_OK);
    cr_expect(p->rafiki_funding);
    ledger_id_t id = p->id;
    free(p);
    return id;
}

static void case_rafiki_funding(void)
{
    outgoing_payments_config_t oc = {.quotes = &fx.qs, .retry_ms = 1, .rafiki_funding = true};
    outgoing_payments_t *rop = outgoing_payments_new(&oc);
    fx.wallets.rafiki_funding = true;
    size_t a = wallet_new(true), b = wallet_new(true);
    size_t ip = incoming_new(b, 500);
    ledger_id_t id = rafiki_payment(rop, a, ip), tid, ipid = fx.dir.r[ip].id;
    payment_withdrawal_t w;
    uint64_t wrong = 500;
    cr_expect_eq(rafiki_run(rop, id), OUTGOING_PAYMENT_FUNDING, "parked until the deposit");
    cr_expect_eq(payment_liquidity_outgoing_deposit(rop, id, &wrong, &tid),
                 PAYMENT_LIQUIDITY_INVALID_AMOUNT);
    cr_expect_eq(payment_liquidity_outgoing_withdraw(rop, id, 0, &w),
                 PAYMENT_LIQUIDITY_WRONG_STATE);
    cr_expect_eq(payment_liquidity_incoming_withdraw(&fx.wallets, ipid, 0, &w),
                 PAYMENT_LIQUIDITY_WRONG_STATE, "pending");
    cr_assert_eq(payment_liquidity_outgoing_deposit(rop, id, NULL, &tid), PAYMENT_LIQUIDITY_OK);
    cr_expect_eq(payment_liquidity_outgoing_deposit(rop, id, NULL, &tid),
                 PAYMENT_LIQUIDITY_WRONG_STATE, "a second deposit");
    cr_assert_eq(rafiki_run(rop, id), OUTGOING_PAYMENT_COMPLETED);
    cr_expect_eq(balance(fx.dir.w[a].account_id), 0, "the wallet account is not used");
    cr_expect_eq(balance(fx.asset.settlement_account_id), -515, "deposited once: 500 + 10 + 1 %%");
    cr_expect_eq(balance(id), 15, "the fee waits for the wallet");
    uint64_t liq = 0;
    cr_expect_eq(payment_liquidity_outgoing_balance(rop, id, &liq), PAYMENT_LIQUIDITY_OK);
    cr_expect_eq(liq, 15, "OutgoingPayment.liquidity");
    cr_expect_eq(payment_liquidity_incoming_balance(&fx.wallets, ipid, &liq), PAYMENT_LIQUIDITY_OK);
    cr_expect_eq(liq, 500, "IncomingPayment.liquidity");
    cr_expect_eq(balance(fx.asset.liquidity_account_id), 0);

    cr_assert_eq(payment_liquidity_outgoing_withdraw(rop, id, 30, &w), PAYMENT_LIQUIDITY_OK);
    cr_expect(w.pending && w.amount == 15 && w.timeout_s == 30);
    cr_expect_eq(payment_liquidity_withdrawal_resolve(fx.ledger, w.id, true), PAYMENT_LIQUIDITY_OK);
    cr_expect_eq(payment_liquidity_withdrawal_resolve(fx.ledger, w.id, true),
                 PAYMENT_LIQUIDITY_ALREADY_POSTED);
    cr_expect_eq(payment_liquidity_withdrawal_resolve(fx.ledger, w.id, false),
                 PAYMENT_LIQUIDITY_ALREADY_POSTED);
    cr_expect_eq(payment_liquidity_outgoing_withdraw(rop, id, 0, &w),
                 PAYMENT_LIQUIDITY_INSUFFICIENT_BALANCE);

    cr_assert_eq(payment_liquidity_incoming_withdraw(&fx.wallets, ipid, 30, &w),
                 PAYMENT_LIQUIDITY_OK);
    cr_expect(w.pending && w.amount == 500);
    cr_expect_eq(balance(fx.dir.w[b].account_id), 0, "not swept");
    cr_expect_eq(payment_liquidity_withdrawal_resolve(fx.ledger, w.id, false),
                 PAYMENT_LIQUIDITY_OK);
    cr_expect_eq(payment_liquidity_withdrawal_resolve(fx.ledger, w.id, false),
                 PAYMENT_LIQUIDITY_ALREADY_VOIDED);
    cr_expect_eq(payment_liquidity_incoming_withdraw(&fx.wallets, ipid, 0, &w),
                 PAYMENT_LIQUIDITY_TRANSFER_EXISTS, "one withdrawal id per payment");
    cr_expect_eq(balance(fx.dir.r[ip].account_id), 500, "voided: back in the payment");
    cr_expect_eq(payment_liquidity_withdrawal_resolve(fx.ledger, ledger_id_random(), true),
                 PAYMENT_LIQUIDITY_UNKNOWN_TRANSFER);
    cr_expect_eq(payment_liquidity_withdrawal_resolve(fx.ledger, tid, true),
                 PAYMENT_LIQUIDITY_UNKNOWN_TRANSFER, "a deposit is no withdrawal");
    cr_expect_eq(payment_liquidity_outgoing_deposit(rop, ledger_id_random(), NULL, NULL),
                 PAYMENT_LIQUIDITY_UNKNOWN_PAYMENT);
    cr_expect_eq(payment_liquidity_event_deposit(rop, "not-an-event"),
                 PAYMENT_LIQUIDITY_UNKNOWN_EVENT);
    char pid[LEDGER_ID_STR_LEN + 1], events[256];
    id_str(id, pid);
    events_of(pid, events);
    cr_expect_str_eq(events, "outgoing_payment.created,outgoing_payment.funded,"
                             "outgoing_payment.completed");

    /* cancel with a reason: no deposit after it, and the row is settled */
    size_t ip2 = incoming_new(b, 100);
    ledger_id_t id2 = rafiki_payment(rop, a, ip2);
    outgoing_payment_t *p = malloc(sizeof *p);
    cr_assert_eq(outgoing_payment_cancel_reason(rop, id2, "changed my mind", p),
                 OUTGOING_PAYMENT_OK);
    cr_expect_eq(p->state, OUTGOING_PAYMENT_CANCELLED);
    cr_expect(strstr(p->metadata, "\"cancellationReason\":\"changed my mind\"") != NULL, "%s",
              p->metadata);
    cr_expect_eq(payment_liquidity_outgoing_deposit(rop, id2, NULL, NULL),
                 PAYMENT_LIQUIDITY_WRONG_STATE);
    cr_expect_eq(outgoing_payment_cancel_reason(rop, id2, "again", p),
                 OUTGOING_PAYMENT_NOT_CANCELLABLE);
    rafiki_run(rop, id2);
    cr_assert_eq(outgoing_payment_get(rop, id2, p), OUTGOING_PAYMENT_OK);
    cr_expect(p->settled, "a cancelled parked payment is settled by a worker");

    /* deposited after its quote expired: FAILED at once, as Rafiki's lifecycle; the deposit
     * waits for the wallet's withdrawal */
    fx.qs.lifespan_ms = 300;
    size_t ip3 = incoming_new(b, 100);
    ledger_id_t id3 = rafiki_payment(rop, a, ip3);
    fx.qs.lifespan_ms = QUOTE_LIFESPAN_MS_DEFAULT;
    usleep(400 * 1000);
    cr_assert_eq(payment_liquidity_outgoing_deposit(rop, id3, NULL, NULL), PAYMENT_LIQUIDITY_OK);
    cr_expect_eq(rafiki_run(rop, id3), OUTGOING_PAYMENT_FAILED);
    cr_assert_eq(outgoing_payment_get(rop, id3, p), OUTGOING_PAYMENT_OK);
    cr_expect_str_eq(p->error, "quote_expired");
    cr_expect_eq(received(fx.dir.r[ip3].account_id), 0, "nothing sent");
    cr_assert_eq(payment_liquidity_outgoing_withdraw(rop, id3, 0, &w), PAYMENT_LIQUIDITY_OK);
    cr_expect_eq(w.amount, 100 + 10 + 1, "the whole deposit back");
    free(p);
    outgoing_payments_free(rop);
    fx.wallets.rafiki_funding = false;
}

/* ---- fees per asset (Rafiki's setFee) ---- */

static void case_fee_history(void)
{
    fee_t f, cur, page[8];
    size_t n = 0;
    ledger_id_t asset = fx.asset.id;
    cr_expect_eq(fee_set(fx.db, fx.ledger, ledger_id_random(), FEE_SENDING, 1, 1, &f),
                 FEE_UNKNOWN_ASSET);
    cr_expect_eq(fee_set(fx.db, fx.ledger, asset, FEE_SENDING, 1, -1, &f),
                 FEE_INVALID_BASIS_POINTS);
    cr_expect_eq(fee_set(fx.db, fx.ledger, asset, FEE_SENDING, 1, 10001, &f),
                 FEE_INVALID_BASIS_POINTS);
    cr_expect_eq(fee_set(fx.db, fx.ledger, asset, FEE_SENDING, UINT64_MAX, 0, &f),
                 FEE_INVALID_FIXED);
    cr_expect_eq(fee_current(fx.db, asset, FEE_SENDING, &cur), FEE_NOT_FOUND);

    /* no fee of its own yet: PAYMENT_FEES ("10:100": 10 + 1 %) */
    size_t a = wallet_new(true), b = wallet_new(true);
    size_t ip = incoming_new(b, 500);
    reply_t q = quote_post(a, ip, "");
    cr_expect_str_eq(amount_value(&q, "debit_amount"), "515");
    json_decref(q.json);

    cr_assert_eq(fee_set(fx.db, fx.ledger, asset, FEE_SENDING, 5, 50, &f), FEE_OK);
    ledger_id_t first = f.id;
    cr_assert_eq(fee_set(fx.db, fx.ledger, asset, FEE_RECEIVING, 7, 0, &f), FEE_OK);
    cr_assert_eq(fee_set(fx.db, fx.ledger, asset, FEE_SENDING, 0, 200, &f), FEE_OK);
    cr_assert_eq(fee_current(fx.db, asset, FEE_SENDING, &cur), FEE_OK);
    cr_expect(ledger_id_eq(cur.id, f.id) && cur.basis_points == 200 && cur.fixed == 0,
              "the newest is current");
    cr_assert_eq(fee_current(fx.db, asset, FEE_RECEIVING, &cur), FEE_OK);
    cr_expect_eq(cur.fixed, 7);

    /* quotes charge the current sending fee: 500 + ceil(500 x 2 %) */
    q = quote_post(a, ip, "");
    cr_expect_str_eq(amount_value(&q, "debit_amount"), "510");
    json_decref(q.json);

    fee_page_t pg = {.descending = true, .limit = 2};
    cr_assert_eq(fee_list(fx.db, asset, &pg, page, 8, &n), FEE_OK);
    cr_assert_eq(n, 2);
    cr_expect(ledger_id_eq(page[0].id, f.id) && page[1].type == FEE_RECEIVING, "newest first");
    pg.has_cursor = true;
    pg.cursor = page[1].id;
    cr_assert_eq(fee_list(fx.db, asset, &pg, page, 8, &n), FEE_OK);
    cr_expect(n == 1 && ledger_id_eq(page[0].id, first), "the oldest on the next page");
    pg.before = true;
    pg.cursor = first;
    cr_assert_eq(fee_list(fx.db, asset, &pg, page, 8, &n), FEE_OK);
    cr_expect(n == 2 && ledger_id_eq(page[0].id, f.id) && page[1].type == FEE_RECEIVING,
              "before the oldest: the two newer ones, still newest first");
    pg = (fee_page_t){.descending = false, .limit = 8};
    cr_assert_eq(fee_list(fx.db, asset, &pg, page, 8, &n), FEE_OK);
    cr_expect(n == 3 && ledger_id_eq(page[0].id, first) && ledger_id_eq(page[2].id, f.id));
    pg.has_cursor = true;
    pg.cursor = ledger_id_random();
    cr_expect_eq(fee_list(fx.db, asset, &pg, page, 8, &n), FEE_INVALID_CURSOR);
}

/* ---- tenants (Rafiki 2.0) ---- */

static void case_tenants(void)
{
    char op[PAY_TENANT_ID_LEN + 1], again[PAY_TENANT_ID_LEN + 1], owner[PAY_TENANT_ID_LEN + 1];
    cr_assert_eq(pay_tenant_bootstrap(fx.db, NULL, "s1", op), PAY_TENANT_OK);
    cr_assert_eq(pay_tenant_bootstrap(fx.db, NULL, "s2", again), PAY_TENANT_OK);
    cr_expect_str_eq(again, op, "the operator made on the first start is kept");
    pay_tenant_t *t = malloc(sizeof *t);
    cr_assert_eq(pay_tenant_get(fx.db, op, false, t), PAY_TENANT_OK);
    cr_expect(t->is_operator && strcmp(t->api_secret, "s2") == 0, "its secret follows the config");
    char want[PAY_TENANT_ID_LEN + 1];
    ledger_id_format(ledger_id_random(), want);
    cr_assert_eq(pay_tenant_bootstrap(fx.db, want, "s3", again), PAY_TENANT_OK);
    cr_expect_str_eq(again, want, "OPERATOR_TENANT_ID moves the operator");
    cr_assert_eq(pay_tenant_get(fx.db, op, false, t), PAY_TENANT_OK);
    cr_expect(!t->is_operator, "the former operator is a tenant like the others");
    cr_expect_eq(pay_tenant_delete(fx.db, want, 1), PAY_TENANT_NOT_FOUND, "not the operator");

    pay_tenant_setting_t in[2] = {{"WEBHOOK_TIMEOUT", "0"}, {"ILP_ADDRESS", "test.x"}};
    pay_tenant_input_t ti = {.api_secret = "a-secret", .public_name = "A"};
    cr_expect_eq(pay_tenant_create(fx.db, &ti, in, 2, "test.me", t), PAY_TENANT_INVALID_SETTING);
    snprintf(in[0].value, sizeof in[0].value, "5000");
    cr_assert_eq(pay_tenant_create(fx.db, &ti, in, 2, "test.me", t), PAY_TENANT_OK);
    char a[PAY_TENANT_ID_LEN + 1];
    snprintf(a, sizeof a, "%s", t->id);
    char v[64];
    cr_assert_eq(pay_tenant_setting(fx.db, a, "ILP_ADDRESS", v, sizeof v), PAY_TENANT_OK);
    cr_expect_str_eq(v, "test.x", "a given setting replaces the default");
    cr_assert_eq(pay_tenant_setting(fx.db, a, "WEBHOOK_MAX_RETRY", v, sizeof v), PAY_TENANT_OK);
    cr_expect_str_eq(v, "10");
    ti.id = a;
    cr_expect_eq(pay_tenant_create(fx.db, &ti, NULL, 0, "test.me", t), PAY_TENANT_DUPLICATE);

    /* ownership: a wallet address of tenant a, and its incoming payment through it */
    size_t w = wallet_new(true);
    size_t ip = incoming_new(w, 100);
    char wid[LEDGER_ID_STR_LEN + 1], ipid[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(fx.dir.w[w].id, wid);
    ledger_id_format(fx.dir.r[ip].id, ipid);
    cr_assert_eq(pay_tenant_owner(fx.db, PAY_OWNED_INCOMING, ipid, owner), PAY_TENANT_OK);
    cr_expect_str_eq(owner, "", "no row: the operator's");
    cr_assert_eq(pay_tenant_own(fx.db, PAY_OWNED_WALLET_ADDRESS, fx.dir.w[w].id, a), PAY_TENANT_OK);
    cr_assert_eq(pay_tenant_owner(fx.db, PAY_OWNED_INCOMING, ipid, owner), PAY_TENANT_OK);
    cr_expect_str_eq(owner, a, "a payment belongs to its wallet address's owner");
    cr_expect_eq(pay_tenant_owner(fx.db, PAY_OWNED_INCOMING, wid, owner), PAY_TENANT_NOT_FOUND);
    pay_tenant_scope_t sc = {.kind = PAY_SCOPE_TENANT};
    snprintf(sc.tenant_id, sizeof sc.tenant_id, "%s", a);
    cr_expect(pay_tenant_scope_has(&sc, a) && !pay_tenant_scope_has(&sc, ""));
    cr_assert_eq(pay_tenant_delete(fx.db, a, 2), PAY_TENANT_OK);
    cr_expect_eq(pay_tenant_get(fx.db, a, false, t), PAY_TENANT_NOT_FOUND);
    cr_expect_eq(pay_tenant_get(fx.db, a, true, t), PAY_TENANT_OK, "the operator still reads it");
    free(t);
}

/* ---- outgoing_payment.attempt_failed (ours) ---- */

typedef struct {
    json_t *data[4];
    size_t n;
} attempt_events_t;

static void attempt_event(const webhook_event_t *e, void *user)
{
    attempt_events_t *a = user;
    if (a->n < 4)
        a->data[a->n++] = json_loads(e->data, 0, NULL);
}

typedef struct {
    ledger_id_t id;
    const outgoing_attempt_t *attempt;
} attempt_call_t;

static db_rc_t tx_attempt(db_conn_t *c, void *arg, db_err_t *e)
{
    const attempt_call_t *a = arg;
    return outgoing_payment_attempt_failed(c, a->id, a->attempt, e);
}

static void set_state(const char *pid, const char *state)
{
    db_err_t e;
    db_conn_t *c = db_acquire(fx.db, DB_CONN_WRITE, &e);
    cr_assert_not_null(c, "%s", e.msg);
    db_stmt_t *st = db_prepare(c, "UPDATE outgoing_payments SET state = ? WHERE id = ?", &e);
    cr_assert_not_null(st, "%s", e.msg);
    db_bind_str(st, 1, state);
    db_bind_str(st, 2, pid);
    cr_assert_eq(db_run(st, &e), DB_OK, "%s", e.msg);
    db_release(c);
}

/* Each failed attempt of a SENDING payment is numbered and carries its reject; a peer's bytes
 * that are not UTF-8 (or hold a NUL) still make a JSON string; nothing once it is not SENDING. */
static void case_attempt_failed_events(void)
{
    size_t a = wallet_new(true), b = wallet_new(true);
    deposit(a, 1000);
    size_t ip = incoming_new(b, 100);
    char qid[64], pid[64];
    quote_ok(a, ip, "", qid);
    payment_ok(a, qid, pid);
    set_state(pid, "SENDING");
    static const uint8_t msg[] = {'n', 'o', ' ', 0xff, 0, ' ', 'r', 'o', 'u', 't', 'e'};
    outgoing_attempt_t first = {.error = "stream_rejected",
                                .code = "F02",
                                .triggered_by = SLICE_LIT("test.far"),
                                .message = SLICE(msg, sizeof msg)};
    outgoing_attempt_t second = {.error = "stream_timeout", .code = ""};
    db_err_t e;
    attempt_call_t call = {parse_id(pid), &first};
    cr_assert_eq(db_write_tx(fx.db, tx_attempt, &call, &e), DB_OK, "%s", e.msg);
    call.attempt = &second;
    cr_assert_eq(db_write_tx(fx.db, tx_attempt, &call, &e), DB_OK, "%s", e.msg);
    set_state(pid, "COMPLETED");
    cr_assert_eq(db_write_tx(fx.db, tx_attempt, &call, &e), DB_OK, "%s", e.msg);

    attempt_events_t got = {0};
    webhook_filter_t f = {.resource_id = pid,
                          .type = WEBHOOK_OUTGOING_PAYMENT_ATTEMPT_FAILED,
                          .state = -1,
                          .limit = 10};
    cr_assert_eq(webhook_events_list(fx.db, &f, attempt_event, &got, &e), DB_OK, "%s", e.msg);
    cr_assert_eq(got.n, 2, "one per failed attempt while SENDING");
    json_t *want =
        json_pack("{s:i,s:s,s:{s:s,s:s,s:s}}", "number", 1, "error", "stream_rejected", "ilpReject",
                  "code", "F02", "message", "no ?? route", "triggeredBy", "test.far");
    cr_expect(json_equal(json_object_get(got.data[0], "attempt"), want), "%s",
              json_dumps(json_object_get(got.data[0], "attempt"), 0));
    json_decref(want);
    want = json_pack("{s:i,s:s}", "number", 2, "error", "stream_timeout");
    cr_expect(json_equal(json_object_get(got.data[1], "attempt"), want), "no reject: none told");
    json_decref(want);
    cr_expect_str_eq(json_string_value(json_object_get(got.data[0], "id")), pid);
    cr_expect_str_eq(json_string_value(json_object_get(got.data[0], "state")), "SENDING");
    cr_expect(json_is_object(json_object_get(got.data[0], "debitAmount")), "the payment's data");
    for (size_t i = 0; i < got.n; i++)
        json_decref(got.data[i]);
}

static bool pg_available(void)
{
    const char *u = getenv("TEST_POSTGRES_URL");
    return u && *u;
}

#define FEES "10:100"

#define BOTH(name, fees)                                                                           \
    Test(outgoing_sqlite, name, .timeout = 60)                                                     \
    {                                                                                              \
        fx_start(false, fees);                                                                     \
        case_##name();                                                                             \
        fx_stop();                                                                                 \
    }                                                                                              \
    Test(outgoing_pg, name, .timeout = 60)                                                         \
    {                                                                                              \
        if (!pg_available())                                                                       \
            cr_skip_test("TEST_POSTGRES_URL is not set");                                          \
        fx_start(true, fees);                                                                      \
        case_##name();                                                                             \
        fx_stop();                                                                                 \
    }

BOTH(local_payment_completes, FEES)
BOTH(fixed_debit_charges_the_fee_on_the_debit, "0:5000")
BOTH(waits_for_funds_and_cancels, FEES)
BOTH(exactly_once_after_a_crash, FEES)
BOTH(cancel_after_funding_settles, FEES)
BOTH(bad_quotes, FEES)
BOTH(bad_payments, FEES)
BOTH(replicas_share_the_work, FEES)
BOTH(receiver_refuses, FEES)
BOTH(grant_limits, "0:0")
BOTH(grant_limits_concurrent, "0:0")
BOTH(grant_refund_on_failure, FEES)
BOTH(local_across_assets, "0:0")
BOTH(paid_reads_show_the_money, FEES)
BOTH(rafiki_funding, FEES)
BOTH(fee_history, FEES)
BOTH(tenants, FEES)
BOTH(attempt_failed_events, FEES)
