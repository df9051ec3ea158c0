/*
 * Test harness for the connector: nodes (each its own SQLite file, ledger and connector) linked
 * in-process by a fake link keyed on the peer's endpoint URL, and a blocking wait for replies.
 * Endpoints "http://<node>/" reach that node's connector (authenticating with the peer's
 * outgoing token, as the HTTP link would); "http://silent/" never answers until released,
 * "http://badful/" fulfils with a wrong preimage, "http://rejecter/" rejects T99,
 * "http://refused/" fails at once with T01 (a next hop refusing connections, seen while
 * sending), and any other endpoint cannot be sent to (send returns -1).
 */
#ifndef CONNECTOR_TEST_HARNESS_H
#define CONNECTOR_TEST_HARNESS_H

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/digest.h"
#include "base/log.h"
#include "base/rand.h"
#include "connector/connector.h"
#include "ilp/errors.h"
#include "ilp/ildcp.h"
#include "ilp/packet.h"

/* each test file uses only some of the helpers below */
#pragma GCC diagnostic ignored "-Wunused-function"

#define H_NODES_MAX 4

typedef struct {
    char name[16];
    char path[128];
    db_t *db;
    ledger_t *l;
    connector_t *c;
    stream_totals_mem_t *totals;
    ledger_asset_t usd, eur;
} h_node_t;

typedef struct {
    h_node_t nodes[H_NODES_MAX];
    size_t n;
    pthread_mutex_t mu;
    connector_link_done_fn silent_done;
    void *silent_op;
} h_net_t;

static h_net_t H;

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    uint8_t buf[ILP_PACKET_MAX_LEN];
    size_t len;
} h_wait_t;

static void h_wait_init(h_wait_t *w)
{
    memset(w, 0, sizeof *w);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
}

static void h_on_reply(void *user, const uint8_t *pkt, size_t len)
{
    h_wait_t *w = user;
    pthread_mutex_lock(&w->mu);
    cr_assert(!w->done, "reply called twice");
    memcpy(w->buf, pkt, len);
    w->len = len;
    w->done = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static bool h_wait(h_wait_t *w, int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&w->mu);
    while (!w->done)
        if (pthread_cond_timedwait(&w->cv, &w->mu, &ts) != 0)
            break;
    bool done = w->done;
    pthread_mutex_unlock(&w->mu);
    return done;
}

/* ---- the fake link ---- */

typedef struct {
    connector_link_done_fn done;
    void *op;
} h_hop_t;

static void h_hop_reply(void *user, const uint8_t *pkt, size_t len)
{
    h_hop_t *hop = user;
    hop->done(hop->op, pkt, len, NULL, NULL);
    free(hop);
}

static h_node_t *h_node_by_endpoint(const char *ep)
{
    for (size_t i = 0; i < H.n; i++) {
        char want[64];
        snprintf(want, sizeof want, "http://%s/", H.nodes[i].name);
        if (strcmp(ep, want) == 0)
            return &H.nodes[i];
    }
    return NULL;
}

static int h_link_send(void *ctx, const peer_t *peer, const uint8_t *pkt, size_t len,
                       uint32_t timeout_ms, connector_link_done_fn done, void *op)
{
    (void)ctx;
    (void)timeout_ms;
    const char *ep = peer->outgoing_endpoint ? peer->outgoing_endpoint : "";
    if (strcmp(ep, "http://silent/") == 0) {
        pthread_mutex_lock(&H.mu);
        H.silent_done = done;
        H.silent_op = op;
        pthread_mutex_unlock(&H.mu);
        return 0;
    }
    uint8_t mem[512];
    buf_t b;
    buf_init_fixed(&b, mem, sizeof mem);
    if (strcmp(ep, "http://badful/") == 0) {
        ilp_fulfill_t f = {.data = SLICE(NULL, 0)};
        memset(f.fulfillment, 7, sizeof f.fulfillment);
        ilp_fulfill_encode(&b, &f);
        done(op, b.ptr, b.len, NULL, NULL);
        return 0;
    }
    if (strcmp(ep, "http://refused/") == 0) {
        done(op, NULL, 0, ILP_T01_PEER_UNREACHABLE, "connection refused");
        return 0;
    }
    if (strcmp(ep, "http://rejecter/") == 0) {
        ilp_reject_build(&b, ILP_T99_APPLICATION_ERROR, SLICE_LIT("test.downstream"),
                         SLICE_LIT("nope"), SLICE_LIT("xyz"));
        done(op, b.ptr, b.len, NULL, NULL);
        return 0;
    }
    h_node_t *n = h_node_by_endpoint(ep);
    if (!n)
        return -1;
    peer_t *p =
        peers_auth(connector_peers(n->c), peer->outgoing_token, strlen(peer->outgoing_token));
    if (!p) {
        done(op, NULL, 0, ILP_F02_UNREACHABLE, "401");
        return 0;
    }
    h_hop_t *hop = malloc(sizeof *hop);
    *hop = (h_hop_t){done, op};
    connector_handle_peer(n->c, p, pkt, len, h_hop_reply, hop);
    peer_release(p);
    return 0;
}

