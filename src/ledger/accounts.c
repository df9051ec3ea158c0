/*
 * Assets and accounts: creation (idempotent on the caller's id), reads, updates, lists, status
 * and per-account transfer history. These run directly on the database (not through the
 * batcher): they are rare next to transfers. Status and history read committed rows.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/env.h"
#include "base/log.h"
#include "ilp/address.h"
#include "ledger/core.h"
#include "ledger/ledger_internal.h"
#include "ledger/lstore.h"

static bool asset_code_valid(const char *s)
{
    size_t n = strnlen(s, ASSET_CODE_MAX_LEN + 1);
    if (n == 0 || n > ASSET_CODE_MAX_LEN)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            return false;
    }
    return true;
}

/* ---- assets ---- */

static db_rc_t asset_insert(db_conn_t *conn, const ledger_asset_t *a, db_err_t *err)
{
    db_stmt_t *st = db_prepare(conn,
                               "INSERT INTO assets (id, code, scale, liquidity_account_id, "
                               "settlement_account_id, created_at, scope) VALUES (?,?,?,?,?,?,?)",
                               err);
    if (!st)
        return err->code;
    lstore_bind_id(st, 1, a->id);
    db_bind_str(st, 2, a->code);
    db_bind_i64(st, 3, a->scale);
    lstore_bind_id(st, 4, a->liquidity_account_id);
    lstore_bind_id(st, 5, a->settlement_account_id);
    db_bind_i64(st, 6, a->created_ms);
    db_bind_str(st, 7, a->scope);
    db_rc_t rc = db_run(st, err);
    if (rc != DB_OK)
        return rc;
    ledger_account_t acct = {
        .id = a->liquidity_account_id, .asset_id = a->id, .kind = LEDGER_KIND_ASSET_LIQUIDITY};
    rc = lstore_account_insert(conn, &acct, a->created_ms, err);
    if (rc != DB_OK)
        return rc;
    acct = (ledger_account_t){.id = a->settlement_account_id,
                              .asset_id = a->id,
                              .kind = LEDGER_KIND_SETTLEMENT,
                              .no_min_balance = true};
    return lstore_account_insert(conn, &acct, a->created_ms, err);
}

static ledger_result_t asset_compare(const ledger_asset_t *old, ledger_asset_t *asset)
{
    if (strcmp(old->code, asset->code) != 0 || old->scale != asset->scale ||
        strcmp(old->scope, asset->scope) != 0)
        return LEDGER_EXISTS_WITH_DIFFERENT_FIELDS;
    *asset = *old;
    return LEDGER_EXISTS;
}

ledger_result_t ledger_asset_create(ledger_t *l, ledger_asset_t *asset)
{
    if (!asset_code_valid(asset->code) || memchr(asset->scope, '\0', sizeof asset->scope) == NULL)
        return LEDGER_ASSET_CODE_INVALID;
    if (ledger_id_is_zero(asset->id))
        asset->id = ledger_id_random();
    db_err_t err;
    db_conn_t *conn = db_acquire(ledger_db(l), DB_CONN_WRITE, &err);
    if (!conn)
        return LEDGER_STORAGE_ERROR;
    ledger_result_t r = LEDGER_STORAGE_ERROR;
    ledger_asset_t old;
    db_rc_t rc = lstore_asset_read(conn, asset->id, &old, &err);
    if (rc == DB_OK) {
        r = asset_compare(&old, asset);
        goto done;
    }
    if (rc != DB_NOT_FOUND)
        goto done;
    asset->liquidity_account_id = ledger_id_random();
    asset->settlement_account_id = ledger_id_random();
    asset->created_ms = clock_wall_ms();
    rc = db_begin(conn, DB_TX_WRITE, &err);
    if (rc == DB_OK)
        rc = asset_insert(conn, asset, &err);
    if (rc == DB_OK)
        rc = db_commit(conn, &err);
    if (rc == DB_OK) {
        r = LEDGER_OK;
    } else if (rc == DB_CONSTRAINT) {
        db_rollback(conn);
        /* a concurrent create of the same id, or the (code, scale) pair is taken */
        if (lstore_asset_read(conn, asset->id, &old, &err) == DB_OK)
            r = asset_compare(&old, asset);
        else
            r = LEDGER_ASSET_EXISTS_WITH_SAME_CODE_AND_SCALE;
    }
done:
    db_rollback(conn);
    db_release(conn);
    return r;
}

