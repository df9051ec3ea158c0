/*
 * The admin API end to end: a real HTTP server on an ephemeral port, the real ledger over a temp
 * SQLite file (suite admin_sqlite) or over Postgres with Redis for idempotency keys (suite
 * admin_pg, when TEST_POSTGRES_URL is set), driven over HTTP with the project's client.
 * Every case runs on both.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "admin/admin.h"
#include "base/codec.h"
#include "base/digest.h"
#include "base/rand.h"
#include "base/uuid.h"
#include "http/client.h"
#include "http/server.h"
#include "ledger/ledger.h"
#include "store/cache.h"
#include "store/db.h"

#define SECRET "test-admin-secret-0123456789"

typedef struct {
    char path[256];
    db_t *db;
    cache_t *cache;
    ledger_t *ledger;
    admin_ctx_t admin;
    http_server_t *srv;
    http_client_t *client;
    char base[64];
} fx_t;

typedef struct {
    unsigned status;
    json_t *json;
    char *raw;
    bool replayed;
} resp_t;

static fx_t fx;

static const char *sql_dir(void)
{
    const char *d = getenv("RAFIKI_SQL_DIR");
    return d ? d : "sql";
}

static void fx_start(bool pg)
{
    memset(&fx, 0, sizeof fx);
    db_err_t err;
    const char *url;
    char sqlite_url[300];
    if (pg) {
        url = getenv("TEST_POSTGRES_URL");
    } else {
        snprintf(fx.path, sizeof fx.path, "/tmp/rafiki-admin-test-%d-%llx.db", (int)getpid(),
                 (unsigned long long)rand_u64());
        snprintf(sqlite_url, sizeof sqlite_url, "sqlite:%s", fx.path);
        url = sqlite_url;
    }
    fx.db = db_open(url, &err);
    cr_assert_not_null(fx.db, "db_open: %s", err.msg);
    cr_assert_eq(db_migrate(fx.db, sql_dir(), NULL, &err), DB_OK, "migrate: %s", err.msg);
    cache_err_t cerr;
    fx.cache = cache_open(pg ? getenv("TEST_REDIS_URL") : NULL, &cerr);
    cr_assert_not_null(fx.cache, "cache_open: %s", cerr.msg);
    ledger_opts_t lo = {.sweep_interval_ms = 50};
    fx.ledger = ledger_open(fx.db, &lo, &err);
    cr_assert_not_null(fx.ledger, "ledger_open: %s", err.msg);
    fx.admin.secret = SECRET;
    fx.admin.ledger = fx.ledger;
    fx.admin.db = fx.db;
    fx.admin.cache = fx.cache;
    http_server_config_t hc = {.port = 0, .threads = 4, .name = "admin-test"};
    fx.srv = http_server_new(&hc);
    cr_assert_not_null(fx.srv);
    cr_assert_eq(admin_ledger_register(fx.srv, &fx.admin), 0);
    cr_assert_eq(http_server_start(fx.srv), 0);
    snprintf(fx.base, sizeof fx.base, "http://127.0.0.1:%u", (unsigned)http_server_port(fx.srv));
    fx.client = http_client_new(NULL);
    cr_assert_not_null(fx.client);
}

static void fx_stop(void)
{
    http_client_free(fx.client);
    http_server_free(fx.srv);
    ledger_close(fx.ledger);
    cache_close(fx.cache);
    db_close(fx.db);
    if (fx.path[0]) {
        char p[300];
        unlink(fx.path);
        snprintf(p, sizeof p, "%s-wal", fx.path);
        unlink(p);
        snprintf(p, sizeof p, "%s-shm", fx.path);
        unlink(p);
    }
}

static void resp_free(resp_t *r)
{
    json_decref(r->json);
    free(r->raw);
    memset(r, 0, sizeof *r);
}

/* Sends one request; auth NULL sends no Authorization header. */
static resp_t call_full(const char *method, const char *path, const char *body, const char *auth,
                        const char *idem_key)
{
    char url[512], authz[256], key[300];
    snprintf(url, sizeof url, "%s%s", fx.base, path);
    http_header_t h[3];
    size_t nh = 0;
    h[nh++] = (http_header_t){"Content-Type", "application/json"};
    if (auth) {
        snprintf(authz, sizeof authz, "Bearer %s", auth);
        h[nh++] = (http_header_t){"Authorization", authz};
    }
    if (idem_key) {
        snprintf(key, sizeof key, "%s", idem_key);
        h[nh++] = (http_header_t){"Idempotency-Key", key};
    }
    http_client_req_t rq = {.method = method,
                            .url = url,
                            .headers = h,
                            .n_headers = nh,
                            .body = body ? SLICE_STR(body) : SLICE(NULL, 0),
                            .timeout_ms = 10000};
    http_client_resp_t out;
    cr_assert_eq(http_client_do_sync(fx.client, &rq, &out), HTTP_CLIENT_OK, "%s %s", method, path);
    resp_t r = {.status = out.status};
    r.raw = strndup((const char *)out.body.ptr, out.body.len);
    r.json = json_loadb(r.raw, out.body.len, 0, NULL);
    slice_t rep = http_client_resp_header(&out, "Idempotent-Replayed");
    r.replayed = rep.len == 4 && memcmp(rep.ptr, "true", 4) == 0;
    http_client_resp_free(&out);
    return r;
}

