/*
 * Webhook events: how the wallet (the account servicing entity) is told about every change.
 *
 * Recording: a module that changes state (an incoming payment completes, an outgoing payment
 * fails...) calls webhook_event_add on the connection of its open write transaction, so the event
 * row commits or rolls back with the change it reports: no event without its change, no change
 * without its event. Schema: sql/030_webhooks.sql.
 *
 * Recipients (Rafiki 2.0's tenants): an event is delivered to the tenant owning its resource
 * (tenants.h: a payment by its wallet address), at that tenant's WEBHOOK_URL setting with its
 * WEBHOOK_TIMEOUT and WEBHOOK_MAX_RETRY, each setting it lacks taken from the instance's (the
 * operator's events, and a tenant's without the setting, use the instance's WEBHOOK_URL), as
 * Rafiki's `settings.webhookUrl ?? config.webhookUrl`. With SEND_TENANT_WEBHOOKS_TO_OPERATOR a
 * tenant's event also has an operator's copy (webhook_copy_to_operator), a delivery with its
 * own attempts, back-off and order. The settings are read per claimed batch
 * (webhooks_settings.h). A delivery whose recipient has no URL at all is not attempted: it
 * waits, looked at again every 30 s, and the worker only polls while nobody has a URL.
 *
 * Delivery (webhooks_start): a worker thread POSTs each event to its recipient's URL as
 *     {"data":{...},"id":"<event uuid>","type":"<type>"}
 * with the header
 *     Rafiki-Signature: t=<unix milliseconds>, v1=<hex HMAC-SHA256(SIGNATURE_SECRET, "<t>.<body>")>
 * where <body> is exactly the bytes sent. The body is canonical JSON (RFC 8785 style: keys
 * sorted at every level, no whitespace; data holds strings, integers and objects only), because
 * Rafiki's receivers verify the HMAC over canonicalize(parsed body): verifying over the raw
 * bytes and over the re-canonicalised body give the same answer.
 *
 * As in Rafiki (webhook/service.ts), only a 200 answer delivers the event (a 204 does not);
 * anything else (other status, timeout, refused connection) is retried after
 * min(attempts, 6) * 10 s until WEBHOOK_MAX_RETRY attempts have been made, then the event is
 * marked failed. Delivery is at
 * least once: a process killed between the POST and recording its answer sends it again, so
 * receivers deduplicate by id.
 *
 * Order: per resource_id, events are delivered in order of creation. An event waits while an
 * earlier pending event of the same resource exists; an earlier event that failed for good does
 * not hold later ones back (the wallet sees the failure in GET /webhook-events). Waiting events
 * are marked blocked when added and unblocked when their predecessor finishes, so a claim reads
 * only the events that can go now however long the backlog (sql/033_webhook_order.sql).
 * Operator's copies keep the same order among themselves. The state GET /webhook-events shows is
 * that of the event's own delivery (to its owner), not of its copies.
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
#ifndef RAFIKI_PAYMENTS_WEBHOOKS_H
#define RAFIKI_PAYMENTS_WEBHOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "payments/keyset.h"
#include "store/db.h"

/* Rafiki's event types (rafiki-reference.md §7.1) and our attempt_failed. webhook_event_add
 * refuses any other. */
#define WEBHOOK_INCOMING_PAYMENT_CREATED   "incoming_payment.created"
#define WEBHOOK_INCOMING_PAYMENT_COMPLETED "incoming_payment.completed"
#define WEBHOOK_INCOMING_PAYMENT_EXPIRED   "incoming_payment.expired"
#define WEBHOOK_INCOMING_PAYMENT_PARTIAL   "incoming_payment.partial_payment_received"
#define WEBHOOK_OUTGOING_PAYMENT_CREATED   "outgoing_payment.created"
#define WEBHOOK_OUTGOING_PAYMENT_COMPLETED "outgoing_payment.completed"
#define WEBHOOK_OUTGOING_PAYMENT_FAILED    "outgoing_payment.failed"
#define WEBHOOK_OUTGOING_PAYMENT_FUNDED    "outgoing_payment.funded"
#define WEBHOOK_OUTGOING_PAYMENT_CANCELLED "outgoing_payment.cancelled"
/* Ours, not Rafiki's (interledger/rafiki#3689): an attempt to send a payment over ILP failed. */
#define WEBHOOK_OUTGOING_PAYMENT_ATTEMPT_FAILED "outgoing_payment.attempt_failed"
#define WEBHOOK_WALLET_ADDRESS_NOT_FOUND        "wallet_address.not_found"
#define WEBHOOK_WALLET_ADDRESS_WEB_MONETIZATION "wallet_address.web_monetization"
#define WEBHOOK_ASSET_LIQUIDITY_LOW             "asset.liquidity_low"
#define WEBHOOK_PEER_LIQUIDITY_LOW              "peer.liquidity_low"

