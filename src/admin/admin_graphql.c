/*
 * POST /graphql on the admin port (admin_gql.h): Rafiki's request signature and tenant, the
 * GraphQL-over-HTTP envelope as Apollo Server 4 reads and answers it, and the idempotencyKey
 * wrapper every Mutation root field runs behind.
 *
 * Authentication is Rafiki's authenticatedTenantMiddleware: a request without a `signature`
 * header, with one that does not verify (admin_signature.h: version, freshness, digest,
 * replay) with the API secret of the tenant its `tenant-id` header names, or naming a tenant
 * that does not exist or was deleted, is answered 401 "Unauthorized" as plain text before any
 * GraphQL work; a body that is not JSON is 400. The operator tenant (payments/tenants.h) signs
 * with ADMIN_API_SECRET and sees every tenant's data; a request without a tenant-id header is
 * taken as the operator's (Rafiki refuses it; our single-wallet installs need no tenant set
 * up). What another tenant may reach is admin_gql_scope.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin_audit.h"
#include "admin/admin_gql.h"
#include "admin/admin_gql_idem.h"
#include "base/assert.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "http/json.h"
#include "http/offload.h"
#include "payments/tenants.h"

/* Rafiki's GraphQL body limit is koa-bodyparser's 1 MiB for JSON. */
#define GQL_BODY_MAX (1024u * 1024u)
/* Rafiki's ApolloArmor settings. */
#define RAFIKI_DEPTH_MAX 10u
#define RAFIKI_COST_MAX  5000u

/* The backend families, one line each. */
static const admin_gql_family_t *const backend_families[] = {
    &admin_gql_assets,   &admin_gql_peers,     &admin_gql_liquidity,
    &admin_gql_webhooks, &admin_gql_transfers, &admin_gql_wallets,
    &admin_gql_incoming, &admin_gql_outgoing,  &admin_gql_tenants,
};

/* The headers-only checks: a signature header must be there (Rafiki: 401 without one), and a
 * tenant-id header must look like a tenant's id. */
static bool gql_gate(http_req_t *req, void *user)
{
    admin_gql_t *g = user;
    const char *secret = g->admin->secret;
    const char *tenant = http_req_header(req, "tenant-id");
    ledger_id_t id;
    if (!secret || !*secret || !http_req_header(req, "signature") ||
        (tenant && (strlen(tenant) != PAY_TENANT_ID_LEN ||
                    ledger_id_parse(tenant, PAY_TENANT_ID_LEN, &id) != 0))) {
        http_respond(req, 401, "text/plain; charset=utf-8", "Unauthorized", 12);
        return false;
    }
    return true;
}

static void respond_text(http_req_t *req, unsigned status, const char *text)
{
    http_respond(req, status, "text/plain; charset=utf-8", text, strlen(text));
}

/* The caller's tenant into *t (the operator without a tenant-id header), its signature checked
 * with that tenant's secret; false after answering. */
static bool caller_ok(admin_gql_t *g, http_req_t *req, pay_tenant_t *t)
{
    const char *tid = http_req_header(req, "tenant-id");
    pay_tenant_result_t tr =
        pay_tenant_get(g->admin->db, tid ? tid : g->operator_tenant_id, false, t);
    if (tr == PAY_TENANT_STORAGE_ERROR) {
        respond_text(req, 503, "Service Unavailable");
        return false;
    }
    if (tr != PAY_TENANT_OK || (!tid && !t->is_operator)) {
        LOGW("graphql: refused: unknown tenant");
        respond_text(req, 401, "Unauthorized");
        return false;
    }
    admin_sig_err_t err;
    admin_sig_result_t r = admin_signature_check(
        &g->sig, t->is_operator ? g->admin->secret : t->api_secret,
        http_req_header(req, "signature"), http_req_body(req), clock_wall_ms(), &err);
    if (r == ADMIN_SIG_OK)
        return true;
    LOGW("graphql: refused (%s): %s", admin_sig_result_str(r), err.msg);
    if (r == ADMIN_SIG_INVALID_BODY)
        respond_text(req, 400, "invalid JSON");
    else if (r == ADMIN_SIG_STORAGE)
        respond_text(req, 503, "Service Unavailable");
    else
        respond_text(req, 401, "Unauthorized");
    return false;
}

