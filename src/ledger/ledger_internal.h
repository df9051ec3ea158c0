/*
 * What accounts.c needs from the batcher (ledger.c); internal to src/ledger.
 *
 * Threads: these run on the API's calling threads (admin workers), beside the batcher.
 * ledger_core_lock blocks while a batch is being applied and committed (the batcher holds the
 * lock for the whole batch); ledger_core_refresh reads the database and must be called with it
 * held. ledger_tail_find and ledger_tail_in_memory do not block on the batcher.
 */
#ifndef RAFIKI_LEDGER_LEDGER_INTERNAL_H
#define RAFIKI_LEDGER_LEDGER_INTERNAL_H

#include <stdbool.h>

#include "ledger/ledger.h"
#include "store/db.h"

db_t *ledger_db(ledger_t *l);
/* Excludes the batcher (it holds this lock for a whole batch). */
void ledger_core_lock(ledger_t *l);
void ledger_core_unlock(ledger_t *l);
/* With the core locked: reloads a cached account's limits and counters from conn. */
void ledger_core_refresh(ledger_t *l, db_conn_t *conn, ledger_id_t id);

/* SQLite with the account cache: the unmerged tail is mirrored in memory, and a transfer in it
 * is copied to out. Check it before the database: a merge clears it only after committing. */
bool ledger_tail_find(ledger_t *l, ledger_id_t id, ledger_transfer_t *out);
/* Whether the tail lives in memory (then readers need not scan it in the database). */
bool ledger_tail_in_memory(const ledger_t *l);
#endif