/* lstore_asset_read through the database handle's memo (db.h): assets never change once
 * created. */
static db_rc_t asset_read_memo(db_conn_t *conn, ledger_id_t id, ledger_asset_t *out, db_err_t *err)
{
    uint8_t key[DB_MEMO_KEY_LEN];
    ledger_id_bytes(id, key);
    if (db_memo_get(db_conn_db(conn), DB_MEMO_LEDGER_ASSET, key, out, sizeof *out))
        return DB_OK;
    db_rc_t rc = lstore_asset_read(conn, id, out, err);
    if (rc == DB_OK)
        db_memo_put(conn, DB_MEMO_LEDGER_ASSET, key, out, sizeof *out);
    return rc;
}

ledger_result_t ledger_asset_read(db_conn_t *conn, ledger_id_t id, ledger_asset_t *out)
{
    db_err_t err;
    db_rc_t rc = asset_read_memo(conn, id, out, &err);
    if (rc != DB_OK && rc != DB_NOT_FOUND)
        LOGW("ledger: reading an asset: %s", err.msg);
    return rc == DB_OK          ? LEDGER_OK
           : rc == DB_NOT_FOUND ? LEDGER_ASSET_NOT_FOUND
                                : LEDGER_STORAGE_ERROR;
}

ledger_result_t ledger_asset_get(ledger_t *l, ledger_id_t id, ledger_asset_t *out)
{
    db_err_t err;
    db_conn_t *conn = db_acquire(ledger_db(l), DB_CONN_READ, &err);
    if (!conn)
        return LEDGER_STORAGE_ERROR;
    ledger_result_t r = ledger_asset_read(conn, id, out);
    db_release(conn);
    return r;
}

/* Binds `after` for "id > ?": ids are stored as lower-case text, whose order is the ids' byte
 * order, and "" sorts before every id. */
static void bind_after(db_stmt_t *st, int idx, ledger_id_t after)
{
    if (ledger_id_is_zero(after))
        db_bind_str(st, idx, "");
    else
        lstore_bind_id(st, idx, after);
}

static void asset_row(db_stmt_t *st, void *out)
{
    lstore_asset_row(st, out);
}

static void account_row(db_stmt_t *st, void *out)
{
    lstore_account_row(st, out);
}

/*
 * The end of a list call: binds cap as the statement's last parameter (cap_idx), reads up to cap
 * rows into out (elements of size bytes, each by row()), releases conn. LEDGER_OK or
 * LEDGER_STORAGE_ERROR (logged, naming what); st NULL means its prepare failed.
 */
static ledger_result_t page_read(db_conn_t *conn, db_stmt_t *st, int cap_idx,
                                 void (*row)(db_stmt_t *, void *), void *out, size_t size,
                                 size_t cap, size_t *n, db_err_t *err, const char *what)
{
    ledger_result_t r = LEDGER_STORAGE_ERROR;
    if (st) {
        db_bind_i64(st, cap_idx, (int64_t)cap);
        db_rc_t rc = DB_DONE;
        while (*n < cap && (rc = db_step(st, err)) == DB_ROW)
            row(st, (char *)out + (*n)++ * size);
        if (*n == cap || rc == DB_DONE)
            r = LEDGER_OK;
    }
    if (r != LEDGER_OK)
        LOGW("ledger: listing %s: %s", what, err->msg);
    db_release(conn);
    return r;
}

ledger_result_t ledger_asset_list(ledger_t *l, ledger_id_t after, ledger_asset_t *out, size_t cap,
                                  size_t *n)
{
    *n = 0;
    db_err_t err;
    db_conn_t *conn = db_acquire(ledger_db(l), DB_CONN_READ, &err);
    if (!conn)
        return LEDGER_STORAGE_ERROR;
    db_stmt_t *st = db_prepare(
        conn, "SELECT " LSTORE_ASSET_COLS " FROM assets WHERE id > ? ORDER BY id LIMIT ?", &err);
    if (st)
        bind_after(st, 1, after);
    return page_read(conn, st, 2, asset_row, out, sizeof *out, cap, n, &err, "assets");
}

