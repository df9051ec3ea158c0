/*
 * The admin APIs' audit rows (see admin_audit.h).
 */
#include "admin/admin_audit.h"

#include <stdio.h>
#include <string.h>

#include "base/clock.h"

/* The id member of obj, or of the first object member of obj that has one; NULL: none. */
static const char *answer_id(const json_t *obj)
{
    const char *id = json_string_value(json_object_get(obj, "id"));
    const char *k;
    json_t *v;
    if (id || !json_is_object(obj))
        return id;
    json_object_foreach((json_t *)obj, k, v)
    {
        if ((id = json_string_value(json_object_get(v, "id"))))
            return id;
    }
    return NULL;
}

void admin_audit_rest(const admin_call_t *call, unsigned status, const json_t *doc)
{
    const admin_ctx_t *ctx = call->ctx;
    const char *method = http_req_method(call->req);
    if (!ctx->audit || !ctx->audit_tenant || status < 200 || status > 299 ||
        strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
        return;
    console_audit_t e = {.at_ms = clock_wall_ms()};
    snprintf(e.who.tenant_id, sizeof e.who.tenant_id, "%s", ctx->audit_tenant);
    snprintf(e.channel, sizeof e.channel, "rest");
    snprintf(e.action, sizeof e.action, "%s", call->route);
    const char *id = http_req_param(call->req, "id");
    snprintf(e.target, sizeof e.target, "%s", id ? id : answer_id(doc) ? answer_id(doc) : "");
    const char *kid = http_req_param(call->req, "kid");
    if (kid)
        snprintf(e.detail, sizeof e.detail, "kid=%s", kid);
    snprintf(e.request_id, sizeof e.request_id, "%s", http_req_id(call->req));
    audit_queue_add(ctx->audit, &e);
}

/* Whether an argument's name is an id's: "id" or ending in "Id". */
static bool id_name(const char *k)
{
    size_t n = strlen(k);
    return strcmp(k, "id") == 0 || (n > 2 && strcmp(k + n - 2, "Id") == 0);
}

/* Appends obj's id members to e->detail ("name=value, ...") and takes the first as target. */
static void id_args(console_audit_t *e, const json_t *obj)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v)
    {
        const char *s = json_string_value(v);
        if (!s || !id_name(k))
            continue;
        size_t at = strlen(e->detail);
        snprintf(e->detail + at, sizeof e->detail - at, "%s%s=%s", at ? ", " : "", k, s);
        if (!e->target[0])
            snprintf(e->target, sizeof e->target, "%s", s);
    }
}

void admin_audit_gql(audit_queue_t *audit, const char *tenant_id, const char *request_id,
                     const char *field, const json_t *args, const json_t *result)
{
    if (!audit)
        return;
    console_audit_t e = {.at_ms = clock_wall_ms()};
    snprintf(e.who.tenant_id, sizeof e.who.tenant_id, "%s", tenant_id);
    snprintf(e.channel, sizeof e.channel, "graphql");
    snprintf(e.action, sizeof e.action, "%s", field);
    id_args(&e, args);
    id_args(&e, json_object_get(args, "input"));
    if (!e.target[0])
        snprintf(e.target, sizeof e.target, "%s", answer_id(result) ? answer_id(result) : "");
    snprintf(e.request_id, sizeof e.request_id, "%s", request_id ? request_id : "");
    audit_queue_add(audit, &e);
}
