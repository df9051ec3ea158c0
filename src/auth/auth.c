/*
 * The GNAP authorization server (see auth.h): grant requests, continuation, token management,
 * the interaction front channel, introspection and the interaction API of an own IdP.
 */
#include "auth/auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth_internal.h"
#include "base/clock.h"
#include "base/codec.h"
#include "base/ct.h"
#include "base/digest.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/rand.h"
#include "http/form.h"
#include "http/json.h"

static const char *const result_names[] = {
    [AUTH_OK] = "ok",
    [AUTH_NOT_FOUND] = "unknown_interaction",
    [AUTH_NOT_PENDING] = "invalid_interaction",
    [AUTH_EXPIRED] = "invalid_interaction",
    [AUTH_STORAGE_ERROR] = "request_denied",
    [AUTH_INVALID_REQUEST] = "invalid_request",
};

const char *auth_result_str(auth_result_t r)
{
    return result_names[r];
}

auth_t *auth_new(const auth_config_t *cfg)
{
    auth_t *a = xcalloc(1, sizeof *a);
    a->cfg = *cfg;
    if (!a->cfg.token_expiry_s)
        a->cfg.token_expiry_s = 600;
    if (!a->cfg.wait_s)
        a->cfg.wait_s = 5;
    if (!a->cfg.interaction_expiry_s)
        a->cfg.interaction_expiry_s = 600;
    if (!a->cfg.pending_grants_max)
        a->cfg.pending_grants_max = AUTH_PENDING_GRANTS_MAX_DEFAULT;
    snprintf(a->grant_endpoint, sizeof a->grant_endpoint, "%s/", cfg->auth_url);
    if (cfg->consent_url && *cfg->consent_url)
        snprintf(a->consent_url, sizeof a->consent_url, "%s", cfg->consent_url);
    else
        snprintf(a->consent_url, sizeof a->consent_url, "%s/consent", cfg->auth_url);
    snprintf(a->builtin_consent_url, sizeof a->builtin_consent_url, "%s/consent", cfg->auth_url);
    snprintf(a->scheme, sizeof a->scheme, "%s",
             strncmp(cfg->auth_url, "https://", 8) == 0 ? "https" : "http");
    return a;
}

void auth_free(auth_t *a)
{
    free(a);
}

/* ---- answers ---- */

static http_handler_result_t gnap_error(http_req_t *req, unsigned status, const char *code,
                                        const char *description)
{
    json_t *doc = json_pack("{s:{s:s,s:s}}", "error", "code", code, "description", description);
    http_respond_json(req, status, doc);
    json_decref(doc);
    return HTTP_DONE;
}

static http_handler_result_t answer(http_req_t *req, unsigned status, json_t *doc)
{
    if (!doc)
        return gnap_error(req, 500, "request_denied", "out of memory");
    http_respond_json(req, status, doc);
    json_decref(doc);
    return HTTP_DONE;
}

static http_handler_result_t storage_error(http_req_t *req)
{
    return gnap_error(req, 500, "request_denied",
                      "the authorization server cannot reach its "
                      "database");
}

/* The token of an "Authorization: GNAP <token>" header (exactly one space), or NULL. */
static const char *gnap_token(const http_req_t *req)
{
    const char *h = http_req_header(req, "Authorization");
    if (!h || strncmp(h, "GNAP ", 5) != 0 || !h[5] || strchr(h + 5, ' '))
        return NULL;
    return h + 5;
}

/* Verifies the request's signature by the grant's client; answers 401 and returns false. */
static bool signed_by_client(auth_t *a, http_req_t *req, const char *client, const json_t *jwk)
{
    char why[256];
    op_sig_result_t r = op_sig_verify(a->cfg.sig, req, a->cfg.auth_url,
                                      client && *client ? client : NULL, jwk, why, sizeof why);
    if (r == OP_SIG_OK)
        return true;
    if (r == OP_SIG_STORAGE_ERROR)
        storage_error(req);
    else
        gnap_error(req, 401, "invalid_client", why);
    return false;
}

static json_t *continue_json(const auth_t *a, const grant_t *g, const char *token, bool wait)
{
    char uri[AUTH_URI_MAX + 64];
    snprintf(uri, sizeof uri, "%s/continue/%s", a->cfg.auth_url, g->id);
    json_t *c = json_pack("{s:{s:s},s:s}", "access_token", "value", token, "uri", uri);
    if (c && wait)
        json_object_set_new(c, "wait", json_integer(a->cfg.wait_s));
    return c;
}

static json_t *token_json(const auth_t *a, const char *value, const char *manage_id,
                          const json_t *access)
{
    char manage[AUTH_URI_MAX + 64];
    snprintf(manage, sizeof manage, "%s/token/%s", a->cfg.auth_url, manage_id);
    return json_pack("{s:s,s:s,s:i,s:O}", "value", value, "manage", manage, "expires_in",
                     (json_int_t)a->cfg.token_expiry_s, "access", access);
}

/* ---- grant request ---- */

