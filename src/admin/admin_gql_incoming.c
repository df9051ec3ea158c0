/*
 * Admin GraphQL: incoming payments and receivers (Rafiki's resolvers/incoming_payment.ts and
 * receiver.ts over open_payments/payment/incoming and open_payments/receiver). The rules are
 * incoming_payment.h's; this reads Rafiki's inputs in the order its service checks them and
 * answers with its IncomingPaymentError codes and messages.
 *
 * A receiver at another instance's wallet address is an incoming payment created there through
 * this instance's Open Payments client (op_client.h, the one quotes read remote incoming
 * payments with), as Rafiki's remote incoming payment service does, and completed there the
 * same way (POST {url}/complete).
 */
#include <string.h>

#include "admin/admin_gql_pay.h"
#include "payments/op_client.h"
#include "payments/partial_decision.h"
#include "payments/wallet_address_props.h"
#include "base/log.h"
#include "base/mem.h"
#include "ilp/packet.h"

static void upper(const char *s, char *out, size_t cap)
{
    size_t i = 0;
    for (; s[i] && i + 1 < cap; i++)
        out[i] = (s[i] >= 'a' && s[i] <= 'z') ? (char)(s[i] - 'a' + 'A') : s[i];
    out[i] = '\0';
}

json_t *gqlp_incoming_node(const wallet_ctx_t *ctx, const incoming_payment_t *p)
{
    char id[LEDGER_ID_STR_LEN + 1], wid[LEDGER_ID_STR_LEN + 1];
    char url[WALLET_ADDRESS_URL_MAX + 64], state[16];
    ledger_id_format(p->id, id);
    ledger_id_format(p->wallet_address_id, wid);
    if (incoming_payment_url(ctx, p->id, url, sizeof url) != 0)
        url[0] = '\0';
    upper(incoming_payment_state_str(p->state, p->received_amount), state, sizeof state);
    json_t *incoming = p->has_incoming_amount
                           ? gqlp_amount(p->incoming_amount, p->asset_code, p->asset_scale)
                           : json_null();
    json_t *reason = p->cancellation_reason[0] ? json_string(p->cancellation_reason) : json_null();
    json_t *cancelled = p->cancelled_ms ? admin_gql_time_json(p->cancelled_ms) : json_null();
    return json_pack(
        "{s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:s}", "id", id, "url", url,
        "walletAddressId", wid, "state", state, "expiresAt", admin_gql_time_json(p->expires_ms),
        "incomingAmount", incoming, "receivedAmount",
        gqlp_amount(p->received_amount, p->asset_code, p->asset_scale), "metadata",
        gqlp_metadata(p->metadata), "createdAt", admin_gql_time_json(p->created_ms),
        "cancellationReason", reason, "cancelledAt", cancelled, "__typename", "IncomingPayment");
}

/* Fails the call with Rafiki's answer to an incoming payment result (IncomingPaymentError). */
static gql_resolve_t ip_fail(const gql_call_t *call, incoming_payment_result_t r)
{
    switch (r) {
    case INCOMING_PAYMENT_NOT_FOUND:
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "unknown payment");
    case INCOMING_PAYMENT_WALLET_ADDRESS_NOT_FOUND:
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "unknown wallet address");
    case INCOMING_PAYMENT_WALLET_ADDRESS_INACTIVE:
        return admin_gql_fail(call, GQL_CODE_INACTIVE, "inactive wallet address");
    case INCOMING_PAYMENT_EXPIRY_INVALID:
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "invalid expiresAt");
    case INCOMING_PAYMENT_AMOUNT_INVALID:
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "invalid amount");
    case INCOMING_PAYMENT_METADATA_INVALID:
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "metadata is larger than %d bytes",
                              INCOMING_PAYMENT_METADATA_MAX);
    case INCOMING_PAYMENT_ALREADY_COMPLETED:
    case INCOMING_PAYMENT_ALREADY_EXPIRED:
    case INCOMING_PAYMENT_WRONG_STATE:
        return admin_gql_fail(call, GQL_CODE_CONFLICT, "wrong state");
    case INCOMING_PAYMENT_ALREADY_ACTIONED:
        return admin_gql_fail(call, GQL_CODE_FORBIDDEN, "action already performed");
    case INCOMING_PAYMENT_ACTION_NOT_PERFORMED:
        return admin_gql_fail(call, GQL_CODE_TIMEOUT, "action not performed");
    default:
        return gqlp_internal(call, "incoming payments");
    }
}

