/*
 * The ledger's value types: ids, results, assets, accounts, operations and transfers, with the
 * few pure functions over them (types.c). ledger.h, the public API, includes this header; the
 * ledger's internal modules (core.c, the apply engine; lstore.c, its SQL; tail.c, the unmerged
 * tail; bloom.c) include only this one, so they depend on the values, not on the service.
 * Every function here is pure and may be called from any thread.
 */
#ifndef RAFIKI_LEDGER_TYPES_H
#define RAFIKI_LEDGER_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/limits.h"

/* ---- ids ---- */

typedef struct {
    uint64_t hi; /* bytes 0..7 of the UUID, big-endian */
    uint64_t lo; /* bytes 8..15 */
} ledger_id_t;

#define LEDGER_ID_STR_LEN 36

/* Parses a UUID string (either case, exactly 36 characters); 0, or -1 when malformed. */
int ledger_id_parse(const char *s, size_t n, ledger_id_t *out);
/* Writes the canonical lower-case form and a NUL. */
void ledger_id_format(ledger_id_t id, char out[LEDGER_ID_STR_LEN + 1]);
/* The 16 bytes of the UUID, big-endian. */
void ledger_id_bytes(ledger_id_t id, uint8_t out[16]);
/* A random (v4) id. */
ledger_id_t ledger_id_random(void);
/* A time-ordered (v7) id (base/uuid.h): for rows created at a high rate, whose index inserts
 * then land together. */
ledger_id_t ledger_id_time_ordered(void);
/* The id named by the bytes in[0..len): the first 16 bytes of their SHA-256 with the v4 version
 * and RFC 4122 variant bits set, so ids that must survive a retry (transfer legs, settlement
 * steps) are recomputed from what they belong to rather than stored. Pure. */
ledger_id_t ledger_id_derive(const void *in, size_t len);
static inline bool ledger_id_is_zero(ledger_id_t id)
{
    return (id.hi | id.lo) == 0;
}
static inline bool ledger_id_eq(ledger_id_t a, ledger_id_t b)
{
    return a.hi == b.hi && a.lo == b.lo;
}
/* Byte order (the order accounts are locked in): <0, 0, >0. */
static inline int ledger_id_cmp(ledger_id_t a, ledger_id_t b)
{
    if (a.hi != b.hi)
        return a.hi < b.hi ? -1 : 1;
    if (a.lo != b.lo)
        return a.lo < b.lo ? -1 : 1;
    return 0;
}

/* ---- results: one enum for every call ---- */