/* The client of a grant request: a wallet address URL (string or {walletAddress}) or {jwk}. */
int client_parse(const json_t *c, const char **url, const json_t **jwk)
{
    *url = NULL, *jwk = NULL;
    if (json_is_string(c))
        *url = json_string_value(c);
    else if (json_is_object(c) && json_is_string(json_object_get(c, "walletAddress")))
        *url = json_string_value(json_object_get(c, "walletAddress"));
    else if (json_is_object(c) && json_is_object(json_object_get(c, "jwk")))
        *jwk = json_object_get(c, "jwk");
    if (*url && (strlen(*url) > OP_CLIENT_MAX ||
                 (strncmp(*url, "http://", 7) != 0 && strncmp(*url, "https://", 8) != 0)))
        return -1;
    return *url || *jwk ? 0 : -1;
}

/* interact {start: ["redirect"], finish?: {method: "redirect", uri, nonce}} into g. */
auth_result_t interact_parse(const json_t *in, grant_t *g, auth_err_t *err)
{
    const json_t *start = json_object_get(in, "start");
    bool redirect = false;
    size_t i;
    json_t *s;
    json_array_foreach(start, i, s) redirect =
        redirect || (json_is_string(s) && !strcmp(json_string_value(s), "redirect"));
    if (!redirect) {
        snprintf(err->msg, sizeof err->msg, "interact.start must include \"redirect\"");
        return AUTH_INVALID_REQUEST;
    }
    const json_t *fin = json_object_get(in, "finish");
    if (!fin)
        return AUTH_OK;
    const char *method = json_string_value(json_object_get(fin, "method"));
    const char *uri = json_string_value(json_object_get(fin, "uri"));
    const char *nonce = json_string_value(json_object_get(fin, "nonce"));
    if (!method || strcmp(method, "redirect") != 0 || !uri || !nonce || !*nonce ||
        strlen(uri) > AUTH_URI_MAX || strlen(nonce) > AUTH_NONCE_MAX ||
        (strncmp(uri, "http://", 7) != 0 && strncmp(uri, "https://", 8) != 0) ||
        strpbrk(uri, "#\r\n ")) {
        snprintf(err->msg, sizeof err->msg,
                 "interact.finish must be {method: \"redirect\", uri: an http(s) URI, "
                 "nonce}");
        return AUTH_INVALID_REQUEST;
    }
    snprintf(g->finish_uri, sizeof g->finish_uri, "%s", uri);
    snprintf(g->client_nonce, sizeof g->client_nonce, "%s", nonce);
    return AUTH_OK;
}

/* The publicName of the client's wallet address into g->client_name; false when it has none. */
static bool client_name_get(auth_t *a, const char *client_url, grant_t *g)
{
    op_sig_result_t dr;
    json_t *doc = op_sig_client_document(a->cfg.sig, client_url, &dr);
    const char *name = json_string_value(json_object_get(doc, "publicName"));
    if (name)
        snprintf(g->client_name, sizeof g->client_name, "%s", name);
    json_decref(doc); /* name pointed into doc: only the copy in g is read from here on */
    return g->client_name[0] != '\0';
}

/* Stores g as an APPROVED grant, issues its token and answers both (cont: the continue
 * token). */
static http_handler_result_t approved_start(auth_t *a, http_req_t *req, grant_t *g,
                                            const char *cont)
{
    g->finish_uri[0] = g->client_nonce[0] = '\0'; /* nothing to finish */
    g->state = GRANT_APPROVED;
    char value[AUTH_TOKEN_LEN + 1], id[UUID_STR_LEN + 1];
    if (grant_insert(a, g) != GSTORE_OK ||
        token_issue(a, g->id, GRANT_APPROVED, value, id) != GSTORE_OK)
        return storage_error(req);
    return answer(req, 200,
                  json_pack("{s:o,s:o}", "access_token", token_json(a, value, id, g->access),
                            "continue", continue_json(a, g, cont, false)));
}

/* Stores g as a PENDING grant with a new interaction and answers its interact and continue
 * (cont: the continue token); 429 when its client has too many grants pending already. */
static http_handler_result_t pending_start(auth_t *a, http_req_t *req, grant_t *g, const char *cont)
{
    g->state = GRANT_PENDING;
    uuid_v4(g->interact_id);
    char nonce[AUTH_TOKEN_LEN + 1];
    auth_token_new(nonce);
    memcpy(g->interact_nonce, nonce, AUTH_NONCE_LEN);
    g->interact_nonce[AUTH_NONCE_LEN] = '\0';
    g->interaction_expires_ms = g->created_ms + (int64_t)a->cfg.interaction_expiry_s * 1000;
    grant_store_result_t rc = grant_insert(a, g);
    if (rc == GSTORE_FULL)
        return gnap_error(req, 429, "too_many_attempts",
                          "this client has too many grants waiting for their users; try again "
                          "when some are answered or have expired");
    if (rc != GSTORE_OK)
        return storage_error(req);
    char redirect[AUTH_URI_MAX + 128];
    snprintf(redirect, sizeof redirect, "%s/interact/%s/%s", a->cfg.auth_url, g->interact_id,
             g->interact_nonce);
    return answer(req, 200,
                  json_pack("{s:{s:s,s:s},s:o}", "interact", "redirect", redirect, "finish",
                            g->interact_nonce, "continue", continue_json(a, g, cont, true)));
}

/* gnap_error for a check that answers false when it refuses. */
static bool refuse(http_req_t *req, unsigned status, const char *code, const char *description)
{
    gnap_error(req, status, code, description);
    return false;
}

