/*
 * Admin API routes over the account service: assets, accounts and sub-accounts, account status
 * and history, atomic multi-leg transfers, pending post/void, deposits and two-phase withdrawals.
 * Every route maps JSON to ledger calls and back; nothing here touches the ledger's tables.
 *
 * A POST /transfers is one ledger transfer group (ledger_group_create): its legs apply all or
 * nothing, leg 0 takes the transfer's id and the others ids derived from it, a retry with the
 * same legs answers 200 with the stored legs, and post/void by the transfer id resolve the whole
 * group. Deposits and withdrawals are groups of one leg.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "admin/admin.h"
#include "base/assert.h"
#include "base/log.h"
#include "ilp/address.h"

/* ---- JSON views of ledger records ---- */

static json_t *asset_json(const ledger_asset_t *a)
{
    return json_pack("{s:o,s:s,s:i,s:o,s:o,s:o}", "id", pay_json_id(a->id), "code", a->code,
                     "scale", (int)a->scale, "liquidity_account_id",
                     pay_json_id(a->liquidity_account_id), "settlement_account_id",
                     pay_json_id(a->settlement_account_id), "created_at",
                     pay_json_time(a->created_ms));
}

static json_t *account_json(const ledger_account_t *a)
{
    json_t *ilp = json_pack("{s:o,s:o,s:b}", "address",
                            a->ilp_address[0] ? json_string(a->ilp_address) : json_null(),
                            "max_packet_amount",
                            a->max_packet_amount ? pay_json_u64(a->max_packet_amount) : json_null(),
                            "stream_enabled", a->stream_enabled);
    return json_pack("{s:o,s:o,s:o,s:s,s:o,s:o,s:o,s:o}", "id", pay_json_id(a->id), "asset_id",
                     pay_json_id(a->asset_id), "parent_id", pay_json_id_or_null(a->parent_id),
                     "kind", ledger_kind_str(a->kind), "min_balance",
                     a->no_min_balance ? json_null() : pay_json_i64(a->min_balance), "max_balance",
                     a->has_max_balance ? pay_json_i64(a->max_balance) : json_null(), "ilp", ilp,
                     "created_at", pay_json_time(a->created_ms));
}

static const char *code_name(uint32_t code)
{
    switch (code) {
    case PAY_CODE_TRANSFER:
        return "transfer";
    case PAY_CODE_DEPOSIT:
        return "deposit";
    case PAY_CODE_WITHDRAWAL:
        return "withdrawal";
    default:
        return "other";
    }
}

static json_t *transfer_json(const ledger_transfer_t *t)
{
    return json_pack(
        "{s:o,s:o,s:o,s:o,s:o,s:s,s:b,s:s,s:I,s:o,s:o,s:o,s:o}", "id", pay_json_id(t->id),
        "debit_account_id", pay_json_id(t->debit_account_id), "credit_account_id",
        pay_json_id(t->credit_account_id), "amount", pay_json_u64(t->amount), "posted_amount",
        pay_json_u64(t->posted_amount), "state", ledger_state_str(t->state), "pending",
        (t->flags & LEDGER_F_PENDING) != 0, "type", code_name(t->code), "code", (json_int_t)t->code,
        "timeout_ms", pay_json_u64(t->timeout_ms), "created_at", pay_json_time(t->created_ms),
        "expires_at", pay_json_time(t->expires_ms), "resolved_at", pay_json_time(t->resolved_ms));
}

static json_t *status_json(ledger_id_t id, const ledger_status_t *s)
{
    return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "account_id", pay_json_id(id), "balance",
                     pay_json_i64(s->balance), "debits_pending", pay_json_u64(s->debits_pending),
                     "credits_pending", pay_json_u64(s->credits_pending), "total_received",
                     pay_json_u64(s->total_received), "total_sent", pay_json_u64(s->total_sent),
                     "available",
                     s->available == UINT64_MAX ? json_null() : pay_json_u64(s->available));
}

/* ---- assets ---- */

