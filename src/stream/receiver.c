/*
 * Stateless STREAM receiver (stream-receiver compatible); the token format and the order of
 * checks are described in receiver.h and protocols.md §8.8.
 */
#include "stream/receiver.h"

#include <string.h>

#include "base/assert.h"
#include "base/codec.h"
#include "base/ct.h"
#include "base/digest.h"
#include "ilp/address.h"
#include "ilp/errors.h"
#include "ilp/oer.h"
#include "stream/crypto.h"
#include "stream/packet.h"

static const char TOKEN_LABEL[] = "ilp_stream_connection_token";
static const char SECRET_LABEL[] = "ilp_stream_shared_secret";

enum { TOKEN_FLAG_TAG = 1, TOKEN_FLAG_RECEIPTS = 2, TOKEN_FLAG_ASSET = 4 };

#define TOTALS_KEY_PREFIX "stream_received:"
_Static_assert(STREAM_TOTALS_KEY_SIZE == sizeof(TOTALS_KEY_PREFIX) + STREAM_CONNECTION_ID_LEN,
               "the key size in receiver.h matches the prefix");

/* A token is at most what base64 of the longest address segment decodes to. */
#define TOKEN_MAX_LEN 1024
/* Reply frames are a ConnectionClose, asset details (code from a token) and one receipt. */
#define REPLY_PLAIN_MAX 2048

stream_result_t stream_receiver_init(stream_receiver_t *r, slice_t server_address,
                                     const uint8_t server_secret[STREAM_SERVER_SECRET_LEN])
{
    memset(r, 0, sizeof *r);
    if (!ilp_address_is_valid(server_address) || server_address.len > ILP_ADDRESS_MAX_LEN - 2)
        return STREAM_ERR_ADDRESS;
    memcpy(r->address, server_address.ptr, server_address.len);
    r->address_len = server_address.len;
    hmac_sha256(r->token_key, server_secret, STREAM_SERVER_SECRET_LEN, TOKEN_LABEL,
                sizeof(TOKEN_LABEL) - 1);
    hmac_sha256(r->secret_key, server_secret, STREAM_SERVER_SECRET_LEN, SECRET_LABEL,
                sizeof(SECRET_LABEL) - 1);
    r->totals_ttl_s = STREAM_TOTALS_TTL_S;
    return STREAM_OK;
}

void stream_connection_id(char out[STREAM_CONNECTION_ID_LEN + 1], slice_t destination)
{
    uint8_t h[SHA256_LEN];
    sha256(h, destination.ptr, destination.len);
    ssize_t n = hex_encode(out, STREAM_CONNECTION_ID_LEN + 1, h, sizeof h);
    ASSERT(n == STREAM_CONNECTION_ID_LEN);
}

void stream_receiver_token_secret(const stream_receiver_t *r, slice_t token,
                                  uint8_t out[STREAM_SHARED_SECRET_LEN])
{
    hmac_sha256(out, r->secret_key, sizeof r->secret_key, token.ptr, token.len);
}

void stream_receiver_totals_key(char out[STREAM_TOTALS_KEY_SIZE], slice_t destination)
{
    memcpy(out, TOTALS_KEY_PREFIX, sizeof(TOTALS_KEY_PREFIX) - 1);
    stream_connection_id(out + sizeof(TOTALS_KEY_PREFIX) - 1, destination);
}

void stream_secret_from_token_string(uint8_t out[STREAM_SHARED_SECRET_LEN],
                                     const uint8_t server_secret[STREAM_SERVER_SECRET_LEN],
                                     slice_t token)
{
    uint8_t keygen[SHA256_LEN];
    hmac_sha256(keygen, server_secret, STREAM_SERVER_SECRET_LEN, SECRET_LABEL,
                sizeof(SECRET_LABEL) - 1);
    hmac_sha256(out, keygen, sizeof keygen, token.ptr, token.len);
}

