/*
 * Admin API benchmark, GraphQL against REST in the same run: what a wallet's backend pays per
 * call on each face of one real `rafiki serve` (build/rafiki, fresh SQLite file, the default
 * synchronous=FULL). Each face runs the same two workloads with N client threads (1, 8), each
 * one call at a time:
 *
 *   incoming   create an incoming payment (REST POST /incoming-payments; GraphQL
 *              createIncomingPayment, signed as Rafiki's clients sign)
 *   flow       the admin-only payment: incoming payment -> quote -> outgoing payment -> poll
 *              until COMPLETED (our funding model: the payer's balance is in our ledger)
 *
 * Prints calls (or payments)/s, p50/p99 latency and the server's CPU time per call, then per
 * workload the GraphQL/REST ratio of CPU per call (the bound: at most 1.20).
 *
 * Environment: BENCH_SECONDS (default 3), BENCH_CONCURRENCY (only that one), RAFIKI_BIN,
 * RAFIKI_SQL_DIR.
 */
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/codec.h"
#include "base/digest.h"
#include "base/rand.h"
#include "base/uuid.h"
#include "http/client.h"
#include "http/jcs.h"

#include "bench_serve.h"

#define TENANT   "5a1f1c2e-0b7d-4c1e-9a3f-2b6d8e4f1a00"
#define LAT_MAX  (1u << 20)
#define CODE_LEN 9

static struct {
    bench_node_t node;
    http_client_t *client;
    char code[16], payer[40], payee[40];
    char gql_url[96];
} srv;

static atomic_ullong seq;

/* ---- the two faces ---- */

static json_t *rest(const char *method, const char *path, const char *body, unsigned *st)
{
    return bench_admin(srv.client, &srv.node, method, path, body, st);
}

/* A signed GraphQL request; returns data (NULL when the answer has errors). */
static json_t *gql(const char *query, json_t *vars)
{
    json_t *body = json_pack("{s:s,s:o}", "query", query, "variables", vars);
    buf_t canon;
    buf_init(&canon, 1 << 20);
    jcs_canonicalize(body, &canon);
    json_decref(body);
    char t[24], sig[160], hex[2 * SHA256_LEN + 1];
    snprintf(t, sizeof t, "%lld", (long long)clock_wall_ms());
    buf_t signed_text;
    buf_init(&signed_text, 1 << 20);
    buf_printf(&signed_text, "%s.", t);
    buf_append(&signed_text, canon.ptr, canon.len);
    uint8_t mac[SHA256_LEN];
    hmac_sha256(mac, BENCH_SECRET, strlen(BENCH_SECRET), signed_text.ptr, signed_text.len);
    hex_encode(hex, sizeof hex, mac, SHA256_LEN);
    snprintf(sig, sizeof sig, "t=%s, v1=%s", t, hex);
    http_header_t h[] = {
        {"Content-Type", "application/json"}, {"signature", sig}, {"tenant-id", TENANT}};
    http_client_req_t rq = {.method = "POST",
                            .url = srv.gql_url,
                            .headers = h,
                            .n_headers = 3,
                            .body = buf_slice(&canon),
                            .timeout_ms = 30000};
    http_client_resp_t out;
    json_t *data = NULL;
    if (http_client_do_sync(srv.client, &rq, &out) == HTTP_CLIENT_OK) {
        json_t *doc = json_loadb((const char *)out.body.ptr, out.body.len, 0, NULL);
        if (doc && !json_object_get(doc, "errors"))
            data = json_incref(json_object_get(doc, "data"));
        json_decref(doc);
        http_client_resp_free(&out);
    }
    buf_free(&canon);
    buf_free(&signed_text);
    return data;
}

/* ---- one call of each workload on each face ---- */

static int rest_incoming(char url[256])
{
    char body[384];
    snprintf(body, sizeof body,
             "{\"wallet_address_id\":\"%s\",\"incoming_amount\":{\"value\":\"100\","
             "\"asset_code\":\"%s\",\"asset_scale\":2},\"metadata\":{\"n\":%llu}}",
             srv.payee, srv.code, (unsigned long long)atomic_fetch_add(&seq, 1));
    unsigned st;
    json_t *j = rest("POST", "/incoming-payments", body, &st);
    const char *u = json_string_value(json_object_get(j, "url"));
    int rc = st == 201 && u ? 0 : -1;
    if (url && u)
        snprintf(url, 256, "%s", u);
    json_decref(j);
    return rc;
}

static const char GQL_INCOMING[] =
    "mutation($input: CreateIncomingPaymentInput!) { createIncomingPayment(input: $input) "
    "{ payment { id url state } } }";