/* Longest event type name (the longest above is 41 characters). */
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
/* True when type is known and not disabled by webhook_types_disable. */
bool webhook_type_enabled(const char *type);
/* WEBHOOK_EVENTS_DISABLED: the types webhook_event_add does not record at all (it answers DB_OK
 * and records nothing), e.g. the four a Rafiki wallet backend written for Rafiki's defaults
 * does not expect (Rafiki sends funded/cancelled for card payments only, partial payments only
 * with ENABLE_PARTIAL_PAYMENT_DECISION, attempt_failed never). csv: comma-separated WEBHOOK_* names
 * (spaces around a name ignored), NULL or "" for none; replaces the previous set. Process-wide:
 * call before any thread records events. Returns 0, or -1 with the first unknown name in bad (cap
 * bytes) and the set unchanged. */
int webhook_types_disable(const char *csv, char *bad, size_t cap);

/* SEND_TENANT_WEBHOOKS_TO_OPERATOR (Rafiki's finalizeWebhookRecipients): when on, an event of a
 * resource owned by a tenant other than the operator is also delivered to the operator, as a
 * copy recorded with the event (sql/071_webhook_copies.sql) and retried on its own. Process-wide:
 * call before any thread records events. */
void webhook_copy_to_operator(bool on);

/*
 * Records an event in conn's open transaction (a programmer error without one): type is one of
 * the WEBHOOK_* names, resource_id the id of the resource the event reports (events of one
 * resource are delivered in the order they were added), data a JSON object (serialised with
 * sorted keys). The event is due at once. Returns 0, or a negative db_rc_t with err filled:
 * DB_INVALID for an unknown type, an empty or too long resource_id, or data that is not an
 * object or serialises to more than WEBHOOK_DATA_MAX bytes; the database's own code otherwise
 * (DB_RETRY: roll the caller's transaction back and run it again).
 */
db_rc_t webhook_event_add(db_conn_t *conn, const char *type, const char *resource_id,
                          const json_t *data, db_err_t *err);
/* Same, also returning the new event's id (UUID text) in id_out. */
db_rc_t webhook_event_add_id(db_conn_t *conn, const char *type, const char *resource_id,
                             const json_t *data, char id_out[37], db_err_t *err);
/* data serialised as webhook_event_add stores it (malloc'd; NULL when data is not an object or
 * memory ran out), so that the work is done before the transaction, outside the writer. */
char *webhook_event_data(const json_t *data);
/* webhook_event_add_id with data already serialised by webhook_event_data (id_out may be NULL;
 * data NULL, webhook_event_data out of memory, answers DB_NOMEM). */
db_rc_t webhook_event_add_text(db_conn_t *conn, const char *type, const char *resource_id,
                               const char *data, char id_out[37], db_err_t *err);

/* ---- reading events (GET /webhook-events) ---- */

/* One stored event, as handed to a webhook_events_list callback: the strings point into the
 * database row and are valid only during the call. */
typedef struct {
    int64_t seq;
    const char *id;
    const char *type;
    const char *resource_id;
    const char *data;       /* the JSON object text */
    const char *last_error; /* NULL when the last attempt succeeded or none was made */
    webhook_state_t state;
    unsigned attempts;
    unsigned last_status; /* HTTP status of the last attempt; 0 = no answer */
    int64_t created_ms, updated_ms;
    int64_t process_at_ms; /* pending: the earliest time of the next attempt */
} webhook_event_t;

typedef struct {
    const char *type;        /* NULL or "": any type */
    const char *resource_id; /* NULL or "": any resource */
    int state;               /* a webhook_state_t, or -1 for any */
    const char *after_id;    /* cursor: events created after this one; NULL or "": from the start */
    size_t limit;            /* at most this many rows */
} webhook_filter_t;

typedef void (*webhook_event_fn)(const webhook_event_t *e, void *user);

/* Calls fn for each event matching f, oldest first. Returns DB_OK; DB_NOT_FOUND when after_id
 * names no event; another negative db_rc_t with err on a database failure (fn may have been
 * called for some rows already). */
db_rc_t webhook_events_list(db_t *db, const webhook_filter_t *f, webhook_event_fn fn, void *user,
                            db_err_t *err);

/* Which event types webhook_events_page returns: in (when not NULL: only these; none given:
 * nothing) and not_in (none of these). At most WEBHOOK_TYPE_FILTER_MAX each. */
#define WEBHOOK_TYPE_FILTER_MAX 64
typedef struct {
    const char *const *in;
    size_t n_in;
    const char *const *not_in;
    size_t n_not_in;
} webhook_types_t;

