/*
 * Rafiki's tenant operations (resolvers/tenant.ts, tenant_settings.ts): whoami, tenant,
 * tenants, createTenant, updateTenant, deleteTenant, createTenantSettings, Tenant.settings, and
 * the `tenant` field of the resources a tenant owns. Rafiki's rules: only the operator lists,
 * creates and deletes tenants; a tenant reads and updates only itself; the operator cannot set
 * a tenant's apiSecret. Where we differ: apiSecret and idpSecret are answered only by the
 * mutation that set them (else ""), so no later read shows a secret.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin_gql.h"
#include "admin/admin_gql_ledger.h"
#include "base/clock.h"
#include "base/mem.h"

static db_t *db_of(const gql_call_t *call)
{
    return admin_gql_req(call)->gql->admin->db;
}

static json_t *opt_str(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

/* A Tenant as the schema spells it (settings by their own resolver); secrets from in, the
 * input that just set them, or "". */
static json_t *tenant_json(const pay_tenant_t *t, const json_t *in)
{
    const char *api = in ? json_string_value(json_object_get(in, "apiSecret")) : NULL;
    const char *idp = in ? json_string_value(json_object_get(in, "idpSecret")) : NULL;
    return json_pack(
        "{s:s,s:o,s:s,s:o,s:o,s:o,s:o,s:o,s:s}", "id", t->id, "email", opt_str(t->email),
        "apiSecret", api ? api : "", "idpConsentUrl", opt_str(t->idp_consent_url), "idpSecret",
        idp ? json_string(idp) : json_null(), "publicName", opt_str(t->public_name), "createdAt",
        admin_gql_time_json(t->created_ms), "deletedAt",
        t->deleted_ms ? admin_gql_time_json(t->deleted_ms) : json_null(), "__typename", "Tenant");
}

static gql_resolve_t storage_fail(const gql_call_t *call)
{
    return admin_gql_fail(call, GQL_CODE_INTERNAL, "tenants: the database is unavailable");
}

static gql_resolve_t q_whoami(const gql_call_t *call, json_t **out)
{
    const admin_gql_req_t *req = admin_gql_req(call);
    *out = json_pack("{s:s,s:b}", "id", req->tenant_id ? req->tenant_id : "", "isOperator",
                     req->is_operator);
    return GQL_RESOLVED;
}

static gql_resolve_t q_tenant(const gql_call_t *call, json_t **out)
{
    const admin_gql_req_t *req = admin_gql_req(call);
    const char *id = json_string_value(json_object_get(call->args, "id"));
    if (!id || (!req->is_operator && strcmp(id, req->tenant_id) != 0))
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "tenant does not exist");
    pay_tenant_t *t = xmalloc(sizeof *t);
    pay_tenant_result_t r = pay_tenant_get(db_of(call), id, req->is_operator, t);
    if (r == PAY_TENANT_OK)
        *out = tenant_json(t, NULL);
    free(t);
    if (r == PAY_TENANT_STORAGE_ERROR)
        return storage_fail(call);
    if (r != PAY_TENANT_OK)
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "tenant does not exist");
    return GQL_RESOLVED;
}

static gql_resolve_t tenants_page(const gql_call_t *call, void *arg, const pay_keyset_t *k,
                                  json_t **nodes)
{
    (void)arg;
    pay_tenant_t *page = xcalloc(PAY_TENANTS_PAGE_MAX, sizeof *page);
    size_t n = 0;
    bool prev, next;
    pay_tenant_result_t r = pay_tenants_page(db_of(call), k, page, &n, &prev, &next);
    if (r == PAY_TENANT_OK) {
        *nodes = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(*nodes, tenant_json(&page[i], NULL));
    }
    free(page);
    return r == PAY_TENANT_OK ? GQL_RESOLVED : storage_fail(call);
}

static gql_resolve_t q_tenants(const gql_call_t *call, json_t **out)
{
    if (!admin_gql_req(call)->is_operator)
        return admin_gql_fail(call, GQL_CODE_FORBIDDEN, "cannot get tenants page");
    return gqll_connection(call, NULL, tenants_page, out);
}

/* Tenant.settings */
static gql_resolve_t f_settings(const gql_call_t *call, json_t **out)
{
    const char *id = json_string_value(json_object_get(call->parent, "id"));
    pay_tenant_setting_t s[PAY_TENANT_SETTINGS];
    size_t n = 0;
    if (!id)
        return admin_gql_fail(call, GQL_CODE_INTERNAL, "missing tenant id");
    if (pay_tenant_settings(db_of(call), id, s, &n) != PAY_TENANT_OK)
        return storage_fail(call);
    *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(*out, json_pack("{s:s,s:s}", "key", s[i].key, "value", s[i].value));
    return GQL_RESOLVED;
}

/* Most settings one mutation carries. */
#define SETTINGS_IN_MAX 64

