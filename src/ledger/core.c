/*
 * In-memory apply engine: hash maps of accounts and transfers, the checks of every operation in
 * TigerBeetle's order (idempotency first), linked chains with an undo log, and change tracking
 * for the storage layer. See core.h.
 */
#include "ledger/core.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/mem.h"
#include "ledger/mem.h"

/* ---- open-addressing map from id to pool index (the id is the first field of the entry) ---- */

typedef struct {
    uint32_t *slots; /* index + 1; 0 = empty */
    uint32_t cap;    /* power of two */
    uint32_t count;
} idmap_t;

static uint32_t id_hash(ledger_id_t id, uint32_t mask)
{
    return (uint32_t)lmem_id_hash(id) & mask;
}

static const ledger_id_t *entry_id(const void *base, size_t stride, uint32_t idx)
{
    return (const ledger_id_t *)((const char *)base + (size_t)idx * stride);
}

static uint32_t idmap_find(const idmap_t *m, const void *base, size_t stride, ledger_id_t id)
{
    if (m->cap == 0)
        return UINT32_MAX;
    uint32_t mask = m->cap - 1;
    for (uint32_t i = id_hash(id, mask);; i = (i + 1) & mask) {
        uint32_t s = m->slots[i];
        if (s == 0)
            return UINT32_MAX;
        if (ledger_id_eq(*entry_id(base, stride, s - 1), id))
            return s - 1;
    }
}

static void idmap_insert_raw(idmap_t *m, ledger_id_t id, uint32_t idx)
{
    uint32_t mask = m->cap - 1;
    uint32_t i = id_hash(id, mask);
    while (m->slots[i] != 0)
        i = (i + 1) & mask;
    m->slots[i] = idx + 1;
    m->count++;
}

static void idmap_insert(idmap_t *m, const void *base, size_t stride, uint32_t idx)
{
    if ((m->count + 1) * 2 > m->cap) {
        uint32_t old_cap = m->cap;
        uint32_t *old = m->slots;
        m->cap = old_cap ? old_cap * 2 : 64;
        m->slots = xcalloc(m->cap, sizeof *m->slots);
        m->count = 0;
        for (uint32_t i = 0; i < old_cap; i++)
            if (old[i])
                idmap_insert_raw(m, *entry_id(base, stride, old[i] - 1), old[i] - 1);
        free(old);
    }
    idmap_insert_raw(m, *entry_id(base, stride, idx), idx);
}

/* Backward-shift deletion keeps probe chains intact without tombstones. */
static void idmap_remove(idmap_t *m, const void *base, size_t stride, ledger_id_t id)
{
    uint32_t mask = m->cap - 1;
    uint32_t i = id_hash(id, mask);
    while (!ledger_id_eq(*entry_id(base, stride, m->slots[i] - 1), id))
        i = (i + 1) & mask;
    uint32_t j = i;
    for (;;) {
        m->slots[i] = 0;
        for (;;) {
            j = (j + 1) & mask;
            if (m->slots[j] == 0) {
                m->count--;
                return;
            }
            uint32_t k = id_hash(*entry_id(base, stride, m->slots[j] - 1), mask);
            /* move slot j back to i unless its home k lies cyclically in (i, j] */
            bool stays = (i <= j) ? (i < k && k <= j) : (i < k || k <= j);
            if (!stays)
                break;
        }
        m->slots[i] = m->slots[j];
        i = j;
    }
}

static void idmap_clear(idmap_t *m)
{
    if (m->slots)
        memset(m->slots, 0, m->cap * sizeof *m->slots);
    m->count = 0;
}

/* ---- the engine ---- */

enum { U_ACCOUNT, U_TRANSFER_NEW, U_TRANSFER_STATE };

typedef struct {
    uint32_t kind;
    uint32_t idx;
    ledger_counters_t c;
    int64_t last_seq;
    ledger_transfer_state_t state;
    uint64_t posted_amount;
    int64_t resolved_ms;
} undo_t;

struct lcore {
    lc_account_t *accts;
    uint32_t n_accts, cap_accts;
    idmap_t acct_map;

    ledger_transfer_t *xfers;
    int64_t *xfer_tag;    /* lcore_transfer_load's tag; 0 for new transfers */
    uint8_t *xfer_listed; /* already in the resolved list */
    uint32_t n_xfers, cap_xfers;
    uint32_t first_new; /* xfers[first_new..n_xfers) were created since the mark */
    idmap_t xfer_map;

