/*
 * Helpers shared by the payments modules (not a public API): the mapping of row text ids.
 * Their write transactions go through db_write_tx (store/db.h: retries, group commit).
 *
 * Threads: as wallet_address.h: any thread that may block on the database.
 */
#ifndef RAFIKI_PAYMENTS_WALLET_ADDRESS_INTERNAL_H
#define RAFIKI_PAYMENTS_WALLET_ADDRESS_INTERNAL_H

#include "ledger/ledger.h"
#include "store/db.h"

/* Binds id as canonical UUID text. */
void pay_bind_id(db_stmt_t *st, int idx, ledger_id_t id);
/* Reads a UUID text column; the zero id when NULL or malformed. */
ledger_id_t pay_col_id(db_stmt_t *st, int col);
/* Copies a text column into out (cap bytes with the NUL), cut when longer. */
void pay_col_str(db_stmt_t *st, int col, char *out, size_t cap);

#endif
