/* The backend's metrics (see metrics.h). */
#include "payments/metrics.h"

#include <stdio.h>

#include "payments/incoming_payment.h"
#include "base/log.h"
#include "base/metrics.h"

/* An incoming payment's stored state (an integer) as its name. */
static const char *incoming_state_name(db_stmt_t *st)
{
    return incoming_payment_state_str((incoming_payment_state_t)db_col_i64(st, 0), 0);
}

static const char *text_name(db_stmt_t *st)
{
    return db_col_text(st, 0, NULL);
}

/* One gauge family from `SELECT label, count(*) ... GROUP BY label`, the label's value read by
 * name(), or a single count when label is NULL. */
static int count_family(db_t *db, buf_t *b, const char *name, const char *help, const char *label,
                        const char *(*value_of)(db_stmt_t *st), const char *sql)
{
    db_err_t e;
    db_conn_t *c = db_acquire(db, DB_CONN_READ, &e);
    db_stmt_t *st = c ? db_prepare(c, sql, &e) : NULL;
    int rc = st ? metrics_family(b, name, "gauge", help) : 0;
    db_rc_t r = DB_DONE;
    while (st && rc == 0 && (r = db_step(st, &e)) == DB_ROW) {
        char labels[128], v[64];
        if (label)
            snprintf(labels, sizeof labels, "%s=\"%s\"", label,
                     metrics_label_escape(value_of(st), v, sizeof v));
        else
            labels[0] = '\0';
        rc = metrics_sample_u64(b, name, labels, (uint64_t)db_col_i64(st, label ? 1 : 0));
    }
    if (!st || (r != DB_DONE && r != DB_ROW))
        LOGW("metrics: %s: %s", name, e.msg);
    if (c)
        db_release(c);
    return rc;
}

int backend_metrics_write(db_t *db, webhooks_t *hooks, buf_t *b)
{
    int rc = count_family(db, b, "rafiki_incoming_payments", "incoming payments by state", "state",
                          incoming_state_name,
                          "SELECT state, count(*) FROM incoming_payments GROUP BY state");
    if (rc == 0)
        rc = count_family(db, b, "rafiki_outgoing_payments_unsettled",
                          "outgoing payments not yet settled, by state", "state", text_name,
                          "SELECT state, count(*) FROM outgoing_payments WHERE settled = FALSE "
                          "GROUP BY state");
    if (rc == 0)
        rc = count_family(db, b, "rafiki_webhook_events_pending",
                          "webhook events waiting for delivery", NULL, NULL,
                          "SELECT count(*) FROM webhook_events WHERE state = 0");
    if (rc != 0 || !hooks)
        return rc;
    webhooks_stats_t st;
    webhooks_stats(hooks, &st);
    rc = metrics_family(b, "rafiki_webhook_deliveries_total", "counter",
                        "webhook events delivered (2xx) and given up after WEBHOOK_MAX_RETRY");
    if (rc == 0)
        rc = metrics_sample_u64(b, "rafiki_webhook_deliveries_total", "result=\"delivered\"",
                                st.delivered);
    if (rc == 0)
        rc = metrics_sample_u64(b, "rafiki_webhook_deliveries_total", "result=\"given_up\"",
                                st.failed);
    if (rc == 0)
        rc = metrics_family(b, "rafiki_webhook_attempts_total", "counter",
                            "webhook POSTs answered or timed out");
    if (rc == 0)
        rc = metrics_sample_u64(b, "rafiki_webhook_attempts_total", "", st.attempts);
    return rc;
}

int backend_webhooks_pending(db_t *db, uint64_t *n)
{
    db_err_t e = {0};
    db_conn_t *c = db_acquire(db, DB_CONN_READ, &e);
    db_stmt_t *st =
        c ? db_prepare(c, "SELECT count(*) FROM webhook_events WHERE state = 0", &e) : NULL;
    int rc = st && db_step_one(st, &e) == DB_ROW ? 0 : -1;
    if (rc == 0)
        *n = (uint64_t)db_col_i64(st, 0);
    else
        LOGW("webhook backlog: %s", e.msg);
    if (c)
        db_release(c);
    return rc;
}
