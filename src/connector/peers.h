/*
 * Peers: the other connectors we exchange ILP packets with, their storage (sql/010_peers.sql)
 * and the in-memory registry the packet path reads.
 *
 * A peer has an ILP address, an asset, a ledger account (kind peer; the credit line is the
 * account's min_balance), the endpoint and bearer token we send with, the tokens it may send us
 * (stored as SHA-256 hashes only), a max packet amount, per-second limits and static routes.
 *
 * The registry holds immutable, reference-counted peer_t objects: a packet takes a reference
 * (peers_auth, peers_get) and drops it with peer_release when done, so an update or delete by the
 * admin API never frees a peer under a packet in flight. Updates replace the object and the
 * peer's routes in the routing table. Authentication hashes the presented token and looks the
 * hash up in a sorted table; a token not there may belong to a peer another replica created:
 * peers_auth_load looks it up in the database and caches it.
 *
 * Replicas: the database is the source of truth. peers_sync (run periodically by the connector,
 * CONNECTOR_PEERS_RELOAD_MS) brings the registry in line with it, so updates and deletes made
 * through another replica's admin API reach this one: it first reads a cheap version of the
 * table (row count and the sum of updated_at, which every update strictly increases) and
 * reloads only when that changed, or on every `force`.
 *
 * Threads: the registry (peers_*) may be used from any thread at once: lookups take a shared
 * lock, changes an exclusive one, and peer_t objects are immutable once put. peers_auth and
 * peers_get never block on anything but that lock. peers_auth_load, the peers_db_* calls and
 * peers_load / peers_sync read or write the database: the connector's loader thread, admin
 * workers, start-up and the reload thread only, never an HTTP handler.
 */
#ifndef RAFIKI_CONNECTOR_PEERS_H
#define RAFIKI_CONNECTOR_PEERS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/digest.h"
#include "base/limits.h"
#include "connector/routes.h"
#include "ledger/ledger.h"
#include "store/db.h"

/* Bounds on what the admin API may store per peer. */
#define PEER_NAME_MAX            255
#define PEER_ENDPOINT_MAX        2048
#define PEER_TOKEN_MAX           1024
#define PEER_TOKEN_MIN           16 /* short tokens are guessable */
#define PEER_ROUTES_MAX          64
#define PEER_INCOMING_TOKENS_MAX 16
#define PEERS_MAX                100000

typedef struct {
    atomic_int refs;
    ledger_id_t id;
    ledger_id_t asset_id;
    ledger_id_t account_id;
    char asset_code[ASSET_CODE_MAX_LEN + 1];
    uint8_t asset_scale;
    char name[PEER_NAME_MAX + 1];
    char ilp_address[ILP_ADDRESS_MAX_LEN + 1];
    uint64_t max_packet_amount; /* 0 = no limit */
    uint64_t packets_per_s;     /* 0 = connector default */
    uint64_t amount_per_s;      /* 0 = connector default */
    char *outgoing_endpoint;    /* NULL: none */
    char *outgoing_token;       /* NULL: none; never logged */
    size_t nroutes;
    char **routes;
    int64_t created_ms;
    int64_t updated_ms;
} peer_t;

typedef enum {
    PEERS_OK = 0,
    PEERS_NOT_FOUND = -1,
    PEERS_INVALID = -2,     /* a field failed validation (message in err) */
    PEERS_TOKEN_TAKEN = -3, /* an incoming token is already used by a peer */
    PEERS_STORAGE = -4,
    PEERS_NOMEM = -5,
} peers_result_t;

const char *peers_result_str(peers_result_t r);

/* What went wrong, for the admin API's answer or an operator's log (the result says what kind). */
typedef struct {
    char msg[160];
} peers_err_t;

/* A new, zeroed peer object with one reference; never NULL (out of memory aborts). */
peer_t *peer_new(void);
/* Deep copy with one reference (for building an update). */
peer_t *peer_clone(const peer_t *p);
/* Set the optional strings and routes (copied; NULL clears a string). */
void peer_set_outgoing(peer_t *p, const char *endpoint, const char *token);
void peer_set_routes(peer_t *p, const char *const *routes, size_t n);
void peer_retain(peer_t *p);
/* Drops a reference; frees at zero. NULL is a no-op. */
void peer_release(peer_t *p);
/* Checks the fields: address, routes, endpoint scheme, sizes. PEERS_OK, or PEERS_INVALID with
 * the field and the rule in err (may be NULL). */
peers_result_t peer_validate(const peer_t *p, peers_err_t *err);

/* SHA-256 of a bearer token: what is stored and compared. */
void peer_token_hash(uint8_t out[SHA256_LEN], const char *token, size_t len);

/* ---- storage ---- */

