/*
 * Webhook test bodies shared by the SQLite unit tests (tes../unit/payments/webhooks_test.c) and
 * the Postgres integration tests (tests/integration/webhooks_pg_test.c). Each case opens a fresh
 * database (a temp SQLite file, or its own Postgres schema) with every migration applied.
 */
#ifndef RAFIKI_TESTS_BACKEND_WEBHOOKS_CASES_H
#define RAFIKI_TESTS_BACKEND_WEBHOOKS_CASES_H

#include "admin/admin_webhooks.h"
#include "payments/webhooks.h"
#include "payments_db.h"
#include "http/client.h"
#include "http/server.h"

static int wc_add(db_t *db, const char *type, const char *resource, int n, bool commit)
{
    db_err_t err = {0};
    db_conn_t *c = dbc_conn(db, DB_CONN_WRITE);
    cr_assert_eq(db_begin(c, DB_TX_WRITE, &err), DB_OK, "%s", err.msg);
    json_t *data = json_pack("{s:s,s:i}", "id", resource, "n", n);
    db_rc_t rc = webhook_event_add(c, type, resource, data, &err);
    json_decref(data);
    if (rc == 0 && commit)
        cr_assert_eq(db_commit(c, &err), DB_OK, "%s", err.msg);
    else
        db_rollback(c);
    db_release(c);
    return rc;
}

/* Events commit and roll back with the caller's transaction; bad input is refused. */
static void wc_case_add(const char *base)
{
    db_t *db = bk_open(base, "wh_add");
    cr_assert_eq(wc_add(db, WEBHOOK_INCOMING_PAYMENT_CREATED, "r1", 1, true), 0);
    cr_assert_eq(wc_add(db, WEBHOOK_INCOMING_PAYMENT_COMPLETED, "r1", 2, false), 0);
    cr_assert_eq(wc_add(db, "incoming_payment.exploded", "r1", 3, true), DB_INVALID);
    cr_assert_eq(wc_add(db, WEBHOOK_PEER_LIQUIDITY_LOW, "", 4, true), DB_INVALID);
    db_conn_t *c = dbc_conn(db, DB_CONN_READ);
    cr_assert_eq(dbc_count(c, "SELECT COUNT(*) FROM webhook_events"), 1,
                 "only the committed event is stored");
    db_stmt_t *st = dbc_prep(c, "SELECT type, resource_id, data, state FROM webhook_events");
    db_err_t err = {0};
    cr_assert_eq(db_step(st, &err), DB_ROW);
    cr_assert_str_eq(db_col_text(st, 0, NULL), WEBHOOK_INCOMING_PAYMENT_CREATED);
    cr_assert_str_eq(db_col_text(st, 1, NULL), "r1");
    cr_assert_str_eq(db_col_text(st, 2, NULL), "{\"id\":\"r1\",\"n\":1}");
    cr_assert_eq(db_col_i64(st, 3), WEBHOOK_STATE_PENDING);
    db_release(c);

    c = dbc_conn(db, DB_CONN_WRITE);
    cr_assert_eq(db_begin(c, DB_TX_WRITE, &err), DB_OK);
    json_t *arr = json_array();
    cr_assert_eq(webhook_event_add(c, WEBHOOK_ASSET_LIQUIDITY_LOW, "a", arr, &err), DB_INVALID,
                 "data must be an object");
    json_decref(arr);
    json_t *big = json_object();
    char *pad = calloc(1, WEBHOOK_DATA_MAX + 1);
    memset(pad, 'x', WEBHOOK_DATA_MAX);
    json_object_set_new(big, "pad", json_string(pad));
    cr_assert_eq(webhook_event_add(c, WEBHOOK_ASSET_LIQUIDITY_LOW, "a", big, &err), DB_INVALID,
                 "data over WEBHOOK_DATA_MAX");
    free(pad);
    json_decref(big);
    db_rollback(c);
    db_release(c);
    db_close(db);
}

/* ---- a receiver: a real HTTP server on loopback that checks every signature ---- */

#define WC_SECRET "webhook-test-secret"
#define WC_MAX    512

