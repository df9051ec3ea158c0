/*
 * HTTP message signatures (RFC 9421) with Ed25519 and Content-Digest (RFC 9530); see httpsig.h.
 *
 * The structured-field parsing here covers what signatures use: a dictionary whose members are
 * an inner list of sf-strings with parameters (Signature-Input) or a byte sequence
 * (Signature, Content-Digest). Anything else in a member we need is malformed; members we do
 * not need are skipped by their shape.
 */
#include "http/httpsig.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "base/codec.h"
#include "base/ct.h"

/* Header values longer than this are malformed (the official client's are < 300 bytes). */
#define HTTPSIG_FIELD_MAX 4096

static const char *const result_names[] = {
    [HTTPSIG_OK] = "ok",
    [HTTPSIG_MISSING] = "signature_missing",
    [HTTPSIG_MALFORMED] = "signature_malformed",
    [HTTPSIG_COMPONENTS] = "components_not_covered",
    [HTTPSIG_DIGEST_MISSING] = "digest_missing",
    [HTTPSIG_DIGEST_MISMATCH] = "digest_mismatch",
    [HTTPSIG_CREATED_WINDOW] = "created_outside_window",
    [HTTPSIG_BAD_SIGNATURE] = "bad_signature",
    [HTTPSIG_KEY_INVALID] = "key_invalid",
};

const char *httpsig_result_str(httpsig_result_t r)
{
    return (size_t)r < sizeof result_names / sizeof *result_names && result_names[r]
               ? result_names[r]
               : "unknown";
}

/* ---- structured fields (the subset signatures use) ---- */

typedef struct {
    const char *p, *end;
} sf_t;

static void sf_ows(sf_t *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t'))
        s->p++;
}

static void sf_sp(sf_t *s)
{
    while (s->p < s->end && *s->p == ' ')
        s->p++;
}

/* A key: lcalpha or "*", then lcalpha, digits, "_", "-", ".", "*". Returns its length or 0. */
static size_t sf_key(sf_t *s, const char **key)
{
    const char *k = s->p;
    if (s->p >= s->end || !((*s->p >= 'a' && *s->p <= 'z') || *s->p == '*'))
        return 0;
    while (s->p < s->end && ((*s->p >= 'a' && *s->p <= 'z') || (*s->p >= '0' && *s->p <= '9') ||
                             *s->p == '_' || *s->p == '-' || *s->p == '.' || *s->p == '*'))
        s->p++;
    *key = k;
    return (size_t)(s->p - k);
}

/* An sf-string into out (unescaped, NUL-terminated). 0, or -1 when malformed or too long. */
static int sf_string(sf_t *s, char *out, size_t cap)
{
    if (s->p >= s->end || *s->p != '"')
        return -1;
    s->p++;
    size_t n = 0;
    while (s->p < s->end) {
        char c = *s->p++;
        if (c == '"') {
            out[n] = '\0';
            return 0;
        }
        if (c == '\\') {
            if (s->p >= s->end || (*s->p != '"' && *s->p != '\\'))
                return -1;
            c = *s->p++;
        } else if ((unsigned char)c < 0x20 || (unsigned char)c > 0x7e) {
            return -1;
        }
        if (n + 1 >= cap)
            return -1;
        out[n++] = c;
    }
    return -1;
}

/* An integer of at most 15 digits, optionally negative. */
static int sf_integer(sf_t *s, int64_t *out)
{
    bool neg = s->p < s->end && *s->p == '-';
    if (neg)
        s->p++;
    int64_t v = 0;
    int digits = 0;
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9') {
        if (++digits > 15)
            return -1;
        v = v * 10 + (*s->p++ - '0');
    }
    if (digits == 0)
        return -1;
    *out = neg ? -v : v;
    return 0;
}

/* A byte sequence :base64: into out; returns the decoded length or -1. */
static ssize_t sf_bytes(sf_t *s, uint8_t *out, size_t cap)
{
    if (s->p >= s->end || *s->p != ':')
        return -1;
    const char *b = ++s->p;
    while (s->p < s->end && *s->p != ':')
        s->p++;
    if (s->p >= s->end)
        return -1;
    size_t n = (size_t)(s->p++ - b);
    return b64_decode(out, cap, b, n, B64_STD);
}