/* What the request asks for into g (its access items, its subject, its interaction) and
 * whether the user must answer it; answers the refusal and returns false. */
static bool request_read(auth_t *a, http_req_t *req, const json_t *body, const json_t *jwk,
                         const char *client_url, grant_t *g, bool *interactive)
{
    auth_err_t why = {.msg = ""};
    const json_t *at = json_object_get(body, "access_token");
    const json_t *subject = json_object_get(body, "subject");
    const json_t *interact = json_object_get(body, "interact");
    const json_t *items = json_object_get(at, "access");
    /* the schema lets a subject come with an empty access list: a grant of the subject alone */
    bool no_access = subject && json_is_array(items) && json_array_size(items) == 0;
    bool access_interactive = false;
    auth_result_t r = subject ? subject_parse(subject, g, &why) : AUTH_OK;
    if (r == AUTH_OK && subject)
        r = subject_known(a, g, &why);
    if (r == AUTH_STORAGE_ERROR) {
        storage_error(req);
        return false;
    }
    if (r != AUTH_OK)
        return refuse(req, 400, "invalid_request", why.msg);
    if ((at || !subject) && !no_access &&
        (!json_is_object(at) || access_validate(a, items, &access_interactive, &why) != AUTH_OK))
        return refuse(req, 400, "invalid_request",
                      why.msg[0] ? why.msg : "access_token.access or subject is required");
    /* only the user can show that they own a subject's wallet address */
    *interactive = access_interactive || g->n_subjects > 0;
    if (*interactive && !interact)
        return refuse(req, 400, "invalid_request",
                      "this request needs the user: interact is required");
    if (interact && interact_parse(interact, g, &why) != AUTH_OK)
        return refuse(req, 400, "invalid_request", why.msg);
    if (*interactive && jwk)
        return refuse(req, 400, "invalid_client",
                      "interactive grants need a client wallet address");
    if (*interactive && !client_name_get(a, client_url, g))
        return refuse(req, 400, "invalid_client",
                      "the client's wallet address has no publicName to show the user");
    g->access = at && !no_access ? json_deep_copy(items) : json_array();
    return true;
}

/* A grant request to the endpoint of tenant_id ("" for the operator's {auth_url}/). */
static http_handler_result_t grant_request_for(auth_t *a, http_req_t *req, const char *tenant_id)
{
    http_json_err_t je;
    json_t *body = http_json_parse(http_req_body(req), &je);
    if (!json_is_object(body)) {
        gnap_error(req, 400, "invalid_request", body ? "the body must be an object" : je.message);
        json_decref(body); /* after the answer: body is not read once freed */
        return HTTP_DONE;
    }
    grant_t g = {0};
    const char *client_url;
    const json_t *jwk;
    bool interactive = false;
    if (client_parse(json_object_get(body, "client"), &client_url, &jwk) != 0) {
        gnap_error(req, 400, "invalid_client", "client must be a wallet address URL or {jwk}");
        goto out;
    }
    if (!signed_by_client(a, req, client_url, jwk) ||
        !request_read(a, req, body, jwk, client_url, &g, &interactive))
        goto out;
    uuid_v7(g.id);
    snprintf(g.tenant_id, sizeof g.tenant_id, "%s", tenant_id);
    snprintf(g.client, sizeof g.client, "%s", client_url ? client_url : "");
    g.client_jwk = jwk ? json_deep_copy(jwk) : NULL;
    char cont[AUTH_TOKEN_LEN + 1];
    auth_token_new(cont);
    auth_hash(cont, g.continue_hash);
    g.created_ms = g.last_continue_ms = clock_wall_ms();
    if (interactive)
        pending_start(a, req, &g, cont);
    else
        approved_start(a, req, &g, cont);
out:
    grant_release(&g);
    json_decref(body);
    return HTTP_DONE;
}

/* POST /: a grant of the operator's tenant, as before tenants. */
static http_handler_result_t grant_request(http_req_t *req, void *user)
{
    return grant_request_for(user, req, "");
}

/* POST /{tenantId}: a grant of that live tenant (Rafiki's grant initiation route); 404
 * invalid_request "Not Found" as Rafiki for an unknown or deleted tenant, before the request's
 * signature is checked (no client key is fetched for a tenant that is not there). */
static http_handler_result_t tenant_grant_request(http_req_t *req, void *user)
{
    auth_t *a = user;
    const char *tenant_id = http_req_param(req, "tenantId");
    grant_store_result_t rc = tenant_id ? tenant_live(a, tenant_id) : GSTORE_NOT_FOUND;
    if (rc == GSTORE_ERROR)
        return storage_error(req);
    if (rc != GSTORE_OK)
        return gnap_error(req, 404, "invalid_request", "Not Found");
    return grant_request_for(a, req, tenant_id);
}

/* ---- continuation ---- */

/* Loads the grant of /continue/{id} and checks the continue token and the signature; answers
 * and returns false when they do not hold. */
