/*
 * The instance as an Open Payments client (see op_client.h): its key, and reading remote
 * incoming payments through their public view, a grant and a signed GET.
 */
#include "payments/op_client.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "base/clock.h"
#include "base/codec.h"
#include "base/log.h"
#include "base/mem.h"
#include "http/client.h"
#include "http/json.h"

/* What a grant of this instance may do with incoming payments: read-all (quotes' reads), also
 * create (receivers), also complete (completeReceiver), as Rafiki's grant service asks. */
typedef enum { OP_GRANT_READ = 0, OP_GRANT_CREATE, OP_GRANT_COMPLETE } op_grant_kind_t;

/* Grants this instance holds at once (one per receiving authorization server). */
#define OP_GRANTS_MAX 64
/* A grant is renewed this long before it expires. */
#define OP_GRANT_MARGIN_MS 30000
#define OP_BODY_MAX        (64u * 1024u)
#define OP_URL_MAX         1024
#define OP_TOKEN_MAX       256

/* ---- the key ---- */

const char *op_key_result_str(op_key_result_t r)
{
    switch (r) {
    case OP_KEY_OK:
        return "ok";
    case OP_KEY_CANNOT_OPEN:
        return "cannot open the file";
    case OP_KEY_NOT_PEM:
        return "not a PEM private key";
    case OP_KEY_NOT_ED25519:
        return "not an Ed25519 key";
    case OP_KEY_EXISTS:
        return "the file exists already";
    case OP_KEY_CANNOT_WRITE:
        return "cannot write the file";
    case OP_KEY_CRYPTO_ERROR:
        return "the key could not be made or read (OpenSSL)";
    }
    return "unknown";
}

op_key_result_t op_key_load(const char *path, uint8_t seed[HTTPSIG_ED25519_LEN])
{
    FILE *f = fopen(path, "r");
    if (!f)
        return OP_KEY_CANNOT_OPEN;
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    size_t n = HTTPSIG_ED25519_LEN;
    op_key_result_t rc = OP_KEY_OK;
    if (!k)
        rc = OP_KEY_NOT_PEM;
    else if (EVP_PKEY_id(k) != EVP_PKEY_ED25519)
        rc = OP_KEY_NOT_ED25519;
    else if (EVP_PKEY_get_raw_private_key(k, seed, &n) != 1 || n != HTTPSIG_ED25519_LEN)
        rc = OP_KEY_CRYPTO_ERROR;
    EVP_PKEY_free(k);
    return rc;
}

op_key_result_t op_key_generate(const char *path, uint8_t seed[HTTPSIG_ED25519_LEN])
{
    EVP_PKEY *k = NULL;
    EVP_PKEY_CTX *kc = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
    if (!kc || EVP_PKEY_keygen_init(kc) != 1 || EVP_PKEY_keygen(kc, &k) != 1) {
        EVP_PKEY_CTX_free(kc);
        return OP_KEY_CRYPTO_ERROR;
    }
    EVP_PKEY_CTX_free(kc);
    size_t n = HTTPSIG_ED25519_LEN;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    op_key_result_t rc = fd < 0 && errno == EEXIST ? OP_KEY_EXISTS : OP_KEY_OK;
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f)
        rc = rc == OP_KEY_OK ? OP_KEY_CANNOT_WRITE : rc;
    else if (PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) != 1)
        rc = OP_KEY_CANNOT_WRITE;
    else if (EVP_PKEY_get_raw_private_key(k, seed, &n) != 1 || n != HTTPSIG_ED25519_LEN)
        rc = OP_KEY_CRYPTO_ERROR;
    if (f && fclose(f) != 0 && rc == OP_KEY_OK)
        rc = OP_KEY_CANNOT_WRITE;
    else if (!f && fd >= 0)
        close(fd);
    EVP_PKEY_free(k);
    return rc;
}

char *op_key_jwks_json(const uint8_t seed[HTTPSIG_ED25519_LEN], const char *key_id)
{
    uint8_t pub[HTTPSIG_ED25519_LEN];
    char x[64];
    if (httpsig_ed25519_public(seed, pub) != 0 ||
        b64_encode(x, sizeof x, pub, sizeof pub, B64_URL | B64_NOPAD) < 0)
        return NULL;
    json_t *doc = json_pack("{s:[{s:s,s:s,s:s,s:s,s:s,s:s}]}", "keys", "kty", "OKP", "crv",
                            "Ed25519", "alg", "EdDSA", "use", "sig", "kid", key_id, "x", x);
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    return text;
}

