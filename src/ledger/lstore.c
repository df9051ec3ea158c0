/*
 * The ledger's SQL over store/db.h, one text for SQLite and Postgres. Batches read their rows
 * with IN (...) lists of a fixed size (padded with a repeated id) so each shape is prepared
 * once, and insert transfers with multi-row INSERTs. See lstore.h.
 */
#include "ledger/lstore.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"

/* ---- statement texts, built once ---- */

/* [shape][2]: SQLite, also through transfer_ids */
static char sql_xfer_in[2][3][LSTORE_IN_CHUNK * 4 + 1024];
/* [shape][1]: SQLite, through accounts_v, also selects counter_key and last_seq */
static char sql_acct_in[2][2][LSTORE_IN_CHUNK * 2 + 1024];
static char sql_insert[3][8192];
static const size_t insert_rows[3] = {LSTORE_INSERT_CHUNK, 8, 1};
static pthread_once_t sql_once = PTHREAD_ONCE_INIT;
static void sql_counters_build(void);

static void placeholders(char *out, size_t cap, size_t n, const char *group)
{
    size_t len = strlen(out);
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(out + len, cap - len, "%s%s", i ? "," : "", group);
        ASSERT(w > 0 && (size_t)w < cap - len);
        len += (size_t)w;
    }
}

/* IN-list shapes: [0] LSTORE_IN_CHUNK ids, [1] LSTORE_IN_SMALL (small batches bind fewer) */
static const size_t in_rows[2] = {LSTORE_IN_CHUNK, LSTORE_IN_SMALL};