static http_handler_result_t asset_create(admin_call_t *call)
{
    static const char *const keys[] = {"id", "code", "scale", NULL};
    json_t *body = admin_body(call);
    if (!body || admin_check_keys(call, body, "the asset", keys) != 0)
        return HTTP_DONE;
    ledger_asset_t a = {0};
    uint64_t scale = 0;
    bool has_scale;
    json_t *code = json_object_get(body, "code");
    if (!json_is_string(code) || json_string_length(code) == 0 ||
        json_string_length(code) > ASSET_CODE_MAX_LEN)
        return admin_error(call, 400, "invalid_field",
                           "field 'code' must be a string of 1 to %d characters",
                           ASSET_CODE_MAX_LEN);
    if (admin_opt_id(call, body, "id", &a.id, NULL) != 0 ||
        admin_opt_uint(call, body, "scale", 0, 255, &scale, &has_scale) != 0)
        return HTTP_DONE;
    if (!has_scale)
        return admin_error(call, 400, "missing_field", "missing required field 'scale'");
    memcpy(a.code, json_string_value(code), json_string_length(code) + 1);
    a.scale = (uint8_t)scale;
    ledger_result_t r = ledger_asset_create(call->ctx->ledger, &a);
    if (r == LEDGER_ASSET_CODE_INVALID)
        return admin_error(call, 400, "invalid_field",
                           "field 'code' must be letters and digits only, like USD");
    if (r != LEDGER_OK && r != LEDGER_EXISTS)
        return admin_ledger_error(call, r, false, "asset");
    return admin_reply(call, r == LEDGER_OK ? 201 : 200, asset_json(&a));
}

static http_handler_result_t asset_get(admin_call_t *call)
{
    ledger_asset_t a;
    if (admin_path_id(call, "id", &a.id) != 0)
        return HTTP_DONE;
    ledger_result_t r = ledger_asset_get(call->ctx->ledger, a.id, &a);
    if (r != LEDGER_OK)
        return admin_ledger_error(call, r, true, "asset");
    return admin_reply(call, 200, asset_json(&a));
}

/* {"<key>": list, "next_cursor": last_id or null}: a page asked with limit + 1 has more. */
static http_handler_result_t page_reply(admin_call_t *call, const char *key, json_t *list,
                                        bool more, ledger_id_t last_id)
{
    return admin_reply(call, 200,
                       json_pack("{s:o,s:o}", key, list, "next_cursor",
                                 more ? pay_json_id(last_id) : json_null()));
}

static http_handler_result_t asset_list(admin_call_t *call)
{
    size_t limit, n = 0;
    ledger_id_t after;
    if (admin_query_limit(call, &limit) != 0 || admin_query_cursor(call, &after) != 0)
        return HTTP_DONE;
    ledger_asset_t page[ADMIN_PAGE_MAX + 1];
    ledger_result_t r = ledger_asset_list(call->ctx->ledger, after, page, limit + 1, &n);
    if (r != LEDGER_OK)
        return admin_ledger_error(call, r, false, "assets");
    size_t shown = n > limit ? limit : n;
    json_t *list = json_array();
    for (size_t i = 0; i < shown; i++)
        json_array_append_new(list, asset_json(&page[i]));
    return page_reply(call, "assets", list, n > limit, shown ? page[shown - 1].id : after);
}

/* ---- accounts ---- */

/* Reads the "ilp" object into a. patch: a JSON null address clears it. */
static int parse_ilp(admin_call_t *call, const json_t *body, ledger_account_t *a)
{
    static const char *const keys[] = {"address", "max_packet_amount", "stream_enabled", NULL};
    json_t *ilp = json_object_get(body, "ilp");
    if (!ilp || json_is_null(ilp))
        return 0;
    if (!json_is_object(ilp)) {
        admin_error(call, 400, "invalid_field", "field 'ilp' must be an object");
        return -1;
    }
    if (admin_check_keys(call, ilp, "'ilp'", keys) != 0 ||
        admin_opt_amount(call, ilp, "max_packet_amount", &a->max_packet_amount, NULL) != 0 ||
        admin_opt_bool(call, ilp, "stream_enabled", &a->stream_enabled, NULL) != 0)
        return -1;
    json_t *addr = json_object_get(ilp, "address");
    if (json_is_null(addr) || (json_is_string(addr) && json_string_length(addr) == 0)) {
        a->ilp_address[0] = '\0';
    } else if (addr) {
        if (!json_is_string(addr) ||
            !ilp_address_is_valid(SLICE(json_string_value(addr), json_string_length(addr)))) {
            admin_error(call, 400, "invalid_field",
                        "field 'ilp.address' must be an ILP address like g.wallet.alice");
            return -1;
        }
        memcpy(a->ilp_address, json_string_value(addr), json_string_length(addr) + 1);
    }
    return 0;
}