/* ---- the client ---- */

typedef struct {
    char as_url[OP_URL_MAX + 1];
    op_grant_kind_t kind; /* what the grant may do */
    char token[OP_TOKEN_MAX + 1];
    int64_t expires_ms;
} op_grant_t;

struct op_client {
    uint8_t seed[HTTPSIG_ED25519_LEN];
    char key_id[OP_KEY_ID_MAX + 1];
    char client_url[OP_URL_MAX + 1];
    http_client_t *http;
    /* grants by authorization server; the lock is held while one is requested, so that two
     * lookups never ask at once (the receiver would refuse the second, identical, signed POST
     * within the same second as a replay) */
    pthread_mutex_t mu;
    op_grant_t grants[OP_GRANTS_MAX];
    size_t n_grants;
};

op_client_t *op_client_new(const uint8_t seed[HTTPSIG_ED25519_LEN], const char *key_id,
                           const char *client_url)
{
    if (strlen(key_id) > OP_KEY_ID_MAX || strlen(client_url) > OP_URL_MAX)
        return NULL;
    op_client_t *c = xcalloc(1, sizeof *c);
    memcpy(c->seed, seed, sizeof c->seed);
    snprintf(c->key_id, sizeof c->key_id, "%s", key_id);
    snprintf(c->client_url, sizeof c->client_url, "%s", client_url);
    http_client_config_t hc = {.timeout_ms_default = OP_CLIENT_TIMEOUT_MS,
                               .response_max = OP_BODY_MAX};
    if (!(c->http = http_client_new(&hc))) {
        free(c);
        return NULL;
    }
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

void op_client_free(op_client_t *c)
{
    if (!c)
        return;
    http_client_free(c->http);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

bool op_client_is_incoming_url(const char *url, size_t len)
{
    static const char seg[] = "/incoming-payments/";
    size_t scheme = len >= 7 && !memcmp(url, "http://", 7)    ? 7
                    : len >= 8 && !memcmp(url, "https://", 8) ? 8
                                                              : 0;
    if (!scheme)
        return false;
    /* the last occurrence of the segment, with a host before it and an id after it */
    for (size_t i = len; i-- > scheme + 1;) {
        if (i + sizeof seg - 1 < len && !memcmp(url + i, seg, sizeof seg - 1))
            return true;
    }
    return false;
}

/* One request, signed when token or body is given (as the official client signs: every POST and
 * every request with Authorization). Returns the HTTP status (0: no answer); *out receives the
 * parsed JSON body of a 2xx answer (or NULL). */
static unsigned op_request(op_client_t *c, const char *method, const char *url, const char *token,
                           const char *body, json_t **out)
{
    char auth[OP_TOKEN_MAX + 8] = "";
    httpsig_headers_t sig;
    http_header_t h[6] = {{"Accept", "application/json"}};
    size_t nh = 1;
    slice_t b = body ? SLICE_STR(body) : SLICE(NULL, 0);
    if (token)
        snprintf(auth, sizeof auth, "GNAP %s", token);
    if (token || body) {
        if (httpsig_sign(c->seed, c->key_id, clock_wall_ms() / 1000, method, url,
                         token ? auth : NULL, body ? "application/json" : NULL, b, &sig) != 0)
            return 0;
        h[nh++] = (http_header_t){"Signature-Input", sig.signature_input};
        h[nh++] = (http_header_t){"Signature", sig.signature};
        if (token)
            h[nh++] = (http_header_t){"Authorization", auth};
        if (body) {
            h[nh++] = (http_header_t){"Content-Type", "application/json"};
            h[nh++] = (http_header_t){"Content-Digest", sig.content_digest};
        }
    }
    http_client_req_t rq = {.method = method, .url = url, .headers = h, .n_headers = nh, .body = b};
    http_client_resp_t r;
    *out = NULL;
    http_client_result_t rc = http_client_do_sync(c->http, &rq, &r);
    unsigned st = rc == HTTP_CLIENT_OK ? r.status : 0;
    if (rc != HTTP_CLIENT_OK)
        LOGW("open payments client: %s %s: %s", method, url, http_client_result_str(rc));
    else if (st >= 200 && st < 300)
        *out = json_loadb((const char *)r.body.ptr, r.body.len, 0, NULL);
    http_client_resp_free(&r);
    return st;
}

/* The grant request body for incoming-payment access of kind. */
static char *grant_body(const op_client_t *c, op_grant_kind_t kind)
{
    json_t *actions = kind == OP_GRANT_CREATE     ? json_pack("[s,s]", "create", "read-all")
                      : kind == OP_GRANT_COMPLETE ? json_pack("[s,s]", "read-all", "complete")
                                                  : json_pack("[s]", "read-all");
    json_t *req = json_pack("{s:{s:[{s:s,s:o}]},s:s}", "access_token", "access", "type",
                            "incoming-payment", "actions", actions, "client", c->client_url);
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    return body;
}

/* A grant token of kind for as_url, from the cache or a new grant request. Caller holds c->mu. */
static int grant_token(op_client_t *c, const char *as_url, op_grant_kind_t kind,
                       char token[OP_TOKEN_MAX + 1])
{
    int64_t now = clock_wall_ms();
    op_grant_t *slot = NULL;
    for (size_t i = 0; i < c->n_grants; i++) {
        if (strcmp(c->grants[i].as_url, as_url) != 0 || c->grants[i].kind != kind)
            continue;
        slot = &c->grants[i];
        if (slot->expires_ms > now + OP_GRANT_MARGIN_MS) {
            memcpy(token, slot->token, OP_TOKEN_MAX + 1);
            return 0;
        }
    }
    char *body = grant_body(c, kind);
    json_t *ans = NULL;
    unsigned st = body ? op_request(c, "POST", as_url, NULL, body, &ans) : 0;
    free(body);
    json_t *at = json_object_get(ans, "access_token");
    const char *v = json_string_value(json_object_get(at, "value"));
    json_int_t expires_in = json_integer_value(json_object_get(at, "expires_in"));
    int rc = -1;
    if (st == 200 && v && strlen(v) <= OP_TOKEN_MAX) {
        if (!slot && c->n_grants < OP_GRANTS_MAX)
            slot = &c->grants[c->n_grants++];
        if (slot) {
            snprintf(slot->as_url, sizeof slot->as_url, "%s", as_url);
            slot->kind = kind;
            snprintf(slot->token, sizeof slot->token, "%s", v);
            slot->expires_ms = expires_in > 0 ? now + (int64_t)expires_in * 1000 : now;
        }
        snprintf(token, OP_TOKEN_MAX + 1, "%s", v);
        rc = 0;
    } else {
        LOGW("open payments client: grant request to %s answered %u", as_url, st);
    }
    json_decref(ans);
    return rc;
}

/* Forgets the grant of as_url if its token is still token (the receiver refused it). */
static void grant_drop(op_client_t *c, const char *as_url, const char *token)
{
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < c->n_grants; i++)
        if (strcmp(c->grants[i].as_url, as_url) == 0 && strcmp(c->grants[i].token, token) == 0)
            c->grants[i] = c->grants[--c->n_grants];
    pthread_mutex_unlock(&c->mu);
}

/* An amount {value, assetCode, assetScale}; 0 or -1. */
static int amount_parse(const json_t *a, uint64_t *value, char *code, uint8_t *scale)
{
    const char *v = json_string_value(json_object_get(a, "value"));
    const char *cd = json_string_value(json_object_get(a, "assetCode"));
    json_t *sc = json_object_get(a, "assetScale");
    if (!v || !cd || strlen(cd) > ASSET_CODE_MAX_LEN || !json_is_integer(sc) ||
        json_integer_value(sc) < 0 || json_integer_value(sc) > 255 ||
        http_json_parse_u64(v, strlen(v), value) != 0)
        return -1;
    if (code)
        snprintf(code, ASSET_CODE_MAX_LEN + 1, "%s", cd);
    if (scale)
        *scale = (uint8_t)json_integer_value(sc);
    return 0;
}

/* "YYYY-MM-DDTHH:MM:SS[.fff]Z" is past; false when absent or unreadable. */
static bool expired(const json_t *at)
{
    const char *s = json_string_value(at);
    struct tm tm = {0};
    if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%S", &tm))
        return false;
    return (int64_t)timegm(&tm) * 1000 <= clock_wall_ms();
}

/* Reads the incoming payment with methods into out; 0, or -1 when it is not one. */
static int incoming_parse(const json_t *ip, quote_remote_incoming_t *out)
{
    memset(out, 0, sizeof *out);
    if (amount_parse(json_object_get(ip, "receivedAmount"), &out->received_amount, out->asset_code,
                     &out->asset_scale) != 0)
        return -1;
    const json_t *in = json_object_get(ip, "incomingAmount");
    if (in) {
        if (amount_parse(in, &out->incoming_amount, NULL, NULL) != 0)
            return -1;
        out->has_incoming_amount = true;
    }
    bool creds = false;
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(ip, "methods"), i, m)
    {
        const char *type = json_string_value(json_object_get(m, "type"));
        const char *addr = json_string_value(json_object_get(m, "ilpAddress"));
        const char *secret = json_string_value(json_object_get(m, "sharedSecret"));
        if (creds || !type || strcmp(type, "ilp") != 0 || !addr || !secret ||
            strlen(addr) > ILP_ADDRESS_MAX_LEN)
            continue;
        if (b64_decode(out->credentials.shared_secret, sizeof out->credentials.shared_secret,
                       secret, strlen(secret), B64_LENIENT) != STREAM_SHARED_SECRET_LEN)
            continue;
        snprintf(out->credentials.destination, sizeof out->credentials.destination, "%s", addr);
        creds = true;
    }
    out->open = creds && !json_is_true(json_object_get(ip, "completed")) &&
                !expired(json_object_get(ip, "expiresAt"));
    return 0;
}