static void write_token_plain(buf_t *b, const stream_connection_details_t *d)
{
    uint8_t flags =
        (uint8_t)((d->payment_tag.len ? TOKEN_FLAG_TAG : 0) |
                  (d->receipts ? TOKEN_FLAG_RECEIPTS : 0) | (d->has_asset ? TOKEN_FLAG_ASSET : 0));
    oer_write_u8(b, flags);
    if (d->payment_tag.len)
        oer_write_var_octets(b, d->payment_tag);
    if (d->receipts) {
        buf_append(b, d->receipt_nonce, STREAM_RECEIPT_NONCE_LEN);
        buf_append(b, d->receipt_secret, STREAM_RECEIPT_SECRET_LEN);
    }
    if (d->has_asset) {
        oer_write_var_octets(b, d->asset_code);
        oer_write_u8(b, d->asset_scale);
    }
}

stream_result_t stream_receiver_credentials(const stream_receiver_t *r,
                                            const stream_connection_details_t *details,
                                            stream_credentials_t *out)
{
    static const stream_connection_details_t none;
    const stream_connection_details_t *d = details ? details : &none;
    uint8_t plain_mem[TOKEN_MAX_LEN], token_mem[TOKEN_MAX_LEN];
    buf_t plain, token;
    buf_init_fixed(&plain, plain_mem, sizeof plain_mem);
    buf_init_fixed(&token, token_mem, sizeof token_mem);
    write_token_plain(&plain, d);
    if (plain.failed || stream_encrypt(&token, r->token_key, buf_slice(&plain)) != STREAM_OK)
        return STREAM_ERR_ADDRESS;

    size_t room = sizeof out->address - r->address_len - 1;
    if (b64_encoded_size(token.len) > room)
        return STREAM_ERR_ADDRESS;
    memcpy(out->address, r->address, r->address_len);
    out->address[r->address_len] = '.';
    ssize_t n = b64_encode(out->address + r->address_len + 1, room, token.ptr, token.len,
                           B64_URL | B64_NOPAD);
    if (n < 0 || r->address_len + 1 + (size_t)n > ILP_ADDRESS_MAX_LEN)
        return STREAM_ERR_ADDRESS;
    out->address_len = r->address_len + 1 + (size_t)n;
    stream_receiver_token_secret(r, buf_slice(&token), out->shared_secret);
    return STREAM_OK;
}

/* The first segment after "<our address>." or an empty slice. */
static slice_t local_segment(const stream_receiver_t *r, slice_t dest)
{
    if (dest.len <= r->address_len + 1 || memcmp(dest.ptr, r->address, r->address_len) != 0 ||
        dest.ptr[r->address_len] != '.')
        return SLICE(NULL, 0);
    const uint8_t *seg = dest.ptr + r->address_len + 1;
    size_t n = 0, max = dest.len - r->address_len - 1;
    while (n < max && seg[n] != '.')
        n++;
    return SLICE(seg, n);
}

static stream_result_t parse_token_plain(slice_t plain, stream_connection_details_t *d)
{
    oer_reader_t rd = oer_reader(plain);
    uint8_t flags;
    slice_t s;
    memset(d, 0, sizeof *d);
    if (oer_read_u8(&rd, &flags) != OER_OK)
        return STREAM_ERR_DECRYPT;
    if ((flags & TOKEN_FLAG_TAG) && oer_read_var_octets(&rd, &d->payment_tag) != OER_OK)
        return STREAM_ERR_DECRYPT;
    if (flags & TOKEN_FLAG_RECEIPTS) {
        if (oer_read_fixed(&rd, STREAM_RECEIPT_NONCE_LEN, &s) != OER_OK)
            return STREAM_ERR_DECRYPT;
        memcpy(d->receipt_nonce, s.ptr, s.len);
        if (oer_read_fixed(&rd, STREAM_RECEIPT_SECRET_LEN, &s) != OER_OK)
            return STREAM_ERR_DECRYPT;
        memcpy(d->receipt_secret, s.ptr, s.len);
        d->receipts = true;
    }
    if (flags & TOKEN_FLAG_ASSET) {
        if (oer_read_var_octets(&rd, &d->asset_code) != OER_OK ||
            oer_read_u8(&rd, &d->asset_scale) != OER_OK)
            return STREAM_ERR_DECRYPT;
        d->has_asset = true;
    }
    return STREAM_OK;
}

