/*
 * Grants as the operator sees them (auth_grants.h): Rafiki's reading of our grant states, pages
 * of grants under a filter, one grant, and revocation. The filters and the keyset condition are
 * SQL fragments chosen from fixed texts (never built from input; the input is bound), so each
 * combination is one cached statement.
 */
#include <stdio.h>
#include <string.h>

#include "auth/auth_grants.h"
#include "auth/auth_internal.h"
#include "base/assert.h"
#include "base/codec.h"
#include "base/digest.h"
#include "base/log.h"
#include "base/mem.h"

static const char *const STATE_NAMES[AUTH_GRANT_STATE_COUNT] = {"PROCESSING", "PENDING", "APPROVED",
                                                                "FINALIZED"};
static const char *const REASON_NAMES[AUTH_GRANT_REASON_COUNT] = {NULL, "ISSUED", "REVOKED",
                                                                  "REJECTED"};

const char *auth_grants_result_str(auth_grants_result_t r)
{
    switch (r) {
    case AUTH_GRANTS_OK:
        return "ok";
    case AUTH_GRANTS_NOT_FOUND:
        return "not_found";
    case AUTH_GRANTS_INVALID:
        return "invalid";
    case AUTH_GRANTS_STORAGE:
        return "storage";
    }
    return "unknown";
}

const char *auth_grant_state_str(auth_grant_state_t s)
{
    ASSERT((unsigned)s < AUTH_GRANT_STATE_COUNT);
    return STATE_NAMES[s];
}

const char *auth_grant_reason_str(auth_grant_reason_t r)
{
    ASSERT((unsigned)r < AUTH_GRANT_REASON_COUNT);
    return REASON_NAMES[r];
}

int auth_grant_state_parse(const char *s)
{
    for (int i = 0; s && i < AUTH_GRANT_STATE_COUNT; i++)
        if (strcmp(s, STATE_NAMES[i]) == 0)
            return i;
    return -1;
}

int auth_grant_reason_parse(const char *s)
{
    for (int i = 1; s && i < AUTH_GRANT_REASON_COUNT; i++)
        if (strcmp(s, REASON_NAMES[i]) == 0)
            return i;
    return -1;
}

void auth_grant_view_release(auth_grant_view_t *g)
{
    json_decref(g->access);
    g->access = NULL;
}

void auth_grants_list_release(auth_grants_list_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        auth_grant_view_release(&l->rows[i]);
    free(l->rows);
    memset(l, 0, sizeof *l);
}

void auth_grant_access_id(const char *grant_id, size_t index, char out[UUID_STR_LEN + 1])
{
    char in[UUID_STR_LEN + 32];
    int n = snprintf(in, sizeof in, "%s#access/%zu", grant_id, index);
    ASSERT(n > 0 && (size_t)n < sizeof in);
    uint8_t h[SHA256_LEN];
    sha256(h, in, (size_t)n);
    h[6] = (uint8_t)((h[6] & 0x0f) | 0x80); /* version 8: RFC 9562's custom UUID */
    h[8] = (uint8_t)((h[8] & 0x3f) | 0x80); /* the RFC variant */
    char hex[33];
    ASSERT(hex_encode(hex, sizeof hex, h, 16) == 32);
    n = snprintf(out, UUID_STR_LEN + 1, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12,
                 hex + 16, hex + 20);
    ASSERT(n == UUID_STR_LEN);
}

/* Our state as Rafiki's state and reason (the table in auth_grants.h). */
static void reading(grant_state_t st, bool interactive, auth_grant_view_t *g)
{
    g->reason = AUTH_GRANT_NO_REASON;
    switch (st) {
    case GRANT_PENDING:
        g->state = AUTH_GRANT_PENDING;
        break;
    case GRANT_APPROVED:
        g->state = AUTH_GRANT_APPROVED;
        break;
    case GRANT_FINALIZED:
        g->state = interactive ? AUTH_GRANT_FINALIZED : AUTH_GRANT_APPROVED;
        g->reason = interactive ? AUTH_GRANT_ISSUED : AUTH_GRANT_NO_REASON;
        break;
    case GRANT_DENIED:
        g->state = AUTH_GRANT_FINALIZED;
        g->reason = AUTH_GRANT_REJECTED;
        break;
    case GRANT_REVOKED:
        g->state = AUTH_GRANT_FINALIZED;
        g->reason = AUTH_GRANT_REVOKED;
        break;
    }
}

