/*
 * How the payments domain writes its values in JSON, for every face that shows them (admin REST,
 * Open Payments, webhook event bodies): ids as UUID strings, amounts as canonical decimal
 * strings (JSON numbers lose precision above 2^53), times as RFC 3339 UTC with milliseconds.
 * Each returns a new reference.
 *
 * Also the ledger transfer codes the domain books with, as in Rafiki's TigerBeetle accounting.
 *
 * Threads: pure functions of their arguments; any thread.
 */
#ifndef RAFIKI_PAYMENTS_JSON_H
#define RAFIKI_PAYMENTS_JSON_H

#include <stdint.h>

#include <jansson.h>

#include "ledger/ledger.h"

/* Transfer codes (the ledger's `code`). */
enum { PAY_CODE_TRANSFER = 1, PAY_CODE_DEPOSIT = 2, PAY_CODE_WITHDRAWAL = 3 };

json_t *pay_json_id(ledger_id_t id);         /* "uuid" */
json_t *pay_json_id_or_null(ledger_id_t id); /* null for the zero id */
json_t *pay_json_u64(uint64_t v);            /* "123" */
json_t *pay_json_i64(int64_t v);             /* "-5" */
json_t *pay_json_time(int64_t ms);           /* "2025-01-31T12:00:00.000Z", null for 0 */
/* {"value": "123", "asset_code": code, "asset_scale": scale} */
json_t *pay_amount_json(uint64_t value, const char *asset_code, uint8_t asset_scale);

#endif
