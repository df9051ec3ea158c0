/*
 * What the packet pipeline needs of the ledger besides transfers: a cache of the accounts it
 * debits and credits (asset, the asset's liquidity account, kind, STREAM flag), and the ids of
 * the transfers it makes. The pipeline (pipeline.c) depends on this module, never the reverse.
 *
 * The cache never makes a packet wait on the database on the thread that asked: a hit is
 * answered at once; a miss is queued for the loader thread, which reads the account and its
 * asset through the ledger's read pool and then calls the caller back. An entry older than
 * ACCOUNTS_TTL_MS is still answered while the loader reads it again in the background, so a
 * busy account never waits; one older than ACCOUNTS_STALE_MAX_MS (its refresh could not run)
 * is a miss. Nothing but the database is trusted for what the cache lacks, so an account
 * created or changed by the admin API, by this process or by another replica on the same
 * Postgres, is seen on its first packet; only the mutable field the pipeline reads
 * (stream_enabled) may lag, by about ACCOUNTS_TTL_MS.
 *
 * The loader thread is the one place the packet path reads the database: it also runs the
 * other reads a packet may need (accounts_defer: a peer token another replica created).
 *
 * Threads: accounts_lookup, accounts_defer and accounts_transfer_id may be called from any
 * thread at once and never block (a mutex held for a slot copy or a queue push). accounts_get
 * blocks on the database on a miss: only for threads that may wait (admin workers). Callbacks
 * run on the loader thread; they may call accounts_lookup again but must not wait for the
 * loader.
 */
#ifndef RAFIKI_CONNECTOR_ACCOUNTS_H
#define RAFIKI_CONNECTOR_ACCOUNTS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/limits.h"
#include "ledger/ledger.h"

/* Direct-mapped slots: a few peers and thousands of STREAM wallets fit with few collisions. */
#define ACCOUNTS_CACHE_SLOTS 4096
/* How long a cached account is trusted before it is refreshed: bounds how late a change of
 * stream_enabled applies. */
#define ACCOUNTS_TTL_MS 2000
/* The oldest entry answered while its refresh is pending (the loader may be busy). */
#define ACCOUNTS_STALE_MAX_MS 10000
/* Loads waiting for the loader thread; beyond it a lookup answers ACCOUNTS_BUSY (overload). */
#define ACCOUNTS_LOAD_QUEUE_MAX 4096

/* What the pipeline needs of an account: its asset and where cross-asset legs go. */
typedef struct {
    ledger_id_t id;
    ledger_id_t asset_id;
    ledger_id_t liquidity_id; /* the asset's liquidity account */
    ledger_account_kind_t kind;
    bool stream_enabled;
    char code[ASSET_CODE_MAX_LEN + 1];
    uint8_t scale;
} acct_info_t;

typedef enum {
    ACCOUNTS_OK = 0,
    ACCOUNTS_PENDING,   /* a miss: the callback will be called with the outcome */
    ACCOUNTS_NOT_FOUND, /* no such account (or its asset is gone) */
    ACCOUNTS_STORAGE,   /* the database could not be read */
    ACCOUNTS_BUSY,      /* the load queue is full, or the cache is closing */
    ACCOUNTS_RESULT_COUNT,
} accounts_result_t;

const char *accounts_result_str(accounts_result_t r);

typedef struct accounts accounts_t;

/* info is the loaded account when r is ACCOUNTS_OK (valid during the call only). */
typedef void (*accounts_done_fn)(void *user, accounts_result_t r, const acct_info_t *info);

/* Starts the cache and its loader thread over ledger (which outlives it). NULL when the thread
 * cannot start. */
accounts_t *accounts_new(ledger_t *ledger);
/* Loads what is queued, calls every callback, stops the thread and frees. NULL: no-op. */
void accounts_free(accounts_t *a);

/*
 * The account id, without waiting: ACCOUNTS_OK with *out filled (done is not called),
 * ACCOUNTS_PENDING (done will be called exactly once, on the loader thread, with OK,
 * NOT_FOUND or STORAGE), or ACCOUNTS_BUSY (done is not called).
 */
accounts_result_t accounts_lookup(accounts_t *a, ledger_id_t id, acct_info_t *out,
                                  accounts_done_fn done, void *user);

/* Runs fn(user) on the loader thread, after the loads queued before it: ACCOUNTS_PENDING, or
 * ACCOUNTS_BUSY when the queue is full or closing (fn is then not called). */
accounts_result_t accounts_defer(accounts_t *a, void (*fn)(void *user), void *user);

/* The same, waiting for the database on a miss: OK, NOT_FOUND or STORAGE. */
accounts_result_t accounts_get(accounts_t *a, ledger_id_t id, acct_info_t *out);

/*
 * A new id for a packet transfer: a time-ordered UUID (version 7 layout: 48-bit Unix ms, then
 * 42 random bits fixed per cache, then a 32-bit counter). Ids from one connector increase, so
 * the ledger's transfer index grows at its right edge (a commit dirties one index leaf, not one
 * random leaf per packet as random ids do), and making one costs no call to the CSPRNG.
 * Unique: another process would need the same 42 random bits, millisecond and counter.
 */
ledger_id_t accounts_transfer_id(accounts_t *a);

#endif
