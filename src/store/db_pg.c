/*
 * Postgres driver over libpq. Statements are prepared once per connection under a generated
 * name; parameters are sent as text (the server infers their types from the statement, so one
 * binding works for BIGINT, INTEGER, BOOLEAN and TEXT columns) except bytea, sent binary; results
 * come back as text. Pipeline mode queues statements and reads their results in one round trip.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "store/db_internal.h"

#define PG_BYTEA_OID 17

static void pg_notice_ignore(void *arg, const char *msg)
{
    (void)arg;
    (void)msg; /* "relation already exists, skipping" and the like */
}

static db_rc_t pg_code(PGconn *pg, const PGresult *res)
{
    if (PQstatus(pg) != CONNECTION_OK)
        return DB_CONN;
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (!state)
        return DB_ERROR;
    if (strncmp(state, "23", 2) == 0)
        return DB_CONSTRAINT;
    /* serialization_failure, deadlock_detected, lock_not_available */
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0)
        return DB_RETRY;
    if (strncmp(state, "08", 2) == 0)
        return DB_CONN;
    return DB_ERROR;
}

static db_rc_t pg_fail(PGconn *pg, const PGresult *res, db_err_t *err)
{
    const char *msg = res ? PQresultErrorMessage(res) : "";
    if (!msg[0])
        msg = PQerrorMessage(pg);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        n--;
    return db_fail(err, pg_code(pg, res), "postgres: %.*s", (int)n, msg);
}

db_rc_t db_pg_connect(db_t *db, db_conn_t *c, db_err_t *err)
{
    c->pg = PQconnectdb(db->url);
    if (!c->pg)
        return db_fail(err, DB_NOMEM, "out of memory");
    if (PQstatus(c->pg) != CONNECTION_OK) {
        db_rc_t rc = pg_fail(c->pg, NULL, err);
        (void)rc;
        PQfinish(c->pg);
        c->pg = NULL;
        if (err)
            err->code = DB_CONN;
        return DB_CONN;
    }
    PQsetNoticeProcessor(c->pg, pg_notice_ignore, NULL);
    c->db = db;
    c->kind = DB_POSTGRES;
    return DB_OK;
}

void db_pg_disconnect(db_conn_t *c)
{
    if (c->pg)
        PQfinish(c->pg);
    c->pg = NULL;
    c->in_tx = false;
    c->in_pipeline = false;
}

db_rc_t db_pg_exec(db_conn_t *c, const char *sql, db_err_t *err)
{
    PGresult *res = PQexec(c->pg, sql);
    ExecStatusType s = PQresultStatus(res);
    db_rc_t rc = DB_OK;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK && s != PGRES_EMPTY_QUERY)
        rc = pg_fail(c->pg, res, err);
    PQclear(res);
    return rc;
}

db_rc_t db_pg_prepare(db_conn_t *c, db_stmt_t *st, const char *sql, db_err_t *err)
{
    if (st->cached)
        snprintf(st->pg_name, sizeof st->pg_name, "r%u", ++c->next_stmt_id);
    else
        st->pg_name[0] = '\0'; /* the unnamed statement: replaced by the next one */
    if (st->nparams > 0) {
        size_t n = (size_t)st->nparams;
        st->params = malloc(n * sizeof *st->params);
        st->pvals = malloc(n * sizeof *st->pvals);
        st->plens = malloc(n * sizeof *st->plens);
        st->pfmts = malloc(n * sizeof *st->pfmts);
        if (!st->params || !st->pvals || !st->plens || !st->pfmts) {
            db_pg_stmt_free(st);
            return db_fail(err, DB_NOMEM, "out of memory");
        }
        for (size_t i = 0; i < n; i++)
            st->params[i] = (db_pg_param_t){.len = -1};
    }
    if (c->in_pipeline) {
        if (!PQsendPrepare(c->pg, st->pg_name, sql, 0, NULL)) {
            db_pg_stmt_free(st);
            return pg_fail(c->pg, NULL, err);
        }
        c->pipe_queued++;
        return DB_OK;
    }
    PGresult *res = PQprepare(c->pg, st->pg_name, sql, 0, NULL);
    db_rc_t rc = DB_OK;
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        rc = pg_fail(c->pg, res, err);
        db_pg_stmt_free(st);
    }
    PQclear(res);
    return rc;
}