/* Apollo's answer to an envelope it cannot run: 400 with one error, code BAD_REQUEST. */
static http_handler_result_t bad_request(http_req_t *req, const char *msg)
{
    json_t *doc = json_pack("{s:[{s:s,s:{s:s}}]}", "errors", "message", msg, "extensions", "code",
                            "BAD_REQUEST");
    http_respond_json(req, 400, doc);
    json_decref(doc);
    return HTTP_DONE;
}

/* Reads {query, variables, operationName} as Apollo Server 4 does. */
static const char *envelope(json_t *body, gql_request_t *out)
{
    json_t *q = json_object_get(body, "query");
    json_t *v = json_object_get(body, "variables");
    json_t *op = json_object_get(body, "operationName");
    if (!json_is_string(q) || json_string_length(q) == 0)
        return "GraphQL operations must contain a non-empty `query` or a `persistedQuery` "
               "extension.";
    if (v && !json_is_null(v) && !json_is_object(v))
        return "`variables` in a POST body should be provided as an object.";
    if (op && !json_is_null(op) && !json_is_string(op))
        return "`operationName` in a POST body must be a string if provided.";
    out->query = (const uint8_t *)json_string_value(q);
    out->query_len = json_string_length(q);
    out->variables = json_is_object(v) ? v : NULL;
    out->operation_name = json_is_string(op) ? json_string_value(op) : NULL;
    return NULL;
}

/* Rafiki's ApolloArmor hides graphql-js's suggestions, which would spell out the schema to a
 * caller: each `Did you mean "..."` up to the message's last quote becomes the mask. */
static void hide_suggestions(json_t *resp)
{
    static const char MARK[] = "Did you mean \"", MASK[] = "[Suggestion hidden]";
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(resp, "errors"), i, e)
    {
        const char *m = json_string_value(json_object_get(e, "message"));
        const char *at = m ? strstr(m, MARK) : NULL;
        const char *last = at ? strrchr(at + sizeof MARK - 1, '"') : NULL;
        if (!last)
            continue;
        char *out = xmalloc(strlen(m) + sizeof MASK);
        size_t head = (size_t)(at - m);
        memcpy(out, m, head);
        memcpy(out + head, MASK, sizeof MASK - 1);
        size_t tail = strlen(last + 1);
        memcpy(out + head + sizeof MASK - 1, last + 1, tail + 1);
        json_object_set_new(e, "message", json_string(out));
        free(out);
    }
}

static http_handler_result_t gql_run(http_req_t *req, void *user)
{
    admin_gql_t *g = user;
    pay_tenant_t *tenant = xmalloc(sizeof *tenant);
    if (!caller_ok(g, req, tenant)) {
        free(tenant);
        return HTTP_DONE;
    }
    http_json_err_t jerr;
    json_t *body = http_json_parse(http_req_body(req), &jerr);
    const char *why = json_is_object(body) ? NULL : "POST body must be a JSON object.";
    gql_request_t gr = {0};
    if (!why)
        why = envelope(body, &gr);
    if (why) {
        json_decref(body);
        free(tenant);
        return bad_request(req, why);
    }
    admin_gql_req_t ctx = {
        .gql = g,
        .tenant_id = tenant->id,
        .is_operator = tenant->is_operator,
        .request_id = http_req_id(req),
    };
    unsigned status = 500;
    json_t *resp = gql_execute(g->schema, &g->limits, &gr, &ctx, &status);
    if (resp)
        hide_suggestions(resp);
    else
        resp = json_pack("{s:[{s:s,s:{s:s}}]}", "errors", "message", "Internal server error",
                         "extensions", "code", GQL_CODE_INTERNAL);
    http_respond_json(req, status, resp);
    json_decref(resp);
    json_decref(body);
    free(tenant);
    return HTTP_DONE;
}

/* POST /graphql: run on the face's pool, since a resolver may wait seconds (a create waiting
 * for the wallet's approval) and must not hold up the other connections of this thread. */
static http_handler_result_t h_graphql(http_req_t *req, void *user)
{
    admin_gql_t *g = user;
    return http_offload(g->pool, req, gql_run, g);
}

static int mutation_cmp(const void *a, const void *b)
{
    return strcmp(((const admin_gql_mutation_t *)a)->field,
                  ((const admin_gql_mutation_t *)b)->field);
}

static gql_resolve_t mutation_dispatch(const gql_call_t *call, json_t **out);

