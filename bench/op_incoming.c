/*
 * Open Payments benchmark: what a third party's calls cost through the whole public path of a
 * real `rafiki serve` (build/rafiki, fresh SQLite file):
 *
 *   grants      POST {authServer} non-interactive incoming-payment grant requests, signed
 *               (RFC 9421, Ed25519, Content-Digest) by a client whose key is on the instance
 *   incoming    POST /incoming-payments with Authorization: GNAP <token>, signed: signature
 *               check, token introspection, the create (an invoice sub-account in the ledger)
 *
 * as the official client sends them (the same components and parameters), with N client
 * threads each one request at a time. Prints requests/s, p50/p99 latency, failures, the
 * server's RSS and CPU time per request. Every request body differs (metadata, or JSON spacing
 * for grant requests), since the server refuses a POST whose signature it has already seen.
 *
 * Environment: BENCH_SECONDS (default 3), BENCH_CONCURRENCY (only that one), BENCH_ONLY (a
 * substring of the labels: "sqlite-full", "grants"...), RAFIKI_BIN, RAFIKI_SQL_DIR.
 */
#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/codec.h"
#include "base/rand.h"
#include "http/client.h"
#include "http/httpsig.h"

#include "bench_serve.h"

#define KEY_ID "bench-client-key"

static struct {
    bench_node_t node;
    http_client_t *client;
    uint8_t seed[HTTPSIG_ED25519_LEN];
    char client_url[128], bob_url[128];
    char grant_url[128], incoming_url[128];
    char token[128];
    atomic_uint_fast64_t seq;
} b;

/* A POST signed as the official client signs it; returns the status (0: no answer) and, when
 * out is given, the parsed body. */
static unsigned signed_post(const char *url, const char *token, const char *body, json_t **out)
{
    char auth[160] = "";
    if (token)
        snprintf(auth, sizeof auth, "GNAP %s", token);
    httpsig_headers_t sig;
    if (httpsig_sign(b.seed, KEY_ID, (int64_t)time(NULL), "POST", url, token ? auth : NULL,
                     "application/json", SLICE_STR(body), &sig) != 0)
        return 0;
    http_header_t h[6] = {
        {"Content-Type", "application/json"},     {"Content-Digest", sig.content_digest},
        {"Signature-Input", sig.signature_input}, {"Signature", sig.signature},
        {"Accept", "application/json"},           {"Authorization", auth}};
    http_client_req_t rq = {.method = "POST",
                            .url = url,
                            .headers = h,
                            .n_headers = token ? 6 : 5,
                            .body = SLICE_STR(body),
                            .timeout_ms = 30000};
    http_client_resp_t r;
    if (http_client_do_sync(b.client, &rq, &r) != HTTP_CLIENT_OK)
        return 0;
    unsigned st = r.status;
    if (out)
        *out = json_loadb((const char *)r.body.ptr, r.body.len, 0, NULL);
    http_client_resp_free(&r);
    return st;
}

/* An admin POST that must answer 2xx; copies field key of the answer into out. */
static int admin_create(const char *path, const char *body, const char *key, char *out, size_t cap)
{
    unsigned st;
    json_t *j = bench_admin(b.client, &b.node, "POST", path, body, &st);
    const char *v = json_string_value(json_object_get(j, key));
    int rc = (st == 201 || st == 200) && v ? 0 : -1;
    if (rc == 0 && out)
        snprintf(out, cap, "%s", v);
    if (rc != 0)
        fprintf(stderr, "op bench: POST %s -> %u\n", path, st);
    json_decref(j);
    return rc;
}

/* The grant request body; variant v spaces it differently (same JSON, another digest): up to
 * 63 spaces at each of three places, 262144 variants. */
static void grant_body(char *out, size_t cap, uint64_t v)
{
    int a = (int)(v % 64), b2 = (int)(v / 64 % 64), c = (int)(v / 4096 % 64);
    snprintf(out, cap,
             "{%*s\"access_token\":%*s{\"access\":[{\"type\":\"incoming-payment\","
             "\"actions\":[\"create\",\"read\"]}]},%*s\"client\":\"%s\"}",
             a, "", b2, "", c, "", b.client_url);
}

