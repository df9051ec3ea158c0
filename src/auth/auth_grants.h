/*
 * Grants as the operator sees them: the reads and the revocation behind Rafiki's auth Admin
 * GraphQL API (schema/graphql/auth.graphql: grants, grant, revokeGrant; the resolvers are in
 * src/admin/admin_gql_grants.c and only shape JSON, and keep a tenant to its own grants with the
 * tenant filter and each grant's tenant_id).
 *
 * Rafiki's grant has a state (PROCESSING, PENDING, APPROVED, FINALIZED) and, once finalized, a
 * reason (ISSUED, REVOKED, REJECTED). Ours has one state (auth_internal.h); it reads as Rafiki's:
 *   PENDING                                  PENDING
 *   APPROVED                                 APPROVED
 *   FINALIZED, interactive                   FINALIZED, ISSUED
 *   FINALIZED, without interaction           APPROVED (Rafiki never finalizes a grant it
 *                                            approved without the user; its token is issued
 *                                            with the grant)
 *   DENIED                                   FINALIZED, REJECTED
 *   REVOKED                                  FINALIZED, REVOKED
 * and the filters select on that reading. PROCESSING never occurs (Rafiki has no code that
 * sets it either).
 *
 * Pages are Rafiki's getPage (packages/auth/src/shared/baseModel.ts): keyset order by creation
 * time then id, ascending or descending, forward after a cursor or backward before one; a cursor
 * that names no grant gives an empty page. Where Rafiki's query is wrong we do what it means:
 * finalizationReason.notIn keeps grants without a reason and is ANDed with the other filters
 * (Rafiki's ungrouped orWhere ORs it with all of them), and a grant selected by its identifier
 * comes back with all its access items (Rafiki's join returns only the matching ones). Page info
is computed in the order asked (Rafiki's resolver leaves sortOrder out of getPageInfo, so an
ascending page's hasNextPage looks at the descending order).
 *
 * Threads: any thread that may block on the database; the calls keep no state.
 */
#ifndef RAFIKI_AUTH_AUTH_GRANTS_H
#define RAFIKI_AUTH_AUTH_GRANTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "auth/auth.h"

/* Rows of one page, as Rafiki's getPage allows (first/last at most 100). */
#define AUTH_GRANTS_PAGE_MAX 100u
/* Values in one filter list (identifier.in, state.notIn, ...). Rafiki has no bound; a list this
 * long already names more identifiers than an operator's screen shows. */
#define AUTH_GRANTS_FILTER_MAX 100u

typedef enum {
    AUTH_GRANTS_OK = 0,
    AUTH_GRANTS_NOT_FOUND, /* no grant with this id */
    AUTH_GRANTS_INVALID,   /* a filter or page the call refuses; err says why */
    AUTH_GRANTS_STORAGE,   /* the database failed (logged) */
} auth_grants_result_t;

const char *auth_grants_result_str(auth_grants_result_t r);

typedef struct {
    char msg[128];
} auth_grants_err_t;

/* Rafiki's GrantState and GrantFinalization, in the schema's order; names by the _str calls. */
typedef enum {
    AUTH_GRANT_PROCESSING = 0,
    AUTH_GRANT_PENDING,
    AUTH_GRANT_APPROVED,
    AUTH_GRANT_FINALIZED,
    AUTH_GRANT_STATE_COUNT
} auth_grant_state_t;

typedef enum {
    AUTH_GRANT_NO_REASON = 0, /* not finalized: finalizationReason is null */
    AUTH_GRANT_ISSUED,
    AUTH_GRANT_REVOKED,
    AUTH_GRANT_REJECTED,
    AUTH_GRANT_REASON_COUNT
} auth_grant_reason_t;

const char *auth_grant_state_str(auth_grant_state_t s);   /* "PENDING" */
const char *auth_grant_reason_str(auth_grant_reason_t r); /* "ISSUED"; NULL for NO_REASON */
/* The value named s (the schema's spelling), or -1. */
int auth_grant_state_parse(const char *s);
int auth_grant_reason_parse(const char *s);

