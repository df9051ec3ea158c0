/*
 * The webhook delivery worker (contract in webhooks.h). One thread loops: claim a batch of due
 * events in a short transaction (leasing them), POST them all at once through its own HTTP
 * client, wait for every answer, record the outcomes in one transaction. The table holds all of
 * the state, so the thread keeps nothing across rounds and a restart loses nothing.
 */
#include "payments/webhooks.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "http/client.h"

/* A claimed event beyond its attempt's timeout is leased this much longer, so recording the
 * answer (one transaction) finishes before another worker may take the event again. */
#define LEASE_MARGIN_MS 30000
/* Back-off after a failed claim or record transaction (database unavailable). */
#define DB_ERROR_PAUSE_MS 1000
/* How often the worker unblocks events a race left blocked, and how far back it looks: the race
 * needs an adding transaction still open when its predecessor is finished, so a row it leaves
 * was created at most one transaction's length earlier. */
#define SWEEP_INTERVAL_MS 10000
#define SWEEP_HORIZON_MS  (10 * 60 * 1000)
/* Longest Rafiki-Signature value: "t=" 20 digits ", v1=" 64 hex digits. */
#define SIGNATURE_MAX 96
/* Room around "data" in the body: {"data":...,"id":"<36>","type":"<48>"}. */
#define BODY_OVERHEAD 128

typedef struct {
    webhooks_t *w;
    int64_t seq;
    unsigned attempts; /* including the one being made */
    char id[40];
    char request_id[LOG_REQUEST_ID_MAX + 1]; /* of the change it reports; "" = none */
    char *body; /* the POST body; NULL when the event is given up without an attempt */
    size_t body_len;
    /* the outcome, written on the client thread */
    http_client_result_t result;
    unsigned status;
} slot_t;

struct webhooks {
    db_t *db;
    webhooks_config_t cfg;
    char *url;
    uint8_t secret[WEBHOOK_SECRET_MAX];
    http_client_t *client;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop, woken;
    size_t in_flight;
    slot_t slots[WEBHOOK_BATCH_MAX];
    _Atomic uint64_t n_attempts, n_delivered, n_failed;
};

/* ---- claiming ---- */

static db_rc_t claim_rows(webhooks_t *w, db_conn_t *c, int64_t now, size_t *n, db_err_t *err)
{
    /* An event is due when its time has come and no earlier event of its resource is pending
     * (that one may itself be leased, backing off, or not yet due). Blocked events are skipped
     * by the index; the NOT EXISTS keeps the order even for a row unblocked too early. */
    db_stmt_t *st = db_prepare(
        c,
        "SELECT e.seq, e.id, e.type, e.attempts, e.data, e.request_id FROM webhook_events e "
        "WHERE e.state = 0 AND e.blocked = FALSE AND e.process_at <= ? AND NOT EXISTS (SELECT 1 "
        "FROM webhook_events p "
        "WHERE p.state = 0 AND p.resource_id = e.resource_id AND p.seq < e.seq) "
        "ORDER BY e.process_at LIMIT ?{{IF_POSTGRES}} FOR UPDATE OF e SKIP LOCKED{{END_IF}}",
        err);
    if (!st)
        return err->code;
    db_bind_i64(st, 1, now);
    db_bind_i64(st, 2, (int64_t)w->cfg.batch);
    db_rc_t rc;
    *n = 0;
    while ((rc = db_step(st, err)) == DB_ROW) {
        slot_t *s = &w->slots[(*n)++];
        memset(s, 0, sizeof *s);
        s->w = w;
        s->seq = db_col_i64(st, 0);
        snprintf(s->id, sizeof s->id, "%s", db_col_text(st, 1, NULL));
        s->attempts = (unsigned)db_col_i64(st, 3) + 1;
        if (!db_col_null(st, 5))
            snprintf(s->request_id, sizeof s->request_id, "%s", db_col_text(st, 5, NULL));
        if (s->attempts > w->cfg.max_retry)
            continue; /* the last attempt's answer was never recorded: give it up below */
        /* Keys in sorted order around data stored sorted: the body is canonical JSON. */
        size_t dlen;
        const char *data = db_col_text(st, 4, &dlen);
        size_t cap = dlen + BODY_OVERHEAD;
        s->body = xmalloc(cap);
        int len = snprintf(s->body, cap, "{\"data\":%s,\"id\":\"%s\",\"type\":\"%s\"}", data, s->id,
                           db_col_text(st, 2, NULL));
        ASSERT(len > 0 && (size_t)len < cap); /* id and type are bounded by the schema's writers */
        s->body_len = (size_t)len;
    }
    return rc == DB_DONE ? DB_OK : rc;
}

