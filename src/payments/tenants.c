/*
 * Tenants, their settings and what they own (tenants.h): the tenants, tenant_settings and
 * tenant_resources tables.
 */
#include "payments/tenants.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/slice.h"
#include "ilp/address.h"
#include "payments/rows.h"
#include "stream/receiver.h"

/* Most tenants one page reads before it windows them (a page is in memory, as assets'). */
#define TENANTS_MAX 4096

static const char *const RESULT_NAMES[PAY_TENANT_RESULT_COUNT] = {
    [PAY_TENANT_OK] = "ok",
    [PAY_TENANT_NOT_FOUND] = "not_found",
    [PAY_TENANT_INVALID_ID] = "invalid_id",
    [PAY_TENANT_DUPLICATE] = "duplicate",
    [PAY_TENANT_INVALID_INPUT] = "invalid_input",
    [PAY_TENANT_INVALID_SETTING] = "invalid_setting",
    [PAY_TENANT_DUPLICATE_WALLET_URL] = "duplicate_wallet_url",
    [PAY_TENANT_STORAGE_ERROR] = "storage_error",
};

const char *pay_tenant_result_str(pay_tenant_result_t r)
{
    return (unsigned)r < PAY_TENANT_RESULT_COUNT ? RESULT_NAMES[r] : "unknown";
}

static const char *const KEYS[PAY_TENANT_SETTINGS] = {
    "EXCHANGE_RATES_URL", "WEBHOOK_URL",        "WEBHOOK_TIMEOUT",
    "WEBHOOK_MAX_RETRY",  "WALLET_ADDRESS_URL", "ILP_ADDRESS",
};

const char *pay_tenant_setting_key(unsigned i)
{
    return i < PAY_TENANT_SETTINGS ? KEYS[i] : NULL;
}