/* The token of seg decrypted into plain_buf (*plain_len) and its bytes into tok (*n). */
static stream_result_t token_open(const stream_receiver_t *r, slice_t seg, uint8_t *tok, ssize_t *n,
                                  uint8_t *plain_buf, size_t plain_cap, size_t *plain_len)
{
    *n = b64_decode(tok, TOKEN_MAX_LEN, (const char *)seg.ptr, seg.len, B64_URL | B64_LENIENT);
    if (*n < 0)
        return STREAM_ERR_DECRYPT;
    return stream_decrypt(plain_buf, plain_cap, plain_len, r->token_key, SLICE(tok, (size_t)*n));
}

/* The segment after seg in dest ("" when seg is the last). */
static slice_t next_segment(slice_t dest, slice_t seg)
{
    const uint8_t *end = dest.ptr + dest.len, *p = seg.ptr + seg.len;
    if (p >= end)
        return SLICE(NULL, 0);
    size_t n = 0;
    while (p + 1 + n < end && p[1 + n] != '.')
        n++;
    return SLICE(p + 1, n);
}

stream_result_t stream_receiver_decode_token(const stream_receiver_t *r, slice_t destination,
                                             stream_connection_details_t *details,
                                             uint8_t *plain_buf, size_t plain_cap, uint8_t *token,
                                             size_t *token_len)
{
    slice_t seg = local_segment(r, destination);
    if (seg.len == 0)
        return STREAM_ERR_ADDRESS;
    uint8_t tok[TOKEN_MAX_LEN];
    ssize_t n;
    size_t plain_len;
    stream_result_t rc = token_open(r, seg, tok, &n, plain_buf, plain_cap, &plain_len);
    /* credentials under an address below ours (a tenant's ILP address) carry its segments
     * first: the token is one of the next few */
    for (int i = 0; rc != STREAM_OK && i < STREAM_RECEIVER_SUB_SEGMENTS_MAX; i++) {
        seg = next_segment(destination, seg);
        if (seg.len == 0)
            break;
        rc = token_open(r, seg, tok, &n, plain_buf, plain_cap, &plain_len);
    }
    if (rc != STREAM_OK)
        return STREAM_ERR_DECRYPT;
    if (token != NULL) {
        memcpy(token, tok, (size_t)n);
        *token_len = (size_t)n;
    }
    return parse_token_plain(SLICE(plain_buf, plain_len), details);
}

/* ---- replies ---- */

typedef struct {
    const stream_receiver_t *r;
    const ilp_prepare_t *prepare;
    const stream_keys_t *keys; /* NULL: no STREAM reply can be encrypted */
    uint64_t sequence;
    stream_frame_t frames[3];
    size_t nframes;
    buf_t *out;
    stream_reply_info_t *info;
} reply_t;

static void add_frame(reply_t *rp, stream_frame_t f)
{
    ASSERT(rp->nframes < sizeof rp->frames / sizeof rp->frames[0]);
    rp->frames[rp->nframes++] = f;
}

/* Encrypted STREAM reply of the given ILP type into data_buf; returns its length or 0. */
static size_t reply_data(reply_t *rp, uint8_t type, uint8_t *mem, size_t cap)
{
    if (rp->keys == NULL)
        return 0;
    uint8_t plain_mem[REPLY_PLAIN_MAX];
    buf_t plain, data;
    buf_init_fixed(&plain, plain_mem, sizeof plain_mem);
    buf_init_fixed(&data, mem, cap);
    stream_packet_t hdr = {
        .ilp_packet_type = type, .sequence = rp->sequence, .prepare_amount = rp->prepare->amount};
    if (stream_packet_encode(&plain, &hdr, rp->frames, rp->nframes) != STREAM_OK ||
        stream_encrypt(&data, rp->keys->encryption, buf_slice(&plain)) != STREAM_OK)
        return 0; /* frames too large for the reply: send the ILP reply without STREAM data */
    return data.len;
}

static stream_result_t reply_reject(reply_t *rp, const char code[4])
{
    uint8_t data[REPLY_PLAIN_MAX + STREAM_ENVELOPE_OVERHEAD];
    ilp_reject_t rj = {.triggered_by = SLICE(rp->r->address, rp->r->address_len),
                       .message = SLICE("", 0)};
    memcpy(rj.code, code, 4);
    rj.data = SLICE(data, reply_data(rp, ILP_TYPE_REJECT, data, sizeof data));
    if (rp->info) {
        rp->info->fulfilled = false;
        memcpy(rp->info->code, code, 4);
    }
    return ilp_reject_encode(rp->out, &rj) == ILP_OK ? STREAM_OK : STREAM_ERR_BUFFER;
}

