/*
 * The console's payments and webhook events reads (pay_console.h): statements put together from
 * constant fragments with their bound values, and the row readers.
 */
#include "payments/pay_console.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/log.h"
#include "base/mem.h"

#define SQL_MAX   2048
#define BINDS_MAX 12

static const char *const RESULT_NAMES[PAY_CONSOLE_RESULT_COUNT] = {
    [PAY_CONSOLE_OK] = "ok",
    [PAY_CONSOLE_NOT_FOUND] = "not_found",
    [PAY_CONSOLE_STORAGE_ERROR] = "storage_error",
};

const char *pay_console_result_str(pay_console_result_t r)
{
    return (unsigned)r < PAY_CONSOLE_RESULT_COUNT ? RESULT_NAMES[r] : "unknown";
}

/* ---- a statement of fragments ---- */

typedef struct {
    bool text;
    int64_t i;
    const char *s;
} bind_t;

typedef struct {
    char sql[SQL_MAX];
    size_t len;
    bind_t binds[BINDS_MAX];
    int n;
} stmt_t;

/* Appends a constant fragment; a statement too long for SQL_MAX is a programmer error. */
static void frag(stmt_t *s, const char *f)
{
    size_t n = strlen(f);
    ASSERT(s->len + n < SQL_MAX);
    memcpy(s->sql + s->len, f, n + 1);
    s->len += n;
}

static void bind_i(stmt_t *s, int64_t v)
{
    ASSERT(s->n < BINDS_MAX);
    s->binds[s->n++] = (bind_t){.i = v};
}

static void bind_s(stmt_t *s, const char *v)
{
    ASSERT(s->n < BINDS_MAX);
    s->binds[s->n++] = (bind_t){.text = true, .s = v};
}

static db_stmt_t *stmt_prepare(db_conn_t *c, const stmt_t *s, db_err_t *e)
{
    db_stmt_t *st = db_prepare(c, s->sql, e);
    for (int i = 0; st && i < s->n; i++) {
        if (s->binds[i].text)
            db_bind_str(st, i + 1, s->binds[i].s);
        else
            db_bind_i64(st, i + 1, s->binds[i].i);
    }
    return st;
}

/* The time range, the cursor and the order of a page (key: the tie-breaking column). */
static void page_tail(stmt_t *s, int64_t from_ms, int64_t to_ms, const pay_console_cursor_t *after,
                      const char *key, bool key_int, size_t read_max)
{
    if (from_ms) {
        frag(s, " AND created_at >= ?");
        bind_i(s, from_ms);
    }
    if (to_ms) {
        frag(s, " AND created_at < ?");
        bind_i(s, to_ms);
    }
    if (after->set) {
        frag(s, " AND (created_at, ");
        frag(s, key);
        frag(s, ") < (?, ?)");
        bind_i(s, after->at_ms);
        if (key_int)
            bind_i(s, strtoll(after->key, NULL, 10));
        else
            bind_s(s, after->key);
    }
    frag(s, " ORDER BY created_at DESC, ");
    frag(s, key);
    frag(s, " DESC LIMIT ?");
    bind_i(s, (int64_t)read_max);
}

static pay_console_result_t storage(const char *what, db_err_t *e, db_err_t *err)
{
    LOGE("payments: console: %s: %s", what, e->msg);
    if (err)
        *err = *e;
    return PAY_CONSOLE_STORAGE_ERROR;
}

/* ---- the scan every page shares ---- */

typedef void (*read_fn)(db_stmt_t *st, void *row);

/* How a statement's rows are read: its owned, time and key columns (the key an integer or
 * text), the row reader and the rows' size. */
typedef struct {
    int owned_col, at_col, key_col;
    bool key_int;
    read_fn read;
    size_t row_size;
} scan_t;

static void cursor_at(db_stmt_t *st, const scan_t *sc, pay_console_cursor_t *c)
{
    c->set = true;
    c->at_ms = db_col_i64(st, sc->at_col);
    if (sc->key_int) {
        snprintf(c->key, sizeof c->key, "%lld", (long long)db_col_i64(st, sc->key_col));
    } else {
        const char *k = db_col_text(st, sc->key_col, NULL);
        snprintf(c->key, sizeof c->key, "%s", k ? k : "");
    }
}

