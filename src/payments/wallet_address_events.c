/*
 * wallet_address.web_monetization events (see wallet_address_events.h): the mark pass, the
 * processing that records the events, and the wallet address withdrawal.
 */
#include "payments/wallet_address_events.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "payments/json.h"
#include "payments/settlement.h"
#include "payments/rows.h"
#include "payments/webhooks.h"
#include "base/log.h"

static const char *const RESULT_NAMES[WA_EVENTS_RESULT_COUNT] = {
    [WA_EVENTS_OK] = "ok",
    [WA_EVENTS_NOT_FOUND] = "not_found",
    [WA_EVENTS_AMOUNT_ZERO] = "amount_zero",
    [WA_EVENTS_INVALID_ID] = "invalid_id",
    [WA_EVENTS_TRANSFER_EXISTS] = "transfer_exists",
    [WA_EVENTS_INSUFFICIENT_BALANCE] = "insufficient_balance",
    [WA_EVENTS_STORAGE_ERROR] = "storage_error",
};

const char *wa_events_result_str(wa_events_result_t r)
{
    return (unsigned)r < WA_EVENTS_RESULT_COUNT ? RESULT_NAMES[r] : "unknown";
}

static wa_events_result_t storage(db_err_t *err, const db_err_t *e)
{
    if (err)
        *err = *e;
    return WA_EVENTS_STORAGE_ERROR;
}

/* What the wallet account has received (credits posted); false when the ledger cannot say. */
static bool received(const wallet_ctx_t *ctx, ledger_id_t account, uint64_t *out)
{
    ledger_status_t s;
    if (ledger_account_status(ctx->ledger, account, &s) != LEDGER_OK)
        return false;
    *out = s.total_received;
    return true;
}

/* ---- marking (Rafiki's WalletAddress.onCredit) ---- */

typedef struct {
    ledger_id_t id;
    ledger_id_t account_id;
    uint64_t announced; /* total_events_amount */
    bool due;           /* process_at set */
    int64_t process_at;
    bool has_threshold;
    uint64_t threshold;
    uint64_t received;
} mark_row_t;

typedef struct {
    const wallet_ctx_t *ctx;
    int64_t now_ms;
    mark_row_t *rows;
    size_t n;
    size_t marked;
} mark_tx_t;

static db_rc_t mark_page(const wallet_ctx_t *ctx, ledger_id_t after, mark_row_t *rows, size_t *n,
                         db_err_t *e)
{
    *n = 0;
    db_conn_t *c = db_acquire(ctx->db, DB_CONN_READ, e);
    if (!c)
        return e->code;
    db_rc_t rc = DB_DONE;
    db_stmt_t *st = db_prepare(c,
                               "SELECT w.id, w.account_id, w.total_events_amount, w.process_at, "
                               "s.withdrawal_threshold FROM wallet_addresses w LEFT JOIN "
                               "asset_settings s ON s.asset_id = w.asset_id WHERE w.id > ? AND "
                               "(s.withdrawal_threshold IS NOT NULL OR ?) ORDER BY w.id LIMIT ?",
                               e);
    if (!st) {
        rc = e->code;
        goto done;
    }
    pay_bind_id(st, 1, after);
    db_bind_bool(st, 2, ctx->withdrawal_throttle);
    db_bind_i64(st, 3, WA_EVENTS_BATCH);
    while ((rc = db_step(st, e)) == DB_ROW && *n < WA_EVENTS_BATCH)
        rows[(*n)++] = (mark_row_t){.id = pay_col_id(st, 0),
                                    .account_id = pay_col_id(st, 1),
                                    .announced = db_col_u64(st, 2),
                                    .due = !db_col_null(st, 3),
                                    .process_at = db_col_i64(st, 3),
                                    .has_threshold = !db_col_null(st, 4),
                                    .threshold = db_col_u64(st, 4)};
done:
    db_release(c);
    return rc < 0 ? rc : DB_OK;
}

/* Whether any asset has a withdrawal threshold (without one and without the throttle, Rafiki
 * marks nothing: the pass has nothing to read). */
static db_rc_t any_threshold(const wallet_ctx_t *ctx, bool *any, db_err_t *e)
{
    db_conn_t *c = db_acquire(ctx->db, DB_CONN_READ, e);
    if (!c)
        return e->code;
    db_stmt_t *st = db_prepare(
        c, "SELECT 1 FROM asset_settings WHERE withdrawal_threshold IS NOT NULL LIMIT 1", e);
    db_rc_t rc = st ? db_step_one(st, e) : e->code;
    db_release(c);
    *any = rc == DB_ROW;
    return rc == DB_ROW || rc == DB_NOT_FOUND ? DB_OK : rc;
}

