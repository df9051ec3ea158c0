/*
 * What Rafiki's admin API asks of wallet addresses beyond wallet_address.h: additional
 * properties (key/value pairs an operator attaches, sql/061_wallet_address_properties.sql),
 * a key found by its own id (revokeWalletAddressKey names the key, not the kid), and the
 * address a create names, which Rafiki takes as a full URL or as a path under the wallet
 * address URL base.
 *
 * Threads: every function may be called from any thread that may block on the database.
 */
#ifndef RAFIKI_PAYMENTS_WALLET_ADDRESS_PROPS_H
#define RAFIKI_PAYMENTS_WALLET_ADDRESS_PROPS_H

#include <stdbool.h>
#include <stddef.h>

#include "payments/wallet_address.h"

/* Properties a wallet address holds at most (Rafiki has no bound; a wallet's own fields fit). */
#define WALLET_PROPS_MAX 32
/* Longest key and value once trimmed. */
#define WALLET_PROP_KEY_MAX   255
#define WALLET_PROP_VALUE_MAX 1024

typedef struct {
    char key[WALLET_PROP_KEY_MAX + 1];
    char value[WALLET_PROP_VALUE_MAX + 1];
    bool visible_in_op; /* shown in the Open Payments wallet address document */
} wallet_prop_t;

/*
 * Fills *out from key and value as given: both trimmed of leading and trailing whitespace, as
 * Rafiki cleans them. Returns 1 when the pair is kept, 0 when Rafiki drops it (a blank key or
 * value), -1 when one is longer than its maximum.
 */
int wallet_prop_clean(const char *key, const char *value, bool visible, wallet_prop_t *out);

/* Replaces every property of wallet address id by props[0..n) (cleaned ones; n = 0 deletes them
 * all), in one transaction. OK, NOT_FOUND, KEYS_FULL (n > WALLET_PROPS_MAX), STORAGE_ERROR. */
wallet_address_result_t wallet_props_set(const wallet_ctx_t *ctx, ledger_id_t id,
                                         const wallet_prop_t *props, size_t n, db_err_t *err);

/* The properties of id in the order they were set, up to cap. OK or STORAGE_ERROR. */
wallet_address_result_t wallet_props_list(const wallet_ctx_t *ctx, ledger_id_t id,
                                          wallet_prop_t *out, size_t cap, size_t *n, db_err_t *err);

/* What Rafiki does to a wallet address's open incoming payments when the address is deactivated:
 * every pending one of wallet address id expires at now_ms (its expiry moves there; the worker or
 * the next read ends it, with its incoming_payment.expired event). *n (may be NULL) receives how
 * many. OK or STORAGE_ERROR. */
wallet_address_result_t wallet_address_expire_incoming(const wallet_ctx_t *ctx, ledger_id_t id,
                                                       int64_t now_ms, size_t *n, db_err_t *err);

/* One key by its id. OK, KEY_NOT_FOUND, STORAGE_ERROR. */
wallet_address_result_t wallet_key_get(const wallet_ctx_t *ctx, ledger_id_t key_id,
                                       wallet_key_t *out, db_err_t *err);

/*
 * Rafiki's createWalletAddressUrl: the URL a create names with address under base (a tenant's
 * WALLET_ADDRESS_URL setting, or OPEN_PAYMENTS_URL for the operator without one). A URL must
 * start with base; anything else is a path appended to base (with one slash between). The
 * result must be https (http too when allow_http: development and tests), have a path other
 * than "/", and not contain /incoming-payments, /outgoing-payments or /quotes; it is
 * lowercased. 0, or -1: Rafiki's "invalid url".
 */
int wallet_address_url_under(const char *base, const char *address, bool allow_http,
                             char out[WALLET_ADDRESS_URL_MAX + 1]);

/* Rafiki's getByUrl: the wallet address at url as given (one made through the REST API keeps its
 * case), else at url lowercased, as Rafiki stores and looks addresses up. OK, NOT_FOUND,
 * STORAGE_ERROR. */
wallet_address_result_t wallet_address_find_by_url(const wallet_ctx_t *ctx, const char *url,
                                                   wallet_address_t *out, db_err_t *err);

#endif