/*
 * Creates an incoming payment of wallet address w (NULL: read walletAddressId of in) from
 * Rafiki's create input (expiresAt, incomingAmount, metadata), checked in the order Rafiki's
 * service checks them. INCOMING_PAYMENT_OK with *p, or the result to answer with.
 */
static incoming_payment_result_t ip_create(const wallet_ctx_t *ctx, const json_t *in,
                                           const wallet_address_t *w, incoming_payment_t *p)
{
    incoming_payment_new_t n = {0};
    const char *exp = gqlp_str(in, "expiresAt");
    if (exp && ilp_time_parse_iso(SLICE_STR(exp), &n.expires_ms) != ILP_OK)
        return INCOMING_PAYMENT_EXPIRY_INVALID;
    quote_amount_t amount = {0};
    const json_t *a = json_object_get(in, "incomingAmount");
    n.has_incoming_amount = json_is_object(a);
    if (n.has_incoming_amount && (gqlp_amount_in(a, &amount) != 0 || amount.value == 0))
        return INCOMING_PAYMENT_AMOUNT_INVALID;
    wallet_address_t found;
    if (!w) {
        wallet_address_result_t wr = WALLET_ADDRESS_NOT_FOUND;
        if (gqlp_member_id(in, "walletAddressId", &n.wallet_address_id))
            wr = wallet_address_get(ctx, n.wallet_address_id, &found, NULL);
        if (wr != WALLET_ADDRESS_OK)
            return wr == WALLET_ADDRESS_NOT_FOUND ? INCOMING_PAYMENT_WALLET_ADDRESS_NOT_FOUND
                                                  : INCOMING_PAYMENT_STORAGE_ERROR;
        w = &found;
    }
    n.wallet_address_id = w->id;
    if (!w->active)
        return INCOMING_PAYMENT_WALLET_ADDRESS_INACTIVE;
    if (n.has_incoming_amount &&
        (strcmp(amount.asset_code, w->asset_code) != 0 || amount.asset_scale != w->asset_scale))
        return INCOMING_PAYMENT_AMOUNT_INVALID;
    n.incoming_amount = amount.value;
    const json_t *meta = json_object_get(in, "metadata");
    char *text = json_is_object(meta) ? json_dumps(meta, JSON_COMPACT) : NULL;
    n.metadata = text;
    incoming_payment_result_t r = incoming_payment_create(ctx, &n, p, NULL);
    free(text);
    const char *sender = gqlp_str(in, "senderWalletAddress");
    if (r == INCOMING_PAYMENT_OK && sender)
        r = incoming_payment_set_sender(ctx, p->id, sender, NULL);
    /* Rafiki's create waits for the wallet's approval when told to poll */
    return r == INCOMING_PAYMENT_OK ? incoming_payment_await_approval(ctx, p->id, p, NULL) : r;
}

/* ---- incoming payments ---- */

json_t *gqlp_incoming_row(const gql_call_t *call, const pay_list_row_t *row, bool *failed)
{
    const wallet_ctx_t *ctx = admin_gql_req(call)->gql->wallet;
    incoming_payment_t *p = xmalloc(sizeof *p);
    incoming_payment_result_t r = incoming_payment_get(ctx, row->id, p, NULL);
    *failed = r != INCOMING_PAYMENT_OK && r != INCOMING_PAYMENT_NOT_FOUND;
    json_t *node = r == INCOMING_PAYMENT_OK ? gqlp_incoming_node(ctx, p) : NULL;
    free(p);
    return node;
}

static gql_resolve_t q_incoming_payment(const gql_call_t *call, json_t **out)
{
    const wallet_ctx_t *ctx = gqlp_wallet_ctx(call);
    ledger_id_t id;
    if (!ctx)
        return GQL_RESOLVE_ERROR;
    if (!gqlp_member_id(call->args, "id", &id))
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "payment does not exist");
    pay_list_row_t row = {.id = id};
    bool failed;
    json_t *node = gqlp_incoming_row(call, &row, &failed);
    if (failed)
        return gqlp_internal(call, "incoming payments");
    if (!node)
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "payment does not exist");
    *out = node;
    return GQL_RESOLVED;
}

