/*
 * Console benchmark: how long the operator console's pages take, signed in, with 100k
 * completed payments in the database. One `rafiki serve` (build/rafiki, a fresh SQLite file,
 * synchronous=normal, FUNDING_MODEL=ledger) is started; then:
 *
 *   1. BENCH_CONSOLE_SEED (default 200) local payments are made through the admin API, as a
 *      wallet does (incoming payment, quote, outgoing payment, polled to COMPLETED): real rows,
 *      ledger transfers and webhook events;
 *   2. the database is filled up to BENCH_CONSOLE_PAYMENTS (default 100000) completed payments
 *      by direct SQL inserts (the API makes ~600 payments/s on two cores, so 100k would take
 *      minutes): each new payment is a copy of every column of a seed payment's quote, incoming
 *      and outgoing payment rows and of its webhook events (ids replaced, also inside the
 *      events' JSON, events marked delivered), created one every 26 s back over the last 30
 *      days. The copies' ledger accounts and transfers are not made: the pages that read the
 *      ledger are timed on a seed payment;
 *   3. the operator signs in through the sign-in form, and each page is fetched
 *      BENCH_CONSOLE_ROUNDS times (default 200, after 5 unmeasured) one at a time: p50 and p99
 *      in ms, against a target of 50 ms.
 *
 * Environment: BENCH_CONSOLE_PAYMENTS, BENCH_CONSOLE_SEED, BENCH_CONSOLE_ROUNDS, RAFIKI_BIN
 * (default build/rafiki), RAFIKI_SQL_DIR (default ./sql).
 */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/uuid.h"
#include "http/client.h"

#include "bench_serve.h"

#define SEED_MAX   1000
#define ROUNDS_MAX 5000
#define TARGET_MS  50.0
#define FILL_BATCH 10 /* copies of every seed per transaction */
#define DAY_MS     86400000LL
#define SPACING_MS 26000LL

typedef struct {
    char in[40], quote[40], out[40];
} seed_t;

static struct {
    bench_node_t n;
    http_client_t *c;
    char asset[40], payer[40], payer_url[160], payee[40], payee_url[160];
    seed_t seeds[SEED_MAX];
    size_t nseeds;
    char cookie[256]; /* "rafiki_console=..." */
} B;

static long env_long(const char *name, long def, long lo, long hi)
{
    const char *s = getenv(name);
    char *end;
    long v = s && *s ? strtol(s, &end, 10) : def;
    if (s && *s && (*end || v < lo || v > hi)) {
        fprintf(stderr, "%s: %ld..%ld\n", name, lo, hi);
        exit(2);
    }
    return v;
}

/* An admin API call whose answer must be 2xx; the JSON (NULL on failure, reported). */
static json_t *admin(const char *method, const char *path, json_t *body)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    unsigned st;
    json_t *j = bench_admin(B.c, &B.n, method, path, text, &st);
    free(text);
    if (st < 200 || st >= 300 || !j) {
        fprintf(stderr, "%s %s: %u\n", method, path, st);
        json_decref(j);
        return NULL;
    }
    return j;
}

static int copy_str(json_t *j, const char *key, char *out, size_t cap)
{
    const char *s = json_string_value(json_object_get(j, key));
    if (!s || strlen(s) >= cap)
        return -1;
    snprintf(out, cap, "%s", s);
    return 0;
}

static int wallet(const char *name, const char *deposit, char *id, char *url)
{
    char u[160];
    snprintf(u, sizeof u, "http://127.0.0.1:%d/%s", B.n.ports[BP_OP], name);
    json_t *w =
        admin("POST", "/wallet-addresses", json_pack("{s:s,s:s}", "asset_id", B.asset, "url", u));
    char acct[40], path[128], tid[UUID_STR_LEN + 1];
    int rc = w && copy_str(w, "id", id, 40) == 0 && copy_str(w, "url", url, 160) == 0 &&
                     copy_str(w, "account_id", acct, sizeof acct) == 0
                 ? 0
                 : -1;
    json_decref(w);
    if (rc == 0 && deposit) {
        uuid_v4(tid);
        snprintf(path, sizeof path, "/accounts/%s/deposits", acct);
        json_t *d = admin("POST", path, json_pack("{s:s,s:s}", "id", tid, "amount", deposit));
        rc = d ? 0 : -1;
        json_decref(d);
    }
    return rc;
}