/* Limits and ILP settings, shared by create and PATCH. A JSON null max_balance removes it. */
static int parse_account_settings(admin_call_t *call, const json_t *body, ledger_account_t *a)
{
    bool has_max = false;
    int64_t max = 0;
    if (admin_opt_i64str(call, body, "min_balance", &a->min_balance, NULL) != 0 ||
        admin_opt_i64str(call, body, "max_balance", &max, &has_max) != 0)
        return -1;
    if (has_max) {
        a->has_max_balance = true;
        a->max_balance = max;
    } else if (json_is_null(json_object_get(body, "max_balance"))) {
        a->has_max_balance = false;
        a->max_balance = 0;
    }
    return parse_ilp(call, body, a);
}

static int parse_kind(admin_call_t *call, const json_t *body, ledger_account_kind_t *kind)
{
    json_t *k = json_object_get(body, "kind");
    if (!k || json_is_null(k)) {
        admin_error(call, 400, "missing_field", "missing required field 'kind'");
        return -1;
    }
    if (!json_is_string(k) || ledger_kind_parse(json_string_value(k), kind) != 0) {
        admin_error(call, 400, "invalid_field",
                    "field 'kind' must be one of peer, wallet, invoice, mandate, outgoing");
        return -1;
    }
    return 0;
}

/* Creates the account described by body; parent is zero for a top-level account. */
static http_handler_result_t account_create_common(admin_call_t *call, ledger_id_t parent)
{
    static const char *const keys[] = {"id",          "asset_id", "kind", "min_balance",
                                       "max_balance", "ilp",      NULL};
    json_t *body = admin_body(call);
    if (!body || admin_check_keys(call, body, "the account", keys) != 0)
        return HTTP_DONE;
    ledger_account_t a = {0};
    a.parent_id = parent;
    bool has_asset = false;
    if (admin_opt_id(call, body, "id", &a.id, NULL) != 0 ||
        admin_opt_id(call, body, "asset_id", &a.asset_id, &has_asset) != 0 ||
        parse_kind(call, body, &a.kind) != 0 || parse_account_settings(call, body, &a) != 0)
        return HTTP_DONE;
    if (!ledger_id_is_zero(parent)) {
        ledger_account_t p;
        ledger_result_t pr = ledger_account_get(call->ctx->ledger, parent, &p);
        if (pr != LEDGER_OK)
            return admin_ledger_error(call, pr, true, "parent account");
        if (!has_asset)
            a.asset_id = p.asset_id;
    } else if (!has_asset) {
        return admin_error(call, 400, "missing_field", "missing required field 'asset_id'");
    }
    ledger_result_t r = ledger_account_create(call->ctx->ledger, &a);
    if (r != LEDGER_OK && r != LEDGER_EXISTS)
        return admin_ledger_error(call, r, false, "account");
    ledger_account_t out;
    ledger_result_t gr = ledger_account_get(call->ctx->ledger, a.id, &out);
    if (gr != LEDGER_OK)
        return admin_ledger_error(call, gr, false, "account");
    return admin_reply(call, r == LEDGER_OK ? 201 : 200, account_json(&out));
}

static http_handler_result_t account_create(admin_call_t *call)
{
    return account_create_common(call, (ledger_id_t){0, 0});
}

static http_handler_result_t subaccount_create(admin_call_t *call)
{
    ledger_id_t parent;
    if (admin_path_id(call, "id", &parent) != 0)
        return HTTP_DONE;
    return account_create_common(call, parent);
}

