/* The in-memory apply engine (src/ledger/core.c): every transfer result code, linked chains,
 * two-phase transfers, expiry, undo, and the id/name helpers (src/ledger/types.c). */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "ledger/core.h"

static lcore_t *C;
static const ledger_id_t USD = {1, 1}, EUR = {1, 2};
static const ledger_id_t A = {10, 1}, B = {10, 2}, S = {10, 3}, E = {10, 4}, M = {10, 5};
static const int64_t NOW = 1700000000000;

static void add_account(ledger_id_t id, ledger_id_t asset, int64_t min, bool no_min, bool has_max,
                        int64_t max)
{
    lc_account_t a = {.id = id,
                      .asset_id = asset,
                      .min_balance = min,
                      .no_min_balance = no_min,
                      .has_max_balance = has_max,
                      .max_balance = max};
    lcore_account_put(C, &a);
}

static void setup(void)
{
    C = lcore_new();
    add_account(A, USD, 0, false, false, 0);
    add_account(B, USD, 0, false, false, 0);
    add_account(S, USD, 0, true, false, 0); /* settlement */
    add_account(E, EUR, 0, false, false, 0);
    add_account(M, USD, -50, false, true, 100); /* credit line 50, cap 100 */
}

static void teardown(void)
{
    lcore_free(C);
}

TestSuite(ledger_core, .init = setup, .fini = teardown);

static ledger_id_t tid(uint64_t n)
{
    return (ledger_id_t){0x77, n};
}

static ledger_op_t xfer(uint64_t id, ledger_id_t dr, ledger_id_t cr, uint64_t amount)
{
    return (ledger_op_t){.kind = LEDGER_OP_CREATE,
                         .id = tid(id),
                         .debit_account_id = dr,
                         .credit_account_id = cr,
                         .amount = amount};
}

static ledger_op_t hold(uint64_t id, ledger_id_t dr, ledger_id_t cr, uint64_t amount,
                        uint64_t timeout_ms)
{
    ledger_op_t op = xfer(id, dr, cr, amount);
    op.flags = LEDGER_F_PENDING;
    op.timeout_ms = timeout_ms;
    return op;
}

static ledger_op_t resolve(ledger_op_kind_t kind, uint64_t pending, uint64_t amount)
{
    return (ledger_op_t){.kind = kind, .pending_id = tid(pending), .amount = amount};
}

static ledger_result_t run1(ledger_op_t op)
{
    ledger_result_t r = LEDGER_RESULT_COUNT;
    lcore_apply(C, &op, 1, NOW, &r);
    return r;
}

static ledger_counters_t ctr(ledger_id_t id)
{
    return lcore_account_find(C, id)->c;
}

static int64_t bal(ledger_id_t id)
{
    ledger_counters_t k = ctr(id);
    return lcore_balance(&k);
}

Test(ledger_core, single_phase_moves_and_conserves)
{
    cr_assert_eq(run1(xfer(1, S, A, 500)), LEDGER_OK);
    cr_assert_eq(run1(xfer(2, A, B, 200)), LEDGER_OK);
    cr_assert_eq(bal(S), -500);
    cr_assert_eq(bal(A), 300);
    cr_assert_eq(bal(B), 200);
    cr_assert_eq(ctr(A).debits_posted, 200);
    cr_assert_eq(ctr(A).credits_posted, 500);
    ledger_transfer_t *t = lcore_transfer_find(C, tid(2));
    cr_assert_not_null(t);
    cr_assert_eq(t->state, LEDGER_STATE_POSTED);
    cr_assert_eq(t->posted_amount, 200);
}

