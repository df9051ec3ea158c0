/*
 * Connector benchmark: fulfilled packets per second end to end over ILP-over-HTTP, peer ->
 * connector -> local STREAM receiver, with the durable ledger (one posted transfer per packet).
 * Runs at concurrency 1 and 64 on SQLite, and on Postgres when TEST_POSTGRES_URL is set.
 * The load generator is the libcurl multi client in the same process (keep-alive).
 * Prints packets/s and p50/p99 latency per configuration.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/rand.h"
#include "connector/connector.h"
#include "http/client.h"
#include "http/server.h"
#include "stream/crypto.h"
#include "stream/packet.h"

#define BENCH_SECONDS 4
#define LAT_MAX       2000000

typedef struct {
    http_client_t *cli;
    http_client_req_t req;
    atomic_uint_fast64_t ok, bad;
    atomic_bool stop;
    atomic_int outstanding;
    uint64_t *lat;
    atomic_size_t nlat;
} load_t;

typedef struct {
    load_t *L;
    uint64_t t0;
} slot_t;

static void on_done(const http_client_resp_t *resp, void *user);

static void fire(slot_t *s)
{
    s->t0 = clock_mono_ns();
    if (http_client_submit(s->L->cli, &s->L->req, on_done, s) != 0) {
        atomic_fetch_sub(&s->L->outstanding, 1);
        fprintf(stderr, "submit failed\n");
    }
}

static void on_done(const http_client_resp_t *resp, void *user)
{
    slot_t *s = user;
    load_t *L = s->L;
    bool ok = resp->result == HTTP_CLIENT_OK && resp->status == 200 && resp->body.len &&
              resp->body.ptr[0] == 13; /* Fulfill */
    atomic_fetch_add(ok ? &L->ok : &L->bad, 1);
    size_t i = atomic_fetch_add(&L->nlat, 1);
    if (i < LAT_MAX)
        L->lat[i] = clock_mono_ns() - s->t0;
    if (atomic_load(&L->stop)) {
        atomic_fetch_sub(&L->outstanding, 1);
        return;
    }
    fire(s);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* A STREAM Prepare carrying money for the credentials: replayable (the receiver is stateless). */
static size_t build_prepare(uint8_t *out, size_t cap, const stream_credentials_t *cred)
{
    stream_keys_t k;
    stream_keys_derive(&k, cred->shared_secret, sizeof cred->shared_secret);
    stream_frame_t f = {.type = STREAM_FRAME_STREAM_MONEY};
    f.money.stream_id = 1;
    f.money.shares = 1;
    stream_packet_t hdr = {.version = 1, .ilp_packet_type = 12, .sequence = 1};
    uint8_t plain_mem[256], data_mem[512];
    buf_t plain, data, b;
    buf_init_fixed(&plain, plain_mem, sizeof plain_mem);
    buf_init_fixed(&data, data_mem, sizeof data_mem);
    stream_packet_encode(&plain, &hdr, &f, 1);
    stream_encrypt(&data, k.encryption, buf_slice(&plain));
    ilp_prepare_t p = {.amount = 1,
                       .expires_at_ms = clock_wall_ms() + 3600000,
                       .destination = SLICE(cred->address, cred->address_len),
                       .data = buf_slice(&data)};
    stream_condition(p.condition, k.fulfillment, p.data);
    buf_init_fixed(&b, out, cap);
    return ilp_prepare_encode(&b, &p) == ILP_OK ? b.len : 0;
}