typedef enum {
    LEDGER_OK = 0,
    /* linked chains */
    LEDGER_LINKED_EVENT_FAILED,     /* another event of the chain failed; nothing applied */
    LEDGER_LINKED_EVENT_CHAIN_OPEN, /* the last op of a submission has the linked flag */
    /* field validation */
    LEDGER_ID_MUST_NOT_BE_ZERO,
    LEDGER_FLAGS_INVALID,
    LEDGER_OP_INVALID,
    LEDGER_DEBIT_ACCOUNT_ID_MUST_NOT_BE_ZERO,
    LEDGER_CREDIT_ACCOUNT_ID_MUST_NOT_BE_ZERO,
    LEDGER_ACCOUNTS_MUST_BE_DIFFERENT,
    LEDGER_PENDING_ID_MUST_BE_ZERO,
    LEDGER_PENDING_ID_MUST_NOT_BE_ZERO,
    LEDGER_TIMEOUT_RESERVED_FOR_PENDING_TRANSFER,
    LEDGER_AMOUNT_MUST_NOT_BE_ZERO,
    /* idempotency: the id is taken */
    LEDGER_EXISTS, /* same body: the earlier transfer stands, nothing applied again */
    LEDGER_EXISTS_WITH_DIFFERENT_FLAGS,
    LEDGER_EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT_ID,
    LEDGER_EXISTS_WITH_DIFFERENT_CREDIT_ACCOUNT_ID,
    LEDGER_EXISTS_WITH_DIFFERENT_AMOUNT,
    LEDGER_EXISTS_WITH_DIFFERENT_TIMEOUT,
    LEDGER_EXISTS_WITH_DIFFERENT_CODE,
    /* references */
    LEDGER_DEBIT_ACCOUNT_NOT_FOUND,
    LEDGER_CREDIT_ACCOUNT_NOT_FOUND,
    LEDGER_ACCOUNTS_MUST_HAVE_THE_SAME_LEDGER, /* different assets */
    /* two-phase */
    LEDGER_PENDING_TRANSFER_NOT_FOUND,
    LEDGER_PENDING_TRANSFER_NOT_PENDING, /* it was created single-phase */
    LEDGER_PENDING_TRANSFER_HAS_DIFFERENT_DEBIT_ACCOUNT_ID,
    LEDGER_PENDING_TRANSFER_HAS_DIFFERENT_CREDIT_ACCOUNT_ID,
    LEDGER_PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT,
    LEDGER_EXCEEDS_PENDING_TRANSFER_AMOUNT,
    LEDGER_PENDING_TRANSFER_ALREADY_POSTED,
    LEDGER_PENDING_TRANSFER_ALREADY_VOIDED,
    LEDGER_PENDING_TRANSFER_EXPIRED,
    LEDGER_PENDING_TRANSFER_NOT_EXPIRED, /* LEDGER_OP_EXPIRE_PENDING before the deadline */
    /* arithmetic bounds */
    LEDGER_OVERFLOWS_DEBITS_PENDING,
    LEDGER_OVERFLOWS_CREDITS_PENDING,
    LEDGER_OVERFLOWS_DEBITS_POSTED,
    LEDGER_OVERFLOWS_CREDITS_POSTED,
    LEDGER_OVERFLOWS_BALANCE, /* a balance would leave the int64 range */
    LEDGER_OVERFLOWS_TIMEOUT,
    /* limits (ILP: T04 insufficient liquidity) */
    LEDGER_EXCEEDS_CREDITS, /* the debit account would fall below its min_balance */
    LEDGER_EXCEEDS_DEBITS,  /* the credit account would rise above its max_balance */
    /* assets and accounts */
    LEDGER_ASSET_NOT_FOUND,
    LEDGER_ASSET_CODE_INVALID,
    LEDGER_ASSET_EXISTS_WITH_SAME_CODE_AND_SCALE,
    LEDGER_ACCOUNT_NOT_FOUND,
    LEDGER_ACCOUNT_KIND_INVALID,
    LEDGER_PARENT_NOT_FOUND,
    LEDGER_PARENT_MUST_HAVE_THE_SAME_LEDGER,
    LEDGER_MIN_BALANCE_ABOVE_MAX_BALANCE,
    LEDGER_ILP_ADDRESS_INVALID,
    LEDGER_ILP_ADDRESS_TAKEN,            /* another account has this ILP address */
    LEDGER_EXISTS_WITH_DIFFERENT_FIELDS, /* account/asset create: same id, other body */
    LEDGER_CURSOR_INVALID,
    LEDGER_TRANSFER_NOT_FOUND, /* ledger_transfer_get */
    LEDGER_GUARD_REFUSED,      /* ledger_transfers_execute_guarded: the guard said no */
    /* infrastructure */
    LEDGER_STORAGE_ERROR, /* the database failed; the batch was rolled back, retry it */
    LEDGER_CLOSED,        /* the ledger is shutting down */
    LEDGER_BUSY, /* LEDGER_SUBMIT_TRY: the queue is full; nothing queued; connector T03, HTTP 503 */
    LEDGER_RESULT_COUNT
} ledger_result_t;

/* Stable snake_case name ("exceeds_credits"), for logs and APIs. */
const char *ledger_result_str(ledger_result_t r);

/* ---- assets ---- */

/* Most bytes of an asset's scope (a tenant's id). */
#define LEDGER_ASSET_SCOPE_MAX 36

typedef struct {
    ledger_id_t id; /* caller-chosen; zero -> generated */
    char code[ASSET_CODE_MAX_LEN + 1];
    uint8_t scale;
    /* whose namespace (code, scale) is unique in: "" (the one of an installation without
     * tenants, the operator's) or a tenant's id; several scopes may have the same pair */
    char scope[LEDGER_ASSET_SCOPE_MAX + 1];
    /* set by the ledger: */
    ledger_id_t liquidity_account_id;
    ledger_id_t settlement_account_id;
    int64_t created_ms;
} ledger_asset_t;

/* ---- accounts ---- */

