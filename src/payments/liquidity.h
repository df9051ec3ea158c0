/*
 * Liquidity thresholds: an operator sets a threshold on an asset (its liquidity account) or a
 * peer (its ledger account); when that balance falls below it, an asset.liquidity_low or
 * peer.liquidity_low webhook event tells the wallet to add liquidity, as in Rafiki. One event
 * per fall: the threshold re-arms once the balance is back at or above it.
 *
 * The ledger and the connector have no balance hook, so a monitor thread reads the watched
 * balances (ledger_account_status, O(1) each) every interval and records the crossings: an
 * event can lag the transfer that caused it by up to one interval, and a dip shorter than an
 * interval can go unseen. Crossings are recorded with a conditional UPDATE in the event's
 * transaction, so replicas running the monitor on one database record each crossing once.
 * Schema: sql/032_liquidity_thresholds.sql.
 *
 * Event data (Rafiki's shape): {"id": owner id, "asset": {"id", "code", "scale"},
 * "liquidityThreshold": "<u64>", "balance": "<i64>"}.
 *
 * Threads: every function may be called from any thread and blocks on the database;
 * liquidity_monitor_start/stop from the owning thread.
 */
#ifndef RAFIKI_PAYMENTS_LIQUIDITY_H
#define RAFIKI_PAYMENTS_LIQUIDITY_H

#include <stdbool.h>
#include <stdint.h>

#include "ledger/ledger.h"
#include "store/db.h"

typedef enum { LIQUIDITY_ASSET = 1, LIQUIDITY_PEER = 2 } liquidity_kind_t;

/* Most thresholds one check reads; more are checked in later rounds, oldest change first. */
#define LIQUIDITY_CHECK_MAX 1000

typedef struct {
    liquidity_kind_t kind;
    ledger_id_t owner_id;   /* the asset or the peer */
    ledger_id_t account_id; /* the account whose balance is watched */
    ledger_id_t asset_id;
    char asset_code[ASSET_CODE_MAX_LEN + 1];
    uint8_t asset_scale;
    uint64_t threshold;
    bool low; /* an event was recorded and the balance has not recovered since */
} liquidity_threshold_t;

/* Sets t's threshold (replacing any and re-arming it). DB_OK or a negative db_rc_t with err. */
db_rc_t liquidity_threshold_set(db_t *db, const liquidity_threshold_t *t, db_err_t *err);
/* Removes owner's threshold; DB_OK also when there was none. */
db_rc_t liquidity_threshold_clear(db_t *db, ledger_id_t owner, db_err_t *err);
/* DB_OK and *out, DB_NOT_FOUND when owner has no threshold, or an error. */
db_rc_t liquidity_threshold_get(db_t *db, ledger_id_t owner, liquidity_threshold_t *out,
                                db_err_t *err);

/* One round: reads every watched balance, records an event for each newly low one and re-arms
 * recovered ones; *events is how many events it recorded. DB_OK, or the database's code. */
db_rc_t liquidity_check(db_t *db, ledger_t *ledger, size_t *events, db_err_t *err);

typedef struct liquidity_monitor liquidity_monitor_t;
/* Runs liquidity_check every interval_ms on a thread of its own. NULL when it cannot start. */
liquidity_monitor_t *liquidity_monitor_start(db_t *db, ledger_t *ledger, uint32_t interval_ms);
/* Stops and frees the monitor; NULL is a no-op. */
void liquidity_monitor_stop(liquidity_monitor_t *m);

#endif
