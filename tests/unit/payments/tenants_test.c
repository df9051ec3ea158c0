/* src/payments/tenants.c on SQLite: one setting's removal (pay_tenant_setting_delete, the
 * console's tenant page): the setting goes and the others stay, an unknown key or tenant and a
 * deleted tenant are refused. GraphQL's tenant operations: tests/interop/graphql_tenants.test.mjs;
 * the console's pages: tests/interop/console_tenants.test.mjs. */
#include <criterion/criterion.h>

#include <string.h>

#include "payments/tenants.h"

#include "payments_db.h"

static db_t *db;

static void setup(void)
{
    db = bk_open("sqlite:", "tenants");
}

static void teardown(void)
{
    db_close(db);
}

TestSuite(tenants, .init = setup, .fini = teardown, .timeout = 60);

static void make(pay_tenant_t *t)
{
    pay_tenant_input_t in = {.api_secret = "a secret", .public_name = "acme"};
    pay_tenant_setting_t s[1] = {{.key = "WEBHOOK_URL", .value = "https://hooks.example/acme"}};
    cr_assert_eq(pay_tenant_create(db, &in, s, 1, "test.x", t), PAY_TENANT_OK);
}

static bool has(const char *id, const char *key)
{
    char v[PAY_TENANT_TEXT_MAX + 1];
    return pay_tenant_setting(db, id, key, v, sizeof v) == PAY_TENANT_OK;
}

Test(tenants, one_setting_deleted_the_others_stay)
{
    pay_tenant_t t;
    make(&t);
    cr_assert(has(t.id, "WEBHOOK_URL"));
    cr_assert(has(t.id, "ILP_ADDRESS"));
    cr_assert_eq(pay_tenant_setting_delete(db, t.id, "WEBHOOK_URL"), PAY_TENANT_OK);
    cr_assert_not(has(t.id, "WEBHOOK_URL"));
    cr_assert(has(t.id, "ILP_ADDRESS"), "the other settings stay");
    cr_assert_eq(pay_tenant_setting_delete(db, t.id, "WEBHOOK_URL"), PAY_TENANT_NOT_FOUND,
                 "already gone");
    cr_assert_eq(pay_tenant_setting_delete(db, t.id, "NOT_A_KEY"), PAY_TENANT_INVALID_SETTING);
    cr_assert_eq(pay_tenant_setting_delete(db, "not-a-uuid", "ILP_ADDRESS"), PAY_TENANT_NOT_FOUND);
    cr_assert_eq(
        pay_tenant_setting_delete(db, "6f1c8a0e-0000-4000-8000-000000000009", "ILP_ADDRESS"),
        PAY_TENANT_NOT_FOUND);
    cr_assert_eq(pay_tenant_delete(db, t.id, 1000), PAY_TENANT_OK);
    cr_assert_eq(pay_tenant_setting_delete(db, t.id, "ILP_ADDRESS"), PAY_TENANT_NOT_FOUND,
                 "a deleted tenant has no settings to remove");
}
