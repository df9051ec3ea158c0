/*
 * Payments benchmark: completed local payments per second through the admin API of a real
 * `rafiki serve` process (build/rafiki, started here on a fresh SQLite file with synchronous=FULL,
 * the default, then NORMAL, and on Postgres when TEST_POSTGRES_URL is set). Each payment is what a
 * wallet does:
 *
 *   POST /incoming-payments (payee, 100 units) -> POST /quotes (payer, its URL)
 *   -> POST /outgoing-payments -> GET /outgoing-payments/{id} until COMPLETED
 *
 * with N client threads (1, 4, 16), each one payment at a time. Prints per configuration:
 * completed payments/s, p50/p99 latency of a whole payment, the server's RSS (current and peak)
 * and its CPU time per payment (counted until the payments are settled). The clients share the
 * machine's cores with the server.
 *
 * remote-normal: two processes on SQLite (synchronous=normal), a and b, peered over ILP-over-HTTP
 * in one asset; each payment is a quote of a debit of 100 to a wallet address on b (SPSP GET
 * and a STREAM rate probe through both connectors) and an outgoing payment (funding, then
 * STREAM: probe, one money packet, close). Server figures are a's.
 *
 * After the runs of a configuration on SQLite: the server's RSS and the size of its WAL file
 * right after the load, and again once it has been idle for BENCH_IDLE_SECONDS (memory and disk
 * a server keeps after a burst).
 *
 * Environment: BENCH_SECONDS (default 3), BENCH_CONCURRENCY (only that one), BENCH_ONLY (a
 * substring of the labels to run: "sqlite-full", "remote"...), BENCH_IDLE_SECONDS (default 3;
 * 0: no idle report), RAFIKI_BIN (default build/rafiki), RAFIKI_SQL_DIR (default ./sql).
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/rand.h"
#include "base/uuid.h"
#include "http/client.h"

#include "bench_serve.h"

/* One `rafiki serve` process. */
typedef bench_node_t node_t;

/* The configuration under test: node a (the payer's), and b (the payee's) when remote. */
static struct {
    node_t a, b;
    bool remote;
    char payer[40], payee[40];
    char payee_url[128]; /* remote: the payee's wallet address URL on b */
    char code[16];
    http_client_t *client;
} srv;
static uint64_t completed_total;   /* over the runs of one configuration */
static atomic_uint_fast64_t polls; /* GETs of outgoing payments, in the current run */

/* ---- HTTP and the server process (bench_serve.h) ---- */

static json_t *admin_on(const node_t *n, const char *method, const char *path, const char *body,
                        unsigned *status)
{
    return bench_admin(srv.client, n, method, path, body, status);
}

static json_t *admin(const char *method, const char *path, const char *body, unsigned *status)
{
    return admin_on(&srv.a, method, path, body, status);
}

/* POST on n that must answer 2xx; copies field `key` of the answer into out. */
static int create_on(const node_t *n, const char *path, const char *body, const char *key,
                     char *out, size_t cap)
{
    unsigned st;
    json_t *j = admin_on(n, "POST", path, body, &st);
    const char *v = json_string_value(json_object_get(j, key));
    int rc = (st == 201 || st == 200) && v ? 0 : -1;
    if (rc == 0)
        snprintf(out, cap, "%s", v);
    else
        fprintf(stderr, "payments bench: POST %s -> %u\n", path, st);
    json_decref(j);
    return rc;
}

static int create(const char *path, const char *body, const char *key, char *out, size_t cap)
{
    return create_on(&srv.a, path, body, key, out, cap);
}

static int server_start(node_t *n, const char *ilp, const char *db_url, const char *sqlite_query)
{
    return bench_server_start(srv.client, n, ilp, db_url, sqlite_query, NULL);
}