static bool continue_auth(auth_t *a, http_req_t *req, grant_t *g)
{
    const char *tok = gnap_token(req);
    const char *id = http_req_param(req, "id");
    if (!tok || !id) {
        gnap_error(req, 401, "invalid_continuation",
                   "Authorization: GNAP <continue token> "
                   "is required");
        return false;
    }
    grant_store_result_t rc = grant_get(a, id, g);
    if (rc == GSTORE_ERROR) {
        storage_error(req);
        return false;
    }
    char hash[AUTH_HASH_HEX_LEN + 1];
    auth_hash(tok, hash);
    if (rc != GSTORE_OK || !ct_equal(hash, g->continue_hash, AUTH_HASH_HEX_LEN)) {
        gnap_error(req, 401, "invalid_continuation", "unknown grant or continue token");
        return false;
    }
    return signed_by_client(a, req, g->client, g->client_jwk);
}

/* Finalizes an approved grant and answers what it grants: its access token (a new one) when it
 * has access items, its subject when it asked for one (the user has proven it by approving). */
static http_handler_result_t issue(auth_t *a, http_req_t *req, grant_t *g, grant_state_t from)
{
    char value[AUTH_TOKEN_LEN + 1], id[UUID_STR_LEN + 1], cont[AUTH_TOKEN_LEN + 1];
    auth_subject_t subjects[AUTH_SUBJECTS_MAX];
    size_t n = 0;
    if (grant_subjects_get(a, g->id, subjects, AUTH_SUBJECTS_MAX, &n) != GSTORE_OK)
        return storage_error(req);
    bool with_token = json_array_size(g->access) > 0;
    grant_store_result_t rc = with_token
                                  ? token_issue(a, g->id, from, value, id)
                                  : grant_transition(a, g->id, from, GRANT_FINALIZED, NULL, NULL);
    if (rc == GSTORE_NOT_FOUND)
        return gnap_error(req, 401, "request_denied", "the grant is not approved");
    if (rc != GSTORE_OK)
        return storage_error(req);
    /* the continue token stays what the client holds: answer it back */
    const char *held = gnap_token(req);
    snprintf(cont, sizeof cont, "%s", held ? held : "");
    json_t *doc = json_pack("{s:o}", "continue", continue_json(a, g, cont, false));
    if (doc && with_token)
        json_object_set_new(doc, "access_token", token_json(a, value, id, g->access));
    if (doc && n > 0)
        json_object_set_new(doc, "subject", subject_json(subjects, n));
    return answer(req, 200, doc);
}

static http_handler_result_t grant_continue(http_req_t *req, void *user)
{
    auth_t *a = user;
    grant_t g = {0};
    json_t *body = NULL;
    if (!continue_auth(a, req, &g))
        goto out;
    slice_t raw = http_req_body(req);
    const char *ref = NULL;
    if (raw.len > 0) {
        http_json_err_t je;
        body = http_json_parse(raw, &je);
        ref = json_string_value(json_object_get(body, "interact_ref"));
        if (!ref) {
            gnap_error(req, 401, "invalid_request", "interact_ref is required in a body");
            goto out;
        }
    }
    int64_t now = clock_wall_ms();
    if (ref) {
        if (!g.interact_ref[0] || strcmp(ref, g.interact_ref) != 0) {
            gnap_error(req, 404, "invalid_continuation", "unknown interact_ref");
            goto out;
        }
        if (g.state != GRANT_APPROVED) {
            gnap_error(req, 401, "request_denied", "the grant is not approved");
            goto out;
        }
        issue(a, req, &g, GRANT_APPROVED);
        goto out;
    }
    /* polling */
    if (g.finish_uri[0]) {
        gnap_error(req, 401, "request_denied",
                   "a grant with a finish method is continued with "
                   "its interact_ref, not polled");
        goto out;
    }
    if (now < g.last_continue_ms + (int64_t)a->cfg.wait_s * 1000) {
        gnap_error(req, 400, "too_fast", "polled before wait seconds had passed");
        goto out;
    }
    if (grant_touch_continue(a, g.id, now) != GSTORE_OK) {
        storage_error(req);
        goto out;
    }
    if (g.state == GRANT_APPROVED) {
        issue(a, req, &g, GRANT_APPROVED);
    } else if (g.state == GRANT_PENDING) {
        const char *held = gnap_token(req);
        answer(req, 200, json_pack("{s:o}", "continue", continue_json(a, &g, held, true)));
    } else {
        gnap_error(req, 401, "request_denied", "the grant was rejected, revoked or finalized");
    }
out:
    json_decref(body);
    grant_release(&g);
    return HTTP_DONE;
}

static http_handler_result_t grant_cancel(http_req_t *req, void *user)
{
    auth_t *a = user;
    grant_t g = {0};
    if (continue_auth(a, req, &g)) {
        grant_store_result_t rc = grant_revoke(a, g.id);
        if (rc == GSTORE_OK || rc == GSTORE_NOT_FOUND)
            http_respond(req, 204, NULL, NULL, 0);
        else
            storage_error(req);
    }
    grant_release(&g);
    return HTTP_DONE;
}

/* ---- token management ---- */

