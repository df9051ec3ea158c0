/*
 * The pipeline's account cache with its loader thread, and packet transfer ids (accounts.h).
 * Slots are direct-mapped by a hash of the id and copied under one mutex; the loader drains a
 * fixed ring of requests, re-checking the cache first so that a burst of misses for one
 * account costs one read.
 */
#include "connector/accounts.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/mem.h"
#include "base/rand.h"

typedef struct {
    acct_info_t info;
    uint64_t loaded_ms; /* monotonic; 0 = empty */
    bool refreshing;    /* a refresh of this stale entry is queued */
} slot_t;

/* A load of id for done, a refresh of id's stale entry (done and job NULL), or a job. */
typedef struct {
    ledger_id_t id;
    accounts_done_fn done;
    void (*job)(void *user);
    void *user;
} load_req_t;

struct accounts {
    ledger_t *ledger;
    pthread_mutex_t mu; /* slots */
    slot_t *slots;      /* ACCOUNTS_CACHE_SLOTS */
    /* the load queue: a ring of ACCOUNTS_LOAD_QUEUE_MAX under qmu */
    pthread_mutex_t qmu;
    pthread_cond_t qcv;
    load_req_t *ring;
    size_t head, count;
    bool stopping;
    pthread_t loader;
    uint64_t id_node;            /* 42 random bits of this connector's transfer ids */
    atomic_uint_fast64_t id_seq; /* the counter part of transfer ids */
};

static const char *const RESULT_STR[ACCOUNTS_RESULT_COUNT] = {
    [ACCOUNTS_OK] = "ok",
    [ACCOUNTS_PENDING] = "pending",
    [ACCOUNTS_NOT_FOUND] = "not_found",
    [ACCOUNTS_STORAGE] = "storage_error",
    [ACCOUNTS_BUSY] = "busy",
};

const char *accounts_result_str(accounts_result_t r)
{
    return (unsigned)r < ACCOUNTS_RESULT_COUNT ? RESULT_STR[r] : "unknown";
}

/* ---- the cache ---- */

static size_t slot_of(ledger_id_t id)
{
    return (size_t)((id.hi ^ id.lo) * 0x9e3779b97f4a7c15ull >> 52) % ACCOUNTS_CACHE_SLOTS;
}

/*
 * The cached account, if younger than max_age_ms. With refresh non-NULL, an entry past
 * ACCOUNTS_TTL_MS is still answered and *refresh says the caller should queue its refresh
 * (once per entry: the slot is marked until the refresh lands or is given up).
 */
static bool cache_get(accounts_t *a, ledger_id_t id, uint64_t max_age_ms, acct_info_t *out,
                      bool *refresh)
{
    uint64_t now = clock_mono_ms();
    pthread_mutex_lock(&a->mu);
    slot_t *s = &a->slots[slot_of(id)];
    uint64_t age = now - s->loaded_ms;
    bool hit = s->loaded_ms && age < max_age_ms && ledger_id_eq(s->info.id, id);
    if (hit)
        *out = s->info;
    if (hit && refresh && age >= ACCOUNTS_TTL_MS && !s->refreshing)
        *refresh = s->refreshing = true;
    pthread_mutex_unlock(&a->mu);
    return hit;
}

/* A refresh of id that will not land: unmark its slot, and forget the entry when gone. */
static void refresh_end(accounts_t *a, ledger_id_t id, bool gone)
{
    pthread_mutex_lock(&a->mu);
    slot_t *s = &a->slots[slot_of(id)];
    if (ledger_id_eq(s->info.id, id)) {
        s->refreshing = false;
        if (gone)
            s->loaded_ms = 0;
    }
    pthread_mutex_unlock(&a->mu);
}

/* Reads the account and its asset from the database and caches them. */
static accounts_result_t load_now(accounts_t *a, ledger_id_t id, acct_info_t *out)
{
    ledger_account_t acct;
    ledger_asset_t asset;
    ledger_result_t r = ledger_account_get(a->ledger, id, &acct);
    if (r == LEDGER_OK)
        r = ledger_asset_get(a->ledger, acct.asset_id, &asset);
    if (r == LEDGER_ACCOUNT_NOT_FOUND || r == LEDGER_ASSET_NOT_FOUND)
        return ACCOUNTS_NOT_FOUND;
    if (r != LEDGER_OK)
        return ACCOUNTS_STORAGE;
    *out = (acct_info_t){.id = id,
                         .asset_id = acct.asset_id,
                         .liquidity_id = asset.liquidity_account_id,
                         .kind = acct.kind,
                         .stream_enabled = acct.stream_enabled,
                         .scale = asset.scale};
    snprintf(out->code, sizeof out->code, "%s", asset.code);
    uint64_t now = clock_mono_ms();
    pthread_mutex_lock(&a->mu);
    a->slots[slot_of(id)] = (slot_t){.info = *out, .loaded_ms = now ? now : 1};
    pthread_mutex_unlock(&a->mu);
    return ACCOUNTS_OK;
}

accounts_result_t accounts_get(accounts_t *a, ledger_id_t id, acct_info_t *out)
{
    return cache_get(a, id, ACCOUNTS_TTL_MS, out, NULL) ? ACCOUNTS_OK : load_now(a, id, out);
}