/* ---- nodes ---- */

/* A node whose ledger runs with lopts (NULL: the defaults). */
static h_node_t *h_node_opts(const char *name, const char *address, const char *rates,
                             const ledger_opts_t *lopts)
{
    h_node_t *n = &H.nodes[H.n++];
    memset(n, 0, sizeof *n);
    snprintf(n->name, sizeof n->name, "%s", name);
    snprintf(n->path, sizeof n->path, "/tmp/connector_test_%d_%s_%llx.db", (int)getpid(), name,
             (unsigned long long)rand_u64());
    char url[160];
    snprintf(url, sizeof url, "sqlite:%s", n->path);
    db_err_t err;
    db_opts_t o = {.pool_size = 2, .busy_timeout_ms = 5000, .sqlite_sync_normal = true};
    n->db = db_open_opts(url, &o, &err);
    cr_assert_not_null(n->db, "%s", err.msg);
    char dir[512];
    cr_assert_eq(db_sql_dir(dir, sizeof dir), 0);
    cr_assert_eq(db_migrate(n->db, dir, NULL, &err), DB_OK, "migrate: %s", err.msg);
    n->l = ledger_open(n->db, lopts, &err);
    cr_assert_not_null(n->l, "%s", err.msg);
    n->usd = (ledger_asset_t){.code = "USD", .scale = 2};
    n->eur = (ledger_asset_t){.code = "EUR", .scale = 2};
    cr_assert_eq(ledger_asset_create(n->l, &n->usd), LEDGER_OK);
    cr_assert_eq(ledger_asset_create(n->l, &n->eur), LEDGER_OK);
    n->totals = stream_totals_mem_new(100000);
    connector_config_t cfg = {.ilp_address = address,
                              .ledger = n->l,
                              .db = n->db,
                              .counters = stream_totals_mem(n->totals),
                              .exchange_rates = rates,
                              .link = {.send = h_link_send}};
    memset(cfg.stream_secret, name[0], sizeof cfg.stream_secret);
    char cerr[256];
    n->c = connector_new(&cfg, cerr, sizeof cerr);
    cr_assert_not_null(n->c, "%s", cerr);
    return n;
}

static h_node_t *h_node(const char *name, const char *address, const char *rates)
{
    return h_node_opts(name, address, rates, NULL);
}

static void h_teardown(void)
{
    pthread_mutex_lock(&H.mu);
    if (H.silent_done) {
        H.silent_done(H.silent_op, NULL, 0, ILP_T01_PEER_UNREACHABLE, "late");
        H.silent_done = NULL;
    }
    pthread_mutex_unlock(&H.mu);
    for (size_t i = 0; i < H.n; i++) {
        h_node_t *n = &H.nodes[i];
        for (int k = 0; k < 200 && connector_in_flight(n->c); k++)
            usleep(10000);
        connector_free(n->c);
        ledger_close(n->l);
        db_close(n->db);
        stream_totals_mem_free(n->totals);
        char p[160];
        static const char *const suffix[] = {"", "-wal", "-shm"};
        for (int k = 0; k < 3; k++) {
            snprintf(p, sizeof p, "%s%s", n->path, suffix[k]);
            unlink(p);
        }
    }
    H.n = 0;
}

