/*
 * The ledger's in-memory apply engine (internal). It holds the accounts and transfers a batch
 * touches, applies operations to them in C with every check, and records what changed so the
 * storage layer can write it back: dirty accounts (counters) and new or resolved transfers.
 * It knows nothing about databases; the unit tests drive it directly as an in-memory ledger.
 *
 * An undo log covers everything since the last lcore_mark_clean: a failed linked chain undoes to
 * its start, and a failed database commit undoes the whole batch (lcore_undo_all).
 *
 * Threads: an lcore_t is not synchronised. In the service only the batcher applies to it, and
 * ledger_account_update refreshes an account in it; both hold the ledger mutex
 * (ledger_core_lock). Nothing here blocks or touches the database.
 */
#ifndef RAFIKI_LEDGER_CORE_H
#define RAFIKI_LEDGER_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger/types.h"

/* The part of an account transfers need: identity, asset, limits and counters. */
typedef struct {
    ledger_id_t id;
    ledger_id_t asset_id;
    int64_t min_balance;
    int64_t max_balance;
    bool no_min_balance;
    bool has_max_balance;
    bool dirty; /* counters changed since the last lcore_mark_clean */
    ledger_counters_t c;
    int64_t row; /* storage's key for the counter update (SQLite counter_key); 0 = none */
    /* SQLite: the seq of the newest transfer on either side of the account, the head of its
     * history chain (lstore.c); kept by the storage layer, undone with the counters */
    int64_t last_seq;
} lc_account_t;

typedef struct lcore lcore_t;

lcore_t *lcore_new(void);
void lcore_free(lcore_t *c);
/* Forgets every transfer (accounts stay); only when clean. */
void lcore_clear_transfers(lcore_t *c);
/* Forgets everything; only when clean. */
void lcore_clear(lcore_t *c);

lc_account_t *lcore_account_find(lcore_t *c, ledger_id_t id);
/* Inserts or replaces (limits and counters) an account; returns its slot. Pointers returned by
 * find/put stay valid until the next put of a new account. */
lc_account_t *lcore_account_put(lcore_t *c, const lc_account_t *a);
size_t lcore_account_count(const lcore_t *c);
lc_account_t *lcore_account_at(lcore_t *c, size_t i);

ledger_transfer_t *lcore_transfer_find(lcore_t *c, ledger_id_t id);
/* Adds a transfer loaded from storage (not new); ignored if already present. tag is the storage
 * layer's note about the row (lstore: its seq while the row is in the unmerged tail, else 0). */
void lcore_transfer_load(lcore_t *c, const ledger_transfer_t *t, int64_t tag);
/* The tag t was loaded with; 0 for a transfer created since the last mark. */
int64_t lcore_transfer_tag(const lcore_t *c, const ledger_transfer_t *t);
/* The number of transfers held, and the i-th in load/creation order (i < count). */
size_t lcore_transfer_count(const lcore_t *c);
ledger_transfer_t *lcore_transfer_at(lcore_t *c, size_t i);

/*
 * Applies ops[0..n) (one submission: a linked chain must end inside it) at wall time now_ms and
 * writes one result per op. Never fails as a whole.
 */
void lcore_apply(lcore_t *c, const ledger_op_t *ops, size_t n, int64_t now_ms,
                 ledger_result_t *results);

/* A create op whose id is taken by t: LEDGER_EXISTS when op asks for t as stored (every field
 * TigerBeetle compares: flags, accounts, amount, timeout, code), else the first difference as
 * LEDGER_EXISTS_WITH_DIFFERENT_*. Transfer groups (group.c) compare a retried group with it. */
ledger_result_t lcore_compare_existing(const ledger_transfer_t *t, const ledger_op_t *op);

/* What changed since the last mark: new transfers (in creation order), existing transfers whose
 * state changed (each once), dirty accounts (each once). */
size_t lcore_new_transfers(lcore_t *c, ledger_transfer_t **first);
size_t lcore_resolved_count(const lcore_t *c);
ledger_transfer_t *lcore_resolved_at(lcore_t *c, size_t i);
size_t lcore_dirty_count(const lcore_t *c);
lc_account_t *lcore_dirty_at(lcore_t *c, size_t i);

/* A point in the undo log, and undoing everything applied since it (ledger guards: a submission
 * whose guard refused it). lcore_undo_to is LIFO: only to a mark taken since the last change
 * that is still wanted. */
size_t lcore_undo_mark(const lcore_t *c);
void lcore_undo_to(lcore_t *c, size_t mark);

/* The changes are durable: drop the undo log and dirty marks. */
void lcore_mark_clean(lcore_t *c);
/* The changes were not stored: restore every account and transfer to the last mark. */
void lcore_undo_all(lcore_t *c);

/* The balance used for the minimum: credits_posted - debits_posted - debits_pending. */
int64_t lcore_balance(const ledger_counters_t *k);
/* Fills a status from counters and limits. */
void lcore_status(const lc_account_t *a, ledger_status_t *out);

#endif
