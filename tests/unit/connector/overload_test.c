/*
 * The connector under ledger overload (issue 12, item 1): a ledger with a tiny submission
 * queue, a next hop that refuses connections at once, and many concurrent Prepares. Every
 * failed forward voids its hold from the ledger's own completion callback, while the queue is
 * full of new holds; a void that waited for room there would wait for itself and the
 * connector would stop answering. Every packet must be answered, and once they all are, no
 * hold may be left and nothing may have moved. The same load on a local STREAM receiver: a
 * credit refused for room must not stay in the receipt total.
 */
#include "harness.h"

#include "stream/crypto.h"
#include "stream/packet.h"

#define OV_THREADS 8
#define OV_PER     60
#define OV_TOKEN   "tok-overload-0123456789"

typedef struct {
    h_node_t *n;
    peer_t *src;
    int base;
} ov_sender_t;

static h_wait_t ov_waits[OV_THREADS * OV_PER];
static uint8_t ov_pkt[512];
static size_t ov_len;

/* Fires OV_PER Prepares back to back, without waiting for replies. */
static void *ov_send(void *arg)
{
    ov_sender_t *s = arg;
    for (int i = 0; i < OV_PER; i++) {
        h_wait_t *w = &ov_waits[s->base + i];
        connector_handle_peer(s->n->c, s->src, ov_pkt, ov_len, h_on_reply, w);
    }
    return NULL;
}

/* Starts OV_THREADS senders of ov_pkt from src into n. */
static void ov_start(pthread_t *th, ov_sender_t *ss, h_node_t *n, peer_t *src)
{
    for (size_t i = 0; i < OV_THREADS * OV_PER; i++)
        h_wait_init(&ov_waits[i]);
    for (int t = 0; t < OV_THREADS; t++) {
        ss[t] = (ov_sender_t){.n = n, .src = src, .base = t * OV_PER};
        cr_assert_eq(pthread_create(&th[t], NULL, ov_send, &ss[t]), 0);
    }
}

typedef struct {
    int fulfilled, t01, busy;
} ov_counts_t;

/* Waits for every reply (bounded: a stuck connector fails here instead of hanging the suite)
 * and the senders; every Reject must be T01 (the refused forward) or T03 (the ledger busy). */
static ov_counts_t ov_collect(pthread_t *th)
{
    ov_counts_t k = {0};
    for (size_t i = 0; i < OV_THREADS * OV_PER; i++) {
        cr_assert(h_wait(&ov_waits[i], 10000), "packet %zu was never answered", i);
        ilp_packet_t p;
        cr_assert_eq(
            ilp_packet_decode(SLICE(ov_waits[i].buf, ov_waits[i].len), ILP_DECODE_STRICT, &p),
            ILP_OK);
        if (p.type == ILP_TYPE_FULFILL) {
            k.fulfilled++;
            continue;
        }
        const ilp_reject_t *r = &p.u.reject;
        bool t01 = strcmp(r->code, ILP_T01_PEER_UNREACHABLE) == 0;
        cr_assert(t01 || strcmp(r->code, ILP_T03_CONNECTOR_BUSY) == 0, "packet %zu: %s (%.*s)", i,
                  r->code, (int)r->message.len, (const char *)r->message.ptr);
        k.t01 += t01;
        k.busy += !t01;
    }
    for (int t = 0; t < OV_THREADS; t++)
        pthread_join(th[t], NULL);
    return k;
}

static void ov_fini(void)
{
    h_teardown();
}

TestSuite(overload, .fini = ov_fini, .timeout = 30);

Test(overload, full_ledger_queue_and_refusing_next_hop_answer_every_packet)
{
    log_set_level(LOG_ERROR);
    ledger_opts_t lo = {.batch_max = 4, .queue_max = 4};
    h_node_t *n = h_node_opts("B", "test.b", NULL, &lo);
    peer_t *src = h_peer(n, &n->usd, "test.a", NULL, NULL, OV_TOKEN, "test.a", -1000000000);
    peer_t *dst =
        h_peer(n, &n->usd, "test.g", "http://refused/", "tok-gggggggggggggggg", NULL, "test.g", 0);
    ov_len = h_prepare(ov_pkt, sizeof ov_pkt, "test.g.x", 10, 20000, NULL);
    pthread_t th[OV_THREADS];
    ov_sender_t ss[OV_THREADS];
    ov_start(th, ss, n, src);
    ov_counts_t k = ov_collect(th);
    cr_assert_eq(k.fulfilled, 0);
    cr_assert_gt(k.t01, 0, "some packets were held and forwarded (%d busy)", k.busy);
    cr_assert_gt(k.busy, 0, "the ledger queue was full at times (%d forwarded)", k.t01);

    /* the voids settle after the replies: wait for the last op to let go */
    for (int w = 0; w < 500 && connector_in_flight(n->c); w++)
        usleep(10000);
    cr_assert_eq(connector_in_flight(n->c), 0, "voids never completed");
    ledger_id_t accts[] = {src->account_id, dst->account_id};
    for (size_t i = 0; i < 2; i++) {
        ledger_status_t st = h_status(n, accts[i]);
        cr_assert_eq(st.debits_pending, 0, "hold left");
        cr_assert_eq(st.credits_pending, 0, "hold left");
        cr_assert_eq(st.balance, 0, "nothing moved");
    }
    peer_release(src);
    peer_release(dst);
}

