/*
 * Vector handlers for src/stream: STREAM packets and frames, crypto (key derivation, envelope,
 * fulfillments), receipts, stateless-receiver secret derivation and whole receiver exchanges
 * (receiver_e2e). Types and fields are described in shared/vectors/README.md.
 */
#include <ctype.h>
#include <stdlib.h>
#include <strings.h>
#include <stdio.h>
#include <string.h>

#include "base/digest.h"
#include "base/mem.h"
#include "ilp/packet.h"
#include "stream/crypto.h"
#include "stream/packet.h"
#include "stream/receipt.h"
#include "stream/receiver.h"
#include "vectors.h"

/* Decode member key of obj as hex into a fixed array of exactly n bytes. */
static int hex_fixed(json_t *obj, const char *key, uint8_t *out, size_t n, char *err, size_t el)
{
    buf_t b;
    if (vec_hex(obj, key, &b, err, el) != 0)
        return VEC_FAIL;
    int rc = VEC_PASS;
    if (b.len != n)
        rc = vec_fail(err, el, "%s: %zu bytes, want %zu", key, b.len, n);
    else
        memcpy(out, b.ptr, n);
    buf_free(&b);
    return rc;
}

/* ---- stream packets ---- */

static int cmp_u8(json_t *o, const char *key, uint8_t got, char *err, size_t el)
{
    return vec_cmp_u64_field(o, key, got, err, el);
}

static int cmp_connection_frame(json_t *jf, const stream_frame_t *f, char *err, size_t el)
{
    switch (f->type) {
    case STREAM_FRAME_CONNECTION_CLOSE:
        VEC_TRY(cmp_u8(jf, "error_code", f->connection_close.code, err, el));
        return vec_cmp_str_field(jf, "error_message", f->connection_close.message, err, el);
    case STREAM_FRAME_CONNECTION_NEW_ADDRESS:
        return vec_cmp_str_field(jf, "source_address", f->new_address.address, err, el);
    case STREAM_FRAME_CONNECTION_MAX_DATA:
    case STREAM_FRAME_CONNECTION_DATA_BLOCKED:
        return vec_cmp_u64_field(jf, "max_offset", f->connection_data.max_offset, err, el);
    case STREAM_FRAME_CONNECTION_MAX_STREAM_ID:
    case STREAM_FRAME_CONNECTION_STREAM_ID_BLOCKED:
        return vec_cmp_u64_field(jf, "max_stream_id", f->stream_id_limit.max_stream_id, err, el);
    case STREAM_FRAME_CONNECTION_ASSET_DETAILS:
        VEC_TRY(vec_cmp_str_field(jf, "source_asset_code", f->asset_details.code, err, el));
        return cmp_u8(jf, "source_asset_scale", f->asset_details.scale, err, el);
    default:
        return vec_fail(err, el, "not a connection frame");
    }
}

