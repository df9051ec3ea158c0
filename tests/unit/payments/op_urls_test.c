/* payments/op_urls.c without a database: resource URLs with and without a tenant's prefix, and
 * their parser. */
#include <criterion/criterion.h>

#include <string.h>

#include "payments/op_urls.h"

#define OP     "http://localhost:3000"
#define TENANT "0b4e3f2a-8c1d-4e5f-9a6b-7c8d9e0f1a2b"
#define ID     "01890a5d-ac96-774b-bcce-b302099a8057"

static int parse(const char *url, char tenant[PAY_TENANT_ID_LEN + 1], ledger_id_t *id)
{
    return pay_op_url_parse(OP, url, strlen(url), "incoming-payments", tenant, id);
}

Test(op_urls, build)
{
    char out[256];
    ledger_id_t id;
    cr_assert_eq(ledger_id_parse(ID, strlen(ID), &id), 0);
    cr_assert_eq(pay_op_url(OP, "", "incoming-payments", id, out, sizeof out), 0);
    cr_expect_str_eq(out, OP "/incoming-payments/" ID, "the operator's: unprefixed");
    cr_assert_eq(pay_op_url(OP, TENANT, "quotes", id, out, sizeof out), 0);
    cr_expect_str_eq(out, OP "/" TENANT "/quotes/" ID);
    cr_expect_eq(pay_op_url(OP, TENANT, "quotes", id, out, 40), -1, "does not fit");
    cr_assert_eq(pay_op_base(OP, "", out, sizeof out), 0);
    cr_expect_str_eq(out, OP);
    cr_assert_eq(pay_op_base(OP, TENANT, out, sizeof out), 0);
    cr_expect_str_eq(out, OP "/" TENANT);
    cr_expect_eq(pay_op_base(OP, TENANT, out, 10), -1);
}

Test(op_urls, parse)
{
    char tenant[PAY_TENANT_ID_LEN + 1];
    ledger_id_t id, want;
    char s[LEDGER_ID_STR_LEN + 1];
    cr_assert_eq(ledger_id_parse(ID, strlen(ID), &want), 0);
    cr_assert_eq(parse(OP "/incoming-payments/" ID, tenant, &id), 0);
    cr_expect_str_eq(tenant, "");
    cr_expect(ledger_id_eq(id, want));
    cr_assert_eq(parse(OP "/" TENANT "/incoming-payments/" ID, tenant, &id), 0);
    cr_expect_str_eq(tenant, TENANT);
    ledger_id_format(id, s);
    cr_expect_str_eq(s, ID);
    cr_assert_eq(
        parse(OP "/0B4E3F2A-8C1D-4E5F-9A6B-7C8D9E0F1A2B/incoming-payments/" ID, tenant, &id), 0);
    cr_expect_str_eq(tenant, TENANT, "the tenant in canonical form");
    const char *bad[] = {
        OP,
        OP "/incoming-payments/",
        OP "/incoming-payments/" ID "/",
        OP "/incoming-payments/" ID "x",
        OP "/quotes/" ID,
        OP "/" TENANT "/quotes/" ID,
        OP "/alice/incoming-payments/" ID,
        OP "/" TENANT "/" TENANT "/incoming-payments/" ID,
        OP "/" TENANT "incoming-payments/" ID,
        OP "//incoming-payments/" ID,
        "http://localhost:3001/incoming-payments/" ID,
        "http://localhost:30000/incoming-payments/" ID,
        "http://localhost:3000",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_expect_eq(parse(bad[i], tenant, &id), -1, "%s", bad[i]);
    cr_expect_eq(pay_op_url_parse(OP, OP "/incoming-payments/" ID, strlen(OP) + 5,
                                  "incoming-payments", tenant, &id),
                 -1, "only len bytes are read");
}