/* input.settings into *out (a new array, *n entries); -1 after failing the call. */
static int settings_in(const gql_call_t *call, const json_t *list, pay_tenant_setting_t **out,
                       size_t *n)
{
    *n = 0;
    *out = NULL;
    if (!json_is_array(list))
        return 0;
    if (json_array_size(list) > SETTINGS_IN_MAX) {
        admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "at most %d settings", SETTINGS_IN_MAX);
        return -1;
    }
    *out = xcalloc(json_array_size(list) + 1, sizeof **out);
    size_t i;
    json_t *s;
    json_array_foreach(list, i, s)
    {
        const char *key = json_string_value(json_object_get(s, "key"));
        const char *value = json_string_value(json_object_get(s, "value"));
        if (!key || !value || strlen(key) >= sizeof(*out)[0].key ||
            strlen(value) > PAY_TENANT_TEXT_MAX) {
            free(*out);
            *out = NULL;
            admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT,
                           "Invalid value for one or more tenant settings");
            return -1;
        }
        snprintf((*out)[*n].key, sizeof(*out)[*n].key, "%s", key);
        snprintf((*out)[*n].value, sizeof(*out)[*n].value, "%s", value);
        (*n)++;
    }
    return 0;
}

/* Rafiki's errors of the tenant and settings services. */
static gql_resolve_t tenant_fail(const gql_call_t *call, pay_tenant_result_t r)
{
    switch (r) {
    case PAY_TENANT_NOT_FOUND:
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "Tenant not found");
    case PAY_TENANT_INVALID_ID:
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "Invalid Tenant ID");
    case PAY_TENANT_DUPLICATE:
        return admin_gql_fail(call, GQL_CODE_DUPLICATE, "Tenant already exists");
    case PAY_TENANT_INVALID_SETTING:
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT,
                              "Invalid value for one or more tenant settings");
    case PAY_TENANT_DUPLICATE_WALLET_URL:
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "Wallet Address Url already exists");
    case PAY_TENANT_INVALID_INPUT:
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT,
                              "invalid tenant input: a secret is empty or a field too long");
    default:
        return storage_fail(call);
    }
}

static pay_tenant_input_t tenant_in(const json_t *in)
{
    return (pay_tenant_input_t){
        .id = json_string_value(json_object_get(in, "id")),
        .email = json_string_value(json_object_get(in, "email")),
        .api_secret = json_string_value(json_object_get(in, "apiSecret")),
        .idp_consent_url = json_string_value(json_object_get(in, "idpConsentUrl")),
        .idp_secret = json_string_value(json_object_get(in, "idpSecret")),
        .public_name = json_string_value(json_object_get(in, "publicName")),
    };
}

static gql_resolve_t m_create_tenant(const gql_call_t *call, json_t **out)
{
    const admin_gql_req_t *req = admin_gql_req(call);
    if (!req->is_operator)
        return admin_gql_fail(call, GQL_CODE_FORBIDDEN, "permission denied");
    const json_t *in = gqll_input(call);
    pay_tenant_setting_t *settings;
    size_t n;
    if (settings_in(call, json_object_get(in, "settings"), &settings, &n) != 0)
        return GQL_RESOLVE_ERROR;
    pay_tenant_input_t ti = tenant_in(in);
    pay_tenant_t *t = xmalloc(sizeof *t);
    pay_tenant_result_t r =
        pay_tenant_create(db_of(call), &ti, settings, n, req->gql->ilp_address, t);
    if (r == PAY_TENANT_OK)
        *out = json_pack("{s:o}", "tenant", tenant_json(t, in));
    free(settings);
    free(t);
    return r == PAY_TENANT_OK ? GQL_RESOLVED : tenant_fail(call, r);
}

static gql_resolve_t m_update_tenant(const gql_call_t *call, json_t **out)
{
    const admin_gql_req_t *req = admin_gql_req(call);
    const json_t *in = gqll_input(call);
    pay_tenant_input_t ti = tenant_in(in);
    if (!ti.id || (!req->is_operator && strcmp(ti.id, req->tenant_id) != 0))
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "tenant does not exist");
    if (req->is_operator && json_object_get(in, "apiSecret"))
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT,
                              "Operator cannot update apiSecret over admin api");
    pay_tenant_t *t = xmalloc(sizeof *t);
    pay_tenant_result_t r = pay_tenant_update(db_of(call), &ti, t);
    if (r == PAY_TENANT_OK)
        *out = json_pack("{s:o}", "tenant", tenant_json(t, in));
    free(t);
    if (r == PAY_TENANT_NOT_FOUND)
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "failed to update tenant");
    return r == PAY_TENANT_OK ? GQL_RESOLVED : tenant_fail(call, r);
}

