/*
 * Tenant routes (see admin_tenants.h): parse, call payments/tenants.h, shape the answer.
 */
#include "admin/admin_tenants.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "payments/json.h"
#include "payments/tenants.h"

static json_t *opt(const char *s)
{
    return s[0] ? json_string(s) : json_null();
}

static json_t *tenant_json(const pay_tenant_t *t)
{
    return json_pack("{s:s,s:o,s:o,s:o,s:b,s:o,s:o,s:o}", "id", t->id, "public_name",
                     opt(t->public_name), "email", opt(t->email), "idp_consent_url",
                     opt(t->idp_consent_url), "is_operator", t->is_operator, "funding_model",
                     opt(t->funding_model), "created_at", pay_json_time(t->created_ms),
                     "deleted_at", pay_json_time(t->deleted_ms));
}

static http_handler_result_t tenant_error(admin_call_t *call, pay_tenant_result_t r)
{
    if (r == PAY_TENANT_NOT_FOUND)
        return admin_error(call, 404, "not_found", "no such tenant");
    if (r == PAY_TENANT_INVALID_INPUT)
        return admin_error(call, 400, "invalid_input",
                           "'funding_model' must be \"rafiki\", \"ledger\" or null");
    return admin_error(call, 503, pay_tenant_result_str(r), "tenants: the database is unavailable");
}

/* The tenant of the path's {id} into *t; false after answering. */
static bool path_tenant(admin_call_t *call, bool include_deleted, pay_tenant_t *t)
{
    ledger_id_t id;
    char ids[LEDGER_ID_STR_LEN + 1];
    if (admin_path_id(call, "id", &id) != 0)
        return false;
    ledger_id_format(id, ids);
    pay_tenant_result_t r = pay_tenant_get(call->ctx->db, ids, include_deleted, t);
    if (r != PAY_TENANT_OK)
        tenant_error(call, r);
    return r == PAY_TENANT_OK;
}

static http_handler_result_t tenant_get_route(admin_call_t *call)
{
    pay_tenant_t *t = xmalloc(sizeof *t);
    http_handler_result_t h = HTTP_DONE;
    if (path_tenant(call, true, t))
        h = admin_reply(call, 200, tenant_json(t));
    free(t);
    return h;
}

static http_handler_result_t tenant_patch_route(admin_call_t *call)
{
    static const char *const keys[] = {"funding_model", NULL};
    json_t *body = admin_body(call);
    if (!body || admin_check_keys(call, body, "the tenant", keys) != 0)
        return HTTP_DONE;
    const json_t *m = json_object_get(body, "funding_model");
    if (!m || (!json_is_null(m) && !json_is_string(m)))
        return tenant_error(call, PAY_TENANT_INVALID_INPUT);
    pay_tenant_t *t = xmalloc(sizeof *t);
    http_handler_result_t h = HTTP_DONE;
    if (path_tenant(call, false, t)) {
        pay_tenant_result_t r = pay_tenant_set_funding(call->ctx->db, t->id, json_string_value(m));
        if (r == PAY_TENANT_OK)
            r = pay_tenant_get(call->ctx->db, t->id, false, t);
        h = r == PAY_TENANT_OK ? admin_reply(call, 200, tenant_json(t)) : tenant_error(call, r);
    }
    free(t);
    return h;
}

static http_handler_result_t tenant_list_route(admin_call_t *call)
{
    pay_keyset_t k = {.asc = false};
    if (admin_query_cursor(call, &k.cursor) != 0 || admin_query_limit(call, &k.limit) != 0)
        return HTTP_DONE;
    k.has_cursor = !ledger_id_is_zero(k.cursor);
    if (k.limit > PAY_TENANTS_PAGE_MAX)
        k.limit = PAY_TENANTS_PAGE_MAX;
    pay_tenant_t *page = xcalloc(PAY_TENANTS_PAGE_MAX, sizeof *page);
    size_t n = 0;
    bool prev, next;
    pay_tenant_result_t r = pay_tenants_page(call->ctx->db, &k, page, &n, &prev, &next);
    http_handler_result_t h;
    if (r != PAY_TENANT_OK) {
        h = tenant_error(call, r);
    } else {
        json_t *list = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(list, tenant_json(&page[i]));
        h = admin_reply(call, 200,
                        json_pack("{s:o,s:o}", "tenants", list, "next_cursor",
                                  next && n ? json_string(page[n - 1].id) : json_null()));
    }
    free(page);
    return h;
}

static const admin_route_t ROUTES[] = {
    ADMIN_ROUTE("GET", "/tenants", tenant_list_route),
    ADMIN_ROUTE("GET", "/tenants/{id}", tenant_get_route),
    ADMIN_ROUTE("PATCH", "/tenants/{id}", tenant_patch_route),
};

int admin_tenants_register(http_server_t *s, admin_ctx_t *ctx)
{
    return admin_routes_register(s, ctx, ROUTES, sizeof ROUTES / sizeof ROUTES[0]);
}