static int run(const char *url, const char *label)
{
    db_err_t err;
    db_t *db = db_open(url, &err);
    char dir[512];
    if (!db || db_sql_dir(dir, sizeof dir) != 0 || db_migrate(db, dir, NULL, &err) != DB_OK) {
        fprintf(stderr, "%s: database: %s\n", label, err.msg);
        return 1;
    }
    ledger_t *l = ledger_open(db, NULL, &err);
    ledger_asset_t usd = {.scale = 2};
    snprintf(usd.code, sizeof usd.code, "B%06llx", (unsigned long long)(rand_u64() & 0xffffff));
    ledger_asset_create(l, &usd);
    ledger_account_t pa = {
        .asset_id = usd.id, .kind = LEDGER_KIND_PEER, .min_balance = INT64_MIN / 2};
    ledger_account_t wa = {.asset_id = usd.id, .kind = LEDGER_KIND_WALLET, .stream_enabled = true};
    ledger_account_create(l, &pa);
    ledger_account_create(l, &wa);
    stream_totals_mem_t *tm = stream_totals_mem_new(1 << 16);
    connector_config_t cc = {
        .ilp_address = "test.bench", .ledger = l, .db = db, .counters = stream_totals_mem(tm)};
    rand_bytes(cc.stream_secret, sizeof cc.stream_secret);
    char cerr[256];
    connector_t *c = connector_new(&cc, cerr, sizeof cerr);
    peer_t *peer = peer_new();
    peer->id = ledger_id_random();
    peer->asset_id = usd.id;
    peer->account_id = pa.id;
    snprintf(peer->ilp_address, sizeof peer->ilp_address, "test.peer");
    const char *token = "bench-token-0123456789";
    uint8_t h[1][32];
    peer_token_hash(h[0], token, strlen(token));
    peers_put(connector_peers(c), peer, h, 1);
    stream_credentials_t cred;
    connector_stream_credentials(c, wa.id, &cred);
    uint8_t pkt[2048];
    size_t len = build_prepare(pkt, sizeof pkt, &cred);

    http_server_t *srv = http_server_new(&(http_server_config_t){.port = 0, .threads = 2});
    connector_http_register(c, srv);
    http_server_start(srv);
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%u/", http_server_port(srv));

    static const unsigned conc[] = {1, 64};
    for (size_t ci = 0; ci < 2; ci++) {
        load_t L = {.cli = http_client_new(&(http_client_config_t){0})};
        L.lat = malloc(LAT_MAX * sizeof *L.lat);
        http_header_t hd[] = {{"Content-Type", "application/octet-stream"},
                              {"Authorization", "Bearer bench-token-0123456789"}};
        L.req = (http_client_req_t){.method = "POST",
                                    .url = endpoint,
                                    .headers = hd,
                                    .n_headers = 2,
                                    .body = SLICE(pkt, len),
                                    .timeout_ms = 30000};
        slot_t *slots = calloc(conc[ci], sizeof *slots);
        uint64_t t0 = clock_mono_ns();
        atomic_store(&L.outstanding, (int)conc[ci]);
        for (unsigned i = 0; i < conc[ci]; i++) {
            slots[i].L = &L;
            fire(&slots[i]);
        }
        sleep(BENCH_SECONDS);
        atomic_store(&L.stop, true);
        while (atomic_load(&L.outstanding) > 0)
            usleep(1000);
        double secs = (double)(clock_mono_ns() - t0) / 1e9;
        size_t n = atomic_load(&L.nlat);
        if (n > LAT_MAX)
            n = LAT_MAX;
        qsort(L.lat, n, sizeof *L.lat, cmp_u64);
        printf("connector %s local-stream concurrency=%u: %.0f fulfilled/s, rejected %llu, "
               "p50 %.3f ms, p99 %.3f ms\n",
               label, conc[ci], (double)atomic_load(&L.ok) / secs,
               (unsigned long long)atomic_load(&L.bad), n ? L.lat[n / 2] / 1e6 : 0.0,
               n ? L.lat[(size_t)((double)n * 0.99)] / 1e6 : 0.0);
        fflush(stdout);
        http_client_free(L.cli);
        free(L.lat);
        free(slots);
    }
    ledger_status_t st;
    ledger_account_status(l, wa.id, &st);
    printf("connector %s wallet credited %llu units\n", label,
           (unsigned long long)st.total_received);
    http_server_stop(srv);
    http_server_free(srv);
    peer_release(peer);
    connector_free(c);
    ledger_close(l);
    db_close(db);
    stream_totals_mem_free(tm);
    return 0;
}

int main(void)
{
    log_set_level(LOG_ERROR);
    char path[128], url[160];
    snprintf(path, sizeof path, "/tmp/bench_connector_%d.db", (int)getpid());
    snprintf(url, sizeof url, "sqlite:%s", path);
    int rc = run(url, "sqlite");
    static const char *const suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        char p[160];
        snprintf(p, sizeof p, "%s%s", path, suffix[i]);
        unlink(p);
    }
    const char *pg = getenv("TEST_POSTGRES_URL");
    if (pg && *pg)
        rc |= run(pg, "postgres");
    else
        printf("connector postgres: skipped (TEST_POSTGRES_URL unset)\n");
    return rc;
}