    undo_t *undo;
    size_t n_undo, cap_undo;
    uint32_t *dirty; /* account indices, each once */
    size_t n_dirty, cap_dirty;
    uint32_t *resolved; /* transfer indices, each once */
    size_t n_resolved, cap_resolved;
};

lcore_t *lcore_new(void)
{
    lcore_t *c = xcalloc(1, sizeof *c);
    return c;
}

void lcore_free(lcore_t *c)
{
    if (!c)
        return;
    free(c->accts);
    free(c->acct_map.slots);
    free(c->xfers);
    free(c->xfer_listed);
    free(c->xfer_tag);
    free(c->xfer_map.slots);
    free(c->undo);
    free(c->dirty);
    free(c->resolved);
    free(c);
}

void lcore_clear_transfers(lcore_t *c)
{
    ASSERT(c->n_undo == 0 && c->n_resolved == 0);
    c->n_xfers = 0;
    c->first_new = 0;
    idmap_clear(&c->xfer_map);
}

void lcore_clear(lcore_t *c)
{
    lcore_clear_transfers(c);
    ASSERT(c->n_dirty == 0);
    c->n_accts = 0;
    idmap_clear(&c->acct_map);
}

lc_account_t *lcore_account_find(lcore_t *c, ledger_id_t id)
{
    uint32_t i = idmap_find(&c->acct_map, c->accts, sizeof *c->accts, id);
    return i == UINT32_MAX ? NULL : &c->accts[i];
}

lc_account_t *lcore_account_put(lcore_t *c, const lc_account_t *a)
{
    lc_account_t *cur = lcore_account_find(c, a->id);
    if (cur) {
        bool dirty = cur->dirty;
        *cur = *a;
        cur->dirty = dirty;
        return cur;
    }
    size_t cap = c->cap_accts;
    c->accts = lmem_grow(c->accts, &cap, (size_t)c->n_accts + 1, sizeof *c->accts);
    ASSERT(cap <= UINT32_MAX);
    c->cap_accts = (uint32_t)cap;
    uint32_t idx = c->n_accts++;
    c->accts[idx] = *a;
    c->accts[idx].dirty = false;
    idmap_insert(&c->acct_map, c->accts, sizeof *c->accts, idx);
    return &c->accts[idx];
}

size_t lcore_account_count(const lcore_t *c)
{
    return c->n_accts;
}

lc_account_t *lcore_account_at(lcore_t *c, size_t i)
{
    ASSERT(i < c->n_accts);
    return &c->accts[i];
}

ledger_transfer_t *lcore_transfer_find(lcore_t *c, ledger_id_t id)
{
    uint32_t i = idmap_find(&c->xfer_map, c->xfers, sizeof *c->xfers, id);
    return i == UINT32_MAX ? NULL : &c->xfers[i];
}

static uint32_t transfer_add(lcore_t *c, const ledger_transfer_t *t)
{
    size_t cap = c->cap_xfers;
    c->xfers = lmem_grow(c->xfers, &cap, (size_t)c->n_xfers + 1, sizeof *c->xfers);
    size_t cap2 = c->cap_xfers, cap3 = c->cap_xfers;
    c->xfer_listed = lmem_grow(c->xfer_listed, &cap2, (size_t)c->n_xfers + 1, 1);
    c->xfer_tag = lmem_grow(c->xfer_tag, &cap3, (size_t)c->n_xfers + 1, sizeof *c->xfer_tag);
    ASSERT(cap == cap2 && cap == cap3 && cap <= UINT32_MAX);
    c->cap_xfers = (uint32_t)cap;
    uint32_t idx = c->n_xfers++;
    c->xfers[idx] = *t;
    c->xfer_listed[idx] = 0;
    c->xfer_tag[idx] = 0;
    idmap_insert(&c->xfer_map, c->xfers, sizeof *c->xfers, idx);
    return idx;
}

void lcore_transfer_load(lcore_t *c, const ledger_transfer_t *t, int64_t tag)
{
    /* loaded rows come before anything the batch creates */
    ASSERT(c->first_new == c->n_xfers);
    if (lcore_transfer_find(c, t->id))
        return;
    uint32_t idx = transfer_add(c, t); /* may move xfer_tag */
    c->xfer_tag[idx] = tag;
    c->first_new = c->n_xfers;
}