/* The engine's resolver table: the families' own, with each Mutation root field routed
 * through mutation_dispatch and its own resolver kept in g->mutations. */
static gql_resolver_t *resolvers_collect(admin_gql_t *g, size_t *n_out)
{
    size_t n = 0;
    for (size_t f = 0; f < g->n_families; f++)
        n += g->families[f]->n;
    gql_resolver_t *all = xcalloc(n ? n : 1, sizeof *all);
    g->mutations = xcalloc(n ? n : 1, sizeof *g->mutations);
    g->n_mutations = 0;
    size_t k = 0;
    for (size_t f = 0; f < g->n_families; f++) {
        for (size_t i = 0; i < g->families[f]->n; i++) {
            all[k] = g->families[f]->resolvers[i];
            if (strcmp(all[k].type, "Mutation") == 0) {
                g->mutations[g->n_mutations++] =
                    (admin_gql_mutation_t){.field = all[k].field, .fn = all[k].fn};
                all[k].fn = mutation_dispatch;
            }
            k++;
        }
    }
    qsort(g->mutations, g->n_mutations, sizeof *g->mutations, mutation_cmp);
    g->scoped = xcalloc(n ? n : 1, sizeof *g->scoped);
    g->n_scoped = 0;
    for (size_t i = 0; i < n; i++) {
        if (!admin_gql_scoped(all[i].type, all[i].field))
            continue;
        g->scoped[g->n_scoped++] = (admin_gql_mutation_t){.field = all[i].field, .fn = all[i].fn};
        all[i].fn = admin_gql_scope_dispatch;
    }
    admin_gql_scope_sort(g);
    *n_out = n;
    return all;
}

int admin_gql_register(http_server_t *s, admin_gql_t *g)
{
    ASSERT(g && g->admin);
    if (!g->sdl) {
        g->sdl = admin_gql_backend_sdl;
        g->sdl_len = admin_gql_backend_sdl_len;
        g->families = backend_families;
        g->n_families = 0;
        for (size_t i = 0; i < sizeof backend_families / sizeof *backend_families; i++)
            if (backend_families[i])
                g->n_families = i + 1;
    }
    if (!g->limits.depth_max)
        g->limits.depth_max = RAFIKI_DEPTH_MAX;
    if (!g->limits.cost_max)
        g->limits.cost_max = RAFIKI_COST_MAX;
    size_t n = 0;
    gql_resolver_t *all = resolvers_collect(g, &n);
    gql_err_t err;
    gql_result_t r = gql_schema_build(g->sdl, g->sdl_len, all, n, &g->schema, &err);
    free(all);
    if (r != GQL_OK) {
        LOGE("graphql: schema: %s (line %u, column %u)", err.message, err.line, err.col);
        return -1;
    }
    if (!(g->pool = http_offload_new("graphql", ADMIN_GQL_THREADS))) {
        LOGE("graphql: cannot start its threads");
        return -1;
    }
    if (http_server_route_gated(s, "POST", "/graphql", gql_gate, h_graphql, g, GQL_BODY_MAX) != 0) {
        LOGE("graphql: POST /graphql could not be registered");
        return -1;
    }
    return 0;
}

void admin_gql_unregister(admin_gql_t *g)
{
    if (!g)
        return;
    http_offload_free(g->pool);
    g->pool = NULL;
    gql_schema_free(g->schema);
    g->schema = NULL;
    free(g->mutations);
    g->mutations = NULL;
    g->n_mutations = 0;
    free(g->scoped);
    g->scoped = NULL;
    g->n_scoped = 0;
}

static gql_resolve_t mutation_dispatch(const gql_call_t *call, json_t **out)
{
    admin_gql_t *g = admin_gql_req(call)->gql;
    admin_gql_mutation_t key = {.field = call->field};
    const admin_gql_mutation_t *m =
        bsearch(&key, g->mutations, g->n_mutations, sizeof *g->mutations, mutation_cmp);
    ASSERT(m);
    gql_resolve_t r = admin_gql_idem_run(g->admin->cache, call, m->fn, out);
    if (r == GQL_RESOLVED) {
        const admin_gql_req_t *rq = admin_gql_req(call);
        admin_audit_gql(g->admin->audit, rq->tenant_id, rq->request_id, call->field, call->args,
                        *out);
    }
    return r;
}
