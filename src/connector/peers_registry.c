/*
 * The in-memory peer registry: peers sorted by id, incoming token hashes sorted by hash, both
 * under one reader-writer lock, plus the peers' routes in the routing table. See peers.h.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "connector/peers.h"

typedef struct {
    uint8_t hash[SHA256_LEN];
    ledger_id_t peer;
} token_entry_t;

struct peers {
    pthread_rwlock_t lock;
    db_t *db;
    routes_t *rt;
    peer_t **v; /* sorted by id */
    size_t n, cap;
    token_entry_t *tok; /* sorted by hash */
    size_t ntok, captok;
    uint64_t gen;       /* bumped by every change other than peers_sync (under the lock) */
    bool synced;        /* version below is what the registry was last synced to */
    int64_t version[2]; /* count(*) and sum(updated_at) of the peers table */
};

peers_t *peers_new(db_t *db, routes_t *rt)
{
    peers_t *reg = xcalloc(1, sizeof *reg);
    pthread_rwlock_init(&reg->lock, NULL);
    reg->db = db;
    reg->rt = rt;
    return reg;
}

void peers_free(peers_t *reg)
{
    if (!reg)
        return;
    for (size_t i = 0; i < reg->n; i++)
        peer_release(reg->v[i]);
    free(reg->v);
    free(reg->tok);
    pthread_rwlock_destroy(&reg->lock);
    free(reg);
}

