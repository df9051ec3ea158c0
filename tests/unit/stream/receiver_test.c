/* Tests for src/stream/receiver.c and totals.c: credentials, every reply path, receipts. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/digest.h"
#include "base/rand.h"
#include "ilp/packet.h"
#include "stream/crypto.h"
#include "stream/packet.h"
#include "stream/receiver.h"

static const uint8_t SERVER_SECRET[32] = {9, 8, 7, 6, 5, 4, 3, 2, 1};

typedef struct {
    int calls;
    stream_money_decision_t decision;
    char tag[64];
    uint64_t amount, total;
    char conn_id[65];
} app_t;

static stream_money_decision_t on_money(void *ctx, const stream_money_t *m)
{
    app_t *a = ctx;
    a->calls++;
    snprintf(a->tag, sizeof a->tag, "%.*s", (int)m->payment_tag.len, m->payment_tag.ptr);
    a->amount = m->amount;
    a->total = m->total_received;
    snprintf(a->conn_id, sizeof a->conn_id, "%s", m->connection_id);
    return a->decision;
}

typedef struct {
    stream_receiver_t r;
    app_t app;
    stream_totals_mem_t *mem;
    stream_credentials_t cred;
    stream_keys_t keys;
    uint8_t prep_mem[ILP_PACKET_MAX_LEN], reply_mem[ILP_PACKET_MAX_LEN], data_mem[4096];
    ilp_prepare_t prepare;
    ilp_packet_t reply;
    stream_reply_info_t info;
    /* decrypted reply */
    uint8_t plain[4096];
    stream_packet_t sp;
    bool sp_ok;
} fx_t;

static fx_t *fx_new(const stream_connection_details_t *d)
{
    fx_t *f = calloc(1, sizeof *f);
    cr_assert_eq(stream_receiver_init(&f->r, SLICE_LIT("test.wallet.rx"), SERVER_SECRET),
                 STREAM_OK);
    f->mem = stream_totals_mem_new(1000);
    f->r.totals = stream_totals_mem(f->mem);
    f->r.on_money = on_money;
    f->r.app = &f->app;
    cr_assert_eq(stream_receiver_credentials(&f->r, d, &f->cred), STREAM_OK);
    stream_keys_derive(&f->keys, f->cred.shared_secret, 32);
    return f;
}

static void fx_free(fx_t *f)
{
    stream_totals_mem_free(f->mem);
    free(f);
}

/* Send a STREAM Prepare with the given frames; decode the reply and its STREAM data. */
static void fx_send(fx_t *f, uint8_t stream_type, uint64_t amount, uint64_t min_dest,
                    bool fulfillable, const stream_frame_t *frames, size_t n)
{
    uint8_t plain_mem[2048];
    buf_t plain, data, reply;
    buf_init_fixed(&plain, plain_mem, sizeof plain_mem);
    buf_init_fixed(&data, f->data_mem, sizeof f->data_mem);
    stream_packet_t hdr = {
        .ilp_packet_type = stream_type, .sequence = 7, .prepare_amount = min_dest};
    cr_assert_eq(stream_packet_encode(&plain, &hdr, frames, n), STREAM_OK);
    cr_assert_eq(stream_encrypt(&data, f->keys.encryption, buf_slice(&plain)), STREAM_OK);
    f->prepare = (ilp_prepare_t){.amount = amount,
                                 .expires_at_ms = 4102444800000LL,
                                 .destination = SLICE(f->cred.address, f->cred.address_len),
                                 .data = buf_slice(&data)};
    if (fulfillable)
        stream_condition(f->prepare.condition, f->keys.fulfillment, f->prepare.data);
    else
        rand_bytes(f->prepare.condition, 32);
    buf_init_fixed(&reply, f->reply_mem, sizeof f->reply_mem);
    cr_assert_eq(stream_receiver_handle(&f->r, &f->prepare, &reply, &f->info), STREAM_OK);
    cr_assert_eq(ilp_packet_decode(buf_slice(&reply), ILP_DECODE_STRICT, &f->reply), ILP_OK);
    slice_t rdata =
        f->reply.type == ILP_TYPE_FULFILL ? f->reply.u.fulfill.data : f->reply.u.reject.data;
    size_t pn;
    f->sp_ok =
        rdata.len > 0 &&
        stream_decrypt(f->plain, sizeof f->plain, &pn, f->keys.encryption, rdata) == STREAM_OK &&
        stream_packet_decode(SLICE(f->plain, pn), &f->sp) == STREAM_OK;
}