/* A STREAM money Prepare of amount to cred (replayable: the receiver is stateless). */
static size_t ov_stream_prepare(const stream_credentials_t *cred, uint64_t amount)
{
    stream_keys_t k;
    stream_keys_derive(&k, cred->shared_secret, sizeof cred->shared_secret);
    stream_frame_t f = {.type = STREAM_FRAME_STREAM_MONEY};
    f.money.stream_id = 1;
    f.money.shares = 1;
    stream_packet_t hdr = {.version = 1, .ilp_packet_type = ILP_TYPE_PREPARE, .sequence = 1};
    uint8_t plain_mem[256], data_mem[512];
    buf_t plain, data, b;
    buf_init_fixed(&plain, plain_mem, sizeof plain_mem);
    buf_init_fixed(&data, data_mem, sizeof data_mem);
    cr_assert_eq(stream_packet_encode(&plain, &hdr, &f, 1), STREAM_OK);
    cr_assert_eq(stream_encrypt(&data, k.encryption, buf_slice(&plain)), STREAM_OK);
    ilp_prepare_t p = {.amount = amount,
                       .expires_at_ms = clock_wall_ms() + 20000,
                       .destination = SLICE(cred->address, cred->address_len),
                       .data = buf_slice(&data)};
    stream_condition(p.condition, k.fulfillment, p.data);
    buf_init_fixed(&b, ov_pkt, sizeof ov_pkt);
    cr_assert_eq(ilp_prepare_encode(&b, &p), ILP_OK);
    return b.len;
}

Test(overload, full_ledger_queue_keeps_stream_receipt_totals_equal_to_credits)
{
    log_set_level(LOG_ERROR);
    ledger_opts_t lo = {.batch_max = 4, .queue_max = 4};
    h_node_t *n = h_node_opts("C", "test.c", NULL, &lo);
    peer_t *src = h_peer(n, &n->usd, "test.b", NULL, NULL, OV_TOKEN, "test.b", -1000000000);
    ledger_id_t wallet = h_account(n, &n->usd, LEDGER_KIND_WALLET, 0, true);
    char tag[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(wallet, tag);
    stream_connection_details_t d = {.payment_tag = SLICE(tag, LEDGER_ID_STR_LEN),
                                     .receipts = true};
    rand_bytes(d.receipt_nonce, sizeof d.receipt_nonce);
    rand_bytes(d.receipt_secret, sizeof d.receipt_secret);
    stream_credentials_t cred;
    const stream_receiver_t *rx = connector_receiver(n->c);
    cr_assert_eq(stream_receiver_credentials(rx, &d, &cred), STREAM_OK);
    ov_len = ov_stream_prepare(&cred, 7);

    pthread_t th[OV_THREADS];
    ov_sender_t ss[OV_THREADS];
    ov_start(th, ss, n, src);
    ov_counts_t k = ov_collect(th);
    cr_assert_eq(k.t01, 0);
    cr_assert_gt(k.fulfilled, 0);
    cr_assert_gt(k.busy, 0, "the ledger queue was full at times");
    cr_assert_eq(h_status(n, wallet).balance, 7 * k.fulfilled);
    char key[STREAM_TOTALS_KEY_SIZE];
    uint64_t total = 0;
    stream_receiver_totals_key(key, SLICE(cred.address, cred.address_len));
    cr_assert_eq(rx->totals.get(rx->totals.ctx, key, &total), 0);
    cr_assert_eq(total, (uint64_t)7 * (uint64_t)k.fulfilled, "receipts count only credited money");
    peer_release(src);
}
