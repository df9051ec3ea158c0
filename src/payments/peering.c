/*
 * Rafiki's peer service over the connector's peers (see peering.h).
 */
#include "payments/peering.h"

#include <stdio.h>
#include <string.h>

#include "ilp/address.h"
#include "payments/assets.h"
#include "payments/liquidity.h"
#include "payments/settlement.h"

const char *pay_peer_result_str(pay_peer_result_t r)
{
    static const char *const names[PAY_PEER_RESULT_COUNT] = {"ok",
                                                             "duplicate_token",
                                                             "duplicate",
                                                             "invalid_address",
                                                             "invalid_endpoint",
                                                             "unknown_asset",
                                                             "unknown",
                                                             "invalid_liquidity",
                                                             "invalid",
                                                             "storage_error"};
    return (unsigned)r < PAY_PEER_RESULT_COUNT ? names[r] : "unknown";
}

/* Rafiki's isValidHttpUrl: an http: or https: URL with a host. */
static bool http_url(const char *s)
{
    size_t skip = strncmp(s, "http://", 7) == 0 ? 7 : strncmp(s, "https://", 8) == 0 ? 8 : 0;
    return skip && s[skip] && s[skip] != '/' && strlen(s) <= PEER_ENDPOINT_MAX;
}

/* Rafiki's first two checks. */
static pay_peer_result_t check_address_endpoint(const pay_peer_input_t *in)
{
    if (in->static_ilp_address && !ilp_address_is_valid(SLICE_STR(in->static_ilp_address)))
        return PAY_PEER_INVALID_ADDRESS;
    if (in->has_http && (!in->endpoint || !http_url(in->endpoint)))
        return PAY_PEER_INVALID_ENDPOINT;
    return PAY_PEER_OK;
}

/* The static address, then the routes given. */
static pay_peer_result_t set_routes(peer_t *p, const pay_peer_input_t *in, peers_err_t *err)
{
    if (in->n_routes + 1 > PEER_ROUTES_MAX) {
        snprintf(err->msg, sizeof err->msg, "routes: at most %d", PEER_ROUTES_MAX - 1);
        return PAY_PEER_INVALID;
    }
    const char *v[PEER_ROUTES_MAX];
    v[0] = p->ilp_address;
    for (size_t i = 0; i < in->n_routes; i++)
        v[i + 1] = in->routes[i];
    peer_set_routes(p, v, in->n_routes + 1);
    return PAY_PEER_OK;
}

/* Applies the input's fields onto p and validates the result. */
static pay_peer_result_t apply(peer_t *p, const pay_peer_input_t *in, bool create, peers_err_t *err)
{
    if (in->static_ilp_address)
        snprintf(p->ilp_address, sizeof p->ilp_address, "%s", in->static_ilp_address);
    if (in->has_name && in->name && strlen(in->name) > PEER_NAME_MAX) {
        snprintf(err->msg, sizeof err->msg, "name: at most %d characters", PEER_NAME_MAX);
        return PAY_PEER_INVALID;
    }
    if (in->has_name)
        snprintf(p->name, sizeof p->name, "%s", in->name ? in->name : "");
    if (in->has_max_packet_amount)
        p->max_packet_amount = in->clear_max_packet_amount ? 0 : in->max_packet_amount;
    if (in->has_http)
        peer_set_outgoing(p, in->endpoint, in->auth_token);
    pay_peer_result_t r = PAY_PEER_OK;
    if (create || in->has_routes)
        r = set_routes(p, in, err);
    for (size_t i = 0; r == PAY_PEER_OK && in->has_incoming && i < in->n_incoming; i++)
        if (!*in->incoming[i] || strlen(in->incoming[i]) > PEER_TOKEN_MAX) {
            snprintf(err->msg, sizeof err->msg, "authTokens[%zu]: 1 to %d characters", i,
                     PEER_TOKEN_MAX);
            r = PAY_PEER_INVALID;
        }
    if (r == PAY_PEER_OK && in->has_incoming && in->n_incoming > PEER_INCOMING_TOKENS_MAX) {
        snprintf(err->msg, sizeof err->msg, "authTokens: at most %d", PEER_INCOMING_TOKENS_MAX);
        r = PAY_PEER_INVALID;
    }
    if (r == PAY_PEER_OK && peer_validate(p, err) != PEERS_OK)
        r = PAY_PEER_INVALID;
    return r;
}