static int setup(void)
{
    json_t *a = admin("POST", "/assets", json_pack("{s:s,s:i}", "code", "USD", "scale", 2));
    char liq[40], path[128], tid[UUID_STR_LEN + 1];
    if (!a || copy_str(a, "id", B.asset, sizeof B.asset) != 0 ||
        copy_str(a, "liquidity_account_id", liq, sizeof liq) != 0) {
        json_decref(a);
        return -1;
    }
    json_decref(a);
    uuid_v4(tid);
    snprintf(path, sizeof path, "/accounts/%s/deposits", liq);
    json_t *d = admin("POST", path, json_pack("{s:s,s:s}", "id", tid, "amount", "100000000"));
    json_decref(d);
    return d && wallet("payer", "100000000", B.payer, B.payer_url) == 0 &&
                   wallet("payee", NULL, B.payee, B.payee_url) == 0
               ? 0
               : -1;
}

/* One payment through the admin API, polled to COMPLETED. */
static int pay(seed_t *s)
{
    json_t *ip = admin("POST", "/incoming-payments",
                       json_pack("{s:s,s:{s:s,s:s,s:i},s:{s:s}}", "wallet_address_id", B.payee,
                                 "incoming_amount", "value", "100", "asset_code", "USD",
                                 "asset_scale", 2, "metadata", "description", "bench"));
    char url[256];
    if (!ip || copy_str(ip, "id", s->in, sizeof s->in) != 0 ||
        copy_str(ip, "url", url, sizeof url) != 0) {
        json_decref(ip);
        return -1;
    }
    json_decref(ip);
    json_t *q = admin("POST", "/quotes",
                      json_pack("{s:s,s:s}", "wallet_address_id", B.payer, "receiver", url));
    if (!q || copy_str(q, "id", s->quote, sizeof s->quote) != 0) {
        json_decref(q);
        return -1;
    }
    json_decref(q);
    json_t *p = admin("POST", "/outgoing-payments",
                      json_pack("{s:s,s:s}", "wallet_address_id", B.payer, "quote_id", s->quote));
    int rc = p && copy_str(p, "id", s->out, sizeof s->out) == 0 ? 0 : -1;
    json_decref(p);
    char path[96];
    snprintf(path, sizeof path, "/outgoing-payments/%s", s->out);
    for (int i = 0; rc == 0 && i < 2000; i++) {
        json_t *g = admin("GET", path, NULL);
        const char *state = json_string_value(json_object_get(g, "state"));
        bool done = state && strcmp(state, "COMPLETED") == 0;
        bool bad =
            !g || (state && (strcmp(state, "FAILED") == 0 || strcmp(state, "CANCELLED") == 0));
        json_decref(g);
        if (done)
            return 0;
        if (bad)
            return -1;
        usleep(2000);
    }
    return -1;
}

/* ---- the fill: copies of the seed payments by SQL ---- */

/* A fresh v4-shaped UUID in SQL, one per row of an INSERT ... SELECT. */
#define NEWID                                                                                      \
    "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), " \
    "2) || '-a' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))"
/* Copy n's id of a seed's id: its first 8 hex digits replaced by n, so a quote, its incoming
 * and outgoing payment and their events stay linked in every copy. */