/* IncomingPayment.senderWalletAddress, read when asked for. */
static gql_resolve_t f_sender(const gql_call_t *call, json_t **out)
{
    const wallet_ctx_t *ctx = gqlp_wallet_ctx(call);
    ledger_id_t id;
    if (!ctx)
        return GQL_RESOLVE_ERROR;
    char sender[INCOMING_PAYMENT_SENDER_MAX + 1];
    if (!gqlp_member_id(call->parent, "id", &id)) {
        *out = json_null();
        return GQL_RESOLVED;
    }
    if (incoming_payment_sender(ctx, id, sender, sizeof sender, NULL) != INCOMING_PAYMENT_OK)
        return gqlp_internal(call, "incoming payments");
    *out = sender[0] ? json_string(sender) : json_null();
    return GQL_RESOLVED;
}

static gql_resolve_t q_incoming_payments(const gql_call_t *call, json_t **out)
{
    pay_list_query_t q = {.kind = PAY_LIST_INCOMING};
    gqlp_filter(json_object_get(call->args, "filter"), "initiatedBy", PAY_LIST_BY_INITIATED, &q);
    return gqlp_connection(call, &q, gqlp_incoming_row, out);
}

static gql_resolve_t m_create_incoming(const gql_call_t *call, json_t **out)
{
    const wallet_ctx_t *ctx = gqlp_wallet_ctx(call);
    if (!ctx)
        return GQL_RESOLVE_ERROR;
    incoming_payment_t *p = xmalloc(sizeof *p);
    incoming_payment_result_t r = ip_create(ctx, gqlp_input(call), NULL, p);
    if (r == INCOMING_PAYMENT_OK)
        *out = json_pack("{s:o}", "payment", gqlp_incoming_node(ctx, p));
    free(p);
    return r == INCOMING_PAYMENT_OK ? GQL_RESOLVED : ip_fail(call, r);
}

static gql_resolve_t m_update_incoming(const gql_call_t *call, json_t **out)
{
    const wallet_ctx_t *ctx = gqlp_wallet_ctx(call);
    if (!ctx)
        return GQL_RESOLVE_ERROR;
    const json_t *in = gqlp_input(call);
    ledger_id_t id;
    if (!gqlp_member_id(in, "id", &id))
        return ip_fail(call, INCOMING_PAYMENT_NOT_FOUND);
    char *text = json_dumps(json_object_get(in, "metadata"), JSON_COMPACT);
    incoming_payment_t *p = xmalloc(sizeof *p);
    incoming_payment_result_t r = incoming_payment_set_metadata(ctx, id, text, p, NULL);
    free(text);
    if (r == INCOMING_PAYMENT_OK)
        *out = json_pack("{s:o}", "payment", gqlp_incoming_node(ctx, p));
    free(p);
    return r == INCOMING_PAYMENT_OK ? GQL_RESOLVED : ip_fail(call, r);
}

/* approveIncomingPayment and cancelIncomingPayment (Rafiki's approve/cancel). */
static gql_resolve_t m_decide_incoming(const gql_call_t *call, json_t **out, bool approve)
{
    const wallet_ctx_t *ctx = gqlp_wallet_ctx(call);
    if (!ctx)
        return GQL_RESOLVE_ERROR;
    const json_t *in = gqlp_input(call);
    ledger_id_t id;
    if (!gqlp_member_id(in, "id", &id))
        return ip_fail(call, INCOMING_PAYMENT_NOT_FOUND);
    incoming_payment_t *p = xmalloc(sizeof *p);
    incoming_payment_result_t r =
        approve ? incoming_payment_approve(ctx, id, p, NULL)
                : incoming_payment_cancel(ctx, id, gqlp_str(in, "cancellationReason"), p, NULL);
    if (r == INCOMING_PAYMENT_OK)
        *out = json_pack("{s:o}", "payment", gqlp_incoming_node(ctx, p));
    free(p);
    return r == INCOMING_PAYMENT_OK ? GQL_RESOLVED : ip_fail(call, r);
}

static gql_resolve_t m_approve_incoming(const gql_call_t *call, json_t **out)
{
    return m_decide_incoming(call, out, true);
}

static gql_resolve_t m_cancel_incoming(const gql_call_t *call, json_t **out)
{
    return m_decide_incoming(call, out, false);
}

/* confirmPartialIncomingPayment and rejectPartialIncomingPayment: Rafiki checks the payment (an
 * unknown one is NOT_FOUND, a completed or expired one "invalid state"), then records the
 * decision for the waiting packet whatever partialIncomingPaymentId names (partial_decision.h);
 * success says whether it was recorded. */
