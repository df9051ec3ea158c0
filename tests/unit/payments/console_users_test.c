/* src/payments/console_users.c on SQLite: console users (names, roles, passwords kept as scrypt
 * hashes, a taken name refused) and the console's sessions (found by their cookie only, over
 * after their idle time or their lifetime, each use moving the idle clock, ended on sign-out).
 * Through the pages and a browser: tests/interop/console.test.mjs. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "payments/console_users.h"

#include "payments_db.h"

static db_t *db;

static void setup(void)
{
    db = bk_open("sqlite:", "console_users");
}

static void teardown(void)
{
    db_close(db);
}

TestSuite(console_users, .init = setup, .fini = teardown, .timeout = 60);

Test(console_users, roles_parse)
{
    console_role_t r;
    cr_assert(console_role_parse("viewer", &r) && r == CONSOLE_VIEWER);
    cr_assert(console_role_parse("operator", &r) && r == CONSOLE_OPERATOR);
    cr_assert_not(console_role_parse("Operator", &r));
    cr_assert_not(console_role_parse("admin", &r));
    cr_assert_not(console_role_parse("", &r));
    cr_assert_not(console_role_parse(NULL, &r));
    cr_assert_str_eq(console_role_str(CONSOLE_VIEWER), "viewer");
    cr_assert_str_eq(console_role_str(CONSOLE_OPERATOR), "operator");
}

Test(console_users, create_and_check)
{
    console_user_t u, got;
    cr_assert_eq(console_user_create(db, "ops", CONSOLE_OPERATOR, "long enough", &u), CONSOLE_OK);
    cr_assert_str_eq(u.name, "ops");
    cr_assert_eq(console_user_check(db, "ops", "long enough", &got), CONSOLE_OK);
    cr_assert_str_eq(got.id, u.id);
    cr_assert_eq(got.role, CONSOLE_OPERATOR);
    cr_assert_eq(console_user_check(db, "ops", "long enougH", &got), CONSOLE_DENIED);
    cr_assert_eq(console_user_check(db, "nobody", "long enough", &got), CONSOLE_DENIED);
    cr_assert_eq(console_user_create(db, "ops", CONSOLE_VIEWER, "another one", &u),
                 CONSOLE_CONFLICT);
    cr_assert_eq(console_user_check(db, "ops", "another one", &got), CONSOLE_DENIED,
                 "the refused create changed nothing");
}

Test(console_users, create_refuses_bad_input)
{
    console_user_t u;
    cr_assert_eq(console_user_create(db, "", CONSOLE_VIEWER, "long enough", &u), CONSOLE_INVALID);
    cr_assert_eq(console_user_create(db, "a b", CONSOLE_VIEWER, "long enough", &u),
                 CONSOLE_INVALID);
    cr_assert_eq(console_user_create(db, "ok", CONSOLE_VIEWER, "short", &u), CONSOLE_INVALID);
    cr_assert_eq(console_user_create(db, "ok", (console_role_t)7, "long enough", &u),
                 CONSOLE_INVALID);
}

static const console_principal_t WHO = {.tenant_id = "6f1c8a0e-0000-4000-8000-000000000001",
                                        .user_name = "ops",
                                        .role = CONSOLE_VIEWER};

#define MIN_MS 60000

Test(console_users, session_round_trip)
{
    char cookie[CONSOLE_SESSION_LEN + 1], csrf[CONSOLE_CSRF_LEN + 1], csrf2[CONSOLE_CSRF_LEN + 1];
    cr_assert_eq(console_session_new(db, &WHO, 1000000, cookie, csrf), CONSOLE_OK);
    cr_assert_eq(strlen(cookie), CONSOLE_SESSION_LEN);
    cr_assert_str_neq(cookie, csrf);
    console_principal_t p;
    cr_assert_eq(console_session_get(db, cookie, 1000001, 480 * MIN_MS, 30 * MIN_MS, &p, csrf2),
                 CONSOLE_OK);
    cr_assert_str_eq(p.tenant_id, WHO.tenant_id);
    cr_assert_str_eq(p.user_name, "ops");
    cr_assert_eq(p.role, CONSOLE_VIEWER);
    cr_assert_str_eq(csrf2, csrf);
    char other[CONSOLE_SESSION_LEN + 1];
    memcpy(other, cookie, sizeof other);
    other[0] = other[0] == 'a' ? 'b' : 'a';
    cr_assert_eq(console_session_get(db, other, 1000001, 480 * MIN_MS, 30 * MIN_MS, &p, csrf2),
                 CONSOLE_NOT_FOUND);
    cr_assert_eq(console_session_get(db, "short", 1000001, 480 * MIN_MS, 30 * MIN_MS, &p, csrf2),
                 CONSOLE_NOT_FOUND);
    cr_assert_eq(console_session_end(db, cookie, 1000002, 480 * MIN_MS), CONSOLE_OK);
    cr_assert_eq(console_session_get(db, cookie, 1000003, 480 * MIN_MS, 30 * MIN_MS, &p, csrf2),
                 CONSOLE_NOT_FOUND, "signed out");
}

Test(console_users, session_idle_and_lifetime)
{
    char cookie[CONSOLE_SESSION_LEN + 1], csrf[CONSOLE_CSRF_LEN + 1];
    console_principal_t p;
    int64_t t0 = 10 * 480 * (int64_t)MIN_MS, max = 480 * MIN_MS, idle = 30 * MIN_MS;
    cr_assert_eq(console_session_new(db, &WHO, t0, cookie, csrf), CONSOLE_OK);
    /* used every 20 minutes: alive, each use moving the idle clock */
    int64_t t = t0;
    for (int i = 0; i < 10; i++) {
        t += 20 * MIN_MS;
        cr_assert_eq(console_session_get(db, cookie, t, max, idle, &p, csrf), CONSOLE_OK, "%d", i);
    }
    /* idle for 30 minutes: over */
    cr_assert_eq(console_session_get(db, cookie, t + idle, max, idle, &p, csrf), CONSOLE_NOT_FOUND);
    /* a session used all along still ends at its lifetime */
    char c2[CONSOLE_SESSION_LEN + 1];
    cr_assert_eq(console_session_new(db, &WHO, t0, c2, csrf), CONSOLE_OK);
    for (t = t0 + 20 * MIN_MS; t < t0 + max; t += 20 * MIN_MS)
        cr_assert_eq(console_session_get(db, c2, t, max, idle, &p, csrf), CONSOLE_OK);
    cr_assert_eq(console_session_get(db, c2, t0 + max, max, idle, &p, csrf), CONSOLE_NOT_FOUND);
}

