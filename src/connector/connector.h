/*
 * The ILP connector: the packet pipeline for ILP Prepares from peers (ILP-over-HTTP) and from
 * our own senders (in-process), in Rafiki's order (rafiki-reference.md §2.2):
 *
 *   1 peer auth (connector_http.c)         2 decode, validate, expiry      (F01, R02)
 *   3 max packet amount (F08 + data)        4 packet rate T05, throughput T04 (ratelimit.h)
 *   5 IL-DCP peer.config                    6 route: our STREAM addresses, else longest
 *                                             prefix, never back to the source (F02)
 *   7 rate conversion, floor (F07, R01)     8 ledger: two-phase hold source -> destination,
 *                                             linked legs through the asset liquidity accounts
 *                                             across assets (T04 when liquidity is short)
 *   9 expiry min(src - 1 s, now + 30 s), R02 when too little is left
 *  10 R00 at the outgoing expiry, even if the next hop never answers (timers.h)
 *  11 sha256(fulfillment) == condition, else F05   12 link errors to ILP codes
 *
 * then post the hold on Fulfill, void it on Reject. Local STREAM destinations are answered by
 * the stateless receiver; when it fulfils money, the credit of the target account is one
 * single-phase (linked) ledger submission, and the Fulfill is sent only once it committed.
 * Zero-amount packets need no ledger work. Every Reject we make carries our address as
 * triggeredBy; Rejects from the next hop are relayed unchanged.
 *
 * Asynchronous end to end: no thread waits for a packet. A packet's state lives in a heap
 * object that moves from the HTTP worker to the ledger batcher (submit with a callback), to the
 * HTTP client thread (the next hop's answer) or the timer thread (R00), and back to the ledger
 * batcher (post/void), whose callback sends the reply. The reply callback runs exactly once,
 * on any of those threads, or on the account loader's (accounts.h) after a cache miss.
 *
 * Threads: connector_handle_peer and connector_send_local may be called from any thread at
 * once. They never wait on the ledger or the database (an account the cache lacks is read on
 * the loader thread, accounts.h), only briefly on the counters store (rate limits, receipt
 * totals: a mutex, or Redis when configured). A new packet's ledger hold or credit is
 * submitted with LEDGER_SUBMIT_TRY (a full ledger queue rejects the packet T03 Connector Busy
 * at once), and every post or void, from a ledger, link or timer callback, with
 * LEDGER_SUBMIT_FOLLOW_UP, so no callback ever waits for room in the queue it is draining.
 * connector_stream_credentials may read the database (worker threads only). new/free run
 * alone; the accessors return objects whose own headers say how they may be shared.
 */
#ifndef RAFIKI_CONNECTOR_CONNECTOR_H
#define RAFIKI_CONNECTOR_CONNECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "connector/peers.h"
#include "connector/ratelimit.h"
#include "connector/rates.h"
#include "connector/routes.h"
#include "http/server.h"
#include "ledger/ledger.h"
#include "store/cache.h"
#include "store/db.h"
#include "stream/receiver.h"
#include "stream/totals.h"

/* Rafiki's expiry rules (reduce-expiry.ts). */
#define CONNECTOR_MIN_MESSAGE_WINDOW_MS 1000
#define CONNECTOR_MAX_HOLD_TIME_MS      30000
/* Ledger transfer code of packet transfers (Rafiki's TRANSFER). */
#define CONNECTOR_TRANSFER_CODE 1

typedef struct connector connector_t;

/* The encoded Fulfill or Reject for a Prepare; packet is valid during the call only. */
typedef void (*connector_reply_fn)(void *user, const uint8_t *packet, size_t len);

/*
 * How a Prepare reaches the next hop. send() must call done(op, ...) exactly once, from any
 * thread, with the encoded reply packet, or with reply NULL and an ILP error code (and a short
 * message) when there is none: "T01" unreachable, "R00" timed out, "F02", "T00"... It may return
 * -1 instead, without calling done (nothing was sent). timeout_ms is the time left before the
 * outgoing expiry; the connector rejects R00 at that moment whether or not done was called.
 */