static int cmp_stream_frame(json_t *jf, const stream_frame_t *f, char *err, size_t el)
{
    switch (f->type) {
    case STREAM_FRAME_STREAM_CLOSE:
        VEC_TRY(vec_cmp_u64_field(jf, "stream_id", f->stream_close.stream_id, err, el));
        VEC_TRY(cmp_u8(jf, "error_code", f->stream_close.code, err, el));
        return vec_cmp_str_field(jf, "error_message", f->stream_close.message, err, el);
    case STREAM_FRAME_STREAM_MONEY:
        VEC_TRY(vec_cmp_u64_field(jf, "stream_id", f->money.stream_id, err, el));
        return vec_cmp_u64_field(jf, "shares", f->money.shares, err, el);
    case STREAM_FRAME_STREAM_MAX_MONEY:
        VEC_TRY(vec_cmp_u64_field(jf, "stream_id", f->max_money.stream_id, err, el));
        VEC_TRY(vec_cmp_u64_field(jf, "receive_max", f->max_money.receive_max, err, el));
        return vec_cmp_u64_field(jf, "total_received", f->max_money.total_received, err, el);
    case STREAM_FRAME_STREAM_MONEY_BLOCKED:
        VEC_TRY(vec_cmp_u64_field(jf, "stream_id", f->money_blocked.stream_id, err, el));
        VEC_TRY(vec_cmp_u64_field(jf, "send_max", f->money_blocked.send_max, err, el));
        return vec_cmp_u64_field(jf, "total_sent", f->money_blocked.total_sent, err, el);
    case STREAM_FRAME_STREAM_DATA:
        VEC_TRY(vec_cmp_u64_field(jf, "stream_id", f->data.stream_id, err, el));
        VEC_TRY(vec_cmp_u64_field(jf, "offset", f->data.offset, err, el));
        return vec_cmp_hex_field(jf, "data_hex", f->data.data, err, el);
    case STREAM_FRAME_STREAM_MAX_DATA:
    case STREAM_FRAME_STREAM_DATA_BLOCKED:
        VEC_TRY(vec_cmp_u64_field(jf, "stream_id", f->stream_data.stream_id, err, el));
        return vec_cmp_u64_field(jf, "max_offset", f->stream_data.max_offset, err, el);
    case STREAM_FRAME_STREAM_RECEIPT:
        VEC_TRY(vec_cmp_u64_field(jf, "stream_id", f->receipt.stream_id, err, el));
        return vec_cmp_hex_field(jf, "receipt_hex", f->receipt.receipt, err, el);
    case STREAM_FRAME_UNKNOWN:
        return vec_cmp_hex_field(jf, "data_hex", f->unknown.contents, err, el);
    default:
        return cmp_connection_frame(jf, f, err, el);
    }
}

static int cmp_frame(json_t *jf, const stream_frame_t *f, char *err, size_t el)
{
    uint64_t type;
    if (vec_u64(jf, "type", &type) != 0)
        return vec_fail(err, el, "frame without a numeric type");
    if (type != f->raw_type)
        return vec_fail(err, el, "frame type %u, want %llu", f->raw_type, (unsigned long long)type);
    return cmp_stream_frame(jf, f, err, el);
}

/* Compare a decoded packet with a fields object; decoded frames go to frames[] (cap n). */
static int cmp_packet(json_t *fields, const stream_packet_t *pkt, stream_frame_t *frames,
                      size_t cap, size_t *n, char *err, size_t el)
{
    VEC_TRY(cmp_u8(fields, "version", pkt->version, err, el));
    VEC_TRY(cmp_u8(fields, "ilp_packet_type", pkt->ilp_packet_type, err, el));
    VEC_TRY(vec_cmp_u64_field(fields, "sequence", pkt->sequence, err, el));
    VEC_TRY(vec_cmp_u64_field(fields, "prepare_amount", pkt->prepare_amount, err, el));
    json_t *jframes = json_object_get(fields, "frames");
    if (jframes != NULL && json_array_size(jframes) != pkt->frame_count)
        return vec_fail(err, el, "%llu frames, want %zu", (unsigned long long)pkt->frame_count,
                        json_array_size(jframes));
    stream_frame_iter_t it = stream_frame_iter(pkt);
    *n = 0;
    for (size_t i = 0; *n < cap; i++) {
        stream_result_t rc = stream_frame_next(&it, &frames[*n]);
        if (rc == STREAM_END)
            break;
        if (rc != STREAM_OK)
            return vec_fail(err, el, "frame %zu: %s", i, stream_result_str(rc));
        if (jframes != NULL)
            VEC_TRY(cmp_frame(json_array_get(jframes, i), &frames[*n], err, el));
        (*n)++;
    }
    return VEC_PASS;
}

#define VEC_MAX_FRAMES 64