/* Leases the claimed rows: counts the attempt and moves process_at past its timeout. */
static db_rc_t lease_rows(webhooks_t *w, db_conn_t *c, int64_t now, size_t n, db_err_t *err)
{
    int64_t until = now + (int64_t)w->cfg.timeout_ms + LEASE_MARGIN_MS;
    for (size_t i = 0; i < n; i++) {
        db_stmt_t *st = db_prepare(c,
                                   "UPDATE webhook_events SET attempts = ?, process_at = ?, "
                                   "updated_at = ? WHERE seq = ?",
                                   err);
        if (!st)
            return err->code;
        db_bind_i64(st, 1, w->slots[i].attempts);
        db_bind_i64(st, 2, until);
        db_bind_i64(st, 3, now);
        db_bind_i64(st, 4, w->slots[i].seq);
        db_rc_t rc = db_run(st, err);
        if (rc != DB_OK)
            return rc;
    }
    return DB_OK;
}

static void slots_free(webhooks_t *w, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(w->slots[i].body);
        w->slots[i].body = NULL;
    }
}

/* Ends the pipeline that the statements behind rc ran in: its first failure, else rc. */
static db_rc_t pipelined(db_conn_t *c, db_rc_t rc, db_err_t *err)
{
    db_err_t end_err = {0};
    db_rc_t end = db_pipeline_end(c, &end_err);
    if (rc == DB_OK && end != DB_OK) {
        *err = end_err;
        return end;
    }
    return rc;
}

/* Claims up to cfg.batch due events into w->slots. Returns how many, or -1 on a database error
 * (logged). */
static long claim(webhooks_t *w)
{
    db_err_t err = {0};
    db_conn_t *c = db_acquire(w->db, DB_CONN_WRITE, &err);
    if (!c) {
        LOGW("webhooks: claim: %s", err.msg);
        return -1;
    }
    size_t n = 0;
    int64_t now = clock_wall_ms();
    db_rc_t rc = db_begin(c, DB_TX_WRITE, &err);
    if (rc == DB_OK)
        rc = claim_rows(w, c, now, &n, &err);
    if (rc == DB_OK)
        rc = db_pipeline_begin(c, &err);
    if (rc == DB_OK) /* one round trip for every lease (Postgres) */
        rc = pipelined(c, lease_rows(w, c, now, n, &err), &err);
    if (rc == DB_OK)
        rc = db_commit(c, &err);
    else
        db_rollback(c);
    db_release(c);
    if (rc == DB_OK)
        return (long)n;
    slots_free(w, n);
    if (rc != DB_RETRY)
        LOGW("webhooks: claim: %s", err.msg);
    return rc == DB_RETRY ? 0 : -1;
}

/* ---- sending ---- */