typedef struct {
    pthread_mutex_t mu;
    http_server_t *srv;
    uint16_t port;
    unsigned fail_status; /* answer this to events whose data.n is fail_n (0: none) */
    int fail_n;
    int requests, bad_signatures;
    int n;                /* requests with a good signature, in arrival order: */
    char ids[WC_MAX][40]; /* event id */
    char res[WC_MAX][16]; /* data.id (the resource) */
    int seqs[WC_MAX];     /* data.n */
} wc_recv_t;

static bool wc_sig_ok(const char *hdr, slice_t body)
{
    if (!hdr || strncmp(hdr, "t=", 2) != 0)
        return false;
    char *end;
    long long t = strtoll(hdr + 2, &end, 10);
    if (strncmp(end, ", v1=", 5) != 0 || llabs(t - clock_wall_ms()) > 60000)
        return false;
    char want[128];
    cr_assert_gt(webhook_signature(want, sizeof want, (const uint8_t *)WC_SECRET, strlen(WC_SECRET),
                                   t, body.ptr, body.len),
                 0);
    return strcmp(want, hdr) == 0;
}

static http_handler_result_t wc_recv_handle(http_req_t *req, void *user)
{
    wc_recv_t *r = user;
    slice_t body = http_req_body(req);
    json_t *doc = json_loadb((const char *)body.ptr, body.len, 0, NULL);
    const char *id = json_string_value(json_object_get(doc, "id"));
    json_t *data = json_object_get(doc, "data");
    const char *res = json_string_value(json_object_get(data, "id"));
    int n = (int)json_integer_value(json_object_get(data, "n"));
    bool sig = wc_sig_ok(http_req_header(req, "Rafiki-Signature"), body);
    /* Rafiki's receivers sign-check canonicalize(body): the body must be canonical already */
    char *canon = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    sig = sig && canon && strlen(canon) == body.len && memcmp(canon, body.ptr, body.len) == 0;
    free(canon);
    pthread_mutex_lock(&r->mu);
    r->requests++;
    unsigned status = r->fail_n && n == r->fail_n ? r->fail_status : 200;
    if (!sig || !id || !res || !json_is_string(json_object_get(doc, "type"))) {
        r->bad_signatures++;
        status = 400;
    } else if (r->n < WC_MAX) {
        snprintf(r->ids[r->n], sizeof r->ids[0], "%s", id);
        snprintf(r->res[r->n], sizeof r->res[0], "%s", res);
        r->seqs[r->n++] = n;
    }
    pthread_mutex_unlock(&r->mu);
    json_decref(doc);
    http_respond(req, status, "text/plain", "ok", 2);
    return HTTP_DONE;
}

/* Starts (or restarts, on the same port) the receiver. */
static void wc_recv_up(wc_recv_t *r)
{
    http_server_config_t hc = {.port = r->port, .threads = 2, .name = "webhook-receiver"};
    r->srv = http_server_new(&hc);
    cr_assert_not_null(r->srv);
    cr_assert_eq(http_server_route(r->srv, "POST", "/hook", wc_recv_handle, r, 0), 0);
    for (int i = 0; i < 50 && http_server_start(r->srv) != 0; i++) {
        http_server_free(r->srv); /* the port may linger a moment after a stop */
        usleep(100 * 1000);
        r->srv = http_server_new(&hc);
        cr_assert_eq(http_server_route(r->srv, "POST", "/hook", wc_recv_handle, r, 0), 0);
    }
    r->port = http_server_port(r->srv);
    cr_assert_neq(r->port, 0);
}

static void wc_recv_down(wc_recv_t *r)
{
    http_server_free(r->srv);
    r->srv = NULL;
}

static int wc_recv_count(wc_recv_t *r)
{
    pthread_mutex_lock(&r->mu);
    int n = r->n;
    pthread_mutex_unlock(&r->mu);
    return n;
}

/* Waits until the receiver holds n good requests (or fails the test after 20 s). */
static void wc_recv_wait(wc_recv_t *r, int n)
{
    for (int i = 0; i < 2000 && wc_recv_count(r) < n; i++)
        usleep(10 * 1000);
    cr_assert_geq(wc_recv_count(r), n, "received %d of %d", wc_recv_count(r), n);
}

