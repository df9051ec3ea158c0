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
#include "payments/webhooks_settings.h"

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

/* How long a delivery whose recipient has no URL (neither its own nor the instance's) is set
 * aside before it is looked at again; it is not attempted meanwhile. */
#define PARK_MS 30000

/* The two tables of deliveries: an event's own row (to its resource's owner) and the further
 * recipients' copies (sql/071_webhook_copies.sql). Their bookkeeping columns are the same. */
enum { EVENTS = 0, COPIES = 1 };
#define PER_TABLE(SQL)                                                                             \
    {                                                                                              \
        SQL("webhook_events"), SQL("webhook_copies")                                               \
    }

typedef struct {
    webhooks_t *w;
    int64_t seq;
    bool copy;           /* a row of webhook_copies, else of webhook_events */
    bool parked;         /* no URL: set aside, not attempted, attempts unchanged */
    webhook_target_t to; /* its recipient's; url valid for this round (webhooks_settings.h) */
    unsigned attempts;   /* including the one being made */
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
    webhook_settings_t *settings;
    uint8_t secret[WEBHOOK_SECRET_MAX];
    http_client_t *client;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop, woken;
    bool copies_first; /* which table's due rows a round claims first, turn about */
    size_t in_flight;
    slot_t slots[WEBHOOK_BATCH_MAX];
    _Atomic uint64_t n_attempts, n_delivered, n_failed;
};

/* ---- claiming ---- */

/* An event's own delivery goes to the tenant owning its resource (column 6: NULL for the
 * operator); a copy to its recorded recipient. A row is due when its time has come and no
 * earlier row of its resource in the same table is pending (that one may itself be leased,
 * backing off, or not yet due). Blocked rows are skipped by the index; the NOT EXISTS keeps the
 * order even for a row unblocked too early. */
#define CLAIM_EVENTS_SQL                                                                           \
    "SELECT e.seq, e.id, e.type, e.attempts, e.data, e.request_id, r.tenant_id FROM "              \
    "webhook_events e LEFT JOIN tenant_resources r ON " WEBHOOK_OWNER_JOIN_E                       \
    " WHERE e.state = 0 AND e.blocked = FALSE AND e.process_at <= ? AND NOT EXISTS (SELECT 1 "     \
    "FROM webhook_events p WHERE p.state = 0 AND p.resource_id = e.resource_id AND p.seq < "       \
    "e.seq) ORDER BY e.process_at LIMIT ?{{IF_POSTGRES}} FOR UPDATE OF e SKIP LOCKED{{END_IF}}"
#define CLAIM_COPIES_SQL                                                                           \
    "SELECT c.seq, e.id, e.type, c.attempts, e.data, e.request_id, c.recipient_tenant_id FROM "    \
    "webhook_copies c JOIN webhook_events e ON e.seq = c.event_seq WHERE c.state = 0 AND "         \
    "c.blocked = FALSE AND c.process_at <= ? AND NOT EXISTS (SELECT 1 FROM webhook_copies p "      \
    "WHERE p.state = 0 AND p.resource_id = c.resource_id AND p.seq < c.seq) ORDER BY "             \
    "c.process_at LIMIT ?{{IF_POSTGRES}} FOR UPDATE OF c SKIP LOCKED{{END_IF}}"
static const char *const CLAIM_SQL[2] = {CLAIM_EVENTS_SQL, CLAIM_COPIES_SQL};

/* One claimed row into s: its recipient's target (read on c), and the body unless it is parked
 * or given up. */