#define NEW(col) "(printf('%08x', n.n) || substr(" col ", 9))"
/* The copy's index (0: the oldest) and creation time. */
#define IDX "((n.n - 1) * :seeds + s.j)"
#define AT  "(:now - (:fill - " IDX ") * :spacing)"
/* The rows a statement copies: every seed in every copy of the chunk, up to the fill. */
#define FROM_SEEDS(link)                                                                           \
    " x JOIN seeds s ON " link " JOIN nums n ON n.n >= :n0 AND n.n < :n1 WHERE " IDX " < :fill"

typedef struct {
    const char *col, *expr;
} sub_t;

/* INSERT INTO table (its columns but skip) SELECT (each column or its substitute) FROM table
 * `from`: a copy of every column, so the copies are rows as the server writes them. */
static sqlite3_stmt *copy_prepare(sqlite3 *db, const char *table, const sub_t *subs, size_t n,
                                  const char *skip, const char *from)
{
    char q[128], cols[4096] = "", sel[8192] = "", sql[16384];
    size_t cl = 0, sl = 0;
    snprintf(q, sizeof q, "PRAGMA table_info(%s)", table);
    sqlite3_stmt *t;
    if (sqlite3_prepare_v2(db, q, -1, &t, NULL) != SQLITE_OK)
        return NULL;
    while (sqlite3_step(t) == SQLITE_ROW) {
        const char *c = (const char *)sqlite3_column_text(t, 1);
        if (skip && strcmp(c, skip) == 0)
            continue;
        const char *e = NULL;
        for (size_t i = 0; i < n; i++)
            if (strcmp(subs[i].col, c) == 0)
                e = subs[i].expr;
        cl += (size_t)snprintf(cols + cl, sizeof cols - cl, "%s%s", cl ? ", " : "", c);
        sl += (size_t)snprintf(sel + sl, sizeof sel - sl, "%s%s%s", sl ? ", " : "", e ? "" : "x.",
                               e ? e : c);
    }
    sqlite3_finalize(t);
    snprintf(sql, sizeof sql, "INSERT INTO %s (%s) SELECT %s FROM %s%s", table, cols, sel, table,
             from);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fprintf(stderr, "fill: %s: %s\n", table, sqlite3_errmsg(db));
    return st;
}

enum { CP_QUOTE, CP_IN, CP_OUT, CP_EVENTS, CP_COUNT };

static int prepare_all(sqlite3 *db, sqlite3_stmt *st[CP_COUNT])
{
    static const sub_t quote[] = {{"id", NEW("x.id")},
                                  {"incoming_payment_id", NEW("x.incoming_payment_id")},
                                  {"receiver", "replace(x.receiver, s.in_id, " NEW("s.in_id") ")"},
                                  {"receiver_account_id", NEWID},
                                  {"created_at", AT},
                                  {"expires_at", AT " + 300000"}};
    static const sub_t in[] = {{"id", NEW("x.id")},  {"account_id", NEWID},
                               {"created_at", AT},   {"updated_at", AT},
                               {"completed_at", AT}, {"expires_at", AT " + 86400000"}};
    static const sub_t out[] = {{"id", NEW("x.id")},
                                {"quote_id", NEW("x.quote_id")},
                                {"created_at", AT},
                                {"updated_at", AT}};
    static const sub_t ev[] = {{"id", NEWID},
                               {"resource_id", NEW("x.resource_id")},
                               {"data", "replace(x.data, x.resource_id, " NEW("x.resource_id") ")"},
                               {"state", "1"},
                               {"blocked", "0"},
                               {"created_at", AT},
                               {"updated_at", AT},
                               {"process_at", AT}};
    st[CP_QUOTE] = copy_prepare(db, "quotes", quote, 6, NULL, FROM_SEEDS("x.id = s.q_id"));
    st[CP_IN] = copy_prepare(db, "incoming_payments", in, 6, NULL, FROM_SEEDS("x.id = s.in_id"));
    st[CP_OUT] = copy_prepare(db, "outgoing_payments", out, 4, NULL, FROM_SEEDS("x.id = s.out_id"));
    st[CP_EVENTS] = copy_prepare(db, "webhook_events", ev, 8, "seq",
                                 FROM_SEEDS("x.resource_id IN (s.in_id, s.out_id)"));
    return st[CP_QUOTE] && st[CP_IN] && st[CP_OUT] && st[CP_EVENTS] ? 0 : -1;
}

