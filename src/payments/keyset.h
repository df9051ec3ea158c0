/*
 * One page of a list in creation order, as Rafiki's admin API pages (Relay connections over
 * (created_at, id)): ascending or descending, forward after a cursor or backward before one.
 * The faces read their arguments into a pay_keyset_t; the domain modules answer with rows in
 * the order the client sees. pay_keyset_window pages a list already held in memory (a few
 * thousand rows at most: assets, fees); tables that grow page in SQL with the same rules.
 *
 * Threads: pure functions; any thread.
 */
#ifndef RAFIKI_PAYMENTS_KEYSET_H
#define RAFIKI_PAYMENTS_KEYSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger/ledger.h"

typedef struct {
    bool asc;           /* creation order ascending (Rafiki's default is descending) */
    bool backward;      /* the rows just before `cursor` (last/before) */
    bool has_cursor;    /* after (forward) or before (backward) was given */
    ledger_id_t cursor; /* that row's id; an id no row has gives an empty page */
    size_t limit;       /* rows to return, >= 1 */
} pay_keyset_t;

/* A row's place in creation order. */
typedef struct {
    int64_t created_ms;
    ledger_id_t id;
} pay_key_t;

/* -1, 0, 1 as a is before, equal to or after b in ascending creation order (time, then id). */
int pay_key_cmp(const pay_key_t *a, const pay_key_t *b);

/* Sorts keys[0..n) ascending by pay_key_cmp, carrying idx[i] (the caller's row numbers) along. */
void pay_keys_sort(pay_key_t *keys, size_t *idx, size_t n);

/* Over keys sorted ascending: the rows of page k, in the order the client sees, as positions
 * into keys (out, at most k->limit of them; *n their count). */
void pay_keyset_window(const pay_key_t *keys, size_t nkeys, const pay_keyset_t *k, size_t *out,
                       size_t *n);

#endif