static webhooks_t *wc_worker(db_t *db, const wc_recv_t *r, unsigned max_retry)
{
    static char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/hook", (unsigned)r->port);
    webhooks_config_t cfg = {.url = url,
                             .secret = (const uint8_t *)WC_SECRET,
                             .secret_len = strlen(WC_SECRET),
                             .timeout_ms = 1000,
                             .max_retry = max_retry,
                             .backoff_ms = 20,
                             .backoff_max_ms = 160,
                             .poll_ms = 10,
                             .batch = 8};
    webhooks_t *w = webhooks_start(db, &cfg);
    cr_assert_not_null(w);
    return w;
}

/* Adds n events over nres resources ("r0".."r9"), interleaved, each in its own transaction;
 * data.n counts 1, 2, ... per resource. */
static void wc_add_many(db_t *db, int n, int nres)
{
    for (int i = 0; i < n; i++) {
        char res[16];
        snprintf(res, sizeof res, "r%d", i % nres);
        cr_assert_eq(wc_add(db, WEBHOOK_OUTGOING_PAYMENT_CREATED, res, i / nres + 1, true), 0);
    }
}

/* Every resource's events arrived in creation order (duplicates allowed: at least once), every
 * one of the n events arrived, and the table says delivered. Returns the duplicates seen. */
static int wc_check_order(db_t *db, wc_recv_t *r, int n, int nres)
{
    int last[16] = {0}, dups = 0;
    pthread_mutex_lock(&r->mu);
    cr_assert_eq(r->bad_signatures, 0);
    for (int i = 0; i < r->n; i++) {
        int k = (int)strtol(r->res[i] + 1, NULL, 10);
        if (r->seqs[i] <= last[k]) {
            cr_assert_eq(r->seqs[i], last[k], "%s: %d after %d", r->res[i], r->seqs[i], last[k]);
            dups++;
            continue;
        }
        cr_assert_eq(r->seqs[i], last[k] + 1, "%s: %d after %d", r->res[i], r->seqs[i], last[k]);
        last[k] = r->seqs[i];
    }
    pthread_mutex_unlock(&r->mu);
    for (int k = 0; k < nres; k++)
        cr_assert_eq(last[k], n / nres + (k < n % nres), "resource r%d", k);
    db_conn_t *c = dbc_conn(db, DB_CONN_READ);
    cr_assert_eq(dbc_count(c, "SELECT COUNT(*) FROM webhook_events WHERE state = 1"), n);
    db_release(c);
    return dups;
}

static void wc_wait_state(db_t *db, int n_state, webhook_state_t state)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM webhook_events WHERE state = %d", state);
    for (int i = 0; i < 2000; i++) {
        db_conn_t *c = dbc_conn(db, DB_CONN_READ);
        int64_t got = dbc_count(c, sql);
        db_release(c);
        if (got >= n_state)
            return;
        usleep(10 * 1000);
    }
    cr_assert_fail("%d events never reached state %d", n_state, state);
}

/* Signed, in order per resource, every event once. */
static void wc_case_deliver(const char *base)
{
    db_t *db = bk_open(base, "wh_deliver");
    static wc_recv_t r = {.mu = PTHREAD_MUTEX_INITIALIZER};
    wc_recv_up(&r);
    wc_add_many(db, 60, 4);
    webhooks_t *w = wc_worker(db, &r, 5);
    wc_recv_wait(&r, 60);
    wc_wait_state(db, 60, WEBHOOK_STATE_DELIVERED);
    webhooks_stop(w);
    cr_assert_eq(wc_check_order(db, &r, 60, 4), 0, "no event sent twice");
    wc_recv_down(&r);
    db_close(db);
}

/* The receiver is down (connection refused) while events pile up and are retried; once it is
 * up, every event arrives, in order per resource, none lost. A worker restart in between
 * resumes from the table. */
