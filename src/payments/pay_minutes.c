/*
 * Payments per minute over the last hour (see pay_minutes.h).
 */
#include "payments/pay_minutes.h"

#include <string.h>

#include "base/log.h"

#define MINUTE_MS 60000

/* Rows: a kind (an outgoing payment's state, or 'INCOMING'), the minute since the epoch, the
 * count. The tenant's form joins each row of the window to its wallet address's owner. */
#define COUNT_SQL(JOIN_O, JOIN_I)                                                                  \
    "SELECT o.state, o.updated_at / 60000, COUNT(*) FROM outgoing_payments o "                     \
    "{{IF_SQLITE}}INDEXED BY outgoing_payments_state_updated {{END_IF}}" JOIN_O                    \
    " WHERE o.state IN ('COMPLETED', 'FAILED') AND o.updated_at >= ? AND o.updated_at < ? "        \
    "GROUP BY 1, 2 UNION ALL SELECT 'INCOMING', i.completed_at / 60000, COUNT(*) FROM "            \
    "incoming_payments i {{IF_SQLITE}}INDEXED BY incoming_payments_state_completed "               \
    "{{END_IF}}" JOIN_I " WHERE i.state = 2 AND i.completed_at >= ? AND "                          \
    "i.completed_at < ? GROUP BY 1, 2"

/* kind 3: tenants.h PAY_OWNED_WALLET_ADDRESS */
#define JOIN_OWNER(T)                                                                              \
    "JOIN tenant_resources r ON r.resource_id = " T ".wallet_address_id AND r.kind = 3 AND "       \
    "r.tenant_id = ?"

const char *pay_minutes_sql(bool tenant)
{
    return tenant ? COUNT_SQL(JOIN_OWNER("o"), JOIN_OWNER("i")) : COUNT_SQL("", "");
}

const char *pay_minutes_result_str(pay_minutes_result_t r)
{
    static const char *const s[PAY_MINUTES_RESULT_COUNT] = {"ok", "storage error"};
    return (unsigned)r < PAY_MINUTES_RESULT_COUNT ? s[r] : "unknown";
}

/* Adds one row to out; first is the window's first minute. */
static void count_row(db_stmt_t *st, int64_t first, pay_minutes_t *out)
{
    const char *kind = db_col_text(st, 0, NULL);
    int64_t m = db_col_i64(st, 1) - first;
    int64_t n = db_col_i64(st, 2);
    if (!kind || m < 0 || m >= PAY_MINUTES || n < 0)
        return;
    if (strcmp(kind, "COMPLETED") == 0)
        out->out_completed[m] += (uint64_t)n;
    else if (strcmp(kind, "FAILED") == 0)
        out->out_failed[m] += (uint64_t)n;
    else if (strcmp(kind, "INCOMING") == 0)
        out->in_completed[m] += (uint64_t)n;
}

pay_minutes_result_t pay_minutes_count(db_t *db, const char *tenant_id, int64_t now_ms,
                                       pay_minutes_t *out)
{
    memset(out, 0, sizeof *out);
    int64_t last = now_ms >= 0 ? now_ms / MINUTE_MS : 0;
    int64_t first = last - (PAY_MINUTES - 1);
    int64_t from = first * MINUTE_MS, to = (last + 1) * MINUTE_MS;
    db_err_t e = {0};
    db_rc_t r = DB_ERROR;
    db_conn_t *c = db_acquire(db, DB_CONN_READ, &e);
    db_stmt_t *st = NULL;
    if (c)
        st = db_prepare(c, pay_minutes_sql(tenant_id != NULL), &e);
    if (!st)
        goto done;
    int i = 1;
    for (int half = 0; half < 2; half++) {
        if (tenant_id)
            db_bind_str(st, i++, tenant_id);
        db_bind_i64(st, i++, from);
        db_bind_i64(st, i++, to);
    }
    while ((r = db_step(st, &e)) == DB_ROW)
        count_row(st, first, out);
done:
    if (c)
        db_release(c);
    if (r == DB_DONE)
        return PAY_MINUTES_OK;
    LOGE("console: payments per minute: %s", e.msg);
    memset(out, 0, sizeof *out);
    return PAY_MINUTES_ERROR;
}