Test(ledger_core, validation_codes)
{
    ledger_op_t op = xfer(1, A, B, 1);
    op.id = (ledger_id_t){0, 0};
    cr_assert_eq(run1(op), LEDGER_ID_MUST_NOT_BE_ZERO);
    op = xfer(1, A, B, 1);
    op.flags = 1u << 7;
    cr_assert_eq(run1(op), LEDGER_FLAGS_INVALID);
    cr_assert_eq(run1(xfer(1, (ledger_id_t){0, 0}, B, 1)),
                 LEDGER_DEBIT_ACCOUNT_ID_MUST_NOT_BE_ZERO);
    cr_assert_eq(run1(xfer(1, A, (ledger_id_t){0, 0}, 1)),
                 LEDGER_CREDIT_ACCOUNT_ID_MUST_NOT_BE_ZERO);
    cr_assert_eq(run1(xfer(1, A, A, 1)), LEDGER_ACCOUNTS_MUST_BE_DIFFERENT);
    op = xfer(1, S, A, 1);
    op.pending_id = tid(9);
    cr_assert_eq(run1(op), LEDGER_PENDING_ID_MUST_BE_ZERO);
    op = xfer(1, S, A, 1);
    op.timeout_ms = 5;
    cr_assert_eq(run1(op), LEDGER_TIMEOUT_RESERVED_FOR_PENDING_TRANSFER);
    cr_assert_eq(run1(xfer(1, S, A, 0)), LEDGER_AMOUNT_MUST_NOT_BE_ZERO);
    cr_assert_eq(run1(xfer(1, (ledger_id_t){9, 9}, A, 1)), LEDGER_DEBIT_ACCOUNT_NOT_FOUND);
    cr_assert_eq(run1(xfer(1, A, (ledger_id_t){9, 9}, 1)), LEDGER_CREDIT_ACCOUNT_NOT_FOUND);
    cr_assert_eq(run1(xfer(1, A, E, 1)), LEDGER_ACCOUNTS_MUST_HAVE_THE_SAME_LEDGER);
    op = (ledger_op_t){.kind = (ledger_op_kind_t)9, .id = tid(1)};
    cr_assert_eq(run1(op), LEDGER_OP_INVALID);
    /* nothing was applied by any rejection */
    cr_assert_eq(lcore_transfer_find(C, tid(1)), NULL);
    cr_assert_eq(ctr(A).credits_posted, 0);
}

Test(ledger_core, idempotency_checked_first)
{
    cr_assert_eq(run1(xfer(1, S, A, 10)), LEDGER_OK);
    cr_assert_eq(run1(xfer(1, S, A, 10)), LEDGER_EXISTS);
    cr_assert_eq(bal(A), 10); /* not applied twice */
    ledger_op_t op = xfer(1, S, A, 10);
    op.flags = LEDGER_F_PENDING;
    cr_assert_eq(run1(op), LEDGER_EXISTS_WITH_DIFFERENT_FLAGS);
    cr_assert_eq(run1(xfer(1, B, A, 10)), LEDGER_EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT_ID);
    cr_assert_eq(run1(xfer(1, S, B, 10)), LEDGER_EXISTS_WITH_DIFFERENT_CREDIT_ACCOUNT_ID);
    cr_assert_eq(run1(xfer(1, S, A, 11)), LEDGER_EXISTS_WITH_DIFFERENT_AMOUNT);
    op = xfer(1, S, A, 10);
    op.code = 3;
    cr_assert_eq(run1(op), LEDGER_EXISTS_WITH_DIFFERENT_CODE);
    cr_assert_eq(run1(hold(2, S, A, 5, 100)), LEDGER_OK);
    cr_assert_eq(run1(hold(2, S, A, 5, 200)), LEDGER_EXISTS_WITH_DIFFERENT_TIMEOUT);
    /* an exact retry wins even when the same body would now be rejected */
    cr_assert_eq(run1(xfer(3, A, B, 10)), LEDGER_OK);
    cr_assert_eq(run1(xfer(4, A, B, 10)), LEDGER_EXCEEDS_CREDITS);
    cr_assert_eq(run1(xfer(3, A, B, 10)), LEDGER_EXISTS);
}

Test(ledger_core, limits)
{
    cr_assert_eq(run1(xfer(1, A, B, 1)), LEDGER_EXCEEDS_CREDITS);
    cr_assert_eq(run1(xfer(2, S, A, 100)), LEDGER_OK);
    cr_assert_eq(run1(xfer(3, A, B, 101)), LEDGER_EXCEEDS_CREDITS);
    cr_assert_eq(run1(xfer(4, A, B, 100)), LEDGER_OK);
    /* M: min -50 (credit line), max 100 */
    cr_assert_eq(run1(xfer(5, M, B, 50)), LEDGER_OK);
    cr_assert_eq(bal(M), -50);
    cr_assert_eq(run1(xfer(6, M, B, 1)), LEDGER_EXCEEDS_CREDITS);
    cr_assert_eq(run1(xfer(7, S, M, 151)), LEDGER_EXCEEDS_DEBITS);
    cr_assert_eq(run1(xfer(8, S, M, 150)), LEDGER_OK);
    cr_assert_eq(bal(M), 100);
    /* pending credits count against the maximum */
    cr_assert_eq(run1(xfer(9, M, B, 10)), LEDGER_OK);
    cr_assert_eq(run1(hold(10, S, M, 10, 0)), LEDGER_OK);
    cr_assert_eq(run1(xfer(11, S, M, 1)), LEDGER_EXCEEDS_DEBITS);
    /* settlement has no minimum */
    cr_assert_eq(run1(xfer(12, S, B, 1000000)), LEDGER_OK);
}

