/*
 * Liquidity threshold test bodies shared by the SQLite unit tests
 * (tes../unit/payments/liquidity_test.c) and the Postgres integration tests
 * (tests/integration/backend_pg_test.c): the real ledger over a fresh database.
 */
#ifndef RAFIKI_TESTS_BACKEND_LIQUIDITY_CASES_H
#define RAFIKI_TESTS_BACKEND_LIQUIDITY_CASES_H

#include "admin/admin_liquidity.h"
#include "payments/liquidity.h"
#include "payments_db.h"
#include "base/rand.h"
#include "http/client.h"

typedef struct {
    db_t *db;
    ledger_t *ledger;
    ledger_asset_t asset;
} lq_env_t;

static void lq_setup(lq_env_t *e, const char *base, const char *name)
{
    e->db = bk_open(base, name);
    db_err_t err = {0};
    e->ledger = ledger_open(e->db, NULL, &err);
    cr_assert_not_null(e->ledger, "%s", err.msg);
    e->asset = (ledger_asset_t){.scale = 2};
    snprintf(e->asset.code, sizeof e->asset.code, "LQ%llu", (unsigned long long)rand_u64() % 1000);
    cr_assert_eq(ledger_asset_create(e->ledger, &e->asset), LEDGER_OK);
}

static void lq_teardown(lq_env_t *e)
{
    ledger_close(e->ledger);
    db_close(e->db);
}

/* Moves amount into (in) or out of the asset's liquidity account. */
static void lq_move(lq_env_t *e, bool in, uint64_t amount)
{
    ledger_id_t liq = e->asset.liquidity_account_id, set = e->asset.settlement_account_id;
    ledger_op_t op = {.kind = LEDGER_OP_CREATE,
                      .id = ledger_id_random(),
                      .debit_account_id = in ? set : liq,
                      .credit_account_id = in ? liq : set,
                      .amount = amount};
    ledger_result_t r = LEDGER_RESULT_COUNT;
    cr_assert_eq(ledger_transfers_execute(e->ledger, &op, 1, &r), LEDGER_OK);
    cr_assert_eq(r, LEDGER_OK, "%s", ledger_result_str(r));
}

static int lq_check(lq_env_t *e)
{
    db_err_t err = {0};
    size_t n = 0;
    cr_assert_eq(liquidity_check(e->db, e->ledger, &n, &err), DB_OK, "%s", err.msg);
    return (int)n;
}

static liquidity_threshold_t lq_threshold(const lq_env_t *e, uint64_t threshold)
{
    liquidity_threshold_t t = {.kind = LIQUIDITY_ASSET,
                               .owner_id = e->asset.id,
                               .account_id = e->asset.liquidity_account_id,
                               .asset_id = e->asset.id,
                               .asset_scale = e->asset.scale,
                               .threshold = threshold};
    snprintf(t.asset_code, sizeof t.asset_code, "%s", e->asset.code);
    return t;
}

