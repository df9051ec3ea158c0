/*
 * The packet pipeline, stage by stage (order and codes in connector.h). One op_t per Prepare
 * carries the state across threads; it is reference counted because the next hop's answer and
 * the R00 timer race to decide the outcome (an atomic flag picks the winner) and both hold it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/digest.h"
#include "base/log.h"
#include "base/mem.h"
#include "connector/connector_internal.h"
#include "ilp/address.h"
#include "ilp/errors.h"
#include "ilp/ildcp.h"

typedef struct {
    connector_t *c;
    atomic_int refs;
    atomic_int decided;   /* 0 until the next hop's answer or the timer claims the outcome */
    peer_t *src_peer;     /* NULL for in-process sources */
    peer_t *dst_peer;     /* NULL for local delivery */
    acct_info_t src, dst; /* .id set at the start / by routing, the rest once loaded */
    unsigned loaded;      /* 0: neither account loaded, 1: src, 2: both */
    bool local;
    uint8_t *pkt;
    size_t len;
    ilp_prepare_t prep; /* slices into pkt */
    uint64_t dst_amount;
    int64_t out_expiry_ms;
    ledger_op_t legs[2];
    size_t nlegs;
    conn_timer_t timer;
    buf_t reply; /* a Fulfill kept until its post has committed */
    stream_reply_info_t sinfo;
    /* local delivery: the connection token, decoded once while routing */
    stream_connection_details_t sdetails; /* slices into splain */
    uint8_t ssecret[STREAM_SHARED_SECRET_LEN];
    uint8_t splain[1024];
    connector_reply_fn cb;
    void *user;
    /* the request id of the thread that sent it (a payment's worker, log.h): the op's log
     * lines carry it whatever thread writes them; "" for packets from peers */
    char rid[LOG_REQUEST_ID_MAX + 1];
} op_t;

/* Logs a line of the op under its request id (the line may be written on any thread; the
 * thread's own id is put back after). */
#define OP_LOG(op, lvl, ...)                                                                       \
    do {                                                                                           \
        char op_log_prev_[LOG_REQUEST_ID_MAX + 1];                                                 \
        snprintf(op_log_prev_, sizeof op_log_prev_, "%s", log_request_id());                       \
        log_request_id_set((op)->rid);                                                             \
        LOG_AT(lvl, __VA_ARGS__);                                                                  \
        log_request_id_set(op_log_prev_);                                                          \
    } while (0)

/* ---- replies ---- */

static void send_reject(connector_t *c, const char *code, const char *msg, slice_t data,
                        connector_reply_fn cb, void *user)
{
    uint8_t mem[ILP_PACKET_MAX_LEN];
    buf_t b;
    buf_init_fixed(&b, mem, sizeof mem);
    slice_t by = SLICE(c->address, c->address_len);
    if (ilp_reject_build(&b, code, by, SLICE_STR(msg), data) != ILP_OK) {
        buf_reset(&b);
        ilp_reject_build(&b, ILP_T00_INTERNAL_ERROR, by, SLICE(NULL, 0), SLICE(NULL, 0));
    }
    connector_count_reply(c, b.ptr, b.len);
    cb(user, b.ptr, b.len);
}

static void op_release(op_t *op)
{
    if (atomic_fetch_sub_explicit(&op->refs, 1, memory_order_acq_rel) != 1)
        return;
    atomic_fetch_sub(&op->c->in_flight, 1);
    peer_release(op->src_peer);
    peer_release(op->dst_peer);
    buf_free(&op->reply);
    free(op->pkt);
    free(op);
}

/* The single reply of the op, then the pipeline's reference is dropped. */
static void op_reject(op_t *op, const char *code, const char *msg)
{
    send_reject(op->c, code, msg, SLICE(NULL, 0), op->cb, op->user);
    op_release(op);
}

static void op_reply(op_t *op, const uint8_t *pkt, size_t len)
{
    connector_count_reply(op->c, pkt, len);
    op->cb(op->user, pkt, len);
    op_release(op);
}

