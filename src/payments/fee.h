/*
 * Fees per asset as Rafiki keeps them (packages/backend/src/fee/service.ts): setFee records a
 * new fee row each time, so the rows are the asset's fee history and its current fee of a type
 * (SENDING or RECEIVING) is the newest. Quotes charge the current SENDING fee of the debit
 * asset (quote.h; PAYMENT_FEES applies to assets that have none), computed by fees.h
 * (fixed + ceil(amount x basis_points / 10000)). Schema: sql/058_fees.sql.
 *
 * Rafiki's answers (GraphQL extensions.code, message; fee/errors.ts):
 *   FEE_UNKNOWN_ASSET          NOT_FOUND       "Unknown asset"
 *   FEE_INVALID_BASIS_POINTS   BAD_USER_INPUT  "Basis point fee must be between 0 and 10000"
 *   FEE_INVALID_FIXED          BAD_USER_INPUT  "Fixed fee must be greater than or equal to 0"
 *   FEE_STORAGE_ERROR          INTERNAL_SERVER_ERROR
 *
 * Threads: every function may be called from any thread that may block on the database.
 */
#ifndef RAFIKI_PAYMENTS_FEE_H
#define RAFIKI_PAYMENTS_FEE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "payments/fees.h"
#include "ledger/ledger.h"
#include "store/db.h"

/* Most fees one fee_list page returns. */
#define FEE_PAGE_MAX 128

typedef enum { FEE_SENDING = 0, FEE_RECEIVING = 1 } fee_type_t;

/* "SENDING" / "RECEIVING" (Rafiki's FeeType). */
const char *fee_type_str(fee_type_t t);
/* Parses "SENDING" / "RECEIVING" (len bytes): 0, or -1 for anything else. */
int fee_type_parse(const char *s, size_t len, fee_type_t *out);

typedef enum {
    FEE_OK = 0,
    FEE_UNKNOWN_ASSET,
    FEE_INVALID_BASIS_POINTS, /* outside 0..10000 */
    FEE_INVALID_FIXED,        /* negative in Rafiki; here: above INT64_MAX (Rafiki's bigint) */
    FEE_NOT_FOUND,            /* fee_current: the asset has no fee of this type */
    FEE_INVALID_CURSOR,       /* fee_list: the cursor names no fee of this asset */
    FEE_STORAGE_ERROR,
    FEE_RESULT_COUNT
} fee_result_t;

/* Stable snake_case name ("invalid_basis_points"). */
const char *fee_result_str(fee_result_t r);

typedef struct {
    ledger_id_t id;
    ledger_id_t asset_id;
    fee_type_t type;
    uint64_t fixed;        /* the asset's smallest units */
    uint32_t basis_points; /* 0..10000 */
    int64_t created_ms;
} fee_t;

/*
 * Rafiki's setFee(assetId, type, {fixed, basisPoints}): records a new fee, which becomes the
 * asset's current one of that type. basis_points is signed so that the resolver can pass what
 * it was given. OK and *out; UNKNOWN_ASSET, INVALID_BASIS_POINTS, INVALID_FIXED (checked
 * before anything is written), STORAGE_ERROR.
 */
fee_result_t fee_set(db_t *db, ledger_t *ledger, ledger_id_t asset_id, fee_type_t type,
                     uint64_t fixed, int64_t basis_points, fee_t *out);

/* The asset's current fee of type (Asset.sendingFee / receivingFee): OK and *out, NOT_FOUND
 * (none was ever set: Rafiki answers null), STORAGE_ERROR. */
fee_result_t fee_current(db_t *db, ledger_id_t asset_id, fee_type_t type, fee_t *out);

/* A page request (Rafiki's Asset.fees(after, before, first, last, sortOrder)). */
typedef struct {
    bool descending; /* newest first: Rafiki's default (SortOrder.Desc) */
    bool has_cursor; /* false: from the start of the order (or its end, with before) */
    ledger_id_t cursor;
    bool before;  /* the fees preceding the cursor in the order (last/before) */
    size_t limit; /* 1..FEE_PAGE_MAX */
} fee_page_t;

/*
 * Fees of an asset, both types, in page->descending order by creation: after the cursor (or
 * from the start), or with before the `limit` ones just before it, still in that order. *n
 * receives how many of out[0..cap) were filled (at most limit). A resolver finds whether
 * more follow by asking one more than it shows. OK, INVALID_CURSOR, STORAGE_ERROR.
 */
fee_result_t fee_list(db_t *db, ledger_id_t asset_id, const fee_page_t *page, fee_t *out,
                      size_t cap, size_t *n);

/* The fees a quote in the asset charges: its current SENDING fee, else fallback's entry for
 * its code (PAYMENT_FEES). OK (also for the fallback) or STORAGE_ERROR. */
fee_result_t fee_sending_for_quote(db_t *db, const ledger_asset_t *asset,
                                   const fees_table_t *fallback, fees_t *out);

#endif