static gql_resolve_t m_partial_decision(const gql_call_t *call, json_t **out, bool success)
{
    const wallet_ctx_t *ctx = gqlp_wallet_ctx(call);
    if (!ctx)
        return GQL_RESOLVE_ERROR;
    const json_t *in = gqlp_input(call);
    ledger_id_t id;
    if (!gqlp_member_id(in, "incomingPaymentId", &id))
        return ip_fail(call, INCOMING_PAYMENT_NOT_FOUND);
    incoming_payment_t *p = xmalloc(sizeof *p);
    incoming_payment_result_t r = incoming_payment_get(ctx, id, p, NULL);
    incoming_payment_state_t state = p->state;
    free(p);
    if (r != INCOMING_PAYMENT_OK)
        return ip_fail(call, r);
    if (state != INCOMING_PAYMENT_PENDING)
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "invalid state");
    char ip_id[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(id, ip_id);
    const char *partial = gqlp_str(in, "partialIncomingPaymentId");
    bool ok = partial_decision_record(admin_gql_req(call)->gql->admin->cache, ip_id,
                                      partial ? partial : "", success,
                                      success ? NULL : gqlp_str(in, "reason"));
    *out = json_pack("{s:b}", "success", ok);
    return GQL_RESOLVED;
}

static gql_resolve_t m_confirm_partial(const gql_call_t *call, json_t **out)
{
    return m_partial_decision(call, out, true);
}

static gql_resolve_t m_reject_partial(const gql_call_t *call, json_t **out)
{
    return m_partial_decision(call, out, false);
}

/* ---- receivers ---- */

/* A Receiver of local payment p of wallet address url. */
static json_t *receiver_node(const wallet_ctx_t *ctx, const incoming_payment_t *p,
                             const char *wallet_url)
{
    json_t *n = gqlp_incoming_node(ctx, p);
    json_t *r = json_pack(
        "{s:O,s:s,s:b,s:O,s:O,s:O,s:O,s:O}", "id", json_object_get(n, "url"), "walletAddressUrl",
        wallet_url, "completed", p->state == INCOMING_PAYMENT_COMPLETED, "incomingAmount",
        json_object_get(n, "incomingAmount"), "receivedAmount",
        json_object_get(n, "receivedAmount"), "expiresAt", json_object_get(n, "expiresAt"),
        "metadata", json_object_get(n, "metadata"), "createdAt", json_object_get(n, "createdAt"));
    json_decref(n);
    return r;
}

/* Whether url is under this instance's Open Payments URL (a local resource or none at all). */
static bool is_local(const wallet_ctx_t *ctx, const char *url)
{
    size_t n = strlen(ctx->op_url);
    return strncmp(url, ctx->op_url, n) == 0 && url[n] == '/';
}

/* The local incoming payment named by url and its wallet address: OK, NOT_FOUND, STORAGE. */
static incoming_payment_result_t receiver_read(const wallet_ctx_t *ctx, const char *url,
                                               incoming_payment_t *p, wallet_address_t *w)
{
    incoming_payment_result_t r = incoming_payment_get_by_url(ctx, url, strlen(url), p, NULL);
    if (r != INCOMING_PAYMENT_OK)
        return r;
    wallet_address_result_t wr = wallet_address_get(ctx, p->wallet_address_id, w, NULL);
    return wr == WALLET_ADDRESS_OK ? INCOMING_PAYMENT_OK : INCOMING_PAYMENT_STORAGE_ERROR;
}

/* This instance's Open Payments client: the one its quotes read remote incoming payments with. */
static op_client_t *op_client_of(const gql_call_t *call)
{
    const quote_svc_t *qs = admin_gql_req(call)->gql->quotes;
    return qs && qs->remote_incoming == op_client_incoming_get ? qs->remote_incoming_ctx : NULL;
}

/* A Receiver of an incoming payment as another instance's resource server shows it; NULL when
 * the answer is not an incoming payment (no id, wallet address or received amount). */
