/*
 * Test bodies for src/auth/auth_grants.c shared by the SQLite unit tests
 * (tests/unit/auth/auth_grants_test.c) and the Postgres integration tests
 * (tests/integration/auth_grants_pg_test.c): Rafiki's reading of our grant states, in C and in
 * the SQL filters; keyset pages in both orders and directions with their page info; the
 * identifier filter; revocation and its tokens; a grant's subject rows; grants of tenants.
 */
#ifndef RAFIKI_TESTS_AUTH_GRANTS_CASES_H
#define RAFIKI_TESTS_AUTH_GRANTS_CASES_H

#include <criterion/criterion.h>

#include <string.h>

#include "auth/auth_grants.h"
#include "auth/auth_internal.h"
#include "base/clock.h"
#include "payments/tenants.h"

#include "../payments/payments_db.h"

typedef struct {
    db_t *db;
    auth_t *a;
} agc_env_t;

static agc_env_t agc_open(const char *base, const char *name)
{
    agc_env_t e;
    e.db = bk_open(base, name);
    auth_config_t cfg = {.db = e.db, .auth_url = "http://auth.test", .token_expiry_s = 60};
    e.a = auth_new(&cfg);
    return e;
}

static void agc_close(agc_env_t *e)
{
    auth_free(e->a);
    db_close(e->db);
}

/* A grant in `state`, interactive or not, created at created_ms, with access items on the
 * identifiers given (NULL-terminated; an incoming-payment list without identifier when none). */
static void agc_grant(agc_env_t *e, grant_state_t state, bool interactive, int64_t created_ms,
                      const char *const *identifiers, char id[UUID_STR_LEN + 1])
{
    grant_t g;
    memset(&g, 0, sizeof g);
    uuid_v7(g.id);
    g.state = state;
    snprintf(g.client, sizeof g.client, "https://wallet.test/client");
    g.access = json_array();
    for (size_t i = 0; identifiers && identifiers[i]; i++)
        json_array_append_new(g.access,
                              json_pack("{s:s,s:[s,s],s:s,s:{s:{s:s,s:s,s:i},s:s}}", "type",
                                        "outgoing-payment", "actions", "create", "read",
                                        "identifier", identifiers[i], "limits", "debitAmount",
                                        "value", "500", "assetCode", "USD", "assetScale", 2,
                                        "interval", "R/2026-01-01T00:00:00Z/P1M"));
    if (json_array_size(g.access) == 0)
        json_array_append_new(
            g.access, json_pack("{s:s,s:[s]}", "type", "incoming-payment", "actions", "list"));
    auth_hash("continue", g.continue_hash);
    if (interactive) {
        uuid_v4(g.interact_id);
        snprintf(g.interact_nonce, sizeof g.interact_nonce, "0123456789ABCDEF");
        g.interaction_expires_ms = clock_wall_ms() + 60000;
    }
    g.created_ms = g.last_continue_ms = created_ms;
    cr_assert_eq(grant_insert(e->a, &g), GSTORE_OK);
    memcpy(id, g.id, UUID_STR_LEN + 1);
    grant_release(&g);
}

static auth_grants_list_t agc_list(agc_env_t *e, const auth_grants_filter_t *f,
                                   const auth_grants_page_t *p)
{
    auth_grants_list_t l;
    auth_grants_err_t err = {{0}};
    auth_grants_result_t r = auth_grants_list(e->a, f, p, &l, &err);
    cr_assert_eq(r, AUTH_GRANTS_OK, "%s: %s", auth_grants_result_str(r), err.msg);
    return l;
}

/* The ids of a page, joined by spaces, with "<" / ">" for has_prev / has_next. */
static void agc_ids(const auth_grants_list_t *l, char (*names)[UUID_STR_LEN + 1], size_t n_names,
                    char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    len += (size_t)snprintf(out + len, cap - len, "%s", l->has_prev ? "<" : "");
    for (size_t i = 0; i < l->n; i++) {
        size_t k = 0;
        while (k < n_names && strcmp(names[k], l->rows[i].id) != 0)
            k++;
        cr_assert_lt(k, n_names, "an id not made by the case: %s", l->rows[i].id);
        len += (size_t)snprintf(out + len, cap - len, "%s%zu", i ? " " : "", k);
    }
    snprintf(out + len, cap - len, "%s", l->has_next ? ">" : "");
}

