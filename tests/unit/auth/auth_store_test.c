/* src/auth/auth_store.c on a migrated SQLite file: token values and their stored hashes, grant
 * rows, and the grant state changes, which are conditional updates (a change from a state the
 * grant is no longer in loses: NOT_FOUND), so two requests racing on one grant cannot both win. */
#include <criterion/criterion.h>

#include <ctype.h>
#include <string.h>

#include "auth/auth_internal.h"
#include "base/clock.h"

#include "../payments/payments_db.h"

static db_t *db;
static auth_t *A;

static void setup(void)
{
    db = bk_open("sqlite:", "auth_store");
    auth_config_t cfg = {.db = db, .auth_url = "http://auth.test", .token_expiry_s = 60};
    A = auth_new(&cfg);
}

static void teardown(void)
{
    auth_free(A);
    db_close(db);
}

TestSuite(auth_store, .init = setup, .fini = teardown);

Test(grant_state, names)
{
    cr_assert_str_eq(grant_state_str(GRANT_PENDING), "PENDING");
    cr_assert_str_eq(grant_state_str(GRANT_APPROVED), "APPROVED");
    cr_assert_str_eq(grant_state_str(GRANT_FINALIZED), "FINALIZED");
    cr_assert_str_eq(grant_state_str(GRANT_DENIED), "DENIED");
    cr_assert_str_eq(grant_state_str(GRANT_REVOKED), "REVOKED");
}

Test(auth_token, format)
{
    char a[AUTH_TOKEN_LEN + 1], b[AUTH_TOKEN_LEN + 1];
    auth_token_new(a);
    auth_token_new(b);
    cr_assert_eq(strlen(a), AUTH_TOKEN_LEN);
    for (size_t i = 0; i < AUTH_TOKEN_LEN; i++)
        cr_assert(isdigit((unsigned char)a[i]) || (a[i] >= 'A' && a[i] <= 'F'), "%s", a);
    cr_assert_str_neq(a, b, "two tokens alike");
}

