/*
 * Connector benchmark: fulfilled ILP packets per second end to end over ILP-over-HTTP, with the
 * durable ledger.
 *
 *   local:   load generator -> connector -> local STREAM receiver (one posted transfer a packet)
 *   forward: load generator -> A -> B -> C -> local STREAM receiver, three connectors in this
 *            process, each with its own ledger (A and B hold and post, C credits its wallet)
 *
 * at concurrency 1 and 64, on SQLite (synchronous=FULL, the default, and NORMAL) and on
 * Postgres when TEST_POSTGRES_URL is set.
 *
 * The load generator is one thread with raw keep-alive sockets on epoll: N connections, each
 * with one request at a time (no pipelining), the request bytes precomputed once (the STREAM
 * receiver is stateless, so the same Prepare can be replayed). It shares the machine's cores
 * with the server threads, which is counted in the figures.
 *
 * Prints per configuration: fulfilled/s, rejected, p50/p99 latency, the process CPU use (cores
 * busy, and CPU microseconds per fulfilled packet, load generator included: the figure that
 * least depends on what else the machine runs) and the ledger's ops per batch commit.
 *
 * Environment: BENCH_SECONDS (default 3), BENCH_ONLY (a substring of the labels to run, e.g.
 * "sqlite-full" or "forward"), BENCH_CONCURRENCY (1 or 64: only that one), BENCH_THREADS (HTTP
 * server threads, default 2).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/rand.h"
#include "connector/connector.h"
#include "http/server.h"
#include "stream/crypto.h"
#include "stream/packet.h"

#define LAT_MAX   4000000
#define CONN_MAX  256
#define RBUF_SIZE 8192

static unsigned g_seconds = 3;
static unsigned g_threads = 2;
static const char *g_only;
static unsigned g_conc; /* 0: both */

/* ---- the load generator ---- */

typedef struct {
    int fd;
    bool busy;
    uint64_t t0;
    size_t rlen;
    char rbuf[RBUF_SIZE];
} lconn_t;

typedef struct {
    uint64_t ok, bad, errors;
    double secs;
    double p50_ms, p99_ms;
} load_result_t;

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int connect_local(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int send_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* 1: a whole response is in the buffer (*ok says whether it is a 200 with a Fulfill), 0: not
 * yet, -1: malformed. */
static int parse_response(lconn_t *c, bool *ok)
{
    char *end = memmem(c->rbuf, c->rlen, "\r\n\r\n", 4);
    if (!end)
        return c->rlen == RBUF_SIZE ? -1 : 0;
    size_t hlen = (size_t)(end - c->rbuf) + 4;
    size_t clen = 0;
    for (char *p = c->rbuf; p < end;) {
        char *nl = memmem(p, (size_t)(end - p), "\r\n", 2);
        if (!nl)
            nl = end;
        if (nl - p > 15 && strncasecmp(p, "content-length:", 15) == 0)
            clen = strtoul(p + 15, NULL, 10);
        p = nl + 2;
    }
    if (hlen + clen > RBUF_SIZE)
        return -1;
    if (c->rlen < hlen + clen)
        return 0;
    *ok = c->rlen > 12 && memcmp(c->rbuf + 9, "200", 3) == 0 && clen > 0 &&
          (uint8_t)c->rbuf[hlen] == 13; /* ILP Fulfill */
    c->rlen = 0;
    return 1;
}

/* Runs conc connections, one request at a time each, for g_seconds. */
static int load_run(uint16_t port, const uint8_t *req, size_t reqlen, unsigned conc,
                    load_result_t *out)
{
    memset(out, 0, sizeof *out);
    lconn_t *cs = calloc(conc, sizeof *cs);
    uint64_t *lat = malloc(LAT_MAX * sizeof *lat);
    int ep = epoll_create1(0);
    size_t nlat = 0;
    if (!cs || !lat || ep < 0)
        return -1;
    for (unsigned i = 0; i < conc; i++) {
        cs[i].fd = connect_local(port);
        if (cs[i].fd < 0)
            return -1;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &cs[i]};
        epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev);
    }
    uint64_t t0 = clock_mono_ns(), stop_at = t0 + (uint64_t)g_seconds * 1000000000ull;
    unsigned busy = 0;
    for (unsigned i = 0; i < conc; i++) {
        cs[i].t0 = clock_mono_ns();
        if (send_all(cs[i].fd, req, reqlen) == 0) {
            cs[i].busy = true;
            busy++;
        }
    }
    bool stopping = false;
    uint64_t drain_deadline = 0;
    struct epoll_event evs[CONN_MAX];
    while (busy) {
        uint64_t now = clock_mono_ns();
        if (!stopping && now >= stop_at) {
            stopping = true;
            out->secs = (double)(now - t0) / 1e9;
            drain_deadline = now + 10000000000ull;
        }
        if (stopping && now >= drain_deadline)
            break;
        int n = epoll_wait(ep, evs, CONN_MAX, 100);
        for (int k = 0; k < n; k++) {
            lconn_t *c = evs[k].data.ptr;
            ssize_t r = recv(c->fd, c->rbuf + c->rlen, RBUF_SIZE - c->rlen, MSG_DONTWAIT);
            if (r <= 0) {
                if (r < 0 && (errno == EAGAIN || errno == EINTR))
                    continue;
                out->errors++;
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                c->busy = false;
                busy--;
                continue;
            }
            c->rlen += (size_t)r;
            bool ok = false;
            int pr = parse_response(c, &ok);
            if (pr == 0)
                continue;
            uint64_t done = clock_mono_ns();
            if (pr < 0) {
                out->errors++;
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                c->busy = false;
                busy--;
                continue;
            }
            if (!stopping) {
                ok ? out->ok++ : out->bad++;
                if (nlat < LAT_MAX)
                    lat[nlat++] = done - c->t0;
            }
            if (stopping || done >= stop_at) {
                c->busy = false;
                busy--;
                continue;
            }
            c->t0 = done;
            if (send_all(c->fd, req, reqlen) != 0) {
                out->errors++;
                c->busy = false;
                busy--;
            }
        }
    }
    if (!stopping)
        out->secs = (double)(clock_mono_ns() - t0) / 1e9;
    qsort(lat, nlat, sizeof *lat, cmp_u64);
    out->p50_ms = nlat ? (double)lat[nlat / 2] / 1e6 : 0;
    out->p99_ms = nlat ? (double)lat[(size_t)((double)nlat * 0.99)] / 1e6 : 0;
    for (unsigned i = 0; i < conc; i++)
        close(cs[i].fd);
    close(ep);
    free(cs);
    free(lat);
    return 0;
}

