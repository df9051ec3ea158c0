/*
 * Webhook events a page at a time for Rafiki's webhookEvents query (see webhooks.h): type
 * filters and creation order (the event's seq, which follows creation) in either direction.
 */
#include <stdio.h>
#include <string.h>

#include "payments/webhooks.h"

/* Appends text to the statement being built; false when it does not fit. */
static bool put(char *sql, size_t cap, size_t *at, const char *text)
{
    int w = snprintf(sql + *at, cap - *at, "%s", text);
    if (w < 0 || (size_t)w >= cap - *at)
        return false;
    *at += (size_t)w;
    return true;
}

/* " AND type [NOT ]IN (?, ?...)", or a clause that matches nothing for an empty IN. */
static bool put_list(char *sql, size_t cap, size_t *at, bool not_in, size_t n)
{
    if (n == 0)
        return not_in ? true : put(sql, cap, at, " AND 1 = 0");
    if (!put(sql, cap, at, not_in ? " AND type NOT IN (" : " AND type IN ("))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!put(sql, cap, at, i ? ", ?" : "?"))
            return false;
    return put(sql, cap, at, ")");
}

static bool build(char *sql, size_t cap, const webhook_types_t *t, const pay_keyset_t *k)
{
    bool up = k->asc != k->backward;
    size_t at = 0;
    return put(sql, cap, &at,
               "SELECT seq, id, type, data, created_at FROM webhook_events "
               "WHERE 1 = 1") &&
           (!t->in || put_list(sql, cap, &at, false, t->n_in)) &&
           put_list(sql, cap, &at, true, t->n_not_in) &&
           (!k->has_cursor ||
            put(sql, cap, &at,
                up ? " AND seq > (SELECT c.seq FROM webhook_events c WHERE c.id = ?)"
                   : " AND seq < (SELECT c.seq FROM webhook_events c WHERE c.id = ?)")) &&
           put(sql, cap, &at, up ? " ORDER BY seq ASC LIMIT ?" : " ORDER BY seq DESC LIMIT ?");
}

db_rc_t webhook_events_page(db_t *db, const webhook_types_t *types, const pay_keyset_t *k,
                            webhook_event_fn fn, void *user, db_err_t *err)
{
    char sql[2048 + 8 * 2 * WEBHOOK_TYPE_FILTER_MAX];
    if ((types->in && types->n_in > WEBHOOK_TYPE_FILTER_MAX) ||
        types->n_not_in > WEBHOOK_TYPE_FILTER_MAX || !build(sql, sizeof sql, types, k)) {
        snprintf(err->msg, sizeof err->msg, "webhook events: too many type filters");
        err->code = DB_INVALID;
        return DB_INVALID;
    }
    db_conn_t *c = db_acquire(db, DB_CONN_READ, err);
    if (!c)
        return err->code;
    db_stmt_t *st = db_prepare(c, sql, err);
    db_rc_t rc = st ? DB_OK : err->code;
    if (st) {
        int i = 1;
        for (size_t j = 0; types->in && j < types->n_in; j++)
            db_bind_str(st, i++, types->in[j]);
        for (size_t j = 0; j < types->n_not_in; j++)
            db_bind_str(st, i++, types->not_in[j]);
        char id[LEDGER_ID_STR_LEN + 1];
        if (k->has_cursor) {
            ledger_id_format(k->cursor, id);
            db_bind_str(st, i++, id);
        }
        db_bind_i64(st, i, (int64_t)k->limit);
        while ((rc = db_step(st, err)) == DB_ROW) {
            webhook_event_t e = {.seq = db_col_i64(st, 0),
                                 .id = db_col_text(st, 1, NULL),
                                 .type = db_col_text(st, 2, NULL),
                                 .data = db_col_text(st, 3, NULL),
                                 .created_ms = db_col_i64(st, 4)};
            fn(&e, user);
        }
        if (rc == DB_DONE)
            rc = DB_OK;
    }
    db_release(c);
    return rc;
}
