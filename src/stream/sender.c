/*
 * STREAM sender: rate probe, money loop, close. The strategy is described in sender.h; this
 * file keeps the per-payment state in pay_t and does one Prepare per exchange().
 */
#include "stream/sender.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/digest.h"
#include "base/rand.h"
#include "ilp/address.h"
#include "ilp/errors.h"
#include "ilp/packet.h"
#include "stream/crypto.h"
#include "stream/packet.h"
#include "stream/rate_bounds.h"

#define STREAM_ID 1
/* Probes never exceed 10^12 source units (@interledger/pay's largest probe). */
#define PROBE_MAX          1000000000000ull
#define PROBE_MIN_SOURCE   1000ull
#define PROBE_MIN_DELIVERY 1000000ull
/* RFC 0029 §5.1.3: a connection closes after 2^31 packets. */
#define PACKET_LIMIT      (1ull << 31)
#define BACKOFF_MAX_MS    2000u
#define RATE_FAILURES_MAX 3u

typedef enum { KIND_PROBE, KIND_MONEY, KIND_CLOSE } kind_t;

typedef struct {
    const stream_pay_opts_t *o;
    stream_pay_result_t *res;
    stream_keys_t keys;
    uint64_t seq;
    bool remote_knows; /* an authentic reply arrived: stop sending connection frames */
    bool asset_conflict;
    uint64_t max_packet; /* UINT64_MAX while unknown */
    uint64_t cap;        /* congestion cap (T04), <= max_packet */
    bool has_remote_max;
    uint64_t remote_max, remote_received;
    stream_rate_bounds_t rate; /* from the probe, tightened by every authentic reply */
    /* the most that may have arrived: what replies said, or for a fulfilled packet without an
     * authentic reply the upper bound of its amount; fixed delivery never sizes past it */
    uint64_t delivered_max;
    uint32_t failures, backoff_ms, rate_failures;
    uint64_t deadline_ms;
    buf_t prep, reply, plain;
} pay_t;

typedef struct {
    bool link_error;
    bool fulfilled;
    char code[4];
    slice_t reject_data;
    bool authentic; /* a STREAM reply decrypted, with the right type and sequence */
    uint64_t arrived;
    bool closed; /* ConnectionClose, or StreamClose for our stream */
} outcome_t;