static int gql_incoming(char url[256])
{
    json_t *vars =
        json_pack("{s:{s:s,s:{s:s,s:s,s:i},s:{s:I}}}", "input", "walletAddressId", srv.payee,
                  "incomingAmount", "value", "100", "assetCode", srv.code, "assetScale", 2,
                  "metadata", "n", (json_int_t)atomic_fetch_add(&seq, 1));
    json_t *d = gql(GQL_INCOMING, vars);
    const char *u = json_string_value(json_object_get(
        json_object_get(json_object_get(d, "createIncomingPayment"), "payment"), "url"));
    int rc = u ? 0 : -1;
    if (url && u)
        snprintf(url, 256, "%s", u);
    json_decref(d);
    return rc;
}

static int rest_flow(void)
{
    char ip[256], body[640], path[128];
    unsigned st;
    if (rest_incoming(ip) != 0)
        return -1;
    snprintf(body, sizeof body, "{\"wallet_address_id\":\"%s\",\"receiver\":\"%s\"}", srv.payer,
             ip);
    json_t *q = rest("POST", "/quotes", body, &st);
    snprintf(body, sizeof body, "{\"wallet_address_id\":\"%s\",\"quote_id\":\"%s\"}", srv.payer,
             json_string_value(json_object_get(q, "id")) ?: "");
    json_decref(q);
    json_t *p = rest("POST", "/outgoing-payments", body, &st);
    snprintf(path, sizeof path, "/outgoing-payments/%s",
             json_string_value(json_object_get(p, "id")) ?: "x");
    json_decref(p);
    for (int i = 0; i < 4000; i++) {
        json_t *j = rest("GET", path, NULL, &st);
        const char *s = json_string_value(json_object_get(j, "state"));
        int done = s && !strcmp(s, "COMPLETED") ? 1 : s && !strcmp(s, "FAILED") ? -1 : 0;
        json_decref(j);
        if (done)
            return done > 0 ? 0 : -1;
        usleep(i < 10 ? 1000 : 5000);
    }
    return -1;
}

static const char GQL_QUOTE[] = "mutation($input: CreateQuoteInput!) { createQuote(input: $input) "
                                "{ quote { id debitAmount { value } } } }";
static const char GQL_OUTGOING[] =
    "mutation($input: CreateOutgoingPaymentInput!) { createOutgoingPayment(input: $input) "
    "{ payment { id state } } }";
static const char GQL_POLL[] = "query($id: String!) { outgoingPayment(id: $id) { id state } }";

static const char *dig(json_t *d, const char *a, const char *b, const char *c)
{
    return json_string_value(json_object_get(json_object_get(json_object_get(d, a), b), c));
}

static int gql_flow(void)
{
    char ip[256], id[64];
    if (gql_incoming(ip) != 0)
        return -1;
    json_t *d = gql(GQL_QUOTE, json_pack("{s:{s:s,s:s}}", "input", "walletAddressId", srv.payer,
                                         "receiver", ip));
    const char *qid = dig(d, "createQuote", "quote", "id");
    json_t *p = qid ? gql(GQL_OUTGOING, json_pack("{s:{s:s,s:s}}", "input", "walletAddressId",
                                                  srv.payer, "quoteId", qid))
                    : NULL;
    json_decref(d);
    snprintf(id, sizeof id, "%s", dig(p, "createOutgoingPayment", "payment", "id") ?: "");
    json_decref(p);
    if (!id[0])
        return -1;
    for (int i = 0; i < 4000; i++) {
        json_t *j = gql(GQL_POLL, json_pack("{s:s}", "id", id));
        const char *s =
            json_string_value(json_object_get(json_object_get(j, "outgoingPayment"), "state"));
        int done = s && !strcmp(s, "COMPLETED") ? 1 : s && !strcmp(s, "FAILED") ? -1 : 0;
        json_decref(j);
        if (done)
            return done > 0 ? 0 : -1;
        usleep(i < 10 ? 1000 : 5000);
    }
    return -1;
}

static int op_rest_incoming(void)
{
    return rest_incoming(NULL);
}

static int op_gql_incoming(void)
{
    return gql_incoming(NULL);
}

/* ---- the runner ---- */

typedef struct {
    int (*op)(void);
    uint64_t deadline_ns;
    uint32_t *lat_us;
    atomic_uint *n_lat;
    atomic_uint *fails;
} run_t;

