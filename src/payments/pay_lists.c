/*
 * Relay pages over the payments tables (pay_lists.h). Each kind is a row source with the same
 * columns (id, created_at and the filterable fields), so one statement shape serves every kind;
 * every statement is a constant string, one per kind and direction, and the filter lists are
 * bound as JSON arrays ({{JSON_LIST}}), never spliced into SQL.
 */
#include "payments/pay_lists.h"

#include <stdio.h>
#include <string.h>

#include "base/assert.h"
#include "base/log.h"

#define INITIATED "CASE WHEN client IS NULL THEN 'ADMIN' ELSE 'OPEN_PAYMENTS' END"

#define SRC_WALLETS                                                                                \
    "SELECT id, created_at, id AS wallet_address_id, '' AS state, '' AS receiver, '' AS "          \
    "initiated, 'WALLET' AS kind FROM wallet_addresses"
#define SRC_KEYS                                                                                   \
    "SELECT id, created_at, wallet_address_id, '' AS state, '' AS receiver, '' AS initiated, "     \
    "'KEY' AS kind FROM wallet_address_keys"
#define SRC_QUOTES                                                                                 \
    "SELECT id, created_at, wallet_address_id, '' AS state, receiver, " INITIATED                  \
    " AS initiated, 'QUOTE' AS kind FROM quotes"
#define SRC_INCOMING                                                                               \
    "SELECT id, created_at, wallet_address_id, '' AS state, '' AS receiver, " INITIATED            \
    " AS initiated, 'INCOMING' AS kind FROM incoming_payments"
#define SRC_OUTGOING                                                                               \
    "SELECT o.id AS id, o.created_at AS created_at, o.wallet_address_id AS wallet_address_id, "    \
    "o.state AS state, q.receiver AS receiver, CASE WHEN o.client IS NULL THEN 'ADMIN' ELSE "      \
    "'OPEN_PAYMENTS' END AS initiated, 'OUTGOING' AS kind FROM outgoing_payments o JOIN quotes q " \
    "ON q.id = o.quote_id"
#define SRC_PAYMENTS SRC_INCOMING " UNION ALL " SRC_OUTGOING

#define FILTER(col) "(? OR t." col " IN {{JSON_LIST}}) AND (? OR t." col " NOT IN {{JSON_LIST}})"

/* The scope (pay_tenant_scope_t): a tenant's wallet addresses, or the operator's (those no tenant
 * owns). Parameters: not_tenant, tenant_id, not_operator. */
#define TENANT_FILTER                                                                              \
    "(? OR t.wallet_address_id IN (SELECT resource_id FROM tenant_resources WHERE tenant_id = "    \
    "?)) AND (? OR t.wallet_address_id NOT IN (SELECT resource_id FROM tenant_resources))"

/* Parameters, in order: per field (in_none, in_list, not_in_none, not_in_list) x 5, the
 * scope's three, then no_cursor, cursor, limit. */
#define PAGE_SQL(src, cmp, dir)                                                                    \
    "SELECT t.id, t.kind FROM (" src                                                               \
    ") t WHERE " FILTER("wallet_address_id") " AND " FILTER("state") " AND " FILTER(               \
        "receiver") " AND " FILTER("initiated") " AND " FILTER("kind") " AND " TENANT_FILTER       \
                                                                       " AND (? OR "               \
                                                                       "(t.created_at, t.id) " cmp \
                                                                       " (SELECT c.created_at, "   \
                                                                       "c.id FROM (" src           \
                                                                       ") c WHERE c.id = ?)) "     \
                                                                       "ORDER BY "                 \
                                                                       "t.created_at " dir         \
                                                                       ", t.id " dir " LIMIT ?"

