/*
 * Ledger value types: UUID ids in and out of text, and the names of results, kinds and states
 * that logs and APIs show.
 */
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/codec.h"
#include "base/digest.h"
#include "base/rand.h"
#include "base/uuid.h"
#include "ledger/types.h"

int ledger_id_parse(const char *s, size_t n, ledger_id_t *out)
{
    if (!uuid_valid(s, n))
        return -1;
    char hex[32];
    size_t h = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] != '-')
            hex[h++] = s[i];
    uint8_t b[16];
    if (hex_decode(b, sizeof b, hex, sizeof hex) != 16)
        return -1;
    uint64_t hi = 0, lo = 0;
    for (int i = 0; i < 8; i++) {
        hi = hi << 8 | b[i];
        lo = lo << 8 | b[8 + i];
    }
    out->hi = hi;
    out->lo = lo;
    return 0;
}

void ledger_id_format(ledger_id_t id, char out[LEDGER_ID_STR_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";
    int o = 0;
    for (int i = 0; i < 32; i++) {
        if (i == 8 || i == 12 || i == 16 || i == 20)
            out[o++] = '-';
        uint64_t half = i < 16 ? id.hi : id.lo;
        int shift = 60 - 4 * (i % 16);
        out[o++] = digits[(half >> shift) & 0xf];
    }
    out[o] = '\0';
}

ledger_id_t ledger_id_random(void)
{
    ledger_id_t id;
    id.hi = (rand_u64() & ~0xf000ull) | 0x4000ull;                        /* version 4 */
    id.lo = (rand_u64() & 0x3fffffffffffffffull) | 0x8000000000000000ull; /* variant 10 */
    return id;
}

ledger_id_t ledger_id_time_ordered(void)
{
    uint8_t b[16];
    uuid_v7_bytes(b, clock_wall_ms());
    ledger_id_t id = {0, 0};
    for (int k = 0; k < 8; k++) {
        id.hi = (id.hi << 8) | b[k];
        id.lo = (id.lo << 8) | b[8 + k];
    }
    return id;
}

void ledger_id_bytes(ledger_id_t id, uint8_t out[16])
{
    for (int k = 0; k < 8; k++) {
        out[k] = (uint8_t)(id.hi >> (56 - 8 * k));
        out[8 + k] = (uint8_t)(id.lo >> (56 - 8 * k));
    }
}

ledger_id_t ledger_id_derive(const void *in, size_t len)
{
    uint8_t h[SHA256_LEN];
    sha256(h, in, len);
    ledger_id_t out = {0, 0};
    for (int k = 0; k < 8; k++) {
        out.hi = (out.hi << 8) | h[k];
        out.lo = (out.lo << 8) | h[8 + k];
    }
    out.hi = (out.hi & ~0xf000ull) | 0x4000ull;             /* version 4 */
    out.lo = (out.lo & ~(0xc0ull << 56)) | (0x80ull << 56); /* RFC 4122 variant */
    return out;
}

static const char *const result_names[LEDGER_RESULT_COUNT] = {
    [LEDGER_OK] = "ok",
    [LEDGER_LINKED_EVENT_FAILED] = "linked_event_failed",
    [LEDGER_LINKED_EVENT_CHAIN_OPEN] = "linked_event_chain_open",
    [LEDGER_ID_MUST_NOT_BE_ZERO] = "id_must_not_be_zero",
    [LEDGER_FLAGS_INVALID] = "flags_invalid",
    [LEDGER_OP_INVALID] = "op_invalid",
    [LEDGER_DEBIT_ACCOUNT_ID_MUST_NOT_BE_ZERO] = "debit_account_id_must_not_be_zero",
    [LEDGER_CREDIT_ACCOUNT_ID_MUST_NOT_BE_ZERO] = "credit_account_id_must_not_be_zero",
    [LEDGER_ACCOUNTS_MUST_BE_DIFFERENT] = "accounts_must_be_different",
    [LEDGER_PENDING_ID_MUST_BE_ZERO] = "pending_id_must_be_zero",
    [LEDGER_PENDING_ID_MUST_NOT_BE_ZERO] = "pending_id_must_not_be_zero",
    [LEDGER_TIMEOUT_RESERVED_FOR_PENDING_TRANSFER] = "timeout_reserved_for_pending_transfer",
    [LEDGER_AMOUNT_MUST_NOT_BE_ZERO] = "amount_must_not_be_zero",
    [LEDGER_EXISTS] = "exists",
    [LEDGER_EXISTS_WITH_DIFFERENT_FLAGS] = "exists_with_different_flags",
    [LEDGER_EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT_ID] = "exists_with_different_debit_account_id",
    [LEDGER_EXISTS_WITH_DIFFERENT_CREDIT_ACCOUNT_ID] = "exists_with_different_credit_account_id",
    [LEDGER_EXISTS_WITH_DIFFERENT_AMOUNT] = "exists_with_different_amount",
    [LEDGER_EXISTS_WITH_DIFFERENT_TIMEOUT] = "exists_with_different_timeout",
    [LEDGER_EXISTS_WITH_DIFFERENT_CODE] = "exists_with_different_code",
    [LEDGER_DEBIT_ACCOUNT_NOT_FOUND] = "debit_account_not_found",
    [LEDGER_CREDIT_ACCOUNT_NOT_FOUND] = "credit_account_not_found",
    [LEDGER_ACCOUNTS_MUST_HAVE_THE_SAME_LEDGER] = "accounts_must_have_the_same_ledger",
    [LEDGER_PENDING_TRANSFER_NOT_FOUND] = "pending_transfer_not_found",
    [LEDGER_PENDING_TRANSFER_NOT_PENDING] = "pending_transfer_not_pending",
    [LEDGER_PENDING_TRANSFER_HAS_DIFFERENT_DEBIT_ACCOUNT_ID] =
        "pending_transfer_has_different_debit_account_id",
    [LEDGER_PENDING_TRANSFER_HAS_DIFFERENT_CREDIT_ACCOUNT_ID] =
        "pending_transfer_has_different_credit_account_id",
    [LEDGER_PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT] = "pending_transfer_has_different_amount",
    [LEDGER_EXCEEDS_PENDING_TRANSFER_AMOUNT] = "exceeds_pending_transfer_amount",
    [LEDGER_PENDING_TRANSFER_ALREADY_POSTED] = "pending_transfer_already_posted",
    [LEDGER_PENDING_TRANSFER_ALREADY_VOIDED] = "pending_transfer_already_voided",
    [LEDGER_PENDING_TRANSFER_EXPIRED] = "pending_transfer_expired",
    [LEDGER_PENDING_TRANSFER_NOT_EXPIRED] = "pending_transfer_not_expired",
    [LEDGER_OVERFLOWS_DEBITS_PENDING] = "overflows_debits_pending",
    [LEDGER_OVERFLOWS_CREDITS_PENDING] = "overflows_credits_pending",
    [LEDGER_OVERFLOWS_DEBITS_POSTED] = "overflows_debits_posted",
    [LEDGER_OVERFLOWS_CREDITS_POSTED] = "overflows_credits_posted",
    [LEDGER_OVERFLOWS_BALANCE] = "overflows_balance",
    [LEDGER_OVERFLOWS_TIMEOUT] = "overflows_timeout",
    [LEDGER_EXCEEDS_CREDITS] = "exceeds_credits",
    [LEDGER_EXCEEDS_DEBITS] = "exceeds_debits",
    [LEDGER_ASSET_NOT_FOUND] = "asset_not_found",
    [LEDGER_ASSET_CODE_INVALID] = "asset_code_invalid",
    [LEDGER_ASSET_EXISTS_WITH_SAME_CODE_AND_SCALE] = "asset_exists_with_same_code_and_scale",
    [LEDGER_ACCOUNT_NOT_FOUND] = "account_not_found",
    [LEDGER_ACCOUNT_KIND_INVALID] = "account_kind_invalid",
    [LEDGER_PARENT_NOT_FOUND] = "parent_not_found",
    [LEDGER_PARENT_MUST_HAVE_THE_SAME_LEDGER] = "parent_must_have_the_same_ledger",
    [LEDGER_MIN_BALANCE_ABOVE_MAX_BALANCE] = "min_balance_above_max_balance",
    [LEDGER_ILP_ADDRESS_INVALID] = "ilp_address_invalid",
    [LEDGER_ILP_ADDRESS_TAKEN] = "ilp_address_taken",
    [LEDGER_EXISTS_WITH_DIFFERENT_FIELDS] = "exists_with_different_fields",
    [LEDGER_CURSOR_INVALID] = "cursor_invalid",
    [LEDGER_TRANSFER_NOT_FOUND] = "transfer_not_found",
    [LEDGER_STORAGE_ERROR] = "storage_error",
    [LEDGER_GUARD_REFUSED] = "guard_refused",
    [LEDGER_CLOSED] = "closed",
    [LEDGER_BUSY] = "busy",
};

const char *ledger_result_str(ledger_result_t r)
{
    if ((unsigned)r >= LEDGER_RESULT_COUNT || !result_names[r])
        return "unknown";
    return result_names[r];
}

static const char *const kind_names[] = {
    [LEDGER_KIND_ASSET_LIQUIDITY] = "asset_liquidity",
    [LEDGER_KIND_SETTLEMENT] = "settlement",
    [LEDGER_KIND_PEER] = "peer",
    [LEDGER_KIND_WALLET] = "wallet",
    [LEDGER_KIND_INVOICE] = "invoice",
    [LEDGER_KIND_MANDATE] = "mandate",
    [LEDGER_KIND_OUTGOING] = "outgoing",
};
#define KIND_COUNT (sizeof kind_names / sizeof kind_names[0])

const char *ledger_kind_str(ledger_account_kind_t k)
{
    if ((unsigned)k >= KIND_COUNT || !kind_names[k])
        return "unknown";
    return kind_names[k];
}

int ledger_kind_parse(const char *s, ledger_account_kind_t *out)
{
    for (size_t k = 1; k < KIND_COUNT; k++) {
        if (strcmp(s, kind_names[k]) == 0) {
            *out = (ledger_account_kind_t)k;
            return 0;
        }
    }
    return -1;
}

const char *ledger_state_str(ledger_transfer_state_t s)
{
    switch (s) {
    case LEDGER_STATE_POSTED:
        return "posted";
    case LEDGER_STATE_PENDING:
        return "pending";
    case LEDGER_STATE_VOIDED:
        return "voided";
    case LEDGER_STATE_EXPIRED:
        return "expired";
    }
    return "unknown";
}
