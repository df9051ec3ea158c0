/*
 * Inside the authorization server: the grant and token rows (auth_store.c), the access rules
 * (auth_access.c), the subjects (auth_subject.c) and the HTTP routes (auth.c) share these.
 *
 * Threads: as auth.h: the store calls block on the database and may run on any thread that
 * may block.
 */
#ifndef RAFIKI_AUTH_AUTH_INTERNAL_H
#define RAFIKI_AUTH_AUTH_INTERNAL_H

#include "auth/auth.h"

#define AUTH_TOKEN_LEN    20 /* uppercase hex, as Rafiki's */
#define AUTH_NONCE_LEN    16
#define AUTH_HASH_HEX_LEN 64
#define AUTH_URI_MAX      1024
#define AUTH_NONCE_MAX    256
#define AUTH_ACCESS_MAX   8 /* access items in one grant request */
#define AUTH_BODY_MAX     (64u * 1024u)

struct auth {
    auth_config_t cfg;
    char grant_endpoint[AUTH_URI_MAX];      /* auth_url + "/" */
    char consent_url[AUTH_URI_MAX];         /* the operator's: IDENTITY_SERVER_URL or built-in */
    char builtin_consent_url[AUTH_URI_MAX]; /* auth_url + "/consent" (web/consent.c) */
    char scheme[8];                         /* of auth_url: "http" or "https" */
};

typedef enum {
    GRANT_PENDING = 0, /* waiting for the user */
    GRANT_APPROVED,    /* the user accepted; no token issued yet */
    GRANT_FINALIZED,   /* tokens issued */
    GRANT_DENIED,      /* the user rejected */
    GRANT_REVOKED,     /* cancelled by the client */
} grant_state_t;

typedef struct {
    char id[UUID_STR_LEN + 1];
    grant_state_t state;
    /* The tenant whose endpoint {auth_url}/{tenant_id} the client asked; "" for {auth_url}/,
     * the operator's (sql/073_auth_grant_tenants.sql). */
    char tenant_id[UUID_STR_LEN + 1];
    char client[OP_CLIENT_MAX + 1];
    json_t *client_jwk; /* owned; NULL without directed identity */
    char client_name[WALLET_ADDRESS_NAME_MAX + 1];
    json_t *access; /* owned: the access items ([] for a grant of its subject alone) */
    /* The subject the user must prove: set by subject_parse on a request; grant_get does not
     * read them (grant_subjects_get does). */
    auth_subject_t subjects[AUTH_SUBJECTS_MAX];
    size_t n_subjects;
    char continue_hash[AUTH_HASH_HEX_LEN + 1];
    char finish_uri[AUTH_URI_MAX + 1]; /* "" without finish */
    char client_nonce[AUTH_NONCE_MAX + 1];
    char interact_id[UUID_STR_LEN + 1]; /* "" without interaction */
    char interact_nonce[AUTH_NONCE_LEN + 1];
    char interact_ref[UUID_STR_LEN + 1];
    char session_hash[AUTH_HASH_HEX_LEN + 1];
    int64_t interaction_expires_ms;
    int64_t last_continue_ms;
    int64_t created_ms;
} grant_t;

void grant_release(grant_t *g);
const char *grant_state_str(grant_state_t s);

/* Random tokens and their stored hashes. */
void auth_token_new(char out[AUTH_TOKEN_LEN + 1]);
void auth_hash(const char *token, char out[AUTH_HASH_HEX_LEN + 1]);

/* ---- rows (auth_store.c); every call takes its own connection ---- */

typedef enum {
    GSTORE_OK = 0,
    GSTORE_NOT_FOUND,
    GSTORE_CONFLICT,
    GSTORE_ERROR,
    GSTORE_FULL, /* grant_insert: the client has pending_grants_max unexpired PENDING grants */
} grant_store_result_t;

/* Inserts g with its subjects; a PENDING g only while its client has fewer than the configured
 * maximum of unexpired PENDING grants (counted in the same transaction; on Postgres, concurrent
 * requests of one client may each see the count before the others' inserts, so the cap can be
 * passed by at most the number of such requests in flight). */
grant_store_result_t grant_insert(auth_t *a, const grant_t *g);
grant_store_result_t grant_get(auth_t *a, const char *id, grant_t *out);
grant_store_result_t grant_get_by_interaction(auth_t *a, const char *interact_id, const char *nonce,
                                              grant_t *out);
/* Moves the grant from state `from` to `to` (and sets the given fields when not NULL); NOT_FOUND
 * when it was not in `from` any more (another request won). */
grant_store_result_t grant_transition(auth_t *a, const char *id, grant_state_t from,
                                      grant_state_t to, const char *interact_ref,
                                      const char *subject);
/* The subjects of grant_id, in request order, into out (at most cap); *n their count. OK (also
 * for none) or ERROR. */