static resp_t call(const char *method, const char *path, const char *body)
{
    return call_full(method, path, body, SECRET, NULL);
}

static const char *str(const json_t *j, const char *key)
{
    const char *s = json_string_value(json_object_get(j, key));
    return s ? s : "";
}

static const char *err_code(const resp_t *r)
{
    return str(json_object_get(r->json, "error"), "code");
}

/* POST that must answer want; returns the id field (copied into out). */
static void create(const char *path, const char *body, unsigned want, char out[64])
{
    resp_t r = call("POST", path, body);
    cr_assert_eq(r.status, want, "POST %s %s -> %u %s", path, body, r.status, r.raw);
    if (out)
        snprintf(out, 64, "%s", str(r.json, "id"));
    resp_free(&r);
}

/* A fresh asset code: letters only, unique per run (Postgres is shared between runs). */
static void asset_new(char id[64], char settle[64])
{
    char code[16] = "T";
    uint64_t x = rand_u64();
    for (int i = 1; i < 11; i++, x /= 26)
        code[i] = (char)('A' + x % 26);
    char body[128];
    snprintf(body, sizeof body, "{\"code\":\"%s\",\"scale\":2}", code);
    resp_t r = call("POST", "/assets", body);
    cr_assert_eq(r.status, 201, "%s", r.raw);
    snprintf(id, 64, "%s", str(r.json, "id"));
    if (settle)
        snprintf(settle, 64, "%s", str(r.json, "settlement_account_id"));
    resp_free(&r);
}

static void account_new(const char *asset, const char *extra, char id[64])
{
    char body[512];
    snprintf(body, sizeof body, "{\"asset_id\":\"%s\",\"kind\":\"wallet\"%s%s}", asset,
             extra ? "," : "", extra ? extra : "");
    create("/accounts", body, 201, id);
}

static void deposit(const char *acct, const char *amount)
{
    char id[40], path[128], body[160];
    uuid_v4(id);
    snprintf(path, sizeof path, "/accounts/%s/deposits", acct);
    snprintf(body, sizeof body, "{\"id\":\"%s\",\"amount\":\"%s\"}", id, amount);
    create(path, body, 201, NULL);
}

/* POST /<kind>/<id>/<action> (kind transfers or withdrawals, action post or void), which must
 * answer 200 with the transfer in state. */
static void finish_pending(const char *kind, const char *id, const char *action, const char *state)
{
    char path[160];
    snprintf(path, sizeof path, "/%s/%s/%s", kind, id, action);
    resp_t r = call("POST", path, NULL);
    cr_expect_eq(r.status, 200, "%s %s", path, r.raw);
    cr_expect_str_eq(str(r.json, "state"), state, "%s", path);
    resp_free(&r);
}

/* A fresh asset with two wallets, a holding 1000 and b nothing. */
static void funded_pair(char asset[64], char a[64], char b[64])
{
    asset_new(asset, NULL);
    account_new(asset, NULL, a);
    account_new(asset, NULL, b);
    deposit(a, "1000");
}

/* One leg of a transfer; amount is raw JSON ("\"300\"", or a malformed value to test). */
typedef struct {
    const char *debit, *credit, *amount;
} leg_t;

/* A POST /transfers body: head (may be "") holds members put before "legs", each followed by a
 * comma, such as "\"id\":\"...\",\"pending\":true,". */
static void transfer_body(char *out, size_t cap, const char *head, const leg_t *legs, size_t n)
{
    int len = snprintf(out, cap, "{%s\"legs\":[", head);
    for (size_t i = 0; i < n; i++)
        len += snprintf(out + len, cap - (size_t)len,
                        "%s{\"debit_account_id\":\"%s\",\"credit_account_id\":\"%s\","
                        "\"amount\":%s}",
                        i ? "," : "", legs[i].debit, legs[i].credit, legs[i].amount);
    len += snprintf(out + len, cap - (size_t)len, "]}");
    cr_assert_lt((size_t)len, cap, "transfer body too long");
}

/* r is a 422 with the ledger's code about leg `leg` of a multi-leg transfer; frees r. */
static void expect_leg_error(resp_t *r, const char *code, json_int_t leg)
{
    cr_expect_eq(r->status, 422, "%s", r->raw);
    cr_expect_str_eq(err_code(r), code);
    json_t *e = json_object_get(r->json, "error");
    cr_expect_eq(json_integer_value(json_object_get(e, "leg")), leg, "%s", r->raw);
    resp_free(r);
}

