/*
 * What the operator console's peers and wallet addresses pages ask beyond the admin APIs'
 * functions (beyond Rafiki): a connectivity check of a peer's outgoing endpoint (an IL-DCP
 * request over ILP-over-HTTP that the peer must answer), a search of wallet addresses by URL
 * prefix (keyset paging by URL, on an index: sql/078_console_lookups.sql), the newest payments
 * of one wallet address, and the URL a console create names (Rafiki's rules, the same as the
 * admin GraphQL's createWalletAddress).
 *
 * Threads: every function may block on the database or on the peer's answer (up to its
 * timeout); admin worker threads only.
 */
#ifndef RAFIKI_PAYMENTS_CONSOLE_LOOKUPS_H
#define RAFIKI_PAYMENTS_CONSOLE_LOOKUPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "connector/peers.h"
#include "http/client.h"
#include "payments/wallet_address.h"

typedef enum {
    PAY_LOOKUP_OK = 0,
    PAY_LOOKUP_INVALID,   /* a search text or a URL the rules refuse */
    PAY_LOOKUP_NOT_FOUND, /* no outgoing endpoint; a tenant without WALLET_ADDRESS_URL */
    PAY_LOOKUP_STORAGE_ERROR,
    PAY_LOOKUP_RESULT_COUNT
} pay_lookup_result_t;

const char *pay_lookup_result_str(pay_lookup_result_t r);

/* The longest a connectivity check waits for the peer's answer. */
#define PAY_PEER_CHECK_TIMEOUT_MS 4000

typedef struct {
    bool reachable;      /* an HTTP answer came */
    unsigned status;     /* its HTTP status (0: none) */
    uint64_t latency_ms; /* from the request to the answer, or to the failure */
    char outcome[160];   /* what the answer means: "fulfilled as test.x", "rejected F02 ...",
                            or the client's failure ("connect_failed", "timeout") */
} pay_peer_check_t;

/* Sends an IL-DCP request (peer.config, amount 0) to p's outgoing endpoint with its outgoing
 * token and reports the answer in *out (the token is never put in it). http may be NULL (a
 * client is made for the call). timeout_ms 0: PAY_PEER_CHECK_TIMEOUT_MS. PAY_LOOKUP_OK (the
 * check ran, whatever it found), PAY_LOOKUP_NOT_FOUND (no outgoing endpoint or token). */
pay_lookup_result_t pay_peer_check(http_client_t *http, const peer_t *p, uint32_t timeout_ms,
                                   pay_peer_check_t *out);

/* Longest search text (a URL prefix). */
#define PAY_WALLET_SEARCH_MAX WALLET_ADDRESS_URL_MAX

/* Up to cap wallet addresses whose URL starts with prefix ("" or NULL: every one), in URL
 * order, after the URL after (NULL: from the start); owner NULL: every owner's, else only the
 * tenant owner's. *n receives how many. PAY_LOOKUP_OK, PAY_LOOKUP_INVALID (a prefix with a
 * character no URL has), PAY_LOOKUP_STORAGE_ERROR. */
pay_lookup_result_t pay_wallet_search(const wallet_ctx_t *ctx, const char *prefix,
                                      const char *after, const char *owner, wallet_address_t *out,
                                      size_t cap, size_t *n);

typedef struct {
    ledger_id_t id;
    char state[16];  /* incoming: PENDING, COMPLETED, EXPIRED; outgoing: its state */
    bool has_amount; /* incoming: a fixed incoming amount; outgoing: always (sent) */
    uint64_t amount; /* incoming: its incoming amount; outgoing: sent so far */
    int64_t created_ms;
} pay_wallet_payment_t;

/* The newest payments of wallet address id (outgoing or incoming), newest first (by creation
 * time, through its index; ties in any order), up to cap.
 * PAY_LOOKUP_OK or PAY_LOOKUP_STORAGE_ERROR. */
pay_lookup_result_t pay_wallet_payments(const wallet_ctx_t *ctx, ledger_id_t id, bool outgoing,
                                        pay_wallet_payment_t *out, size_t cap, size_t *n);

/* Rafiki's createWalletAddress URL for tenant owner (NULL: the operator): address under the
 * tenant's WALLET_ADDRESS_URL setting, which a tenant other than the operator must have, else
 * under OPEN_PAYMENTS_URL (wallet_address_url_under). operator_id names the operator tenant.
 * PAY_LOOKUP_OK, PAY_LOOKUP_NOT_FOUND (a tenant without the setting), PAY_LOOKUP_INVALID,
 * PAY_LOOKUP_STORAGE_ERROR. */
pay_lookup_result_t pay_wallet_create_url(const wallet_ctx_t *ctx, const char *operator_id,
                                          const char *owner, const char *address, bool allow_http,
                                          char url[WALLET_ADDRESS_URL_MAX + 1]);

#endif