static db_rc_t slot_fill(webhooks_t *w, slot_t *s, db_conn_t *c, db_stmt_t *st, int table,
                         db_err_t *err)
{
    memset(s, 0, sizeof *s);
    s->w = w;
    s->copy = table == COPIES;
    s->seq = db_col_i64(st, 0);
    snprintf(s->id, sizeof s->id, "%s", db_col_text(st, 1, NULL));
    s->attempts = (unsigned)db_col_i64(st, 3) + 1;
    if (!db_col_null(st, 5))
        snprintf(s->request_id, sizeof s->request_id, "%s", db_col_text(st, 5, NULL));
    db_rc_t rc = webhook_settings_target(
        w->settings, c, db_col_null(st, 6) ? NULL : db_col_text(st, 6, NULL), &s->to, err);
    if (rc != DB_OK)
        return rc;
    if (s->attempts > s->to.max_retry)
        return DB_OK; /* the last attempt's answer was never recorded (or none is allowed) */
    if (!s->to.url) {
        s->parked = true;
        return DB_OK;
    }
    /* Keys in sorted order around data stored sorted: the body is canonical JSON. */
    size_t dlen;
    const char *data = db_col_text(st, 4, &dlen);
    size_t cap = dlen + BODY_OVERHEAD;
    s->body = xmalloc(cap);
    int len = snprintf(s->body, cap, "{\"data\":%s,\"id\":\"%s\",\"type\":\"%s\"}", data, s->id,
                       db_col_text(st, 2, NULL));
    ASSERT(len > 0 && (size_t)len < cap); /* id and type are bounded by the schema's writers */
    s->body_len = (size_t)len;
    return DB_OK;
}

/* Claims up to limit due rows of table into w->slots from *n on. */
static db_rc_t claim_rows(webhooks_t *w, db_conn_t *c, int table, int64_t now, size_t limit,
                          size_t *n, db_err_t *err)
{
    if (limit == 0)
        return DB_OK;
    db_stmt_t *st = db_prepare(c, CLAIM_SQL[table], err);
    if (!st)
        return err->code;
    db_bind_i64(st, 1, now);
    db_bind_i64(st, 2, (int64_t)limit);
    db_rc_t rc;
    while ((rc = db_step(st, err)) == DB_ROW)
        if ((rc = slot_fill(w, &w->slots[(*n)++], c, st, table, err)) != DB_OK)
            break;
    return rc == DB_DONE ? DB_OK : rc;
}

#define LEASE_SQL(T) "UPDATE " T " SET attempts = ?, process_at = ?, updated_at = ? WHERE seq = ?"
static const char *const LEASE[2] = PER_TABLE(LEASE_SQL);

/* Leases the claimed rows: counts the attempt and moves process_at past its timeout; a parked
 * row is only moved PARK_MS on; a row given up is left to record(). */
