/*
 * Transfer groups: several transfers (legs) applied all or nothing under one id; the admin API's
 * multi-leg transfers, deposits and withdrawals are groups. A group is a linked chain whose legs
 * take ids derived from the group id (leg 0 the group id itself), so it needs no table of its
 * own: a retry maps to the same leg ids, where the ledger's idempotency finds them, and a reader
 * finds the legs again by deriving ids until one is missing. Retries compare with the same rule
 * as a single transfer (lcore_compare_existing), leg by leg.
 */
#include <string.h>

#include "ledger/core.h"
#include "ledger/ledger.h"

ledger_id_t ledger_group_leg_id(ledger_id_t group, size_t i)
{
    if (i == 0)
        return group;
    /* The prefix is the one the admin API hashed with before groups moved into the ledger, so
     * groups stored by then keep their leg ids. */
    uint8_t in[16 + 16 + 8] = "rafiki-admin-leg";
    for (int k = 0; k < 8; k++) {
        int shift = 56 - 8 * k;
        in[16 + k] = (uint8_t)(group.hi >> shift);
        in[24 + k] = (uint8_t)(group.lo >> shift);
        in[32 + k] = (uint8_t)((uint64_t)i >> shift);
    }
    return ledger_id_derive(in, sizeof in);
}

/* Reads legs 0.. of group into out until one is missing or max are read. */
static ledger_result_t legs_read(ledger_t *l, ledger_id_t group, size_t max, ledger_transfer_t *out,
                                 size_t *n)
{
    *n = 0;
    for (size_t i = 0; i < max; i++) {
        ledger_result_t r = ledger_transfer_get(l, ledger_group_leg_id(group, i), &out[i]);
        if (r == LEDGER_TRANSFER_NOT_FOUND)
            break;
        if (r != LEDGER_OK)
            return r;
        (*n)++;
    }
    return *n ? LEDGER_OK : LEDGER_TRANSFER_NOT_FOUND;
}

ledger_result_t ledger_group_get(ledger_t *l, ledger_id_t group,
                                 ledger_transfer_t out[LEDGER_GROUP_LEGS_MAX], size_t *n)
{
    return legs_read(l, group, LEDGER_GROUP_LEGS_MAX, out, n);
}

/* The leg that failed a chain: the first result that is not the chain's consequence
 * (LEDGER_LINKED_EVENT_FAILED); n when every leg applied. */
static size_t first_failure(const ledger_result_t *res, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (res[i] != LEDGER_OK && res[i] != LEDGER_LINKED_EVENT_FAILED)
            return i;
    for (size_t i = 0; i < n; i++)
        if (res[i] != LEDGER_OK)
            return i;
    return n;
}

static bool id_taken(ledger_result_t r)
{
    return r >= LEDGER_EXISTS && r <= LEDGER_EXISTS_WITH_DIFFERENT_CODE;
}

/* A retried group against the stored one: LEDGER_EXISTS when every leg matches, else the first
 * difference and its leg. The chain's own LEDGER_F_LINKED flags are not the caller's. */
static ledger_result_t group_compare(const ledger_op_t *ops, size_t n, const ledger_transfer_t *old,
                                     size_t nold, size_t *leg)
{
    size_t k = n < nold ? n : nold;
    for (size_t i = 0; i < k; i++) {
        ledger_op_t op = ops[i];
        ledger_transfer_t t = old[i];
        op.flags &= ~(uint32_t)LEDGER_F_LINKED;
        t.flags &= ~(uint32_t)LEDGER_F_LINKED;
        ledger_result_t r = lcore_compare_existing(&t, &op);
        if (r != LEDGER_EXISTS) {
            *leg = i;
            return r;
        }
    }
    if (n != nold) {
        *leg = k;
        return LEDGER_EXISTS_WITH_DIFFERENT_FIELDS;
    }
    return LEDGER_EXISTS;
}

