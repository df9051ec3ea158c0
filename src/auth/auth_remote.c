/* Token introspection over HTTP (see auth_remote.h). */
#include "auth/auth_remote.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth_internal.h"
#include "base/log.h"
#include "base/mem.h"
#include "http/client.h"

struct auth_remote {
    http_client_t *http;
    char *url;
};

auth_remote_t *auth_remote_new(const char *url)
{
    auth_remote_t *r = xcalloc(1, sizeof *r);
    http_client_config_t hc = {.timeout_ms_default = AUTH_REMOTE_TIMEOUT_MS};
    r->url = xstrdup(url);
    if (!(r->http = http_client_new(&hc))) {
        auth_remote_free(r);
        return NULL;
    }
    return r;
}

void auth_remote_free(auth_remote_t *r)
{
    if (!r)
        return;
    http_client_free(r->http);
    free(r->url);
    free(r);
}

/* The answer of an active token into out: the item that grants (type, action, identifier),
 * its limits, the client. */
static op_access_result_t read_active(const json_t *doc, const char *type, const char *action,
                                      const char *identifier, op_access_t *out)
{
    bool all = false;
    const json_t *item =
        access_match(json_object_get(doc, "access"), type, action, identifier, &all);
    if (!item)
        return OP_ACCESS_INSUFFICIENT;
    const char *grant = json_string_value(json_object_get(doc, "grant"));
    const json_t *client = json_object_get(doc, "client");
    const char *wa = json_string_value(json_object_get(client, "walletAddress"));
    json_t *jwk = json_object_get(client, "jwk");
    if (!grant || (!wa && !json_is_object(jwk)))
        return OP_ACCESS_ERROR;
    memset(out, 0, sizeof *out);
    snprintf(out->grant_id, sizeof out->grant_id, "%s", grant);
    snprintf(out->client, sizeof out->client, "%s", wa ? wa : "");
    out->client_jwk = wa ? NULL : json_incref(jwk);
    out->all = all;
    if (access_limits(item, out) != 0) {
        json_decref(out->client_jwk);
        out->client_jwk = NULL;
        return OP_ACCESS_INSUFFICIENT;
    }
    return OP_ACCESS_ACTIVE;
}

op_access_result_t auth_introspect_remote(void *user, const char *token, const char *type,
                                          const char *action, const char *identifier,
                                          op_access_t *out)
{
    auth_remote_t *r = user;
    json_t *item = json_pack("{s:s,s:[s]}", "type", type, "actions", action);
    if (item && identifier)
        json_object_set_new(item, "identifier", json_string(identifier));
    json_t *req = item ? json_pack("{s:s,s:[o]}", "access_token", token, "access", item) : NULL;
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (!body)
        return OP_ACCESS_ERROR;
    http_header_t h[] = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
    http_client_req_t rq = {
        .method = "POST", .url = r->url, .headers = h, .n_headers = 2, .body = SLICE_STR(body)};
    http_client_resp_t resp;
    http_client_result_t rc = http_client_do_sync(r->http, &rq, &resp);
    free(body);
    op_access_result_t res = OP_ACCESS_ERROR;
    json_t *doc = NULL;
    if (rc == HTTP_CLIENT_OK && resp.status == 200)
        doc = json_loadb((const char *)resp.body.ptr, resp.body.len, 0, NULL);
    if (!json_is_object(doc))
        LOGW("introspection: POST %s: %s %u", r->url, http_client_result_str(rc), resp.status);
    else if (!json_is_true(json_object_get(doc, "active")))
        res = OP_ACCESS_INACTIVE;
    else
        res = read_active(doc, type, action, identifier, out);
    json_decref(doc);
    http_client_resp_free(&resp);
    return res;
}
