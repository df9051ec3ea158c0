/*
 * STREAM benchmarks on one core:
 *  - receiver: encoded Prepare in -> decode -> stateless receiver -> encoded Fulfill out
 *    (token decrypt, key derivation, data decrypt, fulfillment, reply encrypt), with and
 *    without receipts; ops/s and per-packet p50/p99;
 *  - sender: packets/s of stream_pay against our receiver in-process (1 unit per packet).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "base/clock.h"
#include "base/rand.h"
#include "ilp/packet.h"
#include "stream/crypto.h"
#include "stream/packet.h"
#include "stream/receiver.h"
#include "stream/sender.h"

#define NPACKETS 1024
#define RUN_NS   (3ull * 1000000000ull)

static stream_receiver_t rx;
static stream_totals_mem_t *totals;

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* NPACKETS encoded money Prepares for one set of credentials. */
static uint8_t (*make_prepares(const stream_connection_details_t *d, size_t *lens))[1024]
{
    uint8_t(*out)[1024] = malloc(NPACKETS * sizeof *out);
    stream_credentials_t c;
    stream_keys_t k;
    if (stream_receiver_credentials(&rx, d, &c) != STREAM_OK)
        exit(1);
    stream_keys_derive(&k, c.shared_secret, 32);
    for (size_t i = 0; i < NPACKETS; i++) {
        uint8_t pm[256], dm[512];
        buf_t plain, data, pkt;
        buf_init_fixed(&plain, pm, sizeof pm);
        buf_init_fixed(&data, dm, sizeof dm);
        buf_init_fixed(&pkt, out[i], sizeof out[i]);
        stream_frame_t f = {.type = STREAM_FRAME_STREAM_MONEY};
        f.money.stream_id = 1;
        f.money.shares = 1;
        stream_packet_t h = {.ilp_packet_type = 12, .sequence = i + 1, .prepare_amount = 90};
        stream_packet_encode(&plain, &h, &f, 1);
        stream_encrypt(&data, k.encryption, buf_slice(&plain));
        ilp_prepare_t p = {.amount = 100,
                           .expires_at_ms = clock_wall_ms() + 60000,
                           .destination = SLICE(c.address, c.address_len),
                           .data = buf_slice(&data)};
        stream_condition(p.condition, k.fulfillment, p.data);
        if (ilp_prepare_encode(&pkt, &p) != ILP_OK)
            exit(1);
        lens[i] = pkt.len;
    }
    return out;
}

static void bench_receiver(const char *label, const stream_connection_details_t *d)
{
    size_t lens[NPACKETS];
    uint8_t(*pkts)[1024] = make_prepares(d, lens);
    static uint64_t lat[4000000];
    size_t nlat = 0;
    uint8_t mem[ILP_PACKET_MAX_LEN];
    uint64_t start = clock_mono_ns(), now = start, ops = 0, fulfilled = 0;
    while (now - start < RUN_NS) {
        for (size_t i = 0; i < NPACKETS; i++, ops++) {
            uint64_t t0 = clock_mono_ns();
            ilp_prepare_t p;
            buf_t reply;
            stream_reply_info_t info;
            buf_init_fixed(&reply, mem, sizeof mem);
            if (ilp_prepare_decode(SLICE(pkts[i], lens[i]), &p) != ILP_OK ||
                stream_receiver_handle(&rx, &p, &reply, &info) != STREAM_OK)
                exit(1);
            fulfilled += info.fulfilled;
            now = clock_mono_ns();
            if (nlat < sizeof lat / sizeof lat[0])
                lat[nlat++] = now - t0;
        }
    }
    double secs = (double)(now - start) / 1e9;
    qsort(lat, nlat, sizeof lat[0], cmp_u64);
    printf(
        "stream_receiver %s: %.0f ops/s (%llu packets, %llu fulfilled) p50 %.1f us p99 %.1f us\n",
        label, (double)ops / secs, (unsigned long long)ops, (unsigned long long)fulfilled,
        (double)lat[nlat / 2] / 1e3, (double)lat[nlat * 99 / 100] / 1e3);
    free(pkts);
}

static int in_process(void *ctx, slice_t prepare, buf_t *reply)
{
    (void)ctx;
    ilp_prepare_t p;
    if (ilp_prepare_decode(prepare, &p) != ILP_OK)
        return -1;
    return stream_receiver_handle(&rx, &p, reply, NULL) == STREAM_OK ? 0 : -1;
}

static void bench_sender(void)
{
    stream_credentials_t c;
    if (stream_receiver_credentials(&rx, NULL, &c) != STREAM_OK)
        exit(1);
    stream_pay_opts_t o = {.destination = SLICE(c.address, c.address_len),
                           .shared_secret = c.shared_secret,
                           .send = in_process,
                           .mode = STREAM_PAY_FIXED_SOURCE,
                           .amount = 100000,
                           .max_packet_amount = 1,
                           .timeout_ms = 60000};
    stream_pay_result_t r;
    uint64_t t0 = clock_mono_ns();
    stream_pay(&o, &r);
    double secs = (double)(clock_mono_ns() - t0) / 1e9;
    printf("stream_sender: %.0f packets/s (%llu packets, sent %llu, delivered %llu, %s)\n",
           (double)r.packets_sent / secs, (unsigned long long)r.packets_sent,
           (unsigned long long)r.sent, (unsigned long long)r.delivered,
           stream_pay_error_str(r.error));
}

int main(void)
{
    uint8_t secret[32];
    rand_bytes(secret, sizeof secret);
    if (stream_receiver_init(&rx, SLICE_LIT("g.bench.receiver"), secret) != STREAM_OK)
        return 1;
    totals = stream_totals_mem_new(1 << 16);
    rx.totals = stream_totals_mem(totals);
    stream_connection_details_t plain = {.payment_tag =
                                             SLICE_LIT("0b1d4c57-6a3e-4a5e-9d3c-0f8a3f0e9b21")};
    stream_connection_details_t receipts = plain;
    receipts.receipts = true;
    bench_receiver("fulfill", &plain);
    bench_receiver("fulfill+receipt", &receipts);
    bench_sender();
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("stream bench max RSS: %ld KiB\n", ru.ru_maxrss);
    stream_totals_mem_free(totals);
    return 0;
}