static stream_frame_t money_frame(void)
{
    stream_frame_t m = {.type = STREAM_FRAME_STREAM_MONEY};
    m.money.stream_id = 1;
    m.money.shares = 1;
    return m;
}

/* Find a frame of type t in the decrypted reply. */
static bool reply_frame(fx_t *f, stream_frame_type_t t, stream_frame_t *out)
{
    stream_frame_iter_t it = stream_frame_iter(&f->sp);
    while (stream_frame_next(&it, out) == STREAM_OK)
        if (out->type == t)
            return true;
    return false;
}

Test(stream_receiver, credentials_carry_details)
{
    stream_connection_details_t d = {.payment_tag = SLICE_LIT("inv-123"),
                                     .has_asset = true,
                                     .asset_code = SLICE_LIT("USD"),
                                     .asset_scale = 2,
                                     .receipts = true};
    memset(d.receipt_nonce, 0xaa, 16);
    memset(d.receipt_secret, 0xbb, 32);
    fx_t *f = fx_new(&d);
    cr_assert(strncmp(f->cred.address, "test.wallet.rx.", 15) == 0);
    cr_assert_eq(strlen(f->cred.address), f->cred.address_len);
    stream_connection_details_t got;
    uint8_t buf[1024];
    cr_assert_eq(stream_receiver_decode_token(&f->r, SLICE(f->cred.address, f->cred.address_len),
                                              &got, buf, sizeof buf, NULL, NULL),
                 STREAM_OK);
    cr_assert(slice_eq_str(got.payment_tag, "inv-123"));
    cr_assert(got.receipts && got.has_asset && got.asset_scale == 2);
    cr_assert(slice_eq_str(got.asset_code, "USD"));
    cr_assert_arr_eq(got.receipt_secret, d.receipt_secret, 32);
    /* Same details twice: different address and secret (random IV). */
    stream_credentials_t c2;
    cr_assert_eq(stream_receiver_credentials(&f->r, &d, &c2), STREAM_OK);
    cr_assert(strcmp(c2.address, f->cred.address) != 0);
    cr_assert(memcmp(c2.shared_secret, f->cred.shared_secret, 32) != 0);
    fx_free(f);
}

Test(stream_receiver, credentials_too_long_for_an_address)
{
    fx_t *f = fx_new(NULL);
    static char tag[800];
    memset(tag, 'x', sizeof tag);
    stream_connection_details_t d = {.payment_tag = SLICE(tag, sizeof tag)};
    stream_credentials_t c;
    cr_assert_eq(stream_receiver_credentials(&f->r, &d, &c), STREAM_ERR_ADDRESS);
    fx_free(f);
}

Test(stream_receiver, accepts_money_and_fulfills)
{
    stream_connection_details_t d = {.payment_tag = SLICE_LIT("wallet-1")};
    fx_t *f = fx_new(&d);
    f->app.decision = STREAM_MONEY_ACCEPT;
    stream_frame_t m = money_frame();
    fx_send(f, 12, 1000, 990, true, &m, 1);
    cr_assert_eq(f->reply.type, ILP_TYPE_FULFILL);
    uint8_t h[32];
    sha256(h, f->reply.u.fulfill.fulfillment, 32);
    cr_assert_arr_eq(h, f->prepare.condition, 32);
    cr_assert_eq(f->app.calls, 1);
    cr_assert_str_eq(f->app.tag, "wallet-1");
    cr_assert_eq(f->app.amount, 1000);
    char want_id[65];
    stream_connection_id(want_id, f->prepare.destination);
    cr_assert_str_eq(f->app.conn_id, want_id);
    cr_assert(f->sp_ok);
    cr_assert_eq(f->sp.ilp_packet_type, 13);
    cr_assert_eq(f->sp.sequence, 7);
    cr_assert_eq(f->sp.prepare_amount, 1000);
    cr_assert(f->info.fulfilled && f->info.money && f->info.amount == 1000);
    fx_free(f);
}

Test(stream_receiver, temporary_decline_is_t00)
{
    fx_t *f = fx_new(NULL);
    f->app.decision = STREAM_MONEY_DECLINE_TEMPORARY;
    stream_frame_t m = money_frame();
    fx_send(f, 12, 50, 0, true, &m, 1);
    cr_assert_eq(f->reply.type, ILP_TYPE_REJECT);
    cr_assert_str_eq(f->reply.u.reject.code, "T00");
    cr_assert(slice_eq_str(f->reply.u.reject.triggered_by, "test.wallet.rx"));
    cr_assert(f->sp_ok && f->sp.ilp_packet_type == 14);
    stream_frame_t c;
    cr_assert(!reply_frame(f, STREAM_FRAME_CONNECTION_CLOSE, &c));
    fx_free(f);
}