#define AGC_EXPECT_PAGE(e, f, p, names, want)                                                      \
    do {                                                                                           \
        auth_grants_list_t l_ = agc_list(e, f, p);                                                 \
        char got_[256];                                                                            \
        agc_ids(&l_, names, sizeof(names) / sizeof(names)[0], got_, sizeof got_);                  \
        cr_expect_str_eq(got_, want);                                                              \
        auth_grants_list_release(&l_);                                                             \
    } while (0)

/* Every state of ours reads as Rafiki's, and each filter selects by that reading. */
static void agc_case_states(const char *base)
{
    agc_env_t e = agc_open(base, "agc_states");
    static const struct {
        grant_state_t state;
        bool interactive;
        auth_grant_state_t want;
        auth_grant_reason_t reason;
    } T[] = {
        {GRANT_PENDING, true, AUTH_GRANT_PENDING, AUTH_GRANT_NO_REASON},
        {GRANT_APPROVED, true, AUTH_GRANT_APPROVED, AUTH_GRANT_NO_REASON},
        {GRANT_APPROVED, false, AUTH_GRANT_APPROVED, AUTH_GRANT_NO_REASON},
        {GRANT_FINALIZED, true, AUTH_GRANT_FINALIZED, AUTH_GRANT_ISSUED},
        {GRANT_FINALIZED, false, AUTH_GRANT_APPROVED, AUTH_GRANT_NO_REASON},
        {GRANT_DENIED, true, AUTH_GRANT_FINALIZED, AUTH_GRANT_REJECTED},
        {GRANT_REVOKED, true, AUTH_GRANT_FINALIZED, AUTH_GRANT_REVOKED},
        {GRANT_REVOKED, false, AUTH_GRANT_FINALIZED, AUTH_GRANT_REVOKED},
    };
    enum { N = sizeof T / sizeof T[0] };
    char ids[N][UUID_STR_LEN + 1];
    for (size_t i = 0; i < N; i++) {
        agc_grant(&e, T[i].state, T[i].interactive, 1000 + (int64_t)i, NULL, ids[i]);
        auth_grant_view_t v;
        cr_assert_eq(auth_grants_get(e.a, ids[i], &v), AUTH_GRANTS_OK);
        cr_expect_eq(v.state, T[i].want, "case %zu: %s", i, auth_grant_state_str(v.state));
        cr_expect_eq(v.reason, T[i].reason, "case %zu", i);
        auth_grant_view_release(&v);
    }
    auth_grants_page_t p = {.asc = true, .limit = 100};
    for (uint32_t bit = 0; bit < AUTH_GRANT_REASON_COUNT + AUTH_GRANT_STATE_COUNT; bit++) {
        bool is_state = bit < AUTH_GRANT_STATE_COUNT;
        uint32_t v = is_state ? bit : bit - AUTH_GRANT_STATE_COUNT;
        if (!is_state && v == AUTH_GRANT_NO_REASON)
            continue;
        for (int negate = 0; negate < 2; negate++) {
            auth_grants_filter_t f = {0};
            uint32_t *mask = is_state ? (negate ? &f.state_not_in : &f.state_in)
                                      : (negate ? &f.reason_not_in : &f.reason_in);
            *mask = 1u << v;
            char want[256] = "", got[256];
            size_t len = 0;
            for (size_t i = 0; i < N; i++) {
                bool hit = is_state ? T[i].want == v : T[i].reason == v;
                if (hit != (bool)negate)
                    len +=
                        (size_t)snprintf(want + len, sizeof want - len, "%s%zu", len ? " " : "", i);
            }
            auth_grants_list_t l = agc_list(&e, &f, &p);
            agc_ids(&l, ids, N, got, sizeof got);
            cr_expect_str_eq(got, want, "%s %s%s", is_state ? "state" : "reason",
                             negate ? "notIn " : "in ",
                             is_state ? auth_grant_state_str(v) : auth_grant_reason_str(v));
            auth_grants_list_release(&l);
        }
    }
    /* several values and parts at once: FINALIZED but not REVOKED, or PENDING */
    auth_grants_filter_t f = {
        .state_in = 1u << AUTH_GRANT_FINALIZED | 1u << AUTH_GRANT_PENDING,
        .reason_not_in = 1u << AUTH_GRANT_REVOKED,
    };
    AGC_EXPECT_PAGE(&e, &f, &p, ids, "0 3 5");
    agc_close(&e);
}