static stream_result_t reply_fulfill(reply_t *rp, const uint8_t fulfillment[32])
{
    uint8_t data[REPLY_PLAIN_MAX + STREAM_ENVELOPE_OVERHEAD];
    ilp_fulfill_t ff;
    memcpy(ff.fulfillment, fulfillment, ILP_FULFILLMENT_LEN);
    ff.data = SLICE(data, reply_data(rp, ILP_TYPE_FULFILL, data, sizeof data));
    if (rp->info) {
        rp->info->fulfilled = true;
        rp->info->code[0] = '\0';
        rp->info->amount = rp->prepare->amount;
    }
    return ilp_fulfill_encode(rp->out, &ff) == ILP_OK ? STREAM_OK : STREAM_ERR_BUFFER;
}

static stream_frame_t close_frame(void)
{
    stream_frame_t f = {.type = STREAM_FRAME_CONNECTION_CLOSE};
    f.connection_close.code = STREAM_CODE_NO_ERROR;
    f.connection_close.message = SLICE("", 0);
    return f;
}

/* Adds (sign > 0) or removes amount from a running total, in int64-sized steps. */
static int totals_add(const stream_receiver_t *r, const char *key, uint64_t amount, int sign,
                      uint64_t *total)
{
    do {
        uint64_t step = amount > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : amount;
        int64_t delta = sign > 0 ? (int64_t)step : -(int64_t)step;
        if (r->totals.incr(r->totals.ctx, key, delta, r->totals_ttl_s, total) != 0)
            return -1;
        amount -= step;
    } while (amount > 0);
    return 0;
}

static stream_result_t handle_money(reply_t *rp, const stream_connection_details_t *d,
                                    const uint8_t fulfillment[32])
{
    const stream_receiver_t *r = rp->r;
    const ilp_prepare_t *p = rp->prepare;
    char key[STREAM_TOTALS_KEY_SIZE];
    stream_receiver_totals_key(key, p->destination);
    const char *conn_id = key + sizeof(TOTALS_KEY_PREFIX) - 1;

    bool tracked = d != NULL && d->receipts && r->totals.incr != NULL;
    uint64_t total = 0;
    if (tracked && totals_add(r, key, p->amount, 1, &total) != 0)
        return reply_reject(rp, ILP_T00_INTERNAL_ERROR);

    stream_money_t m = {.payment_tag = d ? d->payment_tag : SLICE("", 0),
                        .amount = p->amount,
                        .connection_id = conn_id,
                        .receipts = tracked,
                        .total_received = total,
                        .prepare = p};
    stream_money_decision_t dec = r->on_money ? r->on_money(r->app, &m) : STREAM_MONEY_ACCEPT;
    rp->info->money = true;
    if (dec != STREAM_MONEY_ACCEPT) {
        uint64_t ignored;
        if (tracked)
            (void)totals_add(r, key, p->amount, -1, &ignored);
        if (dec == STREAM_MONEY_DECLINE_TEMPORARY)
            return reply_reject(rp, ILP_T00_INTERNAL_ERROR);
        add_frame(rp, close_frame());
        return reply_reject(rp, ILP_F99_APPLICATION_ERROR);
    }

    uint8_t receipt[STREAM_RECEIPT_LEN];
    if (tracked) {
        /* stream-receiver signs every receipt for stream 1, the client's first stream. */
        stream_receipt_t rc = {.stream_id = 1, .total_received = total};
        memcpy(rc.nonce, d->receipt_nonce, sizeof rc.nonce);
        stream_receipt_create(receipt, &rc, d->receipt_secret);
        stream_frame_t f = {.type = STREAM_FRAME_STREAM_RECEIPT};
        f.receipt.stream_id = 1;
        f.receipt.receipt = SLICE(receipt, sizeof receipt);
        add_frame(rp, f);
        rp->info->total_received = total;
        rp->info->counted = true;
    }
    return reply_fulfill(rp, fulfillment);
}