static db_rc_t lease_rows(webhooks_t *w, db_conn_t *c, int64_t now, size_t n, db_err_t *err)
{
    for (size_t i = 0; i < n; i++) {
        const slot_t *s = &w->slots[i];
        db_stmt_t *st = db_prepare(c, LEASE[s->copy], err);
        if (!st)
            return err->code;
        db_bind_i64(st, 1, s->body ? s->attempts : s->attempts - 1); /* only sends count */
        db_bind_i64(st, 2,
                    now + (s->parked ? PARK_MS : (int64_t)s->to.timeout_ms + LEASE_MARGIN_MS));
        db_bind_i64(st, 3, now);
        db_bind_i64(st, 4, s->seq);
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
    /* half the batch from each table first, turn about, the rest from the other: neither the
     * events nor the copies can starve the other */
    int first = w->copies_first ? COPIES : EVENTS;
    webhook_settings_batch(w->settings);
    w->copies_first = !w->copies_first;
    if (rc == DB_OK)
        rc = claim_rows(w, c, first, now, (w->cfg.batch + 1) / 2, &n, &err);
    if (rc == DB_OK)
        rc = claim_rows(w, c, 1 - first, now, w->cfg.batch - n, &n, &err);
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
                             .url = s->to.url,
                             .headers = h,
                             .n_headers = nh,
                             .body = {(const uint8_t *)s->body, s->body_len},
                             .timeout_ms = s->to.timeout_ms,
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
    if (!s->body && s->to.max_retry == 0)
        snprintf(out, cap, "WEBHOOK_MAX_RETRY is 0: no attempt is made");
    else if (!s->body) /* a process stopped before recording it, or the setting was lowered */
        snprintf(out, cap, "no attempt left (WEBHOOK_MAX_RETRY %u)", s->to.max_retry);
    else if (s->result != HTTP_CLIENT_OK)
        snprintf(out, cap, "%s", http_client_result_str(s->result));
    else
        snprintf(out, cap, "HTTP status %u", s->status);
}

#define RELEASE_SQL(T)                                                                             \
    "UPDATE " T " SET blocked = FALSE WHERE seq = (SELECT MIN(n.seq) FROM " T " n WHERE n.state "  \
    "= 0 AND n.resource_id = (SELECT o.resource_id FROM " T " o WHERE o.seq = ?))"
static const char *const RELEASE[2] = PER_TABLE(RELEASE_SQL);

#define RECORD_SQL(T)                                                                              \
    "UPDATE " T " SET state = ?, process_at = ?, last_status = ?, last_error = ?, updated_at = ? " \
    "WHERE seq = ?"
static const char *const RECORD[2] = PER_TABLE(RECORD_SQL);

/* The row seq of table copy is finished (delivered or given up): unblock the next pending row
 * of its resource in that table. */
static db_rc_t release_next(db_conn_t *c, bool copy, int64_t seq, db_err_t *err)
{
    db_stmt_t *st = db_prepare(c, RELEASE[copy], err);
    if (!st)
        return err->code;
    db_bind_i64(st, 1, seq);
    return db_run(st, err);
}

static db_rc_t record_one(webhooks_t *w, db_conn_t *c, const slot_t *s, int64_t now, db_err_t *err)
{
    if (s->parked) /* its lease already set it aside */
        return DB_OK;
    db_stmt_t *st = db_prepare(c, RECORD[s->copy], err);
    if (!st)
        return err->code;
    webhook_state_t state = WEBHOOK_STATE_DELIVERED;
    int64_t next = now;
    char why[96];
    if (!slot_ok(s)) {
        state = s->attempts >= s->to.max_retry ? WEBHOOK_STATE_FAILED : WEBHOOK_STATE_PENDING;
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
    return rc == DB_OK && state != WEBHOOK_STATE_PENDING ? release_next(c, s->copy, s->seq, err)
                                                         : rc;
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
        if (s->parked)
            continue;
        if (slot_ok(s))
            atomic_fetch_add(&w->n_delivered, 1);
        else if (s->attempts >= s->to.max_retry) {
            atomic_fetch_add(&w->n_failed, 1);
            log_request_id_set(s->request_id);
            LOGW("webhooks: event %s%s given up after %u attempts", s->id,
                 s->copy ? " (a copy)" : "", s->body ? s->attempts : s->attempts - 1);
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

#define SWEEP_SQL(T)                                                                               \
    "UPDATE " T " SET blocked = FALSE WHERE state = 0 AND blocked = TRUE AND created_at >= ? AND " \
    "NOT EXISTS (SELECT 1 FROM " T " p WHERE p.state = 0 AND p.resource_id = " T ".resource_id "   \
    "AND p.seq < " T ".seq)"
static const char *const SWEEP[2] = PER_TABLE(SWEEP_SQL);

/* Unblocks pending rows (events, copies) created since since_ms that have no earlier pending
 * row of their resource: the ones a race left blocked (see sql/033_webhook_order.sql). */
static void sweep_blocked(webhooks_t *w, int64_t since_ms)
{
    db_err_t err = {0};
    db_conn_t *c = db_acquire(w->db, DB_CONN_WRITE, &err);
    for (int t = EVENTS; c && t <= COPIES; t++) {
        db_stmt_t *st = db_prepare(c, SWEEP[t], &err);
        if (!st)
            break;
        db_bind_i64(st, 1, since_ms);
        if (db_run(st, &err) != DB_OK)
            break;
        if (db_changes(st) > 0)
            LOGI("webhooks: %lld %s unblocked by the sweep", (long long)db_changes(st),
                 t == COPIES ? "copies" : "events");
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
        /* nobody to send to (no URL, the instance's nor a tenant's): look again at the next
         * poll, without touching the events */
        long n = webhook_settings_idle(w->settings, w->db) ? 0 : claim(w);
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
    if (c->secret_len > WEBHOOK_SECRET_MAX || c->batch > WEBHOOK_BATCH_MAX) {
        LOGE("webhooks: bad configuration (secret over %d bytes or batch over %d)",
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
    w->settings = webhook_settings_new(c.url, c.timeout_ms, c.max_retry, c.settings_ttl_ms);
    w->client = http_client_new(&hc);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (!w->client || pthread_create(&w->thread, NULL, worker_main, w) != 0) {
        LOGE("webhooks: cannot start the worker");
        http_client_free(w->client);
        webhook_settings_free(w->settings);
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
    webhook_settings_free(w->settings);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    explicit_bzero(w->secret, sizeof w->secret);
    free(w);
}