/* Pages in both orders and directions, Rafiki's page info, ties on the creation time broken by
 * id, an unknown cursor. */
static void agc_case_pages(const char *base)
{
    agc_env_t e = agc_open(base, "agc_pages");
    char ids[5][UUID_STR_LEN + 1];
    /* 0 and 1 share a time: the smaller id is called 0 */
    static const int64_t at[5] = {5000, 5000, 6000, 7000, 8000};
    for (int i = 0; i < 5; i++)
        agc_grant(&e, GRANT_FINALIZED, true, at[i], NULL, ids[i]);
    if (strcmp(ids[0], ids[1]) > 0) {
        char t[UUID_STR_LEN + 1];
        memcpy(t, ids[0], sizeof t);
        memcpy(ids[0], ids[1], sizeof t);
        memcpy(ids[1], t, sizeof t);
    }
    auth_grants_filter_t f = {0};
    auth_grants_page_t p = {.limit = 2};
    AGC_EXPECT_PAGE(&e, &f, &p, ids, "4 3>"); /* DESC by default */
    p.cursor = ids[3];
    AGC_EXPECT_PAGE(&e, &f, &p, ids, "<2 1>");
    p.cursor = ids[1];
    AGC_EXPECT_PAGE(&e, &f, &p, ids, "<0");
    p.asc = true, p.cursor = NULL;
    AGC_EXPECT_PAGE(&e, &f, &p, ids, "0 1>");
    p.cursor = ids[1], p.limit = 3;
    AGC_EXPECT_PAGE(&e, &f, &p, ids, "<2 3 4");
    p.backward = true, p.cursor = ids[4], p.limit = 2;
    AGC_EXPECT_PAGE(&e, &f, &p, ids, "<2 3>");
    p.cursor = ids[1];
    AGC_EXPECT_PAGE(&e, &f, &p, ids, "0>");
    p.asc = false, p.cursor = ids[1];
    AGC_EXPECT_PAGE(&e, &f, &p, ids, "<3 2>");
    p.cursor = ids[4];
    AGC_EXPECT_PAGE(&e, &f, &p, ids, "");
    p.backward = false, p.cursor = "00000000-0000-4000-8000-000000000000";
    AGC_EXPECT_PAGE(&e, &f, &p, ids, "");
    p.limit = 100, p.cursor = NULL;
    AGC_EXPECT_PAGE(&e, &f, &p, ids, "4 3 2 1 0");

    auth_grants_list_t l;
    auth_grants_err_t err = {{0}};
    p.limit = 0;
    cr_expect_eq(auth_grants_list(e.a, &f, &p, &l, &err), AUTH_GRANTS_INVALID);
    cr_expect_str_eq(err.msg, "Pagination index error");
    p.limit = AUTH_GRANTS_PAGE_MAX + 1;
    cr_expect_eq(auth_grants_list(e.a, &f, &p, &l, &err), AUTH_GRANTS_INVALID);
    p.limit = 1, p.backward = true;
    cr_expect_eq(auth_grants_list(e.a, &f, &p, &l, &err), AUTH_GRANTS_INVALID);
    cr_expect_str_eq(err.msg, "Can't paginate backwards from the start.");
    agc_close(&e);
}

/* identifier.in: grants with an access item on one of the identifiers, with all their items;
 * combined with a state filter and with pages. */
