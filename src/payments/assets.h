/*
 * Assets as Rafiki's asset service keeps them, over the ledger's assets (code, scale, liquidity
 * and settlement accounts): a withdrawal threshold and a liquidity threshold (the latter in
 * liquidity.h, watching the liquidity account), a soft delete refused while a peer or a wallet
 * address uses the asset, and lists in creation order. Schema: sql/059_asset_settings.sql.
 *
 * As in Rafiki: a deleted asset is not found by id and not listed, but is found by code and
 * scale; creating an asset whose code and scale a deleted one has brings that one back (its
 * thresholds as they were) instead of making a new one; the same code and scale as a live asset
 * is a duplicate. All of this within one namespace: the operator's, or one tenant's (the
 * *_in functions), so tenants may each have their own USD with scale 2, as in Rafiki 2.0. Asset
 * codes are what the ledger accepts (letters and digits, at most ASSET_CODE_MAX_LEN): Rafiki takes
 * any string.
 *
 * Threads: every call blocks on the database and the ledger; worker threads only.
 */
#ifndef RAFIKI_PAYMENTS_ASSETS_H
#define RAFIKI_PAYMENTS_ASSETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger/ledger.h"
#include "payments/keyset.h"
#include "store/db.h"

/* Most assets one list reads (they are paged in memory). */
#define PAY_ASSETS_MAX 4096

typedef enum {
    PAY_ASSET_OK = 0,
    PAY_ASSET_NOT_FOUND,     /* no live asset with this id */
    PAY_ASSET_DUPLICATE,     /* a live asset has this code and scale */
    PAY_ASSET_CODE_INVALID,  /* the ledger refuses the code */
    PAY_ASSET_IN_USE,        /* delete: a peer or a wallet address uses it */
    PAY_ASSET_STORAGE_ERROR, /* the database or the ledger failed */
    PAY_ASSET_RESULT_COUNT
} pay_asset_result_t;

const char *pay_asset_result_str(pay_asset_result_t r);

typedef struct {
    ledger_asset_t ledger; /* id, code, scale, accounts, created_ms */
    bool has_withdrawal_threshold;
    uint64_t withdrawal_threshold;
    bool has_liquidity_threshold;
    uint64_t liquidity_threshold;
    int64_t deleted_ms; /* 0: live */
} pay_asset_t;

/* Creates the asset (or brings back a deleted one with this code and scale); thresholds may be
 * NULL (none). Fills *out. */
pay_asset_result_t pay_asset_create(db_t *db, ledger_t *l, const char *code, uint8_t scale,
                                    const uint64_t *withdrawal_threshold,
                                    const uint64_t *liquidity_threshold, pay_asset_t *out);
/* The same in a tenant's namespace: scope is the tenant's id ("" for the operator's, as above),
 * so tenants may each have an asset of one code and scale (ledger_asset_t.scope). */
pay_asset_result_t pay_asset_create_in(db_t *db, ledger_t *l, const char *scope, const char *code,
                                       uint8_t scale, const uint64_t *withdrawal_threshold,
                                       const uint64_t *liquidity_threshold, pay_asset_t *out);
/* A live asset by id. */
pay_asset_result_t pay_asset_get(db_t *db, ledger_t *l, ledger_id_t id, pay_asset_t *out);
/* An asset by code and scale, deleted ones included (as Rafiki's getByCodeAndScale). */
pay_asset_result_t pay_asset_by_code(db_t *db, ledger_t *l, const char *code, uint8_t scale,
                                     pay_asset_t *out);
/* The same in a tenant's namespace (scope "": the operator's, as pay_asset_by_code). */
pay_asset_result_t pay_asset_by_code_in(db_t *db, ledger_t *l, const char *scope, const char *code,
                                        uint8_t scale, pay_asset_t *out);
/* Sets both thresholds of an asset, a deleted one too (Rafiki's updateAsset patches by id
 * alone); NULL removes one. */
pay_asset_result_t pay_asset_update(db_t *db, ledger_t *l, ledger_id_t id,
                                    const uint64_t *withdrawal_threshold,
                                    const uint64_t *liquidity_threshold, pay_asset_t *out);
/* Soft-deletes a live asset at now_ms unless a peer or a wallet address uses it; *out is the
 * asset as deleted. */
pay_asset_result_t pay_asset_delete(db_t *db, ledger_t *l, ledger_id_t id, int64_t now_ms,
                                    pay_asset_t *out);
/* One page of the live assets in creation order (keyset.h): up to k->limit into out, *n. */
pay_asset_result_t pay_assets_page(db_t *db, ledger_t *l, const pay_keyset_t *k, pay_asset_t *out,
                                   size_t *n);

/* Rafiki's asset "ledger" number: the asset's place (from 1) in creation order among every
 * asset ever created, deleted ones included; 0 when id names no asset. */
pay_asset_result_t pay_asset_ledger_number(ledger_t *l, ledger_id_t id, uint32_t *out);

#endif