quote_lookup_t op_client_incoming_get(void *ctx, const char *url, quote_remote_incoming_t *out)
{
    op_client_t *c = ctx;
    json_t *pub = NULL;
    unsigned st = op_request(c, "GET", url, NULL, NULL, &pub);
    const char *as = json_string_value(json_object_get(pub, "authServer"));
    if (st != 200 || !as || strlen(as) > OP_URL_MAX) {
        json_decref(pub);
        return st == 0 || st >= 500 ? QUOTE_LOOKUP_ERROR : QUOTE_LOOKUP_NOT_FOUND;
    }
    char as_url[OP_URL_MAX + 1], token[OP_TOKEN_MAX + 1];
    snprintf(as_url, sizeof as_url, "%s", as);
    json_decref(pub);
    quote_lookup_t res = QUOTE_LOOKUP_ERROR;
    for (int attempt = 0; attempt < 2; attempt++) {
        pthread_mutex_lock(&c->mu);
        int rc = grant_token(c, as_url, OP_GRANT_READ, token);
        pthread_mutex_unlock(&c->mu);
        if (rc != 0)
            break;
        json_t *ip = NULL;
        st = op_request(c, "GET", url, token, NULL, &ip);
        if (st == 401 || st == 403) {
            grant_drop(c, as_url, token); /* expired or revoked: one new grant, then give up */
            continue;
        }
        if (st == 200)
            res = incoming_parse(ip, out) == 0 ? QUOTE_LOOKUP_FOUND : QUOTE_LOOKUP_NOT_FOUND;
        else
            res = st == 404 ? QUOTE_LOOKUP_NOT_FOUND : QUOTE_LOOKUP_ERROR;
        json_decref(ip);
        break;
    }
    return res;
}

