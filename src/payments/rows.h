/*
 * Row helpers shared by the payments modules (not a public API): ids as UUID text in and out
 * of statements, text columns into fixed buffers. Their write transactions go through
 * db_write_tx (store/db.h: retries, group commit).
 *
 * Threads: pure functions over the caller's statement.
 */
#ifndef RAFIKI_PAYMENTS_ROWS_H
#define RAFIKI_PAYMENTS_ROWS_H

#include "ledger/ledger.h"
#include "store/db.h"

/* Binds id as canonical UUID text. */
void pay_bind_id(db_stmt_t *st, int idx, ledger_id_t id);
/* Reads a UUID text column; the zero id when NULL or malformed. */
ledger_id_t pay_col_id(db_stmt_t *st, int col);
/* Copies a text column into out (cap bytes with the NUL), cut when longer. */
void pay_col_str(db_stmt_t *st, int col, char *out, size_t cap);

#endif