/* [kind][0]: ascending from the cursor (">"); [kind][1]: descending ("<"). */
static const char *const SQL[PAY_LIST_KIND_COUNT][2] = {
    [PAY_LIST_WALLET_ADDRESSES] = {PAGE_SQL(SRC_WALLETS, ">", "ASC"),
                                   PAGE_SQL(SRC_WALLETS, "<", "DESC")},
    [PAY_LIST_WALLET_KEYS] = {PAGE_SQL(SRC_KEYS, ">", "ASC"), PAGE_SQL(SRC_KEYS, "<", "DESC")},
    [PAY_LIST_QUOTES] = {PAGE_SQL(SRC_QUOTES, ">", "ASC"), PAGE_SQL(SRC_QUOTES, "<", "DESC")},
    [PAY_LIST_INCOMING] = {PAGE_SQL(SRC_INCOMING, ">", "ASC"), PAGE_SQL(SRC_INCOMING, "<", "DESC")},
    [PAY_LIST_OUTGOING] = {PAGE_SQL(SRC_OUTGOING, ">", "ASC"), PAGE_SQL(SRC_OUTGOING, "<", "DESC")},
    [PAY_LIST_PAYMENTS] = {PAGE_SQL(SRC_PAYMENTS, ">", "ASC"), PAGE_SQL(SRC_PAYMENTS, "<", "DESC")},
};

static const char *const RESULT_NAMES[PAY_LIST_RESULT_COUNT] = {
    [PAY_LIST_OK] = "ok",
    [PAY_LIST_FILTER_INVALID] = "filter_invalid",
    [PAY_LIST_STORAGE_ERROR] = "storage_error",
};

const char *pay_list_result_str(pay_list_result_t r)
{
    return (unsigned)r < PAY_LIST_RESULT_COUNT ? RESULT_NAMES[r] : "unknown";
}

/* The filter lists as JSON text (compact), NULL entries for absent ones. */
typedef struct {
    char *in[PAY_LIST_BY_COUNT];
    char *not_in[PAY_LIST_BY_COUNT];
} lists_t;

static bool strings_only(const json_t *a)
{
    if (!json_is_array(a))
        return false;
    size_t i;
    const json_t *v;
    json_array_foreach(a, i, v)
    {
        if (!json_is_string(v))
            return false;
    }
    return true;
}

static void lists_free(lists_t *l)
{
    for (int f = 0; f < PAY_LIST_BY_COUNT; f++) {
        free(l->in[f]);
        free(l->not_in[f]);
    }
}

static pay_list_result_t lists_dump(const pay_list_query_t *q, lists_t *l)
{
    memset(l, 0, sizeof *l);
    for (int f = 0; f < PAY_LIST_BY_COUNT; f++) {
        if ((q->in[f] && !strings_only(q->in[f])) || (q->not_in[f] && !strings_only(q->not_in[f])))
            return PAY_LIST_FILTER_INVALID;
        if (q->in[f])
            l->in[f] = json_dumps(q->in[f], JSON_COMPACT);
        if (q->not_in[f])
            l->not_in[f] = json_dumps(q->not_in[f], JSON_COMPACT);
        ASSERT((!q->in[f] || l->in[f]) && (!q->not_in[f] || l->not_in[f]));
    }
    return PAY_LIST_OK;
}

/*
 * Runs one statement: rows after (gt: ascending from) or before the cursor, up to limit, into
 * rows (when not NULL; else only counted). *n receives the count.
 */
static db_rc_t page_run(db_conn_t *c, const pay_list_query_t *q, const lists_t *l, bool gt,
                        const char *cursor, size_t limit, pay_list_row_t *rows, size_t *n,
                        db_err_t *e)
{
    *n = 0;
    db_stmt_t *st = db_prepare(c, SQL[q->kind][gt ? 0 : 1], e);
    if (!st)
        return e->code;
    int i = 1;
    for (int f = 0; f < PAY_LIST_BY_COUNT; f++) {
        db_bind_bool(st, i++, l->in[f] == NULL);
        db_bind_str(st, i++, l->in[f] ? l->in[f] : "[]");
        db_bind_bool(st, i++, l->not_in[f] == NULL);
        db_bind_str(st, i++, l->not_in[f] ? l->not_in[f] : "[]");
    }
    db_bind_bool(st, i++, q->scope.kind != PAY_SCOPE_TENANT);
    db_bind_str(st, i++, q->scope.kind == PAY_SCOPE_TENANT ? q->scope.tenant_id : "");
    db_bind_bool(st, i++, q->scope.kind != PAY_SCOPE_OPERATOR);
    db_bind_bool(st, i++, cursor == NULL);
    db_bind_str(st, i++, cursor ? cursor : "");
    db_bind_i64(st, i, (int64_t)limit);
    db_rc_t rc;
    while ((rc = db_step(st, e)) == DB_ROW && *n < limit) {
        const char *id = db_col_text(st, 0, NULL);
        const char *kind = db_col_text(st, 1, NULL);
        pay_list_row_t r = {.outgoing = kind && strcmp(kind, "OUTGOING") == 0};
        if (!id || ledger_id_parse(id, strlen(id), &r.id) != 0)
            continue;
        if (rows)
            rows[*n] = r;
        (*n)++;
    }
    return rc == DB_ROW || rc == DB_DONE ? DB_OK : rc;
}

