/*
 * SPSP (RFC 0009) answers for wallet addresses: what `GET {wallet address}` returns when asked
 * with `Accept: application/spsp4+json`.
 *
 *   {"destination_account": ILP address, "shared_secret": base64, "receipts_enabled": bool}
 *
 * The credentials come from the connector's stateless STREAM receiver with the wallet account's
 * id as payment tag, so the connector's local delivery credits that account. A request may ask
 * for STREAM receipts (RFC 0039) with two headers, both or neither: Receipt-Nonce (16 bytes)
 * and Receipt-Secret (32 bytes), standard base64; the receiver then signs a receipt of the
 * connection's running total with that secret on every fulfilled packet.
 *
 * Pure functions: no I/O, callable from any thread.
 */
#ifndef RAFIKI_OPENPAY_SPSP_H
#define RAFIKI_OPENPAY_SPSP_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "ledger/ledger.h"
#include "stream/receiver.h"

#define SPSP_CONTENT_TYPE "application/spsp4+json"

typedef enum {
    SPSP_OK = 0,
    SPSP_RECEIPT_HEADERS_INVALID, /* one header without the other, or bad base64 or length */
    SPSP_UNAVAILABLE,             /* no receiver, or the credentials do not fit an address */
    SPSP_RESULT_COUNT
} spsp_result_t;

/* Stable snake_case name ("receipt_headers_invalid"). */
const char *spsp_result_str(spsp_result_t r);

/*
 * Parses the receipt headers (NULL when absent) into d->receipts, d->receipt_nonce and
 * d->receipt_secret. Neither header: receipts off, SPSP_OK. Returns SPSP_OK or
 * SPSP_RECEIPT_HEADERS_INVALID.
 */
spsp_result_t spsp_receipt_headers_parse(const char *nonce_b64, const char *secret_b64,
                                         stream_connection_details_t *d);

/*
 * Builds the SPSP document for account (asset code and scale go into the connection token, as
 * Rafiki's receiver expects). *out is a new reference on SPSP_OK.
 */
spsp_result_t spsp_answer(const stream_receiver_t *r, ledger_id_t account, const char *asset_code,
                          uint8_t asset_scale, const char *nonce_b64, const char *secret_b64,
                          json_t **out);

#endif
