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
 * and its CPU time per payment. The clients share the machine's cores with the server.
 *
 * remote-normal: two processes on SQLite (synchronous=normal), a and b, peered over ILP-over-HTTP
 * in one asset; each payment is a quote of a debit of 100 to a wallet address on b (SPSP GET
 * and a STREAM rate probe through both connectors) and an outgoing payment (funding, then
 * STREAM: probe, one money packet, close). Server figures are a's.
 *
 * Environment: BENCH_SECONDS (default 3), BENCH_CONCURRENCY (only that one), BENCH_ONLY (a
 * substring of the labels to run: "sqlite-full", "remote"...), RAFIKI_BIN
 * (default build/rafiki), RAFIKI_SQL_DIR (default ./sql).
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/rand.h"
#include "base/uuid.h"
#include "http/client.h"

#define SECRET      "bench-admin-secret-0123456789abcdef"
#define LAT_MAX     (1u << 20)
#define THREADS_MAX 16

/* One `rafiki serve` process. */
typedef struct {
    pid_t pid;
    char admin[64];
    int ports[3]; /* Open Payments, admin, connector */
} node_t;

/* The configuration under test: node a (the payer's), and b (the payee's) when remote. */
static struct {
    node_t a, b;
    bool remote;
    char payer[40], payee[40];
    char payee_url[128]; /* remote: the payee's wallet address URL on b */
    char code[16];
    http_client_t *client;
} srv;
static atomic_bool running;
static atomic_uint_fast64_t completed, failed;
static uint64_t completed_total; /* over the runs of one configuration */
static uint64_t *lat_us;
static atomic_size_t nlat;

/* ---- HTTP ---- */

/* Sends a request to n's admin API; returns the parsed body (NULL on failure) and *status. */
static json_t *admin_on(const node_t *n, const char *method, const char *path, const char *body,
                        unsigned *status)
{
    char url[256];
    snprintf(url, sizeof url, "%s%s", n->admin, path);
    http_header_t h[] = {{"Content-Type", "application/json"}, {"Authorization", "Bearer " SECRET}};
    http_client_req_t rq = {.method = method,
                            .url = url,
                            .headers = h,
                            .n_headers = 2,
                            .body = body ? SLICE_STR(body) : SLICE(NULL, 0),
                            .timeout_ms = 30000};
    http_client_resp_t out;
    *status = 0;
    if (http_client_do_sync(srv.client, &rq, &out) != HTTP_CLIENT_OK)
        return NULL;
    *status = out.status;
    json_t *j = json_loadb((const char *)out.body.ptr, out.body.len, 0, NULL);
    http_client_resp_free(&out);
    return j;
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

/* ---- the server process ---- */

/* A port the kernel has just handed out (bound to 0, then closed). */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

/* Starts n with ILP address ilp. db_url NULL: a fresh SQLite file in the server's directory,
 * with sqlite_query appended ("?synchronous=normal" or ""). */
static int server_start(node_t *n, const char *ilp, const char *db_url, const char *sqlite_query)
{
    int *ports = n->ports;
    for (int i = 0; i < 3; i++)
        ports[i] = free_port();
    char dir[] = "/tmp/rafiki-bench-payments-XXXXXX";
    if (!mkdtemp(dir))
        return -1;
    snprintf(n->admin, sizeof n->admin, "http://127.0.0.1:%d", ports[1]);
    const char *bin = getenv("RAFIKI_BIN") ? getenv("RAFIKI_BIN") : "build/rafiki";
    n->pid = fork();
    if (n->pid == 0) {
        char p[3][16], url[512], op_url[64];
        for (int i = 0; i < 3; i++)
            snprintf(p[i], sizeof p[i], "%d", ports[i]);
        snprintf(op_url, sizeof op_url, "http://127.0.0.1:%d", ports[0]);
        snprintf(url, sizeof url, "%s", db_url ? db_url : "");
        if (!db_url)
            snprintf(url, sizeof url, "sqlite:%s/rafiki.db%s", dir, sqlite_query);
        setenv("DATABASE_URL", url, 1);
        setenv("OPEN_PAYMENTS_PORT", p[0], 1);
        setenv("ADMIN_PORT", p[1], 1);
        setenv("CONNECTOR_PORT", p[2], 1);
        /* the authorization server's ports are not used here: ephemeral ones */
        setenv("AUTH_PORT", "0", 1);
        setenv("INTROSPECTION_PORT", "0", 1);
        setenv("INTERACTION_PORT", "0", 1);
        setenv("OPEN_PAYMENTS_URL", op_url, 1);
        setenv("ILP_ADDRESS", ilp, 1);
        setenv("ADMIN_API_SECRET", SECRET, 1);
        setenv("STREAM_SECRET", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
               1);
        setenv("RAFIKI_DATA_DIR", dir, 1);
        setenv("LOG_LEVEL", "warn", 1);
        setenv("PAYMENT_FEES", "", 1);
        if (!getenv("RAFIKI_SQL_DIR"))
            setenv("RAFIKI_SQL_DIR", "sql", 1);
        execl(bin, bin, "serve", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200; i++) {
        unsigned st;
        json_t *j = admin_on(n, "GET", "/healthz", NULL, &st);
        json_decref(j);
        if (st == 200)
            return 0;
        usleep(50000);
    }
    return -1;
}

static void server_stop(node_t *n)
{
    if (n->pid <= 0)
        return;
    kill(n->pid, SIGTERM);
    waitpid(n->pid, NULL, 0);
    n->pid = 0;
}

/* VmRSS and VmHWM of the server, in KiB. */
static void server_rss(long *rss, long *hwm)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)srv.a.pid);
    FILE *f = fopen(path, "r");
    *rss = *hwm = -1;
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, "VmRSS:", 6) == 0)
            *rss = strtol(line + 6, NULL, 10);
        else if (strncmp(line, "VmHWM:", 6) == 0)
            *hwm = strtol(line + 6, NULL, 10);
    }
    if (f)
        fclose(f);
}