grant_store_result_t grant_subjects_get(auth_t *a, const char *grant_id, auth_subject_t *out,
                                        size_t cap, size_t *n);
grant_store_result_t grant_set_session(auth_t *a, const char *id, const char *session_hash);
grant_store_result_t grant_touch_continue(auth_t *a, const char *id, int64_t now_ms);

typedef struct {
    char id[UUID_STR_LEN + 1];
    char grant_id[UUID_STR_LEN + 1];
    int64_t expires_ms;
    bool revoked;
} token_row_t;

/* Issues a token for grant_id: value into value, management id into id. With the grant moving
 * from `from` to FINALIZED in the same transaction when from != GRANT_FINALIZED (NOT_FOUND when
 * it was not in `from`). */
grant_store_result_t token_issue(auth_t *a, const char *grant_id, grant_state_t from,
                                 char value[AUTH_TOKEN_LEN + 1], char id[UUID_STR_LEN + 1]);
grant_store_result_t token_get(auth_t *a, const char *value, token_row_t *out);
grant_store_result_t token_get_by_id(auth_t *a, const char *id, token_row_t *out);
/* Revokes token id (value_hash, when given, must match) and, with rotate, issues a new one in the
 * same transaction. */
grant_store_result_t token_revoke(auth_t *a, const char *id, const char *value_hash, bool rotate,
                                  char value[AUTH_TOKEN_LEN + 1], char new_id[UUID_STR_LEN + 1]);
/* Revokes the grant and all its tokens. */
grant_store_result_t grant_revoke(auth_t *a, const char *id);

/* ---- tenants (auth_tenant.c) ---- */

#define AUTH_IDP_SECRET_MAX 256 /* bytes of an x-idp-secret (a tenant's idpSecret at most) */

/* Whether id names a live tenant (payments/tenants.h): OK, NOT_FOUND (unknown, deleted or not
 * a UUID) or ERROR (logged). */
grant_store_result_t tenant_live(auth_t *a, const char *id);

/* Where the user of a grant of tenant_id consents and which x-idp-secret decides it. */
typedef struct {
    char consent_url[AUTH_URI_MAX + 1];
    char idp_secret[AUTH_IDP_SECRET_MAX + 1]; /* "": the interaction API refuses every secret */
} grant_idp_t;

/* For tenant_id "" (a grant of {auth_url}/) or the operator tenant: this server's consent URL
 * and IDP_SECRET. For another live tenant: its idpConsentUrl, or the built-in consent screens
 * when it has none, and its idpSecret. NOT_FOUND when the tenant is deleted, ERROR (logged) when
 * the database fails. */
grant_store_result_t grant_idp(auth_t *a, const char *tenant_id, grant_idp_t *out);

/* ---- grant request fields (auth.c) ---- */

/* The request's client: an http(s) wallet address URL of at most OP_CLIENT_MAX (a string or
 * {walletAddress}) into *url, or {jwk} into *jwk, both borrowed from c; 0, or -1 otherwise. */
int client_parse(const json_t *c, const char **url, const json_t **jwk);
/* interact {start: [.."redirect"..], finish?: {method: "redirect", uri, nonce}}: AUTH_OK (g's
 * finish_uri and client_nonce set when finish is given), or AUTH_INVALID_REQUEST with err. */
auth_result_t interact_parse(const json_t *in, grant_t *g, auth_err_t *err);

/* ---- subjects (auth_subject.c) ---- */

/* A request's subject {sub_ids: [{id, format}]} into g's subjects: 1 to AUTH_SUBJECTS_MAX
 * items, each format "uri" and id an http(s) URL of at most OP_CLIENT_MAX characters without
 * spaces, controls or fragment; each is given a new row id. AUTH_OK, or AUTH_INVALID_REQUEST
 * with err. Reads no database. */
auth_result_t subject_parse(const json_t *subject, grant_t *g, auth_err_t *err);
/* Whether every subject of g is an active wallet address of this server (only those can be
 * proven here): AUTH_OK, AUTH_INVALID_REQUEST with err, or AUTH_STORAGE_ERROR. */
auth_result_t subject_known(auth_t *a, const grant_t *g, auth_err_t *err);
/* {sub_ids: [{id, format}...]} of n subjects (a new reference). */
json_t *subject_json(const auth_subject_t *s, size_t n);

/* ---- access rules (auth_access.c) ---- */

/* Validates the access items of a grant request; 0, or -1 with why. *interactive tells whether
 * the grant needs the user. */
auth_result_t access_validate(const auth_t *a, const json_t *items, bool *interactive,
                              auth_err_t *err);
/* The item of items that grants (type, action) on identifier, or NULL; *all tells whether it
 * grants the -all variant. */
const json_t *access_match(const json_t *items, const char *type, const char *action,
                           const char *identifier, bool *all);
/* Limits of an outgoing-payment item (camelCase, as the grant has them) into out; 0 or -1. */
int access_limits(const json_t *item, op_access_t *out);

#endif