/* POST /transfers with the given legs (amounts as raw JSON) and idempotency key (may be NULL). */
static resp_t post_legs(const leg_t *legs, size_t n, const char *idem_key)
{
    char body[1024];
    transfer_body(body, sizeof body, "", legs, n);
    return call_full("POST", "/transfers", body, SECRET, idem_key);
}

/* POST /transfers of one pending leg with transfer id tid; extra (may be "") holds members
 * after "pending", each preceded by a comma, such as ",\"timeout_ms\":100". */
static resp_t post_pending(const char *tid, const char *extra, const char *debit,
                           const char *credit, const char *amount)
{
    char head[160], quoted[48], body[1024];
    snprintf(head, sizeof head, "\"id\":\"%s\",\"pending\":true%s,", tid, extra);
    snprintf(quoted, sizeof quoted, "\"%s\"", amount);
    transfer_body(body, sizeof body, head, &(leg_t){debit, credit, quoted}, 1);
    return call("POST", "/transfers", body);
}

/* POST /transfers of one leg moving amount (decimal digits) from debit to credit. */
static resp_t post_transfer(const char *debit, const char *credit, const char *amount)
{
    char quoted[48];
    snprintf(quoted, sizeof quoted, "\"%s\"", amount);
    leg_t leg = {debit, credit, quoted};
    return post_legs(&leg, 1, NULL);
}

/* The status field of an account as a string ("balance", "total_sent", ...). */
static char *status_of(const char *acct, const char *field)
{
    char path[128];
    snprintf(path, sizeof path, "/accounts/%s/status", acct);
    resp_t r = call("GET", path, NULL);
    cr_assert_eq(r.status, 200, "%s", r.raw);
    static __thread char buf[8][32];
    static __thread int k;
    char *out = buf[k++ % 8];
    json_t *v = json_object_get(r.json, field);
    snprintf(out, 32, "%s", json_is_null(v) ? "null" : json_string_value(v));
    resp_free(&r);
    return out;
}

static char *status_raw(const char *acct)
{
    char path[128];
    snprintf(path, sizeof path, "/accounts/%s/status", acct);
    resp_t r = call("GET", path, NULL);
    char *s = strdup(r.raw);
    resp_free(&r);
    return s;
}

/* ---- the cases ---- */

static void case_auth(void)
{
    resp_t r = call_full("GET", "/assets", NULL, NULL, NULL);
    cr_expect_eq(r.status, 401);
    cr_expect_str_eq(err_code(&r), "unauthorized");
    resp_free(&r);
    r = call_full("GET", "/assets", NULL, "wrong-secret", NULL);
    cr_expect_eq(r.status, 401);
    resp_free(&r);
    r = call_full("GET", "/assets", NULL, SECRET "x", NULL);
    cr_expect_eq(r.status, 401);
    resp_free(&r);
    r = call("GET", "/assets", NULL);
    cr_expect_eq(r.status, 200);
    resp_free(&r);
    fx.admin.secret = NULL; /* unset: everything is refused, saying why */
    r = call("GET", "/assets", NULL);
    cr_expect_eq(r.status, 401);
    cr_expect(strstr(r.raw, "ADMIN_API_SECRET is unset") != NULL, "%s", r.raw);
    resp_free(&r);
    fx.admin.secret = SECRET;
}

static void case_assets(void)
{
    char id[64], path[128];
    asset_new(id, NULL);
    snprintf(path, sizeof path, "/assets/%s", id);
    resp_t r = call("GET", path, NULL);
    cr_expect_eq(r.status, 200);
    cr_expect_eq(json_integer_value(json_object_get(r.json, "scale")), 2);
    char code[32];
    snprintf(code, sizeof code, "%s", str(r.json, "code"));
    resp_free(&r);

    char body[128];
    snprintf(body, sizeof body, "{\"code\":\"%s\",\"scale\":2}", code);
    r = call("POST", "/assets", body);
    cr_expect_eq(r.status, 422, "%s", r.raw);
    cr_expect_str_eq(err_code(&r), "asset_exists_with_same_code_and_scale");
    resp_free(&r);

    r = call("GET", "/assets/00000000-0000-4000-8000-000000000000", NULL);
    cr_expect_eq(r.status, 404);
    resp_free(&r);
    r = call("GET", "/assets/not-a-uuid", NULL);
    cr_expect_eq(r.status, 400);
    resp_free(&r);
    r = call("POST", "/assets", "{\"code\":\"USD\",\"scale\":256}");
    cr_expect_eq(r.status, 400);
    cr_expect(strstr(r.raw, "scale") != NULL);
    resp_free(&r);
    r = call("POST", "/assets", "{\"scale\":2}");
    cr_expect_eq(r.status, 400);
    cr_expect(strstr(r.raw, "code") != NULL);
    resp_free(&r);

    /* the list pages through every asset, and ours is in it */
    bool found = false;
    char cursor[64] = "";
    for (int pages = 0; pages < 1000; pages++) {
        snprintf(path, sizeof path, "/assets?limit=2%s%s", cursor[0] ? "&cursor=" : "", cursor);
        r = call("GET", path, NULL);
        cr_assert_eq(r.status, 200, "%s", r.raw);
        json_t *list = json_object_get(r.json, "assets");
        cr_assert(json_array_size(list) <= 2);
        for (size_t i = 0; i < json_array_size(list); i++)
            found |= strcmp(str(json_array_get(list, i), "id"), id) == 0;
        json_t *next = json_object_get(r.json, "next_cursor");
        snprintf(cursor, sizeof cursor, "%s", json_is_string(next) ? json_string_value(next) : "");
        resp_free(&r);
        if (!cursor[0])
            break;
    }
    cr_expect(found);
}