static json_t *remote_receiver_node(const json_t *ip)
{
    if (!json_is_string(json_object_get(ip, "id")) ||
        !json_is_string(json_object_get(ip, "walletAddress")) ||
        !json_is_object(json_object_get(ip, "receivedAmount")) ||
        !json_is_string(json_object_get(ip, "createdAt")))
        return NULL;
    static const char *const copy[] = {"incomingAmount", "receivedAmount", "expiresAt", "metadata",
                                       "createdAt"};
    json_t *r = json_pack("{s:O,s:O,s:b}", "id", json_object_get(ip, "id"), "walletAddressUrl",
                          json_object_get(ip, "walletAddress"), "completed",
                          json_is_true(json_object_get(ip, "completed")));
    for (size_t i = 0; r && i < sizeof copy / sizeof *copy; i++) {
        json_t *v = json_object_get(ip, copy[i]);
        /* amounts and metadata are objects, times strings; anything else reads as absent */
        bool ok = v && (strstr(copy[i], "At") ? json_is_string(v) : json_is_object(v));
        json_object_set(r, copy[i], ok ? v : json_null());
    }
    return r;
}

/* Rafiki's RemoteIncomingPaymentError answers. */
static gql_resolve_t remote_fail(const gql_call_t *call, op_client_result_t r)
{
    switch (r) {
    case OP_CLIENT_UNKNOWN_WALLET_ADDRESS:
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "unknown wallet address");
    case OP_CLIENT_NOT_FOUND:
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "unknown incoming payment");
    case OP_CLIENT_INVALID_GRANT:
        return admin_gql_fail(call, GQL_CODE_FORBIDDEN,
                              "invalid grant for remote incoming payment");
    default:
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT,
                              "invalid remote incoming payment request");
    }
}

/* createReceiver at another instance's wallet address url. */
static gql_resolve_t remote_create(const gql_call_t *call, const json_t *in, const char *url,
                                   json_t **out)
{
    op_client_t *c = op_client_of(call);
    if (!c)
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "unknown wallet address");
    json_t *body = json_object();
    static const char *const copy[] = {"incomingAmount", "expiresAt", "metadata"};
    for (size_t i = 0; i < sizeof copy / sizeof *copy; i++) {
        json_t *v = json_object_get(in, copy[i]);
        if (v && !json_is_null(v))
            json_object_set(body, copy[i], v);
    }
    json_t *amount = json_object_get(body, "incomingAmount");
    json_t *value = json_object_get(amount, "value");
    if (json_is_integer(value)) /* Open Payments amounts are decimal strings */
        json_object_set_new(amount, "value", gqlp_u64((uint64_t)json_integer_value(value)));
    json_t *ip = NULL;
    op_client_result_t r = op_client_incoming_create(c, url, body, &ip);
    json_decref(body);
    json_t *node = r == OP_CLIENT_OK ? remote_receiver_node(ip) : NULL;
    json_decref(ip);
    if (!node)
        return remote_fail(call, r == OP_CLIENT_OK ? OP_CLIENT_INVALID_REQUEST : r);
    *out = json_pack("{s:o}", "receiver", node);
    return GQL_RESOLVED;
}

/* receiver(id) of another instance: Rafiki answers every failure "receiver does not exist". */
static gql_resolve_t remote_receiver(const gql_call_t *call, const char *url, json_t **out)
{
    op_client_t *c = op_client_of(call);
    json_t *ip = NULL;
    op_client_result_t r = c ? op_client_incoming_read(c, url, &ip) : OP_CLIENT_NOT_FOUND;
    json_t *node = r == OP_CLIENT_OK ? remote_receiver_node(ip) : NULL;
    json_decref(ip);
    if (!node)
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "receiver does not exist");
    *out = node;
    return GQL_RESOLVED;
}

static gql_resolve_t q_receiver(const gql_call_t *call, json_t **out)
{
    const wallet_ctx_t *ctx = gqlp_wallet_ctx(call);
    if (!ctx)
        return GQL_RESOLVE_ERROR;
    const char *url = gqlp_str(call->args, "id");
    if (!is_local(ctx, url))
        return remote_receiver(call, url, out);
    incoming_payment_t *p = xmalloc(sizeof *p);
    wallet_address_t w;
    incoming_payment_result_t r = receiver_read(ctx, url, p, &w);
    if (r == INCOMING_PAYMENT_OK)
        *out = receiver_node(ctx, p, w.url);
    free(p);
    if (r == INCOMING_PAYMENT_NOT_FOUND)
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "receiver does not exist");
    return r == INCOMING_PAYMENT_OK ? GQL_RESOLVED : ip_fail(call, r);
}

