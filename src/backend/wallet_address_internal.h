/*
 * Helpers shared by wallet_address.c and incoming_payment.c (not a public API): a write
 * transaction with retries and the mapping of row text ids.
 */
#ifndef RAFIKI_BACKEND_WALLET_ADDRESS_INTERNAL_H
#define RAFIKI_BACKEND_WALLET_ADDRESS_INTERNAL_H

#include "ledger/ledger.h"
#include "store/db.h"

/* How often a transaction that lost a race (DB_RETRY) runs again before giving up. */
#define PAY_TX_ATTEMPTS 5

typedef db_rc_t (*pay_tx_fn)(db_conn_t *c, void *arg, db_err_t *e);

/* Runs fn in a write transaction, again on DB_RETRY. Returns fn's result (DB_OK commits, any
 * other code rolls back and is returned as is, so fn may return DB_NOT_FOUND and the like). */
db_rc_t pay_write_tx(db_t *db, pay_tx_fn fn, void *arg, db_err_t *e);

/* Binds id as canonical UUID text. */
void pay_bind_id(db_stmt_t *st, int idx, ledger_id_t id);
/* Reads a UUID text column; the zero id when NULL or malformed. */
ledger_id_t pay_col_id(db_stmt_t *st, int col);
/* Copies a text column into out (cap bytes with the NUL), cut when longer. */
void pay_col_str(db_stmt_t *st, int col, char *out, size_t cap);

#endif
