/*
 * Rafiki's auto-peering (packages/backend/src/payment-method/ilp/auto-peering): two instances
 * peer with each other from one operator call. Instance A (createOrUpdatePeerByUrl) posts its
 * peering request to B's auto-peering server:
 *
 *   {"staticIlpAddress", "ilpConnectorUrl", "asset": {"code", "scale"}, "httpToken",
 *    "maxPacketAmount" (a number, or null), "name" (A's INSTANCE_NAME, omitted when unset)}
 *
 * B creates a peer for A in the asset of that code and scale (or, when one exists with A's
 * static address and asset, updates its name, maximum packet amount and tokens), with A's
 * httpToken as the incoming token, a fresh token of its own as the outgoing one and Rafiki's
 * initial liquidity (Number.MAX_SAFE_INTEGER, created peers only), and answers
 * {"staticIlpAddress", "ilpConnectorUrl", "httpToken", "name", "tenantId"} with its own values.
 * A then creates or updates its peer for B from that answer (name: the operator's, else B's
 * name) and deposits liquidityToDeposit into it. Errors are Rafiki's AutoPeeringError values,
 * spelled by autopeer_result_str, with Rafiki's messages (autopeer_result_message); B answers
 * them as {"error": {"code": <status>, "message", "type"}} and A maps B's type onto its own
 * (InvalidPeerIlpConfiguration -> InvalidIlpConfiguration, UnknownAsset ->
 * PeerUnsupportedAsset, anything else -> InvalidPeeringRequest).
 *
 * Nothing from the remote side is trusted: both bodies are read by the bounded readers below
 * (type and length of every field; addresses and URLs are then checked by peering.h's rules),
 * the outgoing request is bounded in time and answer size.
 *
 * Threads: autopeer_accept and autopeer_initiate block on the database and the ledger, and
 * autopeer_initiate on one HTTP exchange (at most AUTOPEER_TIMEOUT_MS): worker threads that
 * may block only (admin and auto-peering listener workers). The readers are pure functions.
 */
#ifndef RAFIKI_PAYMENTS_AUTO_PEERING_H
#define RAFIKI_PAYMENTS_AUTO_PEERING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "connector/peers.h"
#include "http/client.h"
#include "ledger/ledger.h"
#include "store/db.h"

/* The whole peering exchange with the other instance (Rafiki's axios call has no bound). */
#define AUTOPEER_TIMEOUT_MS 10000
/* Either body: a few short fields; more is not a peering message. */
#define AUTOPEER_BODY_MAX (16u * 1024u)
/* Rafiki's initialLiquidity of a peer created by an accepted request: Number.MAX_SAFE_INTEGER. */
#define AUTOPEER_INITIAL_LIQUIDITY 9007199254740991ull
/* Tenant ids as Rafiki spells them (UUIDs); longer ones are not read. */
#define AUTOPEER_TENANT_MAX 64

/* Rafiki's AutoPeeringError, and ours for a failing store. */
typedef enum {
    AUTOPEER_OK = 0,
    AUTOPEER_INVALID_ILP_CONFIGURATION,      /* the other side found our address or URL bad */
    AUTOPEER_INVALID_PEER_ILP_CONFIGURATION, /* the other side's address or URL is bad */
    AUTOPEER_UNKNOWN_ASSET,                  /* no such asset here */
    AUTOPEER_PEER_UNSUPPORTED_ASSET,         /* the other side has no such asset */
    AUTOPEER_INVALID_PEER_URL,               /* the other side is not there */
    AUTOPEER_INVALID_PEERING_REQUEST,        /* anything else that went wrong */
    AUTOPEER_LIQUIDITY_ERROR,                /* the peer exists; the deposit was refused */
    AUTOPEER_STORAGE_ERROR,                  /* the database or the ledger failed */
    AUTOPEER_RESULT_COUNT
} autopeer_result_t;

/* Rafiki's type name ("InvalidPeeringRequest"; "StorageError" for ours). */
const char *autopeer_result_str(autopeer_result_t r);
/* Rafiki's errorToMessage ("Invalid peering request"). */
const char *autopeer_result_message(autopeer_result_t r);
/* The result a type name spells (one of B's error bodies), AUTOPEER_RESULT_COUNT when none. */
autopeer_result_t autopeer_result_parse(const char *type);

/* What this instance says of itself, and what it runs on. Owned by the process. */
typedef struct {
    db_t *db;
    ledger_t *ledger;
    peers_t *reg;              /* the connector's registry, or NULL (no connector here) */
    http_client_t *http;       /* for autopeer_initiate */
    const char *ilp_address;   /* ILP_ADDRESS */
    const char *connector_url; /* ILP_CONNECTOR_URL: where peers send us packets */
    const char *instance_name; /* INSTANCE_NAME, or NULL */
    const char *tenant_id;     /* OPERATOR_TENANT_ID (the answer's tenantId), or NULL */
    uint32_t timeout_ms;       /* 0: AUTOPEER_TIMEOUT_MS */
} autopeer_t;