/* A wallet address named name on n in asset; its id into id, its URL into url (may be NULL). */
static int wallet_on(const node_t *n, const char *asset, const char *name, char id[40], char *url,
                     size_t url_cap)
{
    char body[512], u[128];
    snprintf(u, sizeof u, "http://127.0.0.1:%d/%s%llx", n->ports[BP_OP], name,
             (unsigned long long)(rand_u64() & 0xffffff));
    snprintf(body, sizeof body, "{\"asset_id\":\"%s\",\"url\":\"%s\"}", asset, u);
    if (url)
        snprintf(url, url_cap, "%s", u);
    return create_on(n, "/wallet-addresses", body, "id", id, 40);
}

/* Remote: b has the asset too, a and b are peers (b gives a a credit line), the payee is on b. */
static int setup_remote(void)
{
    char asset_b[40], body[768], peer[40];
    snprintf(body, sizeof body, "{\"code\":\"%s\",\"scale\":2}", srv.code);
    if (create_on(&srv.b, "/assets", body, "id", asset_b, sizeof asset_b) != 0)
        return -1;
    const char *tok = "bench-peer-token-a-to-b-0123456789";
    char asset_a[40];
    unsigned st;
    json_t *j = admin("GET", "/assets?limit=100", NULL, &st);
    json_t *list = json_object_get(j, "assets"), *it;
    size_t i;
    asset_a[0] = '\0';
    json_array_foreach(list, i, it)
    {
        if (strcmp(json_string_value(json_object_get(it, "code")), srv.code) == 0)
            snprintf(asset_a, sizeof asset_a, "%s", json_string_value(json_object_get(it, "id")));
    }
    json_decref(j);
    snprintf(body, sizeof body,
             "{\"asset_id\":\"%s\",\"ilp_address\":\"test.b\",\"routes\":[\"test.b\"],"
             "\"outgoing\":{\"endpoint\":\"http://127.0.0.1:%d/\",\"token\":\"%s\"}}",
             asset_a, srv.b.ports[BP_CONN], tok);
    if (!asset_a[0] || create("/peers", body, "id", peer, sizeof peer) != 0)
        return -1;
    snprintf(body, sizeof body,
             "{\"asset_id\":\"%s\",\"ilp_address\":\"test.a\",\"incoming_tokens\":[\"%s\"],"
             "\"min_balance\":\"-1000000000000\"}",
             asset_b, tok);
    if (create_on(&srv.b, "/peers", body, "id", peer, sizeof peer) != 0)
        return -1;
    return wallet_on(&srv.b, asset_b, "payee", srv.payee, srv.payee_url, sizeof srv.payee_url);
}

/* An asset, a payer with plenty of money and a payee (on b when remote). */
static int setup(void)
{
    char asset[40], body[512], acct[40];
    uint64_t x = rand_u64();
    snprintf(srv.code, sizeof srv.code, "B");
    for (int i = 1; i < 9; i++, x /= 26)
        srv.code[i] = (char)('A' + x % 26);
    snprintf(body, sizeof body, "{\"code\":\"%s\",\"scale\":2}", srv.code);
    if (create("/assets", body, "id", asset, sizeof asset) != 0 ||
        wallet_on(&srv.a, asset, "payer", srv.payer, NULL, 0) != 0 ||
        (srv.remote ? setup_remote() : wallet_on(&srv.a, asset, "payee", srv.payee, NULL, 0)) != 0)
        return -1;
    unsigned st;
    char path[128];
    snprintf(path, sizeof path, "/wallet-addresses/%s", srv.payer);
    json_t *j = admin("GET", path, NULL, &st);
    snprintf(acct, sizeof acct, "%s", json_string_value(json_object_get(j, "account_id")));
    json_decref(j);
    snprintf(path, sizeof path, "/accounts/%s/deposits", acct);
    char dep[40], id[UUID_STR_LEN + 1];
    uuid_v4(id);
    snprintf(body, sizeof body, "{\"id\":\"%s\",\"amount\":\"1000000000000\"}", id);
    return create(path, body, "id", dep, sizeof dep);
}

/* ---- one payment ---- */

/* Local: an incoming payment of 100 and a quote for what it asks. Remote: a quote of a debit
 * of 100 to the payee's wallet address on b (SPSP and a rate probe through a and b). */