typedef void (*connector_link_done_fn)(void *op, const uint8_t *reply, size_t len, const char *code,
                                       const char *message);
typedef struct {
    void *ctx;
    int (*send)(void *ctx, const peer_t *peer, const uint8_t *pkt, size_t len, uint32_t timeout_ms,
                connector_link_done_fn done, void *op);
} connector_link_t;

typedef struct {
    const char *ilp_address; /* ILP_ADDRESS */
    uint8_t stream_secret[STREAM_SERVER_SECRET_LEN];
    ledger_t *ledger;
    db_t *db; /* peers table; NULL: peers only in memory (tests) */
    /* Shared counters for rate limits and STREAM receipt totals: the cache (Redis when
     * configured) through connector_counters_cache(), or stream_totals_mem. .incr NULL: off. */
    stream_totals_t counters;
    const char *exchange_rates;        /* EXCHANGE_RATES static JSON; may be NULL */
    const char *exchange_rates_url;    /* EXCHANGE_RATES_URL; may be NULL */
    uint32_t exchange_rates_ttl_ms;    /* 0: 15 s */
    ratelimit_limits_t default_limits; /* for peers whose own limits are 0 */
    connector_link_t link; /* .send NULL: ILP-over-HTTP with the built-in libcurl client */
    /* Re-read the peers table this often, so peer updates and deletes made on another replica
     * apply here (peers_sync; a full reload is forced every CONNECTOR_PEERS_FORCE_EVERY
     * periods). CONNECTOR_PEERS_RELOAD_MS, default 2000; 0: never (a single process). */
    uint32_t peers_reload_ms;
} connector_config_t;

#define CONNECTOR_PEERS_RELOAD_MS_DEFAULT 2000
#define CONNECTOR_PEERS_FORCE_EVERY       15

typedef enum {
    CONNECTOR_OK = 0,
    CONNECTOR_NOT_FOUND,  /* no such account, or it is not STREAM-enabled */
    CONNECTOR_BAD_CONFIG, /* a setting is malformed (the error names it) */
    CONNECTOR_STORAGE,    /* the database could not be read */
    CONNECTOR_ADDRESS,    /* our address and the payment tag do not fit in an ILP address */
    CONNECTOR_RESULT_COUNT,
} connector_result_t;

/* A stable snake_case name for r (logs, admin errors). */
const char *connector_result_str(connector_result_t r);

/* What went wrong at start-up, for the operator's log. */
typedef struct {
    char msg[256];
} connector_err_t;

/* Reads CONNECTOR_* / EXCHANGE_RATES* settings from the environment into cfg (see
 * docs/CONFIG.md). CONNECTOR_OK, or CONNECTOR_BAD_CONFIG with the setting in err. */
connector_result_t connector_config_env(connector_config_t *cfg, connector_err_t *err);

/* Starts a connector (loads peers from db). NULL with the reason in err on failure (a bad
 * setting, the database, or a thread that could not start). */
connector_t *connector_new(const connector_config_t *cfg, connector_err_t *err);
/* Frees; every packet must have been answered (stop the HTTP server first). NULL: no-op. */
void connector_free(connector_t *c);

peers_t *connector_peers(connector_t *c);
routes_t *connector_routes(connector_t *c);
rates_t *connector_rates(connector_t *c);
/* The rates of the service at url (a tenant's EXCHANGE_RATES_URL), fetched through this
 * connector's HTTP client and cached as EXCHANGE_RATES_LIFETIME says; made on first use and
 * kept until connector_free (at most CONNECTOR_EXTRA_RATES_MAX services; beyond, and for NULL
 * or "" urls, the instance's connector_rates). Any thread. */
rates_t *connector_rates_for_url(connector_t *c, const char *url);
const stream_receiver_t *connector_receiver(connector_t *c);

/* Appends the connector's metrics in the Prometheus text format (base/metrics.h): answers to
 * Prepares by result and reject code, packets in flight, and the balance and limits of up to
 * 1,000 peers (read from the ledger: this blocks on the database). 0, or -1 when b is full.
 * Threads: any worker thread, not the connector's own. */