/* One page of events in creation order for Rafiki's webhookEvents (keyset.h: ascending or
 * descending, after or before a cursor event; a cursor no event has: an empty page). fn is
 * called for each, nearest the cursor first: a backward page arrives in reverse and the caller
 * turns it round. Only seq, id, type, data and created_ms are filled. DB_OK or the error. */
db_rc_t webhook_events_page(db_t *db, const webhook_types_t *types, const pay_keyset_t *k,
                            webhook_event_fn fn, void *user, db_err_t *err);

/* The id (and type, when type_out is not NULL) of the newest event about resource_id whose type
 * is one of types (1 or 2 of them): what Rafiki's liquidity calls look up
 * (webhookService.getLatestByResourceId). DB_OK, DB_NOT_FOUND, or the database's code. */
db_rc_t webhook_event_latest(db_t *db, const char *resource_id, const char *const *types,
                             size_t ntypes, char id_out[37], char *type_out, size_t type_cap,
                             db_err_t *err);
/* The type and resource id of event id (cut to the caps). DB_OK, DB_NOT_FOUND, or the
 * database's code. */
db_rc_t webhook_event_get(db_t *db, const char *id, char *type_out, size_t type_cap,
                          char *resource_out, size_t resource_cap, db_err_t *err);

/* The data (JSON object text) of event id into out (cap bytes with the NUL; a longer one is
 * DB_INVALID). DB_OK, DB_NOT_FOUND, DB_INVALID, or the database's code. */
db_rc_t webhook_event_data_read(db_t *db, const char *id, char *out, size_t cap, db_err_t *err);

/* ---- delivery ---- */

/* Defaults, as in Rafiki (timeout 2 s, 10 attempts, retries 10 s * attempts apart, at most
 * 60 s). */
#define WEBHOOK_TIMEOUT_MS_DEFAULT 2000
#define WEBHOOK_MAX_RETRY_DEFAULT  10
#define WEBHOOK_BACKOFF_MS_DEFAULT 10000
#define WEBHOOK_BACKOFF_MAX_MS     60000
#define WEBHOOK_POLL_MS_DEFAULT    200
#define WEBHOOK_BATCH_MAX          64
/* Longest accepted SIGNATURE_SECRET. */
#define WEBHOOK_SECRET_MAX 256

typedef struct {
    const char *url;       /* WEBHOOK_URL (copied); http:// or https://; NULL: only tenants'
                              own WEBHOOK_URL settings are sent to */
    const uint8_t *secret; /* SIGNATURE_SECRET bytes (copied); len 0: no Rafiki-Signature header */
    size_t secret_len;
    uint32_t timeout_ms;      /* one attempt, connect to last byte; 0 = the default */
    unsigned max_retry;       /* attempts per event in all; 0 = the default */
    uint32_t backoff_ms;      /* wait after the n-th failure: n * backoff_ms, at most
                                 backoff_max_ms; 0 = the default */
    uint32_t backoff_max_ms;  /* 0 = WEBHOOK_BACKOFF_MAX_MS */
    uint32_t poll_ms;         /* how often an idle worker looks for due events; 0 = the default */
    unsigned batch;           /* events claimed and sent at once, 1..WEBHOOK_BATCH_MAX; 0 = max */
    uint32_t settings_ttl_ms; /* how long the tenants' webhook settings are kept before they are
                                 read again (webhooks_settings.h); 0 = 5 s */
} webhooks_config_t;

typedef struct webhooks webhooks_t;

/* Counters of one worker, for tests and logs. */
typedef struct {
    uint64_t attempts;  /* POSTs answered or timed out */
    uint64_t delivered; /* events that got a 2xx */
    uint64_t failed;    /* events given up after max_retry attempts */
} webhooks_stats_t;

/* Starts the delivery worker thread over db (which must outlive it). Returns NULL (logged) on a
 * bad configuration (secret too long) or when the thread or HTTP client cannot start. */
webhooks_t *webhooks_start(db_t *db, const webhooks_config_t *cfg);
/* Makes an idle worker look for due events now instead of at its next poll; any thread. */
void webhooks_wake(webhooks_t *w);
void webhooks_stats(webhooks_t *w, webhooks_stats_t *out);
/* Stops the worker: the attempts in flight finish (bounded by timeout_ms) and are recorded.
 * NULL is a no-op. */
void webhooks_stop(webhooks_t *w);

/* The Rafiki-Signature value for body sent at unix time t_ms (milliseconds, as Rafiki's
 * Date.now()): "t=<t_ms>, v1=<hex>". Returns the
 * length written, or -1 when cap is too small. Exposed for tests and receivers in tests. */
int webhook_signature(char *out, size_t cap, const uint8_t *secret, size_t secret_len, int64_t t_ms,
                      const void *body, size_t body_len);

#endif
