/*
 * Rafiki's peer operations over the GraphQL face: peer, peerByAddressAndAsset, peers,
 * createPeer, updatePeer, deletePeer, depositPeerLiquidity, createPeerLiquidityWithdrawal and
 * Peer.liquidity, as Rafiki's peer and liquidity resolvers answer them (payments/peering.h
 * keeps Rafiki's peer rules), and createOrUpdatePeerByUrl, Rafiki's auto-peering resolver
 * (payments/auto_peering.h), whose errors are thrown with Rafiki's errorToCode.
 */
#include <string.h>

#include "admin/admin_gql_ledger.h"
#include "payments/auto_peering.h"
#include "payments/json.h"
#include "payments/peering.h"

static peers_t *registry(const gql_call_t *call)
{
    connector_t *c = admin_gql_req(call)->gql->connector;
    return c ? connector_peers(c) : NULL;
}

static gql_resolve_t peer_fail(const gql_call_t *call, pay_peer_result_t r, const peers_err_t *e)
{
    switch (r) {
    case PAY_PEER_DUPLICATE_TOKEN:
        return admin_gql_fail(call, GQL_CODE_DUPLICATE, "duplicate incoming token");
    case PAY_PEER_DUPLICATE:
        return admin_gql_fail(call, GQL_CODE_DUPLICATE,
                              "duplicate peer found for same ILP address and asset");
    case PAY_PEER_INVALID_ADDRESS:
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "invalid ILP address");
    case PAY_PEER_INVALID_ENDPOINT:
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "invalid HTTP endpoint");
    case PAY_PEER_UNKNOWN_ASSET:
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "unknown asset");
    case PAY_PEER_UNKNOWN:
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "unknown peer");
    case PAY_PEER_INVALID_LIQUIDITY:
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "invalid initial liquidity for peer");
    case PAY_PEER_INVALID:
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "%s", e ? e->msg : "invalid peer");
    default:
        return admin_gql_fail(call, GQL_CODE_INTERNAL, "Internal server error");
    }
}

/* The schema's Peer, with its asset. */
static json_t *peer_json(const gql_call_t *call, const peer_t *p)
{
    json_t *routes = json_array();
    for (size_t i = 0; i < p->nroutes; i++)
        json_array_append_new(routes, json_string(p->routes[i]));
    pay_asset_t a;
    json_t *asset;
    if (pay_asset_get(gqll_db(call), gqll_ledger(call), p->asset_id, &a) == PAY_ASSET_OK) {
        asset = gqll_asset_json(&a);
    } else { /* a deleted asset: what the peer row knows of it */
        memset(&a, 0, sizeof a);
        a.ledger.id = p->asset_id;
        snprintf(a.ledger.code, sizeof a.ledger.code, "%s", p->asset_code);
        a.ledger.scale = p->asset_scale;
        asset = gqll_asset_json(&a);
    }
    bool has_th = false;
    uint64_t th = 0;
    pay_peer_threshold(gqll_db(call), p->id, &has_th, &th);
    return json_pack(
        "{s:o,s:o,s:{s:{s:s,s:s}},s:o,s:s,s:o,s:o,s:o,s:o}", "id", pay_json_id(p->id),
        "maxPacketAmount", p->max_packet_amount ? pay_json_u64(p->max_packet_amount) : json_null(),
        "http", "outgoing", "authToken", p->outgoing_token ? p->outgoing_token : "", "endpoint",
        p->outgoing_endpoint ? p->outgoing_endpoint : "", "asset", asset, "staticIlpAddress",
        p->ilp_address, "name", p->name[0] ? json_string(p->name) : json_null(),
        "liquidityThreshold", has_th ? pay_json_u64(th) : json_null(), "createdAt",
        admin_gql_time_json(p->created_ms), "routes", routes);
}

/* ---- queries ---- */

static gql_resolve_t q_peer(const gql_call_t *call, json_t **out)
{
    ledger_id_t id;
    peer_t *p = NULL;
    peers_result_t r = PEERS_NOT_FOUND;
    if (gqll_id(call->args, "id", &id))
        r = peers_db_get(gqll_db(call), id, &p);
    if (r != PEERS_OK)
        return peer_fail(call, r == PEERS_NOT_FOUND ? PAY_PEER_UNKNOWN : PAY_PEER_STORAGE_ERROR,
                         NULL);
    *out = peer_json(call, p);
    peer_release(p);
    return GQL_RESOLVED;
}