static void sql_build(void)
{
    size_t len;
    for (int sh = 0; sh < 2; sh++) {
        size_t rows = in_rows[sh];
        for (int lock = 0; lock < 2; lock++) {
            char *q = sql_xfer_in[sh][lock];
            size_t cap = sizeof sql_xfer_in[sh][lock];
            snprintf(q, cap, "SELECT " LSTORE_TRANSFER_COLS " FROM transfers WHERE id IN (");
            placeholders(q, cap, rows, "?");
            len = strlen(q);
            snprintf(q + len, cap - len, ") AND merged > 0 AND id IS NOT NULL ORDER BY id%s",
                     lock ? "{{FOR_UPDATE}}" : "");
        }
        /* SQLite: rows inserted merged (no account cache) by the id index, bulk-merged ones
         * through transfer_ids; the caller binds the ids twice */
        char *x = sql_xfer_in[sh][2];
        size_t xcap = sizeof sql_xfer_in[sh][2];
        snprintf(x, xcap, "SELECT " LSTORE_TRANSFER_COLS " FROM transfers WHERE id IN (");
        placeholders(x, xcap, rows, "?");
        len = strlen(x);
        snprintf(x + len, xcap - len,
                 ") AND merged > 0 AND id IS NOT NULL UNION ALL SELECT " LSTORE_T_COLS
                 " FROM transfer_ids i JOIN transfers t ON t.merged = 0 AND t.seq = i.seq WHERE "
                 "i.id IN (");
        placeholders(x, xcap, rows, "?");
        len = strlen(x);
        snprintf(x + len, xcap - len, ")");
        for (int lite = 0; lite < 2; lite++) {
            char *q = sql_acct_in[sh][lite];
            size_t cap = sizeof sql_acct_in[sh][lite];
            /* SQLite: the counters come from account_counters (through accounts_v), and the
             * row's counter_key addresses their update; Postgres locks the accounts rows */
            snprintf(q, cap,
                     "SELECT id, asset_id, min_balance, no_min_balance, max_balance, "
                     "debits_pending, debits_posted, credits_pending, credits_posted%s WHERE id "
                     "IN (",
                     lite ? ", counter_key, last_seq FROM accounts_v" : " FROM accounts");
            placeholders(q, cap, rows, "?");
            len = strlen(q);
            snprintf(q + len, cap - len, ") ORDER BY id%s", lite ? "" : "{{FOR_UPDATE}}");
        }
    }
    sql_counters_build();
    for (int k = 0; k < 3; k++) {
        snprintf(sql_insert[k], sizeof sql_insert[k],
                 "INSERT INTO transfers (" LSTORE_TRANSFER_COLS
                 ", merged, debit_key, credit_key, prev_debit, prev_credit) VALUES ");
        placeholders(sql_insert[k], sizeof sql_insert[k], insert_rows[k],
                     "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    }
}

/* ---- ids ---- */

void lstore_bind_id(db_stmt_t *st, int idx, ledger_id_t id)
{
    char s[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(id, s);
    db_bind_text(st, idx, s, LEDGER_ID_STR_LEN);
}

void lstore_bind_xid(db_stmt_t *st, int idx, ledger_id_t id)
{
    uint8_t b[16];
    for (int i = 0; i < 8; i++) {
        b[i] = (uint8_t)(id.hi >> (56 - 8 * i));
        b[8 + i] = (uint8_t)(id.lo >> (56 - 8 * i));
    }
    db_bind_blob(st, idx, b, sizeof b);
}

ledger_id_t lstore_col_xid(db_stmt_t *st, int col)
{
    size_t n = 0;
    const uint8_t *b = db_col_blob(st, col, &n);
    ledger_id_t id = {0, 0};
    if (n != 16)
        return id;
    for (int i = 0; i < 8; i++) {
        id.hi = id.hi << 8 | b[i];
        id.lo = id.lo << 8 | b[8 + i];
    }
    return id;
}

ledger_id_t lstore_col_id(db_stmt_t *st, int col)
{
    size_t n = 0;
    const char *s = db_col_text(st, col, &n);
    ledger_id_t id = {0, 0};
    if (ledger_id_parse(s, n, &id) != 0)
        return (ledger_id_t){0, 0};
    return id;
}

/* ---- rows ---- */

int64_t lstore_transfer_row(db_stmt_t *st, ledger_transfer_t *t)
{
    memset(t, 0, sizeof *t);
    t->id = lstore_col_xid(st, 0);
    t->debit_account_id = lstore_col_xid(st, 1);
    t->credit_account_id = lstore_col_xid(st, 2);
    t->amount = db_col_u64(st, 3);
    t->posted_amount = db_col_u64(st, 4);
    t->flags = (uint32_t)db_col_i64(st, 5);
    t->code = (uint32_t)db_col_i64(st, 6);
    t->state = (ledger_transfer_state_t)db_col_i64(st, 7);
    t->timeout_ms = db_col_u64(st, 8);
    t->created_ms = db_col_i64(st, 9);
    t->expires_ms = db_col_i64(st, 10);
    t->resolved_ms = db_col_i64(st, 11);
    return db_col_i64(st, 12);
}

#define INSERT_COLS 18

int64_t lstore_account_key(ledger_id_t id)
{
    /* stored in every transfer row: never change this function */
    uint64_t h = id.hi ^ (id.lo * 0x9E3779B97F4A7C15ull);
    h ^= h >> 30;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 27;
    h *= 0x94D049BB133111EBull;
    h ^= h >> 31;
    return (int64_t)(h >> 1);
}

/* How a row is written: merged (into the id index at once) or into the tail; chained (SQLite:
 * history by prev_debit/prev_credit links) or indexed by debit_key/credit_key (Postgres). */
typedef struct {
    int64_t seq;
    bool merged;
    int64_t prev_debit, prev_credit; /* seq - the previous seq on that side's account; 0 = none */
} row_meta_t;

static void bind_transfer(db_stmt_t *st, int base, const ledger_transfer_t *t, const row_meta_t *m,
                          bool chained)
{
    lstore_bind_xid(st, base + 1, t->id);
    lstore_bind_xid(st, base + 2, t->debit_account_id);
    lstore_bind_xid(st, base + 3, t->credit_account_id);
    db_bind_u64(st, base + 4, t->amount);
    db_bind_u64(st, base + 5, t->posted_amount);
    db_bind_i64(st, base + 6, t->flags);
    db_bind_i64(st, base + 7, t->code);
    db_bind_i64(st, base + 8, (int64_t)t->state);
    db_bind_u64(st, base + 9, t->timeout_ms);
    db_bind_i64(st, base + 10, t->created_ms);
    db_bind_i64(st, base + 11, t->expires_ms);
    db_bind_i64(st, base + 12, t->resolved_ms);
    db_bind_i64(st, base + 13, m->seq);
    db_bind_i64(st, base + 14, m->merged ? 1 : 0);
    /* a chained row needs no keys: 0 takes no bytes in an SQLite record */
    db_bind_i64(st, base + 15, chained ? 0 : lstore_account_key(t->debit_account_id));
    db_bind_i64(st, base + 16, chained ? 0 : lstore_account_key(t->credit_account_id));
    db_bind_i64(st, base + 17, m->prev_debit);
    db_bind_i64(st, base + 18, m->prev_credit);
}

/* ---- batch loads ---- */

db_rc_t lstore_load_transfers(db_conn_t *conn, lcore_t *c, const ledger_id_t *ids, size_t n,
                              bool for_update, db_err_t *err)
{
    pthread_once(&sql_once, sql_build);
    for (size_t at = 0; at < n;) {
        bool lite = db_conn_kind(conn) == DB_SQLITE;
        int sh = n - at <= LSTORE_IN_SMALL;
        size_t rows = in_rows[sh];
        db_stmt_t *st = db_prepare(conn, sql_xfer_in[sh][lite ? 2 : for_update], err);
        if (!st)
            return err->code;
        for (size_t k = 0; k < rows; k++) {
            size_t i = at + k < n ? at + k : n - 1;
            lstore_bind_xid(st, (int)k + 1, ids[i]);
            if (lite)
                lstore_bind_xid(st, (int)(k + rows) + 1, ids[i]);
        }
        at += rows;
        db_rc_t rc;
        while ((rc = db_step(st, err)) == DB_ROW) {
            ledger_transfer_t t;
            lstore_transfer_row(st, &t);
            lcore_transfer_load(c, &t, 0);
        }
        if (rc != DB_DONE)
            return rc;
    }
    return DB_OK;
}

db_rc_t lstore_load_accounts(db_conn_t *conn, lcore_t *c, const ledger_id_t *ids, size_t n,
                             db_err_t *err)
{
    pthread_once(&sql_once, sql_build);
    for (size_t at = 0; at < n;) {
        bool lite = db_conn_kind(conn) == DB_SQLITE;
        int sh = n - at <= LSTORE_IN_SMALL;
        size_t rows = in_rows[sh];
        db_stmt_t *st = db_prepare(conn, sql_acct_in[sh][lite], err);
        if (!st)
            return err->code;
        for (size_t k = 0; k < rows; k++) {
            size_t i = at + k < n ? at + k : n - 1;
            lstore_bind_id(st, (int)k + 1, ids[i]);
        }
        at += rows;
        db_rc_t rc;
        while ((rc = db_step(st, err)) == DB_ROW) {
            lc_account_t a = {
                .id = lstore_col_id(st, 0),
                .asset_id = lstore_col_id(st, 1),
                .min_balance = db_col_i64(st, 2),
                .no_min_balance = db_col_bool(st, 3),
                .has_max_balance = !db_col_null(st, 4),
                .max_balance = db_col_i64(st, 4),
                .c = {db_col_u64(st, 5), db_col_u64(st, 6), db_col_u64(st, 7), db_col_u64(st, 8)},
                .row = lite ? db_col_i64(st, 9) : 0,
                .last_seq = lite ? db_col_i64(st, 10) : 0,
            };
            lcore_account_put(c, &a);
        }
        if (rc != DB_DONE)
            return rc;
    }
    return DB_OK;
}

/* ---- batch writes ---- */

/* SQLite: accounts' small account_counters rows (see sql/001_ledger.sql), written whole, so the
 * first write creates the row; a->row is its counter_key, which never changes. Several accounts
 * per statement (COUNTER_ROWS[k]): one statement run per account cost more than the write. */
#define COUNTER_COLS 6
static const size_t counter_rows[3] = {LSTORE_COUNTER_CHUNK, 8, 1};
static char sql_counters[3][4096];
/* Postgres: the locked accounts rows, several per UPDATE ... FROM (VALUES ...) */
static char sql_pg_counters[3][8192];

static void sql_counters_build(void)
{
    for (int k = 0; k < 3; k++) {
        char *q = sql_pg_counters[k];
        snprintf(q, sizeof sql_pg_counters[k],
                 "UPDATE accounts AS a SET debits_pending = v.dp, debits_posted = v.dpo, "
                 "credits_pending = v.cp, credits_posted = v.cpo FROM (VALUES ");
        placeholders(q, sizeof sql_pg_counters[k], counter_rows[k],
                     "(?, CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), "
                     "CAST(? AS BIGINT))");
        size_t len = strlen(q);
        snprintf(q + len, sizeof sql_pg_counters[k] - len,
                 ") AS v (id, dp, dpo, cp, cpo) WHERE a.id = v.id");
    }
    for (int k = 0; k < 3; k++) {
        char *q = sql_counters[k];
        snprintf(q, sizeof sql_counters[k],
                 "INSERT INTO account_counters (debits_pending, debits_posted, credits_pending, "
                 "credits_posted, last_seq, account_key) VALUES ");
        placeholders(q, sizeof sql_counters[k], counter_rows[k], "(?,?,?,?,?,?)");
        size_t len = strlen(q);
        snprintf(q + len, sizeof sql_counters[k] - len,
                 " ON CONFLICT (account_key) DO UPDATE SET debits_pending = "
                 "excluded.debits_pending, debits_posted = excluded.debits_posted, "
                 "credits_pending = excluded.credits_pending, credits_posted = "
                 "excluded.credits_posted, last_seq = excluded.last_seq");
    }
}

/* Writes the counters of a[0..n): SQLite by counter_key (account_counters, with last_seq),
 * Postgres into the accounts rows by id. */
static db_rc_t write_counter_rows(db_conn_t *conn, lc_account_t *const *a, size_t n, db_err_t *err)
{
    bool pg = db_conn_kind(conn) == DB_POSTGRES;
    size_t at = 0;
    while (at < n) {
        int k = 0;
        while (counter_rows[k] > n - at)
            k++;
        db_stmt_t *st = db_prepare(conn, pg ? sql_pg_counters[k] : sql_counters[k], err);
        if (!st)
            return err->code;
        for (size_t r = 0; r < counter_rows[k]; r++) {
            const lc_account_t *x = a[at + r];
            if (pg) {
                int base = (int)r * 5;
                lstore_bind_id(st, base + 1, x->id);
                db_bind_u64(st, base + 2, x->c.debits_pending);
                db_bind_u64(st, base + 3, x->c.debits_posted);
                db_bind_u64(st, base + 4, x->c.credits_pending);
                db_bind_u64(st, base + 5, x->c.credits_posted);
                continue;
            }
            int base = (int)r * COUNTER_COLS;
            db_bind_u64(st, base + 1, x->c.debits_pending);
            db_bind_u64(st, base + 2, x->c.debits_posted);
            db_bind_u64(st, base + 3, x->c.credits_pending);
            db_bind_u64(st, base + 4, x->c.credits_posted);
            db_bind_i64(st, base + 5, x->last_seq);
            db_bind_i64(st, base + 6, x->row);
        }
        db_rc_t rc = db_run(st, err);
        if (rc != DB_OK)
            return rc;
        at += counter_rows[k];
    }
    return DB_OK;
}

/* An SQLite account without a counter_key (which then reads its accounts columns): the
 * accounts row by id. */
static db_rc_t update_account_row(db_conn_t *conn, const lc_account_t *a, db_err_t *err)
{
    db_stmt_t *st = db_prepare(conn,
                               "UPDATE accounts SET debits_pending = ?, debits_posted = ?, "
                               "credits_pending = ?, credits_posted = ? WHERE id = ?",
                               err);
    if (!st)
        return err->code;
    db_bind_u64(st, 1, a->c.debits_pending);
    db_bind_u64(st, 2, a->c.debits_posted);
    db_bind_u64(st, 3, a->c.credits_pending);
    db_bind_u64(st, 4, a->c.credits_posted);
    lstore_bind_id(st, 5, a->id);
    return db_run(st, err);
}

static db_rc_t write_accounts(db_conn_t *conn, lcore_t *c, db_err_t *err)
{
    size_t n = lcore_dirty_count(c);
    lc_account_t *keyed[LSTORE_COUNTER_CHUNK];
    size_t nk = 0;
    for (size_t i = 0; i < n; i++) {
        lc_account_t *a = lcore_dirty_at(c, i);
        db_rc_t rc = DB_OK;
        if (a->row == 0 && db_conn_kind(conn) == DB_SQLITE) {
            rc = update_account_row(conn, a, err);
        } else {
            keyed[nk++] = a;
            if (nk == LSTORE_COUNTER_CHUNK) {
                rc = write_counter_rows(conn, keyed, nk, err);
                nk = 0;
            }
        }
        if (rc != DB_OK)
            return rc;
    }
    return nk ? write_counter_rows(conn, keyed, nk, err) : DB_OK;
}

/*
 * Inserts the batch's new transfers with seqs from *seq on (advanced). chained (SQLite): each
 * row links to the previous transfer of its debit and of its credit account (as seq
 * differences, small numbers), and both accounts' last_seq moves to the row, so an account's
 * history is a walk from its last_seq (ledger_account_transfers) and no history index is
 * written. The accounts were touched by the transfer, so they are dirty and their last_seq is
 * written with their counters (and undone with them).
 */
static db_rc_t write_new_transfers(db_conn_t *conn, lcore_t *c, int64_t *seq, bool merged,
                                   bool chained, db_err_t *err)
{
    ledger_transfer_t *t;
    size_t n = lcore_new_transfers(c, &t);
    size_t at = 0;
    while (at < n) {
        int k = 0;
        while (insert_rows[k] > n - at)
            k++;
        db_stmt_t *st = db_prepare(conn, sql_insert[k], err);
        if (!st)
            return err->code;
        for (size_t r = 0; r < insert_rows[k]; r++) {
            const ledger_transfer_t *x = &t[at + r];
            row_meta_t m = {.seq = (*seq)++, .merged = merged};
            if (chained) {
                lc_account_t *dr = lcore_account_find(c, x->debit_account_id);
                lc_account_t *cr = lcore_account_find(c, x->credit_account_id);
                ASSERT(dr && cr && dr->dirty && cr->dirty);
                m.prev_debit = dr->last_seq ? m.seq - dr->last_seq : 0;
                m.prev_credit = cr->last_seq ? m.seq - cr->last_seq : 0;
                dr->last_seq = cr->last_seq = m.seq;
            }
            bind_transfer(st, (int)r * INSERT_COLS, x, &m, chained);
        }
        db_rc_t rc = db_run(st, err);
        if (rc != DB_OK)
            return rc;
        at += insert_rows[k];
    }
    return DB_OK;
}

static db_rc_t write_resolved(db_conn_t *conn, lcore_t *c, db_err_t *err)
{
    /* a row of the unmerged tail is found by its seq (SQLite: the rowid), a merged = 1 one by id,
     * a bulk-merged one (SQLite) by its seq in transfer_ids */
    static const char *const sql[3] = {
        "UPDATE transfers SET state = ?, posted_amount = ?, resolved_at = ? WHERE merged = 0 AND "
        "seq = ? AND id = ?",
        "UPDATE transfers SET state = ?, posted_amount = ?, resolved_at = ? WHERE merged > 0 AND "
        "id IS NOT NULL AND id = ?",
        "UPDATE transfers SET state = ?, posted_amount = ?, resolved_at = ? WHERE merged = 0 AND "
        "seq = (SELECT seq FROM transfer_ids WHERE id = ?)",
    };
    bool lite = db_conn_kind(conn) == DB_SQLITE;
    size_t n = lcore_resolved_count(c);
    for (size_t i = 0; i < n; i++) {
        const ledger_transfer_t *t = lcore_resolved_at(c, i);
        int64_t tail_seq = lcore_transfer_tag(c, t);
        int first = tail_seq ? 0 : 1, last = tail_seq ? 0 : lite ? 2 : 1;
        for (int q = first; q <= last; q++) {
            db_stmt_t *st = db_prepare(conn, sql[q], err);
            if (!st)
                return err->code;
            db_bind_i64(st, 1, (int64_t)t->state);
            db_bind_u64(st, 2, t->posted_amount);
            db_bind_i64(st, 3, t->resolved_ms);
            if (tail_seq)
                db_bind_i64(st, 4, tail_seq);
            lstore_bind_xid(st, tail_seq ? 5 : 4, t->id);
            db_rc_t rc = db_run(st, err);
            if (rc != DB_OK)
                return rc;
        }
    }
    return DB_OK;
}

db_rc_t lstore_write(db_conn_t *conn, lcore_t *c, int64_t *seq, bool merged, db_err_t *err)
{
    pthread_once(&sql_once, sql_build);
    db_rc_t rc = db_pipeline_begin(conn, err);
    if (rc != DB_OK)
        return rc;
    /* transfers first: linking them moves the accounts' last_seq */
    rc = write_new_transfers(conn, c, seq, merged, db_conn_kind(conn) == DB_SQLITE, err);
    if (rc == DB_OK)
        rc = write_accounts(conn, c, err);
    if (rc == DB_OK)
        rc = write_resolved(conn, c, err);
    db_err_t end_err;
    db_rc_t end = db_pipeline_end(conn, &end_err);
    if (rc == DB_OK && end != DB_OK) {
        *err = end_err;
        rc = end;
    }
    return rc;
}

db_rc_t lstore_merge(db_conn_t *conn, db_err_t *err)
{
    /* SQLite only (Postgres rows are inserted merged). The tail's ids, sorted so the inserts
     * walk the index in order; then the boundary moves past the tail. The rows themselves are
     * not rewritten, and history needs no merge (rows are chained, write_new_transfers). */
    static const char *const sql[2] = {
        /* OR IGNORE: the rolling merge (lstore_merge_keys) may have merged part of the tail */
        "INSERT OR IGNORE INTO transfer_ids (id, seq) SELECT id, seq FROM transfers "
        "WHERE " LSTORE_TAIL " ORDER BY id",
        /* seq is the rowid on SQLite: its maximum is one descent */
        "UPDATE ledger_meta SET merged_seq = COALESCE((SELECT MAX(seq) FROM transfers), "
        "merged_seq) WHERE k = 1",
    };
    for (int i = 0; i < 2; i++) {
        db_stmt_t *st = db_prepare(conn, sql[i], err);
        if (!st)
            return err->code;
        db_rc_t rc = db_run(st, err);
        if (rc != DB_OK)
            return rc;
    }
    return DB_OK;
}

db_rc_t lstore_load_tail(db_conn_t *conn, void (*fn)(void *, const ledger_transfer_t *, int64_t),
                         void *arg, db_err_t *err)
{
    db_stmt_t *st = db_prepare(
        conn, "SELECT " LSTORE_TRANSFER_COLS " FROM transfers WHERE " LSTORE_TAIL " ORDER BY seq",
        err);
    if (!st)
        return err->code;
    db_rc_t rc;
    while ((rc = db_step(st, err)) == DB_ROW) {
        ledger_transfer_t t;
        int64_t seq = lstore_transfer_row(st, &t);
        fn(arg, &t, seq);
    }
    return rc == DB_DONE ? DB_OK : rc;
}

static const size_t merge_rows_per_stmt[3] = {64, 8, 1};
static char sql_merge_keys[3][1024];
static pthread_once_t merge_once = PTHREAD_ONCE_INIT;

static void merge_sql_build(void)
{
    for (int k = 0; k < 3; k++) {
        snprintf(sql_merge_keys[k], sizeof sql_merge_keys[k],
                 "INSERT OR IGNORE INTO transfer_ids (id, seq) VALUES ");
        placeholders(sql_merge_keys[k], sizeof sql_merge_keys[k], merge_rows_per_stmt[k], "(?,?)");
    }
}

db_rc_t lstore_merge_keys(db_conn_t *conn, const ltail_key_t *keys, size_t n, db_err_t *err)
{
    /* OR IGNORE: after a reopen the tail may hold rows a rolling merge had already merged */
    pthread_once(&merge_once, merge_sql_build);
    size_t at = 0;
    while (at < n) {
        int k = 0;
        while (merge_rows_per_stmt[k] > n - at)
            k++;
        db_stmt_t *st = db_prepare(conn, sql_merge_keys[k], err);
        if (!st)
            return err->code;
        for (size_t r = 0; r < merge_rows_per_stmt[k]; r++) {
            lstore_bind_xid(st, (int)(2 * r) + 1, keys[at + r].id);
            db_bind_i64(st, (int)(2 * r) + 2, keys[at + r].seq);
        }
        db_rc_t rc = db_run(st, err);
        if (rc != DB_OK)
            return rc;
        at += merge_rows_per_stmt[k];
    }
    return DB_OK;
}

db_rc_t lstore_set_merged_seq(db_conn_t *conn, int64_t seq, db_err_t *err)
{
    db_stmt_t *st = db_prepare(conn, "UPDATE ledger_meta SET merged_seq = ? WHERE k = 1", err);
    if (!st)
        return err->code;
    db_bind_i64(st, 1, seq);
    return db_run(st, err);
}

db_rc_t lstore_merged_ids(db_conn_t *conn, bool (*fn)(void *, ledger_id_t), void *arg,
                          db_err_t *err)
{
    /* a scan of the id index alone (it covers the column) */
    db_stmt_t *st =
        db_prepare(conn,
                   "SELECT id FROM transfers WHERE merged > 0 AND id IS NOT NULL UNION ALL "
                   "SELECT id FROM transfer_ids",
                   err);
    if (!st)
        return err->code;
    db_rc_t rc;
    while ((rc = db_step(st, err)) == DB_ROW)
        if (!fn(arg, lstore_col_xid(st, 0)))
            return DB_OK; /* stopped; the caller's release resets the statement */
    return rc == DB_DONE ? DB_OK : rc;
}

/* ---- API readers ---- */

void lstore_account_row(db_stmt_t *st, ledger_account_t *a)
{
    memset(a, 0, sizeof *a);
    a->id = lstore_col_id(st, 0);
    a->asset_id = lstore_col_id(st, 1);
    a->kind = (ledger_account_kind_t)db_col_i64(st, 2);
    if (!db_col_null(st, 3))
        a->parent_id = lstore_col_id(st, 3);
    a->min_balance = db_col_i64(st, 4);
    a->no_min_balance = db_col_bool(st, 5);
    a->has_max_balance = !db_col_null(st, 6);
    a->max_balance = db_col_i64(st, 6);
    a->counters.debits_pending = db_col_u64(st, 7);
    a->counters.debits_posted = db_col_u64(st, 8);
    a->counters.credits_pending = db_col_u64(st, 9);
    a->counters.credits_posted = db_col_u64(st, 10);
    size_t n = 0;
    const char *addr = db_col_text(st, 11, &n);
    if (n > ILP_ADDRESS_MAX_LEN)
        n = ILP_ADDRESS_MAX_LEN;
    memcpy(a->ilp_address, addr, n);
    a->ilp_address[n] = '\0';
    a->max_packet_amount = db_col_u64(st, 12);
    a->stream_enabled = db_col_bool(st, 13);
    a->created_ms = db_col_i64(st, 14);
}

db_rc_t lstore_account_read(db_conn_t *conn, ledger_id_t id, ledger_account_t *out, db_err_t *err)
{
    db_stmt_t *st =
        db_prepare(conn, "SELECT " LSTORE_ACCOUNT_COLS " FROM accounts_v WHERE id = ?", err);
    if (!st)
        return err->code;
    lstore_bind_id(st, 1, id);
    db_rc_t rc = db_step_one(st, err);
    if (rc == DB_ROW)
        lstore_account_row(st, out);
    return rc == DB_ROW ? DB_OK : rc;
}

void lstore_asset_row(db_stmt_t *st, ledger_asset_t *out)
{
    memset(out, 0, sizeof *out);
    out->id = lstore_col_id(st, 0);
    size_t n = 0;
    const char *code = db_col_text(st, 1, &n);
    if (n > ASSET_CODE_MAX_LEN)
        n = ASSET_CODE_MAX_LEN;
    memcpy(out->code, code, n);
    out->code[n] = '\0';
    out->scale = (uint8_t)db_col_i64(st, 2);
    out->liquidity_account_id = lstore_col_id(st, 3);
    out->settlement_account_id = lstore_col_id(st, 4);
    out->created_ms = db_col_i64(st, 5);
    const char *scope = db_col_text(st, 6, &n);
    if (scope && n <= LEDGER_ASSET_SCOPE_MAX) {
        memcpy(out->scope, scope, n);
        out->scope[n] = '\0';
    }
}

db_rc_t lstore_asset_read(db_conn_t *conn, ledger_id_t id, ledger_asset_t *out, db_err_t *err)
{
    db_stmt_t *st = db_prepare(conn, "SELECT " LSTORE_ASSET_COLS " FROM assets WHERE id = ?", err);
    if (!st)
        return err->code;
    lstore_bind_id(st, 1, id);
    db_rc_t rc = db_step_one(st, err);
    if (rc == DB_ROW)
        lstore_asset_row(st, out);
    return rc == DB_ROW ? DB_OK : rc;
}

db_rc_t lstore_transfer_read(db_conn_t *conn, ledger_id_t id, bool scan_tail,
                             ledger_transfer_t *out, db_err_t *err)
{
    /* the id index covers merged = 1 rows, transfer_ids SQLite's bulk-merged ones; the tail
     * (SQLite: the rows above the merged boundary) is scanned by seq unless the caller keeps it
     * in memory (scan_tail false) */
    static const char *const sql[3] = {
        "SELECT " LSTORE_TRANSFER_COLS
        " FROM transfers WHERE merged > 0 AND id IS NOT NULL AND id = ?",
        "SELECT " LSTORE_T_COLS " FROM transfer_ids i JOIN transfers t ON t.merged = 0 AND "
        "t.seq = i.seq WHERE i.id = ?",
        "SELECT " LSTORE_TRANSFER_COLS " FROM transfers WHERE " LSTORE_TAIL " AND id = ?",
    };
    db_rc_t rc = DB_NOT_FOUND;
    bool lite = db_conn_kind(conn) == DB_SQLITE;
    for (int part = 0; part < 3 && rc == DB_NOT_FOUND; part++) {
        if ((part == 1 && !lite) || (part == 2 && !scan_tail))
            continue;
        db_stmt_t *st = db_prepare(conn, sql[part], err);
        if (!st)
            return err->code;
        lstore_bind_xid(st, 1, id);
        rc = db_step_one(st, err);
        if (rc == DB_ROW)
            lstore_transfer_row(st, out);
    }
    return rc == DB_ROW ? DB_OK : rc;
}

db_rc_t lstore_account_insert(db_conn_t *conn, const ledger_account_t *a, int64_t now_ms,
                              db_err_t *err)
{
    /* SQLite: a new counter_key (one writer, so max + 1 is unique; the unique index makes
     * max a single descent); Postgres: none */
    db_stmt_t *st = db_prepare(
        conn,
        db_conn_kind(conn) == DB_SQLITE
            ? "INSERT INTO accounts (id, asset_id, kind, parent_id, min_balance, no_min_balance, "
              "max_balance, ilp_address, max_packet_amount, stream_enabled, created_at, "
              "updated_at, counter_key) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,"
              "(SELECT COALESCE(MAX(counter_key), 0) + 1 FROM accounts))"
            : "INSERT INTO accounts (id, asset_id, kind, parent_id, min_balance, no_min_balance, "
              "max_balance, ilp_address, max_packet_amount, stream_enabled, created_at, "
              "updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        err);
    if (!st)
        return err->code;
    lstore_bind_id(st, 1, a->id);
    lstore_bind_id(st, 2, a->asset_id);
    db_bind_i64(st, 3, (int64_t)a->kind);
    if (ledger_id_is_zero(a->parent_id))
        db_bind_null(st, 4);
    else
        lstore_bind_id(st, 4, a->parent_id);
    db_bind_i64(st, 5, a->min_balance);
    db_bind_bool(st, 6, a->no_min_balance);
    if (a->has_max_balance)
        db_bind_i64(st, 7, a->max_balance);
    else
        db_bind_null(st, 7);
    db_bind_str(st, 8, a->ilp_address[0] ? a->ilp_address : NULL);
    db_bind_u64(st, 9, a->max_packet_amount);
    db_bind_bool(st, 10, a->stream_enabled);
    db_bind_i64(st, 11, now_ms);
    db_bind_i64(st, 12, now_ms);
    return db_run(st, err);
}

db_rc_t lstore_max_seq(db_conn_t *conn, int64_t *out, db_err_t *err)
{
    db_stmt_t *st = db_prepare(conn, "SELECT COALESCE(MAX(seq), 0) FROM transfers", err);
    if (!st)
        return err->code;
    db_rc_t rc = db_step_one(st, err);
    if (rc != DB_ROW)
        return rc;
    *out = db_col_i64(st, 0);
    return DB_OK;
}