/* ---- accounts ---- */

static bool account_same(const ledger_account_t *a, const ledger_account_t *b)
{
    return ledger_id_eq(a->asset_id, b->asset_id) && ledger_id_eq(a->parent_id, b->parent_id) &&
           a->kind == b->kind && a->min_balance == b->min_balance &&
           a->no_min_balance == b->no_min_balance && a->has_max_balance == b->has_max_balance &&
           (!a->has_max_balance || a->max_balance == b->max_balance) &&
           strcmp(a->ilp_address, b->ilp_address) == 0 &&
           a->max_packet_amount == b->max_packet_amount && a->stream_enabled == b->stream_enabled;
}

static ledger_result_t limits_check(const ledger_account_t *a)
{
    if (a->has_max_balance && !a->no_min_balance && a->min_balance > a->max_balance)
        return LEDGER_MIN_BALANCE_ABOVE_MAX_BALANCE;
    if (a->ilp_address[0] && !ilp_address_is_valid(SLICE(
                                 a->ilp_address, strnlen(a->ilp_address, sizeof a->ilp_address))))
        return LEDGER_ILP_ADDRESS_INVALID;
    return LEDGER_OK;
}

/* The checks that need the database: asset and parent. */
static ledger_result_t account_refs_check(db_conn_t *conn, const ledger_account_t *a, db_err_t *err)
{
    ledger_asset_t asset;
    db_rc_t rc = asset_read_memo(conn, a->asset_id, &asset, err);
    if (rc != DB_OK)
        return rc == DB_NOT_FOUND ? LEDGER_ASSET_NOT_FOUND : LEDGER_STORAGE_ERROR;
    if (ledger_id_is_zero(a->parent_id))
        return LEDGER_OK;
    ledger_account_t parent;
    rc = lstore_account_read(conn, a->parent_id, &parent, err);
    if (rc != DB_OK)
        return rc == DB_NOT_FOUND ? LEDGER_PARENT_NOT_FOUND : LEDGER_STORAGE_ERROR;
    if (!ledger_id_eq(parent.asset_id, a->asset_id))
        return LEDGER_PARENT_MUST_HAVE_THE_SAME_LEDGER;
    return LEDGER_OK;
}

/* The create on conn, as it is (in the caller's transaction, or autocommit). */
static ledger_result_t account_create_on(db_conn_t *conn, ledger_account_t *acct, db_err_t *err)
{
    if (acct->kind < LEDGER_KIND_PEER || acct->kind > LEDGER_KIND_OUTGOING)
        return LEDGER_ACCOUNT_KIND_INVALID;
    ledger_result_t r = limits_check(acct);
    if (r != LEDGER_OK)
        return r;
    if (ledger_id_is_zero(acct->id))
        acct->id = ledger_id_random();
    ledger_account_t old;
    db_rc_t rc = lstore_account_read(conn, acct->id, &old, err);
    if (rc == DB_OK) {
        r = account_same(&old, acct) ? LEDGER_EXISTS : LEDGER_EXISTS_WITH_DIFFERENT_FIELDS;
        if (r == LEDGER_EXISTS)
            *acct = old;
        return r;
    }
    if (rc != DB_NOT_FOUND)
        return LEDGER_STORAGE_ERROR;
    r = account_refs_check(conn, acct, err);
    if (r != LEDGER_OK)
        return r;
    int64_t now = clock_wall_ms();
    rc = lstore_account_insert(conn, acct, now, err);
    if (rc == DB_OK) {
        memset(&acct->counters, 0, sizeof acct->counters);
        acct->created_ms = now;
        return LEDGER_OK;
    }
    if (rc != DB_CONSTRAINT)
        return LEDGER_STORAGE_ERROR;
    if (lstore_account_read(conn, acct->id, &old, err) == DB_OK)
        return account_same(&old, acct) ? LEDGER_EXISTS : LEDGER_EXISTS_WITH_DIFFERENT_FIELDS;
    return LEDGER_ILP_ADDRESS_TAKEN; /* the only other unique column */
}