static gql_resolve_t m_delete_tenant(const gql_call_t *call, json_t **out)
{
    if (!admin_gql_req(call)->is_operator)
        return admin_gql_fail(call, GQL_CODE_FORBIDDEN, "permission denied");
    const char *id = json_string_value(json_object_get(call->args, "id"));
    pay_tenant_result_t r =
        id ? pay_tenant_delete(db_of(call), id, clock_wall_ms()) : PAY_TENANT_NOT_FOUND;
    if (r == PAY_TENANT_NOT_FOUND)
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "failed to delete tenant");
    if (r != PAY_TENANT_OK)
        return tenant_fail(call, r);
    *out = json_pack("{s:b}", "success", 1);
    return GQL_RESOLVED;
}

static gql_resolve_t m_create_settings(const gql_call_t *call, json_t **out)
{
    const json_t *in = gqll_input(call);
    pay_tenant_setting_t *settings, now[PAY_TENANT_SETTINGS];
    size_t n, n_now = 0;
    if (settings_in(call, json_object_get(in, "settings"), &settings, &n) != 0)
        return GQL_RESOLVE_ERROR;
    pay_tenant_result_t r = pay_tenant_settings_set(db_of(call), admin_gql_req(call)->tenant_id,
                                                    settings, n, now, &n_now);
    free(settings);
    if (r != PAY_TENANT_OK)
        return tenant_fail(call, r);
    json_t *list = json_array();
    for (size_t i = 0; i < n_now; i++)
        json_array_append_new(list,
                              json_pack("{s:s,s:s}", "key", now[i].key, "value", now[i].value));
    *out = json_pack("{s:o}", "settings", list);
    return GQL_RESOLVED;
}

/* The kind of resource a type's object is, for its `tenant` field. */
static pay_owned_t owned_kind(const gql_call_t *call)
{
    static const struct {
        const char *type;
        pay_owned_t kind;
    } KINDS[] = {
        {"Asset", PAY_OWNED_ASSET},
        {"Peer", PAY_OWNED_PEER},
        {"WalletAddress", PAY_OWNED_WALLET_ADDRESS},
        {"IncomingPayment", PAY_OWNED_INCOMING},
        {"OutgoingPayment", PAY_OWNED_OUTGOING},
        {"WebhookEvent", PAY_OWNED_EVENT},
    };
    if (strcmp(call->type, "Payment") == 0) {
        const char *t = json_string_value(json_object_get(call->parent, "type"));
        return t && strcmp(t, "OUTGOING") == 0 ? PAY_OWNED_OUTGOING : PAY_OWNED_INCOMING;
    }
    for (size_t i = 0; i < sizeof KINDS / sizeof *KINDS; i++)
        if (strcmp(KINDS[i].type, call->type) == 0)
            return KINDS[i].kind;
    return PAY_OWNED_ASSET;
}

/* <Resource>.tenant: its owner (Rafiki: null when the tenant is gone). */
static gql_resolve_t f_tenant(const gql_call_t *call, json_t **out)
{
    const admin_gql_req_t *req = admin_gql_req(call);
    const char *id = json_string_value(json_object_get(call->parent, "id"));
    char owner[PAY_TENANT_ID_LEN + 1] = "";
    if (!id)
        return admin_gql_fail(call, GQL_CODE_INTERNAL,
                              "\"id\" field required in request to resolve \"tenant\".");
    pay_tenant_result_t r = pay_tenant_owner(db_of(call), owned_kind(call), id, owner);
    if (r == PAY_TENANT_STORAGE_ERROR)
        return storage_fail(call);
    pay_tenant_t *t = xmalloc(sizeof *t);
    r = pay_tenant_get(db_of(call), owner[0] ? owner : req->gql->operator_tenant_id, true, t);
    *out = r == PAY_TENANT_OK ? tenant_json(t, NULL) : json_null();
    free(t);
    return r == PAY_TENANT_STORAGE_ERROR ? (json_decref(*out), storage_fail(call)) : GQL_RESOLVED;
}

static const gql_resolver_t resolvers[] = {
    {"Query", "whoami", q_whoami},
    {"Query", "tenant", q_tenant},
    {"Query", "tenants", q_tenants},
    {"Tenant", "settings", f_settings},
    {"Mutation", "createTenant", m_create_tenant},
    {"Mutation", "updateTenant", m_update_tenant},
    {"Mutation", "deleteTenant", m_delete_tenant},
    {"Mutation", "createTenantSettings", m_create_settings},
    {"Asset", "tenant", f_tenant},
    {"Peer", "tenant", f_tenant},
    {"WalletAddress", "tenant", f_tenant},
    {"IncomingPayment", "tenant", f_tenant},
    {"OutgoingPayment", "tenant", f_tenant},
    {"Payment", "tenant", f_tenant},
    {"WebhookEvent", "tenant", f_tenant},
};

const admin_gql_family_t admin_gql_tenants = {resolvers, sizeof resolvers / sizeof resolvers[0]};