/* On the loader: a stale entry read again (it stays served until this lands). */
static void refresh(accounts_t *a, ledger_id_t id)
{
    acct_info_t info;
    accounts_result_t r = load_now(a, id, &info);
    if (r != ACCOUNTS_OK)
        refresh_end(a, id, r == ACCOUNTS_NOT_FOUND);
}

/* ---- the loader ---- */

static void *loader_main(void *arg)
{
    accounts_t *a = arg;
    pthread_mutex_lock(&a->qmu);
    for (;;) {
        while (a->count == 0 && !a->stopping)
            pthread_cond_wait(&a->qcv, &a->qmu);
        if (a->count == 0)
            break; /* stopping and drained */
        load_req_t req = a->ring[a->head];
        a->head = (a->head + 1) % ACCOUNTS_LOAD_QUEUE_MAX;
        a->count--;
        pthread_mutex_unlock(&a->qmu);
        if (req.job) {
            req.job(req.user);
        } else if (!req.done) {
            refresh(a, req.id);
        } else {
            acct_info_t info;
            accounts_result_t r = accounts_get(a, req.id, &info);
            req.done(req.user, r, r == ACCOUNTS_OK ? &info : NULL);
        }
        pthread_mutex_lock(&a->qmu);
    }
    pthread_mutex_unlock(&a->qmu);
    return NULL;
}

/* Queues req for the loader: ACCOUNTS_PENDING, or ACCOUNTS_BUSY when full or closing. */
static accounts_result_t enqueue(accounts_t *a, load_req_t req)
{
    pthread_mutex_lock(&a->qmu);
    if (a->stopping || a->count == ACCOUNTS_LOAD_QUEUE_MAX) {
        pthread_mutex_unlock(&a->qmu);
        return ACCOUNTS_BUSY;
    }
    a->ring[(a->head + a->count) % ACCOUNTS_LOAD_QUEUE_MAX] = req;
    a->count++;
    pthread_cond_signal(&a->qcv);
    pthread_mutex_unlock(&a->qmu);
    return ACCOUNTS_PENDING;
}

accounts_result_t accounts_lookup(accounts_t *a, ledger_id_t id, acct_info_t *out,
                                  accounts_done_fn done, void *user)
{
    ASSERT(done != NULL);
    bool stale = false;
    if (cache_get(a, id, ACCOUNTS_STALE_MAX_MS, out, &stale)) {
        if (stale && enqueue(a, (load_req_t){.id = id}) != ACCOUNTS_PENDING)
            refresh_end(a, id, false); /* the next lookup tries again */
        return ACCOUNTS_OK;
    }
    return enqueue(a, (load_req_t){.id = id, .done = done, .user = user});
}

accounts_result_t accounts_defer(accounts_t *a, void (*fn)(void *user), void *user)
{
    ASSERT(fn != NULL);
    return enqueue(a, (load_req_t){.job = fn, .user = user});
}

/* Everything but the loader thread (stopped before, or never started). */
static void accounts_destroy(accounts_t *a)
{
    pthread_cond_destroy(&a->qcv);
    pthread_mutex_destroy(&a->qmu);
    pthread_mutex_destroy(&a->mu);
    free(a->ring);
    free(a->slots);
    free(a);
}

accounts_t *accounts_new(ledger_t *ledger)
{
    accounts_t *a = xcalloc(1, sizeof *a);
    a->ledger = ledger;
    a->slots = xcalloc(ACCOUNTS_CACHE_SLOTS, sizeof *a->slots);
    a->ring = xcalloc(ACCOUNTS_LOAD_QUEUE_MAX, sizeof *a->ring);
    a->id_node = rand_u64() & ((1ull << 42) - 1);
    atomic_init(&a->id_seq, 0);
    pthread_mutex_init(&a->mu, NULL);
    pthread_mutex_init(&a->qmu, NULL);
    pthread_cond_init(&a->qcv, NULL);
    if (pthread_create(&a->loader, NULL, loader_main, a) != 0) {
        accounts_destroy(a);
        return NULL;
    }
    return a;
}

void accounts_free(accounts_t *a)
{
    if (!a)
        return;
    pthread_mutex_lock(&a->qmu);
    a->stopping = true;
    pthread_cond_signal(&a->qcv);
    pthread_mutex_unlock(&a->qmu);
    pthread_join(a->loader, NULL);
    accounts_destroy(a);
}

/* ---- transfer ids ---- */

ledger_id_t accounts_transfer_id(accounts_t *a)
{
    uint64_t ms = (uint64_t)clock_wall_ms() & ((1ull << 48) - 1);
    uint64_t seq = atomic_fetch_add_explicit(&a->id_seq, 1, memory_order_relaxed);
    /* hi: unix_ts_ms(48) ver(4)=7 rand_a(12); lo: var(2)=0b10 rand_b(62) */
    return (ledger_id_t){.hi = ms << 16 | 0x7000u | (a->id_node >> 30),
                         .lo = 0x8000000000000000ull | (a->id_node & ((1ull << 30) - 1)) << 32 |
                               (seq & 0xffffffffu)};
}