/* ---- receivers at other instances (Rafiki's remote incoming payments) ---- */

const char *op_client_result_str(op_client_result_t r)
{
    switch (r) {
    case OP_CLIENT_OK:
        return "ok";
    case OP_CLIENT_NOT_FOUND:
        return "not_found";
    case OP_CLIENT_UNKNOWN_WALLET_ADDRESS:
        return "unknown_wallet_address";
    case OP_CLIENT_INVALID_GRANT:
        return "invalid_grant";
    case OP_CLIENT_INVALID_REQUEST:
        return "invalid_request";
    case OP_CLIENT_UNREACHABLE:
        return "unreachable";
    }
    return "unknown";
}

/* The wallet address document of url: its id, authServer and resourceServer. */
static op_client_result_t wallet_read(op_client_t *c, const char *url, char id[OP_URL_MAX + 1],
                                      char as[OP_URL_MAX + 1], char rs[OP_URL_MAX + 1])
{
    json_t *doc = NULL;
    unsigned st = op_request(c, "GET", url, NULL, NULL, &doc);
    const char *i = json_string_value(json_object_get(doc, "id"));
    const char *a = json_string_value(json_object_get(doc, "authServer"));
    const char *r = json_string_value(json_object_get(doc, "resourceServer"));
    op_client_result_t res = OP_CLIENT_UNKNOWN_WALLET_ADDRESS;
    if (st == 200 && i && a && strlen(i) <= OP_URL_MAX && strlen(a) <= OP_URL_MAX &&
        (!r || strlen(r) <= OP_URL_MAX)) {
        snprintf(id, OP_URL_MAX + 1, "%s", i);
        snprintf(as, OP_URL_MAX + 1, "%s", a);
        /* Rafiki: resourceServer, else the origin of the wallet address */
        const char *host = strstr(i, "://");
        const char *slash = host ? strchr(host + 3, '/') : NULL;
        if (r)
            snprintf(rs, OP_URL_MAX + 1, "%s", r);
        else
            snprintf(rs, OP_URL_MAX + 1, "%.*s", slash ? (int)(slash - i) : (int)strlen(i), i);
        res = OP_CLIENT_OK;
    }
    json_decref(doc);
    return res;
}