Test(stream_receiver, final_decline_is_f99_with_close)
{
    fx_t *f = fx_new(NULL);
    f->app.decision = STREAM_MONEY_DECLINE_FINAL;
    stream_frame_t m = money_frame();
    fx_send(f, 12, 50, 0, true, &m, 1);
    cr_assert_str_eq(f->reply.u.reject.code, "F99");
    cr_assert(f->sp_ok && f->sp.ilp_packet_type == 14 && f->sp.prepare_amount == 50);
    stream_frame_t c;
    cr_assert(reply_frame(f, STREAM_FRAME_CONNECTION_CLOSE, &c));
    cr_assert_eq(c.connection_close.code, STREAM_CODE_NO_ERROR);
    fx_free(f);
}

static stream_frame_t data_frame(uint64_t stream_id, const char *text)
{
    stream_frame_t d = {.type = STREAM_FRAME_STREAM_DATA};
    d.data.stream_id = stream_id;
    d.data.data = SLICE_STR(text);
    return d;
}

/* Rafiki's additionalData: stream 1's data, else the first StreamData frame's. */
Test(stream_receiver, request_data_prefers_stream_one)
{
    fx_t *f = fx_new(NULL);
    uint8_t out[64];
    size_t n = 99;
    stream_frame_t fr[3] = {money_frame(), data_frame(3, "three"), data_frame(1, "one")};
    fx_send(f, 12, 50, 0, true, fr, 3);
    cr_assert_eq(stream_request_data(f->cred.shared_secret, &f->prepare, out, sizeof out, &n),
                 STREAM_OK);
    cr_assert(n == 3 && memcmp(out, "one", 3) == 0);
    fx_send(f, 12, 50, 0, true, fr, 2);
    cr_assert_eq(stream_request_data(f->cred.shared_secret, &f->prepare, out, 4, &n), STREAM_OK);
    cr_assert(n == 4 && memcmp(out, "thre", 4) == 0, "cut to cap");
    fx_send(f, 12, 50, 0, true, fr, 1);
    cr_assert_eq(stream_request_data(f->cred.shared_secret, &f->prepare, out, sizeof out, &n),
                 STREAM_OK);
    cr_assert_eq(n, 0, "no data frame");
    uint8_t other[32] = {1};
    cr_assert_eq(stream_request_data(other, &f->prepare, out, sizeof out, &n), STREAM_ERR_DECRYPT);
    cr_assert_eq(n, 0);
    fx_free(f);
}

/* stream-receiver's finalDecline(reason): F99, ConnectionClose and the reason on stream 1. */
Test(stream_receiver, decline_final_carries_the_reason)
{
    fx_t *f = fx_new(NULL);
    stream_frame_t fr[2] = {money_frame(), data_frame(1, "invoice 7")};
    fx_send(f, 12, 50, 0, true, fr, 2);
    cr_assert_eq(f->reply.type, ILP_TYPE_FULFILL);
    buf_t reply;
    buf_init_fixed(&reply, f->reply_mem, sizeof f->reply_mem);
    cr_assert_eq(stream_receiver_decline_final(&f->r, f->cred.shared_secret, &f->prepare,
                                               SLICE_LIT("data mismatch"), &reply),
                 STREAM_OK);
    cr_assert_eq(ilp_packet_decode(buf_slice(&reply), ILP_DECODE_STRICT, &f->reply), ILP_OK);
    cr_assert_eq(f->reply.type, ILP_TYPE_REJECT);
    cr_assert_str_eq(f->reply.u.reject.code, "F99");
    size_t pn;
    cr_assert_eq(
        stream_decrypt(f->plain, sizeof f->plain, &pn, f->keys.encryption, f->reply.u.reject.data),
        STREAM_OK);
    cr_assert_eq(stream_packet_decode(SLICE(f->plain, pn), &f->sp), STREAM_OK);
    cr_assert(f->sp.ilp_packet_type == 14 && f->sp.sequence == 7 && f->sp.prepare_amount == 50);
    stream_frame_t c;
    cr_assert(reply_frame(f, STREAM_FRAME_CONNECTION_CLOSE, &c));
    cr_assert_eq(c.connection_close.code, STREAM_CODE_NO_ERROR);
    cr_assert(reply_frame(f, STREAM_FRAME_STREAM_DATA, &c));
    cr_assert(c.data.stream_id == 1 && c.data.offset == 0);
    cr_assert(slice_eq_str(c.data.data, "data mismatch"));
    fx_free(f);
}