static void wc_case_down_then_up(const char *base)
{
    db_t *db = bk_open(base, "wh_down");
    static wc_recv_t r = {.mu = PTHREAD_MUTEX_INITIALIZER};
    wc_recv_up(&r); /* takes a port, then frees it */
    wc_recv_down(&r);
    webhooks_t *w = wc_worker(db, &r, 50);
    wc_add_many(db, 40, 5);
    usleep(300 * 1000);
    webhooks_stats_t st;
    webhooks_stats(w, &st);
    cr_assert_gt(st.attempts, 0, "the worker tried while the receiver was down");
    cr_assert_eq(st.delivered, 0);
    webhooks_stop(w); /* a restart: all state is in the table */
    w = wc_worker(db, &r, 50);
    usleep(100 * 1000);
    wc_recv_up(&r);
    wc_recv_wait(&r, 40);
    wc_wait_state(db, 40, WEBHOOK_STATE_DELIVERED);
    webhooks_stop(w);
    wc_check_order(db, &r, 40, 5);
    wc_recv_down(&r);
    db_close(db);
}

/* An event answered 500 every time is tried max_retry times, then marked failed; the next event
 * of its resource waits for that and is delivered after. */
static void wc_case_retries_stop(const char *base)
{
    db_t *db = bk_open(base, "wh_retry");
    static wc_recv_t r = {.mu = PTHREAD_MUTEX_INITIALIZER};
    r.fail_n = 1;
    r.fail_status = 500;
    wc_recv_up(&r);
    cr_assert_eq(wc_add(db, WEBHOOK_OUTGOING_PAYMENT_FAILED, "r0", 1, true), 0);
    cr_assert_eq(wc_add(db, WEBHOOK_OUTGOING_PAYMENT_COMPLETED, "r0", 2, true), 0);
    uint64_t t0 = clock_mono_ms();
    webhooks_t *w = wc_worker(db, &r, 3);
    wc_wait_state(db, 1, WEBHOOK_STATE_FAILED);
    wc_recv_wait(&r, 4);
    cr_assert_lt(clock_mono_ms() - t0, 5000,
                 "giving up the first event unblocked the next at once");
    usleep(200 * 1000);
    webhooks_stats_t st;
    webhooks_stats(w, &st);
    webhooks_stop(w);
    cr_assert_eq(st.failed, 1);
    cr_assert_eq(st.delivered, 1);
    pthread_mutex_lock(&r.mu);
    cr_assert_eq(r.n, 4, "3 attempts of the failing event, then the next one: %d", r.n);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(r.seqs[i], 1);
    cr_assert_eq(r.seqs[3], 2);
    pthread_mutex_unlock(&r.mu);
    db_conn_t *c = dbc_conn(db, DB_CONN_READ);
    cr_assert_eq(dbc_count(c, "SELECT attempts FROM webhook_events WHERE state = 2"), 3);
    cr_assert_eq(dbc_count(c, "SELECT last_status FROM webhook_events WHERE state = 2"), 500);
    db_release(c);
    wc_recv_down(&r);
    db_close(db);
}

/* Two workers on one database (two replicas: on Postgres each claims on its own connection
 * with SKIP LOCKED) share the events: each is sent once, in order per resource. */
static void wc_case_replicas(const char *base)
{
    db_t *db = bk_open(base, "wh_replicas");
    static wc_recv_t r = {.mu = PTHREAD_MUTEX_INITIALIZER};
    wc_recv_up(&r);
    webhooks_t *w1 = wc_worker(db, &r, 5), *w2 = wc_worker(db, &r, 5);
    wc_add_many(db, 120, 6);
    wc_recv_wait(&r, 120);
    wc_wait_state(db, 120, WEBHOOK_STATE_DELIVERED);
    webhooks_stats_t s1, s2;
    webhooks_stats(w1, &s1);
    webhooks_stats(w2, &s2);
    webhooks_stop(w1);
    webhooks_stop(w2);
    cr_assert_eq(wc_check_order(db, &r, 120, 6), 0, "no event sent twice");
    cr_assert_eq(s1.delivered + s2.delivered, 120);
    wc_recv_down(&r);
    db_close(db);
}

/* A later event of a resource is added blocked; one that a race left blocked after its
 * predecessor finished is unblocked by the worker's sweep and delivered. */
