/*
 * What the payments families of the admin GraphQL face share (admin_gql_wallets.c,
 * admin_gql_incoming.c, admin_gql_outgoing.c; not a public API): reading ids, amounts, times
 * and the tenantId argument as Rafiki's resolvers take them, shaping the domain's rows as
 * Rafiki's schema types (WalletAddress, IncomingPayment, Quote, OutgoingPayment), and Relay
 * connections over pay_lists.h.
 *
 * A WalletAddress node carries a member the schema does not have, read only by its liquidity
 * resolver (the engine reads fields by name and never shows others): "_accountId", the wallet
 * account whose balance is its liquidity. Payments' liquidity comes from payment_liquidity.h.
 *
 * Threads: as admin_gql.h: resolvers run on the admin listener's workers and may block.
 */
#ifndef RAFIKI_ADMIN_ADMIN_GQL_PAY_H
#define RAFIKI_ADMIN_ADMIN_GQL_PAY_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "admin/admin_gql.h"
#include "payments/incoming_payment.h"
#include "payments/pay_lists.h"

/* What part 2 of the face brings; until then these operations answer INTERNAL_SERVER_ERROR. */
#define GQLP_LATER "not implemented yet in Rafiki in C"

/* Reads s as an id (UUID text). false when it is not one (Rafiki's lookups find nothing). */
bool gqlp_id(const char *s, ledger_id_t *out);
/* The id member name of obj (a string) as an id; false when absent or malformed. */
bool gqlp_member_id(const json_t *obj, const char *name, ledger_id_t *out);
/* args.input, always an object for the mutations of these families (the schema requires it). */
const json_t *gqlp_input(const gql_call_t *call);
/* A string argument or input member; NULL when absent or null. */
const char *gqlp_str(const json_t *obj, const char *name);

/* The wallet context, or fails the call INTERNAL_SERVER_ERROR and returns NULL. */
const wallet_ctx_t *gqlp_wallet_ctx(const gql_call_t *call);
/* Fails the call as Rafiki does when a service throws: INTERNAL_SERVER_ERROR. */
gql_resolve_t gqlp_internal(const gql_call_t *call, const char *what);
/* Answers part 2's operations (GQLP_LATER). */
gql_resolve_t gqlp_later(const gql_call_t *call, json_t **out);

/* An AmountInput {value (UInt64: decimal string or integer), assetCode, assetScale}. 0, or -1
 * when malformed (the engine has checked the shape; this guards the value's range). */
int gqlp_amount_in(const json_t *in, quote_amount_t *out);
/* An Amount {value: "decimal", assetCode, assetScale}. */
json_t *gqlp_amount(uint64_t value, const char *code, uint8_t scale);
/* A UInt64 value as the client sees it: a decimal string. */
json_t *gqlp_u64(uint64_t v);
/* Stored metadata JSON text as a JSONObject, or null. */
json_t *gqlp_metadata(const char *text);
/* The balance of a ledger account as a UInt64 liquidity (a negative balance reads 0). */
gql_resolve_t gqlp_liquidity(const gql_call_t *call, json_t **out);

/* Field filters of a list: the FilterString {in, notIn} of filter[name] into q's field f. */
void gqlp_filter(const json_t *filter, const char *name, pay_list_field_t f, pay_list_query_t *q);

/* Renders one row of a list as its node: a new reference, or NULL when the row vanished
 * between the page and the read (skipped) — a storage failure sets *failed. */
typedef json_t *(*gqlp_node_fn)(const gql_call_t *call, const pay_list_row_t *row, bool *failed);

/* A Relay connection of q's kind with the call's page arguments (first/after/last/before/
 * sortOrder), q's filters and node() per row. */
gql_resolve_t gqlp_connection(const gql_call_t *call, pay_list_query_t *q, gqlp_node_fn node,
                              json_t **out);

/* ---- nodes, each a new reference (defined in the family that owns the type) ---- */

/* WalletAddress: id, address, publicName, status, createdAt, asset {id, code, scale}. */
json_t *gqlp_wallet_node(const wallet_address_t *w);
/* IncomingPayment (with __typename). */
json_t *gqlp_incoming_node(const wallet_ctx_t *ctx, const incoming_payment_t *p);
/* Quote. tenant_id: the operator's. */
json_t *gqlp_quote_node(const quote_t *q, const char *tenant_id);
/* OutgoingPayment (with __typename) with its quote. */
json_t *gqlp_outgoing_node(const outgoing_payment_t *p, const quote_t *q, const char *tenant_id);
/* The "payments" list's Payment of an incoming or outgoing node. */
json_t *gqlp_payment_node(json_t *node, bool outgoing);

/* Rows of the lists, read by id (NULL when gone; *failed on storage errors). */
json_t *gqlp_incoming_row(const gql_call_t *call, const pay_list_row_t *row, bool *failed);
json_t *gqlp_outgoing_row(const gql_call_t *call, const pay_list_row_t *row, bool *failed);
json_t *gqlp_quote_row(const gql_call_t *call, const pay_list_row_t *row, bool *failed);
/* The client member of an IncomingPayment, OutgoingPayment or Payment parent, read lazily. */
gql_resolve_t gqlp_client(const gql_call_t *call, json_t **out);

#endif