Test(stream_receiver, receipts_track_running_totals)
{
    stream_connection_details_t d = {.receipts = true};
    memset(d.receipt_nonce, 1, 16);
    memset(d.receipt_secret, 2, 32);
    fx_t *f = fx_new(&d);
    stream_frame_t m = money_frame(), rf;
    uint64_t amounts[] = {100, 150, 30};
    stream_money_decision_t dec[] = {STREAM_MONEY_ACCEPT, STREAM_MONEY_ACCEPT,
                                     STREAM_MONEY_DECLINE_TEMPORARY};
    uint64_t want_total = 0;
    for (int i = 0; i < 3; i++) {
        f->app.decision = dec[i];
        fx_send(f, 12, amounts[i], 0, true, &m, 1);
        if (dec[i] != STREAM_MONEY_ACCEPT) {
            cr_assert(!reply_frame(f, STREAM_FRAME_STREAM_RECEIPT, &rf));
            continue;
        }
        want_total += amounts[i];
        cr_assert_eq(f->app.total, want_total);
        cr_assert(reply_frame(f, STREAM_FRAME_STREAM_RECEIPT, &rf));
        stream_receipt_t r;
        cr_assert_eq(stream_receipt_verify(rf.receipt.receipt, d.receipt_secret, &r), STREAM_OK);
        cr_assert_eq(r.total_received, want_total);
        cr_assert_eq(r.stream_id, 1);
        cr_assert_arr_eq(r.nonce, d.receipt_nonce, 16);
    }
    /* the declined 30 was reverted */
    f->app.decision = STREAM_MONEY_ACCEPT;
    fx_send(f, 12, 1, 0, true, &m, 1);
    cr_assert_eq(f->app.total, 251);
    fx_free(f);
}

Test(stream_receiver, revert_takes_a_counted_amount_out_of_the_total)
{
    stream_connection_details_t d = {.receipts = true};
    fx_t *f = fx_new(&d);
    stream_frame_t m = money_frame();
    f->app.decision = STREAM_MONEY_ACCEPT;
    fx_send(f, 12, 100, 0, true, &m, 1);
    fx_send(f, 12, 40, 0, true, &m, 1);
    cr_assert(f->info.counted);
    cr_assert_eq(f->info.total_received, 140);
    /* the credit of the 40 failed: the sender retries it, and the next receipt must say 150 */
    cr_assert_eq(stream_receiver_revert(&f->r, f->prepare.destination, &f->info), STREAM_OK);
    char key[STREAM_TOTALS_KEY_SIZE];
    stream_receiver_totals_key(key, f->prepare.destination);
    cr_assert(strncmp(key, "stream_received:", 16) == 0);
    uint64_t total;
    cr_assert_eq(f->r.totals.get(f->r.totals.ctx, key, &total), 0);
    cr_assert_eq(total, 100);
    fx_send(f, 12, 50, 0, true, &m, 1);
    cr_assert_eq(f->info.total_received, 150);
    fx_free(f);
}

Test(stream_receiver, revert_without_receipts_touches_no_total)
{
    fx_t *f = fx_new(NULL);
    stream_frame_t m = money_frame();
    f->app.decision = STREAM_MONEY_ACCEPT;
    fx_send(f, 12, 100, 0, true, &m, 1);
    cr_assert(f->info.fulfilled && !f->info.counted);
    cr_assert_eq(stream_receiver_revert(&f->r, f->prepare.destination, &f->info), STREAM_OK);
    cr_assert_eq(stream_totals_mem_count(f->mem), 0, "no entry created by a revert");
    fx_free(f);
}

Test(stream_receiver, token_secret_is_the_credentials_secret)
{
    fx_t *f = fx_new(NULL);
    stream_connection_details_t got;
    uint8_t plain[1024], token[1024], secret[32];
    size_t token_len = 0;
    cr_assert_eq(stream_receiver_decode_token(&f->r, SLICE(f->cred.address, f->cred.address_len),
                                              &got, plain, sizeof plain, token, &token_len),
                 STREAM_OK);
    stream_receiver_token_secret(&f->r, SLICE(token, token_len), secret);
    cr_assert_arr_eq(secret, f->cred.shared_secret, 32);
    fx_free(f);
}

