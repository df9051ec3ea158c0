/*
 * Peer objects, their SQL storage and the in-memory registry used by the packet path.
 * See peers.h.
 */
#include "connector/peers.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>

#include "base/assert.h"
#include "base/mem.h"
#include "base/clock.h"
#include "base/log.h"
#include "ilp/address.h"

const char *peers_result_str(peers_result_t r)
{
    switch (r) {
    case PEERS_OK:
        return "ok";
    case PEERS_NOT_FOUND:
        return "not_found";
    case PEERS_INVALID:
        return "invalid";
    case PEERS_TOKEN_TAKEN:
        return "token_taken";
    case PEERS_STORAGE:
        return "storage_error";
    case PEERS_NOMEM:
        return "nomem";
    }
    return "unknown";
}

/* ---- objects ---- */

peer_t *peer_new(void)
{
    peer_t *p = xcalloc(1, sizeof *p);
    atomic_init(&p->refs, 1);
    return p;
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

void peer_set_outgoing(peer_t *p, const char *endpoint, const char *token)
{
    char *e = dup_or_null(endpoint), *t = dup_or_null(token);
    free(p->outgoing_endpoint);
    free(p->outgoing_token);
    p->outgoing_endpoint = e;
    p->outgoing_token = t;
}

static void free_routes(char **routes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(routes[i]);
    free(routes);
}

void peer_set_routes(peer_t *p, const char *const *routes, size_t n)
{
    char **v = n ? xcalloc(n, sizeof *v) : NULL;
    for (size_t i = 0; i < n; i++)
        v[i] = xstrdup(routes[i]);
    free_routes(p->routes, p->nroutes);
    p->routes = v;
    p->nroutes = n;
}

peer_t *peer_clone(const peer_t *src)
{
    peer_t *p = peer_new();
    int refs = 1;
    memcpy(p, src, sizeof *p);
    atomic_init(&p->refs, refs);
    p->outgoing_endpoint = p->outgoing_token = NULL;
    p->routes = NULL;
    p->nroutes = 0;
    peer_set_outgoing(p, src->outgoing_endpoint, src->outgoing_token);
    peer_set_routes(p, (const char *const *)src->routes, src->nroutes);
    return p;
}

void peer_retain(peer_t *p)
{
    atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
}

void peer_release(peer_t *p)
{
    if (!p || atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) != 1)
        return;
    free(p->outgoing_endpoint);
    free(p->outgoing_token);
    free_routes(p->routes, p->nroutes);
    free(p);
}

static bool route_prefix_valid(const char *r)
{
    slice_t s = SLICE_STR(r);
    if (s.len && s.ptr[s.len - 1] == '.')
        s.len--;
    if (s.len == 0 || ilp_address_is_valid(s))
        return true;
    ilp_scheme_t sc = ilp_address_scheme(s);
    return sc != ILP_SCHEME_NONE && strlen(ilp_scheme_str(sc)) == s.len;
}

/* Fills err (when not NULL) and returns r. */
__attribute__((format(printf, 3, 4))) static peers_result_t fail(peers_err_t *err, peers_result_t r,
                                                                 const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return r;
}

peers_result_t peer_validate(const peer_t *p, peers_err_t *err)
{
    if (!ilp_address_is_valid(SLICE_STR(p->ilp_address))) {
        return fail(err, PEERS_INVALID, "ilp_address: not a valid ILP address");
    }
    if (p->nroutes > PEER_ROUTES_MAX) {
        return fail(err, PEERS_INVALID, "routes: at most %d", PEER_ROUTES_MAX);
    }
    for (size_t i = 0; i < p->nroutes; i++)
        if (!route_prefix_valid(p->routes[i])) {
            return fail(err, PEERS_INVALID, "routes[%zu]: not an ILP address prefix", i);
        }
    const char *e = p->outgoing_endpoint;
    if (e && (strlen(e) > PEER_ENDPOINT_MAX ||
              (strncmp(e, "http://", 7) != 0 && strncmp(e, "https://", 8) != 0))) {
        return fail(err, PEERS_INVALID, "outgoing.endpoint: must be an http(s) URL");
    }
    if (e &&
        (!p->outgoing_token || !*p->outgoing_token || strlen(p->outgoing_token) > PEER_TOKEN_MAX)) {
        return fail(err, PEERS_INVALID,
                    "outgoing.token: required with an endpoint, at most %d characters",
                    PEER_TOKEN_MAX);
    }
    return PEERS_OK;
}