static void case_accounts(void)
{
    char asset[64], acct[64], sub[64], path[160], body[256];
    asset_new(asset, NULL);
    account_new(asset, "\"min_balance\":\"-500\"", acct);
    snprintf(path, sizeof path, "/accounts/%s", acct);
    resp_t r = call("GET", path, NULL);
    cr_expect_eq(r.status, 200);
    cr_expect_str_eq(str(r.json, "kind"), "wallet");
    cr_expect_str_eq(str(r.json, "min_balance"), "-500");
    cr_expect(json_is_null(json_object_get(r.json, "max_balance")));
    resp_free(&r);

    snprintf(path, sizeof path, "/accounts/%s/sub-accounts", acct);
    create(path, "{\"kind\":\"invoice\"}", 201, sub);
    snprintf(path, sizeof path, "/accounts/%s", sub);
    r = call("GET", path, NULL);
    cr_expect_str_eq(str(r.json, "parent_id"), acct);
    cr_expect_str_eq(str(r.json, "asset_id"), asset);
    resp_free(&r);

    r = call("POST", "/accounts/00000000-0000-4000-8000-000000000000/sub-accounts",
             "{\"kind\":\"invoice\"}");
    cr_expect_eq(r.status, 404, "%s", r.raw);
    resp_free(&r);

    snprintf(path, sizeof path, "/accounts?parent_id=%s", acct);
    r = call("GET", path, NULL);
    json_t *list = json_object_get(r.json, "accounts");
    cr_expect_eq(json_array_size(list), 1, "%s", r.raw);
    cr_expect_str_eq(str(json_array_get(list, 0), "id"), sub);
    resp_free(&r);
    snprintf(path, sizeof path, "/accounts?asset_id=%s&kind=wallet", asset);
    r = call("GET", path, NULL);
    list = json_object_get(r.json, "accounts");
    cr_expect_eq(json_array_size(list), 1, "%s", r.raw);
    cr_expect_str_eq(str(json_array_get(list, 0), "id"), acct);
    resp_free(&r);

    snprintf(path, sizeof path, "/accounts/%s", acct);
    snprintf(body, sizeof body,
             "{\"max_balance\":\"9000\",\"ilp\":{\"address\":\"test.rafiki.%c%c%c%c\","
             "\"max_packet_amount\":\"100\",\"stream_enabled\":true}}",
             'a' + (int)(rand_u64() % 26), 'a' + (int)(rand_u64() % 26),
             'a' + (int)(rand_u64() % 26), 'a' + (int)(rand_u64() % 26));
    r = call("PATCH", path, body);
    cr_expect_eq(r.status, 200, "%s", r.raw);
    cr_expect_str_eq(str(r.json, "max_balance"), "9000");
    json_t *ilp = json_object_get(r.json, "ilp");
    cr_expect_str_eq(str(ilp, "max_packet_amount"), "100");
    cr_expect(json_is_true(json_object_get(ilp, "stream_enabled")));
    resp_free(&r);
    r = call("GET", path, NULL);
    cr_expect_str_eq(str(r.json, "max_balance"), "9000");
    resp_free(&r);
    r = call("PATCH", path, "{\"max_balance\":null}");
    cr_expect(json_is_null(json_object_get(r.json, "max_balance")), "%s", r.raw);
    resp_free(&r);

    snprintf(body, sizeof body, "{\"asset_id\":\"%s\",\"kind\":\"banana\"}", asset);
    r = call("POST", "/accounts", body);
    cr_expect_eq(r.status, 400);
    cr_expect(strstr(r.raw, "kind") != NULL);
    resp_free(&r);
    r = call("POST", "/accounts",
             "{\"asset_id\":\"00000000-0000-4000-8000-000000000000\",\"kind\":\"wallet\"}");
    cr_expect_eq(r.status, 422, "%s", r.raw);
    cr_expect_str_eq(err_code(&r), "asset_not_found");
    resp_free(&r);
}

