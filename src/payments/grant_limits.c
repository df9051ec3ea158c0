/*
 * Grant spending limits (see grant_limits.h): the spent sums per grant and interval in
 * grant_spends (sql/031_grant_limits.sql), read under a row lock, checked in C, written back.
 */
#include "payments/grant_limits.h"

#include <stdio.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"

/* Own-transaction forms rerun a transaction that lost a race at most this often; each try
 * already waited for the lock (SQLite busy timeout), so more means the database is stuck. */
#define GRANT_TX_TRIES 10

static const char *const NAMES[GRANT_LIMITS_RESULT_COUNT] = {
    [GRANT_LIMITS_OK] = "ok",
    [GRANT_LIMITS_DEBIT_EXCEEDED] = "debit_exceeded",
    [GRANT_LIMITS_RECEIVE_EXCEEDED] = "receive_exceeded",
    [GRANT_LIMITS_NOT_STARTED] = "interval_not_started",
    [GRANT_LIMITS_ENDED] = "interval_ended",
    [GRANT_LIMITS_INVALID] = "invalid_grant",
    [GRANT_LIMITS_RETRY] = "retry",
    [GRANT_LIMITS_STORAGE] = "storage_error",
};

const char *grant_limits_result_str(grant_limits_result_t r)
{
    return (unsigned)r < GRANT_LIMITS_RESULT_COUNT ? NAMES[r] : "unknown";
}

static grant_limits_result_t from_db(db_rc_t rc)
{
    return rc == DB_RETRY ? GRANT_LIMITS_RETRY : GRANT_LIMITS_STORAGE;
}

static bool grant_id_ok(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    return n > 0 && n <= GRANT_ID_MAX;
}

/* The interval of lim containing now_ms, or the whole grant without one. */
static grant_limits_result_t current(const grant_limits_t *lim, int64_t now_ms, grant_spend_t *s)
{
    memset(s, 0, sizeof *s);
    if (!lim->has_interval) {
        s->interval_start_ms = GRANT_NO_INTERVAL;
        s->interval_end_ms = INT64_MAX;
        return GRANT_LIMITS_OK;
    }
    switch (iso_interval_at(&lim->interval, now_ms, &s->interval_start_ms, &s->interval_end_ms)) {
    case ISO_INTERVAL_OK:
        return GRANT_LIMITS_OK;
    case ISO_INTERVAL_BEFORE_START:
        return GRANT_LIMITS_NOT_STARTED;
    default:
        return GRANT_LIMITS_ENDED;
    }
}

/* Reads the sums of (grant, start), locking the row when lock is set. DB_NOT_FOUND when there is
 * none. */
static db_rc_t row_read(db_conn_t *c, const char *grant_id, int64_t start, bool lock,
                        grant_spend_t *s, db_err_t *err)
{
    db_stmt_t *st = db_prepare(c,
                               lock ? "SELECT debit_spent, receive_spent FROM grant_spends "
                                      "WHERE grant_id = ? AND interval_start = ?{{FOR_UPDATE}}"
                                    : "SELECT debit_spent, receive_spent FROM grant_spends "
                                      "WHERE grant_id = ? AND interval_start = ?",
                               err);
    if (!st)
        return err->code;
    db_bind_str(st, 1, grant_id);
    db_bind_i64(st, 2, start);
    db_rc_t rc = db_step_one(st, err);
    if (rc != DB_ROW)
        return rc;
    s->debit_spent = db_col_u64(st, 0);
    s->receive_spent = db_col_u64(st, 1);
    return DB_OK;
}

/* Creates the row of (grant, start) unless it exists, then reads it locked. On Postgres a
 * concurrent creator's insert makes this one wait for its commit, then do nothing. */