static http_handler_result_t token_manage(http_req_t *req, void *user)
{
    auth_t *a = user;
    bool rotate = strcmp(http_req_method(req), "POST") == 0;
    const char *tok = gnap_token(req), *id = http_req_param(req, "id");
    if (!tok)
        return gnap_error(req, 401, "invalid_client",
                          "Authorization: GNAP <access token> is "
                          "required");
    token_row_t row;
    grant_t g = {0};
    grant_store_result_t rc = token_get_by_id(a, id, &row);
    if (rc == GSTORE_ERROR)
        return storage_error(req);
    char hash[AUTH_HASH_HEX_LEN + 1];
    auth_hash(tok, hash);
    token_row_t by_value;
    if (rc != GSTORE_OK || token_get(a, tok, &by_value) != GSTORE_OK ||
        strcmp(by_value.id, row.id) != 0)
        return rotate ? gnap_error(req, 404, "invalid_rotation", "unknown token")
                      : gnap_error(req, 401, "invalid_client", "unknown token");
    if ((rc = grant_get(a, row.grant_id, &g)) != GSTORE_OK) {
        grant_release(&g);
        return storage_error(req);
    }
    if (!signed_by_client(a, req, g.client, g.client_jwk)) {
        grant_release(&g);
        return HTTP_DONE;
    }
    if (row.revoked) {
        grant_release(&g);
        if (!rotate) {
            http_respond(req, 204, NULL, NULL, 0);
            return HTTP_DONE;
        }
        return gnap_error(req, 404, "invalid_rotation", "the token was revoked");
    }
    char value[AUTH_TOKEN_LEN + 1], new_id[UUID_STR_LEN + 1];
    rc = token_revoke(a, row.id, hash, rotate, value, new_id);
    if (rc == GSTORE_NOT_FOUND && !rotate) {
        http_respond(req, 204, NULL, NULL, 0);
    } else if (rc == GSTORE_NOT_FOUND) {
        gnap_error(req, 404, "invalid_rotation", "the token was revoked");
    } else if (rc != GSTORE_OK) {
        storage_error(req);
    } else if (rotate) {
        answer(req, 200,
               json_pack("{s:o}", "access_token", token_json(a, value, new_id, g.access)));
    } else {
        http_respond(req, 204, NULL, NULL, 0);
    }
    grant_release(&g);
    return HTTP_DONE;
}

/* ---- the interaction front channel ---- */

static http_handler_result_t redirect(http_req_t *req, unsigned status, const char *location)
{
    if (http_req_add_header(req, "Location", location) != 0)
        return gnap_error(req, 500, "request_denied", "redirect URI too long");
    http_req_add_header(req, "Cache-Control", "no-store");
    http_respond(req, status, NULL, NULL, 0);
    return HTTP_DONE;
}

/* 302 to the grant's finish URI with query (already encoded), keeping its own query. */
static http_handler_result_t finish_redirect(http_req_t *req, const grant_t *g, const char *query)
{
    char loc[AUTH_URI_MAX * 2 + 512];
    snprintf(loc, sizeof loc, "%s%c%s", g->finish_uri, strchr(g->finish_uri, '?') ? '&' : '?',
             query);
    return redirect(req, 302, loc);
}

static bool interaction_expired(const grant_t *g)
{
    return g->interaction_expires_ms && clock_wall_ms() > g->interaction_expires_ms;
}

#define SESSION_COOKIE "gnap_interaction"

static http_handler_result_t interact_start(http_req_t *req, void *user)
{
    auth_t *a = user;
    grant_t g = {0};
    grant_store_result_t rc =
        grant_get_by_interaction(a, http_req_param(req, "id"), http_req_param(req, "nonce"), &g);
    if (rc == GSTORE_ERROR)
        return storage_error(req);
    if (rc != GSTORE_OK)
        return gnap_error(req, 400, "unknown_interaction", "no such interaction");
    if (g.state != GRANT_PENDING || interaction_expired(&g)) {
        http_handler_result_t r =
            g.finish_uri[0]
                ? finish_redirect(req, &g, "result=invalid_interaction")
                : gnap_error(req, 403, "invalid_interaction", "the interaction is over");
        grant_release(&g);
        return r;
    }
    char session[AUTH_TOKEN_LEN + 1], hash[AUTH_HASH_HEX_LEN + 1];
    auth_token_new(session);
    auth_hash(session, hash);
    grant_idp_t idp;
    rc = grant_idp(a, g.tenant_id, &idp);
    if (rc == GSTORE_OK)
        rc = grant_set_session(a, g.id, hash);
    if (rc != GSTORE_OK) {
        grant_release(&g);
        return rc == GSTORE_NOT_FOUND
                   ? gnap_error(req, 403, "invalid_interaction", "the grant's tenant was deleted")
                   : storage_error(req);
    }
    char cookie[256], name[3 * WALLET_ADDRESS_NAME_MAX + 1], uri[3 * OP_CLIENT_MAX + 1];
    snprintf(cookie, sizeof cookie,
             SESSION_COOKIE "=%s; Path=/interact/%s/%s; HttpOnly; "
                            "SameSite=Lax%s",
             session, g.interact_id, g.interact_nonce,
             strcmp(a->scheme, "https") == 0 ? "; Secure" : "");
    http_req_add_header(req, "Set-Cookie", cookie);
    form_encode(g.client_name, name, sizeof name);
    form_encode(g.client, uri, sizeof uri);
    char loc[AUTH_URI_MAX + sizeof name + sizeof uri + 128];
    snprintf(loc, sizeof loc, "%s%cinteractId=%s&nonce=%s&clientName=%s&clientUri=%s",
             idp.consent_url, strchr(idp.consent_url, '?') ? '&' : '?', g.interact_id,
             g.interact_nonce, name, uri);
    grant_release(&g);
    return redirect(req, 302, loc);
}