/* The HTTP request bytes: headers and one Prepare, sent as is for every request. */
static size_t build_request(uint8_t *out, size_t cap, const char *token, const uint8_t *pkt,
                            size_t len)
{
    int n = snprintf((char *)out, cap,
                     "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                     "application/octet-stream\r\nAuthorization: Bearer %s\r\nContent-Length: "
                     "%zu\r\n\r\n",
                     token, len);
    if (n <= 0 || (size_t)n + len > cap)
        return 0;
    memcpy(out + n, pkt, len);
    return (size_t)n + len;
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

/* ---- nodes: a connector with its own database, ledger and listener ---- */

typedef struct {
    char path[160]; /* SQLite file, "" for Postgres */
    db_t *db;
    ledger_t *l;
    stream_totals_mem_t *tm;
    connector_t *c;
    http_server_t *srv;
    ledger_asset_t asset;
} node_t;

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "bench connector: %s: %s\n", what, msg);
    exit(1);
}

static void node_open(node_t *n, const char *url, bool sync_normal, const char *address)
{
    memset(n, 0, sizeof *n);
    db_err_t err;
    char sqlite_url[200];
    if (!url) {
        static int seq;
        snprintf(n->path, sizeof n->path, "/tmp/bench_connector_%d_%d.db", (int)getpid(), seq++);
        snprintf(sqlite_url, sizeof sqlite_url, "sqlite:%s", n->path);
        url = sqlite_url;
    }
    db_opts_t o = {.sqlite_sync_normal = sync_normal};
    n->db = db_open_opts(url, &o, &err);
    char dir[512];
    if (!n->db || db_sql_dir(dir, sizeof dir) != 0 || db_migrate(n->db, dir, NULL, &err) != DB_OK)
        die("database", err.msg);
    n->l = ledger_open(n->db, NULL, &err);
    if (!n->l)
        die("ledger", err.msg);
    n->asset.scale = 2;
    snprintf(n->asset.code, sizeof n->asset.code, "B%06llx",
             (unsigned long long)(rand_u64() & 0xffffff));
    if (ledger_asset_create(n->l, &n->asset) != LEDGER_OK)
        die("ledger", "asset");
    n->tm = stream_totals_mem_new(1 << 16);
    connector_config_t cc = {
        .ilp_address = address, .ledger = n->l, .db = n->db, .counters = stream_totals_mem(n->tm)};
    rand_bytes(cc.stream_secret, sizeof cc.stream_secret);
    connector_err_t cerr;
    n->c = connector_new(&cc, &cerr);
    if (!n->c)
        die("connector", cerr.msg);
    n->srv = http_server_new(&(http_server_config_t){.port = 0, .threads = g_threads});
    if (!n->srv || connector_http_register(n->c, n->srv) != 0 || http_server_start(n->srv) != 0)
        die("http", "server start");
}