/* The seeds and the copy numbers as temporary tables of this connection. */
static int fill_tables(sqlite3 *db, long copies)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_exec(db,
                          "CREATE TEMP TABLE seeds (j INTEGER, in_id TEXT, q_id TEXT, out_id TEXT);"
                          "CREATE TEMP TABLE nums (n INTEGER PRIMARY KEY)",
                          0, 0, 0) == SQLITE_OK &&
                     sqlite3_prepare_v2(db, "INSERT INTO seeds VALUES (?, ?, ?, ?)", -1, &st,
                                        NULL) == SQLITE_OK
                 ? 0
                 : -1;
    for (size_t j = 0; rc == 0 && j < B.nseeds; j++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, (long long)j);
        sqlite3_bind_text(st, 2, B.seeds[j].in, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, B.seeds[j].quote, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, B.seeds[j].out, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    }
    sqlite3_finalize(st);
    char sql[160];
    snprintf(sql, sizeof sql,
             "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < %ld) "
             "INSERT INTO nums SELECT n FROM c",
             copies);
    return rc == 0 && sqlite3_exec(db, sql, 0, 0, 0) == SQLITE_OK ? 0 : -1;
}

/* Fills up to total payments, FILL_BATCH copies of the seeds per transaction; the cursor of the
 * row half-way down the list into mid ("<ms>_<id>"). */
static int fill(long total, char *mid, size_t mid_cap)
{
    char path[96];
    snprintf(path, sizeof path, "%s/rafiki.db", B.n.dir);
    sqlite3 *db;
    sqlite3_stmt *st[CP_COUNT] = {0};
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return -1;
    sqlite3_busy_timeout(db, 30000);
    long seeds = (long)B.nseeds, n = total - seeds, copies = (n + seeds - 1) / seeds;
    long long now = clock_wall_ms();
    int rc = fill_tables(db, copies) == 0 && prepare_all(db, st) == 0 ? 0 : -1;
    for (long n0 = 1; rc == 0 && n0 <= copies; n0 += FILL_BATCH) {
        rc = sqlite3_exec(db, "BEGIN IMMEDIATE", 0, 0, 0) == SQLITE_OK ? 0 : -1;
        for (int k = 0; rc == 0 && k < CP_COUNT; k++) {
            sqlite3_stmt *x = st[k];
            sqlite3_reset(x);
            sqlite3_bind_int64(x, sqlite3_bind_parameter_index(x, ":seeds"), seeds);
            sqlite3_bind_int64(x, sqlite3_bind_parameter_index(x, ":now"), now);
            sqlite3_bind_int64(x, sqlite3_bind_parameter_index(x, ":fill"), n);
            sqlite3_bind_int64(x, sqlite3_bind_parameter_index(x, ":spacing"), SPACING_MS);
            sqlite3_bind_int64(x, sqlite3_bind_parameter_index(x, ":n0"), n0);
            sqlite3_bind_int64(x, sqlite3_bind_parameter_index(x, ":n1"), n0 + FILL_BATCH);
            if (sqlite3_step(x) != SQLITE_DONE) {
                fprintf(stderr, "fill: %s\n", sqlite3_errmsg(db));
                rc = -1;
            }
        }
        if (rc == 0 && sqlite3_exec(db, "COMMIT", 0, 0, 0) != SQLITE_OK)
            rc = -1;
    }
    long i = n / 2, j = i % seeds;
    snprintf(mid, mid_cap, "%lld_%08lx%s", now - (n - i) * SPACING_MS, i / seeds + 1,
             B.seeds[j].out + 8);
    for (int k = 0; k < CP_COUNT; k++)
        sqlite3_finalize(st[k]);
    sqlite3_exec(db, "PRAGMA optimize", 0, 0, 0);
    sqlite3_close(db);
    return rc;
}

