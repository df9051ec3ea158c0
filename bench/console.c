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
#define FILL_BATCH 500
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

typedef struct {
    const char *col, *expr;
} sub_t;

/* INSERT INTO table (its columns but skip) SELECT (each column or its substitute) FROM table
 * WHERE where: a copy of every column, so the copies are rows as the server writes them. */
static sqlite3_stmt *copy_prepare(sqlite3 *db, const char *table, const sub_t *subs, size_t n,
                                  const char *skip, const char *where)
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
        const char *e = c;
        for (size_t i = 0; i < n; i++)
            if (strcmp(subs[i].col, c) == 0)
                e = subs[i].expr;
        cl += (size_t)snprintf(cols + cl, sizeof cols - cl, "%s%s", cl ? ", " : "", c);
        sl += (size_t)snprintf(sel + sl, sizeof sel - sl, "%s%s", sl ? ", " : "", e);
    }
    sqlite3_finalize(t);
    snprintf(sql, sizeof sql, "INSERT INTO %s (%s) SELECT %s FROM %s WHERE %s", table, cols, sel,
             table, where);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fprintf(stderr, "fill: %s: %s\n", table, sqlite3_errmsg(db));
    return st;
}

static void bind_s(sqlite3_stmt *st, const char *name, const char *v)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (i > 0)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

static void bind_i(sqlite3_stmt *st, const char *name, long long v)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (i > 0)
        sqlite3_bind_int64(st, i, v);
}

enum { CP_QUOTE, CP_IN, CP_OUT, CP_EVENTS, CP_COUNT };

static int prepare_all(sqlite3 *db, sqlite3_stmt *st[CP_COUNT])
{
    static const sub_t quote[] = {{"id", ":qid"},
                                  {"incoming_payment_id", ":iid"},
                                  {"receiver", "replace(receiver, :src_in, :iid)"},
                                  {"receiver_account_id", ":acct"},
                                  {"created_at", ":t"},
                                  {"expires_at", ":t + 300000"}};
    static const sub_t in[] = {{"id", ":iid"},         {"account_id", ":acct"},
                               {"created_at", ":t"},   {"updated_at", ":t"},
                               {"completed_at", ":t"}, {"expires_at", ":t + 86400000"}};
    static const sub_t out[] = {
        {"id", ":oid"}, {"quote_id", ":qid"}, {"created_at", ":t"}, {"updated_at", ":t"}};
    static const sub_t ev[] = {
        {"id", NEWID},
        {"resource_id", ":res"},
        {"data", "replace(replace(replace(data, :src_in, :iid), :src_q, :qid), :src_out, :oid)"},
        {"state", "1"},
        {"blocked", "0"},
        {"created_at", ":t"},
        {"updated_at", ":t"},
        {"process_at", ":t"}};
    st[CP_QUOTE] = copy_prepare(db, "quotes", quote, 6, NULL, "id = :src_q");
    st[CP_IN] = copy_prepare(db, "incoming_payments", in, 6, NULL, "id = :src_in");
    st[CP_OUT] = copy_prepare(db, "outgoing_payments", out, 4, NULL, "id = :src_out");
    st[CP_EVENTS] = copy_prepare(db, "webhook_events", ev, 8, "seq", "resource_id = :src_res");
    return st[CP_QUOTE] && st[CP_IN] && st[CP_OUT] && st[CP_EVENTS] ? 0 : -1;
}

/* One copy of seed s created at t_ms. */
static int copy_one(sqlite3_stmt *st[CP_COUNT], const seed_t *s, long long t_ms, char oid_out[40])
{
    char iid[UUID_STR_LEN + 1], qid[UUID_STR_LEN + 1], oid[UUID_STR_LEN + 1],
        acct[UUID_STR_LEN + 1];
    uuid_v4(iid);
    uuid_v4(qid);
    uuid_v4(oid);
    uuid_v4(acct);
    for (int k = 0; k < CP_COUNT + 1; k++) {
        sqlite3_stmt *x = st[k < CP_COUNT ? k : CP_EVENTS];
        sqlite3_reset(x);
        sqlite3_clear_bindings(x);
        bind_s(x, ":iid", iid);
        bind_s(x, ":qid", qid);
        bind_s(x, ":oid", oid);
        bind_s(x, ":acct", acct);
        bind_s(x, ":src_in", s->in);
        bind_s(x, ":src_q", s->quote);
        bind_s(x, ":src_out", s->out);
        bind_i(x, ":t", t_ms);
        /* the events twice: the incoming payment's, then the outgoing payment's */
        bind_s(x, ":res", k == CP_EVENTS ? iid : oid);
        bind_s(x, ":src_res", k == CP_EVENTS ? s->in : s->out);
        if (sqlite3_step(x) != SQLITE_DONE)
            return -1;
    }
    snprintf(oid_out, 40, "%s", oid);
    return 0;
}

/* Fills up to total payments; the mid-list row's cursor into mid ("<ms>_<id>"). */
static int fill(long total, char *mid, size_t mid_cap)
{
    char path[96];
    snprintf(path, sizeof path, "%s/rafiki.db", B.n.dir);
    sqlite3 *db;
    sqlite3_stmt *st[CP_COUNT] = {0};
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return -1;
    sqlite3_busy_timeout(db, 30000);
    int rc = prepare_all(db, st);
    long n = total - (long)B.nseeds;
    long long now = clock_wall_ms();
    for (long i = 0; rc == 0 && i < n; i++) {
        if (i % FILL_BATCH == 0 && sqlite3_exec(db, "BEGIN IMMEDIATE", 0, 0, 0) != SQLITE_OK)
            rc = -1;
        long long t = now - (n - i) * SPACING_MS;
        char oid[40];
        if (rc == 0 && copy_one(st, &B.seeds[(size_t)i % B.nseeds], t, oid) != 0) {
            fprintf(stderr, "fill: %s\n", sqlite3_errmsg(db));
            rc = -1;
        }
        if (i == n / 2)
            snprintf(mid, mid_cap, "%lld_%s", t, oid);
        if (rc == 0 && (i % FILL_BATCH == FILL_BATCH - 1 || i == n - 1) &&
            sqlite3_exec(db, "COMMIT", 0, 0, 0) != SQLITE_OK)
            rc = -1;
    }
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

static int sign_in(void)
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
    snprintf(form, sizeof form, "csrf=%.*s&tenant=&secret=%s", (int)k, p, BENCH_SECRET);
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
    if (sign_in() != 0) {
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