static void agc_case_identifiers(const char *base)
{
    agc_env_t e = agc_open(base, "agc_identifiers");
    static const char *const alice[] = {"https://wallet.test/alice", NULL};
    static const char *const bob[] = {"https://wallet.test/bob", NULL};
    static const char *const both[] = {"https://wallet.test/bob", "https://wallet.test/alice",
                                       "https://wallet.test/alice", NULL};
    char ids[5][UUID_STR_LEN + 1];
    agc_grant(&e, GRANT_FINALIZED, true, 100, alice, ids[0]);
    agc_grant(&e, GRANT_FINALIZED, true, 200, bob, ids[1]);
    agc_grant(&e, GRANT_REVOKED, true, 300, both, ids[2]);
    agc_grant(&e, GRANT_FINALIZED, false, 400, NULL, ids[3]);
    agc_grant(&e, GRANT_PENDING, true, 500, alice, ids[4]);
    auth_grants_page_t p = {.asc = true, .limit = 10};
    const char *want_alice[] = {"https://wallet.test/alice"};
    auth_grants_filter_t f = {.identifiers = want_alice, .n_identifiers = 1};
    AGC_EXPECT_PAGE(&e, &f, &p, ids, "0 2 4");
    const char *want_two[] = {"https://wallet.test/bob", "https://wallet.test/carol"};
    f.identifiers = want_two, f.n_identifiers = 2;
    AGC_EXPECT_PAGE(&e, &f, &p, ids, "1 2");
    f.identifiers = want_alice, f.n_identifiers = 1;
    f.reason_not_in = 1u << AUTH_GRANT_REVOKED;
    AGC_EXPECT_PAGE(&e, &f, &p, ids, "0 4");
    f.reason_not_in = 0;
    p.limit = 1, p.cursor = ids[0];
    AGC_EXPECT_PAGE(&e, &f, &p, ids, "<2>");

    auth_grant_view_t v;
    cr_assert_eq(auth_grants_get(e.a, ids[2], &v), AUTH_GRANTS_OK);
    cr_expect_eq(json_array_size(v.access), 3, "every item, not only the matching ones");
    cr_expect_str_eq(v.client, "https://wallet.test/client");
    json_t *lim = json_object_get(json_array_get(v.access, 0), "limits");
    cr_expect_str_eq(
        json_string_value(json_object_get(json_object_get(lim, "debitAmount"), "value")), "500");
    cr_expect_eq(v.created_ms, 300);
    auth_grant_view_release(&v);
    cr_expect_eq(auth_grants_get(e.a, "00000000-0000-4000-8000-000000000000", &v),
                 AUTH_GRANTS_NOT_FOUND);

    const char *many[AUTH_GRANTS_FILTER_MAX + 1];
    for (size_t i = 0; i <= AUTH_GRANTS_FILTER_MAX; i++)
        many[i] = "https://wallet.test/x";
    f.identifiers = many, f.n_identifiers = AUTH_GRANTS_FILTER_MAX + 1;
    auth_grants_list_t l;
    auth_grants_err_t err = {{0}};
    cr_expect_eq(auth_grants_list(e.a, &f, &p, &l, &err), AUTH_GRANTS_INVALID);
    agc_close(&e);
}

/* Revoking finalizes the grant as REVOKED and its tokens read revoked; twice is fine; an
 * unknown grant is NOT_FOUND; a revoked pending grant can no longer be accepted. */