int64_t lcore_transfer_tag(const lcore_t *c, const ledger_transfer_t *t)
{
    ASSERT(t >= c->xfers && t < c->xfers + c->n_xfers);
    return c->xfer_tag[t - c->xfers];
}

size_t lcore_transfer_count(const lcore_t *c)
{
    return c->n_xfers;
}

ledger_transfer_t *lcore_transfer_at(lcore_t *c, size_t i)
{
    ASSERT(i < c->n_xfers);
    return &c->xfers[i];
}

/* ---- undo and change tracking ---- */

static undo_t *undo_push(lcore_t *c, uint32_t kind, uint32_t idx)
{
    c->undo = lmem_grow(c->undo, &c->cap_undo, c->n_undo + 1, sizeof *c->undo);
    undo_t *u = &c->undo[c->n_undo++];
    memset(u, 0, sizeof *u);
    u->kind = kind;
    u->idx = idx;
    return u;
}

static void account_touch(lcore_t *c, lc_account_t *a)
{
    undo_t *u = undo_push(c, U_ACCOUNT, (uint32_t)(a - c->accts));
    u->c = a->c;
    u->last_seq = a->last_seq;
    if (!a->dirty) {
        a->dirty = true;
        c->dirty = lmem_grow(c->dirty, &c->cap_dirty, c->n_dirty + 1, sizeof *c->dirty);
        c->dirty[c->n_dirty++] = (uint32_t)(a - c->accts);
    }
}

static void transfer_touch(lcore_t *c, ledger_transfer_t *t)
{
    uint32_t idx = (uint32_t)(t - c->xfers);
    undo_t *u = undo_push(c, U_TRANSFER_STATE, idx);
    u->state = t->state;
    u->posted_amount = t->posted_amount;
    u->resolved_ms = t->resolved_ms;
    if (idx < c->first_new && !c->xfer_listed[idx]) {
        c->xfer_listed[idx] = 1;
        c->resolved =
            lmem_grow(c->resolved, &c->cap_resolved, c->n_resolved + 1, sizeof *c->resolved);
        c->resolved[c->n_resolved++] = idx;
    }
}

static void undo_to(lcore_t *c, size_t mark)
{
    while (c->n_undo > mark) {
        undo_t *u = &c->undo[--c->n_undo];
        switch (u->kind) {
        case U_ACCOUNT:
            c->accts[u->idx].c = u->c;
            c->accts[u->idx].last_seq = u->last_seq;
            break;
        case U_TRANSFER_NEW:
            ASSERT(u->idx == c->n_xfers - 1);
            idmap_remove(&c->xfer_map, c->xfers, sizeof *c->xfers, c->xfers[u->idx].id);
            c->n_xfers--;
            break;
        case U_TRANSFER_STATE:
            c->xfers[u->idx].state = u->state;
            c->xfers[u->idx].posted_amount = u->posted_amount;
            c->xfers[u->idx].resolved_ms = u->resolved_ms;
            break;
        default:
            ASSERT(!"bad undo kind");
        }
    }
}

size_t lcore_new_transfers(lcore_t *c, ledger_transfer_t **first)
{
    *first = c->xfers + c->first_new;
    return c->n_xfers - c->first_new;
}

size_t lcore_resolved_count(const lcore_t *c)
{
    return c->n_resolved;
}

ledger_transfer_t *lcore_resolved_at(lcore_t *c, size_t i)
{
    ASSERT(i < c->n_resolved);
    return &c->xfers[c->resolved[i]];
}

size_t lcore_dirty_count(const lcore_t *c)
{
    return c->n_dirty;
}

lc_account_t *lcore_dirty_at(lcore_t *c, size_t i)
{
    ASSERT(i < c->n_dirty);
    return &c->accts[c->dirty[i]];
}

void lcore_mark_clean(lcore_t *c)
{
    for (size_t i = 0; i < c->n_dirty; i++)
        c->accts[c->dirty[i]].dirty = false;
    for (size_t i = 0; i < c->n_resolved; i++)
        c->xfer_listed[c->resolved[i]] = 0;
    c->n_dirty = 0;
    c->n_resolved = 0;
    c->n_undo = 0;
    c->first_new = c->n_xfers;
}

size_t lcore_undo_mark(const lcore_t *c)
{
    return c->n_undo;
}

void lcore_undo_to(lcore_t *c, size_t mark)
{
    ASSERT(mark <= c->n_undo);
    undo_to(c, mark);
}