int connector_metrics_write(connector_t *c, buf_t *b);

/*
 * A Prepare from an authenticated peer (pkt is copied). reply is called exactly once. The peer
 * reference stays the caller's.
 */
void connector_handle_peer(connector_t *c, peer_t *peer, const uint8_t *pkt, size_t len,
                           connector_reply_fn reply, void *user);
/*
 * A Prepare from one of our own accounts (outgoing payments, quotes): the same pipeline without
 * peer auth, max packet amount, rate limits or IL-DCP, debiting source_account.
 */
void connector_send_local(connector_t *c, ledger_id_t source_account, const uint8_t *pkt,
                          size_t len, connector_reply_fn reply, void *user);

/* Registers the ILP-over-HTTP routes (POST "/", "/ilp", "/accounts/{id}/ilp") on the
 * connector's listener (CONNECTOR_PORT), before http_server_start. 0 or -1. */
int connector_http_register(connector_t *c, http_server_t *s);

/* STREAM credentials for an account with STREAM enabled: payment tag = its id. CONNECTOR_OK,
 * CONNECTOR_NOT_FOUND when the account is unknown or not STREAM-enabled, CONNECTOR_STORAGE when
 * the database could not be read, CONNECTOR_ADDRESS when the tag does not fit our address. Reads
 * the account from the database on a cache miss: call it from threads that may wait (admin
 * workers). */
connector_result_t connector_stream_credentials(connector_t *c, ledger_id_t account,
                                                stream_credentials_t *out);

/*
 * Rafiki's partial payment decision (ENABLE_PARTIAL_PAYMENT_DECISION, its
 * partial-payment-decision middleware): a local STREAM packet with money for an invoice account
 * (an incoming payment) whose STREAM request carries data (stream_request_data) is held until
 * the application decides. decide(ctx, account, data, len, expires_at_ms, done, op) receives the
 * data (copy it: it lives for the call) and the Prepare's expiry, and must call done(op, accept,
 * reason) exactly once, on any thread (also inside decide), within a bounded time: accept
 * credits and fulfils the packet as any other; a refusal answers stream-receiver's
 * finalDecline(reason): F99 with a ConnectionClose and the reason on stream 1, nothing
 * credited. done never blocks. Set it before any packet arrives (NULL: off, the default; then a
 * packet costs nothing more). Packets without data, zero-amount packets and packets for other
 * accounts are never held.
 */
typedef void (*connector_decided_fn)(void *op, bool accept, const char *reason);
typedef void (*connector_decide_fn)(void *ctx, ledger_id_t account, const uint8_t *data, size_t len,
                                    int64_t expires_at_ms, connector_decided_fn done, void *op);
void connector_set_partial_decision(connector_t *c, connector_decide_fn decide, void *ctx);

/* The counters interface over a cache (INCRBY with TTL). The cache outlives its users. */
stream_totals_t connector_counters_cache(cache_t *cache);

/* Packets in flight (tests and shutdown). */
uint64_t connector_in_flight(connector_t *c);
/* How many periodic peer reloads found a change and applied it (tests, metrics). */
uint64_t connector_peer_reloads(connector_t *c);

/* Minutes connector_minutes reports: the last hour. */
#define CONNECTOR_MINUTES 60

/* The answers to Prepares in each of the last CONNECTOR_MINUTES wall-clock minutes, oldest
 * first, the last one being the minute of now_ms so far: fulfilled[i] and rejected[i] (every
 * reject code). A minute before this connector started, or one its timer thread missed, is 0.
 * The packet path pays nothing for these: it keeps its two relaxed counters, and the timer
 * thread reads them once a minute. Any thread (a short mutex shared with that timer). */
void connector_minutes(connector_t *c, int64_t now_ms, uint64_t fulfilled[CONNECTOR_MINUTES],
                       uint64_t rejected[CONNECTOR_MINUTES]);

#endif