static pay_peer_result_t from_store(peers_result_t r)
{
    return r == PEERS_OK            ? PAY_PEER_OK
           : r == PEERS_TOKEN_TAKEN ? PAY_PEER_DUPLICATE_TOKEN
           : r == PEERS_NOT_FOUND   ? PAY_PEER_UNKNOWN
           : r == PEERS_INVALID     ? PAY_PEER_INVALID
                                    : PAY_PEER_STORAGE_ERROR;
}

/* Sets or clears the peer's liquidity threshold as the input says. */
static pay_peer_result_t threshold_write(db_t *db, const peer_t *p, const pay_peer_input_t *in)
{
    db_err_t err = {0};
    if (!in->has_liquidity_threshold)
        return PAY_PEER_OK;
    if (in->clear_liquidity_threshold)
        return liquidity_threshold_clear(db, p->id, &err) == DB_OK ? PAY_PEER_OK
                                                                   : PAY_PEER_STORAGE_ERROR;
    liquidity_threshold_t t = {.kind = LIQUIDITY_PEER,
                               .owner_id = p->id,
                               .account_id = p->account_id,
                               .asset_id = p->asset_id,
                               .asset_scale = p->asset_scale,
                               .threshold = in->liquidity_threshold};
    snprintf(t.asset_code, sizeof t.asset_code, "%s", p->asset_code);
    return liquidity_threshold_set(db, &t, &err) == DB_OK ? PAY_PEER_OK : PAY_PEER_STORAGE_ERROR;
}

/* Reads the stored peer back into *out and mirrors it into the registry. */
static pay_peer_result_t publish(db_t *db, peers_t *reg, ledger_id_t id, const pay_peer_input_t *in,
                                 peer_t **out)
{
    pay_peer_result_t r = from_store(peers_db_get(db, id, out));
    if (r != PAY_PEER_OK || !reg)
        return r;
    uint8_t h[PEER_INCOMING_TOKENS_MAX][SHA256_LEN];
    for (size_t i = 0; in->has_incoming && i < in->n_incoming; i++)
        peer_token_hash(h[i], in->incoming[i], strlen(in->incoming[i]));
    peers_put(reg, *out, in->has_incoming ? (const uint8_t(*)[SHA256_LEN])h : NULL,
              in->has_incoming ? in->n_incoming : 0);
    return PAY_PEER_OK;
}

/* The checks before anything is written: the asset, the fields, a duplicate. */
static pay_peer_result_t create_checks(db_t *db, ledger_t *l, const pay_peer_input_t *in, peer_t *p,
                                       peers_err_t *err)
{
    pay_asset_t a;
    pay_asset_result_t ar = pay_asset_get(db, l, in->asset_id, &a);
    if (ar != PAY_ASSET_OK)
        return ar == PAY_ASSET_NOT_FOUND ? PAY_PEER_UNKNOWN_ASSET : PAY_PEER_STORAGE_ERROR;
    p->asset_id = in->asset_id;
    snprintf(p->asset_code, sizeof p->asset_code, "%s", a.ledger.code);
    p->asset_scale = a.ledger.scale;
    pay_peer_result_t r = apply(p, in, true, err);
    if (r != PAY_PEER_OK)
        return r;
    ledger_id_t other;
    peers_result_t pr = peers_db_find_address(db, p->ilp_address, p->asset_id, NULL, &other);
    return pr == PEERS_OK          ? PAY_PEER_DUPLICATE
           : pr == PEERS_NOT_FOUND ? PAY_PEER_OK
                                   : PAY_PEER_STORAGE_ERROR;
}