/* The value of cookie name in the request, copied into out; false when absent. */
static bool cookie_get(const http_req_t *req, const char *name, char *out, size_t cap)
{
    const char *c = http_req_header(req, "Cookie");
    size_t n = strlen(name);
    while (c && *c) {
        while (*c == ' ' || *c == ';')
            c++;
        if (strncmp(c, name, n) == 0 && c[n] == '=') {
            c += n + 1;
            size_t len = strcspn(c, ";");
            if (len >= cap)
                return false;
            memcpy(out, c, len);
            out[len] = '\0';
            return true;
        }
        c = strchr(c, ';');
    }
    return false;
}

/* The interaction hash over the grant endpoint the client asked: {auth_url}/ or, for a tenant's
 * grant, {auth_url}/{tenantId} (Rafiki's grantRequestUrl). */
static void finish_hash(const auth_t *a, const grant_t *g, char *out, size_t cap)
{
    char base[2 * AUTH_NONCE_MAX + 2 * AUTH_URI_MAX + 64];
    snprintf(base, sizeof base, "%s\n%s\n%s\n%s%s", g->client_nonce, g->interact_nonce,
             g->interact_ref, a->grant_endpoint, g->tenant_id);
    uint8_t h[SHA256_LEN];
    sha256(h, base, strlen(base));
    char b64[64];
    b64_encode(b64, sizeof b64, h, sizeof h, B64_STD);
    form_encode(b64, out, cap);
}

static http_handler_result_t interact_finish(http_req_t *req, void *user)
{
    auth_t *a = user;
    grant_t g = {0};
    grant_store_result_t rc =
        grant_get_by_interaction(a, http_req_param(req, "id"), http_req_param(req, "nonce"), &g);
    if (rc == GSTORE_ERROR)
        return storage_error(req);
    if (rc != GSTORE_OK)
        return gnap_error(req, 404, "unknown_interaction", "no such interaction");
    char session[AUTH_TOKEN_LEN + 8], hash[AUTH_HASH_HEX_LEN + 1];
    if (!cookie_get(req, SESSION_COOKIE, session, sizeof session) || !g.session_hash[0] ||
        (auth_hash(session, hash), !ct_equal(hash, g.session_hash, AUTH_HASH_HEX_LEN))) {
        grant_release(&g);
        return gnap_error(req, 401, "invalid_request",
                          "this browser did not start the "
                          "interaction");
    }
    http_handler_result_t r;
    if (!g.finish_uri[0]) {
        http_respond(req, 202, NULL, NULL, 0);
        r = HTTP_DONE;
    } else if (g.state == GRANT_APPROVED || g.state == GRANT_FINALIZED) {
        char h[128], q[256];
        finish_hash(a, &g, h, sizeof h);
        snprintf(q, sizeof q, "hash=%s&interact_ref=%s", h, g.interact_ref);
        r = finish_redirect(req, &g, q);
    } else if (g.state == GRANT_DENIED) {
        r = finish_redirect(req, &g, "result=grant_rejected");
    } else if (interaction_expired(&g)) {
        r = finish_redirect(req, &g, "result=invalid_interaction&message=interaction%20expired");
    } else {
        r = finish_redirect(req, &g, "result=grant_invalid");
    }
    grant_release(&g);
    return r;
}

/* ---- interactions (consent screens and the IdP API) ---- */

auth_result_t auth_interaction_get(auth_t *a, const char *id, const char *nonce,
                                   auth_interaction_t *out)
{
    grant_t g = {0};
    grant_store_result_t rc = grant_get_by_interaction(a, id, nonce, &g);
    if (rc != GSTORE_OK)
        return rc == GSTORE_NOT_FOUND ? AUTH_NOT_FOUND : AUTH_STORAGE_ERROR;
    memset(out, 0, sizeof *out);
    snprintf(out->grant_id, sizeof out->grant_id, "%s", g.id);
    out->state = g.state == GRANT_PENDING  ? AUTH_INTERACTION_PENDING
                 : g.state == GRANT_DENIED ? AUTH_INTERACTION_DENIED
                                           : AUTH_INTERACTION_APPROVED;
    snprintf(out->client, sizeof out->client, "%s", g.client);
    snprintf(out->client_name, sizeof out->client_name, "%s", g.client_name);
    out->access = json_incref(g.access);
    out->expires_ms = g.interaction_expires_ms;
    auth_result_t r = g.state == GRANT_REVOKED  ? AUTH_NOT_PENDING
                      : interaction_expired(&g) ? AUTH_EXPIRED
                                                : AUTH_OK;
    if (r == AUTH_OK && grant_subjects_get(a, g.id, out->subjects, AUTH_SUBJECTS_MAX,
                                           &out->n_subjects) != GSTORE_OK)
        r = AUTH_STORAGE_ERROR;
    grant_release(&g);
    if (r != AUTH_OK)
        json_decref(out->access), out->access = NULL;
    return r;
}