static http_handler_result_t account_get(admin_call_t *call)
{
    ledger_id_t id;
    if (admin_path_id(call, "id", &id) != 0)
        return HTTP_DONE;
    ledger_account_t a;
    ledger_result_t r = ledger_account_get(call->ctx->ledger, id, &a);
    if (r != LEDGER_OK)
        return admin_ledger_error(call, r, true, "account");
    return admin_reply(call, 200, account_json(&a));
}

static http_handler_result_t account_patch(admin_call_t *call)
{
    static const char *const keys[] = {"min_balance", "max_balance", "ilp", NULL};
    ledger_id_t id;
    if (admin_path_id(call, "id", &id) != 0)
        return HTTP_DONE;
    json_t *body = admin_body(call);
    if (!body || admin_check_keys(call, body, "the account update", keys) != 0)
        return HTTP_DONE;
    ledger_account_t a;
    ledger_result_t r = ledger_account_get(call->ctx->ledger, id, &a);
    if (r != LEDGER_OK)
        return admin_ledger_error(call, r, true, "account");
    if (parse_account_settings(call, body, &a) != 0)
        return HTTP_DONE;
    r = ledger_account_update(call->ctx->ledger, &a);
    if (r == LEDGER_OK)
        r = ledger_account_get(call->ctx->ledger, id, &a);
    if (r != LEDGER_OK)
        return admin_ledger_error(call, r, true, "account");
    return admin_reply(call, 200, account_json(&a));
}

/* The filters of GET /accounts: ?asset_id=, ?parent_id=, ?kind=. */
static int account_filter_parse(admin_call_t *call, ledger_account_filter_t *f)
{
    memset(f, 0, sizeof *f);
    if (admin_query_id(call, "asset_id", &f->asset_id, NULL) != 0 ||
        admin_query_id(call, "parent_id", &f->parent_id, NULL) != 0)
        return -1;
    const char *kind = http_req_query(call->req, "kind");
    if (kind && *kind && ledger_kind_parse(kind, &f->kind) != 0) {
        admin_error(call, 400, "invalid_field", "query parameter 'kind' is not an account kind");
        return -1;
    }
    return 0;
}

static http_handler_result_t account_list(admin_call_t *call)
{
    ledger_account_filter_t f;
    ledger_id_t after;
    size_t limit, n = 0;
    if (account_filter_parse(call, &f) != 0 || admin_query_limit(call, &limit) != 0 ||
        admin_query_cursor(call, &after) != 0)
        return HTTP_DONE;
    ledger_account_t page[ADMIN_PAGE_MAX + 1];
    ledger_result_t r = ledger_account_list(call->ctx->ledger, &f, after, page, limit + 1, &n);
    if (r != LEDGER_OK)
        return admin_ledger_error(call, r, false, "accounts");
    size_t shown = n > limit ? limit : n;
    json_t *list = json_array();
    for (size_t i = 0; i < shown; i++)
        json_array_append_new(list, account_json(&page[i]));
    return page_reply(call, "accounts", list, n > limit, shown ? page[shown - 1].id : after);
}

static http_handler_result_t account_status(admin_call_t *call)
{
    ledger_id_t id;
    if (admin_path_id(call, "id", &id) != 0)
        return HTTP_DONE;
    ledger_status_t s;
    ledger_result_t r = ledger_account_status(call->ctx->ledger, id, &s);
    if (r != LEDGER_OK)
        return admin_ledger_error(call, r, true, "account");
    return admin_reply(call, 200, status_json(id, &s));
}