static db_rc_t row_lock(db_conn_t *c, const char *grant_id, int64_t start, int64_t now_ms,
                        grant_spend_t *s, db_err_t *err)
{
    db_stmt_t *st = db_prepare(c,
                               "INSERT INTO grant_spends (grant_id, interval_start, debit_spent, "
                               "receive_spent, updated_at) VALUES (?, ?, 0, 0, ?) "
                               "ON CONFLICT (grant_id, interval_start) DO NOTHING",
                               err);
    if (!st)
        return err->code;
    db_bind_str(st, 1, grant_id);
    db_bind_i64(st, 2, start);
    db_bind_i64(st, 3, now_ms);
    db_rc_t rc = db_run(st, err);
    return rc == DB_OK ? row_read(c, grant_id, start, true, s, err) : rc;
}

static db_rc_t row_write(db_conn_t *c, const char *grant_id, const grant_spend_t *s, int64_t now_ms,
                         db_err_t *err)
{
    db_stmt_t *st = db_prepare(c,
                               "UPDATE grant_spends SET debit_spent = ?, receive_spent = ?, "
                               "updated_at = ? WHERE grant_id = ? AND interval_start = ?",
                               err);
    if (!st)
        return err->code;
    db_bind_u64(st, 1, s->debit_spent);
    db_bind_u64(st, 2, s->receive_spent);
    db_bind_i64(st, 3, now_ms);
    db_bind_str(st, 4, grant_id);
    db_bind_i64(st, 5, s->interval_start_ms);
    return db_run(st, err);
}

/* sum + add, or UINT64_MAX when it does not fit (which then exceeds any limit). */
static uint64_t add_sat(uint64_t sum, uint64_t add)
{
    return add > UINT64_MAX - sum ? UINT64_MAX : sum + add;
}

static bool exceeds(uint64_t spent, uint64_t add, uint64_t max)
{
    return add > UINT64_MAX - spent || spent + add > max;
}

grant_limits_result_t grant_limits_spend_tx(db_conn_t *conn, const char *grant_id,
                                            const grant_limits_t *lim, uint64_t debit,
                                            uint64_t receive, int64_t now_ms, grant_spend_t *out,
                                            db_err_t *err)
{
    ASSERT(conn && db_in_tx(conn) && lim);
    if (!grant_id_ok(grant_id))
        return GRANT_LIMITS_INVALID;
    grant_spend_t s;
    grant_limits_result_t r = current(lim, now_ms, &s);
    if (r != GRANT_LIMITS_OK)
        return r;
    db_rc_t rc = row_lock(conn, grant_id, s.interval_start_ms, now_ms, &s, err);
    if (rc != DB_OK)
        return from_db(rc);
    if (lim->has_debit && exceeds(s.debit_spent, debit, lim->debit.value))
        r = GRANT_LIMITS_DEBIT_EXCEEDED;
    else if (lim->has_receive && exceeds(s.receive_spent, receive, lim->receive.value))
        r = GRANT_LIMITS_RECEIVE_EXCEEDED;
    if (r == GRANT_LIMITS_OK) {
        s.debit_spent = add_sat(s.debit_spent, debit);
        s.receive_spent = add_sat(s.receive_spent, receive);
        rc = row_write(conn, grant_id, &s, now_ms, err);
        if (rc != DB_OK)
            return from_db(rc);
    }
    if (out)
        *out = s;
    return r;
}

grant_limits_result_t grant_limits_refund_tx(db_conn_t *conn, const char *grant_id,
                                             int64_t interval_start_ms, uint64_t debit,
                                             uint64_t receive, db_err_t *err)
{
    ASSERT(conn && db_in_tx(conn));
    if (!grant_id_ok(grant_id))
        return GRANT_LIMITS_INVALID;
    grant_spend_t s = {.interval_start_ms = interval_start_ms};
    db_rc_t rc = row_read(conn, grant_id, interval_start_ms, true, &s, err);
    if (rc == DB_NOT_FOUND)
        return GRANT_LIMITS_OK;
    if (rc != DB_OK)
        return from_db(rc);
    s.debit_spent = s.debit_spent > debit ? s.debit_spent - debit : 0;
    s.receive_spent = s.receive_spent > receive ? s.receive_spent - receive : 0;
    rc = row_write(conn, grant_id, &s, clock_wall_ms(), err);
    return rc == DB_OK ? GRANT_LIMITS_OK : from_db(rc);
}