void db_pg_stmt_free(db_stmt_t *st)
{
    PQclear(st->res);
    st->res = NULL;
    free(st->params);
    free(st->pvals);
    free(st->plens);
    free(st->pfmts);
    free(st->pbuf);
    free(st->scratch);
    st->params = NULL;
    st->pvals = NULL;
    st->plens = st->pfmts = NULL;
    st->pbuf = NULL;
    st->scratch = NULL;
}

void db_pg_stmt_reset(db_stmt_t *st)
{
    PQclear(st->res);
    st->res = NULL;
    st->row = st->nrows = 0;
    st->pbuf_len = 0;
    for (int i = 0; i < st->nparams; i++)
        st->params[i].len = -1;
}

void db_pg_bind(db_stmt_t *st, int idx, const void *p, int len, int binary)
{
    db_pg_param_t *prm = &st->params[idx - 1];
    prm->len = len;
    prm->binary = binary;
    if (len < 0)
        return;
    size_t need = st->pbuf_len + (size_t)len + 1; /* text parameters are read up to a NUL */
    if (need > st->pbuf_cap) {
        size_t cap = st->pbuf_cap ? st->pbuf_cap : 256;
        while (cap < need)
            cap *= 2;
        char *nb = realloc(st->pbuf, cap);
        ASSERT(nb); /* out of memory while binding: nothing sane to return from a void binder */
        st->pbuf = nb;
        st->pbuf_cap = cap;
    }
    prm->off = st->pbuf_len;
    memcpy(st->pbuf + st->pbuf_len, p, (size_t)len);
    st->pbuf[st->pbuf_len + (size_t)len] = '\0';
    st->pbuf_len = need;
}

/* Syncs the pipeline and reads every queued result, keeping the first failure. */
static db_rc_t pipe_drain(db_conn_t *c, db_err_t *err)
{
    if (!PQpipelineSync(c->pg))
        return pg_fail(c->pg, NULL, err);
    int nulls = 0;
    for (;;) {
        PGresult *res = PQgetResult(c->pg);
        if (!res) {
            /* one NULL ends each queued statement's results */
            if (PQstatus(c->pg) != CONNECTION_OK || ++nulls > c->pipe_queued + 1) {
                c->pipe_queued = 0;
                return pg_fail(c->pg, NULL, err);
            }
            continue;
        }
        ExecStatusType s = PQresultStatus(res);
        if (s == PGRES_PIPELINE_SYNC) {
            PQclear(res);
            break;
        }
        if (c->pipe_rc == DB_OK && s == PGRES_FATAL_ERROR)
            c->pipe_rc = pg_fail(c->pg, res, &c->pipe_err);
        else if (c->pipe_rc == DB_OK && s == PGRES_PIPELINE_ABORTED)
            c->pipe_rc = db_fail(&c->pipe_err, DB_ERROR, "postgres: pipeline aborted");
        PQclear(res);
    }
    c->pipe_queued = 0;
    return DB_OK;
}

static void fill_params(db_stmt_t *st)
{
    for (int i = 0; i < st->nparams; i++) {
        const db_pg_param_t *p = &st->params[i];
        st->pvals[i] = p->len < 0 ? NULL : st->pbuf + p->off;
        st->plens[i] = p->len < 0 ? 0 : p->len;
        st->pfmts[i] = p->binary;
    }
}