/* floor(a * b / c), saturating at UINT64_MAX; c > 0. */
static uint64_t mul_div_floor(uint64_t a, uint64_t b, uint64_t c)
{
    unsigned __int128 v = (unsigned __int128)a * b / c;
    return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static void default_sleep(void *ctx, uint32_t ms)
{
    (void)ctx;
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- one exchange ---- */

static void request_frames(pay_t *p, kind_t kind, stream_frame_t *f, size_t *n)
{
    const stream_pay_opts_t *o = p->o;
    *n = 0;
    if (!p->remote_knows && kind != KIND_CLOSE) {
        /* Receivers with 24-character tokens (interledger-rs, JS < 2.5) want a valid address;
         * the others reply with asset details to an empty one and do not start sending. */
        slice_t d = o->destination;
        size_t i = d.len;
        while (i > 0 && d.ptr[i - 1] != '.')
            i--;
        bool old_token = d.len - i == 24 && o->source_address.len > 0;
        f[*n] = (stream_frame_t){.type = STREAM_FRAME_CONNECTION_NEW_ADDRESS};
        f[(*n)++].new_address.address = old_token ? o->source_address : SLICE("", 0);
        f[*n] = (stream_frame_t){.type = STREAM_FRAME_STREAM_MAX_MONEY};
        f[(*n)++].max_money.stream_id = STREAM_ID; /* we receive nothing */
        f[*n] = (stream_frame_t){.type = STREAM_FRAME_CONNECTION_MAX_DATA};
        f[(*n)++].connection_data.max_offset = 0;
        f[*n] = (stream_frame_t){.type = STREAM_FRAME_CONNECTION_MAX_STREAM_ID};
        f[(*n)++].stream_id_limit.max_stream_id = STREAM_ID;
        if (o->source_asset_code.len > 0) {
            f[*n] = (stream_frame_t){.type = STREAM_FRAME_CONNECTION_ASSET_DETAILS};
            f[*n].asset_details.code = o->source_asset_code;
            f[(*n)++].asset_details.scale = o->source_asset_scale;
        }
    }
    if (kind == KIND_MONEY) {
        f[*n] = (stream_frame_t){.type = STREAM_FRAME_STREAM_MONEY};
        f[*n].money.stream_id = STREAM_ID;
        f[(*n)++].money.shares = 1;
    } else if (kind == KIND_CLOSE) {
        f[*n] = (stream_frame_t){.type = STREAM_FRAME_CONNECTION_CLOSE};
        f[*n].connection_close.code = STREAM_CODE_NO_ERROR;
        f[(*n)++].connection_close.message = SLICE("", 0);
    }
}

static void apply_asset(pay_t *p, const stream_frame_t *f)
{
    stream_pay_result_t *r = p->res;
    slice_t code = f->asset_details.code;
    if (code.len > ASSET_CODE_MAX_LEN)
        code.len = ASSET_CODE_MAX_LEN;
    if (!r->has_dest_asset) {
        memcpy(r->dest_asset_code, code.ptr, code.len);
        r->dest_asset_code[code.len] = '\0';
        r->dest_asset_scale = f->asset_details.scale;
        r->has_dest_asset = true;
    } else if (!slice_eq_str(code, r->dest_asset_code) ||
               r->dest_asset_scale != f->asset_details.scale) {
        p->asset_conflict = true;
    }
}

static void apply_frame(pay_t *p, const stream_frame_t *f, outcome_t *oc)
{
    switch (f->type) {
    case STREAM_FRAME_CONNECTION_CLOSE:
        oc->closed = true;
        break;
    case STREAM_FRAME_STREAM_CLOSE:
        if (f->stream_close.stream_id == STREAM_ID)
            oc->closed = true;
        break;
    case STREAM_FRAME_CONNECTION_ASSET_DETAILS:
        apply_asset(p, f);
        break;
    case STREAM_FRAME_STREAM_MAX_MONEY:
        if (f->max_money.stream_id != STREAM_ID)
            break;
        /* Limits never decrease; ignore stale, out-of-order updates. */
        if (!p->has_remote_max || f->max_money.receive_max > p->remote_max)
            p->remote_max = f->max_money.receive_max;
        if (!p->has_remote_max || f->max_money.total_received > p->remote_received)
            p->remote_received = f->max_money.total_received;
        p->has_remote_max = true;
        p->res->remote_receive_max = p->remote_max;
        break;
    case STREAM_FRAME_STREAM_RECEIPT:
        if (f->receipt.receipt.len == STREAM_RECEIPT_LEN) {
            memcpy(p->res->receipt, f->receipt.receipt.ptr, STREAM_RECEIPT_LEN);
            p->res->has_receipt = true;
        }
        break;
    default:
        break;
    }
}

/* Decrypt and check the STREAM reply in data; apply its frames. */
static void read_stream_reply(pay_t *p, slice_t data, uint8_t ilp_type, outcome_t *oc)
{
    size_t n;
    stream_packet_t sp;
    if (data.len == 0 ||
        stream_decrypt(p->plain.ptr, p->plain.cap, &n, p->keys.encryption, data) != STREAM_OK ||
        stream_packet_decode(SLICE(p->plain.ptr, n), &sp) != STREAM_OK ||
        sp.ilp_packet_type != ilp_type || sp.sequence != p->seq)
        return; /* inauthentic or stale: discard (RFC 0029 §5.1) */
    oc->authentic = true;
    oc->arrived = sp.prepare_amount;
    p->remote_knows = true;
    stream_frame_iter_t it = stream_frame_iter(&sp);
    stream_frame_t f;
    while (stream_frame_next(&it, &f) == STREAM_OK)
        apply_frame(p, &f, oc);
}

/* Copies what a wallet may want to know of a reject (its code, who triggered it and why) into
 * the result; the decoder has held both fields to the packet limits these buffers have. */
static void keep_reject(stream_pay_result_t *res, const ilp_reject_t *rj)
{
    memcpy(res->last_reject_code, rj->code, 3);
    res->last_reject_code[3] = '\0';
    size_t t = rj->triggered_by.len < sizeof res->last_reject_triggered_by
                   ? rj->triggered_by.len
                   : sizeof res->last_reject_triggered_by;
    size_t m = rj->message.len < sizeof res->last_reject_message ? rj->message.len
                                                                 : sizeof res->last_reject_message;
    if (t)
        memcpy(res->last_reject_triggered_by, rj->triggered_by.ptr, t);
    if (m)
        memcpy(res->last_reject_message, rj->message.ptr, m);
    res->last_reject_triggered_by_len = t;
    res->last_reject_message_len = m;
}

/* Build, send and read one Prepare. Returns STREAM_PAY_OK or a fatal error (limit). */
static stream_pay_error_t exchange(pay_t *p, uint64_t amount, uint64_t min_dest, kind_t kind,
                                   outcome_t *oc)
{
    memset(oc, 0, sizeof *oc);
    if (p->seq + 1 >= PACKET_LIMIT)
        return STREAM_PAY_ERR_LIMIT;
    p->seq++;
    stream_frame_t frames[8];
    size_t nf;
    request_frames(p, kind, frames, &nf);
    stream_packet_t hdr = {
        .ilp_packet_type = ILP_TYPE_PREPARE, .sequence = p->seq, .prepare_amount = min_dest};
    uint8_t data_mem[1024];
    buf_t data;
    buf_init_fixed(&data, data_mem, sizeof data_mem);
    buf_reset(&p->plain);
    if (stream_packet_encode(&p->plain, &hdr, frames, nf) != STREAM_OK ||
        stream_encrypt(&data, p->keys.encryption, buf_slice(&p->plain)) != STREAM_OK)
        ASSERT(!"request frames fit in 1 KiB");

    ilp_prepare_t prep = {.amount = amount,
                          .expires_at_ms = clock_wall_ms() + p->o->expiry_ms,
                          .destination = p->o->destination,
                          .data = buf_slice(&data)};
    if (kind == KIND_MONEY)
        stream_condition(prep.condition, p->keys.fulfillment, prep.data);
    else
        rand_bytes(prep.condition, sizeof prep.condition); /* unfulfillable (§6.1) */
    buf_reset(&p->prep);
    if (ilp_prepare_encode(&p->prep, &prep) != ILP_OK)
        return STREAM_PAY_ERR_ARGS;

    p->res->packets_sent++;
    buf_reset(&p->reply);
    ilp_packet_t reply;
    if (p->o->send(p->o->send_ctx, buf_slice(&p->prep), &p->reply) != 0 ||
        ilp_packet_decode(buf_slice(&p->reply), ILP_DECODE_LENIENT, &reply) != ILP_OK ||
        reply.type == ILP_TYPE_PREPARE) {
        oc->link_error = true;
        return STREAM_PAY_OK;
    }
    if (reply.type == ILP_TYPE_FULFILL) {
        uint8_t h[SHA256_LEN];
        sha256(h, reply.u.fulfill.fulfillment, ILP_FULFILLMENT_LEN);
        if (memcmp(h, prep.condition, sizeof h) != 0) {
            oc->link_error = true; /* a bad fulfillment: the path misbehaves */
            return STREAM_PAY_OK;
        }
        oc->fulfilled = true;
        read_stream_reply(p, reply.u.fulfill.data, ILP_TYPE_FULFILL, oc);
    } else {
        memcpy(oc->code, reply.u.reject.code, 4);
        oc->reject_data = reply.u.reject.data;
        read_stream_reply(p, reply.u.reject.data, ILP_TYPE_REJECT, oc);
        /* the receiver's answers to probes and to the close are no failure */
        if (kind == KIND_MONEY || (kind == KIND_PROBE && !oc->authentic))
            keep_reject(p->res, &reply.u.reject);
    }
    return STREAM_PAY_OK;
}

/* ---- failure handling shared by probe and money loops ---- */

/* Sleep, grow the backoff; STREAM_PAY_ERR_RETRIES after too many in a row. */
static stream_pay_error_t backoff(pay_t *p)
{
    if (++p->failures > p->o->max_retries)
        return STREAM_PAY_ERR_RETRIES;
    void (*sleep_fn)(void *, uint32_t) = p->o->sleep_ms ? p->o->sleep_ms : default_sleep;
    sleep_fn(p->o->sleep_ctx, p->backoff_ms);
    p->backoff_ms = p->backoff_ms * 3 / 2;
    if (p->backoff_ms > BACKOFF_MAX_MS)
        p->backoff_ms = BACKOFF_MAX_MS;
    return STREAM_PAY_OK;
}

static void succeeded(pay_t *p)
{
    p->failures = 0;
    p->backoff_ms = p->o->backoff_ms;
}

/* F08: lower the max packet amount from the reject data (protocols.md §2, §8.7). */
static stream_pay_error_t amount_too_large(pay_t *p, uint64_t amount, slice_t data)
{
    uint64_t received, maximum, next;
    if (ilp_f08_data_decode(data, &received, &maximum) == ILP_OK && received > 0)
        next = mul_div_floor(amount, maximum, received);
    else
        next = amount / 2;
    if (next >= amount)
        next = amount - 1;
    if (next == 0)
        return STREAM_PAY_ERR_CONNECTOR;
    p->max_packet = next;
    p->res->max_packet_amount = next;
    if (p->cap > next)
        p->cap = next;
    return STREAM_PAY_OK;
}

static bool is_code(const outcome_t *oc, const char *code)
{
    return memcmp(oc->code, code, 3) == 0;
}

/* Temporary: any T-code, R00 (timed out), R02 (expiry too short) or a broken link. */
static bool temporary(const outcome_t *oc)
{
    return oc->link_error || oc->code[0] == 'T' || is_code(oc, ILP_R00_TRANSFER_TIMED_OUT) ||
           is_code(oc, ILP_R02_INSUFFICIENT_TIMEOUT);
}

static stream_pay_error_t fail(pay_t *p, const outcome_t *oc, stream_pay_error_t e)
{
    memcpy(p->res->reject_code, oc->code, 4);
    return e;
}

static bool past_deadline(const pay_t *p)
{
    return clock_mono_ms() >= p->deadline_ms;
}

/* ---- phase 1: rate probe ---- */

static uint64_t probe_start(const pay_t *p)
{
    uint64_t floor_amt =
        p->o->mode == STREAM_PAY_FIXED_SOURCE ? PROBE_MIN_SOURCE : PROBE_MIN_DELIVERY;
    uint64_t a = p->o->amount > floor_amt ? p->o->amount : floor_amt;
    return min_u64(min_u64(a, PROBE_MAX), p->max_packet);
}

static stream_pay_error_t probe(pay_t *p)
{
    uint64_t amount = probe_start(p);
    for (;;) {
        if (past_deadline(p))
            return STREAM_PAY_ERR_TIMEOUT;
        outcome_t oc;
        stream_pay_error_t e = exchange(p, amount, 0, KIND_PROBE, &oc);
        if (e != STREAM_PAY_OK)
            return e;
        if (oc.authentic) {
            if (oc.closed)
                return fail(p, &oc, STREAM_PAY_ERR_CLOSED);
            if (p->asset_conflict)
                return STREAM_PAY_ERR_ASSET_CONFLICT;
            p->res->probe_source = amount;
            p->res->probe_delivered = oc.arrived;
            stream_rate_bounds_init(&p->rate, amount, oc.arrived);
            succeeded(p);
            return STREAM_PAY_OK;
        }
        p->res->packets_rejected++;
        if (is_code(&oc, ILP_F08_AMOUNT_TOO_LARGE)) {
            if (amount_too_large(p, amount, oc.reject_data) != STREAM_PAY_OK)
                return fail(p, &oc, STREAM_PAY_ERR_CONNECTOR);
            amount = p->max_packet;
        } else if (is_code(&oc, ILP_T04_INSUFFICIENT_LIQUIDITY) && amount > 1) {
            amount /= 10; /* liquidity: a smaller probe still measures the rate */
            if (amount == 0)
                amount = 1;
        } else if (temporary(&oc)) {
            if ((e = backoff(p)) != STREAM_PAY_OK)
                return fail(p, &oc, e);
        } else {
            return fail(p, &oc, oc.code[0] ? STREAM_PAY_ERR_CONNECTOR : STREAM_PAY_ERR_RATE_PROBE);
        }
    }
}

/* Check the probed rate against the minimum: fail when even its upper bound is below it. */
static stream_pay_error_t check_rate(pay_t *p)
{
    const stream_pay_opts_t *o = p->o;
    uint64_t ps = p->res->probe_source, pd = p->res->probe_delivered;
    if (pd == 0)
        return STREAM_PAY_ERR_EXCHANGE_RATE;
    if (o->min_rate_den == 0)
        return STREAM_PAY_OK;
    unsigned __int128 upper = ((unsigned __int128)pd + 1) * o->min_rate_den;
    unsigned __int128 min = (unsigned __int128)ps * o->min_rate_num;
    return upper <= min ? STREAM_PAY_ERR_EXCHANGE_RATE : STREAM_PAY_OK;
}

/* ---- phase 2: money ---- */

static bool done(const pay_t *p)
{
    if (p->o->mode == STREAM_PAY_FIXED_SOURCE)
        return p->res->sent >= p->o->amount;
    return p->delivered_max >= p->o->amount;
}

/*
 * Source units for the next packet. 0 with *err STREAM_PAY_OK: fixed delivery stops short,
 * since even one source unit may deliver more than what is left (at the rate's upper bound);
 * 0 with an error: the receiver cannot take more.
 */
static uint64_t next_amount(pay_t *p, stream_pay_error_t *err)
{
    const stream_pay_result_t *r = p->res;
    bool delivery = p->o->mode == STREAM_PAY_FIXED_DELIVERY;
    uint64_t left = delivery ? p->o->amount - p->delivered_max : p->o->amount - r->sent;
    /* fixed delivery: the most that cannot deliver more than is left, so a receiver that takes
     * whatever arrives is never overpaid */
    uint64_t want = delivery ? stream_rate_source_max(&p->rate, left) : left;
    if (want == 0)
        return 0;
    uint64_t amount = min_u64(min_u64(want, p->max_packet), p->cap);
    if (p->has_remote_max) {
        uint64_t room = p->remote_max > p->remote_received ? p->remote_max - p->remote_received : 0;
        if (room == 0 || (delivery && room < left)) {
            *err = STREAM_PAY_ERR_RECEIVE_MAX;
            return 0;
        }
        uint64_t room_source = stream_rate_source_max(&p->rate, room);
        amount = min_u64(amount, room_source > 0 ? room_source : 1);
    }
    return amount > 0 ? amount : 1;
}

/* A Reject to a money packet; STREAM_PAY_OK to continue. */
static stream_pay_error_t money_rejected(pay_t *p, uint64_t amount, uint64_t min_dest,
                                         const outcome_t *oc)
{
    p->res->packets_rejected++;
    if (oc->authentic && oc->closed)
        return fail(p, oc, STREAM_PAY_ERR_CLOSED);
    if (p->asset_conflict)
        return STREAM_PAY_ERR_ASSET_CONFLICT;
    if (is_code(oc, ILP_F08_AMOUNT_TOO_LARGE))
        return amount_too_large(p, amount, oc->reject_data) == STREAM_PAY_OK
                   ? STREAM_PAY_OK
                   : fail(p, oc, STREAM_PAY_ERR_CONNECTOR);
    if (is_code(oc, ILP_F99_APPLICATION_ERROR) && oc->authentic) {
        if (oc->arrived < min_dest && ++p->rate_failures > RATE_FAILURES_MAX)
            return fail(p, oc, STREAM_PAY_ERR_EXCHANGE_RATE);
        stream_pay_error_t e = backoff(p); /* e.g. over StreamMaxMoney: limits were updated */
        return e == STREAM_PAY_OK ? e : fail(p, oc, e);
    }
    if (is_code(oc, ILP_T04_INSUFFICIENT_LIQUIDITY)) {
        uint64_t smaller = amount * 2 / 3;
        p->cap = smaller > 0 ? smaller : 1;
    }
    if (temporary(oc)) {
        stream_pay_error_t e = backoff(p);
        return e == STREAM_PAY_OK ? e : fail(p, oc, e);
    }
    return fail(p, oc, STREAM_PAY_ERR_CONNECTOR);
}

static stream_pay_error_t send_money(pay_t *p)
{
    const stream_pay_opts_t *o = p->o;
    stream_pay_result_t *r = p->res;
    while (!done(p)) {
        if (past_deadline(p))
            return STREAM_PAY_ERR_TIMEOUT;
        stream_pay_error_t e = STREAM_PAY_OK;
        uint64_t amount = next_amount(p, &e);
        if (amount == 0)
            return e;
        /* the least a packet must deliver: its amount at the minimum rate, rounded down, so a
         * small last packet is not refused for the rounding of a single unit */
        uint64_t min_dest =
            o->min_rate_den ? mul_div_floor(amount, o->min_rate_num, o->min_rate_den) : 0;
        outcome_t oc;
        if ((e = exchange(p, amount, min_dest, KIND_MONEY, &oc)) != STREAM_PAY_OK)
            return e;
        if (oc.authentic) /* what the receiver saw of this amount, fulfilled or not */
            stream_rate_bounds_update(&p->rate, amount, oc.arrived);
        if (!oc.fulfilled) {
            if ((e = money_rejected(p, amount, min_dest, &oc)) != STREAM_PAY_OK)
                return e;
            continue;
        }
        r->packets_fulfilled++;
        r->sent = add_sat(r->sent, amount);
        r->delivered = add_sat(r->delivered, oc.authentic ? oc.arrived : min_dest);
        p->delivered_max = add_sat(
            p->delivered_max, oc.authentic ? oc.arrived : stream_rate_dest_high(&p->rate, amount));
        p->rate_failures = 0;
        succeeded(p);
        if (amount == p->cap && p->cap < p->max_packet) /* recover after T04 */
            p->cap =
                p->cap + p->cap / 10 + 1 < p->max_packet ? p->cap + p->cap / 10 + 1 : p->max_packet;
        if (oc.closed && !done(p))
            return STREAM_PAY_ERR_CLOSED;
    }
    return STREAM_PAY_OK;
}

/* ---- entry point ---- */

static bool opts_valid(const stream_pay_opts_t *o)
{
    return o->send != NULL && o->shared_secret != NULL && ilp_address_is_valid(o->destination);
}

static void pay_init(pay_t *p, const stream_pay_opts_t *o, stream_pay_result_t *res)
{
    memset(p, 0, sizeof *p);
    p->o = o;
    p->res = res;
    stream_keys_derive(&p->keys, o->shared_secret, STREAM_SHARED_SECRET_LEN);
    p->max_packet = o->max_packet_amount ? o->max_packet_amount : UINT64_MAX;
    p->cap = p->max_packet;
    p->backoff_ms = o->backoff_ms;
    p->deadline_ms = clock_mono_ms() + o->timeout_ms;
    buf_init(&p->prep, ILP_PACKET_MAX_LEN);
    buf_init(&p->reply, ILP_PACKET_MAX_LEN);
    buf_init(&p->plain, ILP_DATA_MAX_LEN);
    /* Reserve the whole plaintext buffer up front: stream_decrypt writes into its capacity. */
    ASSERT(buf_extend(&p->plain, ILP_DATA_MAX_LEN) != NULL);
    buf_reset(&p->plain);
}

stream_pay_error_t stream_pay(const stream_pay_opts_t *opts, stream_pay_result_t *res)
{
    memset(res, 0, sizeof *res);
    res->remote_receive_max = UINT64_MAX;
    stream_pay_opts_t o = *opts;
    if (o.expiry_ms == 0)
        o.expiry_ms = 30000;
    if (o.timeout_ms == 0)
        o.timeout_ms = 60000;
    if (o.max_retries == 0)
        o.max_retries = 30;
    if (o.backoff_ms == 0)
        o.backoff_ms = 100;
    if (!opts_valid(&o))
        return res->error = STREAM_PAY_ERR_ARGS;
    if (o.amount == 0)
        return res->error = STREAM_PAY_OK;

    pay_t p;
    pay_init(&p, &o, res);
    stream_pay_error_t e = probe(&p);
    if (e == STREAM_PAY_OK)
        e = check_rate(&p);
    if (e == STREAM_PAY_OK)
        e = send_money(&p);
    if (p.remote_knows && e != STREAM_PAY_ERR_CLOSED && e != STREAM_PAY_ERR_LIMIT) {
        outcome_t oc;
        (void)exchange(&p, 0, 0, KIND_CLOSE, &oc); /* best effort */
    }
    buf_free(&p.prep);
    buf_free(&p.reply);
    buf_free(&p.plain);
    res->max_packet_amount = p.max_packet == UINT64_MAX ? 0 : p.max_packet;
    return res->error = e;
}

const char *stream_pay_error_str(stream_pay_error_t e)
{
    static const char *const names[] = {"ok",
                                        "invalid arguments",
                                        "rate probe failed",
                                        "exchange rate too low",
                                        "connector error",
                                        "closed by receiver",
                                        "receive max too small",
                                        "asset conflict",
                                        "protocol violation",
                                        "too many retries",
                                        "timeout",
                                        "packet limit"};
    return (size_t)e < sizeof names / sizeof names[0] ? names[e] : "unknown";
}