static void on_answer(const http_client_resp_t *resp, void *user)
{
    slot_t *s = user;
    webhooks_t *w = s->w;
    s->result = resp->result;
    s->status = resp->status;
    atomic_fetch_add(&w->n_attempts, 1);
    pthread_mutex_lock(&w->mu);
    if (--w->in_flight == 0)
        pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* POSTs one event; on a refused submit the slot records the failure at once. */
static void send_one(webhooks_t *w, slot_t *s)
{
    char sig[SIGNATURE_MAX];
    http_header_t h[3] = {{"Content-Type", "application/json"}};
    size_t nh = 1;
    if (w->cfg.secret_len > 0 && webhook_signature(sig, sizeof sig, w->secret, w->cfg.secret_len,
                                                   clock_wall_ms(), s->body, s->body_len) > 0)
        h[nh++] = (http_header_t){"Rafiki-Signature", sig};
    if (s->request_id[0]) /* the wallet can match the event to the call that caused it */
        h[nh++] = (http_header_t){"X-Request-Id", s->request_id};
    http_client_req_t req = {.method = "POST",
                             .url = w->url,
                             .headers = h,
                             .n_headers = nh,
                             .body = {(const uint8_t *)s->body, s->body_len},
                             .timeout_ms = w->cfg.timeout_ms,
                             .response_max = 64 * 1024};
    pthread_mutex_lock(&w->mu);
    w->in_flight++;
    pthread_mutex_unlock(&w->mu);
    int rc = http_client_submit(w->client, &req, on_answer, s);
    if (rc != 0) {
        http_client_resp_t r = {.result = (http_client_result_t)rc};
        on_answer(&r, s);
    }
}

/* Sends every slot that has a body and waits for all the answers. */
static void send_all(webhooks_t *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (w->slots[i].body)
            send_one(w, &w->slots[i]);
    pthread_mutex_lock(&w->mu);
    while (w->in_flight > 0)
        pthread_cond_wait(&w->cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
}

/* ---- recording ---- */

/* Only 200 delivers, as in Rafiki (its axios call accepts status === 200 alone): a wallet that
 * answers 204 would see the event again. */
static bool slot_ok(const slot_t *s)
{
    return s->body && s->result == HTTP_CLIENT_OK && s->status == 200;
}

/* The wait before the next attempt after `attempts` failed ones, Rafiki's schedule:
 * attempts * backoff_ms (10 s, 20 s, ...), at most backoff_max_ms (60 s). */
static int64_t backoff_ms(const webhooks_config_t *cfg, unsigned attempts)
{
    uint64_t d = (uint64_t)cfg->backoff_ms * (attempts ? attempts : 1);
    return (int64_t)(d < cfg->backoff_max_ms ? d : cfg->backoff_max_ms);
}

static void slot_error(const slot_t *s, char *out, size_t cap)
{
    if (!s->body)
        snprintf(out, cap, "no answer recorded for the last attempt (process stopped)");
    else if (s->result != HTTP_CLIENT_OK)
        snprintf(out, cap, "%s", http_client_result_str(s->result));
    else
        snprintf(out, cap, "HTTP status %u", s->status);
}

/* The event seq is finished (delivered or given up): unblock the next pending event of its
 * resource. */
static db_rc_t release_next(db_conn_t *c, int64_t seq, db_err_t *err)
{
    db_stmt_t *st = db_prepare(c,
                               "UPDATE webhook_events SET blocked = FALSE WHERE seq = (SELECT "
                               "MIN(n.seq) FROM webhook_events n WHERE n.state = 0 AND "
                               "n.resource_id = (SELECT o.resource_id FROM webhook_events o "
                               "WHERE o.seq = ?))",
                               err);
    if (!st)
        return err->code;
    db_bind_i64(st, 1, seq);
    return db_run(st, err);
}

static db_rc_t record_one(webhooks_t *w, db_conn_t *c, const slot_t *s, int64_t now, db_err_t *err)
{
    db_stmt_t *st = db_prepare(c,
                               "UPDATE webhook_events SET state = ?, process_at = ?, "
                               "last_status = ?, last_error = ?, updated_at = ? WHERE seq = ?",
                               err);
    if (!st)
        return err->code;
    webhook_state_t state = WEBHOOK_STATE_DELIVERED;
    int64_t next = now;
    char why[96];
    if (!slot_ok(s)) {
        state = s->attempts >= w->cfg.max_retry ? WEBHOOK_STATE_FAILED : WEBHOOK_STATE_PENDING;
        next = now + backoff_ms(&w->cfg, s->attempts);
        slot_error(s, why, sizeof why);
    }
    db_bind_i64(st, 1, state);
    db_bind_i64(st, 2, next);
    db_bind_i64(st, 3, s->status);
    db_bind_str(st, 4, state == WEBHOOK_STATE_DELIVERED ? NULL : why);
    db_bind_i64(st, 5, now);
    db_bind_i64(st, 6, s->seq);
    db_rc_t rc = db_run(st, err);
    return rc == DB_OK && state != WEBHOOK_STATE_PENDING ? release_next(c, s->seq, err) : rc;
}

/* Writes every outcome in one transaction, retrying while the database is busy; stops trying
 * only when the worker is stopping (the leases then expire and the events are sent again). */
static void record(webhooks_t *w, size_t n)
{
    for (;;) {
        db_err_t err = {0};
        db_conn_t *c = db_acquire(w->db, DB_CONN_WRITE, &err);
        db_rc_t rc = c ? db_begin(c, DB_TX_WRITE, &err) : err.code;
        int64_t now = clock_wall_ms();
        if (rc == DB_OK && (rc = db_pipeline_begin(c, &err)) == DB_OK) {
            for (size_t i = 0; rc == DB_OK && i < n; i++)
                rc = record_one(w, c, &w->slots[i], now, &err);
            rc = pipelined(c, rc, &err);
        }
        if (rc == DB_OK)
            rc = db_commit(c, &err);
        else if (c)
            db_rollback(c);
        if (c)
            db_release(c);
        if (rc == DB_OK)
            break;
        LOGW("webhooks: recording %zu outcomes: %s", n, err.msg);
        pthread_mutex_lock(&w->mu);
        bool stop = w->stop;
        pthread_mutex_unlock(&w->mu);
        if (stop)
            return;
        struct timespec ts = {0, 100 * 1000000L}; /* a short pause: the answers are waiting */
        nanosleep(&ts, NULL);
    }
    for (size_t i = 0; i < n; i++) {
        const slot_t *s = &w->slots[i];
        if (slot_ok(s))
            atomic_fetch_add(&w->n_delivered, 1);
        else if (s->attempts >= w->cfg.max_retry) {
            atomic_fetch_add(&w->n_failed, 1);
            log_request_id_set(s->request_id);
            LOGW("webhooks: event %s given up after %u attempts", s->id, s->attempts);
            log_request_id_set(NULL);
        }
    }
}

/* ---- the thread ---- */

/* Waits up to ms for a wake-up or stop. Returns true when stopping. */
static bool idle(webhooks_t *w, uint32_t ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&w->mu);
    while (!w->stop && !w->woken)
        if (pthread_cond_timedwait(&w->cv, &w->mu, &until) != 0)
            break;
    w->woken = false;
    bool stop = w->stop;
    pthread_mutex_unlock(&w->mu);
    return stop;
}

/* Unblocks pending events created since since_ms that have no earlier pending event of their
 * resource: the ones a race left blocked (see sql/033_webhook_order.sql). */
static void sweep_blocked(webhooks_t *w, int64_t since_ms)
{
    db_err_t err = {0};
    db_conn_t *c = db_acquire(w->db, DB_CONN_WRITE, &err);
    db_stmt_t *st = c ? db_prepare(c,
                                   "UPDATE webhook_events SET blocked = FALSE WHERE state = 0 AND "
                                   "blocked = TRUE AND created_at >= ? AND NOT EXISTS (SELECT 1 "
                                   "FROM webhook_events p WHERE p.state = 0 AND p.resource_id = "
                                   "webhook_events.resource_id AND p.seq < webhook_events.seq)",
                                   &err)
                      : NULL;
    if (st) {
        db_bind_i64(st, 1, since_ms);
        if (db_run(st, &err) == DB_OK && db_changes(st) > 0)
            LOGI("webhooks: %lld events unblocked by the sweep", (long long)db_changes(st));
    }
    if (err.code != DB_OK)
        LOGW("webhooks: sweep: %s", err.msg);
    if (c)
        db_release(c);
}

static void *worker_main(void *arg)
{
    webhooks_t *w = arg;
    sweep_blocked(w, INT64_MIN); /* everything once: a previous process may have left some */
    uint64_t swept_ms = clock_mono_ms();
    for (;;) {
        pthread_mutex_lock(&w->mu);
        bool stop = w->stop;
        pthread_mutex_unlock(&w->mu);
        if (stop)
            break;
        if (clock_mono_ms() - swept_ms >= SWEEP_INTERVAL_MS) {
            sweep_blocked(w, clock_wall_ms() - SWEEP_HORIZON_MS);
            swept_ms = clock_mono_ms();
        }
        long n = claim(w);
        if (n <= 0) {
            if (idle(w, n < 0 ? DB_ERROR_PAUSE_MS : w->cfg.poll_ms))
                break;
            continue;
        }
        send_all(w, (size_t)n);
        record(w, (size_t)n);
        slots_free(w, (size_t)n);
    }
    return NULL;
}

static bool config_fill(webhooks_config_t *c)
{
    if (!c->url || !*c->url || c->secret_len > WEBHOOK_SECRET_MAX || c->batch > WEBHOOK_BATCH_MAX) {
        LOGE("webhooks: bad configuration (URL missing, secret over %d bytes or batch over %d)",
             WEBHOOK_SECRET_MAX, WEBHOOK_BATCH_MAX);
        return false;
    }
    if (!c->timeout_ms)
        c->timeout_ms = WEBHOOK_TIMEOUT_MS_DEFAULT;
    if (!c->max_retry)
        c->max_retry = WEBHOOK_MAX_RETRY_DEFAULT;
    if (!c->backoff_ms)
        c->backoff_ms = WEBHOOK_BACKOFF_MS_DEFAULT;
    if (!c->backoff_max_ms)
        c->backoff_max_ms = WEBHOOK_BACKOFF_MAX_MS;
    if (!c->poll_ms)
        c->poll_ms = WEBHOOK_POLL_MS_DEFAULT;
    if (!c->batch)
        c->batch = WEBHOOK_BATCH_MAX;
    return true;
}

webhooks_t *webhooks_start(db_t *db, const webhooks_config_t *cfg)
{
    webhooks_config_t c = *cfg;
    if (!config_fill(&c))
        return NULL;
    webhooks_t *w = xcalloc(1, sizeof *w);
    w->db = db;
    w->cfg = c;
    w->cfg.secret = NULL;
    w->cfg.url = NULL;
    if (c.secret_len)
        memcpy(w->secret, c.secret, c.secret_len);
    http_client_config_t hc = {.timeout_ms_default = c.timeout_ms,
                               .queue_max = 4 * WEBHOOK_BATCH_MAX};
    w->url = xstrdup(c.url);
    w->client = http_client_new(&hc);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (!w->client || pthread_create(&w->thread, NULL, worker_main, w) != 0) {
        LOGE("webhooks: cannot start the worker");
        http_client_free(w->client);
        free(w->url);
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        free(w);
        return NULL;
    }
    return w;
}

void webhooks_wake(webhooks_t *w)
{
    pthread_mutex_lock(&w->mu);
    w->woken = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void webhooks_stats(webhooks_t *w, webhooks_stats_t *out)
{
    out->attempts = atomic_load(&w->n_attempts);
    out->delivered = atomic_load(&w->n_delivered);
    out->failed = atomic_load(&w->n_failed);
}

void webhooks_stop(webhooks_t *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    http_client_free(w->client);
    free(w->url);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    explicit_bzero(w->secret, sizeof w->secret);
    free(w);
}