/* A peer of n (stored, like the admin API does, and in the registry) with a credit line. */
static void node_peer(node_t *n, const char *ilp_address, const char *incoming_token,
                      const char *route, uint16_t out_port, const char *out_token)
{
    ledger_account_t a = {
        .asset_id = n->asset.id, .kind = LEDGER_KIND_PEER, .min_balance = INT64_MIN / 2};
    if (ledger_account_create(n->l, &a) != LEDGER_OK)
        die("ledger", "peer account");
    peer_t *p = peer_new();
    p->id = ledger_id_random();
    p->asset_id = n->asset.id;
    p->account_id = a.id;
    snprintf(p->asset_code, sizeof p->asset_code, "%s", n->asset.code);
    p->asset_scale = n->asset.scale;
    snprintf(p->name, sizeof p->name, "%s", ilp_address);
    snprintf(p->ilp_address, sizeof p->ilp_address, "%s", ilp_address);
    if (out_port) {
        char url[64];
        snprintf(url, sizeof url, "http://127.0.0.1:%u/", out_port);
        peer_set_outgoing(p, url, out_token);
    }
    if (route)
        peer_set_routes(p, &route, 1);
    const char *tokens[1] = {incoming_token};
    uint8_t h[1][32];
    peer_token_hash(h[0], incoming_token, strlen(incoming_token));
    peers_err_t err = {""};
    if (peers_db_insert(n->db, p, tokens, incoming_token ? 1 : 0, &err) != PEERS_OK ||
        peers_put(connector_peers(n->c), p, h, 1) != PEERS_OK)
        die("peer", err.msg);
    peer_release(p);
}

static ledger_id_t node_wallet(node_t *n)
{
    ledger_account_t w = {
        .asset_id = n->asset.id, .kind = LEDGER_KIND_WALLET, .stream_enabled = true};
    if (ledger_account_create(n->l, &w) != LEDGER_OK)
        die("ledger", "wallet");
    return w.id;
}

static void node_close(node_t *n)
{
    http_server_stop(n->srv);
}

static void node_free(node_t *n)
{
    http_server_free(n->srv);
    connector_free(n->c);
    ledger_close(n->l);
    db_close(n->db);
    stream_totals_mem_free(n->tm);
    if (n->path[0]) {
        static const char *const suffix[] = {"", "-wal", "-shm"};
        for (int i = 0; i < 3; i++) {
            char p[200];
            snprintf(p, sizeof p, "%s%s", n->path, suffix[i]);
            unlink(p);
        }
    }
}

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static bool selected(const char *label)
{
    return !g_only || !*g_only || strstr(label, g_only);
}

/* Runs the load at concurrency 1 and 64 against port, printing one line each. */
static void measure(const char *label, uint16_t port, const uint8_t *req, size_t reqlen,
                    node_t *const *nodes, size_t nnodes)
{
    static const unsigned conc[] = {1, 64};
    for (size_t ci = 0; ci < 2; ci++) {
        if (g_conc && conc[ci] != g_conc)
            continue;
        ledger_stats_t before[3], after[3];
        for (size_t i = 0; i < nnodes; i++)
            ledger_stats(nodes[i]->l, &before[i]);
        double cpu0 = cpu_seconds();
        load_result_t r;
        if (load_run(port, req, reqlen, conc[ci], &r) != 0)
            die("load", "cannot connect");
        double cpu = cpu_seconds() - cpu0;
        char batches[160] = "";
        size_t off = 0;
        for (size_t i = 0; i < nnodes; i++) {
            ledger_stats(nodes[i]->l, &after[i]);
            uint64_t b = after[i].batches - before[i].batches;
            uint64_t o = after[i].ops - before[i].ops;
            int w = snprintf(batches + off, sizeof batches - off, "%s%.1f", i ? "/" : "",
                             b ? (double)o / (double)b : 0.0);
            if (w > 0 && (size_t)w < sizeof batches - off)
                off += (size_t)w;
        }
        printf("connector %s concurrency=%u: %.0f fulfilled/s, rejected %llu, errors %llu, "
               "p50 %.3f ms, p99 %.3f ms, cpu %.2f cores (%.1f us/packet), ledger ops/batch %s\n",
               label, conc[ci], (double)r.ok / r.secs, (unsigned long long)r.bad,
               (unsigned long long)r.errors, r.p50_ms, r.p99_ms, cpu / r.secs,
               r.ok ? cpu * 1e6 / (double)r.ok : 0.0, batches);
        fflush(stdout);
    }
}