static http_handler_result_t account_history(admin_call_t *call)
{
    ledger_id_t id;
    size_t limit, n = 0;
    if (admin_path_id(call, "id", &id) != 0 || admin_query_limit(call, &limit) != 0)
        return HTTP_DONE;
    const char *cursor = http_req_query(call->req, "cursor");
    if (!cursor)
        cursor = "";
    if (strlen(cursor) >= LEDGER_CURSOR_LEN)
        return admin_error(call, 400, "invalid_cursor", "the cursor is not valid");
    ledger_account_t a;
    ledger_result_t r = ledger_account_get(call->ctx->ledger, id, &a);
    ledger_transfer_t page[ADMIN_PAGE_MAX];
    char next[LEDGER_CURSOR_LEN] = "";
    if (r == LEDGER_OK)
        r = ledger_account_transfers(call->ctx->ledger, id, cursor, page, limit, &n, next);
    if (r != LEDGER_OK)
        return admin_ledger_error(call, r, true, "account");
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, transfer_json(&page[i]));
    return admin_reply(call, 200,
                       json_pack("{s:o,s:o}", "transfers", list, "next_cursor",
                                 next[0] ? json_string(next) : json_null()));
}

/* ---- transfers ---- */

static json_t *transfer_group_json(ledger_id_t id, const ledger_transfer_t *legs, size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, transfer_json(&legs[i]));
    return json_pack("{s:o,s:b,s:s,s:o}", "id", pay_json_id(id), "pending",
                     (legs[0].flags & LEDGER_F_PENDING) != 0, "state",
                     ledger_state_str(legs[0].state), "transfers", list);
}

static http_handler_result_t leg_error(admin_call_t *call, ledger_result_t r, size_t leg,
                                       size_t nlegs)
{
    if (r == LEDGER_STORAGE_ERROR || r == LEDGER_CLOSED || nlegs == 1)
        return admin_ledger_error(call, r, false, "transfer");
    char msg[160];
    snprintf(msg, sizeof msg, "transfer leg %zu: rejected by the ledger: %s; no leg was applied",
             leg, ledger_result_str(r));
    return admin_reply(call, 422,
                       json_pack("{s:{s:s,s:s,s:i}}", "error", "code", ledger_result_str(r),
                                 "message", msg, "leg", (int)leg));
}

static int parse_legs(admin_call_t *call, const json_t *body, ledger_op_t *ops, size_t *n)
{
    static const char *const keys[] = {"debit_account_id", "credit_account_id", "amount", NULL};
    json_t *legs = json_object_get(body, "legs");
    if (!json_is_array(legs) || json_array_size(legs) == 0 ||
        json_array_size(legs) > ADMIN_TRANSFER_LEGS_MAX) {
        admin_error(call, 400, "invalid_field", "field 'legs' must be an array of 1 to %d legs",
                    ADMIN_TRANSFER_LEGS_MAX);
        return -1;
    }
    *n = json_array_size(legs);
    for (size_t i = 0; i < *n; i++) {
        json_t *leg = json_array_get(legs, i);
        if (!json_is_object(leg)) {
            admin_error(call, 400, "invalid_field", "legs[%zu] must be an object", i);
            return -1;
        }
        if (admin_check_keys(call, leg, "a leg", keys) != 0 ||
            admin_get_id(call, leg, "debit_account_id", &ops[i].debit_account_id) != 0 ||
            admin_get_id(call, leg, "credit_account_id", &ops[i].credit_account_id) != 0 ||
            admin_get_amount(call, leg, "amount", true, &ops[i].amount) != 0)
            return -1;
    }
    return 0;
}

/* Creates the group and answers: 201 with the legs, 200 when it is a retry of an existing
 * transfer with the same legs, 422 with the ledger's code otherwise. */
static http_handler_result_t transfer_submit(admin_call_t *call, ledger_id_t id, ledger_op_t *ops,
                                             size_t n, bool single_object)
{
    ledger_transfer_t legs[LEDGER_GROUP_LEGS_MAX];
    size_t leg = 0;
    ledger_result_t r = ledger_group_create(call->ctx->ledger, id, ops, n, legs, &leg);
    if (r != LEDGER_OK && r != LEDGER_EXISTS)
        return leg_error(call, r, leg, n);
    unsigned status = r == LEDGER_OK ? 201 : 200;
    if (single_object)
        return admin_reply(call, status, transfer_json(&legs[0]));
    return admin_reply(call, status, transfer_group_json(id, legs, n));
}