void lcore_undo_all(lcore_t *c)
{
    undo_to(c, 0);
    ASSERT(c->n_xfers == c->first_new);
    lcore_mark_clean(c);
}

/* ---- balances ---- */

int64_t lcore_balance(const ledger_counters_t *k)
{
    __int128 b = (__int128)k->credits_posted - k->debits_posted - k->debits_pending;
    ASSERT(b >= INT64_MIN && b <= INT64_MAX); /* kept in range by LEDGER_OVERFLOWS_BALANCE */
    return (int64_t)b;
}

void lcore_status(const lc_account_t *a, ledger_status_t *out)
{
    memset(out, 0, sizeof *out);
    out->balance = lcore_balance(&a->c);
    out->debits_pending = a->c.debits_pending;
    out->credits_pending = a->c.credits_pending;
    out->total_received = a->c.credits_posted;
    out->total_sent = a->c.debits_posted;
    if (a->no_min_balance) {
        out->available = UINT64_MAX;
    } else {
        __int128 avail = (__int128)out->balance - a->min_balance;
        out->available = avail > 0 ? (uint64_t)avail : 0;
    }
}

/* ---- operations ---- */

ledger_result_t lcore_compare_existing(const ledger_transfer_t *t, const ledger_op_t *op)
{
    if (t->flags != op->flags)
        return LEDGER_EXISTS_WITH_DIFFERENT_FLAGS;
    if (!ledger_id_eq(t->debit_account_id, op->debit_account_id))
        return LEDGER_EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT_ID;
    if (!ledger_id_eq(t->credit_account_id, op->credit_account_id))
        return LEDGER_EXISTS_WITH_DIFFERENT_CREDIT_ACCOUNT_ID;
    if (t->amount != op->amount)
        return LEDGER_EXISTS_WITH_DIFFERENT_AMOUNT;
    if (t->timeout_ms != op->timeout_ms)
        return LEDGER_EXISTS_WITH_DIFFERENT_TIMEOUT;
    if (t->code != op->code)
        return LEDGER_EXISTS_WITH_DIFFERENT_CODE;
    return LEDGER_EXISTS;
}

/* Checks the amount against both accounts' counters and limits, before anything changes. */
static ledger_result_t check_limits(const lc_account_t *dr, const lc_account_t *cr, uint64_t amount,
                                    bool pending)
{
    uint64_t sum;
    if (pending && __builtin_add_overflow(dr->c.debits_pending, amount, &sum))
        return LEDGER_OVERFLOWS_DEBITS_PENDING;
    if (pending && __builtin_add_overflow(cr->c.credits_pending, amount, &sum))
        return LEDGER_OVERFLOWS_CREDITS_PENDING;
    if (!pending && __builtin_add_overflow(dr->c.debits_posted, amount, &sum))
        return LEDGER_OVERFLOWS_DEBITS_POSTED;
    if (!pending && __builtin_add_overflow(cr->c.credits_posted, amount, &sum))
        return LEDGER_OVERFLOWS_CREDITS_POSTED;

    /* Both sides count pending amounts against the limit: what could leave, what could come. */
    __int128 dr_after =
        (__int128)dr->c.credits_posted - dr->c.debits_posted - dr->c.debits_pending - amount;
    __int128 cr_after =
        (__int128)cr->c.credits_posted + cr->c.credits_pending - cr->c.debits_posted + amount;
    if (!dr->no_min_balance && dr_after < dr->min_balance)
        return LEDGER_EXCEEDS_CREDITS;
    if (cr->has_max_balance && cr_after > cr->max_balance)
        return LEDGER_EXCEEDS_DEBITS;
    if (dr_after < INT64_MIN || cr_after > INT64_MAX)
        return LEDGER_OVERFLOWS_BALANCE;
    return LEDGER_OK;
}