/* A new asset (its id into asset) with three wallets a, b, c of it. */
static void three_wallets(char asset[64], char a[64], char b[64], char c[64])
{
    asset_new(asset, NULL);
    account_new(asset, NULL, a);
    account_new(asset, NULL, b);
    account_new(asset, NULL, c);
}

static void case_deposits_and_transfers(void)
{
    char asset[64], a[64], b[64], c[64], path[160], body[512], did[40];
    three_wallets(asset, a, b, c);

    uuid_v4(did);
    snprintf(path, sizeof path, "/accounts/%s/deposits", a);
    snprintf(body, sizeof body, "{\"id\":\"%s\",\"amount\":\"1000\"}", did);
    resp_t r = call("POST", path, body);
    cr_expect_eq(r.status, 201, "%s", r.raw);
    cr_expect_str_eq(str(r.json, "type"), "deposit");
    cr_expect_str_eq(str(r.json, "state"), "posted");
    resp_free(&r);
    r = call("POST", path, body); /* the same deposit again: the ledger's idempotency */
    cr_expect_eq(r.status, 200, "%s", r.raw);
    resp_free(&r);
    snprintf(body, sizeof body, "{\"id\":\"%s\",\"amount\":\"999\"}", did);
    r = call("POST", path, body);
    cr_expect_eq(r.status, 422);
    cr_expect_str_eq(err_code(&r), "exists_with_different_amount");
    resp_free(&r);
    cr_expect_str_eq(status_of(a, "balance"), "1000");
    cr_expect_str_eq(status_of(a, "total_received"), "1000");

    r = post_transfer(a, b, "300");
    cr_expect_eq(r.status, 201, "%s", r.raw);
    cr_expect_eq(json_array_size(json_object_get(r.json, "transfers")), 1);
    resp_free(&r);
    cr_expect_str_eq(status_of(a, "balance"), "700");
    cr_expect_str_eq(status_of(a, "total_sent"), "300");
    cr_expect_str_eq(status_of(b, "balance"), "300");

    /* linked legs: the second cannot apply, so neither does */
    r = post_legs((leg_t[]){{a, b, "\"100\""}, {b, c, "\"5000\""}}, 2, NULL);
    expect_leg_error(&r, "exceeds_credits", 1);
    cr_expect_str_eq(status_of(a, "balance"), "700");
    cr_expect_str_eq(status_of(b, "balance"), "300");
    cr_expect_str_eq(status_of(c, "balance"), "0");

    /* both legs fit: both apply */
    r = post_legs((leg_t[]){{a, b, "\"100\""}, {b, c, "\"400\""}}, 2, NULL);
    cr_expect_eq(r.status, 201, "%s", r.raw);
    cr_expect_eq(json_array_size(json_object_get(r.json, "transfers")), 2);
    resp_free(&r);
    cr_expect_str_eq(status_of(a, "balance"), "600");
    cr_expect_str_eq(status_of(b, "balance"), "0");
    cr_expect_str_eq(status_of(c, "balance"), "400");

    r = post_transfer(a, b, "601");
    cr_expect_eq(r.status, 422);
    cr_expect_str_eq(err_code(&r), "exceeds_credits");
    resp_free(&r);
    r = post_transfer(a, "00000000-0000-4000-8000-000000000000", "1");
    cr_expect_eq(r.status, 422);
    cr_expect_str_eq(err_code(&r), "credit_account_not_found");
    resp_free(&r);
}

/* A multi-leg transfer is one ledger transfer group: the same id and legs again answer 200 with
 * the stored legs and apply nothing; other legs under its id are refused, naming the leg. */
static void case_transfer_group_retry(void)
{
    char asset[64], a[64], b[64], c[64], head[64], body[1024], tid[40];
    three_wallets(asset, a, b, c);
    deposit(a, "100");
    uuid_v4(tid);
    snprintf(head, sizeof head, "\"id\":\"%s\",", tid);
    leg_t legs[2] = {{a, b, "\"30\""}, {b, c, "\"10\""}};
    transfer_body(body, sizeof body, head, legs, 2);
    resp_t r = call("POST", "/transfers", body);
    cr_expect_eq(r.status, 201, "%s", r.raw);
    char leg1[64];
    snprintf(leg1, sizeof leg1, "%s",
             str(json_array_get(json_object_get(r.json, "transfers"), 1), "id"));
    resp_free(&r);
    r = call("POST", "/transfers", body);
    cr_expect_eq(r.status, 200, "%s", r.raw);
    cr_expect_str_eq(str(json_array_get(json_object_get(r.json, "transfers"), 1), "id"), leg1);
    resp_free(&r);
    legs[1].amount = "\"11\"";
    transfer_body(body, sizeof body, head, legs, 2);
    r = call("POST", "/transfers", body);
    expect_leg_error(&r, "exists_with_different_amount", 1);
    cr_expect_str_eq(status_of(a, "balance"), "70");
    cr_expect_str_eq(status_of(c, "balance"), "10");
}