static http_handler_result_t transfer_create(admin_call_t *call)
{
    static const char *const keys[] = {"id", "pending", "timeout_ms", "legs", NULL};
    json_t *body = admin_body(call);
    if (!body || admin_check_keys(call, body, "the transfer", keys) != 0)
        return HTTP_DONE;
    ledger_id_t id;
    bool has_id = false, pending = false, has_timeout = false;
    uint64_t timeout_ms = 0;
    ledger_op_t ops[ADMIN_TRANSFER_LEGS_MAX];
    memset(ops, 0, sizeof ops);
    size_t n = 0;
    if (admin_opt_id(call, body, "id", &id, &has_id) != 0 ||
        admin_opt_bool(call, body, "pending", &pending, NULL) != 0 ||
        admin_opt_uint(call, body, "timeout_ms", 1, ADMIN_TIMEOUT_MS_MAX, &timeout_ms,
                       &has_timeout) != 0 ||
        parse_legs(call, body, ops, &n) != 0)
        return HTTP_DONE;
    if (has_timeout && !pending)
        return admin_error(call, 400, "invalid_field",
                           "field 'timeout_ms' needs \"pending\": true");
    if (!has_id)
        id = ledger_id_random();
    for (size_t i = 0; i < n; i++) {
        ops[i].flags = pending ? LEDGER_F_PENDING : 0;
        ops[i].timeout_ms = timeout_ms;
        ops[i].code = PAY_CODE_TRANSFER;
    }
    return transfer_submit(call, id, ops, n, false);
}

static http_handler_result_t transfer_get(admin_call_t *call)
{
    ledger_id_t id;
    if (admin_path_id(call, "id", &id) != 0)
        return HTTP_DONE;
    ledger_transfer_t legs[LEDGER_GROUP_LEGS_MAX];
    size_t n = 0;
    ledger_result_t r = ledger_group_get(call->ctx->ledger, id, legs, &n);
    if (r != LEDGER_OK)
        return admin_ledger_error(call, r, true, "transfer");
    return admin_reply(call, 200, transfer_group_json(id, legs, n));
}

/* Posts or voids every leg of a pending transfer, all or nothing. code_only: the transfer must
 * have this code (withdrawals), else 404. */
static http_handler_result_t resolve(admin_call_t *call, ledger_op_kind_t kind, uint32_t code_only,
                                     bool single_object)
{
    ledger_id_t id;
    if (admin_path_id(call, "id", &id) != 0)
        return HTTP_DONE;
    ledger_t *l = call->ctx->ledger;
    const char *what = code_only ? "withdrawal" : "transfer";
    ledger_transfer_t legs[LEDGER_GROUP_LEGS_MAX];
    size_t n = 0, leg = 0;
    ledger_result_t r = code_only ? ledger_transfer_get(l, id, &legs[0]) : LEDGER_OK;
    if (r == LEDGER_OK && code_only && legs[0].code != code_only)
        r = LEDGER_TRANSFER_NOT_FOUND;
    if (r == LEDGER_OK)
        r = ledger_group_resolve(l, id, kind, legs, &n, &leg);
    if (r == LEDGER_TRANSFER_NOT_FOUND)
        return admin_error(call, 404, "not_found", "%s: not found", what);
    if (r != LEDGER_OK)
        return leg_error(call, r, leg, n);
    if (single_object)
        return admin_reply(call, 200, transfer_json(&legs[0]));
    return admin_reply(call, 200, transfer_group_json(id, legs, n));
}

static http_handler_result_t transfer_post(admin_call_t *call)
{
    return resolve(call, LEDGER_OP_POST_PENDING, 0, false);
}

static http_handler_result_t transfer_void(admin_call_t *call)
{
    return resolve(call, LEDGER_OP_VOID_PENDING, 0, false);
}

static http_handler_result_t withdrawal_post(admin_call_t *call)
{
    return resolve(call, LEDGER_OP_POST_PENDING, PAY_CODE_WITHDRAWAL, true);
}

