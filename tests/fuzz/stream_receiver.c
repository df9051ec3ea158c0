/*
 * Fuzz the stateless receiver's Prepare handler. The first input byte picks what the rest is:
 *   0: a whole ILP Prepare (decoded, then handled);
 *   1: the Prepare data sent to valid credentials (decryption fails almost always);
 *   2: a STREAM plaintext encrypted with the right key and sent with a valid condition, so the
 *      frame handling, the application callback and the receipts path are reached.
 * Every reply must be a well-formed Fulfill or Reject. Each Prepare is also read as the partial
 * payment decision reads it (stream_request_data) and declined with stream-receiver's
 * finalDecline (stream_receiver_decline_final), which must always be a well-formed Reject.
 */
#include <stdint.h>
#include <string.h>

#include "base/assert.h"
#include "ilp/packet.h"
#include "stream/crypto.h"
#include "stream/receiver.h"

static stream_receiver_t rx;
static stream_totals_mem_t *totals;
static stream_credentials_t cred;
static stream_keys_t keys;

static stream_money_decision_t on_money(void *ctx, const stream_money_t *m)
{
    (void)ctx;
    return (stream_money_decision_t)(m->amount % 3);
}

static void setup(void)
{
    static const uint8_t secret[32] = {1, 2, 3};
    ASSERT(stream_receiver_init(&rx, SLICE_LIT("test.fuzz.rx"), secret) == STREAM_OK);
    totals = stream_totals_mem_new(1024);
    rx.totals = stream_totals_mem(totals);
    rx.on_money = on_money;
    stream_connection_details_t d = {.payment_tag = SLICE_LIT("tag"),
                                     .receipts = true,
                                     .has_asset = true,
                                     .asset_code = SLICE_LIT("USD"),
                                     .asset_scale = 2};
    ASSERT(stream_receiver_credentials(&rx, &d, &cred) == STREAM_OK);
    stream_keys_derive(&keys, cred.shared_secret, 32);
}

static void handle(const ilp_prepare_t *p)
{
    static uint8_t mem[ILP_PACKET_MAX_LEN];
    buf_t reply;
    buf_init_fixed(&reply, mem, sizeof mem);
    ASSERT(stream_receiver_handle(&rx, p, &reply, NULL) == STREAM_OK);
    ilp_packet_t out;
    ASSERT(ilp_packet_decode(buf_slice(&reply), ILP_DECODE_STRICT, &out) == ILP_OK);
    ASSERT(out.type == ILP_TYPE_FULFILL || out.type == ILP_TYPE_REJECT);
    /* the partial payment decision's reads of the same request: its data, and the final
     * decline carrying (part of) it */
    static uint8_t extra[ILP_DATA_MAX_LEN];
    size_t n = 0;
    stream_result_t rc = stream_request_data(cred.shared_secret, p, extra, sizeof extra, &n);
    ASSERT((rc == STREAM_OK || rc == STREAM_ERR_DECRYPT) && n <= sizeof extra);
    ASSERT(rc == STREAM_OK || n == 0);
    buf_reset(&reply);
    ASSERT(stream_receiver_decline_final(&rx, cred.shared_secret, p, SLICE(extra, n > 64 ? 64 : n),
                                         &reply) == STREAM_OK);
    ASSERT(ilp_packet_decode(buf_slice(&reply), ILP_DECODE_STRICT, &out) == ILP_OK);
    ASSERT(out.type == ILP_TYPE_REJECT);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (totals == NULL)
        setup();
    if (size < 9 || size > ILP_DATA_MAX_LEN - 64)
        return 0;
    uint8_t mode = data[0] % 3;
    uint64_t amount = 0;
    for (int i = 1; i < 9; i++)
        amount = amount << 8 | data[i];
    slice_t rest = SLICE(data + 9, size - 9);
    ilp_prepare_t p = {.amount = amount % 100000,
                       .expires_at_ms = 4102444800000LL,
                       .destination = SLICE(cred.address, cred.address_len),
                       .data = rest};
    if (mode == 0) {
        if (ilp_prepare_decode(SLICE(data + 1, size - 1), &p) == ILP_OK)
            handle(&p);
        return 0;
    }
    static uint8_t enc[ILP_DATA_MAX_LEN];
    if (mode == 2) {
        buf_t b;
        buf_init_fixed(&b, enc, sizeof enc);
        ASSERT(stream_encrypt(&b, keys.encryption, rest) == STREAM_OK);
        p.data = buf_slice(&b);
        stream_condition(p.condition, keys.fulfillment, p.data);
    }
    handle(&p);
    return 0;
}