Test(auth_token, hash)
{
    char h[AUTH_HASH_HEX_LEN + 1];
    auth_hash("abc", h);
    cr_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    auth_hash("", h);
    cr_assert_str_eq(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    char t[AUTH_TOKEN_LEN + 1], h2[AUTH_HASH_HEX_LEN + 1];
    auth_token_new(t);
    auth_hash(t, h);
    auth_hash(t, h2);
    cr_assert_str_eq(h, h2);
    cr_assert_eq(strlen(h), AUTH_HASH_HEX_LEN);
}

/* A pending, interactive grant with a finish URI. */
static void grant_make(grant_t *g, grant_state_t state)
{
    memset(g, 0, sizeof *g);
    uuid_v7(g->id);
    g->state = state;
    snprintf(g->client, sizeof g->client, "https://wallet.test/client");
    snprintf(g->client_name, sizeof g->client_name, "Client");
    g->access = json_pack("[{s:s,s:[s],s:s}]", "type", "outgoing-payment", "actions", "create",
                          "identifier", "https://wallet.test/alice");
    auth_hash("continue", g->continue_hash);
    snprintf(g->finish_uri, sizeof g->finish_uri, "https://client.test/done");
    snprintf(g->client_nonce, sizeof g->client_nonce, "cn");
    uuid_v4(g->interact_id);
    snprintf(g->interact_nonce, sizeof g->interact_nonce, "0123456789ABCDEF");
    g->created_ms = g->last_continue_ms = clock_wall_ms();
    g->interaction_expires_ms = g->created_ms + 60000;
    cr_assert_eq(grant_insert(A, g), GSTORE_OK);
}

static grant_state_t state_of(const char *id)
{
    grant_t g;
    cr_assert_eq(grant_get(A, id, &g), GSTORE_OK);
    grant_release(&g);
    return g.state;
}

Test(auth_store, insert_and_read_back)
{
    grant_t g, r;
    grant_make(&g, GRANT_PENDING);
    cr_assert_eq(grant_get(A, g.id, &r), GSTORE_OK);
    cr_assert_str_eq(r.id, g.id);
    cr_assert_eq(r.state, GRANT_PENDING);
    cr_assert_str_eq(r.client, g.client);
    cr_assert_null(r.client_jwk);
    cr_assert_str_eq(r.client_name, "Client");
    cr_assert(json_equal(r.access, g.access));
    cr_assert_str_eq(r.continue_hash, g.continue_hash);
    cr_assert_str_eq(r.finish_uri, g.finish_uri);
    cr_assert_str_eq(r.client_nonce, "cn");
    cr_assert_str_eq(r.interact_id, g.interact_id);
    cr_assert_str_eq(r.interact_nonce, g.interact_nonce);
    cr_assert_str_eq(r.interact_ref, "");
    cr_assert_eq(r.interaction_expires_ms, g.interaction_expires_ms);
    cr_assert_eq(r.created_ms, g.created_ms);
    grant_release(&r);
    cr_assert_eq(grant_get_by_interaction(A, g.interact_id, g.interact_nonce, &r), GSTORE_OK);
    cr_assert_str_eq(r.id, g.id);
    grant_release(&r);
    cr_assert_eq(grant_get_by_interaction(A, g.interact_id, "FEDCBA9876543210", &r),
                 GSTORE_NOT_FOUND);
    char other[UUID_STR_LEN + 1];
    uuid_v4(other);
    cr_assert_eq(grant_get(A, other, &r), GSTORE_NOT_FOUND);
    cr_assert_eq(grant_insert(A, &g), GSTORE_CONFLICT, "the same id twice");
    grant_release(&g);
}

Test(auth_store, directed_identity_grant)
{
    grant_t g = {0}, r;
    uuid_v7(g.id);
    g.state = GRANT_APPROVED;
    g.client_jwk = json_pack("{s:s,s:s}", "kid", "k1", "kty", "OKP");
    g.access = json_pack("[{s:s,s:[s]}]", "type", "incoming-payment", "actions", "create");
    auth_hash("c", g.continue_hash);
    cr_assert_eq(grant_insert(A, &g), GSTORE_OK);
    cr_assert_eq(grant_get(A, g.id, &r), GSTORE_OK);
    cr_assert(json_equal(r.client_jwk, g.client_jwk));
    cr_assert_str_eq(r.client, "");
    cr_assert_str_eq(r.interact_id, "");
    cr_assert_str_eq(r.finish_uri, "");
    cr_assert_eq(r.interaction_expires_ms, 0);
    grant_release(&r);
    grant_release(&g);
}

Test(auth_store, transitions_are_conditional)
{
    grant_t g;
    grant_make(&g, GRANT_PENDING);
    /* the user accepts: PENDING -> APPROVED, with the interaction reference */
    cr_assert_eq(grant_transition(A, g.id, GRANT_PENDING, GRANT_APPROVED, "ref-1", "alice"),
                 GSTORE_OK);
    cr_assert_eq(state_of(g.id), GRANT_APPROVED);
    /* a second decision (a reject racing the accept) finds it no longer pending */
    cr_assert_eq(grant_transition(A, g.id, GRANT_PENDING, GRANT_DENIED, NULL, "alice"),
                 GSTORE_NOT_FOUND);
    cr_assert_eq(state_of(g.id), GRANT_APPROVED);
    grant_t r;
    cr_assert_eq(grant_get(A, g.id, &r), GSTORE_OK);
    cr_assert_str_eq(r.interact_ref, "ref-1");
    grant_release(&r);
    /* NULL fields keep what is there */
    cr_assert_eq(grant_transition(A, g.id, GRANT_APPROVED, GRANT_APPROVED, NULL, NULL), GSTORE_OK);
    cr_assert_eq(grant_get(A, g.id, &r), GSTORE_OK);
    cr_assert_str_eq(r.interact_ref, "ref-1");
    grant_release(&r);
    /* unknown grant */
    char other[UUID_STR_LEN + 1];
    uuid_v4(other);
    cr_assert_eq(grant_transition(A, other, GRANT_PENDING, GRANT_APPROVED, NULL, NULL),
                 GSTORE_NOT_FOUND);
    grant_release(&g);
}

Test(auth_store, issue_finalizes_once)
{
    grant_t g;
    grant_make(&g, GRANT_PENDING);
    char v[AUTH_TOKEN_LEN + 1], id[UUID_STR_LEN + 1];
    /* a token only for a grant in the state the caller saw */
    cr_assert_eq(token_issue(A, g.id, GRANT_APPROVED, v, id), GSTORE_NOT_FOUND);
    cr_assert_eq(state_of(g.id), GRANT_PENDING);
    cr_assert_eq(grant_transition(A, g.id, GRANT_PENDING, GRANT_APPROVED, "r", "alice"), GSTORE_OK);
    cr_assert_eq(token_issue(A, g.id, GRANT_APPROVED, v, id), GSTORE_OK);
    cr_assert_eq(state_of(g.id), GRANT_FINALIZED);
    /* two continues with the same interact_ref: the second loses */
    char v2[AUTH_TOKEN_LEN + 1], id2[UUID_STR_LEN + 1];
    cr_assert_eq(token_issue(A, g.id, GRANT_APPROVED, v2, id2), GSTORE_NOT_FOUND);
    token_row_t t;
    cr_assert_eq(token_get(A, v, &t), GSTORE_OK);
    cr_assert_str_eq(t.id, id);
    cr_assert_str_eq(t.grant_id, g.id);
    cr_assert_not(t.revoked);
    int64_t now = clock_wall_ms();
    cr_assert(t.expires_ms > now + 50000 && t.expires_ms <= now + 60000, "%lld",
              (long long)(t.expires_ms - now));
    /* only the hash is stored: the value is found, its hash as a value is not */
    char h[AUTH_HASH_HEX_LEN + 1];
    auth_hash(v, h);
    cr_assert_eq(token_get(A, h, &t), GSTORE_NOT_FOUND);
    /* FINALIZED -> FINALIZED: another token without a state change */
    cr_assert_eq(token_issue(A, g.id, GRANT_FINALIZED, v2, id2), GSTORE_OK);
    cr_assert_str_neq(v2, v);
    cr_assert_eq(token_get_by_id(A, id2, &t), GSTORE_OK);
    cr_assert_str_eq(t.grant_id, g.id);
    grant_release(&g);
}

Test(auth_store, denied_grants_get_no_token)
{
    grant_t g;
    grant_make(&g, GRANT_PENDING);
    cr_assert_eq(grant_transition(A, g.id, GRANT_PENDING, GRANT_DENIED, NULL, "alice"), GSTORE_OK);
    char v[AUTH_TOKEN_LEN + 1], id[UUID_STR_LEN + 1];
    cr_assert_eq(token_issue(A, g.id, GRANT_PENDING, v, id), GSTORE_NOT_FOUND);
    cr_assert_eq(token_issue(A, g.id, GRANT_APPROVED, v, id), GSTORE_NOT_FOUND);
    cr_assert_eq(state_of(g.id), GRANT_DENIED);
    grant_release(&g);
}

Test(auth_store, rotate_and_revoke)
{
    grant_t g;
    grant_make(&g, GRANT_APPROVED);
    char v[AUTH_TOKEN_LEN + 1], id[UUID_STR_LEN + 1];
    cr_assert_eq(token_issue(A, g.id, GRANT_APPROVED, v, id), GSTORE_OK);
    char h[AUTH_HASH_HEX_LEN + 1], wrong[AUTH_HASH_HEX_LEN + 1];
    auth_hash(v, h);
    auth_hash("not the token", wrong);
    char nv[AUTH_TOKEN_LEN + 1], nid[UUID_STR_LEN + 1];
    cr_assert_eq(token_revoke(A, id, wrong, true, nv, nid), GSTORE_NOT_FOUND);
    cr_assert_eq(token_revoke(A, id, h, true, nv, nid), GSTORE_OK);
    token_row_t t;
    cr_assert_eq(token_get(A, v, &t), GSTORE_OK);
    cr_assert(t.revoked, "the rotated token is revoked");
    cr_assert_eq(token_get(A, nv, &t), GSTORE_OK);
    cr_assert_not(t.revoked);
    cr_assert_str_eq(t.id, nid);
    /* a revoked token cannot be rotated again */
    cr_assert_eq(token_revoke(A, id, h, true, nv, nid), GSTORE_NOT_FOUND);
    /* revoking the grant revokes its tokens and ends it */
    cr_assert_eq(grant_revoke(A, g.id), GSTORE_OK);
    cr_assert_eq(state_of(g.id), GRANT_REVOKED);
    cr_assert_eq(token_get(A, nv, &t), GSTORE_OK);
    cr_assert(t.revoked);
    cr_assert_eq(grant_transition(A, g.id, GRANT_FINALIZED, GRANT_FINALIZED, NULL, NULL),
                 GSTORE_NOT_FOUND);
    char other[UUID_STR_LEN + 1];
    uuid_v4(other);
    cr_assert_eq(grant_revoke(A, other), GSTORE_NOT_FOUND);
    grant_release(&g);
}

Test(auth_store, session_and_continue_time)
{
    grant_t g, r;
    grant_make(&g, GRANT_PENDING);
    char sh[AUTH_HASH_HEX_LEN + 1];
    auth_hash("session", sh);
    cr_assert_eq(grant_set_session(A, g.id, sh), GSTORE_OK);
    cr_assert_eq(grant_touch_continue(A, g.id, 1234), GSTORE_OK);
    cr_assert_eq(grant_get(A, g.id, &r), GSTORE_OK);
    cr_assert_str_eq(r.session_hash, sh);
    cr_assert_eq(r.last_continue_ms, 1234);
    cr_assert_eq(r.state, GRANT_PENDING);
    grant_release(&r);
    grant_release(&g);
}

/* A state the code does not know (a damaged row, or one written by a newer version) reads as
 * REVOKED: such a grant grants nothing, and its tokens read as revoked. */
Test(auth_store, unknown_state_reads_as_revoked)
{
    grant_t g;
    grant_make(&g, GRANT_APPROVED);
    char v[AUTH_TOKEN_LEN + 1], id[UUID_STR_LEN + 1];
    cr_assert_eq(token_issue(A, g.id, GRANT_APPROVED, v, id), GSTORE_OK);
    db_err_t e = {0};
    db_conn_t *c = db_acquire(db, DB_CONN_WRITE, &e);
    cr_assert_not_null(c, "%s", e.msg);
    db_stmt_t *st = db_prepare(c, "UPDATE auth_grants SET state = 'EXPIRED' WHERE id = ?", &e);
    cr_assert_not_null(st, "%s", e.msg);
    db_bind_str(st, 1, g.id);
    cr_assert_eq(db_run(st, &e), DB_OK, "%s", e.msg);
    db_release(c);
    cr_assert_eq(state_of(g.id), GRANT_REVOKED);
    token_row_t t;
    cr_assert_eq(token_get(A, v, &t), GSTORE_OK);
    cr_assert(t.revoked);
    grant_release(&g);
}
