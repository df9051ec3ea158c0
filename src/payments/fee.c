/*
 * Fees per asset (see fee.h): the fees table, newest row per asset and type is the current fee.
 */
#include "payments/fee.h"

#include <string.h>

#include "payments/rows.h"
#include "base/clock.h"
#include "base/log.h"

static const char *const RESULT_NAMES[FEE_RESULT_COUNT] = {
    [FEE_OK] = "ok",
    [FEE_UNKNOWN_ASSET] = "unknown_asset",
    [FEE_INVALID_BASIS_POINTS] = "invalid_basis_points",
    [FEE_INVALID_FIXED] = "invalid_fixed",
    [FEE_NOT_FOUND] = "not_found",
    [FEE_INVALID_CURSOR] = "invalid_cursor",
    [FEE_STORAGE_ERROR] = "storage_error",
};

const char *fee_result_str(fee_result_t r)
{
    return (unsigned)r < FEE_RESULT_COUNT ? RESULT_NAMES[r] : "unknown";
}

const char *fee_type_str(fee_type_t t)
{
    return t == FEE_RECEIVING ? "RECEIVING" : "SENDING";
}

int fee_type_parse(const char *s, size_t len, fee_type_t *out)
{
    if (len == 7 && memcmp(s, "SENDING", 7) == 0)
        *out = FEE_SENDING;
    else if (len == 9 && memcmp(s, "RECEIVING", 9) == 0)
        *out = FEE_RECEIVING;
    else
        return -1;
    return 0;
}

#define FEE_COLUMNS "id, asset_id, type, fixed, basis_points, created_at, seq"

static void fee_from_row(db_stmt_t *st, fee_t *f)
{
    memset(f, 0, sizeof *f);
    f->id = pay_col_id(st, 0);
    f->asset_id = pay_col_id(st, 1);
    const char *type = db_col_text(st, 2, NULL);
    if (!type || fee_type_parse(type, strlen(type), &f->type) != 0)
        f->type = FEE_SENDING;
    f->fixed = db_col_u64(st, 3);
    f->basis_points = (uint32_t)db_col_i64(st, 4);
    f->created_ms = db_col_i64(st, 5);
}

static fee_result_t storage(const char *what, const db_err_t *e)
{
    LOGE("fees: %s: %s", what, e->msg);
    return FEE_STORAGE_ERROR;
}