static void agc_case_revoke(const char *base)
{
    agc_env_t e = agc_open(base, "agc_revoke");
    char g1[UUID_STR_LEN + 1], g2[UUID_STR_LEN + 1], g3[UUID_STR_LEN + 1];
    agc_grant(&e, GRANT_APPROVED, false, clock_wall_ms(), NULL, g1);
    agc_grant(&e, GRANT_PENDING, true, clock_wall_ms(), NULL, g2);
    agc_grant(&e, GRANT_APPROVED, false, clock_wall_ms(), NULL, g3);
    char v1[AUTH_TOKEN_LEN + 1], t1[UUID_STR_LEN + 1], v3[AUTH_TOKEN_LEN + 1], t3[UUID_STR_LEN + 1];
    cr_assert_eq(token_issue(e.a, g1, GRANT_APPROVED, v1, t1), GSTORE_OK);
    cr_assert_eq(token_issue(e.a, g3, GRANT_APPROVED, v3, t3), GSTORE_OK);
    char v1b[AUTH_TOKEN_LEN + 1], t1b[UUID_STR_LEN + 1];
    cr_assert_eq(token_issue(e.a, g1, GRANT_FINALIZED, v1b, t1b), GSTORE_OK);

    cr_assert_eq(auth_grants_revoke(e.a, g1), AUTH_GRANTS_OK);
    token_row_t row;
    cr_assert_eq(token_get(e.a, v1, &row), GSTORE_OK);
    cr_expect(row.revoked);
    cr_assert_eq(token_get(e.a, v1b, &row), GSTORE_OK);
    cr_expect(row.revoked, "every token of the grant");
    cr_assert_eq(token_get(e.a, v3, &row), GSTORE_OK);
    cr_expect_not(row.revoked, "another grant's token stays");
    auth_grant_view_t v;
    cr_assert_eq(auth_grants_get(e.a, g1, &v), AUTH_GRANTS_OK);
    cr_expect_eq(v.state, AUTH_GRANT_FINALIZED);
    cr_expect_eq(v.reason, AUTH_GRANT_REVOKED);
    auth_grant_view_release(&v);
    cr_expect_eq(auth_grants_revoke(e.a, g1), AUTH_GRANTS_OK, "twice");

    cr_expect_eq(auth_grants_revoke(e.a, g2), AUTH_GRANTS_OK);
    cr_expect_eq(grant_transition(e.a, g2, GRANT_PENDING, GRANT_APPROVED, "ref", "alice"),
                 GSTORE_NOT_FOUND);
    cr_expect_eq(auth_grants_revoke(e.a, "00000000-0000-4000-8000-000000000000"),
                 AUTH_GRANTS_NOT_FOUND);
    cr_expect_eq(auth_grants_revoke(e.a, "not a uuid"), AUTH_GRANTS_NOT_FOUND);
    agc_close(&e);
}

/* sql/063 copies the identifiers of the grants made before it: a database migrated up to 055,
 * grants written as that schema had them, then the rest of the migrations. */
static void agc_case_backfill(const char *base)
{
    char url[1024], all[512], old[600];
    bk_url(base, "agc_backfill", url, sizeof url);
    cr_assert_eq(db_sql_dir(all, sizeof all), 0);
    snprintf(old, sizeof old, "%s/sql-before-063", dbc_tmpdir());
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "mkdir -p %s && for f in %s/0[0-5]*.sql; do cp \"$f\" %s/; done", old,
             all, old);
    cr_assert_eq(system(cmd), 0);
    db_err_t err = {0};
    db_opts_t opts = {.pool_size = 2};
    db_t *db = db_open_opts(url, &opts, &err);
    cr_assert_not_null(db, "%s", err.msg);
    cr_assert_eq(db_migrate(db, old, NULL, &err), DB_OK, "%s", err.msg);
    db_conn_t *c = dbc_conn(db, DB_CONN_WRITE);
    cr_assert_eq(db_exec(c,
                         "INSERT INTO auth_grants (id, state, client, access, continue_hash, "
                         "last_continue_ms, created_ms, updated_ms) VALUES "
                         "('g1', 'FINALIZED', 'c', '[{\"type\":\"outgoing-payment\",\"actions\":"
                         "[\"create\"],\"identifier\":\"https://w.test/alice\"},"
                         "{\"type\":\"quote\",\"actions\":[\"create\"],\"identifier\":"
                         "\"https://w.test/alice\"}, 7]', 'h', 1, 1, 1), "
                         "('g2', 'FINALIZED', 'c', '[{\"type\":\"incoming-payment\",\"actions\":"
                         "[\"list\"]}, {\"identifier\": 5}]', 'h', 2, 2, 2)",
                         &err),
                 DB_OK, "%s", err.msg);
    db_release(c);
    cr_assert_eq(db_migrate(db, all, NULL, &err), DB_OK, "%s", err.msg);
    auth_config_t cfg = {.db = db, .auth_url = "http://auth.test", .token_expiry_s = 60};
    agc_env_t e = {db, auth_new(&cfg)};
    char ids[2][UUID_STR_LEN + 1] = {"g1", "g2"};
    const char *alice[] = {"https://w.test/alice"};
    auth_grants_filter_t f = {.identifiers = alice, .n_identifiers = 1};
    auth_grants_page_t p = {.limit = 10};
    AGC_EXPECT_PAGE(&e, &f, &p, ids, "0");
    f.n_identifiers = 0;
    AGC_EXPECT_PAGE(&e, &f, &p, ids, "1 0");
    agc_close(&e);
}