static void wc_case_blocked_sweep(const char *base)
{
    db_t *db = bk_open(base, "wh_blocked");
    static wc_recv_t r = {.mu = PTHREAD_MUTEX_INITIALIZER};
    wc_recv_up(&r);
    cr_assert_eq(wc_add(db, WEBHOOK_OUTGOING_PAYMENT_CREATED, "r0", 1, true), 0);
    cr_assert_eq(wc_add(db, WEBHOOK_OUTGOING_PAYMENT_COMPLETED, "r0", 2, true), 0);
    cr_assert_eq(wc_add(db, WEBHOOK_OUTGOING_PAYMENT_CREATED, "r1", 1, true), 0);
    db_conn_t *c = dbc_conn(db, DB_CONN_WRITE);
    cr_assert_eq(dbc_count(c, "SELECT COUNT(*) FROM webhook_events WHERE blocked = TRUE"), 1,
                 "only r0's second event waits");
    /* the race: r0's first event finishes without unblocking the second */
    dbc_exec(c, "UPDATE webhook_events SET state = 2 WHERE resource_id = 'r0' AND blocked = FALSE");
    db_release(c);
    uint64_t t0 = clock_mono_ms();
    webhooks_t *w = wc_worker(db, &r, 5);
    wc_recv_wait(&r, 2);
    webhooks_stop(w);
    cr_assert_lt(clock_mono_ms() - t0, 5000, "the sweep at start, not the periodic one, freed it");
    pthread_mutex_lock(&r.mu);
    cr_assert_eq(r.n, 2);
    bool r0_second = (strcmp(r.res[0], "r0") == 0 && r.seqs[0] == 2) ||
                     (strcmp(r.res[1], "r0") == 0 && r.seqs[1] == 2);
    pthread_mutex_unlock(&r.mu);
    cr_assert(r0_second, "the stuck event was swept free and sent");
    wc_recv_down(&r);
    db_close(db);
}

/* ---- GET /webhook-events ---- */

static json_t *wc_get(http_client_t *hc, uint16_t port, const char *path, bool auth,
                      unsigned *status)
{
    char url[512];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", (unsigned)port, path);
    http_header_t h = {"Authorization", "Bearer " WC_SECRET};
    http_client_req_t req = {.method = "GET", .url = url, .headers = &h, .n_headers = auth};
    http_client_resp_t resp;
    cr_assert_eq(http_client_do_sync(hc, &req, &resp), HTTP_CLIENT_OK);
    *status = resp.status;
    json_t *doc = json_loadb((const char *)resp.body.ptr, resp.body.len, 0, NULL);
    http_client_resp_free(&resp);
    cr_assert_not_null(doc);
    return doc;
}

static size_t wc_page(http_client_t *hc, uint16_t port, const char *query, char *next, size_t cap)
{
    char path[256];
    unsigned status;
    snprintf(path, sizeof path, "/webhook-events%s", query);
    json_t *doc = wc_get(hc, port, path, true, &status);
    cr_assert_eq(status, 200, "%s", path);
    json_t *list = json_object_get(doc, "webhook_events");
    const char *nc = json_string_value(json_object_get(doc, "next_cursor"));
    snprintf(next, cap, "%s", nc ? nc : "");
    size_t n = json_array_size(list);
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(list, i);
        cr_assert(json_is_object(json_object_get(e, "data")));
        cr_assert(json_is_string(json_object_get(e, "state")));
    }
    json_decref(doc);
    return n;
}

