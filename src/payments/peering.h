/*
 * Peers as Rafiki's peer service keeps them (createPeer, updatePeer, deletePeer, peer liquidity),
 * over the connector's peers (connector/peers.h: the row, its incoming tokens and the running
 * registry) with a ledger account of kind peer and a liquidity threshold (liquidity.h).
 *
 * Rafiki's rules: the static ILP address must be a valid ILP address and the outgoing endpoint
 * an http(s) URL (checked first, in that order); the asset must be a live asset; one peer per
 * static address and asset; the routes stored are the static address followed by the routes
 * given (an update that gives routes rebuilds them from the address it leaves); incoming tokens
 * are replaced only when an update gives them; initial liquidity is deposited from the asset's
 * settlement account, and a refusal undoes the creation. Update: a field absent is unchanged,
 * a field given as null (name, maxPacketAmount, liquidityThreshold) is removed.
 *
 * Threads: every call blocks on the database and the ledger; worker threads only. reg may be
 * NULL (no connector in this process: other replicas' reloads pick the change up).
 */
#ifndef RAFIKI_PAYMENTS_PEERING_H
#define RAFIKI_PAYMENTS_PEERING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "connector/peers.h"
#include "ledger/ledger.h"
#include "store/db.h"

typedef enum {
    PAY_PEER_OK = 0,
    PAY_PEER_DUPLICATE_TOKEN,   /* an incoming token is another peer's */
    PAY_PEER_DUPLICATE,         /* a peer has this static address and asset */
    PAY_PEER_INVALID_ADDRESS,   /* not an ILP address */
    PAY_PEER_INVALID_ENDPOINT,  /* not an http(s) URL */
    PAY_PEER_UNKNOWN_ASSET,     /* no live asset */
    PAY_PEER_UNKNOWN,           /* no such peer */
    PAY_PEER_INVALID_LIQUIDITY, /* the initial deposit was refused */
    PAY_PEER_INVALID,           /* another field breaks a bound (err says which) */
    PAY_PEER_STORAGE_ERROR,
    PAY_PEER_RESULT_COUNT
} pay_peer_result_t;

const char *pay_peer_result_str(pay_peer_result_t r);

/* A create or an update; pointers are borrowed for the call. */
typedef struct {
    ledger_id_t asset_id;           /* create only */
    const char *static_ilp_address; /* NULL: unchanged (update) */
    bool has_name;                  /* name given; NULL name: removed */
    const char *name;
    bool has_max_packet_amount; /* given; clear_max_packet_amount: given as null */
    bool clear_max_packet_amount;
    uint64_t max_packet_amount;
    bool has_http; /* http.outgoing given (create: required) */
    const char *endpoint;
    const char *auth_token;
    bool has_incoming; /* http.incoming.authTokens given: they replace the peer's */
    const char *const *incoming;
    size_t n_incoming;
    bool has_routes;
    const char *const *routes;
    size_t n_routes;
    bool has_liquidity_threshold; /* given; clear_liquidity_threshold: given as null */
    bool clear_liquidity_threshold;
    uint64_t liquidity_threshold;
    uint64_t initial_liquidity; /* create only; 0: none */
} pay_peer_input_t;

/* *out (one reference) is the peer as stored. */
pay_peer_result_t pay_peer_create(db_t *db, ledger_t *l, peers_t *reg, const pay_peer_input_t *in,
                                  peer_t **out, peers_err_t *err);
pay_peer_result_t pay_peer_update(db_t *db, ledger_t *l, peers_t *reg, ledger_id_t id,
                                  const pay_peer_input_t *in, peer_t **out, peers_err_t *err);
/* Removes the peer, its tokens, routes and liquidity threshold (its ledger account stays, with
 * its history). */
pay_peer_result_t pay_peer_delete(db_t *db, peers_t *reg, ledger_id_t id);
/* The peer's liquidity threshold: PAY_PEER_OK with *has set, or PAY_PEER_STORAGE_ERROR. */
pay_peer_result_t pay_peer_threshold(db_t *db, ledger_id_t id, bool *has, uint64_t *threshold);

#endif
