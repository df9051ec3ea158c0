/*
 * Rafiki's asset model over the ledger's assets (see assets.h): thresholds and the soft delete
 * in asset_settings, liquidity thresholds through liquidity.h, lists paged in memory.
 */
#include "payments/assets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/mem.h"
#include "connector/peers.h"
#include "payments/liquidity.h"

const char *pay_asset_result_str(pay_asset_result_t r)
{
    static const char *const names[PAY_ASSET_RESULT_COUNT] = {
        "ok", "not_found", "duplicate", "code_invalid", "in_use", "storage_error"};
    return (unsigned)r < PAY_ASSET_RESULT_COUNT ? names[r] : "unknown";
}

static void bind_id(db_stmt_t *st, int idx, ledger_id_t id)
{
    char s[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(id, s);
    db_bind_str(st, idx, s);
}

/* The asset_settings row of a->ledger.id into a (none: no withdrawal threshold, live). */
static db_rc_t settings_read(db_t *db, pay_asset_t *a, db_err_t *err)
{
    a->has_withdrawal_threshold = false;
    a->withdrawal_threshold = 0;
    a->deleted_ms = 0;
    db_conn_t *c = db_acquire(db, DB_CONN_READ, err);
    if (!c)
        return err->code;
    db_stmt_t *st = db_prepare(
        c, "SELECT withdrawal_threshold, deleted_at FROM asset_settings WHERE asset_id = ?", err);
    db_rc_t rc = st ? DB_OK : err->code;
    if (st) {
        bind_id(st, 1, a->ledger.id);
        rc = db_step_one(st, err);
    }
    if (rc == DB_ROW) {
        a->has_withdrawal_threshold = !db_col_null(st, 0);
        a->withdrawal_threshold = db_col_u64(st, 0);
        a->deleted_ms = db_col_null(st, 1) ? 0 : db_col_i64(st, 1);
        rc = DB_OK;
    } else if (rc == DB_NOT_FOUND) {
        rc = DB_OK;
    }
    db_release(c);
    return rc;
}

static db_rc_t settings_write(db_t *db, const pay_asset_t *a, db_err_t *err)
{
    db_conn_t *c = db_acquire(db, DB_CONN_WRITE, err);
    if (!c)
        return err->code;
    db_stmt_t *st = db_prepare(
        c,
        "INSERT INTO asset_settings (asset_id, withdrawal_threshold, deleted_at, updated_at) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (asset_id) DO UPDATE SET "
        "withdrawal_threshold = excluded.withdrawal_threshold, deleted_at = excluded.deleted_at, "
        "updated_at = excluded.updated_at",
        err);
    db_rc_t rc = st ? DB_OK : err->code;
    if (st) {
        bind_id(st, 1, a->ledger.id);
        if (a->has_withdrawal_threshold)
            db_bind_u64(st, 2, a->withdrawal_threshold);
        else
            db_bind_null(st, 2);
        if (a->deleted_ms)
            db_bind_i64(st, 3, a->deleted_ms);
        else
            db_bind_null(st, 3);
        db_bind_i64(st, 4, clock_wall_ms());
        rc = db_run(st, err);
    }
    db_release(c);
    return rc;
}

/* Sets (threshold not NULL) or clears the liquidity threshold of a's liquidity account. */
static db_rc_t liquidity_write(db_t *db, const pay_asset_t *a, const uint64_t *threshold,
                               db_err_t *err)
{
    if (!threshold)
        return liquidity_threshold_clear(db, a->ledger.id, err);
    liquidity_threshold_t t = {.kind = LIQUIDITY_ASSET,
                               .owner_id = a->ledger.id,
                               .account_id = a->ledger.liquidity_account_id,
                               .asset_id = a->ledger.id,
                               .asset_scale = a->ledger.scale,
                               .threshold = *threshold};
    snprintf(t.asset_code, sizeof t.asset_code, "%s", a->ledger.code);
    return liquidity_threshold_set(db, &t, err);
}

/* a->ledger is set: reads the rest. */
static pay_asset_result_t fill(db_t *db, pay_asset_t *a)
{
    db_err_t err = {0};
    if (settings_read(db, a, &err) != DB_OK)
        return PAY_ASSET_STORAGE_ERROR;
    liquidity_threshold_t t;
    db_rc_t rc = liquidity_threshold_get(db, a->ledger.id, &t, &err);
    if (rc != DB_OK && rc != DB_NOT_FOUND)
        return PAY_ASSET_STORAGE_ERROR;
    a->has_liquidity_threshold = rc == DB_OK;
    a->liquidity_threshold = rc == DB_OK ? t.threshold : 0;
    return PAY_ASSET_OK;
}

/* Any asset by id, deleted or not. */
static pay_asset_result_t get_any(db_t *db, ledger_t *l, ledger_id_t id, pay_asset_t *out)
{
    memset(out, 0, sizeof *out);
    ledger_result_t r = ledger_asset_get(l, id, &out->ledger);
    if (r == LEDGER_ASSET_NOT_FOUND)
        return PAY_ASSET_NOT_FOUND;
    if (r != LEDGER_OK)
        return PAY_ASSET_STORAGE_ERROR;
    return fill(db, out);
}

pay_asset_result_t pay_asset_get(db_t *db, ledger_t *l, ledger_id_t id, pay_asset_t *out)
{
    pay_asset_result_t r = get_any(db, l, id, out);
    if (r == PAY_ASSET_OK && out->deleted_ms)
        return PAY_ASSET_NOT_FOUND;
    return r;
}

/* Every ledger asset, up to PAY_ASSETS_MAX, into a new array (*n of them; free it). */
static pay_asset_result_t list_all(ledger_t *l, ledger_asset_t **out, size_t *n)
{
    enum { STEP = 256 };
    ledger_asset_t *v = xmalloc(sizeof *v * PAY_ASSETS_MAX);
    ledger_id_t after = {0, 0};
    *n = 0;
    for (;;) {
        size_t got = 0, room = PAY_ASSETS_MAX - *n;
        size_t want = room < STEP ? room : STEP;
        if (want == 0)
            break;
        if (ledger_asset_list(l, after, v + *n, want, &got) != LEDGER_OK) {
            free(v);
            return PAY_ASSET_STORAGE_ERROR;
        }
        *n += got;
        if (got < want)
            break;
        after = v[*n - 1].id;
    }
    *out = v;
    return PAY_ASSET_OK;
}

pay_asset_result_t pay_asset_by_code(db_t *db, ledger_t *l, const char *code, uint8_t scale,
                                     pay_asset_t *out)
{
    return pay_asset_by_code_in(db, l, "", code, scale, out);
}

pay_asset_result_t pay_asset_by_code_in(db_t *db, ledger_t *l, const char *scope, const char *code,
                                        uint8_t scale, pay_asset_t *out)
{
    ledger_asset_t *all;
    size_t n;
    pay_asset_result_t r = list_all(l, &all, &n);
    if (r != PAY_ASSET_OK)
        return r;
    r = PAY_ASSET_NOT_FOUND;
    for (size_t i = 0; i < n; i++) {
        if (all[i].scale == scale && strcmp(all[i].code, code) == 0 &&
            strcmp(all[i].scope, scope) == 0) {
            memset(out, 0, sizeof *out);
            out->ledger = all[i];
            r = fill(db, out);
            break;
        }
    }
    free(all);
    return r;
}

/* Brings back the deleted asset *a (Rafiki keeps its thresholds as they were). */
static pay_asset_result_t undelete(db_t *db, pay_asset_t *a)
{
    db_err_t err = {0};
    a->deleted_ms = 0;
    return settings_write(db, a, &err) == DB_OK ? PAY_ASSET_OK : PAY_ASSET_STORAGE_ERROR;
}

pay_asset_result_t pay_asset_create(db_t *db, ledger_t *l, const char *code, uint8_t scale,
                                    const uint64_t *withdrawal_threshold,
                                    const uint64_t *liquidity_threshold, pay_asset_t *out)
{
    return pay_asset_create_in(db, l, "", code, scale, withdrawal_threshold, liquidity_threshold,
                               out);
}

pay_asset_result_t pay_asset_create_in(db_t *db, ledger_t *l, const char *scope, const char *code,
                                       uint8_t scale, const uint64_t *withdrawal_threshold,
                                       const uint64_t *liquidity_threshold, pay_asset_t *out)
{
    memset(out, 0, sizeof *out);
    if (strlen(code) == 0 || strlen(code) > ASSET_CODE_MAX_LEN ||
        strlen(scope) > LEDGER_ASSET_SCOPE_MAX)
        return PAY_ASSET_CODE_INVALID;
    pay_asset_result_t r = pay_asset_by_code_in(db, l, scope, code, scale, out);
    if (r == PAY_ASSET_OK)
        return out->deleted_ms ? undelete(db, out) : PAY_ASSET_DUPLICATE;
    if (r != PAY_ASSET_NOT_FOUND)
        return r;
    memset(out, 0, sizeof *out);
    memcpy(out->ledger.code, code, strlen(code) + 1);
    memcpy(out->ledger.scope, scope, strlen(scope) + 1);
    out->ledger.scale = scale;
    ledger_result_t lr = ledger_asset_create(l, &out->ledger);
    if (lr == LEDGER_ASSET_CODE_INVALID)
        return PAY_ASSET_CODE_INVALID;
    if (lr == LEDGER_ASSET_EXISTS_WITH_SAME_CODE_AND_SCALE)
        return PAY_ASSET_DUPLICATE; /* created at the same time by another call */
    if (lr != LEDGER_OK)
        return PAY_ASSET_STORAGE_ERROR;
    db_err_t err = {0};
    out->has_withdrawal_threshold = withdrawal_threshold != NULL;
    out->withdrawal_threshold = withdrawal_threshold ? *withdrawal_threshold : 0;
    out->has_liquidity_threshold = liquidity_threshold != NULL;
    out->liquidity_threshold = liquidity_threshold ? *liquidity_threshold : 0;
    if ((withdrawal_threshold && settings_write(db, out, &err) != DB_OK) ||
        (liquidity_threshold && liquidity_write(db, out, liquidity_threshold, &err) != DB_OK))
        return PAY_ASSET_STORAGE_ERROR;
    return PAY_ASSET_OK;
}

pay_asset_result_t pay_asset_update(db_t *db, ledger_t *l, ledger_id_t id,
                                    const uint64_t *withdrawal_threshold,
                                    const uint64_t *liquidity_threshold, pay_asset_t *out)
{
    pay_asset_result_t r = get_any(db, l, id, out); /* Rafiki's patch finds deleted ones too */
    if (r != PAY_ASSET_OK)
        return r;
    db_err_t err = {0};
    out->has_withdrawal_threshold = withdrawal_threshold != NULL;
    out->withdrawal_threshold = withdrawal_threshold ? *withdrawal_threshold : 0;
    out->has_liquidity_threshold = liquidity_threshold != NULL;
    out->liquidity_threshold = liquidity_threshold ? *liquidity_threshold : 0;
    if (settings_write(db, out, &err) != DB_OK ||
        liquidity_write(db, out, liquidity_threshold, &err) != DB_OK)
        return PAY_ASSET_STORAGE_ERROR;
    return PAY_ASSET_OK;
}

/* Whether a peer or a wallet address (a wallet account of the asset) uses the asset. */
static pay_asset_result_t in_use(db_t *db, ledger_t *l, ledger_id_t id, bool *used)
{
    if (peers_db_asset_in_use(db, id, used) != PEERS_OK)
        return PAY_ASSET_STORAGE_ERROR;
    if (*used)
        return PAY_ASSET_OK;
    ledger_account_filter_t f = {.asset_id = id, .kind = LEDGER_KIND_WALLET};
    ledger_account_t a;
    size_t n = 0;
    if (ledger_account_list(l, &f, (ledger_id_t){0, 0}, &a, 1, &n) != LEDGER_OK)
        return PAY_ASSET_STORAGE_ERROR;
    *used = n > 0;
    return PAY_ASSET_OK;
}

pay_asset_result_t pay_asset_delete(db_t *db, ledger_t *l, ledger_id_t id, int64_t now_ms,
                                    pay_asset_t *out)
{
    pay_asset_result_t r = pay_asset_get(db, l, id, out);
    if (r != PAY_ASSET_OK)
        return r;
    bool used = false;
    if ((r = in_use(db, l, id, &used)) != PAY_ASSET_OK)
        return r;
    if (used)
        return PAY_ASSET_IN_USE;
    db_err_t err = {0};
    out->deleted_ms = now_ms ? now_ms : 1;
    return settings_write(db, out, &err) == DB_OK ? PAY_ASSET_OK : PAY_ASSET_STORAGE_ERROR;
}

/* Whether id is among the deleted assets' ids. */
static bool is_deleted(const ledger_id_t *deleted, size_t n, ledger_id_t id)
{
    for (size_t i = 0; i < n; i++)
        if (deleted[i].hi == id.hi && deleted[i].lo == id.lo)
            return true;
    return false;
}

/* The ids of deleted assets (up to cap) into out, *n. */
static db_rc_t deleted_ids(db_t *db, ledger_id_t *out, size_t cap, size_t *n, db_err_t *err)
{
    *n = 0;
    db_conn_t *c = db_acquire(db, DB_CONN_READ, err);
    if (!c)
        return err->code;
    db_stmt_t *st =
        db_prepare(c, "SELECT asset_id FROM asset_settings WHERE deleted_at IS NOT NULL", err);
    db_rc_t rc = st ? DB_OK : err->code;
    while (st && *n < cap && (rc = db_step(st, err)) == DB_ROW) {
        size_t len;
        const char *s = db_col_text(st, 0, &len);
        if (ledger_id_parse(s, len, &out[*n]) == 0)
            (*n)++;
    }
    if (rc == DB_DONE || rc == DB_ROW)
        rc = DB_OK;
    db_release(c);
    return rc;
}

pay_asset_result_t pay_assets_page(db_t *db, ledger_t *l, const pay_keyset_t *k, pay_asset_t *out,
                                   size_t *n)
{
    *n = 0;
    ledger_asset_t *all;
    size_t nall;
    pay_asset_result_t r = list_all(l, &all, &nall);
    if (r != PAY_ASSET_OK)
        return r;
    ledger_id_t *deleted = xmalloc(sizeof *deleted * PAY_ASSETS_MAX);
    pay_key_t *keys = xmalloc(sizeof *keys * (nall + 1));
    size_t *idx = xmalloc(sizeof *idx * (nall + 1)), *pos = xmalloc(sizeof *pos * (k->limit + 1));
    size_t ndel = 0, nkeys = 0, npage = 0;
    db_err_t err = {0};
    if (deleted_ids(db, deleted, PAY_ASSETS_MAX, &ndel, &err) != DB_OK) {
        r = PAY_ASSET_STORAGE_ERROR;
        goto done;
    }
    for (size_t i = 0; i < nall; i++) {
        if (is_deleted(deleted, ndel, all[i].id))
            continue;
        keys[nkeys] = (pay_key_t){all[i].created_ms, all[i].id};
        idx[nkeys++] = i;
    }
    pay_keys_sort(keys, idx, nkeys);
    pay_keyset_window(keys, nkeys, k, pos, &npage);
    for (size_t i = 0; i < npage && r == PAY_ASSET_OK; i++) {
        memset(&out[i], 0, sizeof out[i]);
        out[i].ledger = all[idx[pos[i]]];
        r = fill(db, &out[i]);
        *n = i + 1;
    }
done:
    free(all);
    free(deleted);
    free(keys);
    free(idx);
    free(pos);
    return r;
}

pay_asset_result_t pay_asset_ledger_number(ledger_t *l, ledger_id_t id, uint32_t *out)
{
    *out = 0;
    ledger_asset_t *all;
    size_t n;
    pay_asset_result_t r = list_all(l, &all, &n);
    if (r != PAY_ASSET_OK)
        return r;
    const ledger_asset_t *me = NULL;
    for (size_t i = 0; i < n && !me; i++)
        if (all[i].id.hi == id.hi && all[i].id.lo == id.lo)
            me = &all[i];
    if (me) {
        pay_key_t mine = {me->created_ms, me->id};
        uint32_t before = 0;
        for (size_t i = 0; i < n; i++) {
            pay_key_t k = {all[i].created_ms, all[i].id};
            before += pay_key_cmp(&k, &mine) < 0;
        }
        *out = before + 1;
    }
    free(all);
    return me ? PAY_ASSET_OK : PAY_ASSET_NOT_FOUND;
}