pay_peer_result_t pay_peer_create(db_t *db, ledger_t *l, peers_t *reg, const pay_peer_input_t *in,
                                  peer_t **out, peers_err_t *err)
{
    *out = NULL;
    pay_peer_result_t r = check_address_endpoint(in);
    if (r != PAY_PEER_OK)
        return r;
    if (!in->static_ilp_address || !in->has_http)
        return PAY_PEER_INVALID_ADDRESS;
    peer_t *p = peer_new();
    if ((r = create_checks(db, l, in, p, err)) != PAY_PEER_OK)
        goto done;
    ledger_account_t acct = {.kind = LEDGER_KIND_PEER,
                             .asset_id = p->asset_id,
                             .max_packet_amount = p->max_packet_amount};
    if (ledger_account_create(l, &acct) != LEDGER_OK) {
        r = PAY_PEER_STORAGE_ERROR;
        goto done;
    }
    p->id = ledger_id_random();
    p->account_id = acct.id;
    r = from_store(peers_db_insert(db, p, in->has_incoming ? in->incoming : NULL,
                                   in->has_incoming ? in->n_incoming : 0, err));
    if (r == PAY_PEER_OK && in->initial_liquidity &&
        pay_deposit(l, acct.id, ledger_id_random(), in->initial_liquidity) != PAY_MOVE_OK)
        r = PAY_PEER_INVALID_LIQUIDITY;
    if (r == PAY_PEER_OK)
        r = threshold_write(db, p, in);
    if (r == PAY_PEER_OK)
        r = publish(db, reg, p->id, in, out);
    else if (r != PAY_PEER_DUPLICATE_TOKEN && r != PAY_PEER_STORAGE_ERROR)
        peers_db_delete(db, p->id); /* undo the row: Rafiki's transaction rolls back */
done:
    peer_release(p);
    return r;
}

pay_peer_result_t pay_peer_update(db_t *db, ledger_t *l, peers_t *reg, ledger_id_t id,
                                  const pay_peer_input_t *in, peer_t **out, peers_err_t *err)
{
    (void)l;
    *out = NULL;
    pay_peer_result_t r = check_address_endpoint(in);
    if (r != PAY_PEER_OK)
        return r;
    peer_t *stored;
    if ((r = from_store(peers_db_get(db, id, &stored))) != PAY_PEER_OK)
        return r;
    peer_t *p = peer_clone(stored);
    peer_release(stored);
    ledger_id_t other;
    peers_result_t pr = PEERS_NOT_FOUND;
    if ((r = apply(p, in, false, err)) == PAY_PEER_OK)
        pr = peers_db_find_address(db, p->ilp_address, p->asset_id, &p->id, &other);
    if (r == PAY_PEER_OK && pr != PEERS_NOT_FOUND)
        r = pr == PEERS_OK ? PAY_PEER_DUPLICATE : PAY_PEER_STORAGE_ERROR;
    if (r == PAY_PEER_OK)
        r = from_store(
            peers_db_update(db, p, in->has_incoming ? in->incoming : NULL, in->n_incoming, err));
    if (r == PAY_PEER_OK)
        r = threshold_write(db, p, in);
    if (r == PAY_PEER_OK)
        r = publish(db, reg, p->id, in, out);
    peer_release(p);
    return r;
}

pay_peer_result_t pay_peer_delete(db_t *db, peers_t *reg, ledger_id_t id)
{
    pay_peer_result_t r = from_store(peers_db_delete(db, id));
    if (r != PAY_PEER_OK)
        return r;
    if (reg)
        peers_remove(reg, id);
    db_err_t err = {0};
    return liquidity_threshold_clear(db, id, &err) == DB_OK ? PAY_PEER_OK : PAY_PEER_STORAGE_ERROR;
}

pay_peer_result_t pay_peer_threshold(db_t *db, ledger_id_t id, bool *has, uint64_t *threshold)
{
    liquidity_threshold_t t;
    db_err_t err = {0};
    db_rc_t rc = liquidity_threshold_get(db, id, &t, &err);
    *has = rc == DB_OK;
    *threshold = rc == DB_OK ? t.threshold : 0;
    return rc == DB_OK || rc == DB_NOT_FOUND ? PAY_PEER_OK : PAY_PEER_STORAGE_ERROR;
}