static void audit(const char *tenant, const char *user, const char *action, int64_t at)
{
    console_audit_t e = {.at_ms = at};
    snprintf(e.who.tenant_id, sizeof e.who.tenant_id, "%s", tenant);
    snprintf(e.who.user_name, sizeof e.who.user_name, "%s", user);
    snprintf(e.action, sizeof e.action, "%s", action);
    snprintf(e.target, sizeof e.target, "t-%s", action);
    snprintf(e.request_id, sizeof e.request_id, "req-%s", action);
    cr_assert_eq(console_audit_add(db, &e), CONSOLE_OK);
}

Test(console_users, audit_newest_first_and_per_tenant)
{
    audit("op", "ops", "one", 1000);
    audit("tenant-a", "", "two", 2000);
    audit("op", "", "three", 3000);
    console_audit_t rows[4];
    size_t n = 0;
    cr_assert_eq(console_audit_list(db, NULL, rows, 4, &n), CONSOLE_OK);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(rows[0].action, "three");
    cr_assert_str_eq(rows[1].action, "two");
    cr_assert_str_eq(rows[2].action, "one");
    cr_assert_str_eq(rows[2].who.user_name, "ops");
    cr_assert_str_eq(rows[2].target, "t-one");
    cr_assert_str_eq(rows[2].request_id, "req-one");
    cr_assert_eq(rows[2].at_ms, 1000);
    cr_assert_eq(console_audit_list(db, "tenant-a", rows, 4, &n), CONSOLE_OK);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(rows[0].who.tenant_id, "tenant-a");
    cr_assert_eq(console_audit_list(db, NULL, rows, 2, &n), CONSOLE_OK);
    cr_assert_eq(n, 2, "at most cap");
    cr_assert_eq(console_audit_list(db, "nobody", rows, 4, &n), CONSOLE_OK);
    cr_assert_eq(n, 0);
}

/* ---- managing the users: the list, and changes that reach open sessions at once ---- */

