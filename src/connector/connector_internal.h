/* Internals shared by connector.c (setup, account cache), pipeline.c (the stages) and
 * connector_http.c (ILP over HTTP in and out). Not a public API. */
#ifndef RAFIKI_CONNECTOR_INTERNAL_H
#define RAFIKI_CONNECTOR_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "connector/connector.h"
#include "connector/timers.h"
#include "http/client.h"

/* What the pipeline needs of an account: its asset and where cross-asset legs go. */
typedef struct {
    ledger_id_t id;
    ledger_id_t asset_id;
    ledger_id_t liquidity_id; /* the asset's liquidity account */
    ledger_account_kind_t kind;
    bool stream_enabled;
    char code[ASSET_CODE_MAX_LEN + 1];
    uint8_t scale;
} acct_info_t;

#define ACCT_CACHE_SLOTS  4096
#define ACCT_CACHE_TTL_MS 2000

typedef struct {
    acct_info_t info;
    uint64_t loaded_ms; /* monotonic; 0 = empty */
} acct_slot_t;

struct connector {
    char address[ILP_ADDRESS_MAX_LEN + 1];
    size_t address_len;
    ledger_t *ledger;
    db_t *db;
    stream_totals_t counters;
    ratelimit_limits_t default_limits;
    connector_link_t link;
    routes_t *routes;
    peers_t *peers;
    rates_t *rates;
    timers_t *timers;
    http_client_t *http; /* outgoing ILP-over-HTTP and the rates service */
    char *rates_url;
    stream_receiver_t receiver;
    pthread_mutex_t acct_mu;
    acct_slot_t *acct; /* ACCT_CACHE_SLOTS, direct-mapped by id */
    atomic_uint_fast64_t in_flight;
    /* the peers reload thread (peers_reload_ms > 0) */
    uint32_t peers_reload_ms;
    bool reload_started, reload_stop;
    pthread_t reload_thread;
    pthread_mutex_t reload_mu;
    pthread_cond_t reload_cv;
    atomic_uint_fast64_t reloads; /* registry reloads that changed something (tests) */
    uint64_t id_node;             /* 42 random bits of this connector's transfer ids */
    atomic_uint_fast64_t id_seq;  /* the counter part of transfer ids */
};

/*
 * A new id for a packet transfer: a time-ordered UUID (version 7 layout: 48-bit Unix ms, then
 * 42 random bits fixed per connector, then a 32-bit counter). Ids from one connector increase,
 * so the ledger's transfer index grows at its right edge (a commit dirties one index leaf, not
 * one random leaf per packet as random ids do), and making one costs no call to the CSPRNG.
 * Unique: another process would need the same 42 random bits, millisecond and counter.
 */
ledger_id_t connector_transfer_id(connector_t *c);

/* The account's pipeline view, from the cache or the ledger. 0, -1 unknown, -2 storage. */
int connector_account_info(connector_t *c, ledger_id_t id, acct_info_t *out);

/* ILP over HTTP link (connector_http.c). */
int connector_http_link_send(void *ctx, const peer_t *peer, const uint8_t *pkt, size_t len,
                             uint32_t timeout_ms, connector_link_done_fn done, void *op);
void connector_http_rates_fetch(void *ctx, rates_t *r, const char *base, rates_fetch_done_fn done);

/* The pipeline entry (pipeline.c). src_peer may be NULL (in-process source). */
void pipeline_start(connector_t *c, peer_t *src_peer, const acct_info_t *src, const uint8_t *pkt,
                    size_t len, connector_reply_fn reply, void *user);
/* Answers with a Reject we trigger, before any pipeline state exists. */
void pipeline_reject_now(connector_t *c, const char *code, const char *msg,
                         connector_reply_fn reply, void *user);

#endif