/* What JavaScript's new URL() accepts, roughly: a scheme, a colon and something after it. */
static bool url_ok(const char *s)
{
    if (!isalpha((unsigned char)s[0]))
        return false;
    const char *p = s + 1;
    while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
        p++;
    if (*p != ':' || !p[1])
        return false;
    for (p++; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return false;
    return true;
}

/* A decimal number as Number() reads one (digits, one optional point, optional sign): its sign
 * in *neg and whether it is zero in *zero. */
static bool number_ok(const char *s, bool *neg, bool *zero)
{
    *neg = *s == '-';
    if (*s == '-' || *s == '+')
        s++;
    bool digits = false, point = false;
    *zero = true;
    for (; *s; s++) {
        if (*s == '.' && !point) {
            point = true;
        } else if (isdigit((unsigned char)*s)) {
            digits = true;
            if (*s != '0')
                *zero = false;
        } else {
            return false;
        }
    }
    return digits;
}

bool pay_tenant_setting_valid(const char *key, const char *value)
{
    bool neg, zero;
    if (strlen(value) > PAY_TENANT_TEXT_MAX)
        return false;
    if (strcmp(key, "EXCHANGE_RATES_URL") == 0 || strcmp(key, "WEBHOOK_URL") == 0 ||
        strcmp(key, "WALLET_ADDRESS_URL") == 0)
        return url_ok(value);
    if (strcmp(key, "ILP_ADDRESS") == 0)
        return ilp_address_is_valid(SLICE_STR(value));
    if (strcmp(key, "WEBHOOK_TIMEOUT") == 0)
        return number_ok(value, &neg, &zero) && !neg && !zero;
    if (strcmp(key, "WEBHOOK_MAX_RETRY") == 0)
        return number_ok(value, &neg, &zero) && (!neg || zero);
    return false;
}

static bool known_key(const char *key)
{
    for (unsigned i = 0; i < PAY_TENANT_SETTINGS; i++)
        if (strcmp(KEYS[i], key) == 0)
            return true;
    return false;
}

static pay_tenant_result_t storage(const char *what, const db_err_t *e)
{
    LOGE("tenants: %s: %s", what, e->msg);
    return PAY_TENANT_STORAGE_ERROR;
}

static bool uuid_ok(const char *s)
{
    ledger_id_t id;
    return s && strlen(s) == PAY_TENANT_ID_LEN && ledger_id_parse(s, PAY_TENANT_ID_LEN, &id) == 0;
}

#define TENANT_COLUMNS                                                                             \
    "id, email, api_secret, idp_consent_url, idp_secret, public_name, is_operator, created_at, "   \
    "updated_at, deleted_at, funding_model"

static void tenant_from_row(db_stmt_t *st, pay_tenant_t *t)
{
    memset(t, 0, sizeof *t);
    pay_col_str(st, 0, t->id, sizeof t->id);
    pay_col_str(st, 1, t->email, sizeof t->email);
    pay_col_str(st, 2, t->api_secret, sizeof t->api_secret);
    pay_col_str(st, 3, t->idp_consent_url, sizeof t->idp_consent_url);
    pay_col_str(st, 4, t->idp_secret, sizeof t->idp_secret);
    pay_col_str(st, 5, t->public_name, sizeof t->public_name);
    t->is_operator = db_col_bool(st, 6);
    t->created_ms = db_col_i64(st, 7);
    t->updated_ms = db_col_i64(st, 8);
    t->deleted_ms = db_col_null(st, 9) ? 0 : db_col_i64(st, 9);
    if (!db_col_null(st, 10))
        pay_col_str(st, 10, t->funding_model, sizeof t->funding_model);
}

/* The tenant id on conn into *out: DB_ROW, DB_NOT_FOUND or an error. */
static db_rc_t read_tenant(db_conn_t *c, const char *id, bool include_deleted, pay_tenant_t *out,
                           db_err_t *e)
{
    db_stmt_t *st =
        db_prepare(c,
                   include_deleted ? "SELECT " TENANT_COLUMNS " FROM tenants WHERE id = ?"
                                   : "SELECT " TENANT_COLUMNS
                                     " FROM tenants WHERE id = ? AND deleted_at IS NULL",
                   e);
    if (!st)
        return e->code;
    db_bind_str(st, 1, id);
    db_rc_t rc = db_step_one(st, e);
    if (rc == DB_ROW && out)
        tenant_from_row(st, out);
    return rc;
}

pay_tenant_result_t pay_tenant_get(db_t *db, const char *id, bool include_deleted,
                                   pay_tenant_t *out)
{
    if (!uuid_ok(id))
        return PAY_TENANT_NOT_FOUND;
    db_err_t e = {0};
    db_conn_t *c = db_acquire(db, DB_CONN_READ, &e);
    if (!c)
        return storage("read", &e);
    db_rc_t rc = read_tenant(c, id, include_deleted, out, &e);
    db_release(c);
    if (rc == DB_ROW)
        return PAY_TENANT_OK;
    return rc == DB_NOT_FOUND ? PAY_TENANT_NOT_FOUND : storage("read", &e);
}

/* ---- settings ---- */

typedef struct {
    const char *tenant_id;
    const pay_tenant_setting_t *in;
    size_t n;
    int64_t now_ms;
} settings_tx_t;

/* DB_CONSTRAINT when another tenant has this WALLET_ADDRESS_URL. */
static db_rc_t wallet_url_free(db_conn_t *c, const char *tenant_id, const char *value, db_err_t *e)
{
    db_stmt_t *st = db_prepare(c,
                               "SELECT 1 FROM tenant_settings WHERE key = 'WALLET_ADDRESS_URL' AND "
                               "value = ? AND tenant_id <> ?",
                               e);
    if (!st)
        return e->code;
    db_bind_str(st, 1, value);
    db_bind_str(st, 2, tenant_id);
    db_rc_t rc = db_step_one(st, e);
    if (rc == DB_ROW) {
        e->code = DB_CONSTRAINT;
        snprintf(e->msg, sizeof e->msg, "duplicate wallet address URL");
        return DB_CONSTRAINT;
    }
    return rc == DB_NOT_FOUND ? DB_OK : rc;
}

static db_rc_t settings_write(db_conn_t *c, const settings_tx_t *s, db_err_t *e)
{
    for (size_t i = 0; i < s->n; i++) {
        if (!known_key(s->in[i].key))
            continue;
        db_rc_t rc = strcmp(s->in[i].key, "WALLET_ADDRESS_URL") == 0
                         ? wallet_url_free(c, s->tenant_id, s->in[i].value, e)
                         : DB_OK;
        if (rc != DB_OK)
            return rc;
        db_stmt_t *st = db_prepare(c,
                                   "INSERT INTO tenant_settings (tenant_id, key, value, "
                                   "created_at, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT "
                                   "(tenant_id, key) DO UPDATE SET value = excluded.value, "
                                   "updated_at = excluded.updated_at",
                                   e);
        if (!st)
            return e->code;
        db_bind_str(st, 1, s->tenant_id);
        db_bind_str(st, 2, s->in[i].key);
        db_bind_str(st, 3, s->in[i].value);
        db_bind_i64(st, 4, s->now_ms);
        db_bind_i64(st, 5, s->now_ms);
        if ((rc = db_run(st, e)) != DB_OK)
            return rc;
    }
    return DB_OK;
}

static pay_tenant_result_t settings_check(const pay_tenant_setting_t *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (known_key(in[i].key) && !pay_tenant_setting_valid(in[i].key, in[i].value))
            return PAY_TENANT_INVALID_SETTING;
    return PAY_TENANT_OK;
}

static db_rc_t settings_read(db_conn_t *c, const char *tenant_id, pay_tenant_setting_t *out,
                             size_t *n, db_err_t *e)
{
    *n = 0;
    db_stmt_t *st =
        db_prepare(c, "SELECT key, value FROM tenant_settings WHERE tenant_id = ? ORDER BY key", e);
    if (!st)
        return e->code;
    db_bind_str(st, 1, tenant_id);
    db_rc_t rc;
    while ((rc = db_step(st, e)) == DB_ROW) {
        if (*n >= PAY_TENANT_SETTINGS)
            continue;
        pay_col_str(st, 0, out[*n].key, sizeof out[*n].key);
        pay_col_str(st, 1, out[*n].value, sizeof out[*n].value);
        (*n)++;
    }
    return rc == DB_DONE ? DB_OK : rc;
}

pay_tenant_result_t pay_tenant_settings(db_t *db, const char *tenant_id, pay_tenant_setting_t *out,
                                        size_t *n)
{
    *n = 0;
    if (!uuid_ok(tenant_id))
        return PAY_TENANT_NOT_FOUND;
    db_err_t e = {0};
    db_conn_t *c = db_acquire(db, DB_CONN_READ, &e);
    if (!c)
        return storage("settings", &e);
    db_rc_t rc = settings_read(c, tenant_id, out, n, &e);
    db_release(c);
    return rc == DB_OK ? PAY_TENANT_OK : storage("settings", &e);
}

pay_tenant_result_t pay_tenant_setting(db_t *db, const char *tenant_id, const char *key, char *out,
                                       size_t cap)
{
    pay_tenant_setting_t all[PAY_TENANT_SETTINGS];
    size_t n = 0;
    pay_tenant_result_t r = pay_tenant_settings(db, tenant_id, all, &n);
    if (r != PAY_TENANT_OK)
        return r;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(all[i].key, key) == 0) {
            snprintf(out, cap, "%s", all[i].value);
            return PAY_TENANT_OK;
        }
    }
    return PAY_TENANT_NOT_FOUND;
}

