/*
 * Signed Open Payments requests (see op_sig.h): the client's keys, local or fetched and cached,
 * the signature check and the replay guard.
 */
#include "auth/op_sig.h"

#include <stdio.h>
#include <string.h>

#include "payments/op_client.h"
#include "base/clock.h"
#include "base/codec.h"
#include "base/digest.h"
#include "base/log.h"
#include "base/mem.h"

#define OP_SIG_JWKS_TTL_MS_DEFAULT 60000u
#define OP_SIG_FETCH_TIMEOUT_MS    5000u
/* A client's key set or wallet address document larger than this is refused. */
#define OP_SIG_DOC_MAX (64u * 1024u)
#define OP_SIG_URL_MAX 1024

struct op_sig {
    op_sig_config_t cfg;
    http_client_t *http;
};

static const char *const names[] = {
    [OP_SIG_OK] = "ok",
    [OP_SIG_INVALID] = "invalid_signature",
    [OP_SIG_UNKNOWN_KEY] = "unknown_key",
    [OP_SIG_REPLAYED] = "replayed_signature",
    [OP_SIG_CLIENT_UNREACHABLE] = "client_unreachable",
    [OP_SIG_STORAGE_ERROR] = "storage_error",
};

const char *op_sig_result_str(op_sig_result_t r)
{
    return (size_t)r < sizeof names / sizeof *names ? names[r] : "unknown";
}

op_sig_t *op_sig_new(const op_sig_config_t *cfg)
{
    op_sig_t *s = xcalloc(1, sizeof *s);
    s->cfg = *cfg;
    if (!s->cfg.jwks_ttl_ms)
        s->cfg.jwks_ttl_ms = OP_SIG_JWKS_TTL_MS_DEFAULT;
    if (!s->cfg.window_s)
        s->cfg.window_s = HTTPSIG_WINDOW_DEFAULT_S;
    if (!s->cfg.fetch_timeout_ms)
        s->cfg.fetch_timeout_ms = OP_SIG_FETCH_TIMEOUT_MS;
    http_client_config_t hc = {.timeout_ms_default = s->cfg.fetch_timeout_ms,
                               .response_max = OP_SIG_DOC_MAX};
    if (!(s->http = http_client_new(&hc))) {
        free(s);
        return NULL;
    }
    return s;
}

void op_sig_free(op_sig_t *s)
{
    if (!s)
        return;
    http_client_free(s->http);
    free(s);
}

/* ---- the client's keys ---- */

/* The wallet address of this instance at url, if any: OK, NOT_FOUND or STORAGE_ERROR. */
static wallet_address_result_t local_wallet(const op_sig_t *s, const char *url, wallet_address_t *w)
{
    const char *op = s->cfg.wallet->op_url;
    size_t n = strlen(op);
    if (strncmp(url, op, n) != 0 || url[n] != '/')
        return WALLET_ADDRESS_NOT_FOUND;
    db_err_t e = {0};
    wallet_address_result_t r = wallet_address_get_by_url(s->cfg.wallet, url, strlen(url), w, &e);
    if (r == WALLET_ADDRESS_STORAGE_ERROR)
        LOGE("open payments: reading wallet address %s: %s", url, e.msg);
    if (r == WALLET_ADDRESS_OK && !w->active)
        r = WALLET_ADDRESS_NOT_FOUND;
    return r;
}

/* GETs url as JSON (Accept: application/json). A new reference, or NULL. */
static json_t *fetch_json(op_sig_t *s, const char *url)
{
    http_header_t h[] = {{"Accept", "application/json"}};
    http_client_req_t rq = {.method = "GET", .url = url, .headers = h, .n_headers = 1};
    http_client_resp_t r;
    http_client_result_t rc = http_client_do_sync(s->http, &rq, &r);
    json_t *doc = NULL;
    if (rc == HTTP_CLIENT_OK && r.status == 200)
        doc = json_loadb((const char *)r.body.ptr, r.body.len, 0, NULL);
    else
        LOGW("open payments: GET %s: %s %u", url, http_client_result_str(rc), r.status);
    http_client_resp_free(&r);
    return doc;
}