Test(ledger_core, overflows)
{
    cr_assert_eq(run1(xfer(1, S, A, (uint64_t)INT64_MAX)), LEDGER_OK);
    cr_assert_eq(run1(xfer(2, S, B, 1)), LEDGER_OK); /* S at INT64_MIN exactly */
    /* S would go below INT64_MIN */
    cr_assert_eq(run1(xfer(3, S, B, 1)), LEDGER_OVERFLOWS_BALANCE);
    /* A would go above INT64_MAX */
    cr_assert_eq(run1(xfer(4, B, A, 1)), LEDGER_OVERFLOWS_BALANCE);
    /* an A with no minimum can take the counters to the edge */
    lc_account_t *a = lcore_account_find(C, A);
    a->c.debits_posted = UINT64_MAX - 1;
    a->c.credits_posted = UINT64_MAX - 1;
    a->no_min_balance = true;
    cr_assert_eq(run1(xfer(5, A, B, 2)), LEDGER_OVERFLOWS_DEBITS_POSTED);
    cr_assert_eq(run1(xfer(6, B, A, 2)), LEDGER_OVERFLOWS_CREDITS_POSTED);
    a->c.debits_pending = UINT64_MAX;
    cr_assert_eq(run1(hold(7, A, B, 1, 0)), LEDGER_OVERFLOWS_DEBITS_PENDING);
    a->c.credits_pending = UINT64_MAX;
    cr_assert_eq(run1(hold(8, B, A, 1, 0)), LEDGER_OVERFLOWS_CREDITS_PENDING);
}

Test(ledger_core, overflows_timeout)
{
    cr_assert_eq(run1(xfer(1, S, A, 10)), LEDGER_OK);
    cr_assert_eq(run1(hold(2, A, B, 1, UINT64_MAX)), LEDGER_OVERFLOWS_TIMEOUT);
    cr_assert_eq(run1(hold(3, A, B, 1, (uint64_t)INT64_MAX)), LEDGER_OVERFLOWS_TIMEOUT);
}