static gql_resolve_t q_peer_by_address(const gql_call_t *call, json_t **out)
{
    ledger_id_t asset;
    const char *address = gqll_str(call->args, "staticIlpAddress");
    peer_t *p = NULL;
    peers_result_t r = PEERS_NOT_FOUND;
    if (address && gqll_id(call->args, "assetId", &asset))
        r = peers_db_next_hop(gqll_db(call), address, asset, &p);
    if (r == PEERS_NOT_FOUND) {
        *out = json_null();
        return GQL_RESOLVED;
    }
    if (r != PEERS_OK)
        return peer_fail(call, PAY_PEER_STORAGE_ERROR, NULL);
    *out = peer_json(call, p);
    peer_release(p);
    return GQL_RESOLVED;
}

static gql_resolve_t peers_page(const gql_call_t *call, void *arg, const pay_keyset_t *k,
                                json_t **nodes)
{
    (void)arg;
    peer_t *page[ADMIN_GQL_PAGE_MAX];
    size_t n = 0, cap = k->limit < ADMIN_GQL_PAGE_MAX ? k->limit : ADMIN_GQL_PAGE_MAX;
    if (peers_db_page(gqll_db(call), k->asc, k->backward, k->has_cursor ? &k->cursor : NULL, page,
                      cap, &n) != PEERS_OK)
        return peer_fail(call, PAY_PEER_STORAGE_ERROR, NULL);
    *nodes = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(*nodes, peer_json(call, page[i]));
        peer_release(page[i]);
    }
    return GQL_RESOLVED;
}

static gql_resolve_t q_peers(const gql_call_t *call, json_t **out)
{
    return admin_gql_scoped_connection(call, NULL, peers_page, PAY_OWNED_PEER, out);
}

/* Peer.liquidity: its account's balance (Rafiki: "Unknown peer" when it is gone). */
static gql_resolve_t f_liquidity(const gql_call_t *call, json_t **out)
{
    ledger_id_t id;
    peer_t *p = NULL;
    if (!gqll_id(call->parent, "id", &id) || peers_db_get(gqll_db(call), id, &p) != PEERS_OK)
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "Unknown peer");
    ledger_status_t s;
    ledger_result_t r = ledger_account_status(gqll_ledger(call), p->account_id, &s);
    peer_release(p);
    if (r != LEDGER_OK)
        return admin_gql_fail(call, GQL_CODE_INTERNAL, "No liquidity account found");
    *out = pay_json_i64(s.balance);
    return GQL_RESOLVED;
}

/* ---- mutations ---- */

/* A list of strings (pointers into the JSON) into v; false when malformed or too long. */
static bool strings(const json_t *a, const char **v, size_t max, size_t *n)
{
    *n = 0;
    if (!json_is_array(a) || json_array_size(a) > max)
        return false;
    for (size_t i = 0; i < json_array_size(a); i++)
        if (!(v[(*n)++] = json_string_value(json_array_get(a, i))))
            return false;
    return true;
}

/* A field that is absent (unchanged), null (removed) or a value. */
static void presence(const json_t *in, const char *key, bool *has, bool *is_null)
{
    json_t *v = json_object_get(in, key);
    *has = v != NULL;
    *is_null = v && json_is_null(v);
}

typedef struct {
    const char *incoming[PEER_INCOMING_TOKENS_MAX + 1];
    const char *routes[PEER_ROUTES_MAX + 1];
} peer_lists_t;

