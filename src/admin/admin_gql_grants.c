/*
 * The auth server's Admin GraphQL API (schema/graphql/auth.graphql): Query.grants,
 * Query.grant and Mutation.revokeGrant as Rafiki's packages/auth/src/graphql/resolvers/grant.ts
 * answers them, over auth/auth_grants.h (which holds the reading of states, the filters and the
 * pages); here arguments are read and grants shaped as the schema spells them.
 *
 * Tenants as Rafiki's resolvers have them: Grant.tenantId is the tenant whose grant endpoint the
 * client asked ({AUTH_SERVER_URL}/{tenantId}; the operator's for {AUTH_SERVER_URL}/). A caller
 * that is not the operator reaches its own grants only: its list is filtered to them whatever
 * tenantId it passes, and grant(id) and revokeGrant answer another tenant's grant as an unknown
 * one. The operator sees every grant, and its tenantId argument filters the list to that
 * tenant's (the operator's own include the grants of {AUTH_SERVER_URL}/). Rafiki's grant(id) joins
 * the grant's subjects, its list does not, so Grant.subject is {sub_ids: [...]} from grant(id)
 * (empty for a grant that asked for none) and null in a list.
 */
#include <string.h>

#include "admin/admin_gql.h"
#include "auth/auth_grants.h"
#include "base/mem.h"

static json_t *opt_string(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

/* LimitData: the limits of an outgoing-payment item as the request spelled them. */
static json_t *limits_json(const json_t *limits)
{
    if (!json_is_object(limits))
        return json_null();
    static const char *const keys[] = {"receiver", "debitAmount", "receiveAmount", "interval"};
    json_t *out = json_object();
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        json_t *v = json_object_get(limits, keys[i]);
        json_object_set_new(out, keys[i], v ? json_incref(v) : json_null());
    }
    return out;
}

static json_t *access_json(const auth_grant_view_t *g, json_t *created)
{
    json_t *list = json_array();
    size_t i;
    json_t *item;
    json_array_foreach(g->access, i, item)
    {
        char id[UUID_STR_LEN + 1];
        auth_grant_access_id(g->id, i, id);
        json_t *actions = json_object_get(item, "actions");
        json_array_append_new(
            list,
            json_pack("{s:s,s:o,s:o,s:o,s:o,s:O}", "id", id, "identifier",
                      opt_string(json_string_value(json_object_get(item, "identifier"))), "type",
                      opt_string(json_string_value(json_object_get(item, "type"))), "actions",
                      json_is_array(actions) ? json_copy(actions) : json_array(), "limits",
                      limits_json(json_object_get(item, "limits")), "createdAt", created));
    }
    return list;
}

/* Subject.sub_ids: SubjectItem {id, subId, subIdFormat, createdAt} of each. */
static json_t *subjects_json(const auth_grant_view_t *g)
{
    json_t *list = json_array();
    for (size_t i = 0; i < g->n_subjects; i++) {
        const auth_subject_t *s = &g->subjects[i];
        json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:o}", "id", s->id, "subId", s->sub_id,
                                              "subIdFormat", s->format, "createdAt",
                                              admin_gql_time_json(s->created_ms)));
    }
    return json_pack("{s:o}", "sub_ids", list);
}

/* The grant's tenant: the one it records, or the operator's for a grant of {auth_url}/. */
static const char *grant_tenant(const gql_call_t *call, const auth_grant_view_t *g)
{
    const char *op = admin_gql_req(call)->gql->operator_tenant_id;
    return g->tenant_id[0] ? g->tenant_id : op ? op : "";
}

/* Whether the caller may reach grant g: the operator every grant, a tenant its own. */
static bool grant_visible(const gql_call_t *call, const auth_grant_view_t *g)
{
    const admin_gql_req_t *req = admin_gql_req(call);
    return req->is_operator ||
           (req->tenant_id && strcmp(grant_tenant(call, g), req->tenant_id) == 0);
}