/* The key set of a remote client, from the cache unless refresh; a new reference or NULL. */
static json_t *remote_jwks(op_sig_t *s, const char *client_url, bool refresh, op_sig_result_t *why)
{
    char key[OP_SIG_URL_MAX + 32], url[OP_SIG_URL_MAX + 16];
    snprintf(key, sizeof key, "opsig:jwks:%s", client_url);
    cache_err_t ce;
    if (!refresh && s->cfg.cache) {
        char *buf = xmalloc(OP_SIG_DOC_MAX);
        size_t len = 0;
        json_t *doc = NULL;
        if (cache_get(s->cfg.cache, key, buf, OP_SIG_DOC_MAX, &len, &ce) == CACHE_OK)
            doc = json_loadb(buf, len, 0, NULL);
        free(buf);
        if (doc)
            return doc;
    }
    snprintf(url, sizeof url, "%s/jwks.json", client_url);
    json_t *doc = fetch_json(s, url);
    if (!json_is_array(json_object_get(doc, "keys"))) {
        json_decref(doc);
        *why = OP_SIG_CLIENT_UNREACHABLE;
        return NULL;
    }
    char *text = json_dumps(doc, JSON_COMPACT);
    if (text && s->cfg.cache &&
        cache_set(s->cfg.cache, key, text, strlen(text), s->cfg.jwks_ttl_ms, &ce) != CACHE_OK)
        LOGW("open payments: cannot cache the keys of %s: %s", client_url, ce.msg);
    free(text);
    return doc;
}

/* The key with kid in a {"keys":[...]} set into pub. */
static bool jwks_find(const json_t *jwks, const char *kid, uint8_t pub[HTTPSIG_ED25519_LEN])
{
    size_t i;
    json_t *k;
    json_array_foreach(json_object_get(jwks, "keys"), i, k)
    {
        const char *id;
        if (httpsig_jwk_public(k, pub, &id) == HTTPSIG_OK && id && strcmp(id, kid) == 0)
            return true;
    }
    return false;
}

/* The public key kid of client_url into pub. */
static op_sig_result_t client_key(op_sig_t *s, const char *client_url, const char *kid,
                                  uint8_t pub[HTTPSIG_ED25519_LEN])
{
    const wallet_ctx_t *w = s->cfg.wallet;
    size_t opn = strlen(w->op_url);
    if (w->instance_jwks && strncmp(client_url, w->op_url, opn) == 0 &&
        strcmp(client_url + opn, OP_CLIENT_PATH) == 0) {
        json_t *own = json_loads(w->instance_jwks, 0, NULL);
        bool found = jwks_find(own, kid, pub);
        json_decref(own);
        return found ? OP_SIG_OK : OP_SIG_UNKNOWN_KEY;
    }
    wallet_address_t wa;
    wallet_address_result_t lr = local_wallet(s, client_url, &wa);
    if (lr == WALLET_ADDRESS_STORAGE_ERROR)
        return OP_SIG_STORAGE_ERROR;
    if (lr == WALLET_ADDRESS_OK) {
        /* read on every request: a revoked key stops working at once */
        wallet_key_t keys[WALLET_KEYS_MAX];
        size_t n = 0;
        db_err_t e = {0};
        if (wallet_key_list(w, wa.id, keys, WALLET_KEYS_MAX, &n, &e) != WALLET_ADDRESS_OK)
            return OP_SIG_STORAGE_ERROR;
        for (size_t i = 0; i < n; i++)
            if (!keys[i].revoked && strcmp(keys[i].kid, kid) == 0 &&
                b64_decode(pub, HTTPSIG_ED25519_LEN, keys[i].x, strlen(keys[i].x), B64_URL) ==
                    HTTPSIG_ED25519_LEN)
                return OP_SIG_OK;
        return OP_SIG_UNKNOWN_KEY;
    }
    if (strlen(client_url) > OP_SIG_URL_MAX)
        return OP_SIG_CLIENT_UNREACHABLE;
    op_sig_result_t why = OP_SIG_OK;
    json_t *jwks = remote_jwks(s, client_url, false, &why);
    bool found = jwks && jwks_find(jwks, kid, pub);
    json_decref(jwks);
    if (!found && why == OP_SIG_OK) {
        /* a key added since the key set was cached: fetch it once more */
        jwks = remote_jwks(s, client_url, true, &why);
        found = jwks && jwks_find(jwks, kid, pub);
        json_decref(jwks);
    }
    return found ? OP_SIG_OK : why != OP_SIG_OK ? why : OP_SIG_UNKNOWN_KEY;
}

