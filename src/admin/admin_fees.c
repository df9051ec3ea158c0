/*
 * Fee routes (see admin_fees.h): parse, call payments/fee.h, shape the answer.
 */
#include "admin/admin_fees.h"

#include <string.h>

#include "payments/fee.h"

static json_t *fee_json(const fee_t *f)
{
    return json_pack("{s:o,s:o,s:s,s:o,s:i,s:o}", "id", pay_json_id(f->id), "asset_id",
                     pay_json_id(f->asset_id), "type", fee_type_str(f->type), "fixed",
                     pay_json_u64(f->fixed), "basis_points", (int)f->basis_points, "created_at",
                     pay_json_time(f->created_ms));
}

static http_handler_result_t fee_error(admin_call_t *call, fee_result_t r)
{
    static const char *const msg[FEE_RESULT_COUNT] = {
        [FEE_UNKNOWN_ASSET] = "Unknown asset",
        [FEE_INVALID_BASIS_POINTS] = "Basis point fee must be between 0 and 10000",
        [FEE_INVALID_FIXED] = "Fixed fee must be from 0 to 9223372036854775807",
        [FEE_INVALID_CURSOR] = "the cursor names no fee of this asset",
        [FEE_STORAGE_ERROR] = "fees: the database is unavailable",
    };
    unsigned status = r == FEE_UNKNOWN_ASSET ? 404 : r == FEE_STORAGE_ERROR ? 503 : 400;
    return admin_error(call, status, fee_result_str(r), "%s",
                       (unsigned)r < FEE_RESULT_COUNT && msg[r] ? msg[r] : "refused");
}

static http_handler_result_t fee_set_route(admin_call_t *call)
{
    static const char *const keys[] = {"type", "fixed", "basis_points", NULL};
    ledger_id_t asset;
    if (admin_path_id(call, "id", &asset) != 0)
        return HTTP_DONE;
    json_t *body = admin_body(call);
    uint64_t fixed = 0;
    if (!body || admin_check_keys(call, body, "the fee", keys) != 0 ||
        admin_get_amount(call, body, "fixed", false, &fixed) != 0)
        return HTTP_DONE;
    const json_t *t = json_object_get(body, "type"), *bp = json_object_get(body, "basis_points");
    fee_type_t type;
    if (!json_is_string(t) ||
        fee_type_parse(json_string_value(t), json_string_length(t), &type) != 0)
        return admin_error(call, 400, "invalid_type", "'type' must be SENDING or RECEIVING");
    if (!json_is_integer(bp))
        return admin_error(call, 400, "invalid_basis_points", "'basis_points' must be an integer");
    fee_t f;
    fee_result_t r = fee_set(call->ctx->db, call->ctx->ledger, asset, type, fixed,
                             (int64_t)json_integer_value(bp), &f);
    if (r != FEE_OK)
        return fee_error(call, r);
    return admin_reply(call, 201, fee_json(&f));
}

/* The current fee of type as JSON (null when none); -1 on a storage error. */
static int current_json(admin_call_t *call, ledger_id_t asset, fee_type_t type, json_t **out)
{
    fee_t f;
    fee_result_t r = fee_current(call->ctx->db, asset, type, &f);
    if (r != FEE_OK && r != FEE_NOT_FOUND)
        return -1;
    *out = r == FEE_OK ? fee_json(&f) : json_null();
    return 0;
}

static http_handler_result_t fee_list_route(admin_call_t *call)
{
    ledger_id_t asset;
    fee_page_t page = {.descending = true};
    if (admin_path_id(call, "id", &asset) != 0 || admin_query_cursor(call, &page.cursor) != 0 ||
        admin_query_limit(call, &page.limit) != 0)
        return HTTP_DONE;
    const char *order = http_req_query(call->req, "order");
    if (order && strcmp(order, "asc") != 0 && strcmp(order, "desc") != 0)
        return admin_error(call, 400, "invalid_order", "'order' must be asc or desc");
    page.descending = !order || strcmp(order, "desc") == 0;
    page.has_cursor = !ledger_id_is_zero(page.cursor);
    ledger_asset_t a;
    if (ledger_asset_get(call->ctx->ledger, asset, &a) != LEDGER_OK)
        return fee_error(call, FEE_UNKNOWN_ASSET);
    fee_t fees[FEE_PAGE_MAX];
    size_t n = 0, want = page.limit;
    page.limit = want + 1 <= FEE_PAGE_MAX ? want + 1 : FEE_PAGE_MAX;
    fee_result_t r = fee_list(call->ctx->db, asset, &page, fees, FEE_PAGE_MAX, &n);
    json_t *sending = NULL, *receiving = NULL;
    if (r == FEE_OK && (current_json(call, asset, FEE_SENDING, &sending) != 0 ||
                        current_json(call, asset, FEE_RECEIVING, &receiving) != 0))
        r = FEE_STORAGE_ERROR;
    if (r != FEE_OK) {
        json_decref(sending);
        return fee_error(call, r);
    }
    bool more = n > want;
    json_t *list = json_array();
    for (size_t i = 0; i < n && i < want; i++)
        json_array_append_new(list, fee_json(&fees[i]));
    return admin_reply(call, 200,
                       json_pack("{s:o,s:o,s:o,s:o}", "sending_fee", sending, "receiving_fee",
                                 receiving, "fees", list, "next_cursor",
                                 more ? pay_json_id(fees[want - 1].id) : json_null()));
}

static const admin_route_t ROUTES[] = {
    ADMIN_ROUTE("POST", "/assets/{id}/fees", fee_set_route),
    ADMIN_ROUTE("GET", "/assets/{id}/fees", fee_list_route),
};

int admin_fees_register(http_server_t *s, admin_ctx_t *ctx)
{
    return admin_routes_register(s, ctx, ROUTES, sizeof ROUTES / sizeof ROUTES[0]);
}
