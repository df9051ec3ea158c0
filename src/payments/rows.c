/*
 * Row helpers of the payments modules (rows.h).
 */
#include <string.h>

#include "payments/rows.h"

void pay_bind_id(db_stmt_t *st, int idx, ledger_id_t id)
{
    char s[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(id, s);
    db_bind_text(st, idx, s, LEDGER_ID_STR_LEN);
}

ledger_id_t pay_col_id(db_stmt_t *st, int col)
{
    size_t n = 0;
    const char *s = db_col_text(st, col, &n);
    ledger_id_t id = {0, 0};
    if (ledger_id_parse(s, n, &id) != 0)
        return (ledger_id_t){0, 0};
    return id;
}

void pay_col_str(db_stmt_t *st, int col, char *out, size_t cap)
{
    size_t n = 0;
    const char *s = db_col_text(st, col, &n);
    if (n >= cap)
        n = cap - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}