/* A subject grant's rows (sql/069): written with the grant, read back in order by grant(id)
 * (auth_grants_get) and by the continuation (grant_subjects_get); a list reads none. */
static void agc_case_subjects(const char *base)
{
    agc_env_t e = agc_open(base, "agc_subjects");
    grant_t g;
    memset(&g, 0, sizeof g);
    uuid_v7(g.id);
    g.state = GRANT_PENDING;
    snprintf(g.client, sizeof g.client, "https://wallet.test/client");
    g.access = json_array();
    json_t *req =
        json_pack("{s:[{s:s,s:s}]}", "sub_ids", "id", "https://wallet.test/alice", "format", "uri");
    auth_err_t why = {.msg = ""};
    cr_assert_eq(subject_parse(req, &g, &why), AUTH_OK, "%s", why.msg);
    json_decref(req);
    auth_hash("continue", g.continue_hash);
    uuid_v4(g.interact_id);
    snprintf(g.interact_nonce, sizeof g.interact_nonce, "0123456789ABCDEF");
    g.created_ms = g.last_continue_ms = clock_wall_ms();
    g.interaction_expires_ms = g.created_ms + 60000;
    cr_assert_eq(grant_insert(e.a, &g), GSTORE_OK);
    char plain[UUID_STR_LEN + 1];
    agc_grant(&e, GRANT_PENDING, true, g.created_ms + 1, NULL, plain);

    auth_subject_t s[AUTH_SUBJECTS_MAX];
    size_t n = 9;
    cr_assert_eq(grant_subjects_get(e.a, g.id, s, AUTH_SUBJECTS_MAX, &n), GSTORE_OK);
    cr_assert_eq(n, 1);
    cr_expect_str_eq(s[0].id, g.subjects[0].id);
    cr_expect_str_eq(s[0].sub_id, "https://wallet.test/alice");
    cr_expect_str_eq(s[0].format, "uri");
    cr_expect_eq(s[0].created_ms, g.created_ms);
    cr_assert_eq(grant_subjects_get(e.a, plain, s, AUTH_SUBJECTS_MAX, &n), GSTORE_OK);
    cr_expect_eq(n, 0, "a grant without a subject has none");

    auth_grant_view_t v;
    cr_assert_eq(auth_grants_get(e.a, g.id, &v), AUTH_GRANTS_OK);
    cr_assert_eq(v.n_subjects, 1);
    cr_expect_str_eq(v.subjects[0].sub_id, "https://wallet.test/alice");
    cr_expect_eq(json_array_size(v.access), 0, "a grant of its subject alone");
    auth_grant_view_release(&v);
    auth_grants_list_t l =
        agc_list(&e, &(auth_grants_filter_t){0}, &(auth_grants_page_t){.limit = 10});
    cr_assert_eq(l.n, 2);
    cr_expect_eq(l.rows[0].n_subjects + l.rows[1].n_subjects, 0, "lists join no subjects");
    auth_grants_list_release(&l);
    grant_release(&g);
    agc_close(&e);
}