static int setup(void)
{
    char asset[40], bob[40], shop[40], body[512], path[128];
    int op = b.node.ports[BP_OP];
    snprintf(b.bob_url, sizeof b.bob_url, "http://127.0.0.1:%d/bob", op);
    snprintf(b.client_url, sizeof b.client_url, "http://127.0.0.1:%d/shop", op);
    snprintf(b.grant_url, sizeof b.grant_url, "http://127.0.0.1:%d/", b.node.ports[BP_AUTH]);
    snprintf(b.incoming_url, sizeof b.incoming_url, "http://127.0.0.1:%d/incoming-payments", op);
    if (admin_create("/assets", "{\"code\":\"USD\",\"scale\":2}", "id", asset, sizeof asset))
        return -1;
    snprintf(body, sizeof body, "{\"asset_id\":\"%s\",\"url\":\"%s\",\"public_name\":\"Bob\"}",
             asset, b.bob_url);
    if (admin_create("/wallet-addresses", body, "id", bob, sizeof bob))
        return -1;
    snprintf(body, sizeof body, "{\"asset_id\":\"%s\",\"url\":\"%s\",\"public_name\":\"Shop\"}",
             asset, b.client_url);
    if (admin_create("/wallet-addresses", body, "id", shop, sizeof shop))
        return -1;
    uint8_t pub[HTTPSIG_ED25519_LEN];
    char x[64];
    rand_bytes(b.seed, sizeof b.seed);
    if (httpsig_ed25519_public(b.seed, pub) != 0 ||
        b64_encode(x, sizeof x, pub, sizeof pub, B64_URL | B64_NOPAD) < 0)
        return -1;
    snprintf(body, sizeof body,
             "{\"jwk\":{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"alg\":\"EdDSA\",\"kid\":\"" KEY_ID
             "\",\"x\":\"%s\"}}",
             x);
    snprintf(path, sizeof path, "/wallet-addresses/%s/keys", shop);
    if (admin_create(path, body, "kid", NULL, 0))
        return -1;
    grant_body(body, sizeof body, 0);
    json_t *g = NULL;
    unsigned st = signed_post(b.grant_url, NULL, body, &g);
    const char *tok =
        json_string_value(json_object_get(json_object_get(g, "access_token"), "value"));
    if (st != 200 || !tok) {
        fprintf(stderr, "op bench: grant request -> %u\n", st);
        json_decref(g);
        return -1;
    }
    snprintf(b.token, sizeof b.token, "%s", tok);
    json_decref(g);
    return 0;
}

static int incoming_op(void *user)
{
    (void)user;
    char body[512];
    snprintf(body, sizeof body,
             "{\"walletAddress\":\"%s\",\"incomingAmount\":{\"value\":\"100\",\"assetCode\":"
             "\"USD\",\"assetScale\":2},\"metadata\":{\"n\":%llu}}",
             b.bob_url, (unsigned long long)atomic_fetch_add(&b.seq, 1));
    return signed_post(b.incoming_url, b.token, body, NULL) == 201 ? 0 : -1;
}

/* Grant requests: the replay guard refuses a signature seen before and `created` has whole
 * seconds, so each request of a second needs its own body: 262144 spacings are plenty. */
static int grant_op(void *user)
{
    (void)user;
    char body[512];
    grant_body(body, sizeof body, atomic_fetch_add(&b.seq, 1) % 262144);
    json_t *ans = NULL;
    unsigned st = signed_post(b.grant_url, NULL, body, &ans);
    static atomic_int shown;
    if (st != 200 && atomic_fetch_add(&shown, 1) < 3) {
        char *t = ans ? json_dumps(ans, JSON_COMPACT) : NULL;
        fprintf(stderr, "op bench: grant request -> %u %s\n", st, t ? t : "");
        free(t);
    }
    json_decref(ans);
    return st == 200 ? 0 : -1;
}

static void run(const char *label, const char *what, bench_op_fn fn, int threads, double seconds)
{
    bench_result_t r;
    if (bench_load(b.node.pid, threads, seconds, fn, NULL, &r) != 0)
        return;
    printf("%-13s %-9s c=%-2d %8.1f req/s  p50 %6.2f ms  p99 %6.2f ms  failed %llu  "
           "server RSS %ld KiB (peak %ld)  CPU ms/req server %.3f, load generator %.3f\n",
           label, what, threads, r.per_s, r.p50_ms, r.p99_ms, (unsigned long long)r.failed,
           r.rss_kib, r.hwm_kib, r.server_cpu_ms_op, r.client_cpu_ms_op);
    fflush(stdout);
}

static void bench(const char *label, const char *sqlite_query)
{
    const char *only = getenv("BENCH_ONLY");
    b.client = http_client_new(NULL);
    if (bench_server_start(b.client, &b.node, "test.op", NULL, sqlite_query, NULL) != 0 ||
        setup() != 0) {
        fprintf(stderr, "op bench (%s): the server did not start or set up\n", label);
        bench_server_stop(&b.node);
        http_client_free(b.client);
        return;
    }
    const char *s = getenv("BENCH_SECONDS");
    double seconds = s ? strtod(s, NULL) : 3.0;
    const char *conc = getenv("BENCH_CONCURRENCY");
    const int levels[] = {1, 16, 64};
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        if (conc && strtol(conc, NULL, 10) != levels[i])
            continue;
        if (!only || strstr("incoming", only) || strstr(label, only))
            run(label, "incoming", incoming_op, levels[i], seconds);
        if (!only || strstr("grants", only) || strstr(label, only))
            run(label, "grants", grant_op, levels[i], seconds);
    }
    bench_server_stop(&b.node);
    http_client_free(b.client);
}

int main(void)
{
    printf("op_incoming: signed Open Payments requests through build/rafiki (signature, "
           "introspection, create): incoming-payment creates and grant requests\n");
    bench("sqlite-full", "");
    bench("sqlite-normal", "?synchronous=normal");
    return 0;
}