static void case_credit_line(void)
{
    char asset[64], a[64], b[64];
    asset_new(asset, NULL);
    account_new(asset, "\"min_balance\":\"-500\"", a);
    account_new(asset, "\"max_balance\":\"500\"", b);
    resp_t r = post_transfer(a, b, "500");
    cr_expect_eq(r.status, 201, "%s", r.raw);
    resp_free(&r);
    cr_expect_str_eq(status_of(a, "balance"), "-500");
    cr_expect_str_eq(status_of(a, "available"), "0");
    r = post_transfer(b, a, "1");
    cr_expect_eq(r.status, 201, "%s", r.raw);
    resp_free(&r);
    deposit(a, "10");
    r = post_transfer(a, b, "2");
    cr_expect_eq(r.status, 422, "%s", r.raw);
    cr_expect_str_eq(err_code(&r), "exceeds_debits"); /* b would pass its max_balance */
    resp_free(&r);
}

static void case_pending(void)
{
    char asset[64], a[64], b[64], path[160], tid[40];
    funded_pair(asset, a, b);

    uuid_v4(tid);
    resp_t r = post_pending(tid, ",\"timeout_ms\":60000", a, b, "200");
    cr_expect_eq(r.status, 201, "%s", r.raw);
    cr_expect_str_eq(str(r.json, "state"), "pending");
    resp_free(&r);
    cr_expect_str_eq(status_of(a, "balance"), "800");
    cr_expect_str_eq(status_of(a, "debits_pending"), "200");
    cr_expect_str_eq(status_of(b, "balance"), "0");
    finish_pending("transfers", tid, "post", "posted");
    cr_expect_str_eq(status_of(b, "balance"), "200");
    cr_expect_str_eq(status_of(a, "debits_pending"), "0");
    snprintf(path, sizeof path, "/transfers/%s/post", tid);
    r = call("POST", path, NULL);
    cr_expect_eq(r.status, 422);
    cr_expect_str_eq(err_code(&r), "pending_transfer_already_posted");
    resp_free(&r);

    uuid_v4(tid);
    r = post_pending(tid, "", a, b, "300");
    cr_expect_eq(r.status, 201, "%s", r.raw);
    resp_free(&r);
    cr_expect_str_eq(status_of(a, "balance"), "500");
    finish_pending("transfers", tid, "void", "voided");
    cr_expect_str_eq(status_of(a, "balance"), "800");
    cr_expect_str_eq(status_of(b, "balance"), "200");

    r = call("POST", "/transfers/00000000-0000-4000-8000-000000000000/post", NULL);
    cr_expect_eq(r.status, 404);
    resp_free(&r);

    /* a pending transfer with a short timeout is voided by the sweeper */
    uuid_v4(tid);
    r = post_pending(tid, ",\"timeout_ms\":100", a, b, "50");
    cr_expect_eq(r.status, 201, "%s", r.raw);
    resp_free(&r);
    cr_expect_str_eq(status_of(a, "balance"), "750");
    snprintf(path, sizeof path, "/transfers/%s", tid);
    bool expired = false;
    for (int i = 0; i < 100 && !expired; i++) {
        usleep(50 * 1000);
        r = call("GET", path, NULL);
        json_t *legs = json_object_get(r.json, "transfers");
        expired = strcmp(str(json_array_get(legs, 0), "state"), "expired") == 0;
        resp_free(&r);
    }
    cr_expect(expired);
    cr_expect_str_eq(status_of(a, "balance"), "800");
}

static void case_withdrawals(void)
{
    char asset[64], settle[64], a[64], body[256], path[160], wid[40];
    asset_new(asset, settle);
    account_new(asset, NULL, a);
    deposit(a, "1000");

    uuid_v4(wid);
    snprintf(path, sizeof path, "/accounts/%s/withdrawals", a);
    snprintf(body, sizeof body, "{\"id\":\"%s\",\"amount\":\"400\"}", wid);
    resp_t r = call("POST", path, body);
    cr_expect_eq(r.status, 201, "%s", r.raw);
    cr_expect_str_eq(str(r.json, "state"), "pending");
    cr_expect_str_eq(str(r.json, "type"), "withdrawal");
    cr_expect_str_eq(str(r.json, "credit_account_id"), settle);
    resp_free(&r);
    cr_expect_str_eq(status_of(a, "balance"), "600");
    finish_pending("withdrawals", wid, "post", "posted");
    cr_expect_str_eq(status_of(a, "balance"), "600");
    cr_expect_str_eq(status_of(a, "total_sent"), "400");
    cr_expect_str_eq(status_of(settle, "balance"), "-600");

    uuid_v4(wid);
    snprintf(path, sizeof path, "/accounts/%s/withdrawals", a);
    snprintf(body, sizeof body, "{\"id\":\"%s\",\"amount\":\"100\",\"timeout_ms\":60000}", wid);
    create(path, body, 201, NULL);
    cr_expect_str_eq(status_of(a, "balance"), "500");
    finish_pending("withdrawals", wid, "void", "voided");
    cr_expect_str_eq(status_of(a, "balance"), "600");

    uuid_v4(wid);
    snprintf(path, sizeof path, "/accounts/%s/withdrawals", a);
    snprintf(body, sizeof body, "{\"id\":\"%s\",\"amount\":\"601\"}", wid);
    r = call("POST", path, body);
    cr_expect_eq(r.status, 422);
    cr_expect_str_eq(err_code(&r), "exceeds_credits");
    resp_free(&r);
    /* a deposit is not a withdrawal */
    char did[40];
    uuid_v4(did);
    snprintf(path, sizeof path, "/accounts/%s/deposits", a);
    snprintf(body, sizeof body, "{\"id\":\"%s\",\"amount\":\"1\"}", did);
    create(path, body, 201, NULL);
    snprintf(path, sizeof path, "/withdrawals/%s/post", did);
    r = call("POST", path, NULL);
    cr_expect_eq(r.status, 404);
    resp_free(&r);
}