static int vec_stream_packet(json_t *vec, char *err, size_t el)
{
    buf_t in;
    if (vec_hex(vec, "hex", &in, err, el) != 0)
        return VEC_FAIL;
    vec_expect_t expect = vec_expect(vec);
    stream_packet_t pkt;
    stream_result_t rc = stream_packet_decode(buf_slice(&in), &pkt);
    int res = VEC_PASS;
    if (expect == VEC_EXPECT_INVALID) {
        if (rc == STREAM_OK)
            res = vec_fail(err, el, "decoder accepted an invalid packet");
        goto done;
    }
    if (rc != STREAM_OK) {
        res = vec_fail(err, el, "decode: %s", stream_result_str(rc));
        goto done;
    }
    stream_frame_t frames[VEC_MAX_FRAMES];
    size_t n;
    res = cmp_packet(vec_fields(vec), &pkt, frames, VEC_MAX_FRAMES, &n, err, el);
    if (res != VEC_PASS || expect != VEC_EXPECT_VALID)
        goto done;
    buf_t out;
    buf_init(&out, ILP_DATA_MAX_LEN);
    if (stream_packet_encode(&out, &pkt, frames, n) != STREAM_OK)
        res = vec_fail(err, el, "encode failed");
    else
        res = vec_cmp_bytes("re-encoded", buf_slice(&out), buf_slice(&in), err, el);
    buf_free(&out);
done:
    buf_free(&in);
    return res;
}

/* ---- crypto ---- */

static int derive_key(json_t *vec, char *err, size_t el, bool encryption)
{
    json_t *f = vec_fields(vec);
    buf_t secret;
    if (vec_hex(f, "shared_secret_hex", &secret, err, el) != 0)
        return VEC_FAIL;
    uint8_t key[STREAM_KEY_LEN];
    if (encryption)
        stream_derive_encryption_key(key, secret.ptr, secret.len);
    else
        stream_derive_fulfillment_key(key, secret.ptr, secret.len);
    buf_free(&secret);
    VEC_TRY(vec_cmp_hex_field(f, "key_hex", SLICE(key, sizeof key), err, el));
    return vec_cmp_hex_field(vec, "hex", SLICE(key, sizeof key), err, el);
}

static int vec_derive_encryption_key(json_t *vec, char *err, size_t el)
{
    return derive_key(vec, err, el, true);
}

static int vec_derive_fulfillment_key(json_t *vec, char *err, size_t el)
{
    return derive_key(vec, err, el, false);
}

/* The encryption key from shared_secret_hex, checked against derived_key_hex if present; or,
 * without a shared secret, derived_key_hex itself (the AES-256-GCM key). */
static int vec_enc_key(json_t *f, uint8_t key[STREAM_KEY_LEN], char *err, size_t el)
{
    if (!json_object_get(f, "shared_secret_hex") && json_object_get(f, "derived_key_hex"))
        return hex_fixed(f, "derived_key_hex", key, STREAM_KEY_LEN, err, el);
    buf_t secret;
    if (vec_hex(f, "shared_secret_hex", &secret, err, el) != 0)
        return VEC_FAIL;
    stream_derive_encryption_key(key, secret.ptr, secret.len);
    buf_free(&secret);
    return vec_cmp_hex_field(f, "derived_key_hex", SLICE(key, STREAM_KEY_LEN), err, el);
}

static int vec_encrypt(json_t *vec, char *err, size_t el)
{
    json_t *f = vec_fields(vec);
    uint8_t key[STREAM_KEY_LEN], nonce[STREAM_NONCE_LEN];
    VEC_TRY(vec_enc_key(f, key, err, el));
    VEC_TRY(hex_fixed(f, "nonce_hex", nonce, sizeof nonce, err, el));
    buf_t plain, out;
    if (vec_hex(f, "plaintext_hex", &plain, err, el) != 0)
        return VEC_FAIL;
    buf_init(&out, 1u << 20);
    int res = VEC_PASS;
    if (stream_encrypt_nonce(&out, key, nonce, buf_slice(&plain)) != STREAM_OK)
        res = vec_fail(err, el, "encrypt failed");
    if (res == VEC_PASS)
        res = vec_cmp_hex_field(vec, "hex", buf_slice(&out), err, el);
    if (res == VEC_PASS)
        res = vec_cmp_hex_field(f, "tag_hex", SLICE(out.ptr + STREAM_NONCE_LEN, STREAM_TAG_LEN),
                                err, el);
    if (res == VEC_PASS)
        res = vec_cmp_hex_field(
            f, "ciphertext_only_hex",
            SLICE(out.ptr + STREAM_ENVELOPE_OVERHEAD, out.len - STREAM_ENVELOPE_OVERHEAD), err, el);
    buf_free(&plain);
    buf_free(&out);
    return res;
}