static int failing_incr(void *ctx, const char *key, int64_t d, uint32_t ttl, uint64_t *t)
{
    (void)ctx, (void)key, (void)d, (void)ttl, (void)t;
    return -1;
}

Test(stream_receiver, totals_store_failure_is_t00_without_asking_the_app)
{
    stream_connection_details_t d = {.receipts = true};
    fx_t *f = fx_new(&d);
    f->r.totals.incr = failing_incr;
    stream_frame_t m = money_frame();
    fx_send(f, 12, 10, 0, true, &m, 1);
    cr_assert_str_eq(f->reply.u.reject.code, "T00");
    cr_assert_eq(f->app.calls, 0);
    cr_assert(!f->info.counted);
    fx_free(f);
}

Test(stream_receiver, probe_gets_f99_with_amount_arrived)
{
    fx_t *f = fx_new(NULL);
    stream_frame_t m = money_frame();
    fx_send(f, 12, 123456, 0, false, &m, 1);
    cr_assert_str_eq(f->reply.u.reject.code, "F99");
    cr_assert(f->sp_ok);
    cr_assert_eq(f->sp.prepare_amount, 123456);
    cr_assert_eq(f->sp.sequence, 7);
    cr_assert_eq(f->app.calls, 0);
    fx_free(f);
}

Test(stream_receiver, below_minimum_amount_is_f99)
{
    fx_t *f = fx_new(NULL);
    stream_frame_t m = money_frame();
    fx_send(f, 12, 99, 100, true, &m, 1);
    cr_assert_str_eq(f->reply.u.reject.code, "F99");
    cr_assert_eq(f->sp.prepare_amount, 99);
    cr_assert_eq(f->app.calls, 0);
    fx_free(f);
}

Test(stream_receiver, zero_amount_is_fulfilled_without_the_app)
{
    fx_t *f = fx_new(NULL);
    fx_send(f, 12, 0, 0, true, NULL, 0);
    cr_assert_eq(f->reply.type, ILP_TYPE_FULFILL);
    cr_assert_eq(f->app.calls, 0);
    fx_free(f);
}

Test(stream_receiver, new_address_gets_asset_details)
{
    stream_connection_details_t d = {
        .has_asset = true, .asset_code = SLICE_LIT("EUR"), .asset_scale = 9};
    fx_t *f = fx_new(&d);
    stream_frame_t fr = {.type = STREAM_FRAME_CONNECTION_NEW_ADDRESS}, a;
    fr.new_address.address = SLICE_LIT("");
    fx_send(f, 12, 1000, 0, false, &fr, 1);
    cr_assert_str_eq(f->reply.u.reject.code, "F99");
    cr_assert(reply_frame(f, STREAM_FRAME_CONNECTION_ASSET_DETAILS, &a));
    cr_assert(slice_eq_str(a.asset_details.code, "EUR"));
    cr_assert_eq(a.asset_details.scale, 9);
    fx_send(f, 12, 1000, 0, false, NULL, 0); /* no new address: no details */
    cr_assert(!reply_frame(f, STREAM_FRAME_CONNECTION_ASSET_DETAILS, &a));
    fx_free(f);
}

Test(stream_receiver, connection_close_is_echoed)
{
    fx_t *f = fx_new(NULL);
    stream_frame_t c = {.type = STREAM_FRAME_CONNECTION_CLOSE}, got;
    c.connection_close.code = STREAM_CODE_NO_ERROR;
    fx_send(f, 12, 0, 0, true, &c, 1);
    cr_assert_str_eq(f->reply.u.reject.code, "F99");
    cr_assert(reply_frame(f, STREAM_FRAME_CONNECTION_CLOSE, &got));
    fx_free(f);
}

Test(stream_receiver, wrong_stream_packet_type_is_f00_without_data)
{
    fx_t *f = fx_new(NULL);
    fx_send(f, 13, 10, 0, true, NULL, 0);
    cr_assert_str_eq(f->reply.u.reject.code, "F00");
    cr_assert_eq(f->reply.u.reject.data.len, 0);
    fx_free(f);
}