ledger_result_t ledger_account_create(ledger_t *l, ledger_account_t *acct)
{
    db_err_t err;
    db_conn_t *conn = db_acquire(ledger_db(l), DB_CONN_WRITE, &err);
    if (!conn)
        return LEDGER_STORAGE_ERROR;
    ledger_result_t r = account_create_on(conn, acct, &err);
    db_release(conn);
    return r;
}

ledger_result_t ledger_account_create_in(db_conn_t *conn, ledger_account_t *acct, db_err_t *err)
{
    ASSERT(!ledger_id_is_zero(acct->id));
    ASSERT(db_in_tx(conn));
    db_err_t local;
    return account_create_on(conn, acct, err ? err : &local);
}

ledger_result_t ledger_account_get(ledger_t *l, ledger_id_t id, ledger_account_t *out)
{
    db_err_t err;
    db_conn_t *conn = db_acquire(ledger_db(l), DB_CONN_READ, &err);
    if (!conn)
        return LEDGER_STORAGE_ERROR;
    db_rc_t rc = lstore_account_read(conn, id, out, &err);
    db_release(conn);
    return rc == DB_OK          ? LEDGER_OK
           : rc == DB_NOT_FOUND ? LEDGER_ACCOUNT_NOT_FOUND
                                : LEDGER_STORAGE_ERROR;
}

/* One account's UPDATE in conn's transaction. */
static ledger_result_t account_write(db_conn_t *conn, const ledger_account_t *acct, int64_t now,
                                     db_err_t *err)
{
    db_stmt_t *st = db_prepare(conn,
                               "UPDATE accounts SET min_balance = ?, no_min_balance = ?, "
                               "max_balance = ?, ilp_address = ?, max_packet_amount = ?, "
                               "stream_enabled = ?, updated_at = ? WHERE id = ?",
                               err);
    if (!st)
        return LEDGER_STORAGE_ERROR;
    db_bind_i64(st, 1, acct->min_balance);
    db_bind_bool(st, 2, acct->no_min_balance);
    if (acct->has_max_balance)
        db_bind_i64(st, 3, acct->max_balance);
    else
        db_bind_null(st, 3);
    db_bind_str(st, 4, acct->ilp_address[0] ? acct->ilp_address : NULL);
    db_bind_u64(st, 5, acct->max_packet_amount);
    db_bind_bool(st, 6, acct->stream_enabled);
    db_bind_i64(st, 7, now);
    lstore_bind_id(st, 8, acct->id);
    db_rc_t rc = db_run(st, err);
    if (rc == DB_CONSTRAINT)
        return LEDGER_ILP_ADDRESS_TAKEN;
    if (rc != DB_OK)
        return LEDGER_STORAGE_ERROR;
    return db_changes(st) == 0 ? LEDGER_ACCOUNT_NOT_FOUND : LEDGER_OK;
}

ledger_result_t ledger_accounts_update(ledger_t *l, const ledger_account_t *accts, size_t n,
                                       size_t *failed)
{
    size_t bad = 0;
    ledger_result_t r = LEDGER_OK;
    for (size_t i = 0; i < n && r == LEDGER_OK; i++)
        if ((r = limits_check(&accts[i])) != LEDGER_OK)
            bad = i;
    if (r != LEDGER_OK || n == 0)
        goto out;
    db_err_t err;
    ledger_core_lock(l);
    db_conn_t *conn = db_acquire(ledger_db(l), DB_CONN_WRITE, &err);
    r = LEDGER_STORAGE_ERROR;
    if (!conn || db_begin(conn, DB_TX_WRITE, &err) != DB_OK)
        goto release;
    int64_t now = clock_wall_ms();
    r = LEDGER_OK;
    for (size_t i = 0; i < n && r == LEDGER_OK; i++)
        if ((r = account_write(conn, &accts[i], now, &err)) != LEDGER_OK)
            bad = i;
    if (r != LEDGER_OK) {
        db_rollback(conn);
        goto release;
    }
    if (db_commit(conn, &err) != DB_OK) {
        r = LEDGER_STORAGE_ERROR;
        goto release;
    }
    /* refresh the batcher's cached copies (new limits, same committed counters) */
    for (size_t i = 0; i < n; i++)
        ledger_core_refresh(l, conn, accts[i].id);
release:
    if (r == LEDGER_STORAGE_ERROR && conn)
        LOGW("ledger: account update failed: %s", err.msg);
    db_release(conn);
    ledger_core_unlock(l);
out:
    if (failed)
        *failed = bad;
    return r;
}