Test(console_users, list_in_name_order_after_a_cursor)
{
    console_user_t u;
    const char *names[] = {"carol", "alice", "bob"};
    for (size_t i = 0; i < 3; i++)
        cr_assert_eq(console_user_create(db, names[i], CONSOLE_VIEWER, "long enough", &u),
                     CONSOLE_OK);
    console_user_row_t rows[4];
    size_t n = 0;
    cr_assert_eq(console_users_list(db, NULL, rows, 2, &n), CONSOLE_OK);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(rows[0].user.name, "alice");
    cr_assert_str_eq(rows[1].user.name, "bob");
    cr_assert_gt(rows[0].created_ms, 0);
    cr_assert_eq(console_users_list(db, "bob", rows, 4, &n), CONSOLE_OK);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(rows[0].user.name, "carol");
    console_user_row_t one;
    cr_assert_eq(console_user_get(db, "bob", &one), CONSOLE_OK);
    cr_assert_eq(one.user.role, CONSOLE_VIEWER);
    cr_assert_eq(console_user_get(db, "dave", &one), CONSOLE_NOT_FOUND);
}

Test(console_users, role_change_reaches_the_open_session)
{
    console_user_t u;
    cr_assert_eq(console_user_create(db, "ops", CONSOLE_VIEWER, "long enough", &u), CONSOLE_OK);
    char cookie[CONSOLE_SESSION_LEN + 1], csrf[CONSOLE_CSRF_LEN + 1];
    cr_assert_eq(console_session_new(db, &WHO, 1000000, cookie, csrf), CONSOLE_OK);
    cr_assert_eq(console_user_set_role(db, "ops", CONSOLE_OPERATOR), CONSOLE_OK);
    console_principal_t p;
    cr_assert_eq(console_session_get(db, cookie, 1000001, 3600000, MIN_MS, &p, csrf), CONSOLE_OK);
    cr_assert_eq(p.role, CONSOLE_OPERATOR);
    console_user_row_t one;
    cr_assert_eq(console_user_get(db, "ops", &one), CONSOLE_OK);
    cr_assert_eq(one.user.role, CONSOLE_OPERATOR);
    cr_assert_eq(console_user_set_role(db, "nobody", CONSOLE_OPERATOR), CONSOLE_NOT_FOUND);
    cr_assert_eq(console_user_set_role(db, "ops", (console_role_t)9), CONSOLE_INVALID);
}

Test(console_users, reset_and_delete_end_the_sessions)
{
    console_user_t u, got;
    cr_assert_eq(console_user_create(db, "ops", CONSOLE_VIEWER, "long enough", &u), CONSOLE_OK);
    char cookie[CONSOLE_SESSION_LEN + 1], csrf[CONSOLE_CSRF_LEN + 1];
    console_principal_t p;
    cr_assert_eq(console_session_new(db, &WHO, 1000000, cookie, csrf), CONSOLE_OK);
    cr_assert_eq(console_user_set_password(db, "ops", "short"), CONSOLE_INVALID);
    cr_assert_eq(console_user_set_password(db, "ops", "a new password"), CONSOLE_OK);
    cr_assert_eq(console_session_get(db, cookie, 1000001, 3600000, MIN_MS, &p, csrf),
                 CONSOLE_NOT_FOUND);
    cr_assert_eq(console_user_check(db, "ops", "long enough", &got), CONSOLE_DENIED);
    cr_assert_eq(console_user_check(db, "ops", "a new password", &got), CONSOLE_OK);
    cr_assert_eq(console_session_new(db, &WHO, 1000000, cookie, csrf), CONSOLE_OK);
    /* another principal's session (a tenant's secret) stays */
    console_principal_t other = WHO;
    other.user_name[0] = '\0';
    char cookie2[CONSOLE_SESSION_LEN + 1];
    cr_assert_eq(console_session_new(db, &other, 1000000, cookie2, csrf), CONSOLE_OK);
    cr_assert_eq(console_user_delete(db, "ops"), CONSOLE_OK);
    cr_assert_eq(console_session_get(db, cookie, 1000001, 3600000, MIN_MS, &p, csrf),
                 CONSOLE_NOT_FOUND);
    cr_assert_eq(console_session_get(db, cookie2, 1000001, 3600000, MIN_MS, &p, csrf), CONSOLE_OK);
    cr_assert_eq(console_user_check(db, "ops", "a new password", &got), CONSOLE_DENIED);
    cr_assert_eq(console_user_delete(db, "ops"), CONSOLE_NOT_FOUND);
}