Test(ledger_core, two_phase_post_void)
{
    cr_assert_eq(run1(xfer(1, S, A, 100)), LEDGER_OK);
    cr_assert_eq(run1(hold(2, A, B, 60, 1000)), LEDGER_OK);
    cr_assert_eq(bal(A), 40); /* the hold counts at once */
    cr_assert_eq(ctr(A).debits_pending, 60);
    cr_assert_eq(ctr(B).credits_pending, 60);
    cr_assert_eq(bal(B), 0); /* pending credits are not spendable */
    cr_assert_eq(run1(hold(3, A, B, 41, 1000)), LEDGER_EXCEEDS_CREDITS);

    cr_assert_eq(run1(resolve(LEDGER_OP_POST_PENDING, 2, 61)),
                 LEDGER_EXCEEDS_PENDING_TRANSFER_AMOUNT);
    cr_assert_eq(run1(resolve(LEDGER_OP_POST_PENDING, 2, 50)), LEDGER_OK); /* partial */
    cr_assert_eq(bal(A), 50);
    cr_assert_eq(bal(B), 50);
    cr_assert_eq(ctr(A).debits_pending, 0);
    cr_assert_eq(ctr(B).credits_pending, 0);
    cr_assert_eq(lcore_transfer_find(C, tid(2))->posted_amount, 50);
    cr_assert_eq(run1(resolve(LEDGER_OP_POST_PENDING, 2, 0)),
                 LEDGER_PENDING_TRANSFER_ALREADY_POSTED);
    cr_assert_eq(run1(resolve(LEDGER_OP_VOID_PENDING, 2, 0)),
                 LEDGER_PENDING_TRANSFER_ALREADY_POSTED);

    cr_assert_eq(run1(hold(4, A, B, 10, 0)), LEDGER_OK);
    cr_assert_eq(run1(resolve(LEDGER_OP_VOID_PENDING, 4, 9)),
                 LEDGER_PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT);
    cr_assert_eq(run1(resolve(LEDGER_OP_VOID_PENDING, 4, 0)), LEDGER_OK);
    cr_assert_eq(bal(A), 50);
    cr_assert_eq(run1(resolve(LEDGER_OP_POST_PENDING, 4, 0)),
                 LEDGER_PENDING_TRANSFER_ALREADY_VOIDED);
    ledger_op_t zero = resolve(LEDGER_OP_VOID_PENDING, 0, 0);
    zero.pending_id = (ledger_id_t){0, 0};
    cr_assert_eq(run1(zero), LEDGER_PENDING_ID_MUST_NOT_BE_ZERO);
    cr_assert_eq(run1(resolve(LEDGER_OP_VOID_PENDING, 99, 0)), LEDGER_PENDING_TRANSFER_NOT_FOUND);
    cr_assert_eq(run1(resolve(LEDGER_OP_VOID_PENDING, 1, 0)), LEDGER_PENDING_TRANSFER_NOT_PENDING);

    cr_assert_eq(run1(hold(5, A, B, 1, 0)), LEDGER_OK);
    ledger_op_t op = resolve(LEDGER_OP_POST_PENDING, 5, 0);
    op.debit_account_id = B;
    cr_assert_eq(run1(op), LEDGER_PENDING_TRANSFER_HAS_DIFFERENT_DEBIT_ACCOUNT_ID);
    op = resolve(LEDGER_OP_POST_PENDING, 5, 0);
    op.credit_account_id = A;
    cr_assert_eq(run1(op), LEDGER_PENDING_TRANSFER_HAS_DIFFERENT_CREDIT_ACCOUNT_ID);
    op = resolve(LEDGER_OP_POST_PENDING, 5, 0);
    op.flags = LEDGER_F_PENDING;
    cr_assert_eq(run1(op), LEDGER_FLAGS_INVALID);
    op = resolve(LEDGER_OP_POST_PENDING, 5, 0);
    op.timeout_ms = 1;
    cr_assert_eq(run1(op), LEDGER_TIMEOUT_RESERVED_FOR_PENDING_TRANSFER);
}

Test(ledger_core, expiry)
{
    cr_assert_eq(run1(xfer(1, S, A, 100)), LEDGER_OK);
    cr_assert_eq(run1(hold(2, A, B, 30, 1000)), LEDGER_OK);
    cr_assert_eq(run1(resolve(LEDGER_OP_EXPIRE_PENDING, 2, 0)),
                 LEDGER_PENDING_TRANSFER_NOT_EXPIRED);
    ledger_op_t post = resolve(LEDGER_OP_POST_PENDING, 2, 0);
    ledger_result_t r;
    lcore_apply(C, &post, 1, NOW + 1000, &r);
    cr_assert_eq(r, LEDGER_PENDING_TRANSFER_EXPIRED);
    ledger_op_t exp = resolve(LEDGER_OP_EXPIRE_PENDING, 2, 0);
    lcore_apply(C, &exp, 1, NOW + 1000, &r);
    cr_assert_eq(r, LEDGER_OK);
    cr_assert_eq(bal(A), 100);
    cr_assert_eq(ctr(B).credits_pending, 0);
    cr_assert_eq(lcore_transfer_find(C, tid(2))->state, LEDGER_STATE_EXPIRED);
    lcore_apply(C, &post, 1, NOW + 1000, &r);
    cr_assert_eq(r, LEDGER_PENDING_TRANSFER_EXPIRED);
}

Test(ledger_core, linked_chain_all_or_nothing)
{
    cr_assert_eq(run1(xfer(1, S, A, 100)), LEDGER_OK);
    ledger_op_t ops[3] = {xfer(2, A, B, 60), xfer(3, B, M, 60), xfer(4, A, B, 41)};
    ops[0].flags = ops[1].flags = LEDGER_F_LINKED;
    ledger_result_t r[3];
    lcore_apply(C, ops, 3, NOW, r);
    cr_assert_eq(r[0], LEDGER_LINKED_EVENT_FAILED);
    cr_assert_eq(r[1], LEDGER_LINKED_EVENT_FAILED);
    cr_assert_eq(r[2], LEDGER_EXCEEDS_CREDITS);
    cr_assert_eq(bal(A), 100);
    cr_assert_eq(bal(B), 0);
    cr_assert_eq(bal(M), 0);
    cr_assert_eq(lcore_transfer_find(C, tid(2)), NULL);
    cr_assert_eq(lcore_transfer_find(C, tid(3)), NULL);

    ops[2].amount = 40;
    lcore_apply(C, ops, 3, NOW, r);
    cr_assert_eq(r[0], LEDGER_OK);
    cr_assert_eq(r[1], LEDGER_OK);
    cr_assert_eq(r[2], LEDGER_OK);
    cr_assert_eq(bal(A), 0);
    cr_assert_eq(bal(B), 40);
    cr_assert_eq(bal(M), 60);
}