/* A Grant as the schema spells it; with_subject: grant(id)'s subject (a list has none). */
static json_t *grant_json(const gql_call_t *call, const auth_grant_view_t *g, bool with_subject)
{
    const char *tenant = grant_tenant(call, g);
    const char *reason = auth_grant_reason_str(g->reason);
    json_t *created = admin_gql_time_json(g->created_ms);
    json_t *out =
        json_pack("{s:s,s:o,s:o,s:s,s:o,s:O,s:s}", "id", g->id, "client", opt_string(g->client),
                  "access", access_json(g, created), "state", auth_grant_state_str(g->state),
                  "finalizationReason", reason ? json_string(reason) : json_null(), "createdAt",
                  created, "tenantId", tenant ? tenant : "");
    json_object_set_new(out, "subject", with_subject ? subjects_json(g) : json_null());
    json_decref(created);
    return out;
}

/* Bits of the enum names in list (the engine has checked them against the schema). */
static uint32_t names_mask(const json_t *list, int (*parse)(const char *))
{
    uint32_t mask = 0;
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        int k = parse(json_string_value(v));
        if (k >= 0)
            mask |= 1u << k;
    }
    return mask;
}

/* args.filter into *f; identifiers borrowed from args, the array allocated (free it). */
static void filter_read(const json_t *args, auth_grants_filter_t *f, const char ***ids)
{
    memset(f, 0, sizeof *f);
    const json_t *filter = json_object_get(args, "filter");
    const json_t *in = json_object_get(json_object_get(filter, "identifier"), "in");
    *ids = xcalloc(json_array_size(in) + 1, sizeof **ids);
    size_t i;
    json_t *v;
    json_array_foreach(in, i, v)
    {
        if (json_is_string(v))
            (*ids)[f->n_identifiers++] = json_string_value(v);
    }
    f->identifiers = *ids;
    const json_t *state = json_object_get(filter, "state");
    f->state_in = names_mask(json_object_get(state, "in"), auth_grant_state_parse);
    f->state_not_in = names_mask(json_object_get(state, "notIn"), auth_grant_state_parse);
    const json_t *reason = json_object_get(filter, "finalizationReason");
    f->reason_in = names_mask(json_object_get(reason, "in"), auth_grant_reason_parse);
    f->reason_not_in = names_mask(json_object_get(reason, "notIn"), auth_grant_reason_parse);
}

/* The tenant part of f as Rafiki's resolver: a tenant its own grants whatever it asks, the
 * operator the tenantId argument's (every tenant's without one). */
static void filter_tenant(const gql_call_t *call, auth_grants_filter_t *f)
{
    const admin_gql_req_t *req = admin_gql_req(call);
    const char *op = req->gql->operator_tenant_id;
    const char *asked = json_string_value(json_object_get(call->args, "tenantId"));
    f->tenant_id = req->is_operator ? asked : req->tenant_id;
    f->tenant_operator = f->tenant_id && op && strcmp(f->tenant_id, op) == 0;
    if (!req->is_operator && !f->tenant_id)
        f->tenant_id = ""; /* no tenant: nothing (a grant's tenant is never "") */
}

static gql_resolve_t list_grants(const gql_call_t *call, auth_t *a, json_t **out)
{
    admin_gql_page_t page;
    if (admin_gql_page_args(call, &page) != GQL_RESOLVED)
        return GQL_RESOLVE_ERROR;
    auth_grants_filter_t f;
    const char **ids;
    filter_read(call->args, &f, &ids);
    filter_tenant(call, &f);
    auth_grants_page_t p = {.backward = page.backward,
                            .asc = page.asc,
                            .limit = page.limit,
                            .cursor = page.has_cursor ? page.cursor : NULL};
    auth_grants_list_t l;
    auth_grants_err_t err = {{0}};
    auth_grants_result_t r = auth_grants_list(a, &f, &p, &l, &err);
    free(ids);
    if (r == AUTH_GRANTS_INVALID)
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "%s", err.msg);
    if (r != AUTH_GRANTS_OK)
        return admin_gql_fail(call, GQL_CODE_INTERNAL, "Internal server error");
    json_t *nodes = json_array();
    for (size_t i = 0; i < l.n; i++)
        json_array_append_new(nodes, grant_json(call, &l.rows[i], false));
    *out = admin_gql_connection(nodes, l.has_prev, l.has_next);
    auth_grants_list_release(&l);
    return GQL_RESOLVED;
}