ledger_result_t ledger_account_update(ledger_t *l, const ledger_account_t *acct)
{
    return ledger_accounts_update(l, acct, 1, NULL);
}

/* The SELECT of ledger_account_list for the filters f sets: one text per combination, so each
 * is a plain indexed query (and a cached statement). */
static const char *account_list_sql(const ledger_account_filter_t *f)
{
#define ACCOUNT_LIST(cond)                                                                         \
    "SELECT " LSTORE_ACCOUNT_COLS " FROM accounts_v WHERE id > ?" cond " ORDER BY id LIMIT ?"
    static const char *const sql[8] = {
        ACCOUNT_LIST(""),
        ACCOUNT_LIST(" AND asset_id = ?"),
        ACCOUNT_LIST(" AND parent_id = ?"),
        ACCOUNT_LIST(" AND asset_id = ? AND parent_id = ?"),
        ACCOUNT_LIST(" AND kind = ?"),
        ACCOUNT_LIST(" AND asset_id = ? AND kind = ?"),
        ACCOUNT_LIST(" AND parent_id = ? AND kind = ?"),
        ACCOUNT_LIST(" AND asset_id = ? AND parent_id = ? AND kind = ?"),
    };
#undef ACCOUNT_LIST
    unsigned k = (ledger_id_is_zero(f->asset_id) ? 0u : 1u) |
                 (ledger_id_is_zero(f->parent_id) ? 0u : 2u) | (f->kind ? 4u : 0u);
    return sql[k];
}

ledger_result_t ledger_account_list(ledger_t *l, const ledger_account_filter_t *filter,
                                    ledger_id_t after, ledger_account_t *out, size_t cap, size_t *n)
{
    static const ledger_account_filter_t any = {0};
    const ledger_account_filter_t *f = filter ? filter : &any;
    *n = 0;
    db_err_t err;
    db_conn_t *conn = db_acquire(ledger_db(l), DB_CONN_READ, &err);
    if (!conn)
        return LEDGER_STORAGE_ERROR;
    db_stmt_t *st = db_prepare(conn, account_list_sql(f), &err);
    int i = 1;
    if (st) {
        bind_after(st, i++, after);
        if (!ledger_id_is_zero(f->asset_id))
            lstore_bind_id(st, i++, f->asset_id);
        if (!ledger_id_is_zero(f->parent_id))
            lstore_bind_id(st, i++, f->parent_id);
        if (f->kind)
            db_bind_i64(st, i++, (int64_t)f->kind);
    }
    return page_read(conn, st, i, account_row, out, sizeof *out, cap, n, &err, "accounts");
}

ledger_result_t ledger_account_status(ledger_t *l, ledger_id_t id, ledger_status_t *out)
{
    ledger_account_t a;
    ledger_result_t r = ledger_account_get(l, id, &a);
    if (r != LEDGER_OK)
        return r;
    lc_account_t c = {
        .min_balance = a.min_balance, .no_min_balance = a.no_min_balance, .c = a.counters};
    lcore_status(&c, out);
    return LEDGER_OK;
}

/* ---- history ---- */

/* The cursor is "<seq>.<uuid>" of the last row returned. */
static int cursor_parse(const char *s, int64_t *seq, ledger_id_t *id)
{
    const char *dot = strchr(s, '.');
    uint64_t v;
    if (!dot || parse_u64(s, (size_t)(dot - s), &v) != 0 || v > (uint64_t)INT64_MAX)
        return -1;
    size_t n = strlen(dot + 1);
    for (size_t i = 0; i < n; i++)
        if (dot[1 + i] >= 'A' && dot[1 + i] <= 'F')
            return -1; /* we only hand out the lower-case form */
    if (n != LEDGER_ID_STR_LEN || ledger_id_parse(dot + 1, n, id) != 0)
        return -1;
    *seq = (int64_t)v;
    return 0;
}