/* Reads a CreatePeerInput or UpdatePeerInput into *p; false: a field out of bounds. */
static bool peer_input(const json_t *in, pay_peer_input_t *p, peer_lists_t *lists)
{
    bool null_name, ok = true;
    memset(p, 0, sizeof *p);
    p->static_ilp_address = gqll_str(in, "staticIlpAddress");
    presence(in, "name", &p->has_name, &null_name);
    p->name = gqll_str(in, "name");
    presence(in, "maxPacketAmount", &p->has_max_packet_amount, &p->clear_max_packet_amount);
    presence(in, "liquidityThreshold", &p->has_liquidity_threshold, &p->clear_liquidity_threshold);
    bool given;
    ok &= gqll_u64(in, "maxPacketAmount", &p->max_packet_amount, &given);
    ok &= gqll_u64(in, "liquidityThreshold", &p->liquidity_threshold, &given);
    ok &= gqll_u64(in, "initialLiquidity", &p->initial_liquidity, &given);
    json_t *http = json_object_get(in, "http");
    json_t *outgoing = json_object_get(http, "outgoing");
    p->has_http = json_is_object(outgoing);
    p->endpoint = gqll_str(outgoing, "endpoint");
    p->auth_token = gqll_str(outgoing, "authToken");
    json_t *tokens = json_object_get(json_object_get(http, "incoming"), "authTokens");
    p->has_incoming = tokens != NULL;
    if (tokens)
        ok &= strings(tokens, lists->incoming, PEER_INCOMING_TOKENS_MAX, &p->n_incoming);
    json_t *routes = json_object_get(in, "routes");
    p->has_routes = routes && !json_is_null(routes);
    if (p->has_routes)
        ok &= strings(routes, lists->routes, PEER_ROUTES_MAX - 1, &p->n_routes);
    p->incoming = lists->incoming;
    p->routes = lists->routes;
    return ok;
}

static gql_resolve_t m_create_peer(const gql_call_t *call, json_t **out)
{
    json_t *in = gqll_input(call);
    pay_peer_input_t p;
    peer_lists_t lists;
    peers_err_t err = {{0}};
    if (!peer_input(in, &p, &lists))
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "invalid peer input");
    if (!gqll_id(in, "assetId", &p.asset_id))
        p.asset_id = (ledger_id_t){0, 0}; /* no asset has it: "unknown asset" in Rafiki's order */
    peer_t *stored;
    const char *owner;
    if (!admin_gql_create_owner(call, in, &owner))
        return GQL_RESOLVE_ERROR;
    pay_peer_result_t r =
        pay_peer_create(gqll_db(call), gqll_ledger(call), registry(call), &p, &stored, &err);
    if (r != PAY_PEER_OK)
        return peer_fail(call, r, &err);
    bool owned = admin_gql_created(call, PAY_OWNED_PEER, stored->id, owner);
    if (owned)
        *out = json_pack("{s:o}", "peer", peer_json(call, stored));
    peer_release(stored);
    return owned ? GQL_RESOLVED : GQL_RESOLVE_ERROR;
}

static gql_resolve_t m_update_peer(const gql_call_t *call, json_t **out)
{
    json_t *in = gqll_input(call);
    pay_peer_input_t p;
    peer_lists_t lists;
    peers_err_t err = {{0}};
    ledger_id_t id;
    if (!peer_input(in, &p, &lists))
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "invalid peer input");
    if (!gqll_id(in, "id", &id))
        id = (ledger_id_t){0, 0}; /* no peer has it */
    peer_t *stored;
    pay_peer_result_t r =
        pay_peer_update(gqll_db(call), gqll_ledger(call), registry(call), id, &p, &stored, &err);
    if (r != PAY_PEER_OK)
        return peer_fail(call, r, &err);
    *out = json_pack("{s:o}", "peer", peer_json(call, stored));
    peer_release(stored);
    return GQL_RESOLVED;
}

static gql_resolve_t m_delete_peer(const gql_call_t *call, json_t **out)
{
    ledger_id_t id;
    pay_peer_result_t r = PAY_PEER_UNKNOWN;
    if (gqll_id(gqll_input(call), "id", &id))
        r = pay_peer_delete(gqll_db(call), registry(call), id);
    if (r != PAY_PEER_OK)
        return peer_fail(call, r, NULL);
    *out = gqll_success();
    return GQL_RESOLVED;
}

/* depositPeerLiquidity and createPeerLiquidityWithdrawal: amount zero, unknown peer (the
 * deposit says it in the peer service's words, the withdrawal in the liquidity resolver's),
 * then the accounting service's errors. */
