/*
 * The in-memory peer registry: peers sorted by id, incoming token hashes sorted by hash, both
 * under one reader-writer lock, plus the peers' routes in the routing table. See peers.h.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
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
};

peers_t *peers_new(db_t *db, routes_t *rt)
{
    peers_t *reg = calloc(1, sizeof *reg);
    if (!reg)
        return NULL;
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

static int add_token_locked(peers_t *reg, const uint8_t *h, ledger_id_t id)
{
    size_t i = tok_lb(reg, h);
    if (i < reg->ntok && memcmp(reg->tok[i].hash, h, SHA256_LEN) == 0) {
        reg->tok[i].peer = id;
        return 0;
    }
    if (reg->ntok == reg->captok) {
        size_t cap = reg->captok ? reg->captok * 2 : 16;
        token_entry_t *t = realloc(reg->tok, cap * sizeof *t);
        if (!t)
            return -1;
        reg->tok = t;
        reg->captok = cap;
    }
    memmove(&reg->tok[i + 1], &reg->tok[i], (reg->ntok - i) * sizeof *reg->tok);
    memcpy(reg->tok[i].hash, h, SHA256_LEN);
    reg->tok[i].peer = id;
    reg->ntok++;
    return 0;
}

static void set_routes(peers_t *reg, const peer_t *p)
{
    if (!reg->rt)
        return;
    routes_remove_peer(reg->rt, p->id);
    if (p->nroutes == 0) {
        routes_add(reg->rt, SLICE_STR(p->ilp_address), p->id);
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
            peer_t **v = realloc(reg->v, cap * sizeof *v);
            if (!v)
                return PEERS_NOMEM;
            reg->v = v;
            reg->cap = cap;
        }
        memmove(&reg->v[i + 1], &reg->v[i], (reg->n - i) * sizeof *reg->v);
        reg->n++;
    }
    peer_retain(p);
    reg->v[i] = p;
    if (hashes) {
        drop_tokens_locked(reg, p->id);
        for (size_t k = 0; k < nh; k++)
            if (add_token_locked(reg, hashes[k], p->id) != 0)
                return PEERS_NOMEM;
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

/* A token another replica created: find it in the database and remember it. */
static peer_t *auth_miss(peers_t *reg, const uint8_t h[SHA256_LEN])
{
    ledger_id_t id;
    if (!reg->db || peers_db_find_token(reg->db, h, &id) != PEERS_OK)
        return NULL;
    peer_t *p = peers_get(reg, id);
    if (!p && peers_db_get(reg->db, id, &p) != PEERS_OK)
        return NULL;
    pthread_rwlock_wrlock(&reg->lock);
    if (put_locked(reg, p, NULL, 0) != PEERS_OK || add_token_locked(reg, h, id) != 0)
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
    return p ? p : auth_miss(reg, h);
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