static void case_history(void)
{
    char asset[64], a[64], path[256], cursor[128] = "";
    asset_new(asset, NULL);
    account_new(asset, NULL, a);
    for (int i = 1; i <= 5; i++) {
        char amt[16];
        snprintf(amt, sizeof amt, "%d", i);
        deposit(a, amt);
    }
    int seen = 0, pages = 0;
    long last = 1000;
    do {
        snprintf(path, sizeof path, "/accounts/%s/transfers?limit=2%s%s", a,
                 cursor[0] ? "&cursor=" : "", cursor);
        resp_t r = call("GET", path, NULL);
        cr_assert_eq(r.status, 200, "%s", r.raw);
        json_t *list = json_object_get(r.json, "transfers");
        cr_assert(json_array_size(list) <= 2);
        for (size_t i = 0; i < json_array_size(list); i++) {
            long amt = strtol(str(json_array_get(list, i), "amount"), NULL, 10);
            cr_expect_lt(amt, last, "newest first");
            last = amt;
            seen++;
        }
        json_t *next = json_object_get(r.json, "next_cursor");
        snprintf(cursor, sizeof cursor, "%s", json_is_string(next) ? json_string_value(next) : "");
        resp_free(&r);
        pages++;
    } while (cursor[0] && pages < 10);
    cr_expect_eq(seen, 5);
    cr_expect_geq(pages, 3);
    snprintf(path, sizeof path, "/accounts/%s/transfers?limit=0", a);
    resp_t r = call("GET", path, NULL);
    cr_expect_eq(r.status, 400);
    resp_free(&r);
    r = call("GET", "/accounts/00000000-0000-4000-8000-000000000000/transfers", NULL);
    cr_expect_eq(r.status, 404);
    resp_free(&r);
}

static void case_idempotency(void)
{
    char asset[64], a[64], b[64], body[512], key[40];
    funded_pair(asset, a, b);
    uuid_v4(key);
    /* no transfer id: without the key a retry would move the money twice */
    leg_t leg = {a, b, "\"10\""};
    transfer_body(body, sizeof body, "", &leg, 1);
    resp_t r1 = call_full("POST", "/transfers", body, SECRET, key);
    cr_expect_eq(r1.status, 201, "%s", r1.raw);
    cr_expect(!r1.replayed);
    resp_t r2 = call_full("POST", "/transfers", body, SECRET, key);
    cr_expect_eq(r2.status, 201);
    cr_expect_str_eq(r2.raw, r1.raw);
    cr_expect(r2.replayed);
    resp_free(&r1);
    resp_free(&r2);
    cr_expect_str_eq(status_of(a, "balance"), "990");

    r1 = post_legs(&(leg_t){a, b, "\"11\""}, 1, key);
    cr_expect_eq(r1.status, 409);
    cr_expect_str_eq(err_code(&r1), "idempotency_key_reused");
    resp_free(&r1);
    cr_expect_str_eq(status_of(a, "balance"), "990");

    /* a 4xx answer is replayed too */
    uuid_v4(key);
    leg.amount = "\"5000\"";
    r1 = post_legs(&leg, 1, key);
    cr_expect_eq(r1.status, 422);
    deposit(a, "10000");
    r2 = post_legs(&leg, 1, key);
    cr_expect_eq(r2.status, 422, "the stored answer, not a new attempt");
    cr_expect(r2.replayed);
    resp_free(&r1);
    resp_free(&r2);

    /* a request still in flight under the key (its marker, as another replica holds it) */
    uuid_v4(key);
    char scoped[128], hex[65], ckey[96], fp_in[1024], marker[65 + 1];
    snprintf(scoped, sizeof scoped, "POST /transfers\n%s", key);
    uint8_t h[SHA256_LEN];
    sha256(h, scoped, strlen(scoped));
    hex_encode(hex, sizeof hex, h, SHA256_LEN);
    snprintf(ckey, sizeof ckey, "admin-idem:%s", hex);
    int n = snprintf(fp_in, sizeof fp_in, "POST\n/transfers\n%s", body);
    sha256(h, fp_in, (size_t)n);
    marker[0] = 'P';
    hex_encode(marker + 1, 65, h, SHA256_LEN);
    cr_assert_eq(cache_set(fx.cache, ckey, marker, 65, 60000, NULL), CACHE_OK);
    r1 = call_full("POST", "/transfers", body, SECRET, key);
    cr_expect_eq(r1.status, 409, "%s", r1.raw);
    cr_expect_str_eq(err_code(&r1), "idempotency_key_in_flight");
    resp_free(&r1);
    cr_expect_str_eq(status_of(a, "balance"), "10990");

    r1 = call_full("POST", "/transfers", body, SECRET, "has space");
    cr_expect_eq(r1.status, 400);
    resp_free(&r1);
}