/* ---- ledger helpers ---- */

/* The result that explains a failed submission (not the "another linked op failed" ones). */
static ledger_result_t first_failure(const ledger_result_t *r, size_t n)
{
    ledger_result_t any = LEDGER_OK;
    for (size_t i = 0; i < n; i++) {
        if (r[i] != LEDGER_OK && r[i] != LEDGER_LINKED_EVENT_FAILED)
            return r[i];
        if (r[i] != LEDGER_OK)
            any = r[i];
    }
    return any;
}

/*
 * A local credit that did not happen: the sender will retry this money, so take it out of the
 * receipt total the receiver counted it in. Nothing for forwards (their sinfo is empty).
 */
static void revert_receipt(op_t *op)
{
    if (stream_receiver_revert(&op->c->receiver, op->prep.destination, &op->sinfo) != STREAM_OK)
        OP_LOG(op, LOG_WARN, "connector: could not revert a STREAM receipt total");
}

/*
 * Submits new work (a hold, a local credit) without ever waiting: when the ledger's queue is
 * full the packet is rejected T03 Connector Busy at once. T03 is RFC 0027's code for "rejecting
 * packets due to overload"; senders back off and retry it like any T error. T04 would make
 * STREAM senders shrink their packets (ilp-protocol-stream and our sender cut the amount on
 * T04), adding packets to an overloaded connector; T00 would claim a fault we do not have.
 * Returns whether the submission was queued; otherwise the op was rejected (nothing held).
 */
static bool submit_new(op_t *op, ledger_done_fn done)
{
    ledger_result_t r = ledger_transfers_submit_mode(op->c->ledger, op->legs, op->nlegs,
                                                     LEDGER_SUBMIT_TRY, done, op);
    if (r == LEDGER_OK)
        return true;
    op->nlegs = 0;
    revert_receipt(op);
    if (r == LEDGER_BUSY)
        op_reject(op, ILP_T03_CONNECTOR_BUSY, "connector busy");
    else
        op_reject(op, ILP_T00_INTERNAL_ERROR, "ledger unavailable");
    return false;
}

static const char *ledger_ilp_code(ledger_result_t r)
{
    return r == LEDGER_EXCEEDS_CREDITS || r == LEDGER_EXCEEDS_DEBITS
               ? ILP_T04_INSUFFICIENT_LIQUIDITY
               : ILP_T00_INTERNAL_ERROR;
}

/* Source -> destination, or through both assets' liquidity accounts when they differ. */
static void build_legs(op_t *op, uint32_t flags, uint64_t timeout_ms)
{
    ledger_op_t base = {.kind = LEDGER_OP_CREATE,
                        .flags = flags,
                        .timeout_ms = timeout_ms,
                        .code = CONNECTOR_TRANSFER_CODE};
    if (ledger_id_eq(op->src.asset_id, op->dst.asset_id)) {
        op->legs[0] = base;
        op->legs[0].id = accounts_transfer_id(op->c->accounts);
        op->legs[0].debit_account_id = op->src.id;
        op->legs[0].credit_account_id = op->dst.id;
        op->legs[0].amount = op->prep.amount;
        op->nlegs = 1;
        return;
    }
    op->legs[0] = base;
    op->legs[0].flags |= LEDGER_F_LINKED;
    op->legs[0].id = accounts_transfer_id(op->c->accounts);
    op->legs[0].debit_account_id = op->src.id;
    op->legs[0].credit_account_id = op->src.liquidity_id;
    op->legs[0].amount = op->prep.amount;
    op->legs[1] = base;
    op->legs[1].id = accounts_transfer_id(op->c->accounts);
    op->legs[1].debit_account_id = op->dst.liquidity_id;
    op->legs[1].credit_account_id = op->dst.id;
    op->legs[1].amount = op->dst_amount;
    op->nlegs = 2;
}

static void resolve_done(void *user, const ledger_result_t *r, size_t n);