static int vec_decrypt(json_t *vec, char *err, size_t el)
{
    json_t *f = vec_fields(vec);
    uint8_t key[STREAM_KEY_LEN];
    VEC_TRY(vec_enc_key(f, key, err, el));
    buf_t in;
    if (vec_hex(vec, "hex", &in, err, el) != 0)
        return VEC_FAIL;
    uint8_t *plain = xmalloc(in.len + 1);
    size_t n;
    stream_result_t rc = stream_decrypt(plain, in.len + 1, &n, key, buf_slice(&in));
    int res;
    if (vec_expect(vec) == VEC_EXPECT_INVALID)
        res = rc == STREAM_OK ? vec_fail(err, el, "decrypted an invalid envelope") : VEC_PASS;
    else if (rc != STREAM_OK)
        res = vec_fail(err, el, "decrypt: %s", stream_result_str(rc));
    else
        res = vec_cmp_hex_field(f, "plaintext_hex", SLICE(plain, n), err, el);
    free(plain);
    buf_free(&in);
    return res;
}

static int vec_fulfillment_from_key(json_t *vec, char *err, size_t el)
{
    json_t *f = vec_fields(vec);
    uint8_t key[STREAM_KEY_LEN], out[ILP_FULFILLMENT_LEN];
    VEC_TRY(hex_fixed(f, "fulfillment_key_hex", key, sizeof key, err, el));
    buf_t data;
    if (vec_hex(f, "data_hex", &data, err, el) != 0)
        return VEC_FAIL;
    stream_fulfillment(out, key, buf_slice(&data));
    buf_free(&data);
    VEC_TRY(vec_cmp_hex_field(f, "fulfillment_hex", SLICE(out, sizeof out), err, el));
    return vec_cmp_hex_field(vec, "hex", SLICE(out, sizeof out), err, el);
}

/* Fulfillment key, fulfillment and condition from a shared secret and data (checks fields). */
static int check_fulfillment(json_t *f, const uint8_t *secret, size_t secret_len, slice_t data,
                             uint8_t fulfillment[ILP_FULFILLMENT_LEN],
                             uint8_t condition[ILP_CONDITION_LEN], char *err, size_t el)
{
    uint8_t key[STREAM_KEY_LEN];
    stream_derive_fulfillment_key(key, secret, secret_len);
    VEC_TRY(vec_cmp_hex_field(f, "fulfillment_key_hex", SLICE(key, sizeof key), err, el));
    stream_fulfillment(fulfillment, key, data);
    VEC_TRY(
        vec_cmp_hex_field(f, "fulfillment_hex", SLICE(fulfillment, ILP_FULFILLMENT_LEN), err, el));
    sha256(condition, fulfillment, ILP_FULFILLMENT_LEN);
    return vec_cmp_hex_field(f, "condition_hex", SLICE(condition, ILP_CONDITION_LEN), err, el);
}

static int vec_fulfillment(json_t *vec, char *err, size_t el)
{
    json_t *f = vec_fields(vec);
    buf_t secret, data;
    if (vec_hex(f, "shared_secret_hex", &secret, err, el) != 0)
        return VEC_FAIL;
    if (vec_hex(f, "data_hex", &data, err, el) != 0) {
        buf_free(&secret);
        return VEC_FAIL;
    }
    uint8_t ful[ILP_FULFILLMENT_LEN], cond[ILP_CONDITION_LEN];
    int res = check_fulfillment(f, secret.ptr, secret.len, buf_slice(&data), ful, cond, err, el);
    buf_free(&secret);
    buf_free(&data);
    return res;
}

/* ---- receipts ---- */