static int quote_once(char quote[40])
{
    char body[768], ip_url[256];
    if (srv.remote) {
        snprintf(body, sizeof body,
                 "{\"wallet_address_id\":\"%s\",\"receiver\":\"%s\",\"debit_amount\":{"
                 "\"value\":\"100\",\"asset_code\":\"%s\",\"asset_scale\":2}}",
                 srv.payer, srv.payee_url, srv.code);
        return create("/quotes", body, "id", quote, 40);
    }
    snprintf(body, sizeof body,
             "{\"wallet_address_id\":\"%s\",\"incoming_amount\":{\"value\":\"100\","
             "\"asset_code\":\"%s\",\"asset_scale\":2}}",
             srv.payee, srv.code);
    if (create("/incoming-payments", body, "url", ip_url, sizeof ip_url) != 0)
        return -1;
    snprintf(body, sizeof body, "{\"wallet_address_id\":\"%s\",\"receiver\":\"%s\"}", srv.payer,
             ip_url);
    return create("/quotes", body, "id", quote, 40);
}

static int pay_once(void)
{
    char body[768], quote[40], pid[40], path[128];
    if (quote_once(quote) != 0)
        return -1;
    snprintf(body, sizeof body, "{\"wallet_address_id\":\"%s\",\"quote_id\":\"%s\"}", srv.payer,
             quote);
    if (create("/outgoing-payments", body, "id", pid, sizeof pid) != 0)
        return -1;
    snprintf(path, sizeof path, "/outgoing-payments/%s", pid);
    for (int i = 0; i < 20000; i++) {
        unsigned st;
        atomic_fetch_add(&polls, 1);
        json_t *j = admin("GET", path, NULL, &st);
        const char *s = json_string_value(json_object_get(j, "state"));
        int done = s && strcmp(s, "COMPLETED") == 0 ? 1 : s && strcmp(s, "FAILED") == 0 ? -1 : 0;
        json_decref(j);
        if (done)
            return done > 0 ? 0 : -1;
        /* 1 ms while a local payment is likely done, then every 5 ms, and after ~200 ms every
         * 25 ms, as a client backs off: 64 clients polling a slow server every 5 ms would be
         * most of its load */
        usleep(i < 10 ? 1000 : i < 50 ? 5000 : 25000);
    }
    return -1;
}

static int pay_op(void *user)
{
    (void)user;
    return pay_once();
}

/* The payee's wallet balance. */
static unsigned long long payee_balance(const node_t *n)
{
    char path[128];
    unsigned st;
    snprintf(path, sizeof path, "/wallet-addresses/%s", srv.payee);
    json_t *w = admin_on(n, "GET", path, NULL, &st);
    snprintf(path, sizeof path, "/accounts/%s/status",
             json_string_value(json_object_get(w, "account_id")));
    json_decref(w);
    json_t *j = admin_on(n, "GET", path, NULL, &st);
    const char *bal = json_string_value(json_object_get(j, "balance"));
    unsigned long long got = bal ? strtoull(bal, NULL, 10) : 0;
    json_decref(j);
    return got;
}

/* Waits (up to 30 s) until the payee holds 100 per completed payment; returns its balance. */
static unsigned long long payee_settled(void)
{
    const node_t *n = srv.remote ? &srv.b : &srv.a;
    unsigned long long got = 0;
    for (int i = 0; i < 300 && (got = payee_balance(n)) != completed_total * 100; i++)
        usleep(100000);
    return got;
}

static void run(const char *label, int threads, double seconds)
{
    bench_result_t r;
    atomic_store(&polls, 0);
    unsigned long long cpu0 = bench_server_cpu_ticks(srv.a.pid);
    if (bench_load(srv.a.pid, threads, seconds, pay_op, NULL, &r) != 0)
        return;
    completed_total += r.ok;
    /* the server's CPU until the payments are settled too (the incoming payment worker sweeps
     * completed invoices after the clients saw COMPLETED), not only within the window */
    payee_settled();
    double cpu_ms =
        (double)(bench_server_cpu_ticks(srv.a.pid) - cpu0) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
    printf("%-13s c=%-2d  %7.1f payments/s  p50 %6.2f ms  p99 %6.2f ms  failed %llu  "
           "server RSS %ld KiB (peak %ld)  CPU server %.2f client %.2f ms/payment  polls %.1f\n",
           label, threads, r.per_s, r.p50_ms, r.p99_ms, (unsigned long long)r.failed, r.rss_kib,
           r.hwm_kib, r.ok ? cpu_ms / (double)r.ok : 0.0, r.client_cpu_ms_op,
           r.ok ? (double)atomic_load(&polls) / (double)r.ok : 0.0);
    fflush(stdout);
}