/* The same reading in SQL, for the filters; it must agree with reading() (the unit tests hold
 * every state to it). */
#define SQL_STATE                                                                                  \
    "(CASE WHEN state = 'FINALIZED' AND interact_id IS NULL THEN 'APPROVED' "                      \
    "WHEN state IN ('DENIED', 'REVOKED') THEN 'FINALIZED' ELSE state END)"
#define SQL_REASON                                                                                 \
    "(CASE WHEN state = 'DENIED' THEN 'REJECTED' WHEN state = 'REVOKED' THEN 'REVOKED' "           \
    "WHEN state = 'FINALIZED' AND interact_id IS NOT NULL THEN 'ISSUED' END)"

#define VIEW_COLS "id, state, client, access, interact_id, created_ms, tenant_id"

static void view_read(db_stmt_t *st, auth_grant_view_t *g)
{
    memset(g, 0, sizeof *g);
    const char *v = db_col_text(st, 0, NULL);
    snprintf(g->id, sizeof g->id, "%s", v ? v : "");
    v = db_col_text(st, 1, NULL);
    grant_state_t state = GRANT_REVOKED; /* unreadable: unusable, as auth_store.c reads it */
    for (int i = GRANT_PENDING; v && i <= GRANT_REVOKED; i++)
        if (strcmp(v, grant_state_str((grant_state_t)i)) == 0)
            state = (grant_state_t)i;
    reading(state, !db_col_null(st, 4), g);
    v = db_col_text(st, 2, NULL);
    snprintf(g->client, sizeof g->client, "%s", v ? v : "");
    size_t n = 0;
    v = db_col_text(st, 3, &n);
    g->access = v ? json_loadb(v, n, 0, NULL) : NULL;
    if (!json_is_array(g->access)) {
        json_decref(g->access);
        g->access = json_array();
    }
    g->created_ms = db_col_i64(st, 5);
    v = db_col_null(st, 6) ? NULL : db_col_text(st, 6, NULL);
    snprintf(g->tenant_id, sizeof g->tenant_id, "%s", v ? v : "");
}

/* ---- a page ---- */

#define QUERY_SQL_MAX   2048
#define QUERY_BINDS_MAX 8

/* One SELECT put together from fixed fragments, with the text values bound in order. */
typedef struct {
    char sql[QUERY_SQL_MAX];
    size_t len;
    const char *binds[QUERY_BINDS_MAX];
    int n_binds;
} query_t;

static void q_add(query_t *q, const char *frag)
{
    size_t n = strlen(frag);
    ASSERT(q->len + n < sizeof q->sql); /* the fragments are constants: a bound on their sum */
    memcpy(q->sql + q->len, frag, n + 1);
    q->len += n;
}

/* frag with one `?` (or {{JSON_LIST}}) for value; nothing when value is NULL (no filter). */
static void q_bind(query_t *q, const char *frag, const char *value)
{
    if (!value)
        return;
    ASSERT(q->n_binds < QUERY_BINDS_MAX);
    q_add(q, frag);
    q->binds[q->n_binds++] = value;
}

/* The filter's lists as JSON arrays of strings (NULL: that part does not apply). */
typedef struct {
    char *identifiers, *state_in, *state_not_in, *reason_in, *reason_not_in;
    const char *tenant_id; /* borrowed from the filter */
    bool tenant_operator;
} filter_json_t;

static char *names_json(uint32_t mask, const char *const *names, int count)
{
    if (mask == 0)
        return NULL;
    json_t *arr = json_array();
    for (int i = 0; i < count; i++)
        if ((mask & (1u << i)) && names[i])
            json_array_append_new(arr, json_string(names[i]));
    char *s = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    ASSERT(s);
    return s;
}

static char *identifiers_json(const auth_grants_filter_t *f)
{
    if (f->n_identifiers == 0)
        return NULL;
    json_t *arr = json_array();
    for (size_t i = 0; i < f->n_identifiers; i++)
        json_array_append_new(arr, json_string(f->identifiers[i] ? f->identifiers[i] : ""));
    char *s = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    ASSERT(s);
    return s;
}