static http_handler_result_t withdrawal_void(admin_call_t *call)
{
    return resolve(call, LEDGER_OP_VOID_PENDING, PAY_CODE_WITHDRAWAL, true);
}

/* ---- deposits and withdrawals ---- */

/* Deposit (settlement -> account, posted at once) or withdrawal (account -> settlement, pending
 * until posted or voided) for the account in the path. */
static http_handler_result_t settlement_move(admin_call_t *call, bool deposit)
{
    static const char *const dkeys[] = {"id", "amount", NULL};
    static const char *const wkeys[] = {"id", "amount", "timeout_ms", NULL};
    ledger_id_t account;
    if (admin_path_id(call, "id", &account) != 0)
        return HTTP_DONE;
    json_t *body = admin_body(call);
    if (!body || admin_check_keys(call, body, deposit ? "the deposit" : "the withdrawal",
                                  deposit ? dkeys : wkeys) != 0)
        return HTTP_DONE;
    ledger_op_t op = {0};
    if (admin_get_id(call, body, "id", &op.id) != 0 ||
        admin_get_amount(call, body, "amount", true, &op.amount) != 0 ||
        admin_opt_uint(call, body, "timeout_ms", 1, ADMIN_TIMEOUT_MS_MAX, &op.timeout_ms, NULL) !=
            0)
        return HTTP_DONE;
    ledger_account_t a;
    ledger_asset_t asset;
    ledger_result_t r = ledger_account_get(call->ctx->ledger, account, &a);
    if (r == LEDGER_OK)
        r = ledger_asset_get(call->ctx->ledger, a.asset_id, &asset);
    if (r != LEDGER_OK)
        return admin_ledger_error(call, r, true, "account");
    op.debit_account_id = deposit ? asset.settlement_account_id : account;
    op.credit_account_id = deposit ? account : asset.settlement_account_id;
    op.flags = deposit ? 0 : LEDGER_F_PENDING;
    op.code = deposit ? PAY_CODE_DEPOSIT : PAY_CODE_WITHDRAWAL;
    return transfer_submit(call, op.id, &op, 1, true);
}

static http_handler_result_t deposit_create(admin_call_t *call)
{
    return settlement_move(call, true);
}

static http_handler_result_t withdrawal_create(admin_call_t *call)
{
    return settlement_move(call, false);
}

/* ---- registration ---- */

static const admin_route_t routes[] = {
    ADMIN_ROUTE("POST", "/assets", asset_create),
    ADMIN_ROUTE("GET", "/assets", asset_list),
    ADMIN_ROUTE("GET", "/assets/{id}", asset_get),
    ADMIN_ROUTE("POST", "/accounts", account_create),
    ADMIN_ROUTE("GET", "/accounts", account_list),
    ADMIN_ROUTE("GET", "/accounts/{id}", account_get),
    ADMIN_ROUTE("PATCH", "/accounts/{id}", account_patch),
    ADMIN_ROUTE("POST", "/accounts/{id}/sub-accounts", subaccount_create),
    ADMIN_ROUTE("GET", "/accounts/{id}/status", account_status),
    ADMIN_ROUTE("GET", "/accounts/{id}/transfers", account_history),
    ADMIN_ROUTE("POST", "/accounts/{id}/deposits", deposit_create),
    ADMIN_ROUTE("POST", "/accounts/{id}/withdrawals", withdrawal_create),
    ADMIN_ROUTE("POST", "/transfers", transfer_create),
    ADMIN_ROUTE("GET", "/transfers/{id}", transfer_get),
    ADMIN_ROUTE("POST", "/transfers/{id}/post", transfer_post),
    ADMIN_ROUTE("POST", "/transfers/{id}/void", transfer_void),
    ADMIN_ROUTE("POST", "/withdrawals/{id}/post", withdrawal_post),
    ADMIN_ROUTE("POST", "/withdrawals/{id}/void", withdrawal_void),
};

int admin_ledger_register(http_server_t *s, admin_ctx_t *ctx)
{
    ASSERT(ctx && ctx->ledger);
    return admin_routes_register(s, ctx, routes, sizeof routes / sizeof routes[0]);
}
