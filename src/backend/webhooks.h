/*
 * Webhook events: how the wallet (the account servicing entity) is told about every change.
 *
 * Recording: a module that changes state (an incoming payment completes, an outgoing payment
 * fails...) calls webhook_event_add on the connection of its open write transaction, so the event
 * row commits or rolls back with the change it reports: no event without its change, no change
 * without its event. Schema: sql/030_webhooks.sql.
 *
 * Delivery (webhooks_start): a worker thread POSTs each event to WEBHOOK_URL as
 *     {"id": "<event uuid>", "type": "<type>", "data": {...}}
 * with the header
 *     Rafiki-Signature: t=<unix seconds>, v1=<hex HMAC-SHA256(SIGNATURE_SECRET, "<t>.<body>")>
 * where <body> is exactly the bytes sent. Any 2xx answer delivers the event; anything else
 * (other status, timeout, refused connection) is retried with exponential back-off until
 * WEBHOOK_MAX_RETRY attempts have been made, then the event is marked failed. Delivery is at
 * least once: a process killed between the POST and recording its answer sends it again, so
 * receivers deduplicate by id.
 *
 * Order: per resource_id, events are delivered in order of creation. An event waits while an
 * earlier pending event of the same resource exists; an earlier event that failed for good does
 * not hold later ones back (the wallet sees the failure in GET /webhook-events).
 *
 * Sharing the work: a claim is a short transaction that takes due rows (Postgres:
 * FOR UPDATE SKIP LOCKED, so replicas on one database take disjoint rows; SQLite: the single
 * writer) and leases them by moving process_at past the attempt's timeout. A replica that dies
 * mid-attempt leaves the lease to expire and the event is taken again.
 *
 * Threads: webhook_event_add and webhook_events_list may be called from any thread on the
 * caller's connection or pool and block on the database; webhooks_start/webhooks_stop from the
 * owning thread only.
 */
#ifndef RAFIKI_BACKEND_WEBHOOKS_H
#define RAFIKI_BACKEND_WEBHOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "store/db.h"

/* Rafiki's event types (rafiki-reference.md §7.1). webhook_event_add refuses any other. */
#define WEBHOOK_INCOMING_PAYMENT_CREATED        "incoming_payment.created"
#define WEBHOOK_INCOMING_PAYMENT_COMPLETED      "incoming_payment.completed"
#define WEBHOOK_INCOMING_PAYMENT_EXPIRED        "incoming_payment.expired"
#define WEBHOOK_OUTGOING_PAYMENT_CREATED        "outgoing_payment.created"
#define WEBHOOK_OUTGOING_PAYMENT_COMPLETED      "outgoing_payment.completed"
#define WEBHOOK_OUTGOING_PAYMENT_FAILED         "outgoing_payment.failed"
#define WEBHOOK_WALLET_ADDRESS_NOT_FOUND        "wallet_address.not_found"
#define WEBHOOK_WALLET_ADDRESS_WEB_MONETIZATION "wallet_address.web_monetization"
#define WEBHOOK_ASSET_LIQUIDITY_LOW             "asset.liquidity_low"
#define WEBHOOK_PEER_LIQUIDITY_LOW              "peer.liquidity_low"

/* Longest event type name (the longest above is 31 characters). */
#define WEBHOOK_TYPE_MAX 48
/* Longest resource id: a UUID, or for wallet_address.not_found the URL that was asked for
 * (an Open Payments URL fits well inside this). */
#define WEBHOOK_RESOURCE_ID_MAX 1024
/* Largest serialised "data" object. Events carry one resource's JSON (a payment is < 2 KiB); the
 * cap keeps one event from costing the receiver or the table more than a page of text. */
#define WEBHOOK_DATA_MAX (64 * 1024)

typedef enum {
    WEBHOOK_STATE_PENDING = 0,   /* waiting for its first attempt, a retry or an earlier event */
    WEBHOOK_STATE_DELIVERED = 1, /* a 2xx answer was received */
    WEBHOOK_STATE_FAILED = 2,    /* WEBHOOK_MAX_RETRY attempts, none answered 2xx */
} webhook_state_t;

/* "pending", "delivered", "failed"; "unknown" for any other value. */
const char *webhook_state_str(webhook_state_t s);
/* True when type is one of the WEBHOOK_* names above. */
bool webhook_type_known(const char *type);

/*
 * Records an event in conn's open transaction (a programmer error without one): type is one of
 * the WEBHOOK_* names, resource_id the id of the resource the event reports (events of one
 * resource are delivered in the order they were added), data a JSON object (serialised with
 * sorted keys). The event is due at once. Returns 0, or a negative db_rc_t with err filled:
 * DB_INVALID for an unknown type, an empty or too long resource_id, or data that is not an
 * object or serialises to more than WEBHOOK_DATA_MAX bytes; the database's own code otherwise
 * (DB_RETRY: roll the caller's transaction back and run it again).
 */
int webhook_event_add(db_conn_t *conn, const char *type, const char *resource_id,
                      const json_t *data, db_err_t *err);
/* Same, also returning the new event's id (UUID text) in id_out. */
int webhook_event_add_id(db_conn_t *conn, const char *type, const char *resource_id,
                         const json_t *data, char id_out[37], db_err_t *err);

#endif