/* peer -> connector -> local STREAM receiver */
static void run_local(const char *label, const char *url, bool sync_normal)
{
    if (!selected(label))
        return;
    node_t n;
    node_open(&n, url, sync_normal, "test.bench");
    char token[64]; /* unique: a Postgres database outlives the run */
    snprintf(token, sizeof token, "bench-token-%016llx", (unsigned long long)rand_u64());
    node_peer(&n, "test.peer", token, NULL, 0, NULL);
    ledger_id_t wallet = node_wallet(&n);
    stream_credentials_t cred;
    if (connector_stream_credentials(n.c, wallet, &cred) != 0)
        die("stream", "credentials");
    uint8_t pkt[2048], req[4096];
    size_t len = build_prepare(pkt, sizeof pkt, &cred);
    size_t reqlen = build_request(req, sizeof req, token, pkt, len);
    node_t *nodes[] = {&n};
    measure(label, http_server_port(n.srv), req, reqlen, nodes, 1);
    ledger_status_t st;
    ledger_account_status(n.l, wallet, &st);
    printf("connector %s wallet credited %llu units\n", label,
           (unsigned long long)st.total_received);
    node_close(&n);
    node_free(&n);
}

/* load -> A -> B -> C -> local STREAM receiver; each its own SQLite ledger */
static void run_forward(const char *label, bool sync_normal)
{
    if (!selected(label))
        return;
    node_t a, b, c;
    node_open(&a, NULL, sync_normal, "test.a");
    node_open(&b, NULL, sync_normal, "test.b");
    node_open(&c, NULL, sync_normal, "test.c");
    const char *t_src = "bench-src-token-0123456789", *t_ab = "bench-a-to-b-0123456789",
               *t_bc = "bench-b-to-c-0123456789";
    node_peer(&a, "test.src", t_src, NULL, 0, NULL);
    node_peer(&a, "test.b", "bench-b-to-a-0123456789", "test.c", http_server_port(b.srv), t_ab);
    node_peer(&b, "test.a", t_ab, NULL, 0, NULL);
    node_peer(&b, "test.c", "bench-c-to-b-0123456789", "test.c", http_server_port(c.srv), t_bc);
    node_peer(&c, "test.b", t_bc, NULL, 0, NULL);
    ledger_id_t wallet = node_wallet(&c);
    stream_credentials_t cred;
    if (connector_stream_credentials(c.c, wallet, &cred) != 0)
        die("stream", "credentials");
    uint8_t pkt[2048], req[4096];
    size_t len = build_prepare(pkt, sizeof pkt, &cred);
    size_t reqlen = build_request(req, sizeof req, t_src, pkt, len);
    node_t *nodes[] = {&a, &b, &c};
    measure(label, http_server_port(a.srv), req, reqlen, nodes, 3);
    ledger_status_t st;
    ledger_account_status(c.l, wallet, &st);
    printf("connector %s wallet at C credited %llu units\n", label,
           (unsigned long long)st.total_received);
    node_close(&a);
    node_close(&b);
    node_close(&c);
    node_free(&a);
    node_free(&b);
    node_free(&c);
}

int main(void)
{
    log_set_level(LOG_ERROR);
    const char *s = getenv("BENCH_SECONDS");
    if (s && strtoul(s, NULL, 10) > 0)
        g_seconds = (unsigned)strtoul(s, NULL, 10);
    s = getenv("BENCH_THREADS");
    if (s && strtoul(s, NULL, 10) > 0)
        g_threads = (unsigned)strtoul(s, NULL, 10);
    g_only = getenv("BENCH_ONLY");
    s = getenv("BENCH_CONCURRENCY");
    if (s)
        g_conc = (unsigned)strtoul(s, NULL, 10);

    run_local("sqlite-full local", NULL, false);
    run_local("sqlite-normal local", NULL, true);
    const char *pg = getenv("TEST_POSTGRES_URL");
    if (pg && *pg)
        run_local("postgres local", pg, false);
    else if (selected("postgres local"))
        printf("connector postgres local: skipped (TEST_POSTGRES_URL unset)\n");
    run_forward("sqlite-full forward A->B->C", false);
    run_forward("sqlite-normal forward A->B->C", true);
    return 0;
}
