/*
 * HTTP message signatures (RFC 9421) with Ed25519, and Content-Digest (RFC 9530), as Open
 * Payments uses them (../shared/docs/open-payments.md §9).
 *
 * Verifying is two steps so that the caller can find the key between them:
 *   1. httpsig_parse() reads Signature-Input and Signature (RFC 8941 dictionaries, any label,
 *      parameters in any order, unknown parameters ignored, alg absent or "ed25519"), checks
 *      that the required components are covered (@method and @target-uri always; authorization
 *      when the request has an Authorization header; content-digest, content-length and
 *      content-type when it has a non-empty body), checks Content-Digest (sha-512 or sha-256)
 *      against the body bytes exactly as received and Content-Length against their length,
 *      and builds the signature base. It yields the keyid.
 *   2. httpsig_verify() checks `created` against a window around now and the Ed25519
 *      signature (PureEdDSA over the base bytes) with the public key the caller resolved.
 *
 * Signing (httpsig_sign) produces the headers the official client sends: label sig1,
 * components @method @target-uri [authorization] [content-digest content-length content-type],
 * parameters keyid then created; a request with a body carries a sha-512 Content-Digest.
 *
 * Bounds: every input is capped (HTTPSIG_* below); anything longer is malformed, never
 * truncated. Parsing allocates nothing; httpsig_parsed_t holds its own copies.
 * Threads: any thread; no shared state.
 */
#ifndef RAFIKI_HTTP_HTTPSIG_H
#define RAFIKI_HTTP_HTTPSIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/slice.h"
#include "http/server.h"

#define HTTPSIG_LABEL_MAX      64
#define HTTPSIG_KEYID_MAX      128
#define HTTPSIG_COMPONENTS_MAX 16
#define HTTPSIG_BASE_MAX       8192 /* the signature base, all lines */
#define HTTPSIG_ED25519_LEN    32   /* public key and seed */
#define HTTPSIG_SIG_LEN        64
/* Default window for `created`: a signature older or newer than this is refused. */
#define HTTPSIG_WINDOW_DEFAULT_S 300

typedef enum {
    HTTPSIG_OK = 0,
    HTTPSIG_MISSING,         /* no Signature-Input or no Signature header */
    HTTPSIG_MALFORMED,       /* not a well-formed dictionary, label not in both, bad base64,
                                a value over its cap, no keyid, alg other than ed25519 */
    HTTPSIG_COMPONENTS,      /* a required component is not covered, or a covered one is
                                absent from the request */
    HTTPSIG_DIGEST_MISSING,  /* a body without Content-Digest */
    HTTPSIG_DIGEST_MISMATCH, /* Content-Digest or Content-Length does not match the body */
    HTTPSIG_CREATED_WINDOW,  /* no `created`, or outside the window */
    HTTPSIG_BAD_SIGNATURE,   /* the Ed25519 verification failed */
    HTTPSIG_KEY_INVALID,     /* the JWK is not an Ed25519 public key */
} httpsig_result_t;

/* A short stable name ("digest_mismatch", ...). */
const char *httpsig_result_str(httpsig_result_t r);

/* The parts of a request that a signature can cover; strings are NUL-terminated header
 * values (NULL when absent). */
typedef struct {
    const char *method;     /* "POST" */
    const char *target_uri; /* absolute: scheme "://" host [":" port] raw-request-target */
    const char *authorization;
    const char *content_digest;
    const char *content_length;
    const char *content_type;
    const char *signature_input;
    const char *signature;
    slice_t body;
    /* Other header fields a signature may cover ("date"), looked up by lowercase name; NULL:
     * none. */
    const char *(*header)(void *ctx, const char *name);
    void *header_ctx;
    /* Skip the Open Payments rules on which components must be covered (RFC 9421 vectors and
     * other profiles); the rules on digests still apply. */
    bool any_components;
} httpsig_request_t;

/* Fills r from a server request. target_uri is built in buf as public_url (the configured public
 * URL of the port, without a trailing slash: what clients are told to call) followed by
 * http_req_target(req). The Host header plays no part: a request signed for another server's URL
 * (and sent with its Host) does not verify here, so it cannot be replayed against this one; a
 * proxy may rewrite Host. Returns 0, or -1 when buf is too small. */
int httpsig_request_from_http(const http_req_t *req, const char *public_url, char *buf, size_t cap,
                              httpsig_request_t *r);

typedef struct {
    char label[HTTPSIG_LABEL_MAX + 1];
    char keyid[HTTPSIG_KEYID_MAX + 1];
    bool has_created, has_expires;
    int64_t created, expires; /* UNIX seconds */
    bool covers_authorization;
    uint8_t sig[HTTPSIG_SIG_LEN];
    size_t base_len;
    char base[HTTPSIG_BASE_MAX + 1];
} httpsig_parsed_t;

/* Step 1 (see the top). On anything but HTTPSIG_OK, *out is unspecified. */
httpsig_result_t httpsig_parse(const httpsig_request_t *r, httpsig_parsed_t *out);

/* Step 2: `created` within window_s of now_s (both directions; 0 = HTTPSIG_WINDOW_DEFAULT_S)
 * and `expires`, when given, not past; then the signature with the 32-byte Ed25519 public
 * key. */
httpsig_result_t httpsig_verify(const httpsig_parsed_t *p, const uint8_t pub[HTTPSIG_ED25519_LEN],
                                int64_t now_s, int64_t window_s);

/* Reads an Ed25519 public JWK ({"kty":"OKP","crv":"Ed25519","x":...}; "alg", when present,
 * "EdDSA"). *kid points into jwk (NULL when absent). HTTPSIG_OK or HTTPSIG_KEY_INVALID. */
httpsig_result_t httpsig_jwk_public(const json_t *jwk, uint8_t pub[HTTPSIG_ED25519_LEN],
                                    const char **kid);

/* The public key of a 32-byte Ed25519 seed. 0, or -1 when OpenSSL fails. */
int httpsig_ed25519_public(const uint8_t seed[HTTPSIG_ED25519_LEN],
                           uint8_t pub[HTTPSIG_ED25519_LEN]);

/* Headers to send with a signed request. */
typedef struct {
    char content_digest[140]; /* "sha-512=:...:" or "" without a body */
    char signature_input[512];
    char signature[128];
} httpsig_headers_t;

/* Signs a request as the official client does (see the top). authorization may be NULL;
 * content_type is the one the request will carry (NULL: "application/json" when there is a
 * body). Returns 0, or -1 when a value does not fit or OpenSSL fails. */
int httpsig_sign(const uint8_t seed[HTTPSIG_ED25519_LEN], const char *keyid, int64_t created,
                 const char *method, const char *target_uri, const char *authorization,
                 const char *content_type, slice_t body, httpsig_headers_t *out);

/* "sha-512=:<base64>:" of body into out (cap >= 100). 0, or -1 when cap is too small. */
int httpsig_content_digest(slice_t body, char *out, size_t cap);

#endif