auth_result_t auth_interaction_decide(auth_t *a, const char *id, const char *nonce, bool accept,
                                      const char *subject)
{
    grant_t g = {0};
    grant_store_result_t rc = grant_get_by_interaction(a, id, nonce, &g);
    if (rc != GSTORE_OK)
        return rc == GSTORE_NOT_FOUND ? AUTH_NOT_FOUND : AUTH_STORAGE_ERROR;
    auth_result_t r = AUTH_OK;
    if (g.state != GRANT_PENDING) {
        r = AUTH_NOT_PENDING;
    } else if (interaction_expired(&g)) {
        r = AUTH_EXPIRED;
    } else {
        char ref[UUID_STR_LEN + 1];
        uuid_v4(ref);
        rc = grant_transition(a, g.id, GRANT_PENDING, accept ? GRANT_APPROVED : GRANT_DENIED,
                              accept ? ref : NULL, subject);
        r = rc == GSTORE_OK          ? AUTH_OK
            : rc == GSTORE_NOT_FOUND ? AUTH_NOT_PENDING
                                     : AUTH_STORAGE_ERROR;
    }
    grant_release(&g);
    return r;
}

/* Whether x-idp-secret is the secret that decides the interaction's grant: its tenant's
 * idpSecret, or IDP_SECRET for the operator's grants (auth_tenant.c), so one tenant's IdP can
 * neither read nor decide another's grants. Answers and returns false otherwise: 401 without
 * the right secret, 404 for an unknown interaction or one whose tenant was deleted. */
static bool idp_authorized(auth_t *a, http_req_t *req)
{
    const char *s = http_req_header(req, "x-idp-secret");
    if (!s || !*s)
        return refuse(req, 401, "invalid_request", "x-idp-secret is missing or wrong");
    grant_t g = {0};
    grant_idp_t idp;
    grant_store_result_t rc =
        grant_get_by_interaction(a, http_req_param(req, "id"), http_req_param(req, "nonce"), &g);
    if (rc == GSTORE_OK)
        rc = grant_idp(a, g.tenant_id, &idp);
    grant_release(&g);
    if (rc == GSTORE_ERROR) {
        storage_error(req);
        return false;
    }
    if (rc != GSTORE_OK)
        return refuse(req, 404, "unknown_interaction", "no such interaction");
    size_t n = strlen(idp.idp_secret);
    if (n == 0 || strlen(s) != n || !ct_equal(s, idp.idp_secret, n))
        return refuse(req, 401, "invalid_request", "x-idp-secret is missing or wrong");
    return true;
}

static http_handler_result_t idp_error(http_req_t *req, auth_result_t r)
{
    if (r == AUTH_NOT_FOUND)
        return gnap_error(req, 404, "unknown_interaction", "no such interaction");
    if (r == AUTH_STORAGE_ERROR)
        return storage_error(req);
    return gnap_error(req, 400, "invalid_interaction",
                      r == AUTH_EXPIRED ? "the interaction expired" : "the interaction is over");
}

static http_handler_result_t idp_get(http_req_t *req, void *user)
{
    auth_t *a = user;
    if (!idp_authorized(a, req))
        return HTTP_DONE;
    auth_interaction_t it;
    auth_result_t r =
        auth_interaction_get(a, http_req_param(req, "id"), http_req_param(req, "nonce"), &it);
    if (r != AUTH_OK)
        return idp_error(req, r);
    static const char *const states[] = {"PENDING", "APPROVED", "DENIED"};
    json_t *doc =
        json_pack("{s:s,s:o,s:s,s:{s:s,s:s}}", "grantId", it.grant_id, "access", it.access, "state",
                  states[it.state], "client", "walletAddress", it.client, "name", it.client_name);
    if (doc && it.n_subjects > 0) /* the wallet addresses the IdP's user must own */
        json_object_set_new(doc, "subject", subject_json(it.subjects, it.n_subjects));
    return answer(req, 200, doc);
}

static http_handler_result_t idp_decide(http_req_t *req, void *user)
{
    auth_t *a = user;
    if (!idp_authorized(a, req))
        return HTTP_DONE;
    const char *choice = http_req_param(req, "choice");
    bool accept = strcmp(choice, "accept") == 0;
    if (!accept && strcmp(choice, "reject") != 0)
        return gnap_error(req, 404, "invalid_request", "accept or reject");
    auth_result_t r = auth_interaction_decide(a, http_req_param(req, "id"),
                                              http_req_param(req, "nonce"), accept, "idp");
    if (r != AUTH_OK)
        return idp_error(req, r);
    http_respond(req, 202, NULL, NULL, 0);
    return HTTP_DONE;
}

/* ---- introspection ---- */

op_access_result_t auth_introspect(void *user, const char *token, const char *type,
                                   const char *action, const char *identifier, op_access_t *out)
{
    auth_t *a = user;
    token_row_t row;
    grant_store_result_t rc = token_get(a, token, &row);
    if (rc == GSTORE_ERROR)
        return OP_ACCESS_ERROR;
    if (rc != GSTORE_OK || row.revoked || row.expires_ms <= clock_wall_ms())
        return OP_ACCESS_INACTIVE;
    grant_t g = {0};
    if ((rc = grant_get(a, row.grant_id, &g)) != GSTORE_OK) {
        grant_release(&g);
        return rc == GSTORE_ERROR ? OP_ACCESS_ERROR : OP_ACCESS_INACTIVE;
    }
    op_access_result_t r = OP_ACCESS_INSUFFICIENT;
    bool all = false;
    const json_t *item =
        g.state == GRANT_FINALIZED ? access_match(g.access, type, action, identifier, &all) : NULL;
    if (g.state != GRANT_FINALIZED) {
        r = OP_ACCESS_INACTIVE;
    } else if (item) {
        memset(out, 0, sizeof *out);
        snprintf(out->grant_id, sizeof out->grant_id, "%s", g.id);
        snprintf(out->client, sizeof out->client, "%s", g.client);
        out->client_jwk = json_incref(g.client_jwk);
        out->all = all;
        r = access_limits(item, out) == 0 ? OP_ACCESS_ACTIVE : OP_ACCESS_INSUFFICIENT;
        if (r != OP_ACCESS_ACTIVE)
            json_decref(out->client_jwk), out->client_jwk = NULL;
    }
    grant_release(&g);
    return r;
}