/* The process_at Rafiki's onCredit gives row, or false to leave it as it is. */
static bool mark_at(const mark_tx_t *t, const mark_row_t *row, int64_t *at)
{
    if (row->received <= row->announced)
        return false; /* nothing arrived that is not announced */
    uint64_t open = row->received - row->announced;
    if (row->has_threshold && open >= row->threshold) {
        *at = t->now_ms;
        return !row->due || row->process_at > t->now_ms;
    }
    if (t->ctx->withdrawal_throttle && !row->due) {
        *at = t->now_ms + (int64_t)t->ctx->withdrawal_throttle_delay_ms;
        return true;
    }
    return false;
}

/* Marks the rows of a page; each UPDATE holds only if the row is as it was read, so a row
 * processed meanwhile is left to the next pass. */
static db_rc_t tx_mark(db_conn_t *c, void *arg, db_err_t *e)
{
    mark_tx_t *t = arg;
    t->marked = 0;
    for (size_t i = 0; i < t->n; i++) {
        int64_t at;
        if (!mark_at(t, &t->rows[i], &at))
            continue;
        db_stmt_t *st = db_prepare(c,
                                   "UPDATE wallet_addresses SET process_at = ? WHERE id = ? AND "
                                   "total_events_amount = ? AND (process_at IS NULL OR "
                                   "process_at > ?)",
                                   e);
        if (!st)
            return e->code;
        db_bind_i64(st, 1, at);
        pay_bind_id(st, 2, t->rows[i].id);
        db_bind_u64(st, 3, t->rows[i].announced);
        db_bind_i64(st, 4, at);
        db_rc_t rc = db_run(st, e);
        if (rc != DB_OK)
            return rc;
        t->marked += (size_t)db_changes(st);
    }
    return DB_OK;
}

wa_events_result_t wa_events_mark_pass(const wallet_ctx_t *ctx, int64_t now_ms, ledger_id_t *cursor,
                                       size_t *marked, db_err_t *err)
{
    mark_row_t rows[WA_EVENTS_BATCH];
    mark_tx_t t = {.ctx = ctx, .now_ms = now_ms, .rows = rows};
    db_err_t e = {0};
    if (marked)
        *marked = 0;
    if (!ctx->rafiki_funding)
        return WA_EVENTS_OK; /* the wallet account's credits are not all Web Monetization */
    bool any = ctx->withdrawal_throttle;
    if (!any && any_threshold(ctx, &any, &e) != DB_OK)
        return storage(err, &e);
    if (!any)
        return WA_EVENTS_OK;
    if (mark_page(ctx, *cursor, rows, &t.n, &e) != DB_OK)
        return storage(err, &e);
    *cursor = t.n == WA_EVENTS_BATCH ? rows[t.n - 1].id : (ledger_id_t){0, 0};
    bool to_mark = false;
    for (size_t i = 0; i < t.n; i++) {
        if (!received(ctx, rows[i].account_id, &rows[i].received))
            rows[i].received = 0; /* unreadable now: the next pass */
        int64_t at;
        to_mark = to_mark || mark_at(&t, &rows[i], &at);
    }
    if (to_mark && db_write_tx(ctx->db, tx_mark, &t, &e) != DB_OK)
        return storage(err, &e);
    if (marked)
        *marked = to_mark ? t.marked : 0;
    return WA_EVENTS_OK;
}

/* ---- processing (Rafiki's processNextWalletAddresses) ---- */

typedef struct {
    ledger_id_t id;
    ledger_id_t account_id;
    int64_t created_ms;
    char asset_code[ASSET_CODE_MAX_LEN + 1];
    uint8_t asset_scale;
    uint64_t received;
} due_row_t;

typedef struct {
    int64_t now_ms;
    due_row_t *rows;
    size_t n;
    size_t taken;
} process_tx_t;

static db_rc_t due_page(const wallet_ctx_t *ctx, int64_t now_ms, size_t limit, due_row_t *rows,
                        size_t *n, db_err_t *e)
{
    *n = 0;
    db_conn_t *c = db_acquire(ctx->db, DB_CONN_READ, e);
    if (!c)
        return e->code;
    db_rc_t rc = DB_DONE;
    db_stmt_t *st = db_prepare(c,
                               "SELECT id, account_id, created_at, asset_code, asset_scale FROM "
                               "wallet_addresses WHERE process_at <= ? ORDER BY process_at, id "
                               "LIMIT ?",
                               e);
    if (!st) {
        rc = e->code;
        goto done;
    }
    db_bind_i64(st, 1, now_ms);
    db_bind_i64(st, 2, (int64_t)limit);
    while ((rc = db_step(st, e)) == DB_ROW && *n < limit) {
        due_row_t *r = &rows[(*n)++];
        *r = (due_row_t){.id = pay_col_id(st, 0),
                         .account_id = pay_col_id(st, 1),
                         .created_ms = db_col_i64(st, 2),
                         .asset_scale = (uint8_t)db_col_i64(st, 4)};
        pay_col_str(st, 3, r->asset_code, sizeof r->asset_code);
    }
done:
    db_release(c);
    return rc < 0 ? rc : DB_OK;
}