/* The payee's balance must be what the completed payments delivered (100 each): a benchmark
 * that pays nothing would otherwise look fast. Local payments reach the wallet account when
 * the incoming payment worker sweeps the completed invoices (every 200 ms): wait for it. */
static void check_payee(const char *label)
{
    unsigned long long got = payee_settled();
    printf("%-13s payee received %llu for %llu completed payments of 100%s\n", label, got,
           (unsigned long long)completed_total,
           got == completed_total * 100 ? "" : "  <-- MISMATCH");
}

/* Node a's RSS and WAL file size (KiB, -1 when it has none: Postgres). */
static void idle_line(const char *label, const char *when)
{
    long rss, hwm;
    bench_server_rss(srv.a.pid, &rss, &hwm);
    char path[320];
    struct stat sb;
    snprintf(path, sizeof path, "%s/rafiki.db-wal", srv.a.dir);
    long wal = stat(path, &sb) == 0 ? (long)(sb.st_size / 1024) : -1;
    printf("%-13s %-18s server RSS %ld KiB (peak %ld)  WAL %ld KiB\n", label, when, rss, hwm, wal);
    fflush(stdout);
}

/* What the server keeps once the load is over: right away, and after BENCH_IDLE_SECONDS. */
static void idle_report(const char *label)
{
    const char *s = getenv("BENCH_IDLE_SECONDS");
    long idle = s ? strtol(s, NULL, 10) : 3;
    if (idle <= 0)
        return;
    idle_line(label, "after the load:");
    sleep((unsigned)idle);
    char when[32];
    snprintf(when, sizeof when, "idle %ld s:", idle);
    idle_line(label, when);
}

static void bench(const char *label, bool remote, const char *db_url, const char *sqlite_query)
{
    const char *only = getenv("BENCH_ONLY");
    if (only && !strstr(label, only))
        return;
    srv.remote = remote;
    completed_total = 0;
    srv.client = http_client_new(NULL);
    if (server_start(&srv.a, "test.a", db_url, sqlite_query) != 0 ||
        (remote && server_start(&srv.b, "test.b", NULL, sqlite_query) != 0) || setup() != 0) {
        fprintf(stderr, "payments bench (%s): the servers did not start\n", label);
        bench_server_stop(&srv.a);
        bench_server_stop(&srv.b);
        http_client_free(srv.client);
        return;
    }
    const char *s = getenv("BENCH_SECONDS");
    double seconds = s ? strtod(s, NULL) : 3.0;
    const char *conc = getenv("BENCH_CONCURRENCY");
    const int levels[] = {1, 4, 16, 64};
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
        if (!conc || strtol(conc, NULL, 10) == levels[i])
            run(label, levels[i], seconds);
    check_payee(label);
    idle_report(label);
    bench_server_stop(&srv.a);
    bench_server_stop(&srv.b);
    http_client_free(srv.client);
}

int main(void)
{
    printf("payments: (incoming payment ->) quote -> outgoing payment -> COMPLETED through the "
           "admin API of build/rafiki; local, and remote (a pays a wallet address on b)\n");
    bench("sqlite-full", false, NULL, "");
    bench("sqlite-normal", false, NULL, "?synchronous=normal");
    const char *pg = getenv("TEST_POSTGRES_URL");
    if (pg && *pg)
        bench("postgres", false, pg, "");
    bench("remote-normal", true, NULL, "?synchronous=normal");
    return 0;
}