/* One event per fall below the threshold, re-armed when the balance recovers. */
static void lq_case_crossings(const char *base)
{
    lq_env_t e;
    lq_setup(&e, base, "lq_cross");
    lq_move(&e, true, 1000);
    liquidity_threshold_t t = lq_threshold(&e, 500);
    db_err_t err = {0};
    cr_assert_eq(liquidity_threshold_set(e.db, &t, &err), DB_OK, "%s", err.msg);
    cr_assert_eq(lq_check(&e), 0, "1000 is above 500");
    lq_move(&e, false, 600);
    cr_assert_eq(lq_check(&e), 1, "400 is below 500");
    cr_assert_eq(lq_check(&e), 0, "no second event while it stays low");
    liquidity_threshold_t got;
    cr_assert_eq(liquidity_threshold_get(e.db, e.asset.id, &got, &err), DB_OK);
    cr_assert(got.low);
    lq_move(&e, true, 100);
    cr_assert_eq(lq_check(&e), 0, "500 is not below 500: re-armed");
    cr_assert_eq(liquidity_threshold_get(e.db, e.asset.id, &got, &err), DB_OK);
    cr_assert(!got.low);
    lq_move(&e, false, 1);
    cr_assert_eq(lq_check(&e), 1);

    db_conn_t *c = dbc_conn(e.db, DB_CONN_READ);
    cr_assert_eq(dbc_count(c, "SELECT COUNT(*) FROM webhook_events WHERE type = "
                              "'asset.liquidity_low'"),
                 2);
    db_stmt_t *st = dbc_prep(c, "SELECT resource_id, data FROM webhook_events ORDER BY seq");
    cr_assert_eq(db_step(st, &err), DB_ROW);
    char id[LEDGER_ID_STR_LEN + 1], want[256];
    ledger_id_format(e.asset.id, id);
    cr_assert_str_eq(db_col_text(st, 0, NULL), id);
    snprintf(want, sizeof want,
             "{\"asset\":{\"code\":\"%s\",\"id\":\"%s\",\"scale\":2},\"balance\":\"400\","
             "\"id\":\"%s\",\"liquidityThreshold\":\"500\"}",
             e.asset.code, id, id);
    cr_assert_str_eq(db_col_text(st, 1, NULL), want);
    db_release(c);
    /* a peer's threshold watches its own account and reports peer.liquidity_low */
    ledger_account_t peer_acct = {.asset_id = e.asset.id, .kind = LEDGER_KIND_PEER};
    cr_assert_eq(ledger_account_create(e.ledger, &peer_acct), LEDGER_OK);
    liquidity_threshold_t p = lq_threshold(&e, 1);
    p.kind = LIQUIDITY_PEER;
    p.owner_id = ledger_id_random();
    p.account_id = peer_acct.id;
    cr_assert_eq(liquidity_threshold_set(e.db, &p, &err), DB_OK);
    cr_assert_eq(lq_check(&e), 1, "the peer's account holds 0 < 1");
    c = dbc_conn(e.db, DB_CONN_READ);
    ledger_id_format(p.owner_id, id);
    snprintf(want, sizeof want,
             "SELECT COUNT(*) FROM webhook_events WHERE type = 'peer.liquidity_low' AND "
             "resource_id = '%s'",
             id);
    cr_assert_eq(dbc_count(c, want), 1);
    db_release(c);
    cr_assert_eq(liquidity_threshold_clear(e.db, e.asset.id, &err), DB_OK);
    cr_assert_eq(liquidity_threshold_get(e.db, e.asset.id, &got, &err), DB_NOT_FOUND);
    lq_teardown(&e);
}

typedef struct {
    lq_env_t *e;
    pthread_barrier_t *go;
    int events;
} lq_checker_t;

static void *lq_checker(void *arg)
{
    lq_checker_t *k = arg;
    pthread_barrier_wait(k->go);
    db_err_t err = {0};
    size_t n = 0;
    k->events = liquidity_check(k->e->db, k->e->ledger, &n, &err) == DB_OK ? (int)n : -1;
    return NULL;
}

/* Monitors on several replicas see the same fall: one event. */
static void lq_case_replicas(const char *base)
{
    lq_env_t e;
    lq_setup(&e, base, "lq_replicas");
    lq_move(&e, true, 10);
    liquidity_threshold_t t = lq_threshold(&e, 500);
    db_err_t err = {0};
    cr_assert_eq(liquidity_threshold_set(e.db, &t, &err), DB_OK);
    enum { N = 4 };
    lq_checker_t k[N];
    pthread_t th[N];
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, N);
    for (int i = 0; i < N; i++) {
        k[i] = (lq_checker_t){.e = &e, .go = &go};
        pthread_create(&th[i], NULL, lq_checker, &k[i]);
    }
    int total = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        cr_assert_geq(k[i].events, 0);
        total += k[i].events;
    }
    pthread_barrier_destroy(&go);
    cr_assert_eq(total, 1);
    lq_teardown(&e);
}