/* Builds the chain of a new group into ops; LEDGER_OK or what is wrong with leg *leg. */
static ledger_result_t group_chain(ledger_id_t group, const ledger_op_t *legs, size_t n,
                                   ledger_op_t *ops, size_t *leg)
{
    for (size_t i = 0; i < n; i++) {
        *leg = i;
        if (legs[i].kind != LEDGER_OP_CREATE)
            return LEDGER_OP_INVALID;
        if (legs[i].flags & ~(uint32_t)LEDGER_F_PENDING)
            return LEDGER_FLAGS_INVALID;
        ops[i] = legs[i];
        ops[i].id = ledger_group_leg_id(group, i);
        if (i + 1 < n)
            ops[i].flags |= LEDGER_F_LINKED;
    }
    *leg = 0;
    return LEDGER_OK;
}

ledger_result_t ledger_group_create(ledger_t *l, ledger_id_t group, const ledger_op_t *legs,
                                    size_t n, ledger_transfer_t *out, size_t *leg)
{
    *leg = 0;
    if (ledger_id_is_zero(group))
        return LEDGER_ID_MUST_NOT_BE_ZERO;
    if (n == 0 || n > LEDGER_GROUP_LEGS_MAX)
        return LEDGER_OP_INVALID;
    ledger_op_t ops[LEDGER_GROUP_LEGS_MAX];
    ledger_result_t r = group_chain(group, legs, n, ops, leg);
    if (r != LEDGER_OK)
        return r;
    ledger_result_t res[LEDGER_GROUP_LEGS_MAX];
    r = ledger_transfers_execute(l, ops, n, res);
    if (r != LEDGER_OK)
        return r;
    size_t bad = first_failure(res, n), got = 0;
    if (bad == n) {
        r = legs_read(l, group, n, out, &got);
        /* committed legs never disappear: missing ones mean the database failed us */
        return r == LEDGER_OK && got == n ? LEDGER_OK : LEDGER_STORAGE_ERROR;
    }
    *leg = bad;
    if (!id_taken(res[bad]))
        return res[bad];
    /* a leg id is taken: the same group again, or another body under its id */
    ledger_transfer_t old[LEDGER_GROUP_LEGS_MAX];
    r = legs_read(l, group, LEDGER_GROUP_LEGS_MAX, old, &got);
    if (r == LEDGER_TRANSFER_NOT_FOUND)
        return res[bad]; /* not this group: a transfer of its own holds a derived id */
    if (r != LEDGER_OK)
        return r;
    r = group_compare(ops, n, old, got, leg);
    if (r == LEDGER_EXISTS)
        memcpy(out, old, n * sizeof *out);
    return r;
}

ledger_result_t ledger_group_resolve(ledger_t *l, ledger_id_t group, ledger_op_kind_t kind,
                                     ledger_transfer_t out[LEDGER_GROUP_LEGS_MAX], size_t *n,
                                     size_t *leg)
{
    *leg = 0;
    *n = 0;
    if (kind != LEDGER_OP_POST_PENDING && kind != LEDGER_OP_VOID_PENDING)
        return LEDGER_OP_INVALID;
    ledger_result_t r = ledger_group_get(l, group, out, n);
    if (r != LEDGER_OK)
        return r;
    ledger_op_t ops[LEDGER_GROUP_LEGS_MAX];
    memset(ops, 0, sizeof ops);
    for (size_t i = 0; i < *n; i++) {
        ops[i].kind = kind;
        ops[i].pending_id = out[i].id;
        ops[i].flags = i + 1 < *n ? LEDGER_F_LINKED : 0;
    }
    ledger_result_t res[LEDGER_GROUP_LEGS_MAX];
    r = ledger_transfers_execute(l, ops, *n, res);
    if (r != LEDGER_OK)
        return r;
    size_t bad = first_failure(res, *n);
    if (bad < *n) {
        *leg = bad;
        return res[bad];
    }
    for (size_t i = 0; i < *n; i++)
        if ((r = ledger_transfer_get(l, out[i].id, &out[i])) != LEDGER_OK)
            return r == LEDGER_TRANSFER_NOT_FOUND ? LEDGER_STORAGE_ERROR : r;
    return LEDGER_OK;
}
