/*
 * Creation-order pages over rows held in memory (see keyset.h).
 */
#include "payments/keyset.h"

#include <stdlib.h>
#include <string.h>

#include "base/assert.h"

int pay_key_cmp(const pay_key_t *a, const pay_key_t *b)
{
    if (a->created_ms != b->created_ms)
        return a->created_ms < b->created_ms ? -1 : 1;
    if (a->id.hi != b->id.hi)
        return a->id.hi < b->id.hi ? -1 : 1;
    if (a->id.lo != b->id.lo)
        return a->id.lo < b->id.lo ? -1 : 1;
    return 0;
}

void pay_keys_sort(pay_key_t *keys, size_t *idx, size_t n)
{
    /* insertion sort: lists paged in memory are small, and this keeps it stable and simple */
    for (size_t i = 1; i < n; i++) {
        pay_key_t k = keys[i];
        size_t x = idx[i], j = i;
        while (j > 0 && pay_key_cmp(&keys[j - 1], &k) > 0) {
            keys[j] = keys[j - 1];
            idx[j] = idx[j - 1];
            j--;
        }
        keys[j] = k;
        idx[j] = x;
    }
}

/* The position of the cursor's row, or nkeys when no row has its id. */
static size_t find_cursor(const pay_key_t *keys, size_t nkeys, ledger_id_t id)
{
    for (size_t i = 0; i < nkeys; i++)
        if (keys[i].id.hi == id.hi && keys[i].id.lo == id.lo)
            return i;
    return nkeys;
}

void pay_keyset_window(const pay_key_t *keys, size_t nkeys, const pay_keyset_t *k, size_t *out,
                       size_t *n)
{
    ASSERT(k->limit >= 1);
    *n = 0;
    /* Walk in the client's order: "up" through ascending positions when the page reads
     * ascending and forward (or descending and backward, reversed at the end). */
    bool up = k->asc != k->backward;
    size_t start; /* the first position to take, as a count of rows from the walk's start */
    if (k->has_cursor) {
        size_t c = find_cursor(keys, nkeys, k->cursor);
        if (c == nkeys)
            return;
        start = up ? c + 1 : nkeys - c;
    } else {
        start = 0;
    }
    for (size_t s = start; s < nkeys && *n < k->limit; s++)
        out[(*n)++] = up ? s : nkeys - 1 - s;
    if (k->backward) {
        for (size_t i = 0, j = *n ? *n - 1 : 0; i < j; i++, j--) {
            size_t t = out[i];
            out[i] = out[j];
            out[j] = t;
        }
    }
}