/* Whether one more row exists beyond id in direction gt. */
static db_rc_t page_more(db_conn_t *c, const pay_list_query_t *q, const lists_t *l, bool gt,
                         ledger_id_t id, bool *more, db_err_t *e)
{
    char ids[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(id, ids);
    size_t n;
    db_rc_t rc = page_run(c, q, l, gt, ids, 1, NULL, &n, e);
    *more = n > 0;
    return rc;
}

static void rows_reverse(pay_list_row_t *rows, size_t n)
{
    for (size_t i = 0; i + 1 < n - i; i++) {
        pay_list_row_t t = rows[i];
        rows[i] = rows[n - 1 - i];
        rows[n - 1 - i] = t;
    }
}

pay_list_result_t pay_list_page(db_t *db, const pay_list_query_t *q, pay_list_page_t *out,
                                db_err_t *err)
{
    ASSERT(q->kind < PAY_LIST_KIND_COUNT);
    ASSERT(q->limit >= 1 && q->limit <= PAY_LIST_LIMIT_MAX);
    memset(out, 0, sizeof *out);
    lists_t l;
    pay_list_result_t r = lists_dump(q, &l);
    if (r != PAY_LIST_OK) {
        lists_free(&l);
        return r;
    }
    db_err_t e = {0};
    db_conn_t *c = db_acquire(db, DB_CONN_READ, &e);
    db_rc_t rc = c ? DB_OK : e.code;
    /* forward in ASC and backward in DESC both read ascending from the cursor */
    bool gt = q->asc != q->backward;
    if (rc == DB_OK)
        rc = page_run(c, q, &l, gt, q->cursor, q->limit, out->rows, &out->n, &e);
    if (rc == DB_OK && q->backward)
        rows_reverse(out->rows, out->n);
    if (rc == DB_OK && out->n > 0)
        rc = page_more(c, q, &l, q->asc, out->rows[out->n - 1].id, &out->has_next, &e);
    if (rc == DB_OK && out->n > 0)
        rc = page_more(c, q, &l, !q->asc, out->rows[0].id, &out->has_prev, &e);
    if (c)
        db_release(c);
    lists_free(&l);
    if (rc != DB_OK) {
        LOGE("payments: lists: %s", e.msg);
        if (err)
            *err = e;
        memset(out, 0, sizeof *out);
        return PAY_LIST_STORAGE_ERROR;
    }
    return PAY_LIST_OK;
}

pay_list_result_t pay_list_client(db_t *db, pay_list_kind_t kind, ledger_id_t id, char *out,
                                  size_t cap, db_err_t *err)
{
    static const char *const SQL_CLIENT[PAY_LIST_KIND_COUNT] = {
        [PAY_LIST_QUOTES] = "SELECT client FROM quotes WHERE id = ?",
        [PAY_LIST_INCOMING] = "SELECT client FROM incoming_payments WHERE id = ?",
        [PAY_LIST_OUTGOING] = "SELECT client FROM outgoing_payments WHERE id = ?",
    };
    ASSERT(kind < PAY_LIST_KIND_COUNT && SQL_CLIENT[kind] && cap > 0);
    out[0] = '\0';
    char ids[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(id, ids);
    db_err_t e = {0};
    db_conn_t *c = db_acquire(db, DB_CONN_READ, &e);
    db_stmt_t *st = c ? db_prepare(c, SQL_CLIENT[kind], &e) : NULL;
    db_rc_t rc = DB_ERROR;
    if (st) {
        db_bind_str(st, 1, ids);
        rc = db_step_one(st, &e);
        const char *s = rc == DB_ROW && !db_col_null(st, 0) ? db_col_text(st, 0, NULL) : NULL;
        if (s)
            snprintf(out, cap, "%s", s);
    }
    if (c)
        db_release(c);
    if (rc == DB_ROW || rc == DB_NOT_FOUND)
        return PAY_LIST_OK;
    LOGE("payments: lists: %s", e.msg);
    if (err)
        *err = e;
    return PAY_LIST_STORAGE_ERROR;
}