static void wc_case_admin_list(const char *base)
{
    db_t *db = bk_open(base, "wh_admin");
    for (int i = 1; i <= 5; i++)
        cr_assert_eq(wc_add(db, WEBHOOK_INCOMING_PAYMENT_CREATED, "r0", i, true), 0);
    for (int i = 1; i <= 3; i++)
        cr_assert_eq(wc_add(db, WEBHOOK_PEER_LIQUIDITY_LOW, "r1", i, true), 0);
    db_conn_t *c = dbc_conn(db, DB_CONN_WRITE);
    dbc_exec(c, "UPDATE webhook_events SET state = 2, attempts = 10, last_status = 503 "
                "WHERE resource_id = 'r1'");
    db_release(c);
    static admin_ctx_t ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.secret = WC_SECRET;
    ctx.db = db;
    http_server_config_t hc = {.port = 0, .threads = 2, .name = "admin-test"};
    http_server_t *srv = http_server_new(&hc);
    cr_assert_eq(admin_webhooks_register(srv, &ctx), 0);
    cr_assert_eq(http_server_start(srv), 0);
    uint16_t port = http_server_port(srv);
    http_client_t *cl = http_client_new(NULL);
    unsigned status;
    json_decref(wc_get(cl, port, "/webhook-events", false, &status));
    cr_assert_eq(status, 401);

    char next[64], q[128];
    cr_assert_eq(wc_page(cl, port, "?limit=3", next, sizeof next), 3);
    cr_assert(next[0], "a next page");
    size_t total = 3;
    while (next[0]) {
        snprintf(q, sizeof q, "?limit=3&cursor=%s", next);
        total += wc_page(cl, port, q, next, sizeof next);
    }
    cr_assert_eq(total, 8);
    cr_assert_eq(wc_page(cl, port, "?type=peer.liquidity_low", next, sizeof next), 3);
    cr_assert_eq(wc_page(cl, port, "?state=failed", next, sizeof next), 3);
    cr_assert_eq(wc_page(cl, port, "?state=pending&resource_id=r0", next, sizeof next), 5);
    const char *bad[] = {"/webhook-events?type=nope", "/webhook-events?state=lost",
                         "/webhook-events?cursor=x",
                         "/webhook-events?cursor=00000000-0000-4000-8000-000000000000"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_decref(wc_get(cl, port, bad[i], true, &status));
        cr_assert_eq(status, 400, "%s", bad[i]);
    }
    http_client_free(cl);
    http_server_free(srv);
    db_close(db);
}

/* How many good requests r holds for resource res with data.n == n. */
static int wc_recv_of(wc_recv_t *r, const char *res, int n)
{
    int k = 0;
    pthread_mutex_lock(&r->mu);
    for (int i = 0; i < r->n; i++)
        k += strcmp(r->res[i], res) == 0 && r->seqs[i] == n;
    pthread_mutex_unlock(&r->mu);
    return k;
}

/* Tenants (Rafiki 2.0): an event of a tenant's resource goes to the tenant's WEBHOOK_URL with
 * its WEBHOOK_MAX_RETRY; a tenant without a URL, and the operator, use the instance's; with
 * SEND_TENANT_WEBHOOKS_TO_OPERATOR each tenant's event is also copied to the operator, and the
 * copy is delivered though the tenant's own delivery fails. */