/* Skips a bare item of any kind (for parameters and members we do not read). */
static int sf_skip_bare(sf_t *s)
{
    char tmp[HTTPSIG_FIELD_MAX];
    int64_t i;
    if (s->p >= s->end)
        return -1;
    char c = *s->p;
    if (c == '"')
        return sf_string(s, tmp, sizeof tmp);
    if (c == ':') {
        const char *e = memchr(s->p + 1, ':', (size_t)(s->end - s->p - 1));
        if (!e)
            return -1;
        s->p = e + 1;
        return 0;
    }
    if (c == '?') {
        s->p++;
        if (s->p >= s->end || (*s->p != '0' && *s->p != '1'))
            return -1;
        s->p++;
        return 0;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        if (sf_integer(s, &i) != 0)
            return -1;
        if (s->p < s->end && *s->p == '.') { /* a decimal: its fraction */
            s->p++;
            if (sf_integer(s, &i) != 0)
                return -1;
        }
        return 0;
    }
    if (isalpha((unsigned char)c) || c == '*') { /* a token */
        while (s->p < s->end &&
               (isalnum((unsigned char)*s->p) || strchr("!#$%&'*+-.^_`|~:/", *s->p)))
            s->p++;
        return 0;
    }
    return -1;
}

/* Skips ";key[=value]" parameters. */
static int sf_skip_params(sf_t *s)
{
    while (s->p < s->end && *s->p == ';') {
        s->p++;
        sf_sp(s);
        const char *k;
        if (sf_key(s, &k) == 0)
            return -1;
        if (s->p < s->end && *s->p == '=') {
            s->p++;
            if (sf_skip_bare(s) != 0)
                return -1;
        }
    }
    return 0;
}

/* Skips a member value: an inner list or a bare item, with parameters. */
static int sf_skip_member(sf_t *s)
{
    if (s->p < s->end && *s->p == '(') {
        s->p++;
        for (;;) {
            sf_sp(s);
            if (s->p < s->end && *s->p == ')') {
                s->p++;
                break;
            }
            if (sf_skip_bare(s) != 0 || sf_skip_params(s) != 0)
                return -1;
            if (s->p < s->end && *s->p != ' ' && *s->p != ')')
                return -1;
        }
    } else if (sf_skip_bare(s) != 0) {
        return -1;
    }
    return sf_skip_params(s);
}

/* Moves past "," between members; false at the end, -1 (as true with s->p NULL) when bad. */
static int sf_next_member(sf_t *s)
{
    sf_ows(s);
    if (s->p >= s->end)
        return 0;
    if (*s->p != ',')
        return -1;
    s->p++;
    sf_ows(s);
    return s->p < s->end ? 1 : -1;
}

/* Finds the member named label (or the first member when label is "") of dictionary field v:
 * on success *val points at its value, label is filled in when it was "". 0 or -1. */
static int sf_dict_find(const char *v, char label[HTTPSIG_LABEL_MAX + 1], sf_t *val)
{
    size_t vn = strlen(v);
    if (vn > HTTPSIG_FIELD_MAX)
        return -1;
    sf_t s = {v, v + vn};
    sf_sp(&s);
    for (;;) {
        const char *k;
        size_t kn = sf_key(&s, &k);
        if (kn == 0 || kn > HTTPSIG_LABEL_MAX || s.p >= s.end || *s.p != '=')
            return -1;
        s.p++;
        if (label[0] == '\0' || (strlen(label) == kn && memcmp(label, k, kn) == 0)) {
            if (label[0] == '\0') {
                memcpy(label, k, kn);
                label[kn] = '\0';
            }
            *val = s;
            return 0;
        }
        if (sf_skip_member(&s) != 0)
            return -1;
        int more = sf_next_member(&s);
        if (more <= 0)
            return -1;
    }
}

/* ---- the request's components ---- */

static const char *header_value(const httpsig_request_t *r, const char *name)
{
    if (strcmp(name, "authorization") == 0)
        return r->authorization;
    if (strcmp(name, "content-digest") == 0)
        return r->content_digest;
    if (strcmp(name, "content-length") == 0)
        return r->content_length;
    if (strcmp(name, "content-type") == 0)
        return r->content_type;
    return r->header ? r->header(r->header_ctx, name) : NULL;
}