/*
 * Post or void every leg of the hold; then is called once committed (NULL: fire and forget).
 * A follow-up of admitted work: never blocks, never refused for room, so the ledger and link
 * callbacks that call this cannot wait for the queue they are draining.
 */
static void resolve_hold(op_t *op, ledger_op_kind_t kind, ledger_done_fn then)
{
    ledger_op_t ops[2];
    for (size_t i = 0; i < op->nlegs; i++) {
        ops[i] = (ledger_op_t){.kind = kind,
                               .flags = i + 1 < op->nlegs ? LEDGER_F_LINKED : 0,
                               .id = accounts_transfer_id(op->c->accounts),
                               .pending_id = op->legs[i].id,
                               .code = CONNECTOR_TRANSFER_CODE};
    }
    atomic_fetch_add(&op->refs, 1);
    if (ledger_transfers_submit_mode(op->c->ledger, ops, op->nlegs, LEDGER_SUBMIT_FOLLOW_UP,
                                     then ? then : resolve_done, op) != LEDGER_OK) {
        /* the sweeper voids the hold at its timeout; nothing is lost */
        OP_LOG(op, LOG_WARN, "connector: could not submit %s of a hold",
               kind == LEDGER_OP_POST_PENDING ? "post" : "void");
        ledger_result_t closed[2] = {LEDGER_CLOSED, LEDGER_CLOSED};
        (then ? then : resolve_done)(op, closed, op->nlegs);
    }
}

static void resolve_done(void *user, const ledger_result_t *r, size_t n)
{
    op_t *op = user;
    ledger_result_t f = first_failure(r, n);
    if (f != LEDGER_OK)
        OP_LOG(op, LOG_WARN, "connector: resolving a hold failed: %s", ledger_result_str(f));
    op_release(op);
}

/* Rejects and releases the hold, if any. */
static void op_fail(op_t *op, const char *code, const char *msg)
{
    if (op->nlegs)
        resolve_hold(op, LEDGER_OP_VOID_PENDING, NULL);
    op_reject(op, code, msg);
}

/* ---- stages ---- */

static void stage_accounts(op_t *op);
static void stage_rate(op_t *op);
static void stage_convert(op_t *op, rate_t rate);
static void stage_hold(op_t *op);
static void stage_forward(op_t *op);
static void stage_local(op_t *op);

static bool stage_ildcp(op_t *op)
{
    if (!ildcp_is_request(&op->prep))
        return false;
    const peer_t *p = op->src_peer;
    ildcp_response_t r = {.client_address = SLICE_STR(p->ilp_address),
                          .asset_scale = p->asset_scale,
                          .asset_code = SLICE_STR(p->asset_code)};
    uint8_t mem[2048];
    buf_t b;
    buf_init_fixed(&b, mem, sizeof mem);
    if (ildcp_response_encode(&b, &r) != ILDCP_OK)
        op_reject(op, ILP_T00_INTERNAL_ERROR, "IL-DCP encoding failed");
    else
        op_reply(op, b.ptr, b.len);
    return true;
}

/* Steps 3 and 4: what only peers are subject to. Returns false when it answered. */
static bool stage_peer_limits(op_t *op)
{
    const peer_t *p = op->src_peer;
    if (p->max_packet_amount && op->prep.amount > p->max_packet_amount) {
        uint8_t mem[512];
        buf_t b;
        buf_init_fixed(&b, mem, sizeof mem);
        ilp_reject_build_f08(&b, SLICE(op->c->address, op->c->address_len),
                             SLICE_LIT("packet size too large"), op->prep.amount,
                             p->max_packet_amount);
        op_reply(op, b.ptr, b.len);
        return false;
    }
    ratelimit_limits_t lim = {
        .packets_per_s = p->packets_per_s ? p->packets_per_s : op->c->default_limits.packets_per_s,
        .amount_per_s = p->amount_per_s ? p->amount_per_s : op->c->default_limits.amount_per_s};
    switch (ratelimit_check(&op->c->counters, p->id, &lim, op->prep.amount, clock_wall_ms())) {
    case RATELIMIT_OK:
        return true;
    case RATELIMIT_PACKETS:
        op_reject(op, ILP_T05_RATE_LIMITED, "too many packets");
        return false;
    case RATELIMIT_AMOUNT:
        op_reject(op, ILP_T04_INSUFFICIENT_LIQUIDITY, "exceeded throughput limit");
        return false;
    }
    return true;
}