static ledger_result_t op_create(lcore_t *c, const ledger_op_t *op, int64_t now_ms)
{
    if (ledger_id_is_zero(op->id))
        return LEDGER_ID_MUST_NOT_BE_ZERO;
    const ledger_transfer_t *old = lcore_transfer_find(c, op->id);
    if (old)
        return lcore_compare_existing(old, op);
    if (op->flags & ~(uint32_t)LEDGER_F_ALL)
        return LEDGER_FLAGS_INVALID;
    if (ledger_id_is_zero(op->debit_account_id))
        return LEDGER_DEBIT_ACCOUNT_ID_MUST_NOT_BE_ZERO;
    if (ledger_id_is_zero(op->credit_account_id))
        return LEDGER_CREDIT_ACCOUNT_ID_MUST_NOT_BE_ZERO;
    if (ledger_id_eq(op->debit_account_id, op->credit_account_id))
        return LEDGER_ACCOUNTS_MUST_BE_DIFFERENT;
    if (!ledger_id_is_zero(op->pending_id))
        return LEDGER_PENDING_ID_MUST_BE_ZERO;
    bool pending = (op->flags & LEDGER_F_PENDING) != 0;
    if (!pending && op->timeout_ms != 0)
        return LEDGER_TIMEOUT_RESERVED_FOR_PENDING_TRANSFER;
    if (op->amount == 0)
        return LEDGER_AMOUNT_MUST_NOT_BE_ZERO;
    lc_account_t *dr = lcore_account_find(c, op->debit_account_id);
    if (!dr)
        return LEDGER_DEBIT_ACCOUNT_NOT_FOUND;
    lc_account_t *cr = lcore_account_find(c, op->credit_account_id);
    if (!cr)
        return LEDGER_CREDIT_ACCOUNT_NOT_FOUND;
    if (!ledger_id_eq(dr->asset_id, cr->asset_id))
        return LEDGER_ACCOUNTS_MUST_HAVE_THE_SAME_LEDGER;
    int64_t expires_ms = 0;
    if (pending && op->timeout_ms != 0) {
        if (op->timeout_ms > (uint64_t)INT64_MAX ||
            __builtin_add_overflow(now_ms, (int64_t)op->timeout_ms, &expires_ms))
            return LEDGER_OVERFLOWS_TIMEOUT;
    }
    ledger_result_t r = check_limits(dr, cr, op->amount, pending);
    if (r != LEDGER_OK)
        return r;

    account_touch(c, dr);
    account_touch(c, cr);
    if (pending) {
        dr->c.debits_pending += op->amount;
        cr->c.credits_pending += op->amount;
    } else {
        dr->c.debits_posted += op->amount;
        cr->c.credits_posted += op->amount;
    }
    ledger_transfer_t t = {
        .id = op->id,
        .debit_account_id = op->debit_account_id,
        .credit_account_id = op->credit_account_id,
        .amount = op->amount,
        .posted_amount = pending ? 0 : op->amount,
        .flags = op->flags,
        .code = op->code,
        .state = pending ? LEDGER_STATE_PENDING : LEDGER_STATE_POSTED,
        .timeout_ms = op->timeout_ms,
        .created_ms = now_ms,
        .expires_ms = expires_ms,
        .resolved_ms = pending ? 0 : now_ms,
    };
    uint32_t idx = transfer_add(c, &t);
    undo_push(c, U_TRANSFER_NEW, idx);
    return LEDGER_OK;
}

/* The checks shared by post, void and expire, in TigerBeetle's order. */
static ledger_result_t pending_lookup(lcore_t *c, const ledger_op_t *op, ledger_transfer_t **out)
{
    if (op->flags & ~(uint32_t)LEDGER_F_LINKED)
        return LEDGER_FLAGS_INVALID;
    if (ledger_id_is_zero(op->pending_id))
        return LEDGER_PENDING_ID_MUST_NOT_BE_ZERO;
    if (op->timeout_ms != 0)
        return LEDGER_TIMEOUT_RESERVED_FOR_PENDING_TRANSFER;
    ledger_transfer_t *p = lcore_transfer_find(c, op->pending_id);
    if (!p)
        return LEDGER_PENDING_TRANSFER_NOT_FOUND;
    if (!(p->flags & LEDGER_F_PENDING))
        return LEDGER_PENDING_TRANSFER_NOT_PENDING;
    if (!ledger_id_is_zero(op->debit_account_id) &&
        !ledger_id_eq(op->debit_account_id, p->debit_account_id))
        return LEDGER_PENDING_TRANSFER_HAS_DIFFERENT_DEBIT_ACCOUNT_ID;
    if (!ledger_id_is_zero(op->credit_account_id) &&
        !ledger_id_eq(op->credit_account_id, p->credit_account_id))
        return LEDGER_PENDING_TRANSFER_HAS_DIFFERENT_CREDIT_ACCOUNT_ID;
    switch (p->state) {
    case LEDGER_STATE_PENDING:
        break;
    case LEDGER_STATE_POSTED:
        return LEDGER_PENDING_TRANSFER_ALREADY_POSTED;
    case LEDGER_STATE_VOIDED:
        return LEDGER_PENDING_TRANSFER_ALREADY_VOIDED;
    case LEDGER_STATE_EXPIRED:
        return LEDGER_PENDING_TRANSFER_EXPIRED;
    }
    *out = p;
    return LEDGER_OK;
}