typedef struct {
    settings_tx_t s;
    bool missing;
} settings_set_tx_t;

static db_rc_t tx_settings_set(db_conn_t *c, void *arg, db_err_t *e)
{
    settings_set_tx_t *t = arg;
    t->missing = false;
    db_rc_t rc = read_tenant(c, t->s.tenant_id, false, NULL, e);
    if (rc == DB_NOT_FOUND) {
        t->missing = true;
        return DB_OK;
    }
    if (rc != DB_ROW)
        return rc;
    return settings_write(c, &t->s, e);
}

pay_tenant_result_t pay_tenant_settings_set(db_t *db, const char *tenant_id,
                                            const pay_tenant_setting_t *in, size_t n,
                                            pay_tenant_setting_t *out, size_t *n_out)
{
    *n_out = 0;
    if (!uuid_ok(tenant_id))
        return PAY_TENANT_NOT_FOUND;
    pay_tenant_result_t r = settings_check(in, n);
    if (r != PAY_TENANT_OK)
        return r;
    settings_set_tx_t t = {
        .s = {.tenant_id = tenant_id, .in = in, .n = n, .now_ms = clock_wall_ms()}};
    db_err_t e = {0};
    db_rc_t rc = db_write_tx(db, tx_settings_set, &t, &e);
    if (rc == DB_CONSTRAINT)
        return PAY_TENANT_DUPLICATE_WALLET_URL;
    if (rc != DB_OK)
        return storage("settings", &e);
    if (t.missing)
        return PAY_TENANT_NOT_FOUND;
    return pay_tenant_settings(db, tenant_id, out, n_out);
}

/* ---- tenants ---- */

static bool text_ok(const char *s, size_t max)
{
    return !s || strlen(s) <= max;
}

static pay_tenant_result_t input_check(const pay_tenant_input_t *in)
{
    if (in->id && !uuid_ok(in->id))
        return PAY_TENANT_INVALID_ID;
    if (!text_ok(in->api_secret, PAY_TENANT_SECRET_MAX) ||
        !text_ok(in->idp_secret, PAY_TENANT_SECRET_MAX) ||
        !text_ok(in->email, PAY_TENANT_TEXT_MAX) ||
        !text_ok(in->idp_consent_url, PAY_TENANT_TEXT_MAX) ||
        !text_ok(in->public_name, PAY_TENANT_TEXT_MAX) || (in->api_secret && !*in->api_secret))
        return PAY_TENANT_INVALID_INPUT;
    return PAY_TENANT_OK;
}

/* Binds s, or NULL when absent or empty. */
static void bind_opt(db_stmt_t *st, int i, const char *s)
{
    db_bind_str(st, i, s && *s ? s : NULL);
}

typedef struct {
    const pay_tenant_input_t *in;
    char id[PAY_TENANT_ID_LEN + 1];
    settings_tx_t s;
} create_tx_t;

static db_rc_t tx_create(db_conn_t *c, void *arg, db_err_t *e)
{
    create_tx_t *t = arg;
    db_stmt_t *st = db_prepare(c,
                               "INSERT INTO tenants (id, email, api_secret, idp_consent_url, "
                               "idp_secret, public_name, is_operator, created_at, updated_at) "
                               "VALUES (?, ?, ?, ?, ?, ?, FALSE, ?, ?)",
                               e);
    if (!st)
        return e->code;
    db_bind_str(st, 1, t->id);
    bind_opt(st, 2, t->in->email);
    db_bind_str(st, 3, t->in->api_secret);
    bind_opt(st, 4, t->in->idp_consent_url);
    bind_opt(st, 5, t->in->idp_secret);
    bind_opt(st, 6, t->in->public_name);
    db_bind_i64(st, 7, t->s.now_ms);
    db_bind_i64(st, 8, t->s.now_ms);
    db_rc_t rc = db_run(st, e);
    return rc == DB_OK ? settings_write(c, &t->s, e) : rc;
}

/* Rafiki's initial settings: the defaults, ILP_ADDRESS from the instance's, then the given
 * ones (which replace a default of the same key). Fills out (PAY_TENANT_SETTINGS + n). */
static size_t initial_settings(const char *id, const pay_tenant_setting_t *given, size_t n,
                               const char *ilp, pay_tenant_setting_t *out)
{
    size_t k = 0;
    out[k] = (pay_tenant_setting_t){.key = "WEBHOOK_TIMEOUT", .value = "2000"};
    out[++k] = (pay_tenant_setting_t){.key = "WEBHOOK_MAX_RETRY", .value = "10"};
    k++;
    if (ilp && *ilp) {
        snprintf(out[k].key, sizeof out[k].key, "ILP_ADDRESS");
        snprintf(out[k].value, sizeof out[k].value, "%s.%s", ilp, id);
        k++;
    }
    for (size_t i = 0; i < n; i++)
        out[k++] = given[i]; /* later rows win in settings_write's upsert */
    return k;
}