/* Step 6 for our own STREAM addresses: the payment tag names a STREAM-enabled account. */
static bool route_local(op_t *op)
{
    stream_connection_details_t *d = &op->sdetails;
    uint8_t token[1024];
    size_t token_len = 0;
    if (stream_receiver_decode_token(&op->c->receiver, op->prep.destination, d, op->splain,
                                     sizeof op->splain, token, &token_len) != STREAM_OK ||
        ledger_id_parse((const char *)d->payment_tag.ptr, d->payment_tag.len, &op->dst.id) != 0) {
        op_reject(op, ILP_F02_UNREACHABLE, "unknown destination account");
        return false;
    }
    stream_receiver_token_secret(&op->c->receiver, SLICE(token, token_len), op->ssecret);
    op->local = true;
    return true; /* stage_accounts checks that the account exists and takes STREAM */
}

static bool route_peer(op_t *op)
{
    ledger_id_t exclude = op->src_peer ? op->src_peer->id : (ledger_id_t){0, 0};
    ledger_id_t next;
    if (routes_lookup(op->c->routes, op->prep.destination, exclude, &next) != ROUTES_OK ||
        !(op->dst_peer = peers_get(op->c->peers, next))) {
        op_reject(op, ILP_F02_UNREACHABLE, "no route found");
        return false;
    }
    op->dst.id = op->dst_peer->account_id;
    return true;
}

void pipeline_start(connector_t *c, peer_t *src_peer, ledger_id_t src_account, const uint8_t *pkt,
                    size_t len, connector_reply_fn reply, void *user)
{
    if (len > ILP_PACKET_MAX_LEN) {
        send_reject(c, ILP_F01_INVALID_PACKET, "packet too large", SLICE(NULL, 0), reply, user);
        return;
    }
    op_t *op = xmalloc(sizeof *op);
    uint8_t *copy = xmalloc(len);
    if (len)
        memcpy(copy, pkt, len);
    *op = (op_t){.c = c, .pkt = copy, .len = len, .cb = reply, .user = user};
    const char *rid = log_request_id();
    if (rid[0])
        snprintf(op->rid, sizeof op->rid, "%s", rid);
    op->src.id = src_account;
    atomic_init(&op->refs, 1);
    atomic_init(&op->decided, 0);
    op->timer.heap_index = SIZE_MAX;
    buf_init(&op->reply, ILP_PACKET_MAX_LEN);
    atomic_fetch_add(&c->in_flight, 1);
    if (src_peer) {
        peer_retain(src_peer);
        op->src_peer = src_peer;
    }

    /* 2: validation and expiry */
    if (ilp_prepare_decode(SLICE(op->pkt, op->len), &op->prep) != ILP_OK) {
        op_reject(op, ILP_F01_INVALID_PACKET, "invalid packet");
        return;
    }
    if (op->prep.expires_at_ms <= clock_wall_ms()) {
        op_reject(op, ILP_R02_INSUFFICIENT_TIMEOUT, "packet has already expired");
        return;
    }
    /* 3, 4, 5 */
    if (op->src_peer && (!stage_peer_limits(op) || stage_ildcp(op)))
        return;
    if (ilp_address_is_peer(op->prep.destination)) {
        op_reject(op, ILP_F02_UNREACHABLE, "peer protocol not supported");
        return;
    }
    /* 6: ours, or a peer's */
    slice_t ours = SLICE(c->address, c->address_len);
    bool under_us =
        op->prep.destination.len > ours.len && ilp_address_has_prefix(op->prep.destination, ours);
    if (under_us ? !route_local(op) : !route_peer(op))
        return;
    stage_accounts(op);
}