/* ---- own-transaction forms ---- */

typedef struct {
    bool refund;
    const char *grant_id;
    const grant_limits_t *lim;
    uint64_t debit, receive;
    int64_t time_ms; /* spend: now; refund: the interval's start */
    grant_spend_t *out;
} call_t;

static grant_limits_result_t call_once(db_conn_t *c, const call_t *a, db_err_t *err)
{
    db_rc_t rc = db_begin(c, DB_TX_WRITE, err);
    if (rc != DB_OK)
        return from_db(rc);
    grant_limits_result_t r =
        a->refund ? grant_limits_refund_tx(c, a->grant_id, a->time_ms, a->debit, a->receive, err)
                  : grant_limits_spend_tx(c, a->grant_id, a->lim, a->debit, a->receive, a->time_ms,
                                          a->out, err);
    if (r != GRANT_LIMITS_OK) {
        db_rollback(c);
        return r;
    }
    rc = db_commit(c, err);
    return rc == DB_OK ? GRANT_LIMITS_OK : from_db(rc);
}

static grant_limits_result_t call_tx(db_t *db, const call_t *a, db_err_t *err)
{
    db_conn_t *c = db_acquire(db, DB_CONN_WRITE, err);
    if (!c)
        return GRANT_LIMITS_STORAGE;
    grant_limits_result_t r = GRANT_LIMITS_RETRY;
    for (int i = 0; i < GRANT_TX_TRIES && r == GRANT_LIMITS_RETRY; i++)
        r = call_once(c, a, err);
    db_release(c);
    return r == GRANT_LIMITS_RETRY ? GRANT_LIMITS_STORAGE : r;
}

grant_limits_result_t grant_limits_spend(db_t *db, const char *grant_id, const grant_limits_t *lim,
                                         uint64_t debit, uint64_t receive, int64_t now_ms,
                                         grant_spend_t *out, db_err_t *err)
{
    call_t a = {false, grant_id, lim, debit, receive, now_ms, out};
    return call_tx(db, &a, err);
}

grant_limits_result_t grant_limits_refund(db_t *db, const char *grant_id, int64_t interval_start_ms,
                                          uint64_t debit, uint64_t receive, db_err_t *err)
{
    call_t a = {true, grant_id, NULL, debit, receive, interval_start_ms, NULL};
    return call_tx(db, &a, err);
}

grant_limits_result_t grant_limits_spent(db_t *db, const char *grant_id, const grant_limits_t *lim,
                                         int64_t now_ms, grant_spend_t *out, db_err_t *err)
{
    if (!grant_id_ok(grant_id))
        return GRANT_LIMITS_INVALID;
    grant_limits_result_t r = current(lim, now_ms, out);
    if (r != GRANT_LIMITS_OK)
        return r;
    db_conn_t *c = db_acquire(db, DB_CONN_READ, err);
    if (!c)
        return GRANT_LIMITS_STORAGE;
    db_rc_t rc = row_read(c, grant_id, out->interval_start_ms, false, out, err);
    db_release(c);
    return rc == DB_OK || rc == DB_NOT_FOUND ? GRANT_LIMITS_OK : GRANT_LIMITS_STORAGE;
}

/* ---- JSON ---- */

static int field_err(http_json_err_t *err, const char *code, const char *field, const char *why)
{
    err->code = code;
    snprintf(err->message, sizeof err->message, "field 'limits.%s' %s", field, why);
    return -1;
}

static int only_keys(const json_t *obj, const char *const *allowed, const char *where,
                     http_json_err_t *err)
{
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        bool ok = false;
        for (size_t i = 0; allowed[i] && !ok; i++)
            ok = strcmp(key, allowed[i]) == 0;
        if (!ok) {
            char field[96];
            snprintf(field, sizeof field, "%s%s%.40s", where, *where ? "." : "", key);
            return field_err(err, "unknown_field", field, "is not a limit");
        }
    }
    return 0;
}

