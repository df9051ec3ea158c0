/*
 * What the ledger-side GraphQL families (admin_gql_assets.c, _peers.c, _liquidity.c,
 * _webhooks.c, _transfers.c) share: their arguments read as Rafiki reads them, Rafiki's
 * TransferError codes and messages for liquidity moves, the JSON of an asset (which peers
 * embed), Relay connections with Rafiki's getPageInfo, and the single-tenant rule of part 1.
 *
 * Threads: resolvers run on the admin listener's workers; everything here blocks only where
 * the domain call it wraps does.
 */
#ifndef RAFIKI_ADMIN_ADMIN_GQL_LEDGER_H
#define RAFIKI_ADMIN_ADMIN_GQL_LEDGER_H

#include <stdbool.h>
#include <stdint.h>

#include "admin/admin_gql.h"
#include "payments/assets.h"
#include "payments/keyset.h"
#include "payments/settlement.h"

/* The request's database and ledger. */
db_t *gqll_db(const gql_call_t *call);
ledger_t *gqll_ledger(const gql_call_t *call);

/* A UUID string in obj[key] (absent or not a UUID: false). */
bool gqll_id(const json_t *obj, const char *key, ledger_id_t *out);
/* A UInt64 in obj[key] (a decimal string or an integer). *present says whether it was given
 * (not absent, not null); returns false when given but malformed. */
bool gqll_u64(const json_t *obj, const char *key, uint64_t *out, bool *present);
/* obj[key] as a string, or NULL. */
const char *gqll_str(const json_t *obj, const char *key);
/* call->args.input (an object; the engine has checked the input type). */
json_t *gqll_input(const gql_call_t *call);

/* Fails the call with Rafiki's TransferError code and message for r (deposit: which side an
 * unknown account is on). */
gql_resolve_t gqll_move_fail(const gql_call_t *call, pay_move_result_t r, bool deposit);
/* {"success": true}. */
json_t *gqll_success(void);

/* Asset as the schema's Asset object (fields that need resolvers are left out). */
json_t *gqll_asset_json(const pay_asset_t *a);

/* One page of a list: fills *nodes (a new array of objects with an "id"), in the client's
 * order, or fails the call. */
typedef gql_resolve_t (*gqll_page_fn)(const gql_call_t *call, void *arg, const pay_keyset_t *k,
                                      json_t **nodes);
/* Reads the Relay arguments, fetches the page and, as Rafiki's getPageInfo, one row past each
 * end, and answers the connection in *out. */
gql_resolve_t gqll_connection(const gql_call_t *call, void *arg, gqll_page_fn fn, json_t **out);
/* An empty connection (another tenant's list). */
json_t *gqll_empty_connection(void);
/* gqll_connection over the rows of kind the caller may list (admin_gql_list_scope): rows of
 * other tenants are skipped, reading on until the page is full (admin_gql_scope.c). */
gql_resolve_t admin_gql_scoped_connection(const gql_call_t *call, void *arg, gqll_page_fn fn,
                                          pay_owned_t kind, json_t **out);

#endif