/* Whether an account lookup let the packet go on; rejects it when not. */
static bool account_usable(op_t *op, accounts_result_t r)
{
    bool src = op->loaded == 0;
    if (r == ACCOUNTS_OK && (src || !op->local || op->dst.stream_enabled))
        return true;
    if (r == ACCOUNTS_BUSY)
        op_reject(op, ILP_T03_CONNECTOR_BUSY, "connector busy");
    else if (src && op->src_peer)
        op_reject(op, ILP_T00_INTERNAL_ERROR, "peer account unavailable");
    else if (src)
        op_reject(op, r == ACCOUNTS_NOT_FOUND ? ILP_F02_UNREACHABLE : ILP_T00_INTERNAL_ERROR,
                  "unknown source account");
    else if (op->local)
        op_reject(op, r == ACCOUNTS_STORAGE ? ILP_T00_INTERNAL_ERROR : ILP_F02_UNREACHABLE,
                  "unknown destination account");
    else
        op_reject(op, ILP_T00_INTERNAL_ERROR, "next hop account unavailable");
    return false;
}

static void account_loaded(void *user, accounts_result_t r, const acct_info_t *info)
{
    op_t *op = user;
    if (r == ACCOUNTS_OK)
        *(op->loaded == 0 ? &op->src : &op->dst) = *info;
    if (!account_usable(op, r))
        return;
    op->loaded++;
    stage_accounts(op);
}

/* The source, then the destination account: from the cache, or later from the loader. */
static void stage_accounts(op_t *op)
{
    while (op->loaded < 2) {
        acct_info_t *want = op->loaded == 0 ? &op->src : &op->dst;
        accounts_result_t r = accounts_lookup(op->c->accounts, want->id, want, account_loaded, op);
        if (r == ACCOUNTS_PENDING)
            return; /* account_loaded continues, on the loader thread */
        if (!account_usable(op, r))
            return;
        op->loaded++;
    }
    stage_rate(op);
}

/* 7: the destination amount. */
static void rate_ready(void *user, rates_result_t rc, rate_t rate)
{
    op_t *op = user;
    if (rc != RATES_OK) {
        op_reject(op, ILP_F07_CANNOT_RECEIVE, "exchange rate error");
        return;
    }
    stage_convert(op, rate);
}

static void stage_rate(op_t *op)
{
    if (op->prep.amount == 0 || ledger_id_eq(op->src.asset_id, op->dst.asset_id)) {
        op->dst_amount = op->prep.amount;
        return op->local ? stage_local(op) : stage_hold(op);
    }
    rate_t rate;
    switch (rates_get(op->c->rates, op->src.code, op->dst.code, &rate, rate_ready, op)) {
    case RATES_OK:
        stage_convert(op, rate);
        return;
    case RATES_PENDING:
        return; /* rate_ready continues */
    default:
        op_reject(op, ILP_F07_CANNOT_RECEIVE, "exchange rate error");
        return;
    }
}

static void stage_convert(op_t *op, rate_t rate)
{
    switch (rate_convert(op->prep.amount, rate, op->src.scale, op->dst.scale, &op->dst_amount)) {
    case RATES_OK:
        break;
    case RATES_OVERFLOW:
        op_reject(op, ILP_F08_AMOUNT_TOO_LARGE, "amount overflows");
        return;
    default:
        op_reject(op, ILP_F07_CANNOT_RECEIVE, "exchange rate error");
        return;
    }
    if (op->dst_amount == 0) {
        op_reject(op, ILP_R01_INSUFFICIENT_SOURCE_AMOUNT, "amount too small to forward");
        return;
    }
    op->local ? stage_local(op) : stage_hold(op);
}

/* 8: the two-phase hold, released at the source expiry at the latest. */
static void hold_done(void *user, const ledger_result_t *r, size_t n)
{
    op_t *op = user;
    ledger_result_t f = first_failure(r, n);
    if (f != LEDGER_OK) {
        op->nlegs = 0; /* nothing is held */
        op_reject(op, ledger_ilp_code(f),
                  f == LEDGER_EXCEEDS_CREDITS ? "insufficient liquidity" : ledger_result_str(f));
        return;
    }
    stage_forward(op);
}