/* One grant. */
typedef struct {
    char id[UUID_STR_LEN + 1];
    char client[OP_CLIENT_MAX + 1]; /* the client's wallet address; "" for a key (jwk) client */
    auth_grant_state_t state;
    auth_grant_reason_t reason;
    char tenant_id[UUID_STR_LEN + 1]; /* the tenant whose endpoint the client asked; "" for
                                         {auth_url}/, the operator's (auth.h) */
    json_t *access; /* owned: the access items as granted ({type, actions, identifier?,
                       limits?}, camelCase as the request spelled them) */
    int64_t created_ms;
    /* Its subjects (read by auth_grants_get only, as Rafiki joins them for grant(id) and not
     * for its list). */
    auth_subject_t subjects[AUTH_SUBJECTS_MAX];
    size_t n_subjects;
} auth_grant_view_t;

void auth_grant_view_release(auth_grant_view_t *g);

/* The id of access item `index` of grant_id: a UUID derived from both (our access items are not
 * rows of their own), the same on every read. */
void auth_grant_access_id(const char *grant_id, size_t index, char out[UUID_STR_LEN + 1]);

/* A filter: each part applies when it has values (an empty list applies none, as Rafiki). The
 * masks have bit (1 << value) for each value listed. */
typedef struct {
    const char *const *identifiers; /* identifier.in: grants with an access item on one of them */
    size_t n_identifiers;
    uint32_t state_in, state_not_in;   /* bits of auth_grant_state_t */
    uint32_t reason_in, reason_not_in; /* bits of auth_grant_reason_t; NO_REASON's bit unused */
    /* Rafiki's tenantId: this tenant's grants only (NULL: every tenant's). With
     * tenant_operator, tenant_id is the operator's and its grants without a tenant count too. */
    const char *tenant_id;
    bool tenant_operator;
} auth_grants_filter_t;

typedef struct {
    bool backward;      /* rows just before `cursor` (Relay last/before), else after it */
    bool asc;           /* sortOrder ASC; descending otherwise (Rafiki's default) */
    uint32_t limit;     /* 1..AUTH_GRANTS_PAGE_MAX */
    const char *cursor; /* a grant id, or NULL: from the start (forward only) */
} auth_grants_page_t;

/* A page: rows in the order the client sees (sortOrder), and whether one more grant matching the
 * filter exists before the first row and after the last (Rafiki's getPageInfo; both false for an
 * empty page). */
typedef struct {
    auth_grant_view_t *rows; /* n of them, allocated by auth_grants_list */
    size_t n;
    bool has_prev, has_next;
} auth_grants_list_t;

/* Fills *out (release with auth_grants_list_release, whatever the result). AUTH_GRANTS_INVALID
 * for a limit outside 1..AUTH_GRANTS_PAGE_MAX, backward without a cursor, or a filter list
 * longer than AUTH_GRANTS_FILTER_MAX; AUTH_GRANTS_STORAGE when the database fails. */
auth_grants_result_t auth_grants_list(auth_t *a, const auth_grants_filter_t *filter,
                                      const auth_grants_page_t *page, auth_grants_list_t *out,
                                      auth_grants_err_t *err);
void auth_grants_list_release(auth_grants_list_t *l);

/* The grant id with its subjects into *out (release it): AUTH_GRANTS_OK, NOT_FOUND or
 * STORAGE. */
auth_grants_result_t auth_grants_get(auth_t *a, const char *id, auth_grant_view_t *out);

/* Revokes the grant whatever its state (as Rafiki: revoking twice succeeds, a pending grant can
 * no longer be accepted) and every access token issued for it, in one transaction, so
 * introspection answers them inactive at once. AUTH_GRANTS_OK, NOT_FOUND or STORAGE. */
auth_grants_result_t auth_grants_revoke(auth_t *a, const char *id);

#endif