static gql_resolve_t m_create_receiver(const gql_call_t *call, json_t **out)
{
    const wallet_ctx_t *ctx = gqlp_wallet_ctx(call);
    if (!ctx)
        return GQL_RESOLVE_ERROR;
    const json_t *in = gqlp_input(call);
    const char *url = gqlp_str(in, "walletAddressUrl");
    wallet_address_t w;
    wallet_address_result_t wr = wallet_address_find_by_url(ctx, url, &w, NULL);
    if (wr == WALLET_ADDRESS_NOT_FOUND && !is_local(ctx, url))
        return remote_create(call, in, url, out);
    if (wr == WALLET_ADDRESS_NOT_FOUND)
        return ip_fail(call, INCOMING_PAYMENT_WALLET_ADDRESS_NOT_FOUND);
    if (wr != WALLET_ADDRESS_OK)
        return ip_fail(call, INCOMING_PAYMENT_STORAGE_ERROR);
    incoming_payment_t *p = xmalloc(sizeof *p);
    incoming_payment_result_t r = ip_create(ctx, in, &w, p);
    if (r == INCOMING_PAYMENT_OK)
        *out = json_pack("{s:o}", "receiver", receiver_node(ctx, p, w.url));
    free(p);
    return r == INCOMING_PAYMENT_OK ? GQL_RESOLVED : ip_fail(call, r);
}

/* completeReceiver of another instance's incoming payment (Rafiki: unknown receivers are
 * "unknown payment", then RemoteIncomingPaymentError). */
static gql_resolve_t remote_complete(const gql_call_t *call, const char *url, json_t **out)
{
    op_client_t *c = op_client_of(call);
    json_t *ip = NULL;
    op_client_result_t r = c ? op_client_incoming_complete(c, url, &ip) : OP_CLIENT_NOT_FOUND;
    if (r == OP_CLIENT_NOT_FOUND)
        return ip_fail(call, INCOMING_PAYMENT_NOT_FOUND);
    json_t *node = r == OP_CLIENT_OK ? remote_receiver_node(ip) : NULL;
    json_decref(ip);
    if (!node)
        return remote_fail(call, r == OP_CLIENT_OK ? OP_CLIENT_INVALID_REQUEST : r);
    *out = json_pack("{s:o}", "receiver", node);
    return GQL_RESOLVED;
}

static gql_resolve_t m_complete_receiver(const gql_call_t *call, json_t **out)
{
    const wallet_ctx_t *ctx = gqlp_wallet_ctx(call);
    if (!ctx)
        return GQL_RESOLVE_ERROR;
    const char *url = gqlp_str(gqlp_input(call), "incomingPaymentUrl");
    if (!is_local(ctx, url))
        return remote_complete(call, url, out);
    incoming_payment_t *p = xmalloc(sizeof *p);
    wallet_address_t w;
    incoming_payment_result_t r = receiver_read(ctx, url, p, &w);
    if (r == INCOMING_PAYMENT_OK)
        r = incoming_payment_complete(ctx, p->id, p, NULL);
    if (r == INCOMING_PAYMENT_OK)
        *out = json_pack("{s:o}", "receiver", receiver_node(ctx, p, w.url));
    free(p);
    return r == INCOMING_PAYMENT_OK ? GQL_RESOLVED : ip_fail(call, r);
}

static const gql_resolver_t RESOLVERS[] = {
    {"Query", "incomingPayment", q_incoming_payment},
    {"Query", "incomingPayments", q_incoming_payments},
    {"Query", "receiver", q_receiver},
    {"IncomingPayment", "liquidity", gqlp_liquidity},
    {"IncomingPayment", "client", gqlp_client},
    {"IncomingPayment", "senderWalletAddress", f_sender},
    {"Mutation", "createIncomingPayment", m_create_incoming},
    {"Mutation", "updateIncomingPayment", m_update_incoming},
    {"Mutation", "createReceiver", m_create_receiver},
    {"Mutation", "completeReceiver", m_complete_receiver},
    {"Mutation", "approveIncomingPayment", m_approve_incoming},
    {"Mutation", "cancelIncomingPayment", m_cancel_incoming},
    {"Mutation", "confirmPartialIncomingPayment", m_confirm_partial},
    {"Mutation", "rejectPartialIncomingPayment", m_reject_partial},
};

const admin_gql_family_t admin_gql_incoming = {RESOLVERS, sizeof RESOLVERS / sizeof *RESOLVERS};