static void *worker(void *arg)
{
    run_t *r = arg;
    while (clock_mono_ns() < r->deadline_ns) {
        uint64_t t0 = clock_mono_ns();
        if (r->op() != 0) {
            atomic_fetch_add(r->fails, 1);
            continue;
        }
        unsigned k = atomic_fetch_add(r->n_lat, 1);
        if (k < LAT_MAX)
            r->lat_us[k] = (uint32_t)((clock_mono_ns() - t0) / 1000);
    }
    return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Runs op on n threads for secs; prints a line; returns the server's CPU ms per call. */
static double run(const char *label, int (*op)(void), int n, double secs)
{
    static uint32_t lat[LAT_MAX];
    atomic_uint n_lat = 0, fails = 0;
    run_t r = {op, clock_mono_ns() + (uint64_t)(secs * 1e9), lat, &n_lat, &fails};
    unsigned long long cpu0 = bench_server_cpu_ticks(srv.node.pid);
    uint64_t t0 = clock_mono_ns();
    pthread_t th[64];
    for (int i = 0; i < n; i++)
        pthread_create(&th[i], NULL, worker, &r);
    for (int i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    double el = (double)(clock_mono_ns() - t0) / 1e9;
    unsigned long long cpu = bench_server_cpu_ticks(srv.node.pid) - cpu0;
    unsigned cnt = n_lat < LAT_MAX ? n_lat : LAT_MAX;
    qsort(lat, cnt, sizeof *lat, cmp_u32);
    double cpu_ms = cnt ? (double)cpu * 1000.0 / (double)sysconf(_SC_CLK_TCK) / cnt : 0;
    printf("%-16s c=%-3d %8.0f /s  p50 %7.2f ms  p99 %7.2f ms  cpu %6.3f ms/call  fails %u\n",
           label, n, cnt / el, cnt ? lat[cnt / 2] / 1000.0 : 0,
           cnt ? lat[(size_t)(cnt * 0.99)] / 1000.0 : 0, cpu_ms, (unsigned)fails);
    fflush(stdout);
    return cpu_ms;
}

static int setup(void)
{
    char body[512];
    unsigned st;
    uint64_t x = rand_u64();
    snprintf(srv.code, sizeof srv.code, "G");
    for (int i = 1; i < CODE_LEN; i++, x /= 26)
        srv.code[i] = (char)('A' + x % 26);
    snprintf(body, sizeof body, "{\"code\":\"%s\",\"scale\":2}", srv.code);
    json_t *a = rest("POST", "/assets", body, &st);
    const char *asset = json_string_value(json_object_get(a, "id"));
    char *ids[2] = {srv.payer, srv.payee}, acct[40] = "";
    for (int i = 0; i < 2 && asset; i++) {
        snprintf(body, sizeof body, "{\"asset_id\":\"%s\",\"url\":\"http://127.0.0.1:%d/w%d\"}",
                 asset, srv.node.ports[BP_OP], i);
        json_t *w = rest("POST", "/wallet-addresses", body, &st);
        snprintf(ids[i], 40, "%s", json_string_value(json_object_get(w, "id")) ?: "");
        if (i == 0)
            snprintf(acct, sizeof acct, "%s",
                     json_string_value(json_object_get(w, "account_id")) ?: "");
        json_decref(w);
    }
    json_decref(a);
    char path[128], id[UUID_STR_LEN + 1];
    uuid_v4(id);
    snprintf(path, sizeof path, "/accounts/%s/deposits", acct);
    snprintf(body, sizeof body, "{\"id\":\"%s\",\"amount\":\"1000000000000\"}", id);
    json_decref(rest("POST", path, body, &st));
    return srv.payer[0] && srv.payee[0] && st < 300 ? 0 : -1;
}

int main(void)
{
    double secs = getenv("BENCH_SECONDS") ? atof(getenv("BENCH_SECONDS")) : 3;
    int only = getenv("BENCH_CONCURRENCY") ? (int)strtol(getenv("BENCH_CONCURRENCY"), NULL, 10) : 0;
    srv.client = http_client_new(NULL);
    static const char *const env[] = {"OPERATOR_TENANT_ID=" TENANT, "FUNDING_MODEL=ledger",
                                      "ADMIN_API_SIGNATURE_TTL_SECONDS=30", NULL};
    if (!srv.client ||
        bench_server_start(srv.client, &srv.node, "test.bench", NULL, "", env) != 0 ||
        setup() != 0) {
        fprintf(stderr, "admin_gql: cannot start or set up the server\n");
        bench_server_stop(&srv.node);
        return 1;
    }
    snprintf(srv.gql_url, sizeof srv.gql_url, "%s/graphql", srv.node.admin);
    static const int levels[] = {1, 8};
    for (size_t i = 0; i < sizeof levels / sizeof *levels; i++) {
        int c = levels[i];
        if (only && c != only)
            continue;
        double r1 = run("rest incoming", op_rest_incoming, c, secs);
        double g1 = run("graphql incoming", op_gql_incoming, c, secs);
        double r2 = run("rest flow", rest_flow, c, secs);
        double g2 = run("graphql flow", gql_flow, c, secs);
        printf("c=%d graphql/rest cpu per call: incoming %.2f, flow %.2f\n", c,
               r1 > 0 ? g1 / r1 : 0, r2 > 0 ? g2 / r2 : 0);
    }
    bench_server_stop(&srv.node);
    http_client_free(srv.client);
    return 0;
}