/* A grant of tenant (NULL: {auth_url}/, the operator's) created at created_ms. */
static void agc_tenant_grant(agc_env_t *e, const char *tenant, int64_t created_ms,
                             char id[UUID_STR_LEN + 1])
{
    grant_t g;
    memset(&g, 0, sizeof g);
    uuid_v7(g.id);
    g.state = GRANT_APPROVED;
    snprintf(g.tenant_id, sizeof g.tenant_id, "%s", tenant ? tenant : "");
    snprintf(g.client, sizeof g.client, "https://wallet.test/client");
    g.access = json_pack("[{s:s,s:[s]}]", "type", "incoming-payment", "actions", "list");
    auth_hash("continue", g.continue_hash);
    g.created_ms = g.last_continue_ms = created_ms;
    cr_assert_eq(grant_insert(e->a, &g), GSTORE_OK);
    memcpy(id, g.id, UUID_STR_LEN + 1);
    grant_release(&g);
}

static void agc_tenant_make(db_t *db, const char *idp_url, const char *idp_secret,
                            char out[PAY_TENANT_ID_LEN + 1])
{
    pay_tenant_input_t in = {
        .api_secret = "api-secret", .idp_consent_url = idp_url, .idp_secret = idp_secret};
    pay_tenant_t t;
    cr_assert_eq(pay_tenant_create(db, &in, NULL, 0, "test.agc", &t), PAY_TENANT_OK);
    memcpy(out, t.id, PAY_TENANT_ID_LEN + 1);
}

/* Grants of tenants (sql/073): each records its tenant, the tenant filter selects one tenant's
 * (the operator's with its grants of {auth_url}/), and grant_idp gives each grant its tenant's
 * consent URL and IdP secret, the operator's grants this server's. */
