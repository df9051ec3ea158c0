/*
 * Liquidity thresholds and their monitor (see liquidity.h): thresholds in
 * liquidity_thresholds, balances from the ledger, crossings recorded as webhook events.
 */
#include "payments/liquidity.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "payments/webhooks.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"

/* Thresholds read per query while checking; a round pages through all of them. */
#define PAGE 256

#define COLUMNS "owner_id, kind, account_id, asset_id, asset_code, asset_scale, threshold, low"

static void id_col(db_stmt_t *st, int col, ledger_id_t *out)
{
    size_t n;
    const char *s = db_col_text(st, col, &n);
    if (ledger_id_parse(s, n, out) != 0)
        memset(out, 0, sizeof *out); /* only this module writes the column */
}

static void row_read(db_stmt_t *st, liquidity_threshold_t *t)
{
    id_col(st, 0, &t->owner_id);
    t->kind = (liquidity_kind_t)db_col_i64(st, 1);
    id_col(st, 2, &t->account_id);
    id_col(st, 3, &t->asset_id);
    snprintf(t->asset_code, sizeof t->asset_code, "%s", db_col_text(st, 4, NULL));
    t->asset_scale = (uint8_t)db_col_i64(st, 5);
    t->threshold = db_col_u64(st, 6);
    t->low = db_col_bool(st, 7);
}