/*
 * Runs s and keeps the rows whose owned column is true, up to limit. *older: the cursor of the
 * last kept row when another kept row follows; or, when a scoped read (scoped: s reads at most
 * PAY_CONSOLE_SCAN_MAX rows) ended on its bound, the cursor of the last row read, so the next
 * page goes on from there; else unset.
 */
static pay_console_result_t scan_run(db_t *db, const stmt_t *s, const scan_t *sc, bool scoped,
                                     size_t limit, void *rows, size_t *n,
                                     pay_console_cursor_t *older, db_err_t *err)
{
    *n = 0;
    memset(older, 0, sizeof *older);
    pay_console_cursor_t kept = {0}, seen = {0};
    size_t read = 0;
    bool more = false;
    db_err_t e = {0};
    db_conn_t *c = db_acquire(db, DB_CONN_READ, &e);
    db_stmt_t *st = c ? stmt_prepare(c, s, &e) : NULL;
    db_rc_t rc = st ? DB_OK : e.code;
    while (st && (rc = db_step(st, &e)) == DB_ROW) {
        read++;
        cursor_at(st, sc, &seen);
        if (!db_col_bool(st, sc->owned_col))
            continue;
        if (*n == limit) {
            more = true;
            rc = DB_DONE;
            break;
        }
        sc->read(st, (char *)rows + sc->row_size * (*n)++);
        kept = seen;
    }
    if (c)
        db_release(c);
    if (rc != DB_DONE && rc != DB_OK)
        return storage("page", &e, err);
    if (more)
        *older = kept;
    else if (scoped && read == PAY_CONSOLE_SCAN_MAX)
        *older = seen;
    return PAY_CONSOLE_OK;
}

/* ---- payments ---- */

static const char *const INCOMING_STATES[] = {"", "pending", "completed", "expired"};

static int64_t incoming_state(const char *s)
{
    for (int64_t i = 1; i < 4; i++)
        if (strcmp(s, INCOMING_STATES[i]) == 0)
            return i;
    return -1; /* matches no row */
}

static void payments_sql(stmt_t *s, const pay_console_query_t *q,
                         char wallet[LEDGER_ID_STR_LEN + 1])
{
    bool scoped = q->scope.kind == PAY_SCOPE_TENANT;
    frag(s, "SELECT id, wallet_address_id, state, created_at, updated_at, ");
    if (scoped) {
        frag(s, "EXISTS (SELECT 1 FROM tenant_resources r WHERE r.resource_id = "
                "t.wallet_address_id AND r.tenant_id = ? AND r.kind = 3)");
        bind_s(s, q->scope.tenant_id);
    } else {
        frag(s, "1");
    }
    frag(s, q->outgoing ? " FROM outgoing_payments t WHERE 1 = 1"
                        : " FROM incoming_payments t WHERE 1 = 1");
    if (q->state && q->state[0]) {
        frag(s, " AND state = ?");
        if (q->outgoing)
            bind_s(s, q->state);
        else
            bind_i(s, incoming_state(q->state));
    }
    if (q->has_wallet) {
        ledger_id_format(q->wallet_address_id, wallet);
        frag(s, " AND wallet_address_id = ?");
        bind_s(s, wallet);
    }
    page_tail(s, q->from_ms, q->to_ms, &q->after, "id", false,
              scoped ? PAY_CONSOLE_SCAN_MAX : q->limit + 1);
}

static void payment_read(db_stmt_t *st, bool outgoing, pay_console_row_t *r)
{
    memset(r, 0, sizeof *r);
    const char *id = db_col_text(st, 0, NULL), *w = db_col_text(st, 1, NULL);
    if (id)
        ledger_id_parse(id, strlen(id), &r->id);
    if (w)
        ledger_id_parse(w, strlen(w), &r->wallet_address_id);
    if (outgoing) {
        const char *state = db_col_text(st, 2, NULL);
        snprintf(r->state, sizeof r->state, "%s", state ? state : "");
    } else {
        int64_t v = db_col_i64(st, 2);
        snprintf(r->state, sizeof r->state, "%s", v >= 1 && v <= 3 ? INCOMING_STATES[v] : "?");
    }
    r->created_ms = db_col_i64(st, 3);
    r->updated_ms = db_col_i64(st, 4);
}

static void incoming_read(db_stmt_t *st, void *row)
{
    payment_read(st, false, row);
}

