/*
 * Admin GraphQL: quotes, outgoing payments and the combined payments list (Rafiki's
 * resolvers/quote.ts, outgoing_payment.ts, combined_payments.ts over open_payments/quote and
 * open_payments/payment/outgoing). The rules are quote.h's and outgoing_payment.h's; this maps
 * Rafiki's inputs to them and their results to Rafiki's QuoteError and OutgoingPaymentError
 * codes and messages.
 */
#include <string.h>

#include "admin/admin_gql_pay.h"
#include "payments/json.h"
#include "base/log.h"
#include "base/mem.h"

json_t *gqlp_quote_node(const quote_t *q, const char *tenant_id)
{
    char id[LEDGER_ID_STR_LEN + 1], wid[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(q->id, id);
    ledger_id_format(q->wallet_address_id, wid);
    /* estimatedExchangeRate is a Float in Rafiki; amounts here stay integers, so it is left
     * null rather than computed in floating point */
    return json_pack(
        "{s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:n}", "id", id, "tenantId", tenant_id ? tenant_id : "",
        "walletAddressId", wid, "receiver", q->receiver, "debitAmount",
        gqlp_amount(q->debit_amount.value, q->debit_amount.asset_code, q->debit_amount.asset_scale),
        "receiveAmount",
        gqlp_amount(q->receive_amount.value, q->receive_amount.asset_code,
                    q->receive_amount.asset_scale),
        "createdAt", admin_gql_time_json(q->created_ms), "expiresAt",
        admin_gql_time_json(q->expires_ms), "estimatedExchangeRate");
}

json_t *gqlp_outgoing_node(const outgoing_payment_t *p, const quote_t *q, const char *tenant_id)
{
    char id[LEDGER_ID_STR_LEN + 1], wid[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(p->id, id);
    ledger_id_format(p->wallet_address_id, wid);
    const quote_amount_t *d = &q->debit_amount, *r = &q->receive_amount;
    return json_pack("{s:s,s:s,s:s,s:o,s:i,s:o,s:o,s:s,s:o,s:o,s:o,s:o,s:o,s:s}", "id", id,
                     "walletAddressId", wid, "state", outgoing_payment_state_str(p->state), "error",
                     p->error[0] ? json_string(p->error) : json_null(), "stateAttempts", 0,
                     "debitAmount", gqlp_amount(d->value, d->asset_code, d->asset_scale),
                     "receiveAmount", gqlp_amount(r->value, r->asset_code, r->asset_scale),
                     "receiver", q->receiver, "metadata", gqlp_metadata(p->metadata), "quote",
                     gqlp_quote_node(q, tenant_id), "sentAmount",
                     gqlp_amount(p->sent_amount, d->asset_code, d->asset_scale), "createdAt",
                     admin_gql_time_json(p->created_ms), "grantId",
                     pay_json_id_or_null(p->grant_id), "__typename", "OutgoingPayment");
}

/* The payments service, or fails the call and returns NULL. */
static outgoing_payments_t *op_of(const gql_call_t *call)
{
    outgoing_payments_t *op = admin_gql_req(call)->gql->outgoing;
    if (!op)
        admin_gql_fail(call, GQL_CODE_INTERNAL, "outgoing payments are not served here");
    return op;
}

/* The tenant that owns wallet address wa (its id into buf). */
static const char *tenant_of(const gql_call_t *call, ledger_id_t wa, char *buf)
{
    return admin_gql_wallet_owner(call, wa, buf);
}

/* Rafiki's QuoteError of a quote result (from_incoming: as createOutgoingPayment maps them). */
static gql_resolve_t quote_fail(const gql_call_t *call, quote_result_t r, bool from_incoming)
{
    switch (r) {
    case QUOTE_WALLET_NOT_FOUND:
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "unknown wallet address");
    case QUOTE_WALLET_INACTIVE:
        return admin_gql_fail(call, GQL_CODE_INACTIVE, "inactive wallet address");
    case QUOTE_RECEIVER_NOT_FOUND:
    case QUOTE_RECEIVER_INACTIVE:
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "invalid receiver");
    case QUOTE_AMOUNTS_CONFLICT:
    case QUOTE_AMOUNT_REQUIRED:
    case QUOTE_ASSET_MISMATCH:
    case QUOTE_AMOUNT_ZERO:
    case QUOTE_RECEIVE_EXCEEDS:
    case QUOTE_OVERFLOW:
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "invalid amount");
    case QUOTE_AMOUNT_TOO_LOW:
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT,
                              from_incoming ? "negative receive amount"
                                            : "non-positive receive amount");
    case QUOTE_RECEIVER_ASSET:
    case QUOTE_RATE_UNAVAILABLE:
        return admin_gql_fail(call, GQL_CODE_INTERNAL, "could not convert between assets");
    case QUOTE_NOT_FOUND:
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "quote does not exist");
    default:
        return gqlp_internal(call, "quotes");
    }
}