static int vec_receipt(json_t *vec, char *err, size_t el)
{
    json_t *f = vec_fields(vec);
    uint8_t secret[STREAM_RECEIPT_SECRET_LEN];
    VEC_TRY(hex_fixed(f, "secret_hex", secret, sizeof secret, err, el));
    buf_t in;
    if (vec_hex(vec, "hex", &in, err, el) != 0)
        return VEC_FAIL;
    stream_receipt_t r;
    stream_result_t rc = stream_receipt_verify(buf_slice(&in), secret, &r);
    int res = VEC_PASS;
    if (vec_expect(vec) == VEC_EXPECT_INVALID) {
        if (rc == STREAM_OK)
            res = vec_fail(err, el, "verified an invalid receipt");
        goto done;
    }
    if (rc != STREAM_OK) {
        res = vec_fail(err, el, "verify: %s", stream_result_str(rc));
        goto done;
    }
    res = vec_cmp_hex_field(f, "nonce_hex", SLICE(r.nonce, sizeof r.nonce), err, el);
    if (res == VEC_PASS)
        res = vec_cmp_u64_field(f, "stream_id", r.stream_id, err, el);
    if (res == VEC_PASS)
        res = vec_cmp_u64_field(f, "total_received", r.total_received, err, el);
    if (res == VEC_PASS)
        res = vec_cmp_u64_field(f, "version", in.ptr[0], err, el);
    if (res == VEC_PASS)
        res = vec_cmp_hex_field(f, "hmac_hex", SLICE(in.ptr + 26, 32), err, el);
    if (res == VEC_PASS) {
        uint8_t out[STREAM_RECEIPT_LEN];
        stream_receipt_create(out, &r, secret);
        res = vec_cmp_bytes("created receipt", SLICE(out, sizeof out), buf_slice(&in), err, el);
    }
done:
    buf_free(&in);
    return res;
}

/* ---- stateless receiver ---- */

/* The token: fields.token, else the segment after server_address, else the last segment. */
static slice_t address_token(json_t *f, slice_t dest)
{
    size_t n;
    const char *tok = vec_str(f, "token", &n);
    if (tok != NULL)
        return SLICE(tok, n);
    const char *base = vec_str(f, "server_address", &n);
    if (base != NULL && dest.len > n + 1 && memcmp(dest.ptr, base, n) == 0 && dest.ptr[n] == '.') {
        size_t i = n + 1, j = i;
        while (j < dest.len && dest.ptr[j] != '.')
            j++;
        return SLICE(dest.ptr + i, j - i);
    }
    size_t i = dest.len;
    while (i > 0 && dest.ptr[i - 1] != '.')
        i--;
    return SLICE(dest.ptr + i, dest.len - i);
}

static int vec_derive_token_string(json_t *vec, char *err, size_t el)
{
    json_t *f = vec_fields(vec);
    uint8_t server[STREAM_SERVER_SECRET_LEN], keygen[SHA256_LEN], secret[32];
    VEC_TRY(hex_fixed(f, "server_secret_hex", server, sizeof server, err, el));
    hmac_sha256(keygen, server, sizeof server, "ilp_stream_shared_secret", 24);
    VEC_TRY(vec_cmp_hex_field(f, "keygen_hex", SLICE(keygen, sizeof keygen), err, el));
    size_t n = 0;
    const char *dest = vec_str(f, "destination", &n);
    slice_t tok = address_token(f, dest ? SLICE(dest, n) : SLICE("", 0));
    stream_secret_from_token_string(secret, server, tok);
    VEC_TRY(vec_cmp_hex_field(f, "shared_secret_hex", SLICE(secret, sizeof secret), err, el));
    return vec_cmp_hex_field(vec, "hex", SLICE(secret, sizeof secret), err, el);
}