static void bind_id(db_stmt_t *st, int idx, ledger_id_t id)
{
    char s[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(id, s);
    db_bind_str(st, idx, s);
}

/* Runs one statement in autocommit on the writer; *changes (may be NULL) receives its row count. */
static db_rc_t write_one(db_t *db, const char *sql, const liquidity_threshold_t *t,
                         ledger_id_t owner, int64_t *changes, db_err_t *err)
{
    db_conn_t *c = db_acquire(db, DB_CONN_WRITE, err);
    if (!c)
        return err->code;
    db_stmt_t *st = db_prepare(c, sql, err);
    db_rc_t rc = st ? DB_OK : err->code;
    if (st && t) {
        bind_id(st, 1, t->owner_id);
        db_bind_i64(st, 2, t->kind);
        bind_id(st, 3, t->account_id);
        bind_id(st, 4, t->asset_id);
        db_bind_str(st, 5, t->asset_code);
        db_bind_i64(st, 6, t->asset_scale);
        db_bind_u64(st, 7, t->threshold);
        db_bind_i64(st, 8, clock_wall_ms());
    } else if (st) {
        bind_id(st, 1, owner);
    }
    if (st)
        rc = db_run(st, err);
    if (rc == DB_OK && changes)
        *changes = db_changes(st);
    db_release(c);
    return rc;
}

db_rc_t liquidity_threshold_set(db_t *db, const liquidity_threshold_t *t, db_err_t *err)
{
    return write_one(db,
                     "INSERT INTO liquidity_thresholds (owner_id, kind, account_id, asset_id, "
                     "asset_code, asset_scale, threshold, low, updated_at) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, FALSE, ?) ON CONFLICT (owner_id) DO UPDATE "
                     "SET kind = excluded.kind, account_id = excluded.account_id, "
                     "asset_id = excluded.asset_id, asset_code = excluded.asset_code, "
                     "asset_scale = excluded.asset_scale, threshold = excluded.threshold, "
                     "low = FALSE, updated_at = excluded.updated_at",
                     t, t->owner_id, NULL, err);
}

db_rc_t liquidity_threshold_clear(db_t *db, ledger_id_t owner, db_err_t *err)
{
    return write_one(db, "DELETE FROM liquidity_thresholds WHERE owner_id = ?", NULL, owner, NULL,
                     err);
}

db_rc_t liquidity_threshold_get(db_t *db, ledger_id_t owner, liquidity_threshold_t *out,
                                db_err_t *err)
{
    db_conn_t *c = db_acquire(db, DB_CONN_READ, err);
    if (!c)
        return err->code;
    db_stmt_t *st =
        db_prepare(c, "SELECT " COLUMNS " FROM liquidity_thresholds WHERE owner_id = ?", err);
    db_rc_t rc = st ? DB_OK : err->code;
    if (st) {
        bind_id(st, 1, owner);
        rc = db_step_one(st, err);
    }
    if (rc == DB_ROW) {
        row_read(st, out);
        rc = DB_OK;
    }
    db_release(c);
    return rc;
}

/* ---- checking ---- */

static json_t *event_data(const liquidity_threshold_t *t, int64_t balance)
{
    char owner[LEDGER_ID_STR_LEN + 1], asset[LEDGER_ID_STR_LEN + 1], th[24], bal[24];
    ledger_id_format(t->owner_id, owner);
    ledger_id_format(t->asset_id, asset);
    snprintf(th, sizeof th, "%llu", (unsigned long long)t->threshold);
    snprintf(bal, sizeof bal, "%lld", (long long)balance);
    return json_pack("{s:s,s:{s:s,s:s,s:i},s:s,s:s}", "id", owner, "asset", "id", asset, "code",
                     t->asset_code, "scale", (int)t->asset_scale, "liquidityThreshold", th,
                     "balance", bal);
}

/* Marks t low and records its event in one transaction; *events counts it when this call
 * recorded it (not when another replica, or a changed threshold, got there first). */
static db_rc_t record_low(db_t *db, const liquidity_threshold_t *t, int64_t balance, size_t *events,
                          db_err_t *err)
{
    db_conn_t *c = db_acquire(db, DB_CONN_WRITE, err);
    if (!c)
        return err->code;
    char owner[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(t->owner_id, owner);
    json_t *data = event_data(t, balance);
    db_rc_t rc = db_begin(c, DB_TX_WRITE, err);
    db_stmt_t *st = rc == DB_OK ? db_prepare(c,
                                             "UPDATE liquidity_thresholds SET low = TRUE, "
                                             "updated_at = ? WHERE owner_id = ? AND low = FALSE "
                                             "AND threshold = ?",
                                             err)
                                : NULL;
    int64_t won = 0;
    if (st) {
        db_bind_i64(st, 1, clock_wall_ms());
        db_bind_str(st, 2, owner);
        db_bind_u64(st, 3, t->threshold);
        rc = db_run(st, err);
        won = rc == DB_OK ? db_changes(st) : 0;
    } else if (rc == DB_OK) {
        rc = err->code;
    }
    const char *type =
        t->kind == LIQUIDITY_PEER ? WEBHOOK_PEER_LIQUIDITY_LOW : WEBHOOK_ASSET_LIQUIDITY_LOW;
    if (rc == DB_OK && won == 1)
        rc = webhook_event_add(c, type, owner, data, err);
    if (rc == DB_OK)
        rc = db_commit(c, err);
    else
        db_rollback(c);
    db_release(c);
    json_decref(data);
    if (rc == DB_OK && won == 1)
        (*events)++;
    return rc;
}

static db_rc_t rearm(db_t *db, const liquidity_threshold_t *t, db_err_t *err)
{
    return write_one(
        db, "UPDATE liquidity_thresholds SET low = FALSE WHERE owner_id = ? AND low = TRUE", NULL,
        t->owner_id, NULL, err);
}

/* Reads up to PAGE thresholds with owner ids after `after` (text; "" from the start). */
static db_rc_t page_read(db_t *db, const char *after, liquidity_threshold_t *out, size_t *n,
                         db_err_t *err)
{
    *n = 0;
    db_conn_t *c = db_acquire(db, DB_CONN_READ, err);
    if (!c)
        return err->code;
    db_stmt_t *st = db_prepare(c,
                               "SELECT " COLUMNS " FROM liquidity_thresholds WHERE owner_id > ? "
                               "ORDER BY owner_id LIMIT ?",
                               err);
    db_rc_t rc = st ? DB_OK : err->code;
    if (st) {
        db_bind_str(st, 1, after);
        db_bind_i64(st, 2, PAGE);
        while ((rc = db_step(st, err)) == DB_ROW)
            row_read(st, &out[(*n)++]);
        if (rc == DB_DONE)
            rc = DB_OK;
    }
    db_release(c);
    return rc;
}

/* Checks one threshold; *events counts the event it recorded, if any. */
static db_rc_t check_one(db_t *db, ledger_t *ledger, const liquidity_threshold_t *t, size_t *events,
                         db_err_t *err)
{
    ledger_status_t s;
    if (ledger_account_status(ledger, t->account_id, &s) != LEDGER_OK)
        return DB_OK; /* the account is gone or the ledger is closing: nothing to say */
    bool below = s.balance < 0 || (uint64_t)s.balance < t->threshold;
    if (below && !t->low)
        return record_low(db, t, s.balance, events, err);
    if (!below && t->low)
        return rearm(db, t, err);
    return DB_OK;
}

db_rc_t liquidity_check(db_t *db, ledger_t *ledger, size_t *events, db_err_t *err)
{
    liquidity_threshold_t *page = xmalloc(PAGE * sizeof *page);
    char after[LEDGER_ID_STR_LEN + 1] = "";
    *events = 0;
    size_t n = 0;
    db_rc_t rc;
    while ((rc = page_read(db, after, page, &n, err)) == DB_OK && n > 0) {
        for (size_t i = 0; i < n && rc == DB_OK; i++)
            rc = check_one(db, ledger, &page[i], events, err);
        ledger_id_format(page[n - 1].owner_id, after);
        if (rc != DB_OK || n < PAGE)
            break;
    }
    free(page);
    return rc;
}

/* ---- the monitor thread ---- */

struct liquidity_monitor {
    db_t *db;
    ledger_t *ledger;
    uint32_t interval_ms;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
};

static void *monitor_main(void *arg)
{
    liquidity_monitor_t *m = arg;
    pthread_mutex_lock(&m->mu);
    while (!m->stop) {
        pthread_mutex_unlock(&m->mu);
        db_err_t err = {0};
        size_t events;
        if (liquidity_check(m->db, m->ledger, &events, &err) != DB_OK)
            LOGW("liquidity: check failed: %s", err.msg);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        uint64_t ns = (uint64_t)until.tv_nsec + (uint64_t)m->interval_ms * 1000000u;
        until.tv_sec += (time_t)(ns / 1000000000u);
        until.tv_nsec = (long)(ns % 1000000000u);
        pthread_mutex_lock(&m->mu);
        while (!m->stop && pthread_cond_timedwait(&m->cv, &m->mu, &until) == 0)
            ;
    }
    pthread_mutex_unlock(&m->mu);
    return NULL;
}

liquidity_monitor_t *liquidity_monitor_start(db_t *db, ledger_t *ledger, uint32_t interval_ms)
{
    liquidity_monitor_t *m = xcalloc(1, sizeof *m);
    *m = (liquidity_monitor_t){.db = db, .ledger = ledger, .interval_ms = interval_ms};
    pthread_mutex_init(&m->mu, NULL);
    pthread_cond_init(&m->cv, NULL);
    if (pthread_create(&m->thread, NULL, monitor_main, m) != 0) {
        pthread_mutex_destroy(&m->mu);
        pthread_cond_destroy(&m->cv);
        free(m);
        return NULL;
    }
    return m;
}

void liquidity_monitor_stop(liquidity_monitor_t *m)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->mu);
    m->stop = true;
    pthread_cond_broadcast(&m->cv);
    pthread_mutex_unlock(&m->mu);
    pthread_join(m->thread, NULL);
    pthread_mutex_destroy(&m->mu);
    pthread_cond_destroy(&m->cv);
    free(m);
}