/* Rafiki's OutgoingPaymentError of an outgoing payment result. */
static gql_resolve_t op_fail(const gql_call_t *call, outgoing_payment_result_t r)
{
    switch (r) {
    case OUTGOING_PAYMENT_WALLET_NOT_FOUND:
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "unknown wallet address");
    case OUTGOING_PAYMENT_WALLET_INACTIVE:
        return admin_gql_fail(call, GQL_CODE_INACTIVE, "inactive wallet address");
    case OUTGOING_PAYMENT_QUOTE_NOT_FOUND:
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "unknown quote");
    case OUTGOING_PAYMENT_QUOTE_WRONG_WALLET:
    case OUTGOING_PAYMENT_QUOTE_EXPIRED:
    case OUTGOING_PAYMENT_QUOTE_USED:
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "invalid quote");
    case OUTGOING_PAYMENT_NOT_FOUND:
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "unknown payment");
    case OUTGOING_PAYMENT_NOT_CANCELLABLE:
        return admin_gql_fail(call, GQL_CODE_CONFLICT, "wrong state");
    case OUTGOING_PAYMENT_REASON_INVALID:
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "reason is too long");
    case OUTGOING_PAYMENT_GRANT_LIMIT_EXCEEDED:
    case OUTGOING_PAYMENT_GRANT_INACTIVE:
    case OUTGOING_PAYMENT_LIMITS_ASSET_MISMATCH:
        return admin_gql_fail(call, GQL_CODE_FORBIDDEN, "unauthorized");
    default:
        return gqlp_internal(call, "outgoing payments");
    }
}

/* ---- quotes ---- */

json_t *gqlp_quote_row(const gql_call_t *call, const pay_list_row_t *row, bool *failed)
{
    char owner[PAY_TENANT_ID_LEN + 1];
    quote_t *q = xmalloc(sizeof *q);
    quote_result_t r = quote_get(admin_gql_req(call)->gql->wallet->db, row->id, q);
    *failed = r != QUOTE_OK && r != QUOTE_NOT_FOUND;
    json_t *node =
        r == QUOTE_OK ? gqlp_quote_node(q, tenant_of(call, q->wallet_address_id, owner)) : NULL;
    free(q);
    return node;
}

static gql_resolve_t q_quote(const gql_call_t *call, json_t **out)
{
    ledger_id_t id;
    if (!gqlp_wallet_ctx(call))
        return GQL_RESOLVE_ERROR;
    if (!gqlp_member_id(call->args, "id", &id))
        return quote_fail(call, QUOTE_NOT_FOUND, false);
    pay_list_row_t row = {.id = id};
    bool failed;
    json_t *node = gqlp_quote_row(call, &row, &failed);
    if (!node)
        return quote_fail(call, failed ? QUOTE_STORAGE_ERROR : QUOTE_NOT_FOUND, false);
    *out = node;
    return GQL_RESOLVED;
}

/* Reads an optional AmountInput member of in; -1 when malformed (Rafiki: invalid amount). */
static int amount_opt(const json_t *in, const char *name, quote_amount_t *a, bool *has)
{
    const json_t *v = json_object_get(in, name);
    *has = json_is_object(v);
    return *has ? gqlp_amount_in(v, a) : 0;
}

/* Prices a quote for wallet address id to receiver with the amounts of in. */
static quote_result_t quote_new(const gql_call_t *call, const json_t *in, const char *receiver,
                                quote_t *q)
{
    quote_request_t req = {.receiver = receiver, .receiver_len = receiver ? strlen(receiver) : 0};
    if (amount_opt(in, "debitAmount", &req.debit_amount, &req.has_debit) != 0 ||
        amount_opt(in, "receiveAmount", &req.receive_amount, &req.has_receive) != 0)
        return QUOTE_AMOUNT_ZERO;
    if (!gqlp_member_id(in, "walletAddressId", &req.wallet_address_id))
        return req.has_debit && req.has_receive ? QUOTE_AMOUNTS_CONFLICT : QUOTE_WALLET_NOT_FOUND;
    return quote_create(outgoing_payments_quotes(admin_gql_req(call)->gql->outgoing), &req, q);
}