static void stage_hold(op_t *op)
{
    if (op->prep.amount == 0) {
        stage_forward(op);
        return;
    }
    int64_t left = op->prep.expires_at_ms - clock_wall_ms();
    build_legs(op, LEDGER_F_PENDING, left > 0 ? (uint64_t)left : 1);
    submit_new(op, hold_done);
}

/* 10-12: the next hop's answer, or the R00 timer, whichever comes first. */
static void post_done(void *user, const ledger_result_t *r, size_t n)
{
    op_t *op = user;
    ledger_result_t f = first_failure(r, n);
    if (f != LEDGER_OK)
        OP_LOG(op, LOG_ERROR, "connector: posting a fulfilled hold failed: %s",
               ledger_result_str(f));
    op_release(op); /* the resolve reference */
    op_reply(op, op->reply.ptr, op->reply.len);
}

static void on_answer(void *arg, const uint8_t *pkt, size_t len, const char *code, const char *msg)
{
    op_t *op = arg;
    int expected = 0;
    if (!atomic_compare_exchange_strong(&op->decided, &expected, 1)) {
        op_release(op); /* R00 already answered */
        return;
    }
    if (timers_cancel(op->c->timers, &op->timer))
        op_release(op); /* the timer's reference */
    if (!pkt) {
        op_fail(op, code ? code : ILP_T01_PEER_UNREACHABLE, msg ? msg : "");
        return;
    }
    ilp_packet_t p;
    if (ilp_packet_decode(SLICE(pkt, len), ILP_DECODE_LENIENT, &p) != ILP_OK ||
        p.type == ILP_TYPE_PREPARE) {
        op_fail(op, ILP_T01_PEER_UNREACHABLE, "invalid response from peer");
        return;
    }
    if (p.type == ILP_TYPE_REJECT) {
        if (op->nlegs)
            resolve_hold(op, LEDGER_OP_VOID_PENDING, NULL);
        op_reply(op, pkt, len); /* relayed unchanged */
        return;
    }
    uint8_t h[SHA256_LEN];
    sha256(h, p.u.fulfill.fulfillment, ILP_FULFILLMENT_LEN);
    if (memcmp(h, op->prep.condition, SHA256_LEN) != 0) {
        op_fail(op, ILP_F05_WRONG_CONDITION, "fulfillment did not match condition");
        return;
    }
    if (!op->nlegs) {
        op_reply(op, pkt, len);
        return;
    }
    if (buf_append(&op->reply, pkt, len) != 0) {
        op_fail(op, ILP_T00_INTERNAL_ERROR, "out of memory");
        return;
    }
    resolve_hold(op, LEDGER_OP_POST_PENDING, post_done);
}

static void on_timeout(void *arg)
{
    op_t *op = arg;
    int expected = 0;
    if (atomic_compare_exchange_strong(&op->decided, &expected, 1)) {
        atomic_fetch_add(&op->refs, 1); /* op_fail drops the pipeline's; keep the timer's */
        op_fail(op, ILP_R00_TRANSFER_TIMED_OUT, "transfer timed out");
    }
    op_release(op); /* the timer's reference */
}