static int amount_from_json(const json_t *v, const char *name, grant_amount_t *out,
                            http_json_err_t *err)
{
    static const char *const keys[] = {"value", "asset_code", "asset_scale", NULL};
    char field[64];
    if (!json_is_object(v))
        return field_err(err, "invalid_field", name,
                         "must be {\"value\", \"asset_code\", \"asset_scale\"}");
    if (only_keys(v, keys, name, err) != 0)
        return -1;
    const char *value = json_string_value(json_object_get(v, "value"));
    const char *code = json_string_value(json_object_get(v, "asset_code"));
    const json_t *scale = json_object_get(v, "asset_scale");
    snprintf(field, sizeof field, "%s.value", name);
    if (!value || http_json_parse_u64(value, strlen(value), &out->value) != 0)
        return field_err(err, value ? "invalid_field" : "missing_field", field,
                         "must be a decimal string of an unsigned 64-bit amount");
    snprintf(field, sizeof field, "%s.asset_code", name);
    if (!code || !*code || strlen(code) > ASSET_CODE_MAX_LEN)
        return field_err(err, code ? "invalid_field" : "missing_field", field,
                         "must be an asset code of 1..32 characters");
    memcpy(out->asset_code, code, strlen(code) + 1);
    snprintf(field, sizeof field, "%s.asset_scale", name);
    if (!json_is_integer(scale) || json_integer_value(scale) < 0 || json_integer_value(scale) > 255)
        return field_err(err, scale ? "invalid_field" : "missing_field", field,
                         "must be an integer in 0..255");
    out->asset_scale = (uint8_t)json_integer_value(scale);
    return 0;
}

int grant_limits_from_json(const json_t *obj, grant_limits_t *out, http_json_err_t *err)
{
    static const char *const keys[] = {"debit_amount", "receive_amount", "interval", NULL};
    memset(out, 0, sizeof *out);
    if (!json_is_object(obj)) {
        err->code = "invalid_field";
        snprintf(err->message, sizeof err->message, "field 'limits' must be an object");
        return -1;
    }
    if (only_keys(obj, keys, "", err) != 0)
        return -1;
    const json_t *d = json_object_get(obj, "debit_amount");
    const json_t *r = json_object_get(obj, "receive_amount");
    const json_t *iv = json_object_get(obj, "interval");
    if ((out->has_debit = d && !json_is_null(d)) &&
        amount_from_json(d, "debit_amount", &out->debit, err) != 0)
        return -1;
    if ((out->has_receive = r && !json_is_null(r)) &&
        amount_from_json(r, "receive_amount", &out->receive, err) != 0)
        return -1;
    if (!iv || json_is_null(iv))
        return 0;
    const char *text = json_string_value(iv);
    size_t n = text ? strlen(text) : 0;
    iso_interval_result_t ir =
        text ? iso_interval_parse(text, n, &out->interval) : ISO_INTERVAL_BAD_FORM;
    if (ir != ISO_INTERVAL_OK) {
        char why[96];
        snprintf(why, sizeof why,
                 "must be an ISO 8601 repeating interval like "
                 "R/2026-01-01T00:00:00Z/P1M (%s)",
                 iso_interval_result_str(ir));
        return field_err(err, "invalid_field", "interval", why);
    }
    out->has_interval = true;
    memcpy(out->interval_text, text, n + 1);
    return 0;
}

static json_t *amount_json(const grant_amount_t *a)
{
    char v[24];
    snprintf(v, sizeof v, "%llu", (unsigned long long)a->value);
    return json_pack("{s:s,s:s,s:i}", "value", v, "asset_code", a->asset_code, "asset_scale",
                     (int)a->asset_scale);
}

json_t *grant_limits_json(const grant_limits_t *lim)
{
    json_t *o = json_object();
    if (o && lim->has_debit)
        json_object_set_new(o, "debit_amount", amount_json(&lim->debit));
    if (o && lim->has_receive)
        json_object_set_new(o, "receive_amount", amount_json(&lim->receive));
    if (o && lim->has_interval)
        json_object_set_new(o, "interval", json_string(lim->interval_text));
    return o;
}