Test(ledger_core, linked_chain_failure_stops_and_later_ops_run)
{
    cr_assert_eq(run1(xfer(1, S, A, 100)), LEDGER_OK);
    ledger_op_t ops[4] = {xfer(2, A, B, 10), xfer(3, A, E, 10), xfer(4, A, B, 10),
                          xfer(5, A, B, 5)};
    ops[0].flags = ops[1].flags = LEDGER_F_LINKED;
    ledger_result_t r[4];
    lcore_apply(C, ops, 4, NOW, r);
    cr_assert_eq(r[0], LEDGER_LINKED_EVENT_FAILED);
    cr_assert_eq(r[1], LEDGER_ACCOUNTS_MUST_HAVE_THE_SAME_LEDGER);
    cr_assert_eq(r[2], LEDGER_LINKED_EVENT_FAILED);
    cr_assert_eq(r[3], LEDGER_OK); /* outside the chain */
    cr_assert_eq(bal(A), 95);
}

Test(ledger_core, linked_chain_open)
{
    cr_assert_eq(run1(xfer(1, S, A, 100)), LEDGER_OK);
    ledger_op_t ops[2] = {xfer(2, A, B, 10), xfer(3, A, B, 10)};
    ops[0].flags = ops[1].flags = LEDGER_F_LINKED;
    ledger_result_t r[2];
    lcore_apply(C, ops, 2, NOW, r);
    cr_assert_eq(r[0], LEDGER_LINKED_EVENT_FAILED);
    cr_assert_eq(r[1], LEDGER_LINKED_EVENT_CHAIN_OPEN);
    cr_assert_eq(bal(A), 100);
    cr_assert_eq(run1(ops[0]), LEDGER_LINKED_EVENT_CHAIN_OPEN);
}

Test(ledger_core, chain_post_of_pending_created_in_same_chain_rolls_back)
{
    cr_assert_eq(run1(xfer(1, S, A, 100)), LEDGER_OK);
    ledger_op_t ops[3] = {hold(2, A, B, 10, 0), resolve(LEDGER_OP_POST_PENDING, 2, 0),
                          xfer(3, A, B, 1000)};
    ops[0].flags |= LEDGER_F_LINKED;
    ops[1].flags |= LEDGER_F_LINKED;
    ledger_result_t r[3];
    lcore_apply(C, ops, 3, NOW, r);
    cr_assert_eq(r[2], LEDGER_EXCEEDS_CREDITS);
    cr_assert_eq(lcore_transfer_find(C, tid(2)), NULL);
    cr_assert_eq(ctr(A).debits_pending, 0);
    cr_assert_eq(bal(A), 100);
}

Test(ledger_core, change_tracking_and_undo_all)
{
    cr_assert_eq(run1(xfer(1, S, A, 100)), LEDGER_OK);
    cr_assert_eq(run1(hold(2, A, B, 10, 0)), LEDGER_OK);
    lcore_mark_clean(C);
    cr_assert_eq(lcore_dirty_count(C), 0);

    cr_assert_eq(run1(resolve(LEDGER_OP_POST_PENDING, 2, 0)), LEDGER_OK);
    cr_assert_eq(run1(xfer(3, A, B, 5)), LEDGER_OK);
    cr_assert_eq(run1(xfer(4, A, B, 5)), LEDGER_OK);
    ledger_transfer_t *first;
    cr_assert_eq(lcore_new_transfers(C, &first), 2);
    cr_assert(ledger_id_eq(first[0].id, tid(3)));
    cr_assert_eq(lcore_resolved_count(C), 1);
    cr_assert(ledger_id_eq(lcore_resolved_at(C, 0)->id, tid(2)));
    cr_assert_eq(lcore_dirty_count(C), 2); /* A and B, once each */

    lcore_undo_all(C);
    cr_assert_eq(bal(A), 90);
    cr_assert_eq(ctr(A).debits_pending, 10);
    cr_assert_eq(lcore_transfer_find(C, tid(2))->state, LEDGER_STATE_PENDING);
    cr_assert_eq(lcore_transfer_find(C, tid(3)), NULL);
    cr_assert_eq(lcore_new_transfers(C, &first), 0);
    cr_assert_eq(lcore_dirty_count(C), 0);
}