static gql_resolve_t m_create_quote(const gql_call_t *call, json_t **out)
{
    char owner[PAY_TENANT_ID_LEN + 1];
    if (!op_of(call))
        return GQL_RESOLVE_ERROR;
    const json_t *in = gqlp_input(call);
    quote_t *q = xmalloc(sizeof *q);
    quote_result_t r = quote_new(call, in, gqlp_str(in, "receiver"), q);
    if (r == QUOTE_OK)
        *out = json_pack("{s:o}", "quote",
                         gqlp_quote_node(q, tenant_of(call, q->wallet_address_id, owner)));
    free(q);
    return r == QUOTE_OK ? GQL_RESOLVED : quote_fail(call, r, false);
}

/* ---- outgoing payments ---- */

json_t *gqlp_outgoing_row(const gql_call_t *call, const pay_list_row_t *row, bool *failed)
{
    char owner[PAY_TENANT_ID_LEN + 1];
    outgoing_payments_t *op = admin_gql_req(call)->gql->outgoing;
    if (!op) {
        *failed = true;
        return NULL;
    }
    outgoing_payment_t *p = xmalloc(sizeof *p);
    quote_t *q = xmalloc(sizeof *q);
    json_t *node = NULL;
    outgoing_payment_result_t r = outgoing_payment_get(op, row->id, p);
    quote_result_t qr = QUOTE_NOT_FOUND;
    if (r == OUTGOING_PAYMENT_OK)
        qr = quote_get(admin_gql_req(call)->gql->wallet->db, p->quote_id, q);
    *failed = (r != OUTGOING_PAYMENT_OK && r != OUTGOING_PAYMENT_NOT_FOUND) ||
              (r == OUTGOING_PAYMENT_OK && qr != QUOTE_OK);
    if (qr == QUOTE_OK)
        node = gqlp_outgoing_node(p, q, tenant_of(call, q->wallet_address_id, owner));
    free(p);
    free(q);
    return node;
}

/* Answers {payment} with payment p as a create or cancel left it (and its quote). */
static gql_resolve_t payment_answer(const gql_call_t *call, const outgoing_payment_t *p,
                                    json_t **out)
{
    char owner[PAY_TENANT_ID_LEN + 1];
    quote_t *q = xmalloc(sizeof *q);
    quote_result_t r = quote_get(admin_gql_req(call)->gql->wallet->db, p->quote_id, q);
    if (r == QUOTE_OK)
        *out = json_pack("{s:o}", "payment",
                         gqlp_outgoing_node(p, q, tenant_of(call, q->wallet_address_id, owner)));
    free(q);
    return r == QUOTE_OK ? GQL_RESOLVED : gqlp_internal(call, "outgoing payments");
}

static gql_resolve_t q_outgoing_payment(const gql_call_t *call, json_t **out)
{
    ledger_id_t id;
    if (!op_of(call) || !gqlp_wallet_ctx(call))
        return GQL_RESOLVE_ERROR;
    if (!gqlp_member_id(call->args, "id", &id))
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "payment does not exist");
    pay_list_row_t row = {.id = id, .outgoing = true};
    bool failed;
    json_t *node = gqlp_outgoing_row(call, &row, &failed);
    if (failed)
        return gqlp_internal(call, "outgoing payments");
    if (!node)
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "payment does not exist");
    *out = node;
    return GQL_RESOLVED;
}

static gql_resolve_t q_outgoing_payments(const gql_call_t *call, json_t **out)
{
    if (!op_of(call))
        return GQL_RESOLVE_ERROR;
    const json_t *filter = json_object_get(call->args, "filter");
    pay_list_query_t q = {.kind = PAY_LIST_OUTGOING};
    gqlp_filter(filter, "receiver", PAY_LIST_BY_RECEIVER, &q);
    gqlp_filter(filter, "walletAddressId", PAY_LIST_BY_WALLET, &q);
    gqlp_filter(filter, "state", PAY_LIST_BY_STATE, &q);
    return gqlp_connection(call, &q, gqlp_outgoing_row, out);
}

/* Creates the payment of quote_id for wallet address wid with in's metadata. */
static outgoing_payment_result_t op_new(outgoing_payments_t *op, const json_t *in, ledger_id_t wid,
                                        ledger_id_t quote_id, outgoing_payment_t *p)
{
    const json_t *meta = json_object_get(in, "metadata");
    char *text = json_is_object(meta) ? json_dumps(meta, JSON_COMPACT) : NULL;
    outgoing_payment_request_t req = {
        .wallet_address_id = wid, .quote_id = quote_id, .metadata = text};
    outgoing_payment_result_t r = outgoing_payment_create(op, &req, p);
    free(text);
    return r;
}