/* A peering request as B reads it. Strings point into root (valid until autopeer_request_free). */
typedef struct {
    json_t *root;
    const char *static_ilp_address; /* as given; checked when the peer is written */
    const char *connector_url;      /* likewise */
    const char *asset_code;
    uint8_t asset_scale;
    const char *http_token;
    bool has_max_packet_amount; /* a positive amount (0 and null are none, as Rafiki's test) */
    uint64_t max_packet_amount;
    const char *name; /* NULL: absent or null */
} autopeer_request_t;

/* B's answer as A reads it (status 2xx). Strings point into root. */
typedef struct {
    json_t *root;
    const char *static_ilp_address;
    const char *connector_url;
    const char *http_token;
    const char *name; /* NULL: absent or null */
} autopeer_details_t;

/* Reads a peering request body: a JSON object with a string httpToken, an object asset of a string
 * code and an integer scale 0..255, optional name (string or null) and maxPacketAmount (a
 * non-negative integer, a string of digits, or null); staticIlpAddress and ilpConnectorUrl are read
 * as autopeer_details_read reads them. Bounded: body at most AUTOPEER_BODY_MAX bytes, JSON nesting
 * JSON_DEPTH_MAX, addresses, URLs, tokens, names and codes at their peer bounds (longer ones are
 * refused here, not truncated); the token has at least PEER_TOKEN_MIN bytes. AUTOPEER_OK with *out
 * (release with autopeer_request_free), or AUTOPEER_INVALID_PEERING_REQUEST with *out empty. */
autopeer_result_t autopeer_request_read(const uint8_t *body, size_t len, autopeer_request_t *out);
void autopeer_request_free(autopeer_request_t *r);

/* Reads B's answer: an object with a string httpToken (PEER_TOKEN_MIN..PEER_TOKEN_MAX), an optional
 * string name and staticIlpAddress and ilpConnectorUrl (other members ignored). An address or URL
 * that is missing, not a string or over its bound is read as NULL, which the peer rules then refuse
 * (AUTOPEER_INVALID_PEER_ILP_CONFIGURATION, as Rafiki's peer service says of it). AUTOPEER_OK
 * with *out (release with autopeer_details_free), or AUTOPEER_INVALID_PEERING_REQUEST when the
 * body is not such an object or the token or the name is wrong or too long. */
autopeer_result_t autopeer_details_read(const uint8_t *body, size_t len, autopeer_details_t *out);
void autopeer_details_free(autopeer_details_t *d);

/* B's error answer (status not 2xx) as A maps it: AUTOPEER_INVALID_ILP_CONFIGURATION for
 * type InvalidPeerIlpConfiguration, AUTOPEER_PEER_UNSUPPORTED_ASSET for UnknownAsset,
 * AUTOPEER_INVALID_PEERING_REQUEST for anything else (no body, no JSON, another type). */
autopeer_result_t autopeer_error_read(const uint8_t *body, size_t len);

/* B's side (Rafiki's acceptPeeringRequest): creates or updates the peer for the requester and
 * fills *out with this instance's details (a new JSON object, the caller's reference).
 * AUTOPEER_UNKNOWN_ASSET (no live asset of that code and scale),
 * AUTOPEER_INVALID_PEER_ILP_CONFIGURATION (the requester's address or URL is bad),
 * AUTOPEER_INVALID_PEERING_REQUEST (another peer rule refused it: a token in use, a bound),
 * AUTOPEER_STORAGE_ERROR. */
autopeer_result_t autopeer_accept(const autopeer_t *ap, const autopeer_request_t *req,
                                  json_t **out);

/* A's side (Rafiki's initiatePeeringRequest), the operator's input. */
typedef struct {
    const char *peer_url;
    ledger_id_t asset_id;
    const char *name; /* NULL: B's name */
    bool has_max_packet_amount;
    uint64_t max_packet_amount;
    uint64_t liquidity_to_deposit; /* 0: none */
    bool has_liquidity_threshold;
    uint64_t liquidity_threshold;
} autopeer_initiate_t;

/* Sends the request to in->peer_url, creates or updates the peer for B and deposits
 * in->liquidity_to_deposit into it; *out (one reference) is that peer when AUTOPEER_OK, else
 * NULL. AUTOPEER_LIQUIDITY_ERROR: the deposit was refused (the peer stays, as in Rafiki).
 * AUTOPEER_UNKNOWN_ASSET before anything is sent; AUTOPEER_INVALID_PEER_URL when B does not resolve
 * or refuses the connection; B's error mapped (autopeer_error_read);
 * AUTOPEER_INVALID_PEERING_REQUEST for a malformed URL, a timeout, a broken or oversized answer;
 * then the peer rules' results as autopeer_accept's. */
autopeer_result_t autopeer_initiate(const autopeer_t *ap, const autopeer_initiate_t *in,
                                    peer_t **out);

#endif