/* Query.grants(after, before, first, last, filter, sortOrder, tenantId): GrantsConnection! */
static gql_resolve_t q_grants(const gql_call_t *call, json_t **out)
{
    auth_t *a = admin_gql_req(call)->gql->auth;
    if (!a)
        return admin_gql_fail(call, GQL_CODE_INTERNAL, "The authorization server is not here");
    return list_grants(call, a, out);
}

/* Query.grant(id): Grant!, or NOT_FOUND "No grant" as Rafiki. */
static gql_resolve_t q_grant(const gql_call_t *call, json_t **out)
{
    auth_t *a = admin_gql_req(call)->gql->auth;
    if (!a)
        return admin_gql_fail(call, GQL_CODE_INTERNAL, "The authorization server is not here");
    const char *id = json_string_value(json_object_get(call->args, "id"));
    auth_grant_view_t g;
    auth_grants_result_t r = id ? auth_grants_get(a, id, &g) : AUTH_GRANTS_NOT_FOUND;
    if (r == AUTH_GRANTS_OK && !grant_visible(call, &g)) {
        auth_grant_view_release(&g); /* another tenant's grant reads as unknown */
        r = AUTH_GRANTS_NOT_FOUND;
    }
    if (r == AUTH_GRANTS_NOT_FOUND)
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "No grant");
    if (r != AUTH_GRANTS_OK)
        return admin_gql_fail(call, GQL_CODE_INTERNAL, "Internal server error");
    *out = grant_json(call, &g, true);
    auth_grant_view_release(&g);
    return GQL_RESOLVED;
}

/* Mutation.revokeGrant(input: {grantId}): {id}, with Rafiki's errors: FORBIDDEN "Grant id is
 * not provided" for an empty id, NOT_FOUND "Revoke grant was not successful" for an unknown
 * one. The grant's tokens are revoked with it (introspection answers them inactive). */
static gql_resolve_t m_revoke_grant(const gql_call_t *call, json_t **out)
{
    auth_t *a = admin_gql_req(call)->gql->auth;
    if (!a)
        return admin_gql_fail(call, GQL_CODE_INTERNAL, "The authorization server is not here");
    const char *id =
        json_string_value(json_object_get(json_object_get(call->args, "input"), "grantId"));
    if (!id || !*id)
        return admin_gql_fail(call, GQL_CODE_FORBIDDEN, "Grant id is not provided");
    auth_grants_result_t r = AUTH_GRANTS_OK;
    if (!admin_gql_req(call)->is_operator) { /* a tenant revokes its own grants only */
        auth_grant_view_t g;
        r = auth_grants_get(a, id, &g);
        if (r == AUTH_GRANTS_OK && !grant_visible(call, &g))
            r = AUTH_GRANTS_NOT_FOUND;
        auth_grant_view_release(&g); /* auth_grants_get cleared it whatever it answered */
    }
    if (r == AUTH_GRANTS_OK)
        r = auth_grants_revoke(a, id);
    if (r == AUTH_GRANTS_NOT_FOUND)
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "Revoke grant was not successful");
    if (r != AUTH_GRANTS_OK)
        return admin_gql_fail(call, GQL_CODE_INTERNAL, "Internal server error");
    *out = json_pack("{s:s}", "id", id);
    return GQL_RESOLVED;
}

static const gql_resolver_t GRANT_RESOLVERS[] = {
    {"Query", "grants", q_grants},
    {"Query", "grant", q_grant},
    {"Mutation", "revokeGrant", m_revoke_grant},
};

const admin_gql_family_t admin_gql_grants = {GRANT_RESOLVERS,
                                             sizeof GRANT_RESOLVERS / sizeof *GRANT_RESOLVERS};