/* An event of the first seed's outgoing payment, for its page. */
static int an_event(char *out, size_t cap)
{
    char path[96];
    snprintf(path, sizeof path, "%s/rafiki.db", B.n.dir);
    sqlite3 *db;
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (sqlite3_open(path, &db) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT id FROM webhook_events WHERE resource_id = ? LIMIT 1", -1,
                           &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, B.seeds[0].out, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW) {
            snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
            rc = 0;
        }
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

/* ---- signed-in page loads ---- */

/* GET or POST url with the cookie; status and, when set_cookie, the first Set-Cookie's
 * "name=value" of the answer; the body into body (cap bytes) when not NULL. */
static unsigned request(const char *method, const char *path, const char *cookie, const char *form,
                        char *set_cookie, size_t sc_cap, char *body, size_t cap)
{
    char url[512];
    snprintf(url, sizeof url, "%s%s", B.n.admin, path);
    http_header_t h[2] = {{"Cookie", cookie ? cookie : ""},
                          {"Content-Type", "application/x-www-form-urlencoded"}};
    http_client_req_t rq = {.method = method,
                            .url = url,
                            .headers = h,
                            .n_headers = form ? 2 : 1,
                            .body = form ? SLICE_STR(form) : SLICE(NULL, 0),
                            .timeout_ms = 30000};
    http_client_resp_t r;
    if (http_client_do_sync(B.c, &rq, &r) != HTTP_CLIENT_OK)
        return 0;
    if (set_cookie) {
        set_cookie[0] = '\0';
        const char *hs = (const char *)r.headers.ptr, *end = hs + r.headers.len;
        for (const char *p = hs; p + 12 < end; p++) {
            if (strncasecmp(p, "set-cookie: ", 12) == 0) {
                size_t k = strcspn(p + 12, ";\r\n");
                if (k < sc_cap)
                    snprintf(set_cookie, sc_cap, "%.*s", (int)k, p + 12);
                break;
            }
        }
    }
    if (body) {
        size_t k = r.body.len < cap - 1 ? r.body.len : cap - 1;
        memcpy(body, r.body.ptr, k);
        body[k] = '\0';
    }
    unsigned st = r.status;
    http_client_resp_free(&r);
    return st;
}

static int sign_in(const char *tenant, const char *secret)
{
    static char page[65536];
    char nonce[256], form[512];
    if (request("GET", "/console", NULL, NULL, nonce, sizeof nonce, page, sizeof page) != 401)
        return -1;
    const char *p = strstr(page, "name=\"csrf\" value=\"");
    if (!p)
        return -1;
    p += strlen("name=\"csrf\" value=\"");
    size_t k = strcspn(p, "\"");
    snprintf(form, sizeof form, "csrf=%.*s&tenant=%s&secret=%s", (int)k, p, tenant, secret);
    unsigned st =
        request("POST", "/console/login", nonce, form, B.cookie, sizeof B.cookie, NULL, 0);
    return st == 303 && strncmp(B.cookie, "rafiki_console=", 15) == 0 ? 0 : -1;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Times rounds loads of path; prints a line; false when one was not a 200 or p99 missed. */
static bool time_page(const char *label, const char *path, long rounds)
{
    static uint64_t lat[ROUNDS_MAX];
    static char body[1 << 20];
    unsigned bad = 0;
    for (int i = 0; i < 5; i++)
        request("GET", path, B.cookie, NULL, NULL, 0, NULL, 0);
    for (long i = 0; i < rounds; i++) {
        uint64_t t0 = clock_mono_ns();
        unsigned st =
            request("GET", path, B.cookie, NULL, NULL, 0, i == 0 ? body : NULL, sizeof body);
        lat[i] = (clock_mono_ns() - t0) / 1000;
        if (st != 200)
            bad = st ? st : 1;
    }
    qsort(lat, (size_t)rounds, sizeof lat[0], cmp_u64);
    double p50 = (double)lat[rounds / 2] / 1000, p99 = (double)lat[rounds * 99 / 100] / 1000;
    const char *rows = strstr(body, "<tbody>");
    unsigned n = 0;
    for (const char *r = rows; r && (r = strstr(r + 1, "<tr")) != NULL;)
        n++;
    printf("  %-44s p50 %7.2f ms  p99 %7.2f ms  %s%s (%u table rows, %zu bytes)\n", label, p50, p99,
           p99 <= TARGET_MS ? "ok" : "OVER 50 ms", bad ? "  NOT 200" : "", n, strlen(body));
    return !bad && p99 <= TARGET_MS;
}

static void date_of(long long ms, char out[24])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 24, "%Y-%m-%d", &tm);
}