static db_rc_t pipe_send(db_stmt_t *st, db_err_t *err)
{
    db_conn_t *c = st->conn;
    if (!PQsendQueryPrepared(c->pg, st->pg_name, st->nparams, st->pvals, st->plens, st->pfmts, 0))
        return pg_fail(c->pg, NULL, err);
    if (++c->pipe_queued >= DB_PIPELINE_CHUNK) {
        db_rc_t rc = pipe_drain(c, err);
        if (rc != DB_OK)
            return rc;
    }
    return DB_DONE;
}

db_rc_t db_pg_step(db_stmt_t *st, db_err_t *err)
{
    if (st->started) {
        if (st->res && st->row + 1 < st->nrows) {
            st->row++;
            return DB_ROW;
        }
        st->row = st->nrows;
        return DB_DONE;
    }
    fill_params(st);
    if (st->conn->in_pipeline)
        return pipe_send(st, err);
    PQclear(st->res);
    st->res =
        PQexecPrepared(st->conn->pg, st->pg_name, st->nparams, st->pvals, st->plens, st->pfmts, 0);
    ExecStatusType s = PQresultStatus(st->res);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        db_rc_t rc = pg_fail(st->conn->pg, st->res, err);
        PQclear(st->res);
        st->res = NULL;
        return rc;
    }
    /* The command tag counts rows for SELECT too; db_changes is about written rows only. */
    const char *tag = PQcmdStatus(st->res);
    const char *ct = PQcmdTuples(st->res);
    bool dml = strncmp(tag, "INSERT", 6) == 0 || strncmp(tag, "UPDATE", 6) == 0 ||
               strncmp(tag, "DELETE", 6) == 0 || strncmp(tag, "MERGE", 5) == 0;
    st->changes = dml && ct[0] ? strtoll(ct, NULL, 10) : 0;
    st->row = 0;
    st->nrows = s == PGRES_TUPLES_OK ? PQntuples(st->res) : 0;
    return st->nrows > 0 ? DB_ROW : DB_DONE;
}

bool db_pg_col_null(const db_stmt_t *st, int col)
{
    bool row = st->res && st->row < st->nrows && col >= 0 && col < PQnfields(st->res);
    return !row || PQgetisnull(st->res, st->row, col);
}

const char *db_pg_col_text(db_stmt_t *st, int col, size_t *len)
{
    if (db_pg_col_null(st, col)) {
        if (len)
            *len = 0;
        return "";
    }
    if (len)
        *len = (size_t)PQgetlength(st->res, st->row, col);
    return PQgetvalue(st->res, st->row, col);
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

const uint8_t *db_pg_col_blob(db_stmt_t *st, int col, size_t *len)
{
    size_t n;
    const char *s = db_pg_col_text(st, col, &n);
    if (PQftype(st->res, col) != PG_BYTEA_OID || n < 2 || s[0] != '\\' || s[1] != 'x') {
        if (len)
            *len = n;
        return (const uint8_t *)s;
    }
    size_t out = (n - 2) / 2;
    if (out + 1 > st->scratch_cap) {
        uint8_t *nb = realloc(st->scratch, out + 1);
        ASSERT(nb);
        st->scratch = nb;
        st->scratch_cap = out + 1;
    }
    for (size_t i = 0; i < out; i++) {
        int hi = hexval(s[2 + 2 * i]), lo = hexval(s[3 + 2 * i]);
        st->scratch[i] = (uint8_t)((hi < 0 ? 0 : hi) << 4 | (lo < 0 ? 0 : lo));
    }
    if (len)
        *len = out;
    return st->scratch;
}

db_rc_t db_pg_pipeline_begin(db_conn_t *c, db_err_t *err)
{
    if (!PQenterPipelineMode(c->pg))
        return pg_fail(c->pg, NULL, err);
    return DB_OK;
}

db_rc_t db_pg_pipeline_end(db_conn_t *c, db_err_t *err)
{
    db_rc_t rc = pipe_drain(c, err);
    if (!PQexitPipelineMode(c->pg) && rc == DB_OK)
        rc = pg_fail(c->pg, NULL, err);
    return rc;
}
