/*
 * Client ownership and pages of the Open Payments resources (resources.h). Every statement is
 * a constant string, one per table and direction.
 */
#include "payments/resources.h"

#include <string.h>

#include "base/assert.h"
#include "base/log.h"

#define PAGE_SQL(table, cmp, dir)                                                                  \
    "SELECT id FROM " table " WHERE wallet_address_id = ? AND (? OR client = ?) AND (? = '' OR "   \
    "(created_at, id) " cmp " (SELECT created_at, id FROM " table " WHERE id = ?)) ORDER BY "      \
    "created_at " dir ", id " dir " LIMIT ?"

static const struct {
    const char *owner;
    const char *forward;
    const char *backward;
} SQL[] = {
    [PAY_RESOURCE_INCOMING] = {"SELECT client FROM incoming_payments WHERE id = ?",
                               PAGE_SQL("incoming_payments", ">", "ASC"),
                               PAGE_SQL("incoming_payments", "<", "DESC")},
    [PAY_RESOURCE_QUOTE] = {"SELECT client FROM quotes WHERE id = ?",
                            PAGE_SQL("quotes", ">", "ASC"), PAGE_SQL("quotes", "<", "DESC")},
    [PAY_RESOURCE_OUTGOING] = {"SELECT client FROM outgoing_payments WHERE id = ?",
                               PAGE_SQL("outgoing_payments", ">", "ASC"),
                               PAGE_SQL("outgoing_payments", "<", "DESC")},
};

static pay_resources_result_t failed(db_conn_t *c, const db_err_t *e)
{
    LOGE("payments: resources: %s", e->msg);
    if (c)
        db_release(c);
    return PAY_RESOURCES_STORAGE_ERROR;
}

pay_resources_result_t pay_resource_created_by(db_t *db, pay_resource_t kind, ledger_id_t id,
                                               const char *client)
{
    ASSERT(kind <= PAY_RESOURCE_OUTGOING);
    char ids[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(id, ids);
    db_err_t e = {0};
    db_conn_t *c = db_acquire(db, DB_CONN_READ, &e);
    db_stmt_t *st = c ? db_prepare(c, SQL[kind].owner, &e) : NULL;
    if (!st)
        return failed(c, &e);
    db_bind_str(st, 1, ids);
    db_rc_t r = db_step_one(st, &e);
    if (r != DB_ROW && r != DB_NOT_FOUND)
        return failed(c, &e);
    bool mine = r == DB_ROW && !db_col_null(st, 0) && strcmp(db_col_text(st, 0, NULL), client) == 0;
    db_release(c);
    return mine ? PAY_RESOURCES_OK : PAY_RESOURCES_NOT_FOUND;
}

pay_resources_result_t pay_resource_page(db_t *db, pay_resource_t kind, const pay_page_t *page,
                                         ledger_id_t *ids, size_t *got)
{
    ASSERT(kind <= PAY_RESOURCE_OUTGOING);
    char wid[LEDGER_ID_STR_LEN + 1], cid[LEDGER_ID_STR_LEN + 1] = "";
    ledger_id_format(page->wallet_address_id, wid);
    if (page->after)
        ledger_id_format(*page->after, cid);
    *got = 0;
    db_err_t e = {0};
    db_conn_t *c = db_acquire(db, DB_CONN_READ, &e);
    db_stmt_t *st =
        c ? db_prepare(c, page->backward ? SQL[kind].backward : SQL[kind].forward, &e) : NULL;
    if (!st)
        return failed(c, &e);
    db_bind_str(st, 1, wid);
    db_bind_bool(st, 2, page->client == NULL);
    db_bind_str(st, 3, page->client ? page->client : "");
    db_bind_str(st, 4, cid);
    db_bind_str(st, 5, cid);
    db_bind_i64(st, 6, (int64_t)page->limit + 1);
    db_rc_t rc;
    while ((rc = db_step(st, &e)) == DB_ROW && *got <= page->limit) {
        const char *s = db_col_text(st, 0, NULL);
        if (s && ledger_id_parse(s, strlen(s), &ids[*got]) == 0)
            (*got)++;
    }
    if (rc != DB_DONE && rc != DB_ROW)
        return failed(c, &e);
    db_release(c);
    return PAY_RESOURCES_OK;
}