static void filter_json_make(const auth_grants_filter_t *f, filter_json_t *j)
{
    j->identifiers = identifiers_json(f);
    j->state_in = names_json(f->state_in, STATE_NAMES, AUTH_GRANT_STATE_COUNT);
    j->state_not_in = names_json(f->state_not_in, STATE_NAMES, AUTH_GRANT_STATE_COUNT);
    j->reason_in = names_json(f->reason_in, REASON_NAMES, AUTH_GRANT_REASON_COUNT);
    j->reason_not_in = names_json(f->reason_not_in, REASON_NAMES, AUTH_GRANT_REASON_COUNT);
    j->tenant_id = f->tenant_id;
    j->tenant_operator = f->tenant_operator;
}

static void filter_json_free(filter_json_t *j)
{
    free(j->identifiers);
    free(j->state_in);
    free(j->state_not_in);
    free(j->reason_in);
    free(j->reason_not_in);
}

/* The query of one page: `limit` grants matching j, after (or, backward, before) cursor in the
 * order asked, read in the direction they are fetched. */
static void page_query(query_t *q, const filter_json_t *j, bool backward, bool asc,
                       const char *cursor)
{
    memset(q, 0, sizeof *q);
    q_add(q, "SELECT " VIEW_COLS " FROM auth_grants WHERE 1 = 1");
    /* the operator's grants of {auth_url}/ have no tenant (sql/073_auth_grant_tenants.sql) */
    q_bind(q,
           j->tenant_operator ? " AND (tenant_id IS NULL OR tenant_id = ?)" : " AND tenant_id = ?",
           j->tenant_id);
    q_bind(q,
           " AND id IN (SELECT grant_id FROM auth_grant_identifiers WHERE identifier IN "
           "{{JSON_LIST}})",
           j->identifiers);
    q_bind(q, " AND " SQL_STATE " IN {{JSON_LIST}}", j->state_in);
    q_bind(q, " AND " SQL_STATE " NOT IN {{JSON_LIST}}", j->state_not_in);
    q_bind(q, " AND " SQL_REASON " IN {{JSON_LIST}}", j->reason_in);
    q_bind(q, " AND (" SQL_REASON " IS NULL OR " SQL_REASON " NOT IN {{JSON_LIST}})",
           j->reason_not_in);
    /* fetched ascending: forward in ASC order, or backward in DESC order */
    bool up = asc != backward;
    q_bind(q,
           up ? " AND (created_ms, id) > (SELECT created_ms, id FROM auth_grants WHERE id = ?)"
              : " AND (created_ms, id) < (SELECT created_ms, id FROM auth_grants WHERE id = ?)",
           cursor);
    q_add(q, up ? " ORDER BY created_ms ASC, id ASC LIMIT ?"
                : " ORDER BY created_ms DESC, id DESC LIMIT ?");
}

/* Runs q with limit into rows (cap at least limit); *n rows read. DB_OK or an error. */
static db_rc_t page_run(db_conn_t *conn, const query_t *q, uint32_t limit, auth_grant_view_t *rows,
                        size_t *n, db_err_t *err)
{
    *n = 0;
    db_stmt_t *st = db_prepare(conn, q->sql, err);
    if (!st)
        return err->code;
    int i = 0;
    for (; i < q->n_binds; i++)
        db_bind_str(st, i + 1, q->binds[i]);
    db_bind_i64(st, i + 1, limit);
    db_rc_t rc;
    while ((rc = db_step(st, err)) == DB_ROW) {
        ASSERT(*n < limit);
        view_read(st, &rows[(*n)++]);
    }
    return rc == DB_DONE ? DB_OK : rc;
}

/* Whether one grant matching j lies beyond cursor in that direction. */
static db_rc_t page_more(db_conn_t *conn, const filter_json_t *j, bool backward, bool asc,
                         const char *cursor, bool *more, db_err_t *err)
{
    query_t q;
    page_query(&q, j, backward, asc, cursor);
    auth_grant_view_t one;
    size_t n = 0;
    db_rc_t rc = page_run(conn, &q, 1, &one, &n, err);
    if (n)
        auth_grant_view_release(&one);
    *more = n == 1;
    return rc;
}

static void reverse(auth_grant_view_t *rows, size_t n)
{
    for (size_t i = 0; i + 1 < n - i; i++) {
        auth_grant_view_t t = rows[i];
        rows[i] = rows[n - 1 - i];
        rows[n - 1 - i] = t;
    }
}

static auth_grants_result_t invalid(auth_grants_err_t *err, const char *msg)
{
    if (err)
        snprintf(err->msg, sizeof err->msg, "%s", msg);
    return AUTH_GRANTS_INVALID;
}