stream_result_t stream_receiver_revert(const stream_receiver_t *r, slice_t destination,
                                       const stream_reply_info_t *info)
{
    if (!info->counted || r->totals.incr == NULL)
        return STREAM_OK;
    char key[STREAM_TOTALS_KEY_SIZE];
    uint64_t ignored;
    stream_receiver_totals_key(key, destination);
    return totals_add(r, key, info->amount, -1, &ignored) == 0 ? STREAM_OK : STREAM_ERR_STORE;
}

/* Scans the request frames for the two the stateless receiver acts on. */
static void scan_frames(const stream_packet_t *pkt, bool *close, bool *new_address)
{
    stream_frame_iter_t it = stream_frame_iter(pkt);
    stream_frame_t f;
    *close = *new_address = false;
    while (stream_frame_next(&it, &f) == STREAM_OK) {
        if (f.type == STREAM_FRAME_CONNECTION_CLOSE)
            *close = true;
        else if (f.type == STREAM_FRAME_CONNECTION_NEW_ADDRESS)
            *new_address = true;
    }
}

/* The reply state of one Prepare; info (the caller's, or its scratch) starts zeroed. */
static reply_t reply_begin(const stream_receiver_t *r, const ilp_prepare_t *prepare, buf_t *reply,
                           stream_reply_info_t *info)
{
    memset(info, 0, sizeof *info);
    return (reply_t){.r = r, .prepare = prepare, .out = reply, .info = info};
}

stream_result_t stream_receiver_handle_secret(const stream_receiver_t *r,
                                              const uint8_t shared_secret[STREAM_SHARED_SECRET_LEN],
                                              const stream_connection_details_t *details,
                                              const ilp_prepare_t *prepare, buf_t *reply,
                                              stream_reply_info_t *info)
{
    stream_reply_info_t scratch;
    reply_t rp = reply_begin(r, prepare, reply, info ? info : &scratch);

    stream_keys_t keys;
    stream_keys_derive(&keys, shared_secret, STREAM_SHARED_SECRET_LEN);
    uint8_t plain[STREAM_PLAINTEXT_MAX_LEN];
    size_t plain_len;
    stream_packet_t pkt;
    if (stream_decrypt(plain, sizeof plain, &plain_len, keys.encryption, prepare->data) !=
            STREAM_OK ||
        stream_packet_decode(SLICE(plain, plain_len), &pkt) != STREAM_OK)
        return reply_reject(&rp, ILP_F06_UNEXPECTED_PAYMENT);
    if (pkt.ilp_packet_type != ILP_TYPE_PREPARE)
        return reply_reject(&rp, ILP_F00_BAD_REQUEST); /* inauthentic: no STREAM data */
    rp.keys = &keys;
    rp.sequence = pkt.sequence;

    bool close, new_address;
    scan_frames(&pkt, &close, &new_address);
    if (close) {
        add_frame(&rp, close_frame());
        return reply_reject(&rp, ILP_F99_APPLICATION_ERROR);
    }
    if (new_address && details != NULL && details->has_asset) {
        stream_frame_t f = {.type = STREAM_FRAME_CONNECTION_ASSET_DETAILS};
        f.asset_details.code = details->asset_code;
        f.asset_details.scale = details->asset_scale;
        add_frame(&rp, f);
    }
    if (prepare->amount < pkt.prepare_amount)
        return reply_reject(&rp, ILP_F99_APPLICATION_ERROR);

    uint8_t fulfillment[ILP_FULFILLMENT_LEN], condition[ILP_CONDITION_LEN];
    stream_fulfillment(fulfillment, keys.fulfillment, prepare->data);
    sha256(condition, fulfillment, sizeof fulfillment);
    if (!ct_equal(condition, prepare->condition, ILP_CONDITION_LEN))
        return reply_reject(&rp, ILP_F99_APPLICATION_ERROR); /* unfulfillable: a rate probe */
    if (prepare->amount == 0)
        return reply_fulfill(&rp, fulfillment);
    return handle_money(&rp, details, fulfillment);
}