/* Two tenants written by SQL: "payer" owns the payer's wallet address (every outgoing
 * payment: its list is the whole table through the tenant's scope) and "empty" owns none (its
 * list finds nothing); each signs in and its lists are timed. */
static bool tenant_pages(long rounds)
{
    char path[96], sql[1024], payer[UUID_STR_LEN + 1], empty[UUID_STR_LEN + 1];
    snprintf(path, sizeof path, "%s/rafiki.db", B.n.dir);
    uuid_v4(payer);
    uuid_v4(empty);
    long long now = clock_wall_ms();
    snprintf(sql, sizeof sql,
             "INSERT INTO tenants (id, api_secret, created_at, updated_at) VALUES ('%s', "
             "'payer-secret-0123456789', %lld, %lld), ('%s', 'empty-secret-0123456789', %lld, "
             "%lld); INSERT INTO tenant_resources (resource_id, kind, tenant_id, created_at) "
             "VALUES ('%s', 3, '%s', %lld)",
             payer, now, now, empty, now, now, B.payer, payer, now);
    sqlite3 *db;
    bool ok = sqlite3_open(path, &db) == SQLITE_OK;
    sqlite3_busy_timeout(db, 30000);
    ok = ok && sqlite3_exec(db, sql, 0, 0, 0) == SQLITE_OK;
    sqlite3_close(db);
    char op_cookie[sizeof B.cookie];
    memcpy(op_cookie, B.cookie, sizeof op_cookie);
    if (!ok || sign_in(payer, "payer-secret-0123456789") != 0)
        return false;
    ok &= time_page("tenant owning all: outgoing", "/console/payments/outgoing", rounds);
    ok &= time_page("tenant owning all: outgoing, COMPLETED",
                    "/console/payments/outgoing?state=COMPLETED", rounds);
    ok &= time_page("tenant owning all: webhook events", "/console/webhook-events", rounds);
    if (sign_in(empty, "empty-secret-0123456789") != 0)
        return false;
    ok &= time_page("tenant owning none: outgoing", "/console/payments/outgoing", rounds);
    ok &= time_page("tenant owning none: webhook events", "/console/webhook-events", rounds);
    memcpy(B.cookie, op_cookie, sizeof op_cookie);
    return ok;
}