Test(ledger_core, many_transfers_map_grows_and_undo_removes)
{
    cr_assert_eq(run1(xfer(1, S, A, 1000000)), LEDGER_OK);
    lcore_mark_clean(C);
    for (uint64_t i = 0; i < 5000; i++)
        cr_assert_eq(run1(xfer(100 + i, A, B, 1)), LEDGER_OK);
    cr_assert_eq(bal(B), 5000);
    lcore_undo_all(C);
    for (uint64_t i = 0; i < 5000; i++)
        cr_assert_null(lcore_transfer_find(C, tid(100 + i)));
    cr_assert_not_null(lcore_transfer_find(C, tid(1)));
    cr_assert_eq(bal(B), 0);
}

Test(ledger_core, status)
{
    cr_assert_eq(run1(xfer(1, S, M, 30)), LEDGER_OK);
    cr_assert_eq(run1(hold(2, M, B, 10, 0)), LEDGER_OK);
    cr_assert_eq(run1(xfer(3, M, B, 5)), LEDGER_OK);
    ledger_status_t st;
    lcore_status(lcore_account_find(C, M), &st);
    cr_assert_eq(st.balance, 15);
    cr_assert_eq(st.debits_pending, 10);
    cr_assert_eq(st.total_received, 30);
    cr_assert_eq(st.total_sent, 5);
    cr_assert_eq(st.available, 65); /* 15 - (-50) */
    lcore_status(lcore_account_find(C, S), &st);
    cr_assert_eq(st.available, UINT64_MAX);
    cr_assert_eq(st.balance, -30);
}

/* Derived ids are stored (transfer legs, settlement steps) and recomputed on retries, so the
 * derivation must never change: SHA-256("abc") is ba7816bf 8f01cfea 414140de 5dae2223 ... */
Test(ledger_types, derived_ids_are_fixed_v4_uuids)
{
    char s[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(ledger_id_derive("abc", 3), s);
    cr_assert_str_eq(s, "ba7816bf-8f01-4fea-8141-40de5dae2223");
    cr_assert(!ledger_id_eq(ledger_id_derive("abc", 3), ledger_id_derive("abd", 3)));
}

Test(ledger_types, id_roundtrip_and_names)
{
    ledger_id_t id;
    cr_assert_eq(ledger_id_parse("0123ABCD-4567-89ab-cdef-0123456789AB", 36, &id), 0);
    cr_assert_eq(id.hi, 0x0123abcd456789abull);
    cr_assert_eq(id.lo, 0xcdef0123456789abull);
    char s[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(id, s);
    cr_assert_str_eq(s, "0123abcd-4567-89ab-cdef-0123456789ab");
    cr_assert_eq(ledger_id_parse("0123abcd-4567-89ab-cdef-0123456789a", 35, &id), -1);
    cr_assert_eq(ledger_id_parse("0123abcd_4567-89ab-cdef-0123456789ab", 36, &id), -1);
    ledger_id_t r = ledger_id_random();
    ledger_id_format(r, s);
    cr_assert_eq(s[14], '4');
    ledger_id_t back;
    cr_assert_eq(ledger_id_parse(s, 36, &back), 0);
    cr_assert(ledger_id_eq(r, back));
    cr_assert_str_eq(ledger_result_str(LEDGER_EXCEEDS_CREDITS), "exceeds_credits");
    cr_assert_str_eq(ledger_result_str(LEDGER_RESULT_COUNT), "unknown");
    for (int i = 0; i < LEDGER_RESULT_COUNT; i++)
        cr_assert_str_neq(ledger_result_str((ledger_result_t)i), "unknown");
    ledger_account_kind_t k;
    cr_assert_eq(ledger_kind_parse("mandate", &k), 0);
    cr_assert_eq(k, LEDGER_KIND_MANDATE);
    cr_assert_str_eq(ledger_kind_str(LEDGER_KIND_SETTLEMENT), "settlement");
    cr_assert_eq(ledger_kind_parse("bogus", &k), -1);
}