Test(stream_receiver, bad_address_token_and_data)
{
    fx_t *f = fx_new(NULL);
    uint8_t mem[ILP_PACKET_MAX_LEN];
    buf_t reply;
    ilp_packet_t p;
    ilp_prepare_t prep = {.amount = 1,
                          .expires_at_ms = 4102444800000LL,
                          .destination = SLICE_LIT("test.other.abc"),
                          .data = SLICE_LIT("x")};
    buf_init_fixed(&reply, mem, sizeof mem);
    stream_receiver_handle(&f->r, &prep, &reply, NULL);
    cr_assert_eq(ilp_packet_decode(buf_slice(&reply), 0, &p), ILP_OK);
    cr_assert_str_eq(p.u.reject.code, "F02");

    prep.destination = SLICE_LIT("test.wallet.rx"); /* no token segment */
    buf_init_fixed(&reply, mem, sizeof mem);
    stream_receiver_handle(&f->r, &prep, &reply, NULL);
    ilp_packet_decode(buf_slice(&reply), 0, &p);
    cr_assert_str_eq(p.u.reject.code, "F02");

    prep.destination = SLICE_LIT("test.wallet.rx.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    buf_init_fixed(&reply, mem, sizeof mem);
    stream_receiver_handle(&f->r, &prep, &reply, NULL);
    ilp_packet_decode(buf_slice(&reply), 0, &p);
    cr_assert_str_eq(p.u.reject.code, "F06");

    /* valid token, data not encrypted with the shared secret */
    prep.destination = SLICE(f->cred.address, f->cred.address_len);
    prep.data = SLICE_LIT("0123456789012345678901234567890123456789");
    buf_init_fixed(&reply, mem, sizeof mem);
    stream_receiver_handle(&f->r, &prep, &reply, NULL);
    ilp_packet_decode(buf_slice(&reply), 0, &p);
    cr_assert_str_eq(p.u.reject.code, "F06");
    cr_assert_eq(p.u.reject.data.len, 0);
    fx_free(f);
}

Test(stream_receiver, another_server_secret_cannot_read_the_token)
{
    fx_t *f = fx_new(NULL);
    stream_receiver_t other;
    uint8_t secret2[32] = {1};
    stream_receiver_init(&other, SLICE_LIT("test.wallet.rx"), secret2);
    stream_connection_details_t d;
    uint8_t buf[1024];
    cr_assert_eq(stream_receiver_decode_token(&other, SLICE(f->cred.address, f->cred.address_len),
                                              &d, buf, sizeof buf, NULL, NULL),
                 STREAM_ERR_DECRYPT);
    fx_free(f);
}

Test(stream_totals, memory_table_incr_get_revert_and_cap)
{
    stream_totals_mem_t *m = stream_totals_mem_new(2);
    stream_totals_t t = stream_totals_mem(m);
    uint64_t v;
    cr_assert_eq(t.incr(t.ctx, "a", 5, 60, &v), 0);
    cr_assert_eq(v, 5);
    cr_assert_eq(t.incr(t.ctx, "a", 7, 60, &v), 0);
    cr_assert_eq(v, 12);
    cr_assert_eq(t.incr(t.ctx, "a", -20, 60, &v), 0);
    cr_assert_eq(v, 0, "never below zero");
    cr_assert_eq(t.incr(t.ctx, "b", 1, 60, &v), 0);
    cr_assert_eq(t.incr(t.ctx, "c", 1, 60, &v), -1, "table full of live entries");
    cr_assert_eq(t.get(t.ctx, "b", &v), 0);
    cr_assert_eq(v, 1);
    cr_assert_eq(t.get(t.ctx, "zzz", &v), 0);
    cr_assert_eq(v, 0);
    cr_assert_eq(t.incr(t.ctx, "b", INT64_MAX, 60, &v), 0);
    cr_assert_eq(t.incr(t.ctx, "b", INT64_MAX, 60, &v), 0);
    cr_assert_eq(v, UINT64_MAX, "saturates");
    cr_assert_eq(stream_totals_mem_count(m), 2);
    stream_totals_mem_free(m);
}

Test(stream_totals, entries_expire)
{
    stream_totals_mem_t *m = stream_totals_mem_new(1);
    stream_totals_t t = stream_totals_mem(m);
    uint64_t v;
    cr_assert_eq(t.incr(t.ctx, "a", 5, 0, &v), 0); /* expires immediately */
    cr_assert_eq(t.get(t.ctx, "a", &v), 0);
    cr_assert_eq(v, 0);
    cr_assert_eq(t.incr(t.ctx, "b", 1, 60, &v), 0, "expired entry was swept");
    stream_totals_mem_free(m);
}