/* One row of an SQLite history walk: the transfer at seq and the seq of the account's previous
 * transfer (0 for none). DB_NOT_FOUND when no row has that seq or the account is on neither
 * side. */
static db_rc_t chain_row(db_conn_t *conn, ledger_id_t account, int64_t seq, ledger_transfer_t *t,
                         int64_t *prev, db_err_t *err)
{
    db_stmt_t *st = db_prepare(conn,
                               "SELECT " LSTORE_TRANSFER_COLS
                               ", prev_debit, prev_credit FROM transfers WHERE seq = ?",
                               err);
    if (!st)
        return err->code;
    db_bind_i64(st, 1, seq);
    db_rc_t rc = db_step_one(st, err);
    if (rc != DB_ROW)
        return rc;
    lstore_transfer_row(st, t);
    int64_t delta;
    if (ledger_id_eq(t->debit_account_id, account))
        delta = db_col_i64(st, 13);
    else if (ledger_id_eq(t->credit_account_id, account))
        delta = db_col_i64(st, 14);
    else
        return DB_NOT_FOUND;
    *prev = delta > 0 && delta < seq ? seq - delta : 0;
    return DB_OK;
}

/*
 * SQLite: an account's transfers are a chain from its newest (account_counters.last_seq) through
 * each row's link to the previous one on the account's side (sql/002_ledger_keys.sql), so a page
 * is one rowid lookup per transfer. Links never change once written, so walking them with
 * separate statements sees a consistent history even while batches commit.
 */
static ledger_result_t history_chain(db_conn_t *conn, ledger_id_t account, bool first_page,
                                     int64_t seq, ledger_id_t after, ledger_transfer_t *out,
                                     size_t cap, size_t *n, char next_cursor[LEDGER_CURSOR_LEN])
{
    db_err_t err;
    int64_t at = 0;
    if (first_page) {
        db_stmt_t *st = db_prepare(conn, "SELECT last_seq FROM accounts_v WHERE id = ?", &err);
        if (!st)
            return LEDGER_STORAGE_ERROR;
        lstore_bind_id(st, 1, account);
        db_rc_t rc = db_step_one(st, &err);
        if (rc == DB_ROW)
            at = db_col_i64(st, 0);
        else if (rc != DB_NOT_FOUND)
            return LEDGER_STORAGE_ERROR;
    } else {
        ledger_transfer_t t;
        db_rc_t rc = chain_row(conn, account, seq, &t, &at, &err);
        if (rc == DB_NOT_FOUND || (rc == DB_OK && !ledger_id_eq(t.id, after)))
            return LEDGER_CURSOR_INVALID;
        if (rc != DB_OK)
            return LEDGER_STORAGE_ERROR;
    }
    int64_t last = 0;
    while (at && *n < cap) {
        int64_t prev = 0;
        db_rc_t rc = chain_row(conn, account, at, &out[*n], &prev, &err);
        if (rc != DB_OK) {
            LOGE("ledger: history of an account: transfer seq %" PRId64 ": %s", at,
                 rc == DB_NOT_FOUND ? "missing from the chain" : err.msg);
            return LEDGER_STORAGE_ERROR;
        }
        (*n)++;
        last = at;
        at = prev;
    }
    if (at) {
        char id[LEDGER_ID_STR_LEN + 1];
        ledger_id_format(out[*n - 1].id, id);
        snprintf(next_cursor, LEDGER_CURSOR_LEN, "%" PRId64 ".%s", last, id);
    }
    return LEDGER_OK;
}

/* The Postgres history of account: the index of either side, newest first from the cursor, in
 * one statement (one snapshot). */