static db_rc_t tx_insert(db_conn_t *c, void *arg, db_err_t *e)
{
    const fee_t *f = arg;
    db_stmt_t *st = db_prepare(c,
                               "INSERT INTO fees (id, asset_id, type, fixed, basis_points, "
                               "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                               e);
    if (!st)
        return e->code;
    pay_bind_id(st, 1, f->id);
    pay_bind_id(st, 2, f->asset_id);
    db_bind_str(st, 3, fee_type_str(f->type));
    db_bind_u64(st, 4, f->fixed);
    db_bind_i64(st, 5, (int64_t)f->basis_points);
    db_bind_i64(st, 6, f->created_ms);
    return db_run(st, e);
}

fee_result_t fee_set(db_t *db, ledger_t *ledger, ledger_id_t asset_id, fee_type_t type,
                     uint64_t fixed, int64_t basis_points, fee_t *out)
{
    /* Rafiki's order: the fixed fee, then the basis points, then the asset (its insert) */
    if (fixed > (uint64_t)INT64_MAX)
        return FEE_INVALID_FIXED;
    if (basis_points < 0 || basis_points > (int64_t)FEES_BPS_MAX)
        return FEE_INVALID_BASIS_POINTS;
    ledger_asset_t a;
    ledger_result_t lr = ledger_asset_get(ledger, asset_id, &a);
    if (lr == LEDGER_ASSET_NOT_FOUND)
        return FEE_UNKNOWN_ASSET;
    if (lr != LEDGER_OK) {
        LOGE("fees: asset read: %s", ledger_result_str(lr));
        return FEE_STORAGE_ERROR;
    }
    fee_t f = {.id = ledger_id_time_ordered(),
               .asset_id = asset_id,
               .type = type,
               .fixed = fixed,
               .basis_points = (uint32_t)basis_points,
               .created_ms = clock_wall_ms()};
    db_err_t e = {0};
    if (db_write_tx(db, tx_insert, &f, &e) != DB_OK)
        return storage("insert", &e);
    *out = f;
    return FEE_OK;
}

fee_result_t fee_current(db_t *db, ledger_id_t asset_id, fee_type_t type, fee_t *out)
{
    db_err_t e = {0};
    db_conn_t *c = db_acquire(db, DB_CONN_READ, &e);
    if (!c)
        return storage("read", &e);
    db_stmt_t *st = db_prepare(c,
                               "SELECT " FEE_COLUMNS " FROM fees WHERE asset_id = ? AND type = ? "
                               "ORDER BY seq DESC LIMIT 1",
                               &e);
    db_rc_t rc = st ? DB_OK : e.code;
    if (st) {
        pay_bind_id(st, 1, asset_id);
        db_bind_str(st, 2, fee_type_str(type));
        rc = db_step_one(st, &e);
    }
    if (rc == DB_ROW)
        fee_from_row(st, out);
    db_release(c);
    if (rc == DB_ROW)
        return FEE_OK;
    return rc == DB_NOT_FOUND ? FEE_NOT_FOUND : storage("read", &e);
}

/* The seq of fee id of the asset; DB_NOT_FOUND when it is not one. */
static db_rc_t cursor_seq(db_conn_t *c, ledger_id_t asset_id, ledger_id_t id, int64_t *seq,
                          db_err_t *e)
{
    db_stmt_t *st = db_prepare(c, "SELECT seq FROM fees WHERE id = ? AND asset_id = ?", e);
    if (!st)
        return e->code;
    pay_bind_id(st, 1, id);
    pay_bind_id(st, 2, asset_id);
    db_rc_t rc = db_step_one(st, e);
    if (rc == DB_ROW)
        *seq = db_col_i64(st, 0);
    return rc == DB_ROW ? DB_OK : rc;
}

/* Reverses out[0..n). */
static void reverse(fee_t *out, size_t n)
{
    for (size_t i = 0; i < n / 2; i++) {
        fee_t t = out[i];
        out[i] = out[n - 1 - i];
        out[n - 1 - i] = t;
    }
}

fee_result_t fee_list(db_t *db, ledger_id_t asset_id, const fee_page_t *page, fee_t *out,
                      size_t cap, size_t *n)
{
    size_t limit = page->limit < cap ? page->limit : cap;
    *n = 0;
    if (limit > FEE_PAGE_MAX)
        limit = FEE_PAGE_MAX;
    /* the scan runs up the seq order when the page order is ascending and reads after the
     * cursor, or descending and reads before it; down otherwise */
    bool up = page->descending == page->before;
    db_err_t e = {0};
    db_conn_t *c = db_acquire(db, DB_CONN_READ, &e);
    if (!c)
        return storage("list", &e);
    int64_t from = up ? -1 : INT64_MAX;
    db_rc_t rc = page->has_cursor ? cursor_seq(c, asset_id, page->cursor, &from, &e) : DB_OK;
    db_stmt_t *st = NULL;
    if (rc == DB_OK)
        st = db_prepare(c,
                        up ? "SELECT " FEE_COLUMNS " FROM fees WHERE asset_id = ? AND seq > ? "
                             "ORDER BY seq ASC LIMIT ?"
                           : "SELECT " FEE_COLUMNS " FROM fees WHERE asset_id = ? AND seq < ? "
                             "ORDER BY seq DESC LIMIT ?",
                        &e);
    if (rc == DB_OK && !st)
        rc = e.code;
    if (st) {
        pay_bind_id(st, 1, asset_id);
        db_bind_i64(st, 2, from);
        db_bind_i64(st, 3, (int64_t)limit);
        while ((rc = db_step(st, &e)) == DB_ROW && *n < limit)
            fee_from_row(st, &out[(*n)++]);
        rc = rc == DB_ROW || rc == DB_DONE ? DB_OK : rc;
    }
    db_release(c);
    if (rc == DB_NOT_FOUND)
        return FEE_INVALID_CURSOR;
    if (rc != DB_OK)
        return storage("list", &e);
    if (page->before)
        reverse(out, *n);
    return FEE_OK;
}

fee_result_t fee_sending_for_quote(db_t *db, const ledger_asset_t *asset,
                                   const fees_table_t *fallback, fees_t *out)
{
    fee_t f;
    fee_result_t r = fee_current(db, asset->id, FEE_SENDING, &f);
    if (r == FEE_OK)
        *out = (fees_t){.fixed = f.fixed, .basis_points = f.basis_points};
    else if (r == FEE_NOT_FOUND)
        *out = fees_table_get(fallback, asset->code);
    return r == FEE_NOT_FOUND ? FEE_OK : r;
}