static gql_resolve_t m_create_outgoing(const gql_call_t *call, json_t **out)
{
    outgoing_payments_t *op = op_of(call);
    if (!op)
        return GQL_RESOLVE_ERROR;
    const json_t *in = gqlp_input(call);
    ledger_id_t wid, qid;
    if (!gqlp_member_id(in, "walletAddressId", &wid))
        return op_fail(call, OUTGOING_PAYMENT_WALLET_NOT_FOUND);
    if (!gqlp_member_id(in, "quoteId", &qid))
        return op_fail(call, OUTGOING_PAYMENT_QUOTE_NOT_FOUND);
    outgoing_payment_t p;
    outgoing_payment_result_t r = op_new(op, in, wid, qid, &p);
    return r == OUTGOING_PAYMENT_OK ? payment_answer(call, &p, out) : op_fail(call, r);
}

static gql_resolve_t m_create_outgoing_from_incoming(const gql_call_t *call, json_t **out)
{
    outgoing_payments_t *op = op_of(call);
    if (!op)
        return GQL_RESOLVE_ERROR;
    const json_t *in = gqlp_input(call);
    quote_t *q = xcalloc(1, sizeof *q);
    quote_result_t qr = quote_new(call, in, gqlp_str(in, "incomingPayment"), q);
    ledger_id_t wid = q->wallet_address_id, qid = q->id;
    free(q);
    if (qr != QUOTE_OK)
        return quote_fail(call, qr, true);
    outgoing_payment_t p;
    outgoing_payment_result_t r = op_new(op, in, wid, qid, &p);
    return r == OUTGOING_PAYMENT_OK ? payment_answer(call, &p, out) : op_fail(call, r);
}

static gql_resolve_t m_cancel_outgoing(const gql_call_t *call, json_t **out)
{
    outgoing_payments_t *op = op_of(call);
    if (!op)
        return GQL_RESOLVE_ERROR;
    const json_t *in = gqlp_input(call);
    ledger_id_t id;
    if (!gqlp_member_id(in, "id", &id))
        return op_fail(call, OUTGOING_PAYMENT_NOT_FOUND);
    outgoing_payment_t p;
    outgoing_payment_result_t r =
        outgoing_payment_cancel_reason(op, id, gqlp_str(in, "reason"), &p);
    return r == OUTGOING_PAYMENT_OK ? payment_answer(call, &p, out) : op_fail(call, r);
}

/* ---- the combined list ---- */

static json_t *payment_row(const gql_call_t *call, const pay_list_row_t *row, bool *failed)
{
    json_t *node =
        row->outgoing ? gqlp_outgoing_row(call, row, failed) : gqlp_incoming_row(call, row, failed);
    return node ? gqlp_payment_node(node, row->outgoing) : NULL;
}

static gql_resolve_t q_payments(const gql_call_t *call, json_t **out)
{
    if (!op_of(call))
        return GQL_RESOLVE_ERROR;
    const json_t *filter = json_object_get(call->args, "filter");
    pay_list_query_t q = {.kind = PAY_LIST_PAYMENTS};
    gqlp_filter(filter, "type", PAY_LIST_BY_TYPE, &q);
    gqlp_filter(filter, "walletAddressId", PAY_LIST_BY_WALLET, &q);
    return gqlp_connection(call, &q, payment_row, out);
}

static const gql_resolver_t RESOLVERS[] = {
    {"Query", "quote", q_quote},
    {"Query", "outgoingPayment", q_outgoing_payment},
    {"Query", "outgoingPayments", q_outgoing_payments},
    {"Query", "payments", q_payments},
    {"OutgoingPayment", "liquidity", gqlp_liquidity},
    {"OutgoingPayment", "client", gqlp_client},
    {"Payment", "liquidity", gqlp_liquidity},
    {"Payment", "client", gqlp_client},
    {"Mutation", "createQuote", m_create_quote},
    {"Mutation", "createOutgoingPayment", m_create_outgoing},
    {"Mutation", "createOutgoingPaymentFromIncomingPayment", m_create_outgoing_from_incoming},
    {"Mutation", "cancelOutgoingPayment", m_cancel_outgoing},
};

const admin_gql_family_t admin_gql_outgoing = {RESOLVERS, sizeof RESOLVERS / sizeof *RESOLVERS};