static void stage_forward(op_t *op)
{
    /* 9: reduce the expiry */
    int64_t now = clock_wall_ms();
    int64_t out = op->prep.expires_at_ms - CONNECTOR_MIN_MESSAGE_WINDOW_MS;
    if (out > now + CONNECTOR_MAX_HOLD_TIME_MS)
        out = now + CONNECTOR_MAX_HOLD_TIME_MS;
    if (out - now < CONNECTOR_MIN_MESSAGE_WINDOW_MS) {
        op_fail(op, ILP_R02_INSUFFICIENT_TIMEOUT, "insufficient timeout");
        return;
    }
    if (!op->dst_peer->outgoing_endpoint && op->c->link_is_http) {
        op_fail(op, ILP_F02_UNREACHABLE, "next hop has no endpoint");
        return;
    }
    op->out_expiry_ms = out;
    if (ilp_prepare_set_amount(op->pkt, op->len, op->dst_amount) != ILP_OK ||
        ilp_prepare_set_expiry(op->pkt, op->len, out) != ILP_OK) {
        op_fail(op, ILP_T00_INTERNAL_ERROR, "cannot rewrite the packet");
        return;
    }
    /* 10: R00 at the outgoing expiry */
    uint32_t timeout_ms = (uint32_t)(out - now);
    atomic_fetch_add(&op->refs, 2); /* one for the timer, one for the link's answer */
    if (timers_add(op->c->timers, &op->timer, clock_mono_ms() + timeout_ms, on_timeout, op) != 0)
        op_release(op);
    if (op->c->link.send(op->c->link.ctx, op->dst_peer, op->pkt, op->len, timeout_ms, on_answer,
                         op) != 0)
        on_answer(op, NULL, 0, ILP_T01_PEER_UNREACHABLE, "cannot send to the next hop");
    op_release(op); /* the pipeline's reference: the answer or the timer replies now */
}

/* Local delivery: the receiver answers; money is credited in one single-phase submission. */
static void local_done(void *user, const ledger_result_t *r, size_t n)
{
    op_t *op = user;
    ledger_result_t f = first_failure(r, n);
    if (f == LEDGER_OK) {
        op_reply(op, op->reply.ptr, op->reply.len);
        return;
    }
    revert_receipt(op);
    op_reject(op, ledger_ilp_code(f),
              f == LEDGER_EXCEEDS_CREDITS ? "insufficient liquidity" : ledger_result_str(f));
}

/* The application's answer on money that carried data (connector_set_partial_decision). */
static void local_decided(void *user, bool accept, const char *reason)
{
    op_t *op = user;
    if (accept) {
        build_legs(op, 0, 0);
        submit_new(op, local_done);
        return;
    }
    revert_receipt(op);
    ilp_prepare_t p = op->prep;
    p.amount = op->dst_amount;
    buf_reset(&op->reply);
    if (stream_receiver_decline_final(&op->c->receiver, op->ssecret, &p,
                                      SLICE_STR(reason ? reason : ""), &op->reply) != STREAM_OK) {
        op_reject(op, ILP_T00_INTERNAL_ERROR, "receiver failed");
        return;
    }
    op_reply(op, op->reply.ptr, op->reply.len);
}

/* Hands fulfilled money for an incoming payment to the partial payment decision when its STREAM
 * request carries data; false (nothing asked) when it carries none. */
static bool ask_decision(op_t *op)
{
    ilp_prepare_t p = op->prep;
    p.amount = op->dst_amount;
    uint8_t *data = xmalloc(STREAM_PLAINTEXT_MAX_LEN);
    size_t len = 0;
    if (stream_request_data(op->ssecret, &p, data, STREAM_PLAINTEXT_MAX_LEN, &len) != STREAM_OK ||
        len == 0) {
        free(data);
        return false;
    }
    op->c->decide(op->c->decide_ctx, op->dst.id, data, len, op->prep.expires_at_ms, local_decided,
                  op);
    free(data);
    return true;
}

static void stage_local(op_t *op)
{
    ilp_prepare_t p = op->prep;
    p.amount = op->dst_amount;
    if (stream_receiver_handle_secret(&op->c->receiver, op->ssecret, &op->sdetails, &p, &op->reply,
                                      &op->sinfo) != STREAM_OK) {
        op_reject(op, ILP_T00_INTERNAL_ERROR, "receiver failed");
        return;
    }
    if (!op->sinfo.fulfilled || op->sinfo.amount == 0 || op->prep.amount == 0) {
        op_reply(op, op->reply.ptr, op->reply.len);
        return;
    }
    if (op->c->decide && op->dst.kind == LEDGER_KIND_INVOICE && ask_decision(op))
        return; /* local_decided continues */
    build_legs(op, 0, 0);
    submit_new(op, local_done);
}