/* POST / {access_token, access?: [{type, actions: [one], identifier?}]} (token-introspection
 * yaml): {active: false} or {active: true, grant, access, client}. */
static http_handler_result_t introspect_http(http_req_t *req, void *user)
{
    auth_t *a = user;
    http_json_err_t je;
    json_t *body = http_json_parse(http_req_body(req), &je);
    const char *tok = json_string_value(json_object_get(body, "access_token"));
    if (!tok) {
        json_decref(body);
        return gnap_error(req, 400, "invalid_request", "access_token is required");
    }
    token_row_t row;
    grant_store_result_t rc = token_get(a, tok, &row);
    grant_t g = {0};
    if (rc == GSTORE_OK && !row.revoked && row.expires_ms > clock_wall_ms())
        rc = grant_get(a, row.grant_id, &g);
    else if (rc == GSTORE_OK)
        rc = GSTORE_NOT_FOUND;
    if (rc == GSTORE_ERROR) {
        json_decref(body);
        grant_release(&g);
        return storage_error(req);
    }
    if (rc != GSTORE_OK || g.state != GRANT_FINALIZED) {
        json_decref(body);
        grant_release(&g);
        return answer(req, 200, json_pack("{s:b}", "active", 0));
    }
    json_t *granted = json_array();
    const json_t *want = json_object_get(body, "access");
    size_t i;
    json_t *w;
    if (!json_is_array(want))
        json_array_extend(granted, g.access);
    json_array_foreach(want, i, w)
    {
        bool all;
        const json_t *act = json_array_get(json_object_get(w, "actions"), 0);
        const char *type = json_string_value(json_object_get(w, "type"));
        const json_t *m =
            type && json_is_string(act)
                ? access_match(g.access, type, json_string_value(act),
                               json_string_value(json_object_get(w, "identifier")), &all)
                : NULL;
        if (m)
            json_array_append(granted, (json_t *)m);
    }
    json_t *client = g.client[0] ? json_pack("{s:s}", "walletAddress", g.client)
                                 : json_pack("{s:O}", "jwk", g.client_jwk);
    json_t *doc = json_pack("{s:b,s:s,s:o,s:o}", "active", 1, "grant", g.id, "access", granted,
                            "client", client);
    json_decref(body);
    grant_release(&g);
    return answer(req, 200, doc);
}

/* ---- registration ---- */

static const http_route_t GRANT_ROUTES[] = {
    {"POST", "/", grant_request, AUTH_BODY_MAX},
    {"POST", "/continue/{id}", grant_continue, AUTH_BODY_MAX},
    {"DELETE", "/continue/{id}", grant_cancel, AUTH_BODY_MAX},
    {"POST", "/token/{id}", token_manage, AUTH_BODY_MAX},
    {"DELETE", "/token/{id}", token_manage, AUTH_BODY_MAX},
    {"GET", "/interact/{id}/{nonce}", interact_start, 0},
    {"GET", "/interact/{id}/{nonce}/finish", interact_finish, 0},
};

/* Matches every one-segment POST: registered by auth_register_tenant_grants after the others. */
static const http_route_t TENANT_GRANT_ROUTES[] = {
    {"POST", "/{tenantId}", tenant_grant_request, AUTH_BODY_MAX},
};

static const http_route_t INTROSPECTION_ROUTES[] = {
    {"POST", "/", introspect_http, AUTH_BODY_MAX},
};

static const http_route_t IDP_ROUTES[] = {
    {"GET", "/grant/{id}/{nonce}", idp_get, 0},
    {"POST", "/grant/{id}/{nonce}/{choice}", idp_decide, AUTH_BODY_MAX},
};

int auth_register_grants(auth_t *a, http_server_t *s)
{
    return http_server_routes(s, GRANT_ROUTES, HTTP_ROUTES_N(GRANT_ROUTES), a);
}

int auth_register_tenant_grants(auth_t *a, http_server_t *s)
{
    return http_server_routes(s, TENANT_GRANT_ROUTES, HTTP_ROUTES_N(TENANT_GRANT_ROUTES), a);
}

int auth_register_introspection(auth_t *a, http_server_t *s)
{
    return http_server_routes(s, INTROSPECTION_ROUTES, HTTP_ROUTES_N(INTROSPECTION_ROUTES), a);
}

int auth_register_idp(auth_t *a, http_server_t *s)
{
    return http_server_routes(s, IDP_ROUTES, HTTP_ROUTES_N(IDP_ROUTES), a);
}