static void outgoing_read(db_stmt_t *st, void *row)
{
    payment_read(st, true, row);
}

pay_console_result_t pay_console_payments(db_t *db, const pay_console_query_t *q,
                                          pay_console_row_t *rows, size_t *n,
                                          pay_console_cursor_t *older, db_err_t *err)
{
    ASSERT(q->limit >= 1 && q->limit <= PAY_CONSOLE_PAGE_MAX);
    stmt_t s = {.len = 0};
    char wallet[LEDGER_ID_STR_LEN + 1];
    payments_sql(&s, q, wallet);
    scan_t sc = {.owned_col = 5,
                 .at_col = 3,
                 .key_col = 0,
                 .read = q->outgoing ? outgoing_read : incoming_read,
                 .row_size = sizeof *rows};
    return scan_run(db, &s, &sc, q->scope.kind == PAY_SCOPE_TENANT, q->limit, rows, n, older, err);
}

/* ---- webhook events ---- */

#define EVENT_FIELDS                                                                               \
    "seq, id, type, resource_id, state, attempts, last_status, last_error, created_at, "           \
    "updated_at, process_at"
#define EVENT_COLS "SELECT " EVENT_FIELDS ", 1 FROM webhook_events w"

static void event_read(db_stmt_t *st, void *row)
{
    pay_console_event_t *e = row;
    memset(e, 0, sizeof *e);
    e->seq = db_col_i64(st, 0);
    const char *id = db_col_text(st, 1, NULL), *type = db_col_text(st, 2, NULL);
    const char *res = db_col_text(st, 3, NULL);
    snprintf(e->id, sizeof e->id, "%s", id ? id : "");
    snprintf(e->type, sizeof e->type, "%s", type ? type : "");
    snprintf(e->resource_id, sizeof e->resource_id, "%s", res ? res : "");
    e->state = (int)db_col_i64(st, 4);
    e->attempts = (unsigned)db_col_i64(st, 5);
    e->last_status = (unsigned)db_col_i64(st, 6);
    const char *le = db_col_null(st, 7) ? NULL : db_col_text(st, 7, NULL);
    snprintf(e->last_error, sizeof e->last_error, "%s", le ? le : "");
    e->created_ms = db_col_i64(st, 8);
    e->updated_ms = db_col_i64(st, 9);
    e->process_at_ms = db_col_i64(st, 10);
}

/* Whether an event is a tenant's: a payment's event (by its type) when the payment's wallet
 * address is the tenant's, another when its resource (an asset, peer or wallet address) is
 * (tenants.c's PAY_OWNED_EVENT); one or two primary-key probes per row. */
#define EVENT_OWNED                                                                                \
    "CASE WHEN w.type LIKE 'incoming_payment.%' THEN EXISTS (SELECT 1 FROM incoming_payments i "   \
    "WHERE i.id = w.resource_id AND EXISTS (SELECT 1 FROM tenant_resources r WHERE "               \
    "r.resource_id = i.wallet_address_id AND r.tenant_id = ?)) WHEN w.type LIKE "                  \
    "'outgoing_payment.%' THEN EXISTS (SELECT 1 FROM outgoing_payments o WHERE o.id = "            \
    "w.resource_id AND EXISTS (SELECT 1 FROM tenant_resources r WHERE r.resource_id = "            \
    "o.wallet_address_id AND r.tenant_id = ?)) ELSE EXISTS (SELECT 1 FROM tenant_resources r "     \
    "WHERE r.resource_id = w.resource_id AND r.tenant_id = ?) END"

static void events_sql(stmt_t *s, const pay_console_event_query_t *q)
{
    bool scoped = q->scope.kind == PAY_SCOPE_TENANT;
    frag(s, "SELECT " EVENT_FIELDS ", ");
    frag(s, scoped ? EVENT_OWNED : "1");
    for (int i = 0; scoped && i < 3; i++)
        bind_s(s, q->scope.tenant_id);
    frag(s, " FROM webhook_events w WHERE 1 = 1");
    if (q->type && q->type[0]) {
        frag(s, " AND type = ?");
        bind_s(s, q->type);
    }
    page_tail(s, q->from_ms, q->to_ms, &q->after, "seq", true,
              scoped ? PAY_CONSOLE_SCAN_MAX : q->limit + 1);
}

