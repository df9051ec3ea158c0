/* src/backend/webhooks.c on SQLite: the cases of webhooks_cases.h on a temp file. */
#include "../payments/webhooks_cases.h"

WEBHOOK_CASES(webhooks_sqlite, "sqlite:", (void)0)

Test(webhooks, names)
{
    cr_expect(webhook_type_known(WEBHOOK_WALLET_ADDRESS_WEB_MONETIZATION));
    cr_expect(!webhook_type_known("wallet_address.created"));
    cr_expect(!webhook_type_known(NULL));
    cr_expect_str_eq(webhook_state_str(WEBHOOK_STATE_FAILED), "failed");
    cr_expect_str_eq(webhook_state_str((webhook_state_t)7), "unknown");
}

/* WEBHOOK_EVENTS_DISABLED: listed types are not recorded, the others are; an unknown name is
 * refused and leaves the set as it was. */
Test(webhooks, disabled_types_are_not_recorded)
{
    char bad[64] = "";
    cr_assert_eq(webhook_types_disable(" outgoing_payment.funded,incoming_payment."
                                       "partial_payment_received ,",
                                       bad, sizeof bad),
                 0);
    cr_expect(!webhook_type_enabled(WEBHOOK_OUTGOING_PAYMENT_FUNDED));
    cr_expect(!webhook_type_enabled(WEBHOOK_INCOMING_PAYMENT_PARTIAL));
    cr_expect(webhook_type_enabled(WEBHOOK_OUTGOING_PAYMENT_CANCELLED));
    cr_expect(webhook_type_known(WEBHOOK_OUTGOING_PAYMENT_FUNDED), "still a known type");
    cr_expect_eq(webhook_types_disable("outgoing_payment.cancelled,nope", bad, sizeof bad), -1);
    cr_expect_str_eq(bad, "nope");
    cr_expect(webhook_type_enabled(WEBHOOK_OUTGOING_PAYMENT_CANCELLED), "set unchanged");
    cr_expect(!webhook_type_enabled(WEBHOOK_OUTGOING_PAYMENT_FUNDED), "set unchanged");

    db_t *db = bk_open("sqlite:", "wh_disabled");
    cr_assert_eq(wc_add(db, WEBHOOK_OUTGOING_PAYMENT_FUNDED, "p1", 1, true), 0);
    cr_assert_eq(wc_add(db, WEBHOOK_OUTGOING_PAYMENT_COMPLETED, "p1", 2, true), 0);
    db_conn_t *c = dbc_conn(db, DB_CONN_READ);
    cr_expect_eq(dbc_count(c, "SELECT COUNT(*) FROM webhook_events"), 1);
    cr_expect_eq(dbc_count(c, "SELECT COUNT(*) FROM webhook_events WHERE type = "
                              "'outgoing_payment.completed'"),
                 1);
    db_release(c);
    db_close(db);
    cr_assert_eq(webhook_types_disable(NULL, bad, sizeof bad), 0);
    cr_expect(webhook_type_enabled(WEBHOOK_OUTGOING_PAYMENT_FUNDED), "NULL: none disabled");
}