void peer_token_hash(uint8_t out[SHA256_LEN], const char *token, size_t len)
{
    sha256(out, token, len);
}

/* ---- storage ---- */

static char *routes_to_json(const peer_t *p)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < p->nroutes; i++)
        json_array_append_new(a, json_string(p->routes[i]));
    char *s = a ? json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
    return s;
}

static int routes_from_json(peer_t *p, const char *text)
{
    json_error_t jerr;
    json_t *a = json_loads(text, 0, &jerr);
    int rc = -1;
    if (!json_is_array(a) || json_array_size(a) > PEER_ROUTES_MAX)
        goto done;
    const char *v[PEER_ROUTES_MAX];
    size_t n = json_array_size(a);
    for (size_t i = 0; i < n; i++) {
        v[i] = json_string_value(json_array_get(a, i));
        if (!v[i])
            goto done;
    }
    peer_set_routes(p, v, n);
    rc = 0;
done:
    json_decref(a);
    return rc;
}

static peers_result_t db_fail(const db_err_t *e, peers_err_t *err)
{
    LOGE("peers: database error: %s", e->msg);
    return fail(err, e->code == DB_CONSTRAINT ? PEERS_TOKEN_TAKEN : PEERS_STORAGE, "database: %s",
                e->msg);
}

static db_rc_t insert_tokens(db_conn_t *c, ledger_id_t peer, const char *const *tokens, size_t n,
                             int64_t now, db_err_t *e)
{
    char id[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(peer, id);
    for (size_t i = 0; i < n; i++) {
        uint8_t h[SHA256_LEN];
        peer_token_hash(h, tokens[i], strlen(tokens[i]));
        db_stmt_t *st = db_prepare(
            c, "INSERT INTO peer_tokens (token_hash, peer_id, created_at) VALUES (?, ?, ?)", e);
        if (!st)
            return e->code;
        db_bind_blob(st, 1, h, sizeof h);
        db_bind_str(st, 2, id);
        db_bind_i64(st, 3, now);
        db_rc_t rc = db_run(st, e);
        if (rc != DB_OK)
            return rc;
    }
    return DB_OK;
}

/* Runs an UPDATE/DELETE and reports the rows it changed. db_run resets the statement, which
 * zeroes db_changes, so step it here instead. */
static db_rc_t run_changes(db_stmt_t *st, int64_t *changes, db_err_t *e)
{
    db_rc_t rc = db_run(st, e);
    if (rc != DB_OK)
        return rc;
    *changes = db_changes(st);
    return DB_OK;
}

static void bind_mutable(db_stmt_t *st, int first, const peer_t *p, const char *routes)
{
    db_bind_str(st, first, p->name);
    db_bind_str(st, first + 1, p->ilp_address);
    db_bind_u64(st, first + 2, p->max_packet_amount);
    db_bind_u64(st, first + 3, p->packets_per_s);
    db_bind_u64(st, first + 4, p->amount_per_s);
    db_bind_str(st, first + 5, p->outgoing_endpoint);
    db_bind_str(st, first + 6, p->outgoing_token);
    db_bind_str(st, first + 7, routes);
}

/* Runs fn inside a write transaction with retries on DB_RETRY. */
typedef db_rc_t (*tx_fn)(db_conn_t *c, void *arg, db_err_t *e);
static db_rc_t in_write_tx(db_t *db, tx_fn fn, void *arg, db_err_t *e)
{
    db_rc_t rc = DB_RETRY;
    for (int attempt = 0; attempt < 5 && rc == DB_RETRY; attempt++) {
        db_conn_t *c = db_acquire(db, DB_CONN_WRITE, e);
        if (!c)
            return e->code;
        rc = db_begin(c, DB_TX_WRITE, e);
        if (rc == DB_OK)
            rc = fn(c, arg, e);
        if (rc == DB_OK)
            rc = db_commit(c, e);
        else
            db_rollback(c);
        db_release(c);
    }
    return rc;
}

typedef struct {
    const peer_t *p;
    const char *const *tokens;
    size_t ntokens;
    const char *routes;
    bool update;
} write_arg_t;

static db_rc_t tx_write(db_conn_t *c, void *arg, db_err_t *e)
{
    write_arg_t *a = arg;
    const peer_t *p = a->p;
    char id[LEDGER_ID_STR_LEN + 1], asset[LEDGER_ID_STR_LEN + 1], acct[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(p->id, id);
    ledger_id_format(p->asset_id, asset);
    ledger_id_format(p->account_id, acct);
    int64_t now = clock_wall_ms();
    db_stmt_t *st;
    if (!a->update) {
        st = db_prepare(c,
                        "INSERT INTO peers (name, ilp_address, max_packet_amount, packets_per_s, "
                        "amount_per_s, outgoing_endpoint, outgoing_token, routes, id, asset_id, "
                        "account_id, created_at, updated_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        e);
        if (!st)
            return e->code;
        bind_mutable(st, 1, p, a->routes);
        db_bind_str(st, 9, id);
        db_bind_str(st, 10, asset);
        db_bind_str(st, 11, acct);
        db_bind_i64(st, 12, now);
        db_bind_i64(st, 13, now);
    } else {
        st = db_prepare(c,
                        "UPDATE peers SET name = ?, ilp_address = ?, max_packet_amount = ?, "
                        "packets_per_s = ?, amount_per_s = ?, outgoing_endpoint = ?, "
                        "outgoing_token = ?, routes = ?, "
                        "updated_at = CASE WHEN updated_at < ? THEN ? ELSE updated_at + 1 END "
                        "WHERE id = ?",
                        e);
        if (!st)
            return e->code;
        /* updated_at strictly increases on every update: it is the row's version for
         * peers_sync on other replicas, even for two updates in one millisecond */
        bind_mutable(st, 1, p, a->routes);
        db_bind_i64(st, 9, now);
        db_bind_i64(st, 10, now);
        db_bind_str(st, 11, id);
    }
    int64_t changed = 0;
    db_rc_t rc = run_changes(st, &changed, e);
    if (rc != DB_OK)
        return rc;
    if (a->update && changed == 0) {
        e->code = DB_NOT_FOUND;
        snprintf(e->msg, sizeof e->msg, "peer not found");
        return DB_NOT_FOUND;
    }
    if (!a->tokens)
        return DB_OK;
    if (a->update) {
        st = db_prepare(c, "DELETE FROM peer_tokens WHERE peer_id = ?", e);
        if (!st)
            return e->code;
        db_bind_str(st, 1, id);
        if ((rc = db_run(st, e)) != DB_OK)
            return rc;
    }
    return insert_tokens(c, p->id, a->tokens, a->ntokens, now, e);
}

static peers_result_t write_peer(db_t *db, const peer_t *p, const char *const *tokens, size_t n,
                                 bool update, peers_err_t *err)
{
    char *routes = routes_to_json(p);
    if (!routes)
        return fail(err, PEERS_NOMEM, "routes: could not encode them as JSON");
    write_arg_t a = {p, tokens, n, routes, update};
    db_err_t e = {0};
    db_rc_t rc = in_write_tx(db, tx_write, &a, &e);
    free(routes);
    if (rc == DB_NOT_FOUND)
        return PEERS_NOT_FOUND;
    return rc == DB_OK ? PEERS_OK : db_fail(&e, err);
}

peers_result_t peers_db_insert(db_t *db, const peer_t *p, const char *const *tokens, size_t n,
                               peers_err_t *err)
{
    return write_peer(db, p, tokens ? tokens : (const char *const[]){NULL}, tokens ? n : 0, false,
                      err);
}

peers_result_t peers_db_update(db_t *db, const peer_t *p, const char *const *tokens, size_t n,
                               peers_err_t *err)
{
    return write_peer(db, p, tokens, n, true, err);
}

static db_rc_t tx_delete(db_conn_t *c, void *arg, db_err_t *e)
{
    const char *id = arg;
    db_stmt_t *st = db_prepare(c, "DELETE FROM peer_tokens WHERE peer_id = ?", e);
    if (!st)
        return e->code;
    db_bind_str(st, 1, id);
    db_rc_t rc = db_run(st, e);
    if (rc != DB_OK)
        return rc;
    st = db_prepare(c, "DELETE FROM peers WHERE id = ?", e);
    if (!st)
        return e->code;
    db_bind_str(st, 1, id);
    int64_t changed = 0;
    if ((rc = run_changes(st, &changed, e)) != DB_OK)
        return rc;
    return changed ? DB_OK : DB_NOT_FOUND;
}

peers_result_t peers_db_delete(db_t *db, ledger_id_t pid)
{
    char id[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(pid, id);
    db_err_t e = {0};
    db_rc_t rc = in_write_tx(db, tx_delete, id, &e);
    if (rc == DB_NOT_FOUND)
        return PEERS_NOT_FOUND;
    return rc == DB_OK ? PEERS_OK : db_fail(&e, NULL);
}

#define PEER_COLUMNS                                                                               \
    "p.id, p.asset_id, p.account_id, p.name, p.ilp_address, p.max_packet_amount, "                 \
    "p.packets_per_s, p.amount_per_s, p.outgoing_endpoint, p.outgoing_token, p.routes, "           \
    "p.created_at, p.updated_at FROM peers p"

static peer_t *peer_from_row(db_stmt_t *st)
{
    peer_t *p = peer_new();
    size_t n;
    const char *s;
    s = db_col_text(st, 0, &n);
    int bad = ledger_id_parse(s, n, &p->id);
    s = db_col_text(st, 1, &n);
    bad |= ledger_id_parse(s, n, &p->asset_id);
    s = db_col_text(st, 2, &n);
    bad |= ledger_id_parse(s, n, &p->account_id);
    snprintf(p->name, sizeof p->name, "%s", db_col_text(st, 3, NULL));
    snprintf(p->ilp_address, sizeof p->ilp_address, "%s", db_col_text(st, 4, NULL));
    p->max_packet_amount = db_col_u64(st, 5);
    p->packets_per_s = db_col_u64(st, 6);
    p->amount_per_s = db_col_u64(st, 7);
    peer_set_outgoing(p, db_col_null(st, 8) ? NULL : db_col_text(st, 8, NULL),
                      db_col_null(st, 9) ? NULL : db_col_text(st, 9, NULL));
    bad |= routes_from_json(p, db_col_text(st, 10, NULL));
    p->created_ms = db_col_i64(st, 11);
    p->updated_ms = db_col_i64(st, 12);
    if (bad) {
        LOGE("peers: malformed stored peer row");
        peer_release(p);
        return NULL;
    }
    return p;
}

/* The asset's code and scale, read through the ledger (a peer row keeps only the asset id);
 * after the peer statement has finished, on the same connection. */
static peers_result_t peer_asset_fill(db_conn_t *c, peer_t *p)
{
    ledger_asset_t a;
    if (ledger_asset_read(c, p->asset_id, &a) != LEDGER_OK) {
        LOGE("peers: reading the asset of a stored peer failed");
        return PEERS_STORAGE;
    }
    memcpy(p->asset_code, a.code, sizeof p->asset_code);
    p->asset_scale = a.scale;
    return PEERS_OK;
}

peers_result_t peers_db_get(db_t *db, ledger_id_t pid, peer_t **out)
{
    char id[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(pid, id);
    db_err_t e = {0};
    db_conn_t *c = db_acquire(db, DB_CONN_READ, &e);
    if (!c)
        return db_fail(&e, NULL);
    peers_result_t r = PEERS_STORAGE;
    db_stmt_t *st = db_prepare(c, "SELECT " PEER_COLUMNS " WHERE p.id = ?", &e);
    if (st) {
        db_bind_str(st, 1, id);
        db_rc_t rc = db_step_one(st, &e);
        if (rc == DB_ROW) {
            *out = peer_from_row(st);
            r = *out ? peer_asset_fill(c, *out) : PEERS_STORAGE;
            if (r != PEERS_OK && *out) {
                peer_release(*out);
                *out = NULL;
            }
        } else {
            r = rc == DB_NOT_FOUND ? PEERS_NOT_FOUND : db_fail(&e, NULL);
        }
    }
    db_release(c);
    return r;
}

peers_result_t peers_db_find_token(db_t *db, const uint8_t hash[SHA256_LEN], ledger_id_t *out)
{
    db_err_t e = {0};
    db_conn_t *c = db_acquire(db, DB_CONN_READ, &e);
    if (!c)
        return db_fail(&e, NULL);
    peers_result_t r = PEERS_STORAGE;
    db_stmt_t *st = db_prepare(c, "SELECT peer_id FROM peer_tokens WHERE token_hash = ?", &e);
    if (st) {
        db_bind_blob(st, 1, hash, SHA256_LEN);
        db_rc_t rc = db_step_one(st, &e);
        size_t n;
        if (rc == DB_ROW) {
            const char *s = db_col_text(st, 0, &n);
            r = ledger_id_parse(s, n, out) == 0 ? PEERS_OK : PEERS_STORAGE;
        } else {
            r = rc == DB_NOT_FOUND ? PEERS_NOT_FOUND : db_fail(&e, NULL);
        }
    }
    db_release(c);
    return r;
}

peers_result_t peers_db_list(db_t *db, ledger_id_t after, peer_t **out, size_t cap, size_t *n)
{
    char id[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(after, id);
    *n = 0;
    db_err_t e = {0};
    db_conn_t *c = db_acquire(db, DB_CONN_READ, &e);
    if (!c)
        return db_fail(&e, NULL);
    peers_result_t r = PEERS_OK;
    db_stmt_t *st =
        db_prepare(c, "SELECT " PEER_COLUMNS " WHERE p.id > ? ORDER BY p.id LIMIT ?", &e);
    if (!st) {
        r = db_fail(&e, NULL);
        goto done;
    }
    db_bind_str(st, 1, ledger_id_is_zero(after) ? "" : id);
    db_bind_i64(st, 2, (int64_t)cap);
    db_rc_t rc;
    while ((rc = db_step(st, &e)) == DB_ROW && *n < cap) {
        peer_t *p = peer_from_row(st);
        if (!p) {
            r = PEERS_STORAGE;
            break;
        }
        out[(*n)++] = p;
    }
    if (rc < 0)
        r = db_fail(&e, NULL);
    for (size_t i = 0; r == PEERS_OK && i < *n; i++)
        r = peer_asset_fill(c, out[i]);
done:
    db_release(c);
    if (r != PEERS_OK) {
        for (size_t i = 0; i < *n; i++)
            peer_release(out[i]);
        *n = 0;
    }
    return r;
}

/* ---- Rafiki's peer questions (the Admin GraphQL API) ---- */

peers_result_t peers_db_asset_in_use(db_t *db, ledger_id_t asset, bool *used)
{
    char id[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(asset, id);
    *used = false;
    db_err_t e = {0};
    db_conn_t *c = db_acquire(db, DB_CONN_READ, &e);
    if (!c)
        return db_fail(&e, NULL);
    peers_result_t r = PEERS_OK;
    db_stmt_t *st = db_prepare(c, "SELECT 1 FROM peers WHERE asset_id = ? LIMIT 1", &e);
    db_rc_t rc = st ? DB_OK : e.code;
    if (st) {
        db_bind_str(st, 1, id);
        rc = db_step_one(st, &e);
    }
    if (rc == DB_ROW)
        *used = true;
    else if (rc != DB_NOT_FOUND)
        r = db_fail(&e, NULL);
    db_release(c);
    return r;
}

/* The id of the one row sql selects, binding args[0..n) as text. */
static peers_result_t select_id(db_t *db, const char *sql, const char *const *args, int n,
                                ledger_id_t *out)
{
    db_err_t e = {0};
    db_conn_t *c = db_acquire(db, DB_CONN_READ, &e);
    if (!c)
        return db_fail(&e, NULL);
    peers_result_t r = PEERS_STORAGE;
    db_stmt_t *st = db_prepare(c, sql, &e);
    if (st) {
        for (int i = 0; i < n; i++)
            db_bind_str(st, i + 1, args[i]);
        db_rc_t rc = db_step_one(st, &e);
        size_t len;
        if (rc == DB_ROW) {
            const char *s = db_col_text(st, 0, &len);
            r = ledger_id_parse(s, len, out) == 0 ? PEERS_OK : PEERS_STORAGE;
        } else {
            r = rc == DB_NOT_FOUND ? PEERS_NOT_FOUND : db_fail(&e, NULL);
        }
    }
    db_release(c);
    return r;
}

peers_result_t peers_db_find_address(db_t *db, const char *address, ledger_id_t asset,
                                     const ledger_id_t *except, ledger_id_t *out)
{
    char aid[LEDGER_ID_STR_LEN + 1], xid[LEDGER_ID_STR_LEN + 1] = "";
    ledger_id_format(asset, aid);
    if (except)
        ledger_id_format(*except, xid);
    const char *args[] = {address, aid, xid};
    return select_id(db,
                     "SELECT id FROM peers WHERE ilp_address = ? AND asset_id = ? AND id <> ? "
                     "ORDER BY created_at, id LIMIT 1",
                     args, 3, out);
}

/* How long a prefix of destination route is (dot-separated segments, as Rafiki's router
 * splits addresses), 0 when it is none. */
static size_t route_match(const char *route, const char *destination)
{
    size_t n = strlen(route);
    if (n && route[n - 1] == '.')
        n--;
    if (n == 0 || strncmp(route, destination, n) != 0)
        return 0;
    return destination[n] == '\0' || destination[n] == '.' ? n : 0;
}

/* The longest of p's static address and routes that prefixes destination. */
static size_t peer_match(const peer_t *p, const char *destination)
{
    size_t best = route_match(p->ilp_address, destination);
    for (size_t i = 0; i < p->nroutes; i++) {
        size_t m = route_match(p->routes[i], destination);
        best = m > best ? m : best;
    }
    return best;
}

peers_result_t peers_db_next_hop(db_t *db, const char *address, ledger_id_t asset, peer_t **out)
{
    char aid[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(asset, aid);
    db_err_t e = {0};
    db_conn_t *c = db_acquire(db, DB_CONN_READ, &e);
    if (!c)
        return db_fail(&e, NULL);
    peers_result_t r = PEERS_NOT_FOUND;
    ledger_id_t best_id = {0, 0};
    size_t best = 0;
    db_stmt_t *st = db_prepare(
        c, "SELECT " PEER_COLUMNS " WHERE p.asset_id = ? ORDER BY p.created_at, p.id", &e);
    db_rc_t rc = st ? DB_OK : e.code;
    if (st)
        db_bind_str(st, 1, aid);
    while (st && (rc = db_step(st, &e)) == DB_ROW) {
        peer_t *p = peer_from_row(st);
        size_t m = p ? peer_match(p, address) : 0;
        if (m > best) { /* the longest prefix; the oldest peer among equals */
            best = m;
            best_id = p->id;
        }
        peer_release(p);
    }
    if (rc < 0)
        r = db_fail(&e, NULL);
    db_release(c);
    if (rc >= 0 && best)
        r = peers_db_get(db, best_id, out);
    return r;
}

/* Binds and runs the page statement, collecting its rows into out. */
static peers_result_t page_rows(db_conn_t *c, db_stmt_t *st, peer_t **out, size_t cap, size_t *n,
                                db_err_t *e)
{
    db_rc_t rc = DB_DONE;
    peers_result_t r = PEERS_OK;
    while (*n < cap && (rc = db_step(st, e)) == DB_ROW) {
        peer_t *p = peer_from_row(st);
        if (!p)
            return PEERS_STORAGE;
        out[(*n)++] = p;
    }
    if (*n < cap && rc < 0)
        r = db_fail(e, NULL);
    for (size_t i = 0; r == PEERS_OK && i < *n; i++)
        r = peer_asset_fill(c, out[i]);
    return r;
}

peers_result_t peers_db_page(db_t *db, bool asc, bool backward, const ledger_id_t *cursor,
                             peer_t **out, size_t cap, size_t *n)
{
    /* rows after the cursor in the walk's direction: ascending when the page reads ascending
     * and forward, or descending and backward (then reversed) */
    bool up = asc != backward;
    static const char *const sql[2][2] = {
        {"SELECT " PEER_COLUMNS " ORDER BY p.created_at DESC, p.id DESC LIMIT ?",
         "SELECT " PEER_COLUMNS " WHERE (p.created_at, p.id) < (SELECT c.created_at, c.id FROM "
         "peers c WHERE c.id = ?) ORDER BY p.created_at DESC, p.id DESC LIMIT ?"},
        {"SELECT " PEER_COLUMNS " ORDER BY p.created_at ASC, p.id ASC LIMIT ?",
         "SELECT " PEER_COLUMNS " WHERE (p.created_at, p.id) > (SELECT c.created_at, c.id FROM "
         "peers c WHERE c.id = ?) ORDER BY p.created_at ASC, p.id ASC LIMIT ?"}};
    *n = 0;
    db_err_t e = {0};
    db_conn_t *c = db_acquire(db, DB_CONN_READ, &e);
    if (!c)
        return db_fail(&e, NULL);
    peers_result_t r = PEERS_STORAGE;
    db_stmt_t *st = db_prepare(c, sql[up][cursor != NULL], &e);
    if (st) {
        int i = 1;
        char id[LEDGER_ID_STR_LEN + 1];
        if (cursor) {
            ledger_id_format(*cursor, id);
            db_bind_str(st, i++, id);
        }
        db_bind_i64(st, i, (int64_t)cap);
        r = page_rows(c, st, out, cap, n, &e);
    } else {
        r = db_fail(&e, NULL);
    }
    db_release(c);
    for (size_t i = 0; r == PEERS_OK && backward && i < *n / 2; i++) {
        peer_t *t = out[i];
        out[i] = out[*n - 1 - i];
        out[*n - 1 - i] = t;
    }
    if (r != PEERS_OK) {
        for (size_t i = 0; i < *n; i++)
            peer_release(out[i]);
        *n = 0;
    }
    return r;
}