pay_tenant_result_t pay_tenant_create(db_t *db, const pay_tenant_input_t *in,
                                      const pay_tenant_setting_t *settings, size_t n,
                                      const char *default_ilp_address, pay_tenant_t *out)
{
    pay_tenant_result_t r = input_check(in);
    if (r == PAY_TENANT_OK && !in->api_secret)
        r = PAY_TENANT_INVALID_INPUT;
    if (r == PAY_TENANT_OK)
        r = settings_check(settings, n);
    if (r != PAY_TENANT_OK)
        return r;
    create_tx_t t = {.in = in, .s = {.now_ms = clock_wall_ms()}};
    if (in->id)
        snprintf(t.id, sizeof t.id, "%s", in->id);
    else
        ledger_id_format(ledger_id_random(), t.id);
    for (char *p = t.id; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    pay_tenant_setting_t *all = xcalloc(n + 3, sizeof *all);
    t.s.tenant_id = t.id;
    t.s.in = all;
    t.s.n = initial_settings(t.id, settings, n, default_ilp_address, all);
    db_err_t e = {0};
    db_rc_t rc = db_write_tx(db, tx_create, &t, &e);
    free(all);
    if (rc == DB_CONSTRAINT)
        return strstr(e.msg, "wallet address") ? PAY_TENANT_DUPLICATE_WALLET_URL
                                               : PAY_TENANT_DUPLICATE;
    if (rc != DB_OK)
        return storage("create", &e);
    return pay_tenant_get(db, t.id, false, out);
}

typedef struct {
    const pay_tenant_input_t *in;
    int64_t now_ms;
    int64_t changed;
} update_tx_t;

static db_rc_t tx_update(db_conn_t *c, void *arg, db_err_t *e)
{
    update_tx_t *t = arg;
    db_stmt_t *st = db_prepare(
        c,
        "UPDATE tenants SET email = COALESCE(?, email), api_secret = COALESCE(?, api_secret), "
        "idp_consent_url = COALESCE(?, idp_consent_url), idp_secret = COALESCE(?, idp_secret), "
        "public_name = COALESCE(?, public_name), updated_at = ? WHERE id = ? AND deleted_at IS "
        "NULL",
        e);
    if (!st)
        return e->code;
    db_bind_str(st, 1, t->in->email);
    db_bind_str(st, 2, t->in->api_secret);
    db_bind_str(st, 3, t->in->idp_consent_url);
    db_bind_str(st, 4, t->in->idp_secret);
    db_bind_str(st, 5, t->in->public_name);
    db_bind_i64(st, 6, t->now_ms);
    db_bind_str(st, 7, t->in->id);
    db_rc_t rc = db_run(st, e);
    t->changed = rc == DB_OK ? db_changes(st) : 0;
    return rc;
}

pay_tenant_result_t pay_tenant_update(db_t *db, const pay_tenant_input_t *in, pay_tenant_t *out)
{
    if (!in->id || !uuid_ok(in->id))
        return PAY_TENANT_NOT_FOUND;
    pay_tenant_result_t r = input_check(in);
    if (r != PAY_TENANT_OK)
        return r;
    update_tx_t t = {.in = in, .now_ms = clock_wall_ms()};
    db_err_t e = {0};
    if (db_write_tx(db, tx_update, &t, &e) != DB_OK)
        return storage("update", &e);
    if (t.changed == 0)
        return PAY_TENANT_NOT_FOUND;
    return pay_tenant_get(db, in->id, false, out);
}

typedef struct {
    const char *id;
    int64_t now_ms;
    int64_t changed;
} delete_tx_t;

static db_rc_t tx_delete(db_conn_t *c, void *arg, db_err_t *e)
{
    delete_tx_t *t = arg;
    db_stmt_t *st = db_prepare(c,
                               "UPDATE tenants SET deleted_at = ?, updated_at = ? WHERE id = ? "
                               "AND deleted_at IS NULL AND NOT is_operator",
                               e);
    if (!st)
        return e->code;
    db_bind_i64(st, 1, t->now_ms);
    db_bind_i64(st, 2, t->now_ms);
    db_bind_str(st, 3, t->id);
    db_rc_t rc = db_run(st, e);
    t->changed = rc == DB_OK ? db_changes(st) : 0;
    if (rc != DB_OK || t->changed == 0)
        return rc;
    st = db_prepare(c, "DELETE FROM tenant_settings WHERE tenant_id = ?", e);
    if (!st)
        return e->code;
    db_bind_str(st, 1, t->id);
    return db_run(st, e);
}

pay_tenant_result_t pay_tenant_delete(db_t *db, const char *id, int64_t now_ms)
{
    if (!uuid_ok(id))
        return PAY_TENANT_NOT_FOUND;
    delete_tx_t t = {.id = id, .now_ms = now_ms};
    db_err_t e = {0};
    if (db_write_tx(db, tx_delete, &t, &e) != DB_OK)
        return storage("delete", &e);
    return t.changed ? PAY_TENANT_OK : PAY_TENANT_NOT_FOUND;
}

/* Every tenant (up to TENANTS_MAX) into *all, in no particular order. */
static pay_tenant_result_t read_all(db_t *db, pay_tenant_t **all, size_t *n)
{
    *n = 0;
    *all = NULL;
    db_err_t e = {0};
    db_conn_t *c = db_acquire(db, DB_CONN_READ, &e);
    if (!c)
        return storage("list", &e);
    db_stmt_t *st = db_prepare(c, "SELECT " TENANT_COLUMNS " FROM tenants LIMIT ?", &e);
    db_rc_t rc = st ? DB_OK : e.code;
    if (st) {
        *all = xcalloc(TENANTS_MAX, sizeof **all);
        db_bind_i64(st, 1, TENANTS_MAX);
        while ((rc = db_step(st, &e)) == DB_ROW && *n < TENANTS_MAX)
            tenant_from_row(st, &(*all)[(*n)++]);
        rc = rc == DB_DONE || rc == DB_ROW ? DB_OK : rc;
    }
    db_release(c);
    if (rc == DB_OK)
        return PAY_TENANT_OK;
    free(*all);
    *all = NULL;
    *n = 0;
    return storage("list", &e);
}

pay_tenant_result_t pay_tenants_page(db_t *db, const pay_keyset_t *k, pay_tenant_t *out, size_t *n,
                                     bool *has_prev, bool *has_next)
{
    *n = 0;
    *has_prev = *has_next = false;
    pay_tenant_t *all;
    size_t nall;
    pay_tenant_result_t r = read_all(db, &all, &nall);
    if (r != PAY_TENANT_OK)
        return r;
    pay_key_t *keys = xcalloc(nall ? nall : 1, sizeof *keys);
    size_t *idx = xcalloc(nall ? nall : 1, sizeof *idx);
    size_t pos[PAY_TENANTS_PAGE_MAX];
    for (size_t i = 0; i < nall; i++) {
        keys[i].created_ms = all[i].created_ms;
        ledger_id_parse(all[i].id, strlen(all[i].id), &keys[i].id);
        idx[i] = i;
    }
    pay_keys_sort(keys, idx, nall);
    pay_keyset_t kk = *k;
    if (kk.limit > PAY_TENANTS_PAGE_MAX)
        kk.limit = PAY_TENANTS_PAGE_MAX;
    pay_keyset_window(keys, nall, &kk, pos, n);
    for (size_t i = 0; i < *n; i++)
        out[i] = all[idx[pos[i]]];
    if (*n > 0) {
        size_t first = pos[0], last = pos[*n - 1];
        *has_prev = k->asc ? first > 0 : first + 1 < nall;
        *has_next = k->asc ? last + 1 < nall : last > 0;
    }
    free(keys);
    free(idx);
    free(all);
    return PAY_TENANT_OK;
}

/* ---- the operator ---- */

typedef struct {
    const char *want; /* OPERATOR_TENANT_ID, or NULL */
    const char *secret;
    int64_t now_ms;
    char id[PAY_TENANT_ID_LEN + 1];
} boot_tx_t;

static db_rc_t boot_current(db_conn_t *c, boot_tx_t *t, db_err_t *e)
{
    db_stmt_t *st = db_prepare(c, "SELECT id FROM tenants WHERE is_operator", e);
    if (!st)
        return e->code;
    db_rc_t rc = db_step_one(st, e);
    if (rc == DB_ROW)
        pay_col_str(st, 0, t->id, sizeof t->id);
    return rc;
}

/* Runs sql with (secret, now, id) bound in that order. */
static db_rc_t boot_run(db_conn_t *c, const char *sql, boot_tx_t *t, db_err_t *e)
{
    db_stmt_t *st = db_prepare(c, sql, e);
    if (!st)
        return e->code;
    db_bind_str(st, 1, t->secret);
    db_bind_i64(st, 2, t->now_ms);
    db_bind_str(st, 3, t->id);
    return db_run(st, e);
}

static db_rc_t tx_boot(db_conn_t *c, void *arg, db_err_t *e)
{
    boot_tx_t *t = arg;
    t->id[0] = '\0';
    db_rc_t rc = boot_current(c, t, e);
    if (rc != DB_ROW && rc != DB_NOT_FOUND)
        return rc;
    if (t->want && rc == DB_ROW && strcmp(t->id, t->want) != 0) {
        /* OPERATOR_TENANT_ID changed: the former operator becomes a tenant like the others */
        db_stmt_t *st = db_prepare(c, "UPDATE tenants SET is_operator = FALSE WHERE id = ?", e);
        if (!st)
            return e->code;
        db_bind_str(st, 1, t->id);
        if ((rc = db_run(st, e)) != DB_OK)
            return rc;
        rc = DB_NOT_FOUND;
    }
    if (t->want)
        snprintf(t->id, sizeof t->id, "%s", t->want);
    else if (rc == DB_NOT_FOUND)
        ledger_id_format(ledger_id_random(), t->id);
    rc = boot_run(c,
                  "UPDATE tenants SET api_secret = ?, updated_at = ?, is_operator = TRUE, "
                  "deleted_at = NULL WHERE id = ?",
                  t, e);
    if (rc != DB_OK)
        return rc;
    db_stmt_t *st = db_prepare(c,
                               "INSERT INTO tenants (api_secret, created_at, updated_at, id, "
                               "is_operator) SELECT ?, ?, ?, ?, TRUE WHERE NOT EXISTS (SELECT 1 "
                               "FROM tenants WHERE id = ?)",
                               e);
    if (!st)
        return e->code;
    db_bind_str(st, 1, t->secret);
    db_bind_i64(st, 2, t->now_ms);
    db_bind_i64(st, 3, t->now_ms);
    db_bind_str(st, 4, t->id);
    db_bind_str(st, 5, t->id);
    return db_run(st, e);
}

pay_tenant_result_t pay_tenant_bootstrap(db_t *db, const char *operator_id,
                                         const char *admin_secret, char out[PAY_TENANT_ID_LEN + 1])
{
    if (operator_id && !uuid_ok(operator_id))
        return PAY_TENANT_INVALID_ID;
    boot_tx_t t = {
        .want = operator_id, .secret = admin_secret ? admin_secret : "", .now_ms = clock_wall_ms()};
    db_err_t e = {0};
    db_rc_t rc = DB_ERROR;
    /* replicas starting at once: the loser of the one-operator index reads the winner's */
    for (int attempt = 0; attempt < 3; attempt++) {
        rc = db_write_tx(db, tx_boot, &t, &e);
        if (rc != DB_CONSTRAINT)
            break;
    }
    if (rc != DB_OK)
        return storage("operator", &e);
    snprintf(out, PAY_TENANT_ID_LEN + 1, "%s", t.id);
    return PAY_TENANT_OK;
}

/* ---- ownership ---- */

static bool direct_kind(pay_owned_t kind);
static void owner_remember(const db_t *db, pay_owned_t kind, const char *id, const char *owner,
                           uint64_t gen);

typedef struct {
    pay_owned_t kind;
    ledger_id_t id;
    const char *tenant_id;
} own_tx_t;

db_rc_t pay_tenant_own_on(db_conn_t *c, pay_owned_t kind, ledger_id_t id, const char *tenant_id,
                          db_err_t *e)
{
    db_stmt_t *st = db_prepare(c,
                               "INSERT INTO tenant_resources (resource_id, kind, tenant_id, "
                               "created_at) VALUES (?, ?, ?, ?) ON CONFLICT (resource_id) DO "
                               "UPDATE SET tenant_id = excluded.tenant_id",
                               e);
    if (!st)
        return e->code;
    pay_bind_id(st, 1, id);
    db_bind_i64(st, 2, (int64_t)kind);
    db_bind_str(st, 3, tenant_id);
    db_bind_i64(st, 4, clock_wall_ms());
    if (kind == PAY_OWNED_WALLET_ADDRESS) {
        char ids[LEDGER_ID_STR_LEN + 1];
        ledger_id_format(id, ids);
        owner_remember(NULL, kind, ids, NULL, 0);
    }
    return db_run(st, e);
}

static db_rc_t tx_own(db_conn_t *c, void *arg, db_err_t *e)
{
    own_tx_t *t = arg;
    return pay_tenant_own_on(c, t->kind, t->id, t->tenant_id, e);
}

pay_tenant_result_t pay_tenant_own(db_t *db, pay_owned_t kind, ledger_id_t id,
                                   const char *tenant_id)
{
    if (!direct_kind(kind))
        return PAY_TENANT_INVALID_INPUT;
    if (!uuid_ok(tenant_id))
        return PAY_TENANT_NOT_FOUND;
    own_tx_t t = {.kind = kind, .id = id, .tenant_id = tenant_id};
    db_err_t e = {0};
    db_rc_t rc = db_write_tx(db, tx_own, &t, &e);
    if (kind == PAY_OWNED_WALLET_ADDRESS) { /* a read between the write and its commit */
        char ids[LEDGER_ID_STR_LEN + 1];
        ledger_id_format(id, ids);
        owner_remember(NULL, kind, ids, NULL, 0);
    }
    if (rc != DB_OK)
        return storage("own", &e);
    return PAY_TENANT_OK;
}

/* The owner of each kind of resource: one statement, the key bound once; a row exists when
 * the resource does (for the kinds found through their wallet address). */
static const char *owner_sql(pay_owned_t kind)
{
#define BY_WALLET(tbl)                                                                             \
    "SELECT r.tenant_id FROM " tbl " x LEFT JOIN tenant_resources r ON r.resource_id = "           \
    "x.wallet_address_id WHERE x.id = ?"
    switch (kind) {
    case PAY_OWNED_ASSET: /* the ledger's scope is written with the asset itself */
        return "SELECT COALESCE(r.tenant_id, NULLIF(a.scope, '')) FROM assets a LEFT JOIN "
               "tenant_resources r ON r.resource_id = a.id WHERE a.id = ?";
    case PAY_OWNED_WALLET_ADDRESS: /* a row for every wallet address, so the answer is kept */
        return "SELECT r.tenant_id FROM wallet_addresses w LEFT JOIN tenant_resources r ON "
               "r.resource_id = w.id WHERE w.id = ?";
    case PAY_OWNED_PEER:
    case PAY_OWNED_WITHDRAWAL:
        return "SELECT tenant_id FROM tenant_resources WHERE resource_id = ?";
    case PAY_OWNED_INCOMING:
        return BY_WALLET("incoming_payments");
    case PAY_OWNED_OUTGOING:
        return BY_WALLET("outgoing_payments");
    case PAY_OWNED_QUOTE:
        return BY_WALLET("quotes");
    case PAY_OWNED_WALLET_KEY:
        return BY_WALLET("wallet_address_keys");
    case PAY_OWNED_WALLET_URL:
        return "SELECT r.tenant_id FROM wallet_addresses x LEFT JOIN tenant_resources r ON "
               "r.resource_id = x.id WHERE x.url = ?";
    case PAY_OWNED_EVENT:
        return "SELECT r.tenant_id FROM webhook_events w LEFT JOIN tenant_resources r ON "
               "r.resource_id = w.resource_id OR r.resource_id IN (SELECT wallet_address_id FROM "
               "incoming_payments WHERE id = w.resource_id UNION ALL SELECT wallet_address_id "
               "FROM outgoing_payments WHERE id = w.resource_id) WHERE w.id = ?";
    }
#undef BY_WALLET
    return NULL;
}

static bool direct_kind(pay_owned_t kind)
{
    return kind == PAY_OWNED_ASSET || kind == PAY_OWNED_PEER || kind == PAY_OWNED_WALLET_ADDRESS ||
           kind == PAY_OWNED_WITHDRAWAL;
}

/* Wallet addresses' owners, remembered: an owner is written with its wallet address's row and
 * never changes, nor does the wallet address of a payment or a quote, so a payment's lookups
 * (funding model, rates, URLs) cost nothing after the first. Direct-mapped by the id's hash; a
 * collision just reads again. */
#define OWNER_CACHE_SLOTS 4096

typedef struct {
    const db_t *db;
    pay_owned_t kind;
    uint64_t gen; /* owner_gen before it was read */
    char id[PAY_TENANT_ID_LEN + 1];
    char owner[PAY_TENANT_ID_LEN + 1];
} owner_slot_t;

static owner_slot_t owner_cache[OWNER_CACHE_SLOTS];
static pthread_mutex_t owner_mu = PTHREAD_MUTEX_INITIALIZER;
/* Moves on whenever a wallet address's owner is written (rare: once per wallet address, when it
 * is made): an owner remembered counts only in the generation it was read in, so none read
 * before the write survives it, the owners of that wallet address's payments and quotes
 * included. Under owner_mu. */
static uint64_t owner_gen;

static size_t owner_slot(const char *id)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (const char *p = id; *p; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211ull;
    return (size_t)(h % OWNER_CACHE_SLOTS);
}

/* The kinds whose owner never changes once the row is there. */
static bool owner_fixed(pay_owned_t kind)
{
    return kind == PAY_OWNED_WALLET_ADDRESS || kind == PAY_OWNED_INCOMING ||
           kind == PAY_OWNED_OUTGOING || kind == PAY_OWNED_QUOTE;
}

static bool owner_cached(const db_t *db, pay_owned_t kind, const char *id,
                         char out[PAY_TENANT_ID_LEN + 1])
{
    owner_slot_t *s = &owner_cache[owner_slot(id)];
    pthread_mutex_lock(&owner_mu);
    bool hit = s->db == db && s->kind == kind && strcmp(s->id, id) == 0 && s->gen == owner_gen;
    if (hit)
        memcpy(out, s->owner, PAY_TENANT_ID_LEN + 1);
    pthread_mutex_unlock(&owner_mu);
    return hit;
}

/* The generation now (see owner_gen). */
static uint64_t owner_gen_now(void)
{
    pthread_mutex_lock(&owner_mu);
    uint64_t g = owner_gen;
    pthread_mutex_unlock(&owner_mu);
    return g;
}

/* Remembers owner as read in generation gen (or, with owner NULL, forgets id: an owner just
 * written, and moves the generation on). */
static void owner_remember(const db_t *db, pay_owned_t kind, const char *id, const char *owner,
                           uint64_t gen)
{
    if (strlen(id) != PAY_TENANT_ID_LEN)
        return;
    owner_slot_t *s = &owner_cache[owner_slot(id)];
    pthread_mutex_lock(&owner_mu);
    if (owner) {
        s->db = db;
        s->kind = kind;
        s->gen = gen;
        memcpy(s->id, id, PAY_TENANT_ID_LEN + 1);
        snprintf(s->owner, sizeof s->owner, "%s", owner);
    } else {
        owner_gen++; /* a wallet address's owner written: its payments' may have changed */
        if (strcmp(s->id, id) == 0) {
            s->db = NULL;
            s->id[0] = '\0';
        }
    }
    pthread_mutex_unlock(&owner_mu);
}

pay_tenant_result_t pay_tenant_owner(db_t *db, pay_owned_t kind, const char *key,
                                     char out[PAY_TENANT_ID_LEN + 1])
{
    out[0] = '\0';
    const char *sql = owner_sql(kind);
    if (!sql)
        return PAY_TENANT_INVALID_INPUT;
    bool fixed = owner_fixed(kind);
    if (fixed && owner_cached(db, kind, key, out))
        return PAY_TENANT_OK;
    uint64_t gen = owner_gen_now(); /* before the read: a write after it makes this one old */
    db_err_t e = {0};
    db_conn_t *c = db_acquire(db, DB_CONN_READ, &e);
    if (!c)
        return storage("owner", &e);
    db_stmt_t *st = db_prepare(c, sql, &e);
    db_rc_t rc = st ? DB_OK : e.code;
    if (st) {
        db_bind_str(st, 1, key);
        rc = db_step_one(st, &e);
        if (rc == DB_ROW && !db_col_null(st, 0))
            pay_col_str(st, 0, out, PAY_TENANT_ID_LEN + 1);
    }
    db_release(c);
    if (fixed && rc == DB_ROW)
        owner_remember(db, kind, key, out, gen);
    if (rc == DB_ROW || (rc == DB_NOT_FOUND && direct_kind(kind)))
        return PAY_TENANT_OK;
    if (rc == DB_NOT_FOUND)
        return PAY_TENANT_NOT_FOUND;
    return storage("owner", &e);
}

bool pay_tenant_scope_has(const pay_tenant_scope_t *scope, const char *owner)
{
    switch (scope->kind) {
    case PAY_SCOPE_ALL:
        return true;
    case PAY_SCOPE_OPERATOR:
        return owner[0] == '\0';
    case PAY_SCOPE_TENANT:
        return strcmp(owner, scope->tenant_id) == 0;
    }
    return false;
}

rates_t *pay_tenant_rates_for_wallet(void *ctx, ledger_id_t wallet_address_id)
{
    const pay_tenant_rates_t *t = ctx;
    char id[LEDGER_ID_STR_LEN + 1], owner[PAY_TENANT_ID_LEN + 1];
    char url[PAY_TENANT_TEXT_MAX + 1];
    ledger_id_format(wallet_address_id, id);
    if (pay_tenant_owner(t->db, PAY_OWNED_WALLET_ADDRESS, id, owner) != PAY_TENANT_OK ||
        !owner[0] ||
        pay_tenant_setting(t->db, owner, "EXCHANGE_RATES_URL", url, sizeof url) != PAY_TENANT_OK)
        return NULL;
    return connector_rates_for_url(t->connector, url);
}

/* ---- funding model ---- */

typedef struct {
    const char *id;
    const char *model;
    int64_t changed;
} funding_tx_t;

static db_rc_t tx_funding(db_conn_t *c, void *arg, db_err_t *e)
{
    funding_tx_t *t = arg;
    db_stmt_t *st = db_prepare(
        c,
        "UPDATE tenants SET funding_model = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL",
        e);
    if (!st)
        return e->code;
    db_bind_str(st, 1, t->model);
    db_bind_i64(st, 2, clock_wall_ms());
    db_bind_str(st, 3, t->id);
    db_rc_t rc = db_run(st, e);
    t->changed = rc == DB_OK ? db_changes(st) : 0;
    return rc;
}

pay_tenant_result_t pay_tenant_set_funding(db_t *db, const char *id, const char *model)
{
    if (model && strcmp(model, "rafiki") != 0 && strcmp(model, "ledger") != 0)
        return PAY_TENANT_INVALID_INPUT;
    if (!uuid_ok(id))
        return PAY_TENANT_NOT_FOUND;
    funding_tx_t t = {.id = id, .model = model};
    db_err_t e = {0};
    if (db_write_tx(db, tx_funding, &t, &e) != DB_OK)
        return storage("funding model", &e);
    return t.changed ? PAY_TENANT_OK : PAY_TENANT_NOT_FOUND;
}

bool pay_tenant_rafiki_funding(db_t *db, ledger_id_t wallet_address_id, bool instance_rafiki)
{
    char id[LEDGER_ID_STR_LEN + 1], owner[PAY_TENANT_ID_LEN + 1];
    ledger_id_format(wallet_address_id, id);
    if (pay_tenant_owner(db, PAY_OWNED_WALLET_ADDRESS, id, owner) != PAY_TENANT_OK || !owner[0])
        return instance_rafiki; /* the operator's (a failure was logged) */
    pay_tenant_t *t = xmalloc(sizeof *t);
    bool rafiki = instance_rafiki;
    if (pay_tenant_get(db, owner, true, t) == PAY_TENANT_OK && t->funding_model[0])
        rafiki = strcmp(t->funding_model, "rafiki") == 0;
    free(t);
    return rafiki;
}

/* Whether tenant_address is base plus 1..STREAM_RECEIVER_SUB_SEGMENTS_MAX segments. */
static bool below(const char *base, const char *tenant_address)
{
    size_t n = strlen(base);
    if (strncmp(tenant_address, base, n) != 0 || tenant_address[n] != '.')
        return false;
    int segments = 0;
    for (const char *p = tenant_address + n; *p; p++)
        segments += *p == '.';
    return segments <= STREAM_RECEIVER_SUB_SEGMENTS_MAX;
}

bool pay_tenant_stream_address(db_t *db, ledger_id_t wallet_address_id, const char *base,
                               const char *address, char out[ILP_ADDRESS_MAX_LEN + 1])
{
    char id[LEDGER_ID_STR_LEN + 1], owner[PAY_TENANT_ID_LEN + 1];
    char mine[PAY_TENANT_TEXT_MAX + 1];
    size_t n = strlen(base);
    ledger_id_format(wallet_address_id, id);
    if (strncmp(address, base, n) != 0 || address[n] != '.' ||
        pay_tenant_owner(db, PAY_OWNED_WALLET_ADDRESS, id, owner) != PAY_TENANT_OK || !owner[0] ||
        pay_tenant_setting(db, owner, "ILP_ADDRESS", mine, sizeof mine) != PAY_TENANT_OK ||
        !below(base, mine))
        return false;
    int w = snprintf(out, ILP_ADDRESS_MAX_LEN + 1, "%s%s", mine, address + n);
    return w > 0 && w <= ILP_ADDRESS_MAX_LEN;
}

/* ---- one setting's removal (the console's tenant page) ---- */

typedef struct {
    const char *tenant_id, *key;
    bool missing;
    int64_t changed;
} setting_delete_tx_t;

static db_rc_t tx_setting_delete(db_conn_t *c, void *arg, db_err_t *e)
{
    setting_delete_tx_t *t = arg;
    db_rc_t rc = read_tenant(c, t->tenant_id, false, NULL, e);
    t->missing = rc == DB_NOT_FOUND;
    if (rc != DB_ROW)
        return t->missing ? DB_OK : rc;
    db_stmt_t *st = db_prepare(c, "DELETE FROM tenant_settings WHERE tenant_id = ? AND key = ?", e);
    if (!st)
        return e->code;
    db_bind_str(st, 1, t->tenant_id);
    db_bind_str(st, 2, t->key);
    rc = db_run(st, e);
    t->changed = rc == DB_OK ? db_changes(st) : 0;
    return rc;
}

pay_tenant_result_t pay_tenant_setting_delete(db_t *db, const char *tenant_id, const char *key)
{
    if (!uuid_ok(tenant_id))
        return PAY_TENANT_NOT_FOUND;
    if (!known_key(key))
        return PAY_TENANT_INVALID_SETTING;
    setting_delete_tx_t t = {.tenant_id = tenant_id, .key = key};
    db_err_t e = {0};
    if (db_write_tx(db, tx_setting_delete, &t, &e) != DB_OK)
        return storage("settings", &e);
    return t.missing || t.changed == 0 ? PAY_TENANT_NOT_FOUND : PAY_TENANT_OK;
}