static void wc_case_tenants(const char *base)
{
    db_t *db = bk_open(base, "wh_tenants");
    static wc_recv_t inst = {.mu = PTHREAD_MUTEX_INITIALIZER};
    static wc_recv_t ten = {.mu = PTHREAD_MUTEX_INITIALIZER};
    ten.fail_n = 2;
    ten.fail_status = 500;
    wc_recv_up(&inst);
    wc_recv_up(&ten);
    char sql[1024];
    db_conn_t *c = dbc_conn(db, DB_CONN_WRITE);
    dbc_exec(c, "INSERT INTO tenants (id, api_secret, is_operator, created_at, updated_at) VALUES "
                "('00000000-0000-4000-8000-00000000000a', 'x', TRUE, 0, 0), "
                "('00000000-0000-4000-8000-000000000001', 'y', FALSE, 0, 0), "
                "('00000000-0000-4000-8000-000000000002', 'z', FALSE, 0, 0)");
    snprintf(sql, sizeof sql,
             "INSERT INTO tenant_settings (tenant_id, key, value, created_at, updated_at) VALUES "
             "('00000000-0000-4000-8000-000000000001', 'WEBHOOK_URL', "
             "'http://127.0.0.1:%u/hook', 0, 0), ('00000000-0000-4000-8000-000000000001', "
             "'WEBHOOK_MAX_RETRY', '1', 0, 0), ('00000000-0000-4000-8000-000000000002', "
             "'WEBHOOK_TIMEOUT', '1000', 0, 0)",
             (unsigned)ten.port);
    dbc_exec(c, sql);
    dbc_exec(c, "INSERT INTO tenant_resources (resource_id, kind, tenant_id, created_at) VALUES "
                "('ra', 1, '00000000-0000-4000-8000-000000000001', 0), "
                "('rb', 1, '00000000-0000-4000-8000-000000000002', 0)");
    db_release(c);
    webhook_copy_to_operator(true);
    cr_assert_eq(wc_add(db, WEBHOOK_ASSET_LIQUIDITY_LOW, "ra", 1, true), 0);
    cr_assert_eq(wc_add(db, WEBHOOK_ASSET_LIQUIDITY_LOW, "ra", 2, true), 0);
    cr_assert_eq(wc_add(db, WEBHOOK_ASSET_LIQUIDITY_LOW, "rb", 1, true), 0);
    webhook_copy_to_operator(false);
    cr_assert_eq(wc_add(db, WEBHOOK_ASSET_LIQUIDITY_LOW, "rb", 2, true), 0);
    cr_assert_eq(wc_add(db, WEBHOOK_ASSET_LIQUIDITY_LOW, "ro", 1, true), 0);
    webhooks_t *w = wc_worker(db, &inst, 5);
    wc_recv_wait(&inst, 6); /* ra 1, ra 2, rb 1 copies; rb 1, rb 2, ro 1 own */
    wc_wait_state(db, 4, WEBHOOK_STATE_DELIVERED);
    wc_wait_state(db, 1, WEBHOOK_STATE_FAILED);
    usleep(200 * 1000);
    webhooks_stop(w);
    cr_assert_eq(wc_recv_of(&ten, "ra", 1), 1);
    cr_assert_eq(wc_recv_of(&ten, "ra", 2), 1, "answered 500 once: WEBHOOK_MAX_RETRY 1");
    pthread_mutex_lock(&ten.mu);
    cr_assert_eq(ten.requests, 2, "only the tenant's own events");
    pthread_mutex_unlock(&ten.mu);
    cr_assert_eq(wc_recv_of(&inst, "ra", 1), 1, "the operator's copy");
    cr_assert_eq(wc_recv_of(&inst, "ra", 2), 1, "the copy is not held back by the failure");
    cr_assert_eq(wc_recv_of(&inst, "rb", 1), 2, "no URL: its own and the copy at the instance's");
    cr_assert_eq(wc_recv_of(&inst, "rb", 2), 1, "recorded without copies");
    cr_assert_eq(wc_recv_of(&inst, "ro", 1), 1, "the operator's own: no copy");
    c = dbc_conn(db, DB_CONN_READ);
    cr_assert_eq(dbc_count(c, "SELECT COUNT(*) FROM webhook_copies WHERE state = 1"), 3);
    cr_assert_eq(dbc_count(c, "SELECT COUNT(*) FROM webhook_copies"), 3);
    cr_assert_eq(dbc_count(c, "SELECT attempts FROM webhook_events WHERE state = 2"), 1);
    db_release(c);
    wc_recv_down(&inst);
    wc_recv_down(&ten);
    db_close(db);
}

#define WEBHOOK_CASES(suite, base_expr, skip_stmt)                                                 \
    Test(suite, event_add)                                                                         \
    {                                                                                              \
        skip_stmt;                                                                                 \
        wc_case_add(base_expr);                                                                    \
    }                                                                                              \
    Test(suite, deliver_signed_in_order)                                                           \
    {                                                                                              \
        skip_stmt;                                                                                 \
        wc_case_deliver(base_expr);                                                                \
    }                                                                                              \
    Test(suite, receiver_down_then_up)                                                             \
    {                                                                                              \
        skip_stmt;                                                                                 \
        wc_case_down_then_up(base_expr);                                                           \
    }                                                                                              \
    Test(suite, retries_stop_at_max)                                                               \
    {                                                                                              \
        skip_stmt;                                                                                 \
        wc_case_retries_stop(base_expr);                                                           \
    }                                                                                              \
    Test(suite, replicas_share_work)                                                               \
    {                                                                                              \
        skip_stmt;                                                                                 \
        wc_case_replicas(base_expr);                                                               \
    }                                                                                              \
    Test(suite, blocked_rows_swept)                                                                \
    {                                                                                              \
        skip_stmt;                                                                                 \
        wc_case_blocked_sweep(base_expr);                                                          \
    }                                                                                              \
    Test(suite, admin_list)                                                                        \
    {                                                                                              \
        skip_stmt;                                                                                 \
        wc_case_admin_list(base_expr);                                                             \
    }                                                                                              \
    Test(suite, tenants)                                                                           \
    {                                                                                              \
        skip_stmt;                                                                                 \
        wc_case_tenants(base_expr);                                                                \
    }

#endif