static ledger_result_t history_pg(db_conn_t *conn, ledger_id_t account, bool first_page,
                                  int64_t seq, ledger_id_t after, ledger_transfer_t *out,
                                  size_t cap, size_t *n, char next_cursor[LEDGER_CURSOR_LEN])
{
    /* The cursor is a range on seq (seq <= ?) so each index scan
     * starts there instead of at the account's newest entry. */
#define SIDE(col)                                                                                  \
    "SELECT " LSTORE_TRANSFER_COLS " FROM transfers WHERE " col "_key = ? AND " col                \
    "_account_id = ? AND merged = 1 AND seq > 0 AND seq <= ? AND (seq < ? OR id < ?) ORDER BY "    \
    "seq DESC, id DESC LIMIT ?"
    static const char sql[] = "SELECT * FROM (" SIDE("debit") ") d UNION ALL SELECT * FROM (" SIDE(
        "credit") ") c ORDER BY seq DESC, id DESC LIMIT ?";
#undef SIDE
    db_err_t err;
    db_stmt_t *st = db_prepare(conn, sql, &err);
    if (!st)
        return LEDGER_STORAGE_ERROR;
    /* one row more than asked tells whether another page exists */
    int64_t want = (int64_t)cap + 1;
    /* first page: 17 bytes of 0xff sort after every 16-byte id */
    static const uint8_t top[17] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    int p = 1;
    for (int part = 0; part < 2; part++) {
        db_bind_i64(st, p++, lstore_account_key(account));
        lstore_bind_xid(st, p++, account);
        db_bind_i64(st, p++, seq);
        db_bind_i64(st, p++, seq);
        if (first_page)
            db_bind_blob(st, p++, top, sizeof top);
        else
            lstore_bind_xid(st, p++, after);
        db_bind_i64(st, p++, want);
    }
    db_bind_i64(st, p, want);
    db_rc_t rc;
    int64_t last_seq = 0;
    bool more = false;
    while ((rc = db_step(st, &err)) == DB_ROW) {
        if (*n == cap) {
            more = true;
            continue;
        }
        last_seq = lstore_transfer_row(st, &out[(*n)++]);
    }
    if (rc != DB_DONE)
        return LEDGER_STORAGE_ERROR;
    if (more) {
        char id[LEDGER_ID_STR_LEN + 1];
        ledger_id_format(out[*n - 1].id, id);
        snprintf(next_cursor, LEDGER_CURSOR_LEN, "%" PRId64 ".%s", last_seq, id);
    }
    return LEDGER_OK;
}

ledger_result_t ledger_account_transfers(ledger_t *l, ledger_id_t account, const char *cursor,
                                         ledger_transfer_t *out, size_t cap, size_t *n,
                                         char next_cursor[LEDGER_CURSOR_LEN])
{
    *n = 0;
    next_cursor[0] = '\0';
    int64_t seq = INT64_MAX;
    ledger_id_t after = {0, 0};
    bool first_page = !cursor || !cursor[0];
    if (!first_page && cursor_parse(cursor, &seq, &after) != 0)
        return LEDGER_CURSOR_INVALID;
    if (cap == 0)
        return LEDGER_OK;
    db_err_t err;
    db_conn_t *conn = db_acquire(ledger_db(l), DB_CONN_READ, &err);
    if (!conn)
        return LEDGER_STORAGE_ERROR;
    ledger_result_t r = LEDGER_STORAGE_ERROR;
    if (db_conn_kind(conn) == DB_SQLITE) {
        r = history_chain(conn, account, first_page, seq, after, out, cap, n, next_cursor);
        if (r != LEDGER_OK)
            *n = 0;
        goto done;
    }
    r = history_pg(conn, account, first_page, seq, after, out, cap, n, next_cursor);
done:
    db_release(conn);
    return r;
}

ledger_result_t ledger_transfer_get(ledger_t *l, ledger_id_t id, ledger_transfer_t *out)
{
    if (ledger_tail_find(l, id, out))
        return LEDGER_OK;
    db_err_t err;
    db_conn_t *conn = db_acquire(ledger_db(l), DB_CONN_READ, &err);
    if (!conn)
        return LEDGER_STORAGE_ERROR;
    db_rc_t rc = lstore_transfer_read(conn, id, !ledger_tail_in_memory(l), out, &err);
    db_release(conn);
    return rc == DB_OK          ? LEDGER_OK
           : rc == DB_NOT_FOUND ? LEDGER_TRANSFER_NOT_FOUND
                                : LEDGER_STORAGE_ERROR;
}