/* utime + stime of the server, in clock ticks. */
static unsigned long long server_cpu_ticks(void)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)srv.a.pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    unsigned long long ut = 0, st = 0;
    /* fields after the command: state(3) ... utime(14) stime(15) */
    for (int field = 3; p && field <= 15; field++) {
        p = strchr(p + 1, ' ');
        if (p && field == 13)
            ut = strtoull(p + 1, NULL, 10);
        if (p && field == 14)
            st = strtoull(p + 1, NULL, 10);
    }
    return ut + st;
}

/* A wallet address named name on n in asset; its id into id, its URL into url (may be NULL). */
static int wallet_on(const node_t *n, const char *asset, const char *name, char id[40], char *url,
                     size_t url_cap)
{
    char body[512], u[128];
    snprintf(u, sizeof u, "http://127.0.0.1:%d/%s%llx", n->ports[0], name,
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
             asset_a, srv.b.ports[2], tok);
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
        json_t *j = admin("GET", path, NULL, &st);
        const char *s = json_string_value(json_object_get(j, "state"));
        int done = s && strcmp(s, "COMPLETED") == 0 ? 1 : s && strcmp(s, "FAILED") == 0 ? -1 : 0;
        json_decref(j);
        if (done)
            return done > 0 ? 0 : -1;
        /* 1 ms while a local payment is likely done, then less often: polls cost the server */
        usleep(i < 10 ? 1000 : 5000);
    }
    return -1;
}

static void *client_run(void *arg)
{
    (void)arg;
    while (atomic_load(&running)) {
        uint64_t t0 = clock_mono_ns();
        if (pay_once() != 0) {
            atomic_fetch_add(&failed, 1);
            continue;
        }
        atomic_fetch_add(&completed, 1);
        size_t i = atomic_fetch_add(&nlat, 1);
        if (i < LAT_MAX)
            lat_us[i] = (clock_mono_ns() - t0) / 1000;
    }
    return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void run(const char *label, int threads, double seconds)
{
    pthread_t t[THREADS_MAX];
    atomic_store(&completed, 0);
    atomic_store(&failed, 0);
    atomic_store(&nlat, 0);
    atomic_store(&running, true);
    unsigned long long cpu0 = server_cpu_ticks();
    uint64_t t0 = clock_mono_ns();
    for (int i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, client_run, NULL);
    usleep((useconds_t)(seconds * 1e6));
    atomic_store(&running, false);
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    double el = (double)(clock_mono_ns() - t0) / 1e9;
    unsigned long long cpu = server_cpu_ticks() - cpu0;
    size_t n = atomic_load(&nlat) < LAT_MAX ? atomic_load(&nlat) : LAT_MAX;
    qsort(lat_us, n, sizeof lat_us[0], cmp_u64);
    uint64_t c = atomic_load(&completed);
    completed_total += c;
    long rss, hwm;
    server_rss(&rss, &hwm);
    double cpu_ms = (double)cpu * 1000.0 / (double)sysconf(_SC_CLK_TCK);
    printf("%-13s c=%-2d  %7.1f payments/s  p50 %6.2f ms  p99 %6.2f ms  failed %llu  "
           "server RSS %ld KiB (peak %ld)  server CPU %.2f ms/payment\n",
           label, threads, (double)c / el, n ? (double)lat_us[n / 2] / 1000 : 0.0,
           n ? (double)lat_us[n * 99 / 100] / 1000 : 0.0, (unsigned long long)atomic_load(&failed),
           rss, hwm, c ? cpu_ms / (double)c : 0.0);
    fflush(stdout);
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

/* The payee's balance must be what the completed payments delivered (100 each): a benchmark
 * that pays nothing would otherwise look fast. Local payments reach the wallet account when
 * the incoming payment worker sweeps the completed invoices (every 200 ms): wait for it. */
static void check_payee(const char *label)
{
    const node_t *n = srv.remote ? &srv.b : &srv.a;
    unsigned long long got = 0;
    for (int i = 0; i < 300 && (got = payee_balance(n)) != completed_total * 100; i++)
        usleep(100000);
    printf("%-13s payee received %llu for %llu completed payments of 100%s\n", label, got,
           (unsigned long long)completed_total,
           got == completed_total * 100 ? "" : "  <-- MISMATCH");
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
        server_stop(&srv.a);
        server_stop(&srv.b);
        http_client_free(srv.client);
        return;
    }
    const char *s = getenv("BENCH_SECONDS");
    double seconds = s ? strtod(s, NULL) : 3.0;
    const char *conc = getenv("BENCH_CONCURRENCY");
    const int levels[] = {1, 4, 16};
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
        if (!conc || strtol(conc, NULL, 10) == levels[i])
            run(label, levels[i], seconds);
    check_payee(label);
    server_stop(&srv.a);
    server_stop(&srv.b);
    http_client_free(srv.client);
}

int main(void)
{
    lat_us = calloc(LAT_MAX, sizeof *lat_us);
    if (!lat_us)
        return 1;
    printf("payments: (incoming payment ->) quote -> outgoing payment -> COMPLETED through the "
           "admin API of build/rafiki; local, and remote (a pays a wallet address on b)\n");
    bench("sqlite-full", false, NULL, "");
    bench("sqlite-normal", false, NULL, "?synchronous=normal");
    const char *pg = getenv("TEST_POSTGRES_URL");
    if (pg && *pg)
        bench("postgres", false, pg, "");
    bench("remote-normal", true, NULL, "?synchronous=normal");
    free(lat_us);
    return 0;
}