static int run_pages(long rounds, const char *mid)
{
    char enc[256] = "", p[640], from[24], to[24], ev[64];
    size_t k = 0;
    for (const char *s = B.payee_url; *s && k + 4 < sizeof enc; s++)
        k += (size_t)(strchr(":/", *s) ? snprintf(enc + k, sizeof enc - k, "%%%02X", *s)
                                       : snprintf(enc + k, sizeof enc - k, "%c", *s));
    long long now = clock_wall_ms();
    date_of(now - 10 * DAY_MS, from);
    date_of(now - 5 * DAY_MS, to);
    if (an_event(ev, sizeof ev) != 0)
        return -1;
    bool ok = time_page("overview", "/console", rounds);
    ok &= time_page("incoming payments", "/console/payments/incoming", rounds);
    ok &= time_page("outgoing payments", "/console/payments/outgoing", rounds);
    ok &= time_page("outgoing, state=COMPLETED", "/console/payments/outgoing?state=COMPLETED",
                    rounds);
    snprintf(p, sizeof p, "/console/payments/incoming?state=completed&wallet=%s", enc);
    ok &= time_page("incoming, state + wallet URL", p, rounds);
    snprintf(p, sizeof p, "/console/payments/outgoing?wallet=%s&from=%s&to=%s", B.payer, from, to);
    ok &= time_page("outgoing, wallet id + 5-day range", p, rounds);
    snprintf(p, sizeof p, "/console/payments/outgoing?before=%s", mid);
    ok &= time_page("outgoing, a page half-way down (Older)", p, rounds);
    snprintf(p, sizeof p, "/console/payments/outgoing/%s", B.seeds[0].out);
    ok &= time_page("outgoing payment page", p, rounds);
    snprintf(p, sizeof p, "/console/payments/incoming/%s", B.seeds[0].in);
    ok &= time_page("incoming payment page", p, rounds);
    ok &= time_page("webhook events", "/console/webhook-events", rounds);
    ok &= time_page("webhook events, type filter",
                    "/console/webhook-events?type=outgoing_payment.completed", rounds);
    snprintf(p, sizeof p, "/console/webhook-events/%s", ev);
    ok &= time_page("webhook event page", p, rounds);
    ok &= time_page("assets", "/console/assets", rounds);
    ok &= time_page("audit log", "/console/audit", rounds);
    ok &= tenant_pages(rounds);
    printf("  %s\n", ok ? "every page: p99 under 50 ms" : "SOME PAGE MISSED 50 ms OR FAILED");
    return 0;
}

int main(void)
{
    long total = env_long("BENCH_CONSOLE_PAYMENTS", 100000, 1, 10000000);
    long seeds = env_long("BENCH_CONSOLE_SEED", 200, 1, SEED_MAX);
    long rounds = env_long("BENCH_CONSOLE_ROUNDS", 200, 10, ROUNDS_MAX);
    if (seeds > total)
        seeds = total;
    static const char *const env[] = {"FUNDING_MODEL=ledger", NULL};
    B.c = http_client_new(NULL);
    if (bench_server_start(B.c, &B.n, "test.console", NULL, "?synchronous=normal", env) != 0 ||
        setup() != 0) {
        fprintf(stderr, "console bench: the server did not start\n");
        bench_server_stop(&B.n);
        return 1;
    }
    int rc = 1;
    char mid[96] = "";
    uint64_t t0 = clock_mono_ns();
    for (B.nseeds = 0; B.nseeds < (size_t)seeds; B.nseeds++)
        if (pay(&B.seeds[B.nseeds]) != 0)
            goto done;
    double api_s = (double)(clock_mono_ns() - t0) / 1e9;
    t0 = clock_mono_ns();
    if (fill(total, mid, sizeof mid) != 0)
        goto done;
    double sql_s = (double)(clock_mono_ns() - t0) / 1e9;
    printf("console: %ld completed payments: %ld through the admin API (%.1f s), %ld copied by "
           "SQL inserts (%.1f s); SQLite synchronous=normal; %ld loads per page, one at a time, "
           "signed in as the operator\n",
           total, seeds, api_s, total - seeds, sql_s, rounds);
    if (sign_in("", BENCH_SECRET) != 0) {
        fprintf(stderr, "console bench: sign-in failed\n");
        goto done;
    }
    rc = run_pages(rounds, mid);
done:
    if (rc)
        fprintf(stderr, "console bench: failed\n");
    bench_server_stop(&B.n);
    http_client_free(B.c);
    return rc ? 1 : 0;
}