static gql_resolve_t peer_move(const gql_call_t *call, json_t **out, bool deposit)
{
    json_t *in = gqll_input(call);
    uint64_t amount = 0, timeout = 0;
    bool has_amount, has_timeout;
    if (!gqll_u64(in, "amount", &amount, &has_amount) ||
        !gqll_u64(in, "timeoutSeconds", &timeout, &has_timeout))
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "Invalid transfer amount");
    if (amount == 0)
        return admin_gql_fail(call, GQL_CODE_FORBIDDEN, "Transfer amount is zero");
    ledger_id_t peer_id, transfer_id;
    peer_t *p = NULL;
    peers_result_t pr = PEERS_NOT_FOUND;
    if (gqll_id(in, "peerId", &peer_id))
        pr = peers_db_get(gqll_db(call), peer_id, &p);
    if (pr == PEERS_NOT_FOUND)
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, deposit ? "unknown peer" : "Unknown peer");
    if (pr != PEERS_OK)
        return peer_fail(call, PAY_PEER_STORAGE_ERROR, NULL);
    ledger_id_t acct = p->account_id;
    peer_release(p);
    if (!gqll_id(in, "id", &transfer_id))
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "Invalid transfer id");
    ledger_t *l = gqll_ledger(call);
    pay_move_result_t m = deposit ? pay_deposit(l, acct, transfer_id, amount)
                                  : pay_withdraw(l, acct, transfer_id, amount, timeout);
    if (m != PAY_MOVE_OK)
        return gqll_move_fail(call, m, deposit);
    *out = gqll_success();
    return GQL_RESOLVED;
}

static gql_resolve_t m_deposit_peer(const gql_call_t *call, json_t **out)
{
    return peer_move(call, out, true);
}

static gql_resolve_t m_withdraw_peer(const gql_call_t *call, json_t **out)
{
    return peer_move(call, out, false);
}

/* Rafiki's errorToCode of auto-peering (and ours for a failing store). */
static const char *autopeer_code(autopeer_result_t r)
{
    switch (r) {
    case AUTOPEER_INVALID_ILP_CONFIGURATION:
    case AUTOPEER_PEER_UNSUPPORTED_ASSET:
    case AUTOPEER_INVALID_PEERING_REQUEST:
        return GQL_CODE_BAD_USER_INPUT;
    case AUTOPEER_UNKNOWN_ASSET:
    case AUTOPEER_INVALID_PEER_URL:
        return GQL_CODE_NOT_FOUND;
    default:
        return GQL_CODE_INTERNAL;
    }
}

static gql_resolve_t m_by_url(const gql_call_t *call, json_t **out)
{
    const autopeer_t *ap = admin_gql_req(call)->gql->autopeer;
    if (!ap)
        return peer_fail(call, PAY_PEER_STORAGE_ERROR, NULL);
    json_t *in = gqll_input(call);
    autopeer_initiate_t a = {.peer_url = gqll_str(in, "peerUrl"), .name = gqll_str(in, "name")};
    bool given;
    if (!gqll_u64(in, "maxPacketAmount", &a.max_packet_amount, &a.has_max_packet_amount) ||
        !gqll_u64(in, "liquidityToDeposit", &a.liquidity_to_deposit, &given) ||
        !gqll_u64(in, "liquidityThreshold", &a.liquidity_threshold, &a.has_liquidity_threshold))
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "invalid peer input");
    if (!gqll_id(in, "assetId", &a.asset_id))
        a.asset_id = (ledger_id_t){0, 0}; /* no asset has it: "Unknown asset" */
    peer_t *p = NULL;
    const char *owner;
    if (!admin_gql_create_owner(call, in, &owner))
        return GQL_RESOLVE_ERROR;
    autopeer_result_t r = autopeer_initiate(ap, &a, &p);
    if (r != AUTOPEER_OK)
        return admin_gql_fail(call, autopeer_code(r), "%s", autopeer_result_message(r));
    bool owned = admin_gql_created(call, PAY_OWNED_PEER, p->id, owner);
    if (owned)
        *out = json_pack("{s:o}", "peer", peer_json(call, p));
    peer_release(p);
    return owned ? GQL_RESOLVED : GQL_RESOLVE_ERROR;
}

static const gql_resolver_t resolvers[] = {
    {"Query", "peer", q_peer},
    {"Query", "peerByAddressAndAsset", q_peer_by_address},
    {"Query", "peers", q_peers},
    {"Peer", "liquidity", f_liquidity},
    {"Mutation", "createPeer", m_create_peer},
    {"Mutation", "createOrUpdatePeerByUrl", m_by_url},
    {"Mutation", "updatePeer", m_update_peer},
    {"Mutation", "deletePeer", m_delete_peer},
    {"Mutation", "depositPeerLiquidity", m_deposit_peer},
    {"Mutation", "createPeerLiquidityWithdrawal", m_withdraw_peer},
};

const admin_gql_family_t admin_gql_peers = {resolvers, sizeof resolvers / sizeof resolvers[0]};