static int vec_derive_receiver_keygens(json_t *vec, char *err, size_t el)
{
    json_t *f = vec_fields(vec);
    uint8_t server[STREAM_SERVER_SECRET_LEN];
    VEC_TRY(hex_fixed(f, "server_secret_hex", server, sizeof server, err, el));
    stream_receiver_t r;
    if (stream_receiver_init(&r, SLICE_LIT("example.receiver"), server) != STREAM_OK)
        return vec_fail(err, el, "receiver init failed");
    VEC_TRY(vec_cmp_hex_field(f, "shared_secret_keygen_hex", SLICE(r.secret_key, 32), err, el));
    VEC_TRY(vec_cmp_hex_field(f, "connection_token_keygen_hex", SLICE(r.token_key, 32), err, el));
    return vec_cmp_hex_field(vec, "hex", SLICE(r.secret_key, 32), err, el);
}

/* What expected_reply names: *fulfill 1/0 (-1 unknown) and a reject code when one is named. */
static void parse_expected(json_t *e, int *fulfill, char code[4])
{
    *fulfill = -1;
    code[0] = '\0';
    const char *s = json_string_value(e);
    if (json_is_object(e)) {
        s = json_string_value(json_object_get(e, "type"));
        if (s == NULL)
            s = json_string_value(json_object_get(e, "packet"));
        const char *c = json_string_value(json_object_get(e, "code"));
        if (c != NULL && strlen(c) == 3) {
            memcpy(code, c, 4);
            *fulfill = 0;
        }
    }
    if (s == NULL)
        return;
    size_t n = strlen(s);
    for (size_t i = 0; i + 7 <= n; i++)
        if (strncasecmp(s + i, "fulfill", 7) == 0) {
            *fulfill = 1;
            return;
        }
    for (size_t i = 0; i + 3 <= n; i++) {
        if (strchr("FTR", s[i]) && isdigit((unsigned char)s[i + 1]) &&
            isdigit((unsigned char)s[i + 2]) && (i + 3 == n || !isalnum((unsigned char)s[i + 3]))) {
            memcpy(code, s + i, 3);
            code[3] = '\0';
            *fulfill = 0;
            return;
        }
    }
    for (size_t i = 0; i + 6 <= n; i++)
        if (strncasecmp(s + i, "reject", 6) == 0)
            *fulfill = 0;
}

/* Run our receiver on the Prepare and compare the reply kind with expected_reply. */
static int check_e2e_reply(json_t *f, const uint8_t secret[32], const ilp_prepare_t *p,
                           const uint8_t fulfillment[32], char *err, size_t el)
{
    int want_fulfill;
    char want_code[4];
    parse_expected(json_object_get(f, "expected_reply"), &want_fulfill, want_code);
    if (want_fulfill < 0)
        return vec_fail(err, el, "cannot read expected_reply");
    size_t n;
    const char *base = vec_str(f, "server_address", &n);
    stream_receiver_t r;
    uint8_t server[STREAM_SERVER_SECRET_LEN] = {0};
    if (base == NULL || stream_receiver_init(&r, SLICE(base, n), server) != STREAM_OK)
        return vec_fail(err, el, "bad server_address");
    uint8_t mem[ILP_PACKET_MAX_LEN];
    buf_t reply;
    buf_init_fixed(&reply, mem, sizeof mem);
    stream_reply_info_t info;
    if (stream_receiver_handle_secret(&r, secret, NULL, p, &reply, &info) != STREAM_OK)
        return vec_fail(err, el, "receiver failed");
    ilp_packet_t pkt;
    if (ilp_packet_decode(buf_slice(&reply), ILP_DECODE_STRICT, &pkt) != ILP_OK)
        return vec_fail(err, el, "receiver reply does not decode");
    if (want_fulfill != (pkt.type == ILP_TYPE_FULFILL))
        return vec_fail(err, el, "receiver replied %s, want %s",
                        pkt.type == ILP_TYPE_FULFILL ? "fulfill" : pkt.u.reject.code,
                        want_fulfill ? "fulfill" : "reject");
    if (pkt.type == ILP_TYPE_FULFILL)
        return vec_cmp_bytes("reply fulfillment", SLICE(pkt.u.fulfill.fulfillment, 32),
                             SLICE(fulfillment, 32), err, el);
    if (want_code[0] && strcmp(want_code, pkt.u.reject.code) != 0)
        return vec_fail(err, el, "reject %s, want %s", pkt.u.reject.code, want_code);
    return VEC_PASS;
}