op_client_result_t op_client_incoming_create(op_client_t *c, const char *wallet_url,
                                             const json_t *body_in, json_t **out)
{
    *out = NULL;
    char id[OP_URL_MAX + 1], as[OP_URL_MAX + 1], rs[OP_URL_MAX + 1], url[OP_URL_MAX + 32];
    char token[OP_TOKEN_MAX + 1];
    op_client_result_t r = wallet_read(c, wallet_url, id, as, rs);
    if (r != OP_CLIENT_OK)
        return r;
    pthread_mutex_lock(&c->mu);
    int rc = grant_token(c, as, OP_GRANT_CREATE, token);
    pthread_mutex_unlock(&c->mu);
    if (rc != 0)
        return OP_CLIENT_INVALID_GRANT;
    json_t *body = json_deep_copy(body_in);
    json_object_set_new(body, "walletAddress", json_string(id));
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    snprintf(url, sizeof url, "%s/incoming-payments", rs);
    json_t *ip = NULL;
    unsigned st = text ? op_request(c, "POST", url, token, text, &ip) : 0;
    free(text);
    if (st == 401 || st == 403)
        grant_drop(c, as, token);
    if (st != 201 && st != 200) {
        json_decref(ip);
        return st == 0 ? OP_CLIENT_UNREACHABLE : OP_CLIENT_INVALID_REQUEST;
    }
    *out = ip;
    return json_is_object(ip) ? OP_CLIENT_OK : OP_CLIENT_INVALID_REQUEST;
}

/* GET (read) or POST {url}/complete (complete) of a remote incoming payment with a grant of its
 * authorization server; the answer into *out. */
static op_client_result_t incoming_call(op_client_t *c, const char *url, op_grant_kind_t kind,
                                        json_t **out)
{
    *out = NULL;
    json_t *pub = NULL;
    unsigned st = op_request(c, "GET", url, NULL, NULL, &pub);
    const char *as = json_string_value(json_object_get(pub, "authServer"));
    char as_url[OP_URL_MAX + 1], token[OP_TOKEN_MAX + 1], target[OP_URL_MAX + 16];
    if (st != 200 || !as || strlen(as) > OP_URL_MAX || strlen(url) > OP_URL_MAX) {
        json_decref(pub);
        return st == 0 || st >= 500 ? OP_CLIENT_UNREACHABLE : OP_CLIENT_NOT_FOUND;
    }
    snprintf(as_url, sizeof as_url, "%s", as);
    json_decref(pub);
    pthread_mutex_lock(&c->mu);
    int rc = grant_token(c, as_url, kind, token);
    pthread_mutex_unlock(&c->mu);
    if (rc != 0)
        return OP_CLIENT_INVALID_GRANT;
    bool complete = kind == OP_GRANT_COMPLETE;
    snprintf(target, sizeof target, "%s%s", url, complete ? "/complete" : "");
    json_t *ip = NULL;
    st = op_request(c, complete ? "POST" : "GET", target, token, complete ? "{}" : NULL, &ip);
    if (st == 401 || st == 403)
        grant_drop(c, as_url, token);
    if (st != 200 || !json_is_object(ip)) {
        json_decref(ip);
        if (complete)
            return st == 0 ? OP_CLIENT_UNREACHABLE : OP_CLIENT_INVALID_REQUEST;
        return st == 404 ? OP_CLIENT_NOT_FOUND : OP_CLIENT_UNREACHABLE;
    }
    *out = ip;
    return OP_CLIENT_OK;
}

op_client_result_t op_client_incoming_read(op_client_t *c, const char *url, json_t **out)
{
    return incoming_call(c, url, OP_GRANT_READ, out);
}

op_client_result_t op_client_incoming_complete(op_client_t *c, const char *url, json_t **out)
{
    return incoming_call(c, url, OP_GRANT_COMPLETE, out);
}
