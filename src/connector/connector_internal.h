/*
 * Internals shared by connector.c (setup, entry points), connector_http.c (ILP over HTTP in
 * and out), pipeline.c (the stages) and accounts.c (account cache, transfer ids). Not a public
 * API. Calls run one way: connector.c -> connector_http.c -> pipeline.c -> accounts.c (the
 * pipeline reaches the HTTP link only through the link callbacks it is given).
 *
 * Threads: as connector.h: the pipeline runs on the connector listener's threads and the
 * ledger's completion threads; nothing here blocks.
 */
#ifndef RAFIKI_CONNECTOR_CONNECTOR_INTERNAL_H
#define RAFIKI_CONNECTOR_CONNECTOR_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "connector/accounts.h"
#include "connector/connector.h"
#include "connector/timers.h"
#include "http/client.h"

/* Token lookups (a token not in memory) waiting for the loader at once. A flood of made-up
 * tokens is answered 503 beyond this instead of queueing ahead of the account loads of real
 * packets. */
#define CONNECTOR_AUTH_LOADS_MAX 64

/* Reject codes counted one by one: RFC 0027's table, plus one slot for the others. */
#define CONNECTOR_REJECT_SLOTS 48

/* A rates service: the connector that fetches for it and its URL (rates.h fetch_ctx). */
typedef struct {
    struct connector *c;
    char *url;
} rates_source_t;

/* Most other rates services one connector keeps (connector_rates_for_url). */
#define CONNECTOR_EXTRA_RATES_MAX 64

struct connector {
    char address[ILP_ADDRESS_MAX_LEN + 1];
    size_t address_len;
    ledger_t *ledger;
    db_t *db;
    stream_totals_t counters;
    ratelimit_limits_t default_limits;
    connector_link_t link;
    bool link_is_http; /* link is ILP over HTTP: a peer without an endpoint is unreachable */
    routes_t *routes;
    peers_t *peers;
    rates_t *rates;
    timers_t *timers;
    http_client_t *http;      /* outgoing ILP-over-HTTP and the rates service */
    rates_source_t rates_src; /* EXCHANGE_RATES_URL (url NULL: static rates only) */
    /* other rates services (tenants' EXCHANGE_RATES_URL), made on first use and kept */
    pthread_mutex_t extra_mu;
    rates_source_t extra_src[CONNECTOR_EXTRA_RATES_MAX];
    rates_t *extra_rates[CONNECTOR_EXTRA_RATES_MAX];
    size_t n_extra;
    uint32_t rates_ttl_ms; /* EXCHANGE_RATES_LIFETIME */
    stream_receiver_t receiver;
    connector_decide_fn decide; /* the partial payment decision; NULL: off */
    void *decide_ctx;
    accounts_t *accounts;   /* the account cache and transfer ids */
    atomic_uint auth_loads; /* token lookups queued or running (connector_http.c) */
    atomic_uint_fast64_t in_flight;
    /* the peers reload thread (peers_reload_ms > 0) */
    uint32_t peers_reload_ms;
    bool reload_started, reload_stop;
    pthread_t reload_thread;
    pthread_mutex_t reload_mu;
    pthread_cond_t reload_cv;
    atomic_uint_fast64_t reloads; /* registry reloads that changed something (tests) */
    /* answers to Prepares (connector_metrics_write): fulfilled, and rejected by code, indexed
     * as ilp_error_table() with the last slot for codes outside it */
    atomic_uint_fast64_t fulfilled;
    atomic_uint_fast64_t rejected[CONNECTOR_REJECT_SLOTS];
    /* the answers per minute (connector_minutes): once a minute the timer thread closes the
     * minute with the counters above less their values when it began */
    pthread_mutex_t minutes_mu;
    conn_timer_t minutes_timer;
    int64_t minute;          /* the wall-clock minute now being counted */
    uint64_t minute_base[2]; /* fulfilled, rejected when it began */
    int64_t minute_stamp[CONNECTOR_MINUTES];
    uint64_t minute_counts[CONNECTOR_MINUTES][2];
};

/* Counts one answer to a Prepare (a Fulfill or a Reject packet) for the metrics. */
void connector_count_reply(connector_t *c, const uint8_t *pkt, size_t len);
/* Starts the per-minute counts (connector_minutes) on c's timer thread. 0 or -1. */
int connector_minutes_start(connector_t *c);

/* ILP over HTTP link (connector_http.c). */
int connector_http_link_send(void *ctx, const peer_t *peer, const uint8_t *pkt, size_t len,
                             uint32_t timeout_ms, connector_link_done_fn done, void *op);
/* rates.h's fetch over the connector's HTTP client; ctx is a rates_source_t. */
void connector_http_rates_fetch(void *ctx, rates_t *r, const char *base, rates_fetch_done_fn done);

/* The pipeline entry (pipeline.c), debiting src_account. src_peer may be NULL (in-process
 * source). Never blocks; reply is called exactly once, on this or another thread. */
void pipeline_start(connector_t *c, peer_t *src_peer, ledger_id_t src_account, const uint8_t *pkt,
                    size_t len, connector_reply_fn reply, void *user);

#endif