/* The authority and the path-and-query of an absolute URI. */
static int uri_split(const char *uri, const char **auth, size_t *auth_len, const char **rest)
{
    const char *s = strstr(uri, "://");
    if (!s)
        return -1;
    *auth = s + 3;
    const char *slash = strpbrk(*auth, "/?");
    *auth_len = slash ? (size_t)(slash - *auth) : strlen(*auth);
    *rest = slash ? slash : "";
    return *auth_len ? 0 : -1;
}

/* Appends the value of component name to b (the part after ": "); -1 when it cannot be had. */
static int component_value(const httpsig_request_t *r, const char *name, char *b, size_t cap,
                           size_t *len)
{
    const char *auth, *rest;
    size_t auth_len;
    int n = -1;
    if (strcmp(name, "@method") == 0) {
        n = r->method ? snprintf(b, cap, "%s", r->method) : -1;
    } else if (strcmp(name, "@target-uri") == 0) {
        n = r->target_uri ? snprintf(b, cap, "%s", r->target_uri) : -1;
    } else if (name[0] == '@') {
        if (!r->target_uri || uri_split(r->target_uri, &auth, &auth_len, &rest) != 0)
            return -1;
        size_t pathn = strcspn(rest, "?");
        if (strcmp(name, "@authority") == 0) {
            n = snprintf(b, cap, "%.*s", (int)auth_len, auth);
            for (int i = 0; n > 0 && i < n && (size_t)i < cap; i++)
                b[i] = (char)tolower((unsigned char)b[i]);
        } else if (strcmp(name, "@path") == 0) {
            n = pathn ? snprintf(b, cap, "%.*s", (int)pathn, rest) : snprintf(b, cap, "/");
        } else if (strcmp(name, "@query") == 0) {
            n = rest[pathn] == '?' ? snprintf(b, cap, "%s", rest + pathn) : snprintf(b, cap, "?");
        }
    } else {
        const char *v = header_value(r, name);
        if (!v)
            return -1;
        while (*v == ' ' || *v == '\t')
            v++;
        size_t vn = strlen(v);
        while (vn > 0 && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
            vn--;
        n = snprintf(b, cap, "%.*s", (int)vn, v);
    }
    if (n < 0 || (size_t)n >= cap)
        return -1;
    *len = (size_t)n;
    return 0;
}

/* ---- Content-Digest ---- */

static int digest_of(const char *alg, slice_t body, uint8_t *out, unsigned *out_len)
{
    const EVP_MD *md = strcmp(alg, "sha-512") == 0   ? EVP_sha512()
                       : strcmp(alg, "sha-256") == 0 ? EVP_sha256()
                                                     : NULL;
    return md && EVP_Digest(body.ptr, body.len, out, out_len, md, NULL) == 1 ? 0 : -1;
}

/* Checks every sha-256 / sha-512 member of Content-Digest against body; at least one. */
static httpsig_result_t digest_check(const char *field, slice_t body)
{
    size_t vn = strlen(field);
    if (vn > HTTPSIG_FIELD_MAX)
        return HTTPSIG_MALFORMED;
    sf_t s = {field, field + vn};
    sf_sp(&s);
    int checked = 0;
    for (;;) {
        const char *k;
        size_t kn = sf_key(&s, &k);
        if (kn == 0 || kn >= 16 || s.p >= s.end || *s.p != '=')
            return HTTPSIG_MALFORMED;
        s.p++;
        char alg[16];
        memcpy(alg, k, kn);
        alg[kn] = '\0';
        uint8_t want[EVP_MAX_MD_SIZE], got[EVP_MAX_MD_SIZE];
        unsigned got_len = 0;
        if (strcmp(alg, "sha-512") == 0 || strcmp(alg, "sha-256") == 0) {
            ssize_t wn = sf_bytes(&s, want, sizeof want);
            if (wn < 0 || sf_skip_params(&s) != 0)
                return HTTPSIG_MALFORMED;
            if (digest_of(alg, body, got, &got_len) != 0)
                return HTTPSIG_MALFORMED;
            if ((size_t)wn != got_len || !ct_equal(want, got, got_len))
                return HTTPSIG_DIGEST_MISMATCH;
            checked++;
        } else if (sf_skip_member(&s) != 0) {
            return HTTPSIG_MALFORMED;
        }
        int more = sf_next_member(&s);
        if (more < 0)
            return HTTPSIG_MALFORMED;
        if (more == 0)
            return checked ? HTTPSIG_OK : HTTPSIG_DIGEST_MISSING;
    }
}

int httpsig_content_digest(slice_t body, char *out, size_t cap)
{
    uint8_t d[EVP_MAX_MD_SIZE];
    unsigned dn = 0;
    char b64[100];
    if (digest_of("sha-512", body, d, &dn) != 0 || b64_encode(b64, sizeof b64, d, dn, B64_STD) < 0)
        return -1;
    int n = snprintf(out, cap, "sha-512=:%s:", b64);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* ---- parse ---- */

static bool covered(char comps[][64], size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(comps[i], name) == 0)
            return true;
    return false;
}

/* Reads the inner list and parameters of the Signature-Input member at s into out. */
static httpsig_result_t parse_input(sf_t *s, char comps[][64], size_t *nc, httpsig_parsed_t *out)
{
    if (s->p >= s->end || *s->p != '(')
        return HTTPSIG_MALFORMED;
    s->p++;
    *nc = 0;
    for (;;) {
        sf_sp(s);
        if (s->p < s->end && *s->p == ')') {
            s->p++;
            break;
        }
        if (*nc == HTTPSIG_COMPONENTS_MAX || sf_string(s, comps[*nc], 64) != 0)
            return HTTPSIG_MALFORMED;
        /* component parameters (;sf, ;key="...", ;req) change the value: not supported */
        if (s->p < s->end && *s->p == ';')
            return HTTPSIG_COMPONENTS;
        for (size_t i = 0; i < *nc; i++)
            if (strcmp(comps[i], comps[*nc]) == 0)
                return HTTPSIG_MALFORMED; /* a component covered twice */
        (*nc)++;
        if (s->p < s->end && *s->p != ' ' && *s->p != ')')
            return HTTPSIG_MALFORMED;
    }
    out->keyid[0] = '\0';
    out->has_created = out->has_expires = false;
    while (s->p < s->end && *s->p == ';') {
        s->p++;
        const char *k;
        size_t kn = sf_key(s, &k);
        if (kn == 0 || s->p >= s->end || *s->p != '=')
            return HTTPSIG_MALFORMED;
        s->p++;
        if (kn == 5 && !memcmp(k, "keyid", 5)) {
            if (sf_string(s, out->keyid, sizeof out->keyid) != 0)
                return HTTPSIG_MALFORMED;
        } else if (kn == 7 && !memcmp(k, "created", 7)) {
            if (sf_integer(s, &out->created) != 0)
                return HTTPSIG_MALFORMED;
            out->has_created = true;
        } else if (kn == 7 && !memcmp(k, "expires", 7)) {
            if (sf_integer(s, &out->expires) != 0)
                return HTTPSIG_MALFORMED;
            out->has_expires = true;
        } else if (kn == 3 && !memcmp(k, "alg", 3)) {
            char alg[32];
            if (sf_string(s, alg, sizeof alg) != 0 || strcmp(alg, "ed25519") != 0)
                return HTTPSIG_MALFORMED;
        } else if (sf_skip_bare(s) != 0) {
            return HTTPSIG_MALFORMED; /* nonce, tag and others: ignored */
        }
    }
    return out->keyid[0] ? HTTPSIG_OK : HTTPSIG_MALFORMED;
}

httpsig_result_t httpsig_parse(const httpsig_request_t *r, httpsig_parsed_t *out)
{
    if (!r->signature_input || !r->signature)
        return HTTPSIG_MISSING;
    out->label[0] = '\0';
    sf_t in, sig;
    if (sf_dict_find(r->signature_input, out->label, &in) != 0 ||
        sf_dict_find(r->signature, out->label, &sig) != 0)
        return HTTPSIG_MALFORMED;
    if (sf_bytes(&sig, out->sig, sizeof out->sig) != HTTPSIG_SIG_LEN)
        return HTTPSIG_MALFORMED;
    const char *params = in.p;
    char comps[HTTPSIG_COMPONENTS_MAX][64];
    size_t nc;
    httpsig_result_t res = parse_input(&in, comps, &nc, out);
    if (res != HTTPSIG_OK)
        return res;
    size_t params_len = (size_t)(in.p - params);
    /* the member must end here: the next member, or the end of the field */
    sf_ows(&in);
    if (in.p < in.end && *in.p != ',')
        return HTTPSIG_MALFORMED;

    bool body = r->body.len > 0;
    if (!r->any_components &&
        (!covered(comps, nc, "@method") || !covered(comps, nc, "@target-uri") ||
         (r->authorization && !covered(comps, nc, "authorization")) ||
         (body && (!covered(comps, nc, "content-digest") || !covered(comps, nc, "content-length") ||
                   !covered(comps, nc, "content-type")))))
        return HTTPSIG_COMPONENTS;
    out->covers_authorization = covered(comps, nc, "authorization");

    if (body && !r->content_digest)
        return HTTPSIG_DIGEST_MISSING;
    if (r->content_digest && (body || covered(comps, nc, "content-digest"))) {
        res = digest_check(r->content_digest, r->body);
        if (res != HTTPSIG_OK)
            return res;
    }
    if (r->content_length) {
        char *e;
        unsigned long long cl = strtoull(r->content_length, &e, 10);
        if (e == r->content_length || *e != '\0' || cl != r->body.len)
            return HTTPSIG_DIGEST_MISMATCH;
    }

    size_t used = 0, cap = sizeof out->base;
    for (size_t i = 0; i < nc; i++) {
        int n = snprintf(out->base + used, cap - used, "\"%s\": ", comps[i]);
        if (n < 0 || (size_t)n >= cap - used)
            return HTTPSIG_MALFORMED;
        used += (size_t)n;
        size_t vl;
        if (component_value(r, comps[i], out->base + used, cap - used, &vl) != 0)
            return HTTPSIG_COMPONENTS;
        used += vl;
        if (used + 1 >= cap)
            return HTTPSIG_MALFORMED;
        out->base[used++] = '\n';
    }
    int n = snprintf(out->base + used, cap - used, "\"@signature-params\": %.*s", (int)params_len,
                     params);
    if (n < 0 || (size_t)n >= cap - used)
        return HTTPSIG_MALFORMED;
    out->base_len = used + (size_t)n;
    return HTTPSIG_OK;
}

/* ---- verify and sign ---- */

/* Ed25519 is libsodium's (verify in about half the time of OpenSSL 3.0's EVP interface here,
 * docs/BENCHMARKS.md); sodium_init is idempotent and thread-safe, run once. */
static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;

static void sodium_start(void)
{
    if (sodium_init() < 0)
        abort();
}

static void sodium_ready(void)
{
    pthread_once(&sodium_once, sodium_start);
}

httpsig_result_t httpsig_verify(const httpsig_parsed_t *p, const uint8_t pub[HTTPSIG_ED25519_LEN],
                                int64_t now_s, int64_t window_s)
{
    if (window_s <= 0)
        window_s = HTTPSIG_WINDOW_DEFAULT_S;
    if (!p->has_created || p->created > now_s + window_s || p->created < now_s - window_s ||
        (p->has_expires && p->expires < now_s))
        return HTTPSIG_CREATED_WINDOW;
    sodium_ready();
    return crypto_sign_verify_detached(p->sig, (const uint8_t *)p->base, p->base_len, pub) == 0
               ? HTTPSIG_OK
               : HTTPSIG_BAD_SIGNATURE;
}

int httpsig_ed25519_public(const uint8_t seed[HTTPSIG_ED25519_LEN],
                           uint8_t pub[HTTPSIG_ED25519_LEN])
{
    uint8_t sk[crypto_sign_SECRETKEYBYTES];
    sodium_ready();
    int rc = crypto_sign_seed_keypair(pub, sk, seed) == 0 ? 0 : -1;
    sodium_memzero(sk, sizeof sk);
    return rc;
}

int httpsig_sign(const uint8_t seed[HTTPSIG_ED25519_LEN], const char *keyid, int64_t created,
                 const char *method, const char *target_uri, const char *authorization,
                 const char *content_type, slice_t body, httpsig_headers_t *out)
{
    char length[24];
    bool has_body = body.len > 0;
    out->content_digest[0] = '\0';
    if (has_body &&
        httpsig_content_digest(body, out->content_digest, sizeof out->content_digest) != 0)
        return -1;
    snprintf(length, sizeof length, "%zu", body.len);
    httpsig_request_t r = {.method = method,
                           .target_uri = target_uri,
                           .authorization = authorization,
                           .content_digest = has_body ? out->content_digest : NULL,
                           .content_length = has_body ? length : NULL,
                           .content_type =
                               has_body ? (content_type ? content_type : "application/json") : NULL,
                           .body = body};
    char keyid_esc[2 * HTTPSIG_KEYID_MAX + 1];
    size_t kn = 0;
    for (const char *c = keyid; *c; c++) {
        if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e || kn + 2 >= sizeof keyid_esc)
            return -1;
        if (*c == '"' || *c == '\\')
            keyid_esc[kn++] = '\\';
        keyid_esc[kn++] = *c;
    }
    keyid_esc[kn] = '\0';
    int n = snprintf(out->signature_input, sizeof out->signature_input,
                     "sig1=(\"@method\" \"@target-uri\"%s%s);keyid=\"%s\";created=%lld",
                     authorization ? " \"authorization\"" : "",
                     has_body ? " \"content-digest\" \"content-length\" \"content-type\"" : "",
                     keyid_esc, (long long)created);
    if (n < 0 || (size_t)n >= sizeof out->signature_input)
        return -1;
    r.signature_input = out->signature_input;
    /* the base does not depend on the signature: parse with a placeholder of the right size */
    char placeholder[8 + 4 * ((HTTPSIG_SIG_LEN + 2) / 3)];
    memcpy(placeholder, "sig1=:", 6);
    memset(placeholder + 6, 'A', 4 * ((HTTPSIG_SIG_LEN + 2) / 3));
    memcpy(placeholder + 6 + 86, "==:", 4); /* 64 bytes: 86 characters and "==" */
    r.signature = placeholder;
    httpsig_parsed_t *p = malloc(sizeof *p);
    if (!p || httpsig_parse(&r, p) != HTTPSIG_OK) {
        free(p);
        return -1;
    }
    uint8_t sig[HTTPSIG_SIG_LEN], pub[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    sodium_ready();
    int ok = crypto_sign_seed_keypair(pub, sk, seed) == 0 &&
             crypto_sign_detached(sig, NULL, (const uint8_t *)p->base, p->base_len, sk) == 0;
    sodium_memzero(sk, sizeof sk);
    free(p);
    char b64[100];
    if (!ok || b64_encode(b64, sizeof b64, sig, sizeof sig, B64_STD) < 0)
        return -1;
    n = snprintf(out->signature, sizeof out->signature, "sig1=:%s:", b64);
    return n < 0 || (size_t)n >= sizeof out->signature ? -1 : 0;
}

/* ---- keys and requests ---- */

httpsig_result_t httpsig_jwk_public(const json_t *jwk, uint8_t pub[HTTPSIG_ED25519_LEN],
                                    const char **kid)
{
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    const char *crv = json_string_value(json_object_get(jwk, "crv"));
    const char *x = json_string_value(json_object_get(jwk, "x"));
    const json_t *alg = json_object_get(jwk, "alg");
    *kid = json_string_value(json_object_get(jwk, "kid"));
    if (!kty || strcmp(kty, "OKP") != 0 || !crv || strcmp(crv, "Ed25519") != 0 || !x ||
        (alg && (!json_is_string(alg) || strcmp(json_string_value(alg), "EdDSA") != 0)))
        return HTTPSIG_KEY_INVALID;
    size_t xn = strlen(x);
    if (xn != 43 || b64_decode(pub, HTTPSIG_ED25519_LEN, x, xn, B64_URL) != HTTPSIG_ED25519_LEN)
        return HTTPSIG_KEY_INVALID;
    return HTTPSIG_OK;
}

static const char *req_header(void *ctx, const char *name)
{
    return http_req_header(ctx, name);
}

int httpsig_request_from_http(const http_req_t *req, const char *public_url, char *buf, size_t cap,
                              httpsig_request_t *r)
{
    const char *target = http_req_target(req);
    if (!target)
        return -1;
    int n = snprintf(buf, cap, "%s%s", public_url, target);
    if (n < 0 || (size_t)n >= cap)
        return -1;
    *r = (httpsig_request_t){
        .method = http_req_method(req),
        .target_uri = buf,
        .authorization = http_req_header(req, "Authorization"),
        .content_digest = http_req_header(req, "Content-Digest"),
        .content_length = http_req_header(req, "Content-Length"),
        .content_type = http_req_header(req, "Content-Type"),
        .signature_input = http_req_header(req, "Signature-Input"),
        .signature = http_req_header(req, "Signature"),
        .body = http_req_body(req),
        .header = req_header,
        .header_ctx = (void *)req,
    };
    return 0;
}