static void agc_case_tenants(const char *base)
{
    agc_env_t e = agc_open(base, "agc_tenants");
    auth_free(e.a);
    auth_config_t cfg = {.db = e.db,
                         .auth_url = "http://auth.test",
                         .idp_secret = "op-idp",
                         .consent_url = "https://idp.operator.test/consent"};
    e.a = auth_new(&cfg);
    char op[PAY_TENANT_ID_LEN + 1], ta[PAY_TENANT_ID_LEN + 1], tb[PAY_TENANT_ID_LEN + 1],
        gone[PAY_TENANT_ID_LEN + 1];
    cr_assert_eq(pay_tenant_bootstrap(e.db, NULL, "admin-secret", op), PAY_TENANT_OK);
    agc_tenant_make(e.db, "https://idp.a.test/consent?x=1", "a-idp", ta);
    agc_tenant_make(e.db, NULL, NULL, tb);
    agc_tenant_make(e.db, "https://idp.gone.test/", "gone-idp", gone);
    cr_assert_eq(pay_tenant_delete(e.db, gone, clock_wall_ms()), PAY_TENANT_OK);

    char names[6][UUID_STR_LEN + 1]; /* 0 of {auth_url}/, 1 of /{operator}, 2 3 A, 4 B, 5 gone */
    agc_tenant_grant(&e, NULL, 1000, names[0]);
    agc_tenant_grant(&e, op, 1001, names[1]);
    agc_tenant_grant(&e, ta, 1002, names[2]);
    agc_tenant_grant(&e, ta, 1003, names[3]);
    agc_tenant_grant(&e, tb, 1004, names[4]);
    agc_tenant_grant(&e, gone, 1005, names[5]);
    auth_grants_page_t p = {.asc = true, .limit = 100};
    AGC_EXPECT_PAGE(&e, &(auth_grants_filter_t){0}, &p, names, "0 1 2 3 4 5");
    AGC_EXPECT_PAGE(&e, &(auth_grants_filter_t){.tenant_id = ta}, &p, names, "2 3");
    AGC_EXPECT_PAGE(&e, &(auth_grants_filter_t){.tenant_id = tb}, &p, names, "4");
    auth_grants_filter_t own = {.tenant_id = op, .tenant_operator = true};
    AGC_EXPECT_PAGE(&e, &own, &p, names, "0 1");
    AGC_EXPECT_PAGE(&e, &(auth_grants_filter_t){.tenant_id = ""}, &p, names, "");
    auth_grants_page_t two = {.asc = true, .limit = 1};
    AGC_EXPECT_PAGE(&e, &(auth_grants_filter_t){.tenant_id = ta}, &two, names, "2>");

    auth_grant_view_t v;
    cr_assert_eq(auth_grants_get(e.a, names[3], &v), AUTH_GRANTS_OK);
    cr_expect_str_eq(v.tenant_id, ta);
    auth_grant_view_release(&v);
    cr_assert_eq(auth_grants_get(e.a, names[0], &v), AUTH_GRANTS_OK);
    cr_expect_str_eq(v.tenant_id, "", "a grant of {auth_url}/ has no tenant");
    auth_grant_view_release(&v);

    grant_idp_t idp;
    cr_assert_eq(grant_idp(e.a, "", &idp), GSTORE_OK);
    cr_expect_str_eq(idp.consent_url, "https://idp.operator.test/consent");
    cr_expect_str_eq(idp.idp_secret, "op-idp");
    cr_assert_eq(grant_idp(e.a, op, &idp), GSTORE_OK);
    cr_expect_str_eq(idp.idp_secret, "op-idp", "the operator tenant keeps IDP_SECRET");
    cr_assert_eq(grant_idp(e.a, ta, &idp), GSTORE_OK);
    cr_expect_str_eq(idp.consent_url, "https://idp.a.test/consent?x=1");
    cr_expect_str_eq(idp.idp_secret, "a-idp");
    cr_assert_eq(grant_idp(e.a, tb, &idp), GSTORE_OK);
    cr_expect_str_eq(idp.consent_url, "http://auth.test/consent", "the built-in screens");
    cr_expect_str_eq(idp.idp_secret, "", "no secret opens B's interactions");
    cr_expect_eq(grant_idp(e.a, gone, &idp), GSTORE_NOT_FOUND);
    cr_expect_eq(tenant_live(e.a, ta), GSTORE_OK);
    cr_expect_eq(tenant_live(e.a, op), GSTORE_OK);
    cr_expect_eq(tenant_live(e.a, gone), GSTORE_NOT_FOUND);
    cr_expect_eq(tenant_live(e.a, "0190f6a0-0000-7000-8000-000000000009"), GSTORE_NOT_FOUND);
    cr_expect_eq(tenant_live(e.a, "consent"), GSTORE_NOT_FOUND);
    agc_close(&e);
}

#define AUTH_GRANTS_CASES(suite, base_expr, skip_stmt)                                             \
    Test(suite, tenants)                                                                           \
    {                                                                                              \
        skip_stmt;                                                                                 \
        agc_case_tenants(base_expr);                                                               \
    }                                                                                              \
    Test(suite, states_read_as_rafiki)                                                             \
    {                                                                                              \
        skip_stmt;                                                                                 \
        agc_case_states(base_expr);                                                                \
    }                                                                                              \
    Test(suite, pages)                                                                             \
    {                                                                                              \
        skip_stmt;                                                                                 \
        agc_case_pages(base_expr);                                                                 \
    }                                                                                              \
    Test(suite, identifier_filter)                                                                 \
    {                                                                                              \
        skip_stmt;                                                                                 \
        agc_case_identifiers(base_expr);                                                           \
    }                                                                                              \
    Test(suite, revoke)                                                                            \
    {                                                                                              \
        skip_stmt;                                                                                 \
        agc_case_revoke(base_expr);                                                                \
    }                                                                                              \
    Test(suite, migration_copies_identifiers)                                                      \
    {                                                                                              \
        skip_stmt;                                                                                 \
        agc_case_backfill(base_expr);                                                              \
    }                                                                                              \
    Test(suite, subjects)                                                                          \
    {                                                                                              \
        skip_stmt;                                                                                 \
        agc_case_subjects(base_expr);                                                              \
    }

#endif