/* Inserts the peer and the hashes of its incoming tokens in one transaction. PEERS_OK,
 * PEERS_TOKEN_TAKEN, PEERS_STORAGE, or PEERS_NOMEM (the routes could not be encoded), with the
 * detail in err (may be NULL). */
peers_result_t peers_db_insert(db_t *db, const peer_t *p, const char *const *tokens, size_t ntokens,
                               peers_err_t *err);
/* Updates the mutable fields; when tokens is not NULL, replaces the incoming tokens. As insert,
 * and PEERS_NOT_FOUND. */
peers_result_t peers_db_update(db_t *db, const peer_t *p, const char *const *tokens, size_t ntokens,
                               peers_err_t *err);
peers_result_t peers_db_delete(db_t *db, ledger_id_t id);
/* Reads one peer (asset code and scale from the assets table). *out has one reference. */
peers_result_t peers_db_get(db_t *db, ledger_id_t id, peer_t **out);
/* The peer id whose incoming token hash matches. */
peers_result_t peers_db_find_token(db_t *db, const uint8_t hash[SHA256_LEN], ledger_id_t *out);
/* Pages through peers by id after `after` (zero = start). out[i] each have one reference. */
peers_result_t peers_db_list(db_t *db, ledger_id_t after, peer_t **out, size_t cap, size_t *n);

/* Rafiki's peer questions (the Admin GraphQL API). Whether any peer has asset as its asset
 * (an asset in use may not be deleted). */
peers_result_t peers_db_asset_in_use(db_t *db, ledger_id_t asset, bool *used);
/* The peer with this static ILP address and asset other than *except (may be NULL): Rafiki's
 * "duplicate peer found for same ILP address and asset". PEERS_OK with *out, PEERS_NOT_FOUND. */
peers_result_t peers_db_find_address(db_t *db, const char *address, ledger_id_t asset,
                                     const ledger_id_t *except, ledger_id_t *out);
/* Rafiki's next hop by static route: the peer of asset whose static ILP address or one of
 * whose routes is the longest prefix of address, by dot-separated segments (the oldest peer
 * among equals, where Rafiki picks at random). *out has one reference. PEERS_OK,
 * PEERS_NOT_FOUND. Reads every peer of the asset. */
peers_result_t peers_db_next_hop(db_t *db, const char *address, ledger_id_t asset, peer_t **out);
/* One page of peers in creation order (created_at, then id): ascending or descending, after
 * *cursor (forward) or before it (backward; rows still returned in the page's order); cursor
 * NULL: from the start; a cursor no peer has: an empty page. out[i] each have one reference. */
peers_result_t peers_db_page(db_t *db, bool asc, bool backward, const ledger_id_t *cursor,
                             peer_t **out, size_t cap, size_t *n);

/* ---- registry ---- */

typedef struct peers peers_t;

/* rt (may be NULL) receives every peer's routes: its own routes, or its ILP address when it has
 * none (Rafiki's fallback). db (may be NULL) backs auth misses and peers_load. Never NULL. */
peers_t *peers_new(db_t *db, routes_t *rt);
void peers_free(peers_t *reg);
/* Loads every stored peer. PEERS_OK or PEERS_STORAGE. */
peers_result_t peers_load(peers_t *reg);
/* Adds or replaces a peer (takes a reference of its own). hashes replaces its incoming token
 * hashes; NULL keeps the ones known. */
peers_result_t peers_put(peers_t *reg, peer_t *p, const uint8_t (*hashes)[SHA256_LEN],
                         size_t nhashes);
/*
 * Makes the registry equal to the stored peers: adds and replaces changed ones (by updated_ms),
 * removes the ones no longer stored, and replaces the token table. Skips the reload when the
 * table's version is the one last synced, unless force. *changed (may be NULL) says whether
 * the registry was reloaded. PEERS_OK (also without a db) or PEERS_STORAGE; on failure the
 * registry is left as it was.
 */
peers_result_t peers_sync(peers_t *reg, bool force, bool *changed);
/* Removes a peer, its tokens and routes. */
void peers_remove(peers_t *reg, ledger_id_t id);
/* The peer for a bearer token (a new reference), or NULL when no peer in memory has it. */
peer_t *peers_auth(peers_t *reg, const char *token, size_t len);
/* For a token peers_auth did not know: the peer whose stored tokens include it (another
 * replica created it), now cached (a new reference), or NULL (unknown, no database, or the
 * database failed). Blocks on the database. */
peer_t *peers_auth_load(peers_t *reg, const char *token, size_t len);
/* The peer by id (a new reference), or NULL. */
peer_t *peers_get(peers_t *reg, ledger_id_t id);
size_t peers_count(peers_t *reg);

#endif