stream_result_t stream_receiver_handle(const stream_receiver_t *r, const ilp_prepare_t *prepare,
                                       buf_t *reply, stream_reply_info_t *info)
{
    stream_reply_info_t scratch;
    reply_t rp = reply_begin(r, prepare, reply, info ? info : &scratch);

    stream_connection_details_t d;
    uint8_t plain[TOKEN_MAX_LEN], token[TOKEN_MAX_LEN];
    size_t token_len = 0;
    stream_result_t rc = stream_receiver_decode_token(r, prepare->destination, &d, plain,
                                                      sizeof plain, token, &token_len);
    if (rc == STREAM_ERR_ADDRESS)
        return reply_reject(&rp, ILP_F02_UNREACHABLE);
    if (rc != STREAM_OK)
        return reply_reject(&rp, ILP_F06_UNEXPECTED_PAYMENT);
    uint8_t secret[STREAM_SHARED_SECRET_LEN];
    stream_receiver_token_secret(r, SLICE(token, token_len), secret);
    return stream_receiver_handle_secret(r, secret, &d, prepare, reply, info);
}

/* The authentic STREAM request of prepare under keys, decrypted into plain (a Prepare's). */
static stream_result_t request_open(const stream_keys_t *keys, const ilp_prepare_t *prepare,
                                    uint8_t *plain, size_t cap, stream_packet_t *pkt)
{
    size_t plain_len;
    if (stream_decrypt(plain, cap, &plain_len, keys->encryption, prepare->data) != STREAM_OK ||
        stream_packet_decode(SLICE(plain, plain_len), pkt) != STREAM_OK ||
        pkt->ilp_packet_type != ILP_TYPE_PREPARE)
        return STREAM_ERR_DECRYPT;
    return STREAM_OK;
}

stream_result_t stream_request_data(const uint8_t shared_secret[STREAM_SHARED_SECRET_LEN],
                                    const ilp_prepare_t *prepare, uint8_t *out, size_t cap,
                                    size_t *len)
{
    *len = 0;
    stream_keys_t keys;
    stream_keys_derive(&keys, shared_secret, STREAM_SHARED_SECRET_LEN);
    uint8_t plain[STREAM_PLAINTEXT_MAX_LEN];
    stream_packet_t pkt;
    if (request_open(&keys, prepare, plain, sizeof plain, &pkt) != STREAM_OK)
        return STREAM_ERR_DECRYPT;
    stream_frame_iter_t it = stream_frame_iter(&pkt);
    stream_frame_t f;
    slice_t found = SLICE(NULL, 0);
    bool first = true;
    while (stream_frame_next(&it, &f) == STREAM_OK) {
        if (f.type != STREAM_FRAME_STREAM_DATA)
            continue;
        if (first || f.data.stream_id == 1)
            found = f.data.data;
        first = false;
        if (f.data.stream_id == 1)
            break;
    }
    *len = found.len < cap ? found.len : cap;
    if (*len)
        memcpy(out, found.ptr, *len);
    return STREAM_OK;
}

stream_result_t stream_receiver_decline_final(const stream_receiver_t *r,
                                              const uint8_t shared_secret[STREAM_SHARED_SECRET_LEN],
                                              const ilp_prepare_t *prepare, slice_t data,
                                              buf_t *reply)
{
    stream_reply_info_t info;
    reply_t rp = reply_begin(r, prepare, reply, &info);
    stream_keys_t keys;
    stream_keys_derive(&keys, shared_secret, STREAM_SHARED_SECRET_LEN);
    uint8_t plain[STREAM_PLAINTEXT_MAX_LEN];
    stream_packet_t pkt;
    if (request_open(&keys, prepare, plain, sizeof plain, &pkt) != STREAM_OK)
        return reply_reject(&rp, ILP_F06_UNEXPECTED_PAYMENT);
    rp.keys = &keys;
    rp.sequence = pkt.sequence;
    add_frame(&rp, close_frame());
    stream_frame_t f = {.type = STREAM_FRAME_STREAM_DATA};
    f.data.stream_id = 1;
    f.data.offset = 0;
    f.data.data = data;
    add_frame(&rp, f);
    return reply_reject(&rp, ILP_F99_APPLICATION_ERROR);
}
