/* src/admin/admin_audit.c's GraphQL rows on SQLite: the mutation field's name, its id
 * arguments (top level and in input) as the detail with the first as the target, else the id of
 * what it returned; never another argument (a secret, an amount). REST rows and the whole path:
 * tests/interop/console_audit.test.mjs. */
#include <criterion/criterion.h>

#include <string.h>

#include "admin/admin_audit.h"

#include "../payments/payments_db.h"

static db_t *db;
static audit_queue_t *q;

static void setup(void)
{
    db = bk_open("sqlite:", "admin_audit");
    q = audit_queue_new(db);
}

static void teardown(void)
{
    audit_queue_free(q);
    db_close(db);
}

TestSuite(admin_audit, .init = setup, .fini = teardown, .timeout = 60);

/* The newest row after a flush. */
static console_audit_t newest(void)
{
    audit_queue_flush(q);
    console_audit_t out[4];
    size_t n = 0;
    cr_assert_eq(console_audit_list(db, NULL, out, 4, &n), CONSOLE_OK);
    cr_assert_geq(n, 1);
    return out[0];
}

Test(admin_audit, id_arguments_name_the_target)
{
    json_t *args =
        json_pack("{s:{s:s,s:s,s:s,s:s}}", "input", "walletAddressId", "wa-1", "incomingPaymentId",
                  "ip-1", "idempotencyKey", "k-1", "apiSecret", "sekrit");
    json_t *res = json_pack("{s:{s:s}}", "payment", "id", "op-9");
    admin_audit_gql(q, "tenant-a", "req-1", "createOutgoingPaymentFromIncomingPayment", args, res);
    console_audit_t e = newest();
    cr_assert_str_eq(e.channel, "graphql");
    cr_assert_str_eq(e.action, "createOutgoingPaymentFromIncomingPayment");
    cr_assert_str_eq(e.who.tenant_id, "tenant-a");
    cr_assert_str_eq(e.request_id, "req-1");
    cr_assert_str_eq(e.target, "wa-1");
    cr_assert_str_eq(e.detail, "walletAddressId=wa-1, incomingPaymentId=ip-1");
    cr_assert_null(strstr(e.detail, "sekrit"));
    cr_assert_null(strstr(e.detail, "k-1"));
    json_decref(args);
    json_decref(res);
}

Test(admin_audit, without_id_arguments_the_answer_names_the_target)
{
    json_t *args = json_pack("{s:{s:s,s:i}}", "input", "code", "USD", "scale", 2);
    json_t *res = json_pack("{s:{s:s,s:s}}", "asset", "id", "asset-7", "code", "USD");
    admin_audit_gql(q, "tenant-b", "req-2", "createAsset", args, res);
    console_audit_t e = newest();
    cr_assert_str_eq(e.target, "asset-7");
    cr_assert_str_eq(e.detail, "");
    json_decref(args);
    json_decref(res);
    args = json_pack("{s:s}", "id", "peer-3");
    admin_audit_gql(q, "tenant-b", "req-3", "deletePeer", args, json_null());
    e = newest();
    cr_assert_str_eq(e.action, "deletePeer");
    cr_assert_str_eq(e.target, "peer-3");
    json_decref(args);
}

Test(admin_audit, no_queue_records_nothing)
{
    json_t *args = json_pack("{s:s}", "id", "x");
    admin_audit_gql(NULL, "tenant-a", "req-4", "deletePeer", args, NULL);
    json_decref(args);
    console_audit_t out[1];
    size_t n = 9;
    cr_assert_eq(console_audit_list(db, NULL, out, 1, &n), CONSOLE_OK);
    cr_assert_eq(n, 0);
}