static const scan_t EVENT_SCAN = {.owned_col = 11,
                                  .at_col = 8,
                                  .key_col = 0,
                                  .key_int = true,
                                  .read = event_read,
                                  .row_size = sizeof(pay_console_event_t)};

pay_console_result_t pay_console_events(db_t *db, const pay_console_event_query_t *q,
                                        pay_console_event_t *rows, size_t *n,
                                        pay_console_cursor_t *older, db_err_t *err)
{
    ASSERT(q->limit >= 1 && q->limit <= PAY_CONSOLE_PAGE_MAX);
    stmt_t s = {.len = 0};
    events_sql(&s, q);
    return scan_run(db, &s, &EVENT_SCAN, q->scope.kind == PAY_SCOPE_TENANT, q->limit, rows, n,
                    older, err);
}

pay_console_result_t pay_console_resource_events(db_t *db, const char *resource_id,
                                                 pay_console_event_t *out, size_t cap, size_t *n,
                                                 db_err_t *err)
{
    stmt_t s = {.len = 0};
    frag(&s, EVENT_COLS " WHERE resource_id = ? ORDER BY seq LIMIT ?");
    bind_s(&s, resource_id);
    bind_i(&s, (int64_t)cap);
    pay_console_cursor_t older;
    return scan_run(db, &s, &EVENT_SCAN, false, cap, out, n, &older, err);
}

pay_console_result_t pay_console_event_get(db_t *db, const char *id, pay_console_event_t *out,
                                           char **data, db_err_t *err)
{
    *data = NULL;
    db_err_t e = {0};
    db_conn_t *c = db_acquire(db, DB_CONN_READ, &e);
    db_stmt_t *st =
        c ? db_prepare(c, "SELECT " EVENT_FIELDS ", data FROM webhook_events WHERE id = ?", &e)
          : NULL;
    db_rc_t rc = st ? DB_OK : e.code;
    if (st) {
        db_bind_str(st, 1, id);
        rc = db_step_one(st, &e);
    }
    if (rc == DB_ROW) {
        event_read(st, out);
        const char *d = db_col_text(st, 11, NULL);
        *data = xstrdup(d ? d : "{}");
    }
    if (c)
        db_release(c);
    if (rc == DB_ROW)
        return PAY_CONSOLE_OK;
    if (rc == DB_NOT_FOUND)
        return PAY_CONSOLE_NOT_FOUND;
    return storage("event", &e, err);
}

pay_console_result_t pay_console_event_copies(db_t *db, int64_t seq, pay_console_copy_t *out,
                                              size_t *n, db_err_t *err)
{
    *n = 0;
    db_err_t e = {0};
    db_conn_t *c = db_acquire(db, DB_CONN_READ, &e);
    db_stmt_t *st = c ? db_prepare(c,
                                   "SELECT recipient_tenant_id, state, attempts, last_status, "
                                   "last_error, updated_at, process_at FROM webhook_copies WHERE "
                                   "event_seq = ? ORDER BY seq LIMIT ?",
                                   &e)
                      : NULL;
    db_rc_t rc = st ? DB_OK : e.code;
    if (st) {
        db_bind_i64(st, 1, seq);
        db_bind_i64(st, 2, PAY_CONSOLE_COPIES_MAX);
    }
    while (st && (rc = db_step(st, &e)) == DB_ROW) {
        pay_console_copy_t *p = &out[(*n)++];
        memset(p, 0, sizeof *p);
        const char *r = db_col_null(st, 0) ? NULL : db_col_text(st, 0, NULL);
        const char *le = db_col_null(st, 4) ? NULL : db_col_text(st, 4, NULL);
        snprintf(p->recipient, sizeof p->recipient, "%s", r ? r : "");
        p->state = (int)db_col_i64(st, 1);
        p->attempts = (unsigned)db_col_i64(st, 2);
        p->last_status = (unsigned)db_col_i64(st, 3);
        snprintf(p->last_error, sizeof p->last_error, "%s", le ? le : "");
        p->updated_ms = db_col_i64(st, 5);
        p->process_at_ms = db_col_i64(st, 6);
    }
    if (c)
        db_release(c);
    if (rc != DB_DONE && rc != DB_OK)
        return storage("copies", &e, err);
    return PAY_CONSOLE_OK;
}