static ledger_result_t op_resolve(lcore_t *c, const ledger_op_t *op, int64_t now_ms)
{
    ledger_transfer_t *p = NULL;
    ledger_result_t r = pending_lookup(c, op, &p);
    if (r != LEDGER_OK)
        return r;
    bool expired = p->expires_ms != 0 && now_ms >= p->expires_ms;
    uint64_t posted = 0;
    ledger_transfer_state_t to = LEDGER_STATE_VOIDED;
    if (op->kind == LEDGER_OP_EXPIRE_PENDING) {
        if (!expired)
            return LEDGER_PENDING_TRANSFER_NOT_EXPIRED;
        to = LEDGER_STATE_EXPIRED;
    } else if (expired) {
        return LEDGER_PENDING_TRANSFER_EXPIRED;
    } else if (op->kind == LEDGER_OP_POST_PENDING) {
        posted = op->amount ? op->amount : p->amount;
        if (posted > p->amount)
            return LEDGER_EXCEEDS_PENDING_TRANSFER_AMOUNT;
        to = LEDGER_STATE_POSTED;
    } else if (op->amount != 0 && op->amount != p->amount) {
        return LEDGER_PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT;
    }
    lc_account_t *dr = lcore_account_find(c, p->debit_account_id);
    lc_account_t *cr = lcore_account_find(c, p->credit_account_id);
    ASSERT(dr && cr); /* a stored pending transfer's accounts are always loaded */
    ASSERT(dr->c.debits_pending >= p->amount && cr->c.credits_pending >= p->amount);
    uint64_t sum;
    if (__builtin_add_overflow(dr->c.debits_posted, posted, &sum))
        return LEDGER_OVERFLOWS_DEBITS_POSTED;
    if (__builtin_add_overflow(cr->c.credits_posted, posted, &sum))
        return LEDGER_OVERFLOWS_CREDITS_POSTED;

    account_touch(c, dr);
    account_touch(c, cr);
    transfer_touch(c, p);
    dr->c.debits_pending -= p->amount;
    cr->c.credits_pending -= p->amount;
    dr->c.debits_posted += posted;
    cr->c.credits_posted += posted;
    p->state = to;
    p->posted_amount = posted;
    p->resolved_ms = now_ms;
    return LEDGER_OK;
}

static ledger_result_t apply_one(lcore_t *c, const ledger_op_t *op, int64_t now_ms)
{
    switch (op->kind) {
    case LEDGER_OP_CREATE:
        return op_create(c, op, now_ms);
    case LEDGER_OP_POST_PENDING:
    case LEDGER_OP_VOID_PENDING:
    case LEDGER_OP_EXPIRE_PENDING:
        return op_resolve(c, op, now_ms);
    }
    return LEDGER_OP_INVALID;
}

/* A chain is ops[start..end]: every op but the last has LEDGER_F_LINKED. */
void lcore_apply(lcore_t *c, const ledger_op_t *ops, size_t n, int64_t now_ms,
                 ledger_result_t *results)
{
    size_t i = 0;
    while (i < n) {
        size_t start = i;
        size_t mark = c->n_undo;
        size_t end = start;
        while (end < n && (ops[end].flags & LEDGER_F_LINKED))
            end++;
        bool open = end == n; /* the submission ended inside a chain */
        if (open)
            end = n - 1;
        size_t failed = SIZE_MAX;
        for (size_t k = start; k <= end; k++) {
            ledger_result_t r =
                (open && k == end) ? LEDGER_LINKED_EVENT_CHAIN_OPEN : apply_one(c, &ops[k], now_ms);
            results[k] = r;
            if (r != LEDGER_OK && start != end) {
                failed = k;
                break;
            }
        }
        if (failed != SIZE_MAX) {
            undo_to(c, mark);
            for (size_t k = start; k <= end; k++)
                if (k != failed)
                    results[k] = LEDGER_LINKED_EVENT_FAILED;
        }
        i = end + 1;
    }
}
