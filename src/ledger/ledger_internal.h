/* What accounts.c needs from the batcher (ledger.c); internal to src/ledger. */
#ifndef RAFIKI_LEDGER_LEDGER_INTERNAL_H
#define RAFIKI_LEDGER_LEDGER_INTERNAL_H

#include "ledger/ledger.h"
#include "store/db.h"

db_t *ledger_db(ledger_t *l);
/* Excludes the batcher (it holds this lock for a whole batch). */
void ledger_core_lock(ledger_t *l);
void ledger_core_unlock(ledger_t *l);
/* With the core locked: reloads a cached account's limits and counters from conn. */
void ledger_core_refresh(ledger_t *l, db_conn_t *conn, ledger_id_t id);

#endif