static auth_grants_result_t check(const auth_grants_filter_t *f, const auth_grants_page_t *p,
                                  auth_grants_err_t *err)
{
    if (p->limit < 1 || p->limit > AUTH_GRANTS_PAGE_MAX)
        return invalid(err, "Pagination index error");
    if (p->backward && !p->cursor)
        return invalid(err, "Can't paginate backwards from the start.");
    if (f->n_identifiers > AUTH_GRANTS_FILTER_MAX)
        return invalid(err, "Too many identifiers in the filter");
    return AUTH_GRANTS_OK;
}

/* The page, then Rafiki's page info: one more row after the last, before the first. */
static db_rc_t list_run(db_conn_t *conn, const filter_json_t *j, const auth_grants_page_t *p,
                        auth_grants_list_t *out, db_err_t *err)
{
    query_t q;
    page_query(&q, j, p->backward, p->asc, p->cursor);
    db_rc_t rc = page_run(conn, &q, p->limit, out->rows, &out->n, err);
    if (rc != DB_OK || out->n == 0)
        return rc;
    if (p->backward)
        reverse(out->rows, out->n);
    rc = page_more(conn, j, false, p->asc, out->rows[out->n - 1].id, &out->has_next, err);
    if (rc == DB_OK)
        rc = page_more(conn, j, true, p->asc, out->rows[0].id, &out->has_prev, err);
    return rc;
}

auth_grants_result_t auth_grants_list(auth_t *a, const auth_grants_filter_t *filter,
                                      const auth_grants_page_t *page, auth_grants_list_t *out,
                                      auth_grants_err_t *err)
{
    memset(out, 0, sizeof *out);
    auth_grants_result_t r = check(filter, page, err);
    if (r != AUTH_GRANTS_OK)
        return r;
    db_err_t dberr = {0};
    db_conn_t *conn = db_acquire(a->cfg.db, DB_CONN_READ, &dberr);
    if (!conn) {
        LOGE("auth: grants: database: %s", dberr.msg);
        return AUTH_GRANTS_STORAGE;
    }
    filter_json_t j;
    filter_json_make(filter, &j);
    out->rows = xcalloc(page->limit, sizeof *out->rows);
    db_rc_t rc = list_run(conn, &j, page, out, &dberr);
    filter_json_free(&j);
    db_release(conn);
    if (rc != DB_OK) {
        LOGE("auth: grants: database: %s", dberr.msg);
        return AUTH_GRANTS_STORAGE;
    }
    return AUTH_GRANTS_OK;
}

auth_grants_result_t auth_grants_get(auth_t *a, const char *id, auth_grant_view_t *out)
{
    memset(out, 0, sizeof *out);
    db_err_t err = {0};
    db_conn_t *conn = db_acquire(a->cfg.db, DB_CONN_READ, &err);
    if (!conn) {
        LOGE("auth: grants: database: %s", err.msg);
        return AUTH_GRANTS_STORAGE;
    }
    auth_grants_result_t r = AUTH_GRANTS_STORAGE;
    db_stmt_t *st = db_prepare(conn, "SELECT " VIEW_COLS " FROM auth_grants WHERE id = ?", &err);
    if (st) {
        db_bind_str(st, 1, id);
        db_rc_t rc = db_step_one(st, &err);
        if (rc == DB_ROW)
            view_read(st, out);
        r = rc == DB_ROW         ? AUTH_GRANTS_OK
            : rc == DB_NOT_FOUND ? AUTH_GRANTS_NOT_FOUND
                                 : AUTH_GRANTS_STORAGE;
    }
    if (r == AUTH_GRANTS_STORAGE)
        LOGE("auth: grants: database: %s", err.msg);
    db_release(conn);
    if (r == AUTH_GRANTS_OK &&
        grant_subjects_get(a, id, out->subjects, AUTH_SUBJECTS_MAX, &out->n_subjects) !=
            GSTORE_OK) { /* logged by the store */
        auth_grant_view_release(out);
        r = AUTH_GRANTS_STORAGE;
    }
    return r;
}

auth_grants_result_t auth_grants_revoke(auth_t *a, const char *id)
{
    switch (grant_revoke(a, id)) {
    case GSTORE_OK:
        return AUTH_GRANTS_OK;
    case GSTORE_NOT_FOUND:
        return AUTH_GRANTS_NOT_FOUND;
    default:
        return AUTH_GRANTS_STORAGE; /* logged by the store */
    }
}
