/*
 * Rafiki's partial payment decision (ENABLE_PARTIAL_PAYMENT_DECISION; its incoming payment
 * service's processPartialPayment and updatePartialPaymentDecision): a STREAM packet paying an
 * incoming payment that carries data from the sender waits for the wallet to confirm or reject
 * it. The connector hands such a packet over (connector_set_partial_decision with
 * partial_decision_ask); this records incoming_payment.partial_payment_received with a new
 * partialIncomingPaymentId and the data (dataFromSender), wakes the webhook worker, and looks
 * for the wallet's answer every PARTIAL_DECISION_POLL_MS until the packet's expiry less
 * PARTIAL_PAYMENT_DECISION_SAFETY_MARGIN_MS, or PARTIAL_PAYMENT_DECISION_MAX_WAIT_MS, whichever
 * comes first. The answer is an entry of the cache (Redis when configured, so any replica's
 * Admin GraphQL API may take it) that confirmPartialIncomingPayment /
 * rejectPartialIncomingPayment write with partial_decision_record, under Rafiki's key
 * "partial_payment_decision:{incomingPaymentId}:{partialIncomingPaymentId}" and value
 * {"success": bool, "reason"?: string}.
 *
 * The packet is then fulfilled (success) or declined with the reason: the wallet's, else
 * Rafiki's "Additional data approved" / "Additional data rejected"; "No response from receiving
 * ASE" when no answer came in time; "Error processing partial payment" when the event could not
 * be recorded (no such incoming payment, the database) or too many packets wait
 * (PARTIAL_DECISION_WAITING_MAX). The event carries Rafiki's data for it: the payment as
 * toData(0) (receivedAmount 0, as Rafiki sends it) with partialIncomingPaymentId and
 * dataFromSender (the bytes read as UTF-8, invalid sequences replaced by U+FFFD, as Node's
 * Buffer.toString does; at most PARTIAL_DECISION_DATA_MAX bytes of them).
 *
 * Threads: one thread of its own records the events (one short write transaction per packet)
 * and polls the cache for every waiting packet at once, then answers through the connector's
 * callback, which never blocks. partial_decision_ask only queues (a mutex), so a connector
 * thread never waits; every packet is answered by its deadline (plus one poll and the event's
 * write). partial_decision_record may be called from any thread.
 */
#ifndef RAFIKI_PAYMENTS_PARTIAL_DECISION_H
#define RAFIKI_PAYMENTS_PARTIAL_DECISION_H

#include <stdbool.h>
#include <stdint.h>

#include "connector/connector.h"
#include "payments/webhooks.h"
#include "payments/wallet_address.h"
#include "store/cache.h"

/* Rafiki's polling frequency for the decision. */
#define PARTIAL_DECISION_POLL_MS 50
/* Packets waiting for a decision at once; more are declined at once (a wallet that never
 * answers must not hold unbounded memory). */
#define PARTIAL_DECISION_WAITING_MAX 4096
/* Longest dataFromSender sent (a STREAM request holds up to ~32 KB; a webhook is not the place
 * for more than a note). */
#define PARTIAL_DECISION_DATA_MAX 8192
/* Longest reason kept: it must fit the STREAM reply of the Reject (stream/receiver.h). */
#define PARTIAL_DECISION_REASON_MAX 1024
/* How long a recorded decision stays in the cache (Rafiki keeps it without expiry). */
#define PARTIAL_DECISION_TTL_MS (60ull * 60 * 1000)

typedef struct partial_decision partial_decision_t;

typedef struct {
    const wallet_ctx_t *wallet; /* incoming payments and their events */
    cache_t *cache;             /* where decisions are recorded */
    webhooks_t *webhooks;       /* woken after each event; NULL: none */
    uint32_t max_wait_ms;       /* PARTIAL_PAYMENT_DECISION_MAX_WAIT_MS */
    uint32_t margin_ms;         /* PARTIAL_PAYMENT_DECISION_SAFETY_MARGIN_MS */
} partial_decision_config_t;

/* Starts its thread; NULL when it cannot start. cfg's members outlive it. */
partial_decision_t *partial_decision_start(const partial_decision_config_t *cfg);
/* Answers every waiting packet "No response from receiving ASE", stops and frees. NULL: no-op.
 * After the listeners stop and before the connector is freed. */
void partial_decision_stop(partial_decision_t *pd);

/* A connector_decide_fn (ctx: the partial_decision_t). */
void partial_decision_ask(void *ctx, ledger_id_t account, const uint8_t *data, size_t len,
                          int64_t expires_at_ms, connector_decided_fn done, void *op);

/* Records the wallet's decision on partial payment partial_id of incoming payment ip_id (its
 * id's text); reason may be NULL (none; cut to PARTIAL_DECISION_REASON_MAX bytes). Whether the
 * cache took it (Rafiki's success). */
bool partial_decision_record(cache_t *cache, const char *ip_id, const char *partial_id,
                             bool success, const char *reason);

#endif