/* Rafiki's WalletAddress.toData(amount). */
static json_t *event_data(const due_row_t *r, uint64_t amount)
{
    char id[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(r->id, id);
    return json_pack("{s:{s:s,s:o,s:{s:o,s:s,s:i}}}", "walletAddress", "id", id, "createdAt",
                     pay_json_time(r->created_ms), "receivedAmount", "value", pay_json_u64(amount),
                     "assetCode", r->asset_code, "assetScale", (int)r->asset_scale);
}

/* One due row, locked: its event when it has more than it announced, then its mark cleared.
 * *taken: whether it was still due. */
static db_rc_t process_row(db_conn_t *c, const due_row_t *r, int64_t now_ms, bool *taken,
                           db_err_t *e)
{
    *taken = false;
    db_stmt_t *st = db_prepare(c,
                               "SELECT total_events_amount, process_at FROM wallet_addresses "
                               "WHERE id = ?{{FOR_UPDATE}}",
                               e);
    if (!st)
        return e->code;
    pay_bind_id(st, 1, r->id);
    db_rc_t rc = db_step_one(st, e);
    if (rc == DB_NOT_FOUND)
        return DB_OK;
    if (rc != DB_ROW)
        return rc;
    uint64_t announced = db_col_u64(st, 0);
    bool due = !db_col_null(st, 1) && db_col_i64(st, 1) <= now_ms;
    if (!due)
        return DB_OK; /* another worker took it */
    *taken = true;
    if (r->received > announced) {
        char rid[LEDGER_ID_STR_LEN + 1];
        ledger_id_format(r->id, rid);
        json_t *data = event_data(r, r->received - announced);
        rc = (db_rc_t)webhook_event_add(c, WEBHOOK_WALLET_ADDRESS_WEB_MONETIZATION, rid, data, e);
        json_decref(data);
        if (rc != DB_OK)
            return rc;
        announced = r->received;
    }
    st = db_prepare(c,
                    "UPDATE wallet_addresses SET total_events_amount = ?, process_at = NULL "
                    "WHERE id = ?",
                    e);
    if (!st)
        return e->code;
    db_bind_u64(st, 1, announced);
    pay_bind_id(st, 2, r->id);
    return db_run(st, e);
}

static db_rc_t tx_process(db_conn_t *c, void *arg, db_err_t *e)
{
    process_tx_t *t = arg;
    t->taken = 0;
    for (size_t i = 0; i < t->n; i++) {
        bool taken;
        db_rc_t rc = process_row(c, &t->rows[i], t->now_ms, &taken, e);
        if (rc != DB_OK)
            return rc;
        t->taken += taken;
    }
    return DB_OK;
}

/* Rows in id order, so that workers of several replicas lock them in one order. */
static int due_cmp(const void *a, const void *b)
{
    const due_row_t *x = a, *y = b;
    if (x->id.hi != y->id.hi)
        return x->id.hi < y->id.hi ? -1 : 1;
    return x->id.lo < y->id.lo ? -1 : x->id.lo > y->id.lo;
}

wa_events_result_t wa_events_process(const wallet_ctx_t *ctx, int64_t now_ms, int64_t limit,
                                     size_t *count, db_err_t *err)
{
    *count = 0;
    size_t left = limit <= 0                      ? 0
                  : limit > WA_EVENTS_PROCESS_MAX ? WA_EVENTS_PROCESS_MAX
                                                  : (size_t)limit;
    due_row_t rows[WA_EVENTS_BATCH];
    while (left > 0) {
        process_tx_t t = {.now_ms = now_ms, .rows = rows};
        size_t want = left < WA_EVENTS_BATCH ? left : WA_EVENTS_BATCH;
        db_err_t e = {0};
        if (due_page(ctx, now_ms, want, rows, &t.n, &e) != DB_OK)
            return storage(err, &e);
        for (size_t i = 0; i < t.n; i++)
            if (!received(ctx, rows[i].account_id, &rows[i].received))
                rows[i].received = 0; /* announces nothing now; marked again later */
        qsort(rows, t.n, sizeof rows[0], due_cmp);
        if (t.n > 0 && db_write_tx(ctx->db, tx_process, &t, &e) != DB_OK)
            return storage(err, &e);
        *count += t.taken;
        left -= want;
        if (t.n < want || t.taken == 0)
            break;
    }
    return WA_EVENTS_OK;
}

/* ---- the withdrawal ---- */

static wa_events_result_t move_result(pay_move_result_t m)
{
    switch (m) {
    case PAY_MOVE_OK:
        return WA_EVENTS_OK;
    case PAY_MOVE_TRANSFER_EXISTS:
        return WA_EVENTS_TRANSFER_EXISTS;
    case PAY_MOVE_INSUFFICIENT_BALANCE:
        return WA_EVENTS_INSUFFICIENT_BALANCE;
    default:
        return WA_EVENTS_STORAGE_ERROR;
    }
}

wa_events_result_t wa_events_withdraw(const wallet_ctx_t *ctx, ledger_id_t wallet_address_id,
                                      const ledger_id_t *transfer_id, uint64_t timeout_s,
                                      wallet_address_t *wa, uint64_t *amount)
{
    db_err_t e = {0};
    wallet_address_result_t wr = wallet_address_get(ctx, wallet_address_id, wa, &e);
    if (wr == WALLET_ADDRESS_NOT_FOUND)
        return WA_EVENTS_NOT_FOUND;
    if (wr != WALLET_ADDRESS_OK) {
        LOGE("wallet address withdrawal: %s", e.msg);
        return WA_EVENTS_STORAGE_ERROR;
    }
    ledger_status_t s;
    if (ledger_account_status(ctx->ledger, wa->account_id, &s) != LEDGER_OK)
        return WA_EVENTS_STORAGE_ERROR;
    if (s.balance <= 0)
        return WA_EVENTS_AMOUNT_ZERO;
    if (!transfer_id)
        return WA_EVENTS_INVALID_ID;
    *amount = (uint64_t)s.balance;
    return move_result(pay_withdraw(ctx->ledger, wa->account_id, *transfer_id, *amount, timeout_s));
}

/* The receivedAmount.value of a web monetization event's data; false when it has none. */
static bool event_amount(const char *data, uint64_t *out)
{
    json_t *d = json_loads(data, 0, NULL);
    json_t *v = json_object_get(
        json_object_get(json_object_get(d, "walletAddress"), "receivedAmount"), "value");
    const char *s = json_string_value(v);
    char *end = NULL;
    bool ok = s && s[0] >= '0' && s[0] <= '9';
    if (ok) {
        errno = 0;
        unsigned long long n = strtoull(s, &end, 10);
        ok = errno == 0 && *end == '\0';
        *out = n;
    }
    json_decref(d);
    return ok;
}

wa_events_result_t wa_events_event_withdraw(const wallet_ctx_t *ctx, const char *event_id,
                                            uint64_t *amount)
{
    char type[WEBHOOK_TYPE_MAX + 1], rid[WEBHOOK_RESOURCE_ID_MAX + 1], data[1024];
    ledger_id_t transfer_id, wa_id;
    db_err_t e = {0};
    if (!event_id || ledger_id_parse(event_id, strlen(event_id), &transfer_id) != 0)
        return WA_EVENTS_NOT_FOUND;
    db_rc_t rc = webhook_event_get(ctx->db, event_id, type, sizeof type, rid, sizeof rid, &e);
    if (rc == DB_OK && strcmp(type, WEBHOOK_WALLET_ADDRESS_WEB_MONETIZATION) != 0)
        rc = DB_NOT_FOUND;
    if (rc == DB_OK)
        rc = webhook_event_data_read(ctx->db, event_id, data, sizeof data, &e);
    if (rc == DB_NOT_FOUND || rc == DB_INVALID)
        return WA_EVENTS_NOT_FOUND;
    if (rc != DB_OK)
        return storage(NULL, &e);
    wallet_address_t wa;
    if (!event_amount(data, amount) || *amount == 0 ||
        ledger_id_parse(rid, strlen(rid), &wa_id) != 0)
        return WA_EVENTS_NOT_FOUND;
    wallet_address_result_t wr = wallet_address_get(ctx, wa_id, &wa, &e);
    if (wr != WALLET_ADDRESS_OK)
        return wr == WALLET_ADDRESS_NOT_FOUND ? WA_EVENTS_NOT_FOUND : WA_EVENTS_STORAGE_ERROR;
    return move_result(pay_withdraw(ctx->ledger, wa.account_id, transfer_id, *amount, 0));
}