static ledger_id_t h_account(h_node_t *n, const ledger_asset_t *a, ledger_account_kind_t kind,
                             int64_t min, bool stream)
{
    ledger_account_t acct = {
        .asset_id = a->id, .kind = kind, .min_balance = min, .stream_enabled = stream};
    cr_assert_eq(ledger_account_create(n->l, &acct), LEDGER_OK);
    return acct.id;
}

static void h_deposit(h_node_t *n, const ledger_asset_t *a, ledger_id_t to, uint64_t amount)
{
    ledger_op_t op = {.kind = LEDGER_OP_CREATE,
                      .id = ledger_id_random(),
                      .debit_account_id = a->settlement_account_id,
                      .credit_account_id = to,
                      .amount = amount};
    ledger_result_t r;
    cr_assert_eq(ledger_transfers_execute(n->l, &op, 1, &r), LEDGER_OK);
    cr_assert_eq(r, LEDGER_OK, "%s", ledger_result_str(r));
}

/* A peer of node n (registered in memory), with its ledger account. */
static peer_t *h_peer(h_node_t *n, const ledger_asset_t *a, const char *address,
                      const char *endpoint, const char *out_token, const char *in_token,
                      const char *route, int64_t min_balance)
{
    peer_t *p = peer_new();
    p->id = ledger_id_random();
    p->asset_id = a->id;
    snprintf(p->asset_code, sizeof p->asset_code, "%s", a->code);
    p->asset_scale = a->scale;
    p->account_id = h_account(n, a, LEDGER_KIND_PEER, min_balance, false);
    snprintf(p->ilp_address, sizeof p->ilp_address, "%s", address);
    peer_set_outgoing(p, endpoint, out_token);
    if (route)
        peer_set_routes(p, (const char *const[]){route}, 1);
    uint8_t h[1][SHA256_LEN];
    size_t nh = 0;
    if (in_token) {
        peer_token_hash(h[0], in_token, strlen(in_token));
        nh = 1;
    }
    cr_assert_eq(peers_put(connector_peers(n->c), p, nh ? h : NULL, nh), PEERS_OK);
    return p; /* the caller's reference */
}

static ledger_status_t h_status(h_node_t *n, ledger_id_t id)
{
    ledger_status_t s;
    cr_assert_eq(ledger_account_status(n->l, id, &s), LEDGER_OK);
    return s;
}

/* An encoded Prepare. */
static size_t h_prepare(uint8_t *out, size_t cap, const char *dest, uint64_t amount,
                        int64_t expires_in_ms, const uint8_t *condition)
{
    ilp_prepare_t p = {.amount = amount,
                       .expires_at_ms = clock_wall_ms() + expires_in_ms,
                       .destination = SLICE_STR(dest),
                       .data = SLICE(NULL, 0)};
    if (condition)
        memcpy(p.condition, condition, ILP_CONDITION_LEN);
    else
        rand_bytes(p.condition, ILP_CONDITION_LEN);
    buf_t b;
    buf_init_fixed(&b, out, cap);
    cr_assert_eq(ilp_prepare_encode(&b, &p), ILP_OK);
    return b.len;
}

/* Sends a Prepare from peer p into node n and waits for the reply. */
static void h_send_peer(h_node_t *n, peer_t *p, const uint8_t *pkt, size_t len, h_wait_t *w)
{
    h_wait_init(w);
    connector_handle_peer(n->c, p, pkt, len, h_on_reply, w);
    cr_assert(h_wait(w, 10000), "no reply");
}

static ilp_reject_t h_expect_reject(h_wait_t *w, const char *code)
{
    ilp_reject_t r;
    cr_assert_eq(ilp_reject_decode(SLICE(w->buf, w->len), &r), ILP_OK, "not a reject");
    cr_assert_str_eq(r.code, code, "got %s (%.*s)", r.code, (int)r.message.len,
                     (const char *)r.message.ptr);
    return r;
}

#endif