/* ---- verification ---- */

/* A POST or DELETE whose signature was already seen within the window is a replay. */
static op_sig_result_t replay_check(op_sig_t *s, const char *method, const httpsig_parsed_t *p)
{
    if (!s->cfg.cache || (strcmp(method, "POST") != 0 && strcmp(method, "DELETE") != 0))
        return OP_SIG_OK;
    uint8_t h[SHA256_LEN];
    char key[16 + 2 * SHA256_LEN + 1] = "opsig:seen:";
    sha256(h, p->sig, sizeof p->sig);
    hex_encode(key + 11, sizeof key - 11, h, sizeof h);
    cache_err_t ce;
    cache_rc_t rc = cache_set_nx(s->cfg.cache, key, "1", 1, (uint64_t)s->cfg.window_s * 2000, &ce);
    if (rc == CACHE_EXISTS)
        return OP_SIG_REPLAYED;
    if (rc != CACHE_OK) {
        LOGE("open payments: replay guard: %s", ce.msg);
        return OP_SIG_STORAGE_ERROR;
    }
    return OP_SIG_OK;
}

op_sig_result_t op_sig_verify(op_sig_t *s, const http_req_t *req, const char *public_url,
                              const char *client_url, const json_t *client_jwk, char *why,
                              size_t cap)
{
    char target[HTTP_TARGET_MAX_LEN + 512];
    httpsig_request_t r;
    httpsig_parsed_t *p = xmalloc(sizeof *p);
    op_sig_result_t res = OP_SIG_INVALID;
    uint8_t pub[HTTPSIG_ED25519_LEN];
    httpsig_result_t hr = HTTPSIG_MISSING;
    if (httpsig_request_from_http(req, public_url, target, sizeof target, &r) != 0) {
        snprintf(why, cap, "the request target is too long");
        goto out;
    }
    if ((hr = httpsig_parse(&r, p)) != HTTPSIG_OK) {
        snprintf(why, cap, "signature: %s", httpsig_result_str(hr));
        goto out;
    }
    if (client_url) {
        res = client_key(s, client_url, p->keyid, pub);
        if (res != OP_SIG_OK) {
            snprintf(why, cap, "key %s of %s: %s", p->keyid, client_url, op_sig_result_str(res));
            goto out;
        }
    } else {
        const char *kid;
        if (!client_jwk || httpsig_jwk_public(client_jwk, pub, &kid) != HTTPSIG_OK || !kid ||
            strcmp(kid, p->keyid) != 0) {
            res = OP_SIG_UNKNOWN_KEY;
            snprintf(why, cap, "keyid %s is not the client's key", p->keyid);
            goto out;
        }
    }
    if ((hr = httpsig_verify(p, pub, clock_wall_ms() / 1000, s->cfg.window_s)) != HTTPSIG_OK) {
        res = OP_SIG_INVALID;
        snprintf(why, cap, "signature: %s", httpsig_result_str(hr));
        goto out;
    }
    res = replay_check(s, http_req_method(req), p);
    if (res == OP_SIG_REPLAYED)
        snprintf(why, cap, "this signed request was already received");
    else if (res != OP_SIG_OK)
        snprintf(why, cap, "replay guard unavailable");
out:
    free(p);
    return res;
}

json_t *op_sig_client_document(op_sig_t *s, const char *client_url, op_sig_result_t *r)
{
    wallet_address_t wa;
    wallet_address_result_t lr = local_wallet(s, client_url, &wa);
    *r = OP_SIG_OK;
    if (lr == WALLET_ADDRESS_OK)
        return wallet_address_document(s->cfg.wallet, &wa);
    if (lr == WALLET_ADDRESS_STORAGE_ERROR) {
        *r = OP_SIG_STORAGE_ERROR;
        return NULL;
    }
    json_t *doc = strlen(client_url) <= OP_SIG_URL_MAX ? fetch_json(s, client_url) : NULL;
    if (!json_is_object(doc)) {
        json_decref(doc);
        *r = OP_SIG_CLIENT_UNREACHABLE;
        return NULL;
    }
    return doc;
}