static unsigned lq_http(http_client_t *hc, uint16_t port, const char *method, const char *path,
                        const char *body, json_t **out)
{
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", (unsigned)port, path);
    http_header_t h[2] = {{"Authorization", "Bearer lq-secret-0123456789"},
                          {"Content-Type", "application/json"}};
    http_client_req_t req = {.method = method,
                             .url = url,
                             .headers = h,
                             .n_headers = 2,
                             .body = {(const uint8_t *)body, body ? strlen(body) : 0}};
    http_client_resp_t resp;
    cr_assert_eq(http_client_do_sync(hc, &req, &resp), HTTP_CLIENT_OK);
    *out = json_loadb((const char *)resp.body.ptr, resp.body.len, 0, NULL);
    unsigned status = resp.status;
    http_client_resp_free(&resp);
    return status;
}

static void lq_case_admin(const char *base)
{
    lq_env_t e;
    lq_setup(&e, base, "lq_admin");
    static admin_ctx_t ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.secret = "lq-secret-0123456789";
    ctx.db = e.db;
    ctx.ledger = e.ledger;
    http_server_config_t sc = {.port = 0, .threads = 2, .name = "admin-test"};
    http_server_t *srv = http_server_new(&sc);
    cr_assert_eq(admin_liquidity_register(srv, &ctx), 0);
    cr_assert_eq(http_server_start(srv), 0);
    uint16_t port = http_server_port(srv);
    http_client_t *hc = http_client_new(NULL);
    char id[LEDGER_ID_STR_LEN + 1], path[128];
    ledger_id_format(e.asset.id, id);
    snprintf(path, sizeof path, "/assets/%s/liquidity-threshold", id);
    json_t *doc;
    cr_assert_eq(lq_http(hc, port, "GET", path, NULL, &doc), 200);
    cr_assert(json_is_null(json_object_get(doc, "threshold")));
    json_decref(doc);
    cr_assert_eq(lq_http(hc, port, "PUT", path, "{\"threshold\":\"700\"}", &doc), 200);
    cr_assert_str_eq(json_string_value(json_object_get(doc, "threshold")), "700");
    json_decref(doc);
    cr_assert_eq(lq_check(&e), 1, "the new threshold is watched: 0 < 700");
    cr_assert_eq(lq_http(hc, port, "GET", path, NULL, &doc), 200);
    cr_assert(json_is_true(json_object_get(doc, "low")));
    json_decref(doc);
    const char *bad[] = {"{\"threshold\":\"-1\"}", "{\"threshold\":5}", "{}", "{\"x\":1}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq(lq_http(hc, port, "PUT", path, bad[i], &doc), 400, "%s", bad[i]);
        json_decref(doc);
    }
    cr_assert_eq(lq_http(hc, port, "PUT", path, "{\"threshold\":null}", &doc), 200);
    json_decref(doc);
    cr_assert_eq(lq_http(hc, port, "GET", path, NULL, &doc), 200);
    cr_assert(json_is_null(json_object_get(doc, "threshold")));
    json_decref(doc);
    const char *missing[] = {"/assets/00000000-0000-4000-8000-000000000000/liquidity-threshold",
                             "/peers/00000000-0000-4000-8000-000000000000/liquidity-threshold"};
    for (size_t i = 0; i < 2; i++) {
        cr_assert_eq(lq_http(hc, port, "GET", missing[i], NULL, &doc), 404, "%s", missing[i]);
        const char *msg =
            json_string_value(json_object_get(json_object_get(doc, "error"), "message"));
        cr_assert(msg && strstr(msg, i == 0 ? "asset" : "peer"), "%s: %s", missing[i], msg);
        json_decref(doc);
    }
    http_client_free(hc);
    http_server_free(srv);
    lq_teardown(&e);
}

#define LIQUIDITY_CASES(suite, base_expr, skip_stmt)                                               \
    Test(suite, one_event_per_fall)                                                                \
    {                                                                                              \
        skip_stmt;                                                                                 \
        lq_case_crossings(base_expr);                                                              \
    }                                                                                              \
    Test(suite, replicas_record_once)                                                              \
    {                                                                                              \
        skip_stmt;                                                                                 \
        lq_case_replicas(base_expr);                                                               \
    }                                                                                              \
    Test(suite, admin_routes)                                                                      \
    {                                                                                              \
        skip_stmt;                                                                                 \
        lq_case_admin(base_expr);                                                                  \
    }

#endif