static int e2e_after_decode(json_t *f, const ilp_prepare_t *p, char *err, size_t el)
{
    uint8_t server[STREAM_SERVER_SECRET_LEN], secret[32], enc[STREAM_KEY_LEN];
    VEC_TRY(hex_fixed(f, "server_secret_hex", server, sizeof server, err, el));
    stream_secret_from_token_string(secret, server, address_token(f, p->destination));
    VEC_TRY(vec_cmp_hex_field(f, "shared_secret_hex", SLICE(secret, 32), err, el));
    stream_derive_encryption_key(enc, secret, sizeof secret);
    VEC_TRY(vec_cmp_hex_field(f, "encryption_key_hex", SLICE(enc, sizeof enc), err, el));

    static uint8_t plain[STREAM_PLAINTEXT_MAX_LEN];
    size_t n;
    stream_result_t rc = stream_decrypt(plain, sizeof plain, &n, enc, p->data);
    if (rc != STREAM_OK)
        return vec_fail(err, el, "decrypt Prepare data: %s", stream_result_str(rc));
    VEC_TRY(vec_cmp_hex_field(f, "stream_plaintext_hex", SLICE(plain, n), err, el));
    stream_packet_t sp;
    rc = stream_packet_decode(SLICE(plain, n), &sp);
    if (rc != STREAM_OK)
        return vec_fail(err, el, "STREAM packet: %s", stream_result_str(rc));
    json_t *jsp = json_object_get(f, "stream_packet");
    stream_frame_t frames[VEC_MAX_FRAMES];
    size_t nf;
    if (json_is_object(jsp))
        VEC_TRY(cmp_packet(jsp, &sp, frames, VEC_MAX_FRAMES, &nf, err, el));

    uint8_t ful[ILP_FULFILLMENT_LEN], cond[ILP_CONDITION_LEN];
    VEC_TRY(check_fulfillment(f, secret, sizeof secret, p->data, ful, cond, err, el));
    /* A probe's condition is random: the match is only required when a Fulfill is expected. */
    int want_fulfill;
    char code[4];
    parse_expected(json_object_get(f, "expected_reply"), &want_fulfill, code);
    if (want_fulfill == 1)
        VEC_TRY(vec_cmp_bytes("execution condition", SLICE(cond, 32), SLICE(p->condition, 32), err,
                              el));
    return check_e2e_reply(f, secret, p, ful, err, el);
}

static int vec_receiver_e2e(json_t *vec, char *err, size_t el)
{
    json_t *f = vec_fields(vec);
    buf_t in;
    if (vec_hex(vec, "hex", &in, err, el) != 0)
        return VEC_FAIL;
    ilp_prepare_t p;
    ilp_result_t rc = ilp_prepare_decode(buf_slice(&in), &p);
    int res;
    if (rc != ILP_OK)
        res = vec_fail(err, el, "Prepare decode: %s", ilp_result_str(rc));
    else
        res = vec_cmp_prepare(json_object_get(f, "prepare"), &p, err, el);
    if (res == VEC_PASS)
        res = e2e_after_decode(f, &p, err, el);
    buf_free(&in);
    return res;
}

const vector_handler_t stream_vector_handlers[] = {
    {"stream_packet", vec_stream_packet},
    {"derive_encryption_key", vec_derive_encryption_key},
    {"derive_fulfillment_key", vec_derive_fulfillment_key},
    {"encrypt", vec_encrypt},
    {"decrypt", vec_decrypt},
    {"fulfillment_from_key", vec_fulfillment_from_key},
    {"fulfillment", vec_fulfillment},
    {"receipt", vec_receipt},
    {"derive_shared_secret_token_string", vec_derive_token_string},
    {"derive_receiver_keygens", vec_derive_receiver_keygens},
    {"receiver_e2e", vec_receiver_e2e},
    {NULL, NULL},
};