static size_t peer_lb(const peers_t *reg, ledger_id_t id)
{
    size_t lo = 0, hi = reg->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ledger_id_cmp(reg->v[mid]->id, id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static size_t tok_lb(const peers_t *reg, const uint8_t *h)
{
    size_t lo = 0, hi = reg->ntok;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (memcmp(reg->tok[mid].hash, h, SHA256_LEN) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void drop_tokens_locked(peers_t *reg, ledger_id_t id)
{
    size_t w = 0;
    for (size_t r = 0; r < reg->ntok; r++)
        if (!ledger_id_eq(reg->tok[r].peer, id))
            reg->tok[w++] = reg->tok[r];
    reg->ntok = w;
}

static void add_token_locked(peers_t *reg, const uint8_t *h, ledger_id_t id)
{
    size_t i = tok_lb(reg, h);
    if (i < reg->ntok && memcmp(reg->tok[i].hash, h, SHA256_LEN) == 0) {
        reg->tok[i].peer = id;
        return;
    }
    if (reg->ntok == reg->captok) {
        size_t cap = reg->captok ? reg->captok * 2 : 16;
        reg->tok = xrealloc(reg->tok, cap * sizeof *reg->tok);
        reg->captok = cap;
    }
    memmove(&reg->tok[i + 1], &reg->tok[i], (reg->ntok - i) * sizeof *reg->tok);
    memcpy(reg->tok[i].hash, h, SHA256_LEN);
    reg->tok[i].peer = id;
    reg->ntok++;
}

static void set_routes(peers_t *reg, const peer_t *p)
{
    if (!reg->rt)
        return;
    routes_remove_peer(reg->rt, p->id);
    if (p->nroutes == 0) {
        routes_add_as(reg->rt, SLICE_STR(p->ilp_address), p->id, true);
        return;
    }
    for (size_t i = 0; i < p->nroutes; i++)
        if (routes_add(reg->rt, SLICE_STR(p->routes[i]), p->id) != ROUTES_OK)
            LOGW("peers: route %s not added", p->routes[i]);
}

/* Inserts or replaces p; hashes == NULL keeps the peer's known tokens. */
static peers_result_t put_locked(peers_t *reg, peer_t *p, const uint8_t (*hashes)[SHA256_LEN],
                                 size_t nh)
{
    size_t i = peer_lb(reg, p->id);
    if (i < reg->n && ledger_id_eq(reg->v[i]->id, p->id)) {
        peer_release(reg->v[i]);
    } else {
        if (reg->n == PEERS_MAX)
            return PEERS_INVALID;
        if (reg->n == reg->cap) {
            size_t cap = reg->cap ? reg->cap * 2 : 16;
            reg->v = xrealloc(reg->v, cap * sizeof *reg->v);
            reg->cap = cap;
        }
        memmove(&reg->v[i + 1], &reg->v[i], (reg->n - i) * sizeof *reg->v);
        reg->n++;
    }
    peer_retain(p);
    reg->v[i] = p;
    reg->gen++;
    if (hashes) {
        drop_tokens_locked(reg, p->id);
        for (size_t k = 0; k < nh; k++)
            add_token_locked(reg, hashes[k], p->id);
    }
    set_routes(reg, p);
    return PEERS_OK;
}

peers_result_t peers_put(peers_t *reg, peer_t *p, const uint8_t (*hashes)[SHA256_LEN], size_t nh)
{
    pthread_rwlock_wrlock(&reg->lock);
    peers_result_t r = put_locked(reg, p, hashes, nh);
    pthread_rwlock_unlock(&reg->lock);
    return r;
}

void peers_remove(peers_t *reg, ledger_id_t id)
{
    pthread_rwlock_wrlock(&reg->lock);
    reg->gen++;
    size_t i = peer_lb(reg, id);
    if (i < reg->n && ledger_id_eq(reg->v[i]->id, id)) {
        peer_release(reg->v[i]);
        memmove(&reg->v[i], &reg->v[i + 1], (reg->n - i - 1) * sizeof *reg->v);
        reg->n--;
    }
    drop_tokens_locked(reg, id);
    if (reg->rt)
        routes_remove_peer(reg->rt, id);
    pthread_rwlock_unlock(&reg->lock);
}

static peer_t *get_locked(peers_t *reg, ledger_id_t id)
{
    size_t i = peer_lb(reg, id);
    if (i < reg->n && ledger_id_eq(reg->v[i]->id, id)) {
        peer_retain(reg->v[i]);
        return reg->v[i];
    }
    return NULL;
}

peer_t *peers_get(peers_t *reg, ledger_id_t id)
{
    pthread_rwlock_rdlock(&reg->lock);
    peer_t *p = get_locked(reg, id);
    pthread_rwlock_unlock(&reg->lock);
    return p;
}

peer_t *peers_auth_load(peers_t *reg, const char *token, size_t len)
{
    if (len == 0 || len > PEER_TOKEN_MAX)
        return NULL;
    peer_t *p = peers_auth(reg, token, len); /* loaded meanwhile, or synced */
    if (p)
        return p;
    uint8_t h[SHA256_LEN];
    peer_token_hash(h, token, len);
    ledger_id_t id;
    if (!reg->db || peers_db_find_token(reg->db, h, &id) != PEERS_OK)
        return NULL;
    p = peers_get(reg, id);
    if (!p && peers_db_get(reg->db, id, &p) != PEERS_OK)
        return NULL;
    pthread_rwlock_wrlock(&reg->lock);
    if (put_locked(reg, p, NULL, 0) == PEERS_OK)
        add_token_locked(reg, h, id);
    else
        LOGW("peers: could not cache a peer loaded on authentication");
    pthread_rwlock_unlock(&reg->lock);
    return p;
}

peer_t *peers_auth(peers_t *reg, const char *token, size_t len)
{
    if (len == 0 || len > PEER_TOKEN_MAX)
        return NULL;
    uint8_t h[SHA256_LEN];
    peer_token_hash(h, token, len);
    peer_t *p = NULL;
    pthread_rwlock_rdlock(&reg->lock);
    size_t i = tok_lb(reg, h);
    if (i < reg->ntok && memcmp(reg->tok[i].hash, h, SHA256_LEN) == 0)
        p = get_locked(reg, reg->tok[i].peer);
    pthread_rwlock_unlock(&reg->lock);
    return p;
}

size_t peers_count(peers_t *reg)
{
    pthread_rwlock_rdlock(&reg->lock);
    size_t n = reg->n;
    pthread_rwlock_unlock(&reg->lock);
    return n;
}

/* Loads the token hashes of every peer. */
static peers_result_t load_tokens(peers_t *reg)
{
    db_err_t e = {0};
    db_conn_t *c = db_acquire(reg->db, DB_CONN_READ, &e);
    if (!c)
        return PEERS_STORAGE;
    peers_result_t r = PEERS_OK;
    db_stmt_t *st = db_prepare(c, "SELECT token_hash, peer_id FROM peer_tokens", &e);
    db_rc_t rc = st ? DB_ROW : DB_ERROR;
    pthread_rwlock_wrlock(&reg->lock);
    while (st && (rc = db_step(st, &e)) == DB_ROW) {
        size_t hn, in;
        const uint8_t *h = db_col_blob(st, 0, &hn);
        const char *ids = db_col_text(st, 1, &in);
        ledger_id_t id;
        if (hn == SHA256_LEN && ledger_id_parse(ids, in, &id) == 0)
            add_token_locked(reg, h, id);
    }
    pthread_rwlock_unlock(&reg->lock);
    if (rc != DB_DONE) {
        LOGE("peers: loading tokens: %s", e.msg);
        r = PEERS_STORAGE;
    }
    db_release(c);
    return r;
}

peers_result_t peers_load(peers_t *reg)
{
    if (!reg->db)
        return PEERS_OK;
    enum { PAGE = 256 };
    peer_t *page[PAGE];
    ledger_id_t after = {0, 0};
    for (;;) {
        size_t n;
        peers_result_t r = peers_db_list(reg->db, after, page, PAGE, &n);
        if (r != PEERS_OK)
            return r;
        pthread_rwlock_wrlock(&reg->lock);
        for (size_t i = 0; i < n; i++) {
            put_locked(reg, page[i], NULL, 0);
            after = page[i]->id;
            peer_release(page[i]);
        }
        pthread_rwlock_unlock(&reg->lock);
        if (n < PAGE)
            break;
    }
    return load_tokens(reg);
}

/* ---- sync with the database (other replicas' changes) ---- */

static int table_version(db_t *db, int64_t v[2])
{
    db_err_t e = {0};
    db_conn_t *c = db_acquire(db, DB_CONN_READ, &e);
    if (!c)
        return -1;
    int rc = -1;
    db_stmt_t *st = db_prepare(
        c, "SELECT count(*), CAST(coalesce(sum(updated_at), 0) AS BIGINT) FROM peers", &e);
    if (st && db_step_one(st, &e) == DB_ROW) {
        v[0] = db_col_i64(st, 0);
        v[1] = db_col_i64(st, 1);
        rc = 0;
    }
    if (rc != 0)
        LOGE("peers: reading the table version: %s", e.msg);
    db_release(c);
    return rc;
}

static int peer_cmp(const void *a, const void *b)
{
    return ledger_id_cmp((*(peer_t *const *)a)->id, (*(peer_t *const *)b)->id);
}

static int tok_cmp(const void *a, const void *b)
{
    return memcmp(((const token_entry_t *)a)->hash, ((const token_entry_t *)b)->hash, SHA256_LEN);
}

static void release_all(peer_t **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        peer_release(v[i]);
    free(v);
}

/* Every stored peer, sorted by id; each with one reference. */
static peers_result_t load_all_peers(db_t *db, peer_t ***out, size_t *nout)
{
    enum { PAGE = 256 };
    peer_t **v = NULL;
    size_t n = 0, cap = 0;
    ledger_id_t after = {0, 0};
    for (;;) {
        if (n + PAGE > cap) {
            size_t ncap = cap ? cap * 2 : PAGE;
            v = xrealloc(v, ncap * sizeof *v);
            cap = ncap;
        }
        size_t got;
        peers_result_t r = peers_db_list(db, after, v + n, PAGE, &got);
        if (r != PEERS_OK) {
            release_all(v, n);
            return r;
        }
        n += got;
        if (got < PAGE || n >= PEERS_MAX)
            break;
        after = v[n - 1]->id;
    }
    qsort(v, n, sizeof *v, peer_cmp);
    *out = v;
    *nout = n;
    return PEERS_OK;
}

/* The whole token table, sorted by hash. */
static peers_result_t load_all_tokens(db_t *db, token_entry_t **out, size_t *nout)
{
    db_err_t e = {0};
    db_conn_t *c = db_acquire(db, DB_CONN_READ, &e);
    if (!c)
        return PEERS_STORAGE;
    token_entry_t *v = NULL;
    size_t n = 0, cap = 0;
    peers_result_t r = PEERS_OK;
    db_stmt_t *st = db_prepare(c, "SELECT token_hash, peer_id FROM peer_tokens", &e);
    db_rc_t rc = st ? DB_ROW : DB_ERROR;
    while (st && (rc = db_step(st, &e)) == DB_ROW) {
        size_t hn, in;
        const uint8_t *h = db_col_blob(st, 0, &hn);
        const char *ids = db_col_text(st, 1, &in);
        ledger_id_t id;
        if (hn != SHA256_LEN || ledger_id_parse(ids, in, &id) != 0)
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            v = xrealloc(v, ncap * sizeof *v);
            cap = ncap;
        }
        memcpy(v[n].hash, h, SHA256_LEN);
        v[n++].peer = id;
    }
    if (r == PEERS_OK && rc != DB_DONE) {
        LOGE("peers: loading tokens: %s", e.msg);
        r = PEERS_STORAGE;
    }
    db_release(c);
    if (r != PEERS_OK) {
        free(v);
        return r;
    }
    if (n > 1)
        qsort(v, n, sizeof *v, tok_cmp);
    *out = v;
    *nout = n;
    return PEERS_OK;
}

static void drop_peer_locked(peers_t *reg, peer_t *p)
{
    if (reg->rt)
        routes_remove_peer(reg->rt, p->id);
    peer_release(p);
}

peers_result_t peers_sync(peers_t *reg, bool force, bool *changed)
{
    if (changed)
        *changed = false;
    if (!reg->db)
        return PEERS_OK;
    pthread_rwlock_rdlock(&reg->lock);
    uint64_t gen = reg->gen;
    bool synced = reg->synced;
    int64_t last[2] = {reg->version[0], reg->version[1]};
    pthread_rwlock_unlock(&reg->lock);

    int64_t v[2];
    if (table_version(reg->db, v) != 0)
        return PEERS_STORAGE;
    if (!force && synced && v[0] == last[0] && v[1] == last[1])
        return PEERS_OK;
    peer_t **loaded;
    size_t nl;
    token_entry_t *tok;
    size_t ntok;
    peers_result_t r = load_all_peers(reg->db, &loaded, &nl);
    if (r != PEERS_OK)
        return r;
    if ((r = load_all_tokens(reg->db, &tok, &ntok)) != PEERS_OK) {
        release_all(loaded, nl);
        return r;
    }

    pthread_rwlock_wrlock(&reg->lock);
    if (reg->gen != gen) {
        /* a local change raced with this load (it may be newer than what was read): leave the
         * registry alone; the next sync sees a version it has not synced yet */
        pthread_rwlock_unlock(&reg->lock);
        release_all(loaded, nl);
        free(tok);
        return PEERS_OK;
    }
    /* the new peer table, merging two id-sorted lists: unchanged objects are kept (packets
     * may hold them), changed ones replaced with their routes, vanished ones dropped with
     * theirs */
    size_t i = 0;
    for (size_t k = 0; k < nl; k++) {
        while (i < reg->n && ledger_id_cmp(reg->v[i]->id, loaded[k]->id) < 0)
            drop_peer_locked(reg, reg->v[i++]);
        peer_t *old = i < reg->n && ledger_id_eq(reg->v[i]->id, loaded[k]->id) ? reg->v[i++] : NULL;
        if (old && old->updated_ms == loaded[k]->updated_ms &&
            old->created_ms == loaded[k]->created_ms) {
            peer_release(loaded[k]);
            loaded[k] = old;
            continue;
        }
        set_routes(reg, loaded[k]);
        peer_release(old);
    }
    while (i < reg->n)
        drop_peer_locked(reg, reg->v[i++]);
    free(reg->v);
    reg->v = loaded;
    reg->n = reg->cap = nl;
    free(reg->tok);
    reg->tok = tok;
    reg->ntok = reg->captok = ntok;
    reg->version[0] = v[0];
    reg->version[1] = v[1];
    reg->synced = true;
    pthread_rwlock_unlock(&reg->lock);
    if (changed)
        *changed = true;
    return PEERS_OK;
}