static void case_bad_input(void)
{
    char asset[64], a[64], b[64], body[512], path[160];
    funded_pair(asset, a, b);
    char *before_a = status_raw(a), *before_b = status_raw(b);

    resp_t r = call("POST", "/transfers", "{\"legs\": [");
    cr_expect_eq(r.status, 400);
    cr_expect_str_eq(err_code(&r), "invalid_json");
    resp_free(&r);
    r = call("POST", "/transfers", "[1,2]");
    cr_expect_eq(r.status, 400);
    resp_free(&r);

    static const char *const bad[] = {"\"-1\"", "\"1.5\"", "\"18446744073709551616\"",
                                      "\" 1\"", "\"\"",    "5",
                                      "\"0\"",  "\"01\"",  "\"1e3\""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = post_legs(&(leg_t){a, b, bad[i]}, 1, NULL);
        cr_expect_eq(r.status, 400, "amount %s -> %u", bad[i], r.status);
        cr_expect_str_eq(err_code(&r), "invalid_amount", "amount %s", bad[i]);
        cr_expect(strstr(r.raw, "amount") != NULL);
        resp_free(&r);
        char did[40];
        uuid_v4(did);
        snprintf(path, sizeof path, "/accounts/%s/deposits", a);
        snprintf(body, sizeof body, "{\"id\":\"%s\",\"amount\":%s}", did, bad[i]);
        r = call("POST", path, body);
        cr_expect_eq(r.status, 400, "deposit amount %s", bad[i]);
        cr_expect_str_eq(err_code(&r), "invalid_amount");
        resp_free(&r);
    }
    snprintf(body, sizeof body, "{\"asset_id\":\"%s\",\"kind\":\"peer\",\"min_balance\":\"1.5\"}",
             asset);
    r = call("POST", "/accounts", body);
    cr_expect_eq(r.status, 400);
    cr_expect_str_eq(err_code(&r), "invalid_amount");
    resp_free(&r);
    snprintf(body, sizeof body,
             "{\"legs\":[{\"debit_account_id\":\"%s\",\"credit_account_id\":\"%s\","
             "\"ammount\":\"1\"}]}",
             a, b);
    r = call("POST", "/transfers", body);
    cr_expect_eq(r.status, 400);
    cr_expect(strstr(r.raw, "ammount") != NULL);
    resp_free(&r);

    char *after_a = status_raw(a), *after_b = status_raw(b);
    cr_expect_str_eq(after_a, before_a);
    cr_expect_str_eq(after_b, before_b);
    free(before_a);
    free(before_b);
    free(after_a);
    free(after_b);

    /* the largest u64 is a valid amount (refused by the limit, not the parser) */
    r = post_transfer(a, b, "18446744073709551615");
    cr_expect_eq(r.status, 422, "%s", r.raw);
    resp_free(&r);
}

/* ---- both backends ---- */

static bool pg_available(void)
{
    const char *u = getenv("TEST_POSTGRES_URL");
    return u && *u;
}

static void run_sqlite(void (*fn)(void))
{
    fx_start(false);
    fn();
    fx_stop();
}

static void run_pg(void (*fn)(void))
{
    if (!pg_available())
        cr_skip_test("TEST_POSTGRES_URL is not set");
    fx_start(true);
    fn();
    fx_stop();
}

#define BOTH(name)                                                                                 \
    Test(admin_sqlite, name, .timeout = 60)                                                        \
    {                                                                                              \
        run_sqlite(case_##name);                                                                   \
    }                                                                                              \
    Test(admin_pg, name, .timeout = 60)                                                            \
    {                                                                                              \
        run_pg(case_##name);                                                                       \
    }

BOTH(auth)
BOTH(assets)
BOTH(accounts)
BOTH(deposits_and_transfers)
BOTH(transfer_group_retry)
BOTH(credit_line)
BOTH(pending)
BOTH(withdrawals)
BOTH(history)
BOTH(idempotency)
BOTH(bad_input)