typedef enum {
    LEDGER_KIND_ASSET_LIQUIDITY = 1, /* created with its asset */
    LEDGER_KIND_SETTLEMENT = 2,      /* created with its asset; no minimum balance */
    LEDGER_KIND_PEER = 3,
    LEDGER_KIND_WALLET = 4,
    LEDGER_KIND_INVOICE = 5,
    LEDGER_KIND_MANDATE = 6,
    LEDGER_KIND_OUTGOING = 7,
} ledger_account_kind_t;

const char *ledger_kind_str(ledger_account_kind_t k);
/* Parses "peer", "wallet", ...; -1 when unknown. */
int ledger_kind_parse(const char *s, ledger_account_kind_t *out);

typedef struct {
    uint64_t debits_pending;
    uint64_t debits_posted;
    uint64_t credits_pending;
    uint64_t credits_posted;
} ledger_counters_t;

typedef struct {
    ledger_id_t id; /* caller-chosen; zero -> generated */
    ledger_id_t asset_id;
    ledger_id_t parent_id; /* zero: top-level; else same asset as the parent */
    ledger_account_kind_t kind;
    /* limits */
    int64_t min_balance;  /* default 0; negative = a credit line */
    bool no_min_balance;  /* true only for settlement accounts, unless set on purpose */
    bool has_max_balance; /* max_balance applies only when set */
    int64_t max_balance;
    /* ILP settings */
    char ilp_address[ILP_ADDRESS_MAX_LEN + 1]; /* "" = none */
    uint64_t max_packet_amount;                /* 0 = no limit */
    bool stream_enabled;
    /* read-only, set by the ledger */
    ledger_counters_t counters;
    int64_t created_ms;
} ledger_account_t;

typedef struct {
    int64_t balance;          /* credits_posted - debits_posted - debits_pending */
    uint64_t debits_pending;  /* held outgoing (pending sends) */
    uint64_t credits_pending; /* held incoming */
    uint64_t total_received;  /* credits_posted */
    uint64_t total_sent;      /* debits_posted */
    /* what it can still send: balance - min_balance, 0 when at or past it; UINT64_MAX when the
     * account has no minimum */
    uint64_t available;
} ledger_status_t;

/* ---- transfers ---- */

typedef enum {
    LEDGER_OP_CREATE = 0,         /* a transfer: single-phase, or pending with LEDGER_F_PENDING */
    LEDGER_OP_POST_PENDING = 1,   /* post pending_id: all of it (amount 0) or part of it */
    LEDGER_OP_VOID_PENDING = 2,   /* release pending_id */
    LEDGER_OP_EXPIRE_PENDING = 3, /* what the sweeper runs: void pending_id if it has expired */
} ledger_op_kind_t;

enum {
    LEDGER_F_LINKED = 1u << 0,  /* this op and the next apply all or nothing */
    LEDGER_F_PENDING = 1u << 1, /* create: hold the amount until post, void or timeout */
};
#define LEDGER_F_ALL (LEDGER_F_LINKED | LEDGER_F_PENDING)

typedef struct {
    ledger_op_kind_t kind;
    uint32_t flags;
    ledger_id_t id; /* create: the new transfer's id (required, caller-chosen) */
    ledger_id_t debit_account_id;
    ledger_id_t credit_account_id;
    uint64_t amount;        /* create: > 0; post: 0 = the pending amount, or less */
    ledger_id_t pending_id; /* post/void/expire */
    uint64_t timeout_ms;    /* pending create: 0 = never expires */
    uint32_t code;          /* caller's transfer type (deposit, withdrawal, packet...) */
} ledger_op_t;

typedef enum {
    LEDGER_STATE_POSTED = 0,
    LEDGER_STATE_PENDING = 1,
    LEDGER_STATE_VOIDED = 2,
    LEDGER_STATE_EXPIRED = 3,
} ledger_transfer_state_t;

const char *ledger_state_str(ledger_transfer_state_t s);

typedef struct {
    ledger_id_t id;
    ledger_id_t debit_account_id;
    ledger_id_t credit_account_id;
    uint64_t amount;        /* requested (for a pending transfer: the hold) */
    uint64_t posted_amount; /* what moved: amount if single-phase, the post amount, or 0 */
    uint32_t flags;         /* LEDGER_F_* as created */
    uint32_t code;
    ledger_transfer_state_t state;
    uint64_t timeout_ms;
    int64_t created_ms;
    int64_t expires_ms;  /* 0 = none */
    int64_t resolved_ms; /* post/void/expiry time, 0 while pending */
} ledger_transfer_t;

#endif
