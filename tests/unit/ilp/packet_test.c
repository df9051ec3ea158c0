/* Tests for src/ilp/packet.c: decode/encode of Prepare, Fulfill, Reject; timestamps; limits. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "base/codec.h"
#include "ilp/packet.h"
#include "../unhex.h"

#define PREPARE_HEX                                                                                \
    "0c68000000000000006b3230313731323233303132313430353439"                                       \
    "74e1136dc71c9e5f283bec83461cbf1261c4014f72d48f8dd65453a0b84e7de1"                             \
    "0d6578616d706c652e616c696365205db343fdc41898f6df4202329139dc242dd0f558a811b46b28918fdab37c6c" \
    "b0"
#define FULFILL_HEX                                                                                \
    "0d41c3866b48749ccf113b2e15c25d2407fbfc14476fe7296bb1bf1bcd9e6e416650"                         \
    "20673febd78a33b28e1c0db14c9a06251a05fa831ed4ed91ebcd150e7249c2e600"
#define REJECT_HEX                                                                                 \
    "0e414630310e6578616d706c652e75732e626f62276d697373696e672064657374696e6174696f6e2e206c6564"   \
    "6765723d6578616d706c652e75732e06000000041041"

static int64_t ts(const char *s)
{
    int64_t ms;
    cr_assert_eq(ilp_time_parse(SLICE(s, strlen(s)), &ms), ILP_OK, "%s", s);
    return ms;
}

Test(packet, prepare_example_round_trip)
{
    uint8_t in[256];
    size_t n = unhex(in, sizeof(in), PREPARE_HEX);
    ilp_prepare_t p;
    cr_assert_eq(ilp_prepare_decode(SLICE(in, n), &p), ILP_OK);
    cr_assert_eq(p.amount, 107);
    cr_assert_eq(p.expires_at_ms, 1513992100549LL); /* 2017-12-23T01:21:40.549Z */
    cr_assert(slice_eq_str(p.destination, "example.alice"));
    cr_assert_eq(p.data.len, 32);
    cr_assert_eq(p.condition[0], 0x74);
    cr_assert_eq(ilp_prepare_encoded_size(&p), n);
    buf_t b;
    buf_init(&b, 1024);
    cr_assert_eq(ilp_prepare_encode(&b, &p), ILP_OK);
    cr_assert(slice_eq(buf_slice(&b), SLICE(in, n)));
    buf_free(&b);
}

Test(packet, fulfill_and_reject_examples)
{
    uint8_t in[256];
    size_t n = unhex(in, sizeof(in), FULFILL_HEX);
    ilp_fulfill_t f;
    cr_assert_eq(ilp_fulfill_decode(SLICE(in, n), &f), ILP_OK);
    cr_assert_eq(f.fulfillment[0], 0xc3);
    cr_assert_eq(f.data.len, 32);
    ilp_prepare_t p;
    cr_assert_eq(ilp_prepare_decode(SLICE(in, n), &p), ILP_ERR_WRONG_TYPE);

    n = unhex(in, sizeof(in), REJECT_HEX);
    ilp_reject_t r;
    cr_assert_eq(ilp_reject_decode(SLICE(in, n), &r), ILP_OK);
    cr_assert_str_eq(r.code, "F01");
    cr_assert(slice_eq_str(r.triggered_by, "example.us.bob"));
    cr_assert(slice_eq_str(r.message, "missing destination. ledger=example.us."));
    cr_assert_eq(r.data.len, 6);
    buf_t b;
    buf_init(&b, 1024);
    cr_assert_eq(ilp_reject_encode(&b, &r), ILP_OK);
    cr_assert(slice_eq(buf_slice(&b), SLICE(in, n)));
    buf_free(&b);
}

/* Every strict prefix of a valid packet must be rejected without reading out of bounds. */
static void check_all_truncations(const char *hex)
{
    uint8_t in[256];
    size_t n = unhex(in, sizeof(in), hex);
    for (size_t len = 0; len < n; len++) {
        uint8_t *copy = malloc(len ? len : 1); /* exact-size heap copy for ASan */
        memcpy(copy, in, len);
        ilp_packet_t p;
        ilp_result_t rc = ilp_packet_decode(SLICE(copy, len), ILP_DECODE_STRICT, &p);
        cr_assert_neq(rc, ILP_OK, "prefix of %zu bytes accepted", len);
        rc = ilp_packet_decode(SLICE(copy, len), ILP_DECODE_LENIENT, &p);
        cr_assert_neq(rc, ILP_OK, "lenient: prefix of %zu bytes accepted", len);
        free(copy);
    }
}

Test(packet, truncation_at_every_offset)
{
    check_all_truncations(PREPARE_HEX);
    check_all_truncations(FULFILL_HEX);
    check_all_truncations(REJECT_HEX);
}

/* A truncated envelope whose length still matches: shorten the contents by one. */
Test(packet, truncated_inside_envelope)
{
    uint8_t in[256];
    size_t n = unhex(in, sizeof(in), PREPARE_HEX);
    for (size_t cut = 1; cut < n - 2; cut++) {
        uint8_t copy[256];
        memcpy(copy, in, n - cut);
        copy[1] = (uint8_t)(n - 2 - cut);
        ilp_prepare_t p;
        cr_assert_neq(ilp_prepare_decode(SLICE(copy, n - cut), &p), ILP_OK, "cut %zu", cut);
    }
}

Test(packet, trailing_bytes)
{
    uint8_t in[256];
    size_t n = unhex(in, sizeof(in), PREPARE_HEX);
    in[n] = 0x00;
    ilp_packet_t p;
    cr_assert_eq(ilp_packet_decode(SLICE(in, n + 1), ILP_DECODE_STRICT, &p),
                 ILP_ERR_TRAILING_BYTES);
    cr_assert_eq(ilp_packet_decode(SLICE(in, n + 1), ILP_DECODE_LENIENT, &p), ILP_OK);
    /* a byte inside the envelope after data */
    in[1] = (uint8_t)(in[1] + 1);
    cr_assert_eq(ilp_packet_decode(SLICE(in, n + 1), ILP_DECODE_STRICT, &p),
                 ILP_ERR_TRAILING_BYTES);
    cr_assert_eq(ilp_packet_decode(SLICE(in, n + 1), ILP_DECODE_LENIENT, &p), ILP_OK);
    cr_assert_eq(p.u.prepare.amount, 107);
}

Test(packet, bad_envelopes)
{
    ilp_packet_t p;
    cr_assert_eq(ilp_packet_decode(SLICE("", 0), 0, &p), ILP_ERR_EMPTY);
    cr_assert_eq(ilp_packet_decode(SLICE("\x0b\x00", 2), 0, &p), ILP_ERR_UNKNOWN_TYPE);
    cr_assert_eq(ilp_packet_decode(SLICE("\x0f\x00", 2), 0, &p), ILP_ERR_UNKNOWN_TYPE);
    cr_assert_eq(ilp_packet_decode(SLICE("\x0c\x80", 2), 0, &p), ILP_ERR_NON_CANONICAL);
    cr_assert_eq(ilp_packet_decode(SLICE("\x0c\x81\x10", 3), 0, &p), ILP_ERR_NON_CANONICAL);
    cr_assert_eq(ilp_packet_decode(SLICE("\x0d\x00", 2), 0, &p), ILP_ERR_TRUNCATED);
}

Test(packet, prepare_field_validation)
{
    uint8_t in[256];
    size_t n = unhex(in, sizeof(in), PREPARE_HEX);
    ilp_prepare_t p;
    uint8_t bad[256];
    memcpy(bad, in, n);
    bad[2 + 8 + 4] = '2'; /* month "12" -> "22" */
    cr_assert_eq(ilp_prepare_decode(SLICE(bad, n), &p), ILP_ERR_BAD_TIMESTAMP);
    memcpy(bad, in, n);
    bad[2 + 8 + 17 + 32 + 1] = 'X'; /* "example" -> "Xxample": unknown scheme */
    cr_assert_eq(ilp_prepare_decode(SLICE(bad, n), &p), ILP_ERR_BAD_ADDRESS);
}

Test(packet, max_sizes)
{
    static uint8_t data[ILP_DATA_MAX_LEN + 1];
    char addr[ILP_ADDRESS_MAX_LEN + 2];
    memset(addr, 'a', sizeof(addr));
    memcpy(addr, "g.", 2);
    ilp_prepare_t p = {.amount = UINT64_MAX,
                       .expires_at_ms = ILP_TIME_MAX_MS,
                       .destination = SLICE(addr, ILP_ADDRESS_MAX_LEN),
                       .data = SLICE(data, ILP_DATA_MAX_LEN)};
    buf_t b;
    buf_init(&b, ILP_PACKET_MAX_LEN);
    cr_assert_eq(ilp_prepare_encode(&b, &p), ILP_OK);
    cr_assert_leq(b.len, ILP_PACKET_MAX_LEN);
    ilp_prepare_t q;
    cr_assert_eq(ilp_prepare_decode(buf_slice(&b), &q), ILP_OK);
    cr_assert_eq(q.amount, UINT64_MAX);
    cr_assert_eq(q.data.len, ILP_DATA_MAX_LEN);
    cr_assert_eq(q.destination.len, ILP_ADDRESS_MAX_LEN);
    size_t len = b.len;

    p.data.len = ILP_DATA_MAX_LEN + 1;
    cr_assert_eq(ilp_prepare_encode(&b, &p), ILP_ERR_DATA_TOO_LONG);
    cr_assert_eq(b.len, len, "failed encode leaves the buffer alone");
    p.data.len = 0;
    p.destination.len = ILP_ADDRESS_MAX_LEN + 1;
    cr_assert_eq(ilp_prepare_encode(&b, &p), ILP_ERR_BAD_ADDRESS);
    buf_free(&b);

    /* decoder: a packet with 32768 bytes of data is refused */
    static uint8_t big[40000];
    buf_t w;
    buf_init_fixed(&w, big, sizeof(big));
    p.destination.len = 3;
    p.data.len = ILP_DATA_MAX_LEN;
    cr_assert_eq(ilp_prepare_encode(&w, &p), ILP_OK);
    /* grow the data length field by one and append a byte: patch lengths */
    size_t env_len = w.len - 4; /* 0c 82 xx xx */
    big[2] = (uint8_t)((env_len + 1) >> 8);
    big[3] = (uint8_t)(env_len + 1);
    size_t dl = 4 + 8 + 17 + 32 + 1 + 3; /* data length determinant 82 7f ff */
    cr_assert_eq(big[dl], 0x82);
    big[dl + 1] = 0x80;
    big[dl + 2] = 0x00;
    big[w.len] = 0;
    cr_assert_eq(ilp_prepare_decode(SLICE(big, w.len + 1), &q), ILP_ERR_DATA_TOO_LONG);
}

Test(packet, reject_limits_and_code)
{
    static uint8_t msg[ILP_MESSAGE_MAX_LEN + 1];
    memset(msg, 'm', sizeof(msg));
    ilp_reject_t r = {.code = "T04", .message = SLICE(msg, ILP_MESSAGE_MAX_LEN)};
    buf_t b;
    buf_init(&b, ILP_PACKET_MAX_LEN);
    cr_assert_eq(ilp_reject_encode(&b, &r), ILP_OK, "empty triggered_by is allowed");
    ilp_reject_t q;
    cr_assert_eq(ilp_reject_decode(buf_slice(&b), &q), ILP_OK);
    cr_assert_eq(q.message.len, ILP_MESSAGE_MAX_LEN);
    cr_assert_eq(q.triggered_by.len, 0);
    r.message.len++;
    cr_assert_eq(ilp_reject_encode(&b, &r), ILP_ERR_MESSAGE_TOO_LONG);
    r.message.len = 0;
    memcpy(r.code, "F0\x80", 4);
    cr_assert_eq(ilp_reject_encode(&b, &r), ILP_ERR_BAD_CODE, "a byte outside IA5");
    r.triggered_by = SLICE_LIT("nope");
    memcpy(r.code, "F02", 4);
    cr_assert_eq(ilp_reject_encode(&b, &r), ILP_ERR_BAD_ADDRESS);
    buf_free(&b);

    /* code bytes must be IA5 (below 0x80); unregistered codes such as "tw\x7f" or control
     * characters are valid and survive a decode/encode round trip byte for byte */
    uint8_t in[256];
    size_t n = unhex(in, sizeof(in), REJECT_HEX);
    in[3] = 0x80;
    cr_assert_eq(ilp_reject_decode(SLICE(in, n), &q), ILP_ERR_BAD_CODE);
    in[2] = 't', in[3] = 'w', in[4] = 0x7f; /* the code: bytes 2..4 */
    cr_assert_eq(ilp_reject_decode(SLICE(in, n), &q), ILP_OK);
    cr_assert_eq(memcmp(q.code, "tw\x7f", 3), 0);
    in[2] = 0x00, in[3] = 0x01, in[4] = ' ';
    cr_assert_eq(ilp_reject_decode(SLICE(in, n), &q), ILP_OK);
    buf_t rt;
    buf_init(&rt, ILP_PACKET_MAX_LEN);
    cr_assert_eq(ilp_reject_encode(&rt, &q), ILP_OK);
    cr_assert_eq(rt.len, n);
    cr_assert_eq(memcmp(rt.ptr, in, n), 0, "relayed byte for byte");
    buf_free(&rt);
}

Test(packet, encode_into_small_buffer_fails_cleanly)
{
    uint8_t mem[20];
    buf_t b;
    buf_init_fixed(&b, mem, sizeof(mem));
    ilp_fulfill_t f = {.data = SLICE_LIT("x")};
    cr_assert_eq(ilp_fulfill_encode(&b, &f), ILP_ERR_BUFFER);
    cr_assert_eq(b.len, 0);
}

Test(packet, timestamps)
{
    cr_assert_eq(ts("19700101000000000"), 0);
    cr_assert_eq(ts("19691231235959999"), -1);
    cr_assert_eq(ts("20171224161432279"), 1514132072279LL);
    cr_assert_eq(ts("20000229000000000"), 951782400000LL); /* leap: divisible by 400 */
    cr_assert_eq(ts("00000101000000000"), ILP_TIME_MIN_MS);
    cr_assert_eq(ts("99991231235959999"), ILP_TIME_MAX_MS);
    const char *bad[] = {
        "19000229000000000",  /* 1900 not leap */
        "20170229000000000",  /* not leap */
        "20171131000000000",  /* 31 Nov */
        "20171200000000000",  /* day 0 */
        "20170001000000000",  /* month 0 */
        "20171301000000000",  /* month 13 */
        "20171224240000000",  /* hour 24 */
        "20171224236000000",  /* minute 60 */
        "20161231235960852",  /* second 60 */
        "2017122416143227",   /* 16 digits */
        "201712241614322790", /* 18 digits */
        "2017122416143227Z",  /* letter */
        "20171224 61432279",  /* space */
        "-0171224161432279",  /* sign */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t ms;
        cr_assert_eq(ilp_time_parse(SLICE(bad[i], strlen(bad[i])), &ms), ILP_ERR_BAD_TIMESTAMP,
                     "%s", bad[i]);
    }
    cr_assert_eq(ts("20240229120000000") + 86400000LL, ts("20240301120000000"));
}

Test(packet, timestamp_format_round_trip)
{
    int64_t samples[] = {0,
                         -1,
                         1,
                         951782400000LL,
                         951868799999LL,
                         ILP_TIME_MIN_MS,
                         ILP_TIME_MAX_MS,
                         -62135596800000LL,
                         4102444800000LL};
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        char w[ILP_TIMESTAMP_LEN + 1], iso[ILP_ISO_TIME_LEN + 1];
        cr_assert_eq(ilp_time_format(samples[i], w), ILP_OK);
        cr_assert_eq(ts(w), samples[i], "%s", w);
        cr_assert_eq(ilp_time_format_iso(samples[i], iso), ILP_OK);
        int64_t back;
        cr_assert_eq(ilp_time_parse_iso(SLICE(iso, strlen(iso)), &back), ILP_OK, "%s", iso);
        cr_assert_eq(back, samples[i]);
    }
    char w[ILP_TIMESTAMP_LEN + 1];
    cr_assert_eq(ilp_time_format(ILP_TIME_MAX_MS + 1, w), ILP_ERR_BAD_TIMESTAMP);
    cr_assert_eq(ilp_time_format(ILP_TIME_MIN_MS - 1, w), ILP_ERR_BAD_TIMESTAMP);
    char iso[ILP_ISO_TIME_LEN + 1];
    cr_assert_eq(ilp_time_format_iso(1514132072279LL, iso), ILP_OK);
    cr_assert_str_eq(iso, "2017-12-24T16:14:32.279Z");
    int64_t ms;
    cr_assert_eq(ilp_time_parse_iso(SLICE_LIT("2017-12-24T16:14:32.279+"), &ms),
                 ILP_ERR_BAD_TIMESTAMP);
}

Test(packet, rewrite_amount_and_expiry_in_place)
{
    uint8_t in[256];
    size_t n = unhex(in, sizeof(in), PREPARE_HEX);
    int64_t exp = ts("20200101000000123");
    cr_assert_eq(ilp_prepare_set_amount(in, n, 0x0102030405060708ull), ILP_OK);
    cr_assert_eq(ilp_prepare_set_expiry(in, n, exp), ILP_OK);
    ilp_prepare_t p;
    cr_assert_eq(ilp_prepare_decode(SLICE(in, n), &p), ILP_OK);
    cr_assert_eq(p.amount, 0x0102030405060708ull);
    cr_assert_eq(p.expires_at_ms, exp);
    cr_assert(slice_eq_str(p.destination, "example.alice"));

    cr_assert_eq(ilp_prepare_set_expiry(in, n, ILP_TIME_MAX_MS + 1), ILP_ERR_BAD_TIMESTAMP);
    cr_assert_eq(ilp_prepare_set_amount(in, 20, 1), ILP_ERR_TRUNCATED);
    uint8_t ful[256];
    size_t fn = unhex(ful, sizeof(ful), FULFILL_HEX);
    cr_assert_eq(ilp_prepare_set_amount(ful, fn, 1), ILP_ERR_WRONG_TYPE);

    /* long-form envelope (data of 200 bytes) */
    uint8_t data[200] = {0};
    p.data = SLICE(data, sizeof(data));
    buf_t b;
    buf_init(&b, 1024);
    cr_assert_eq(ilp_prepare_encode(&b, &p), ILP_OK);
    cr_assert_eq(b.ptr[1], 0x82);
    cr_assert_eq(ilp_prepare_set_amount(b.ptr, b.len, 5), ILP_OK);
    ilp_prepare_t q;
    cr_assert_eq(ilp_prepare_decode(buf_slice(&b), &q), ILP_OK);
    cr_assert_eq(q.amount, 5);
    buf_free(&b);
}

Test(packet, f08_data)
{
    uint8_t d[ILP_F08_DATA_LEN];
    ilp_f08_data_encode(d, 255, 65535);
    cr_assert_eq(memcmp(d, "\0\0\0\0\0\0\0\xff\0\0\0\0\0\0\xff\xff", 16), 0);
    uint64_t r, m;
    cr_assert_eq(ilp_f08_data_decode(SLICE(d, 16), &r, &m), ILP_OK);
    cr_assert_eq(r, 255);
    cr_assert_eq(m, 65535);
    cr_assert_eq(ilp_f08_data_decode(SLICE(d, 15), &r, &m), ILP_ERR_BAD_F08_DATA);
}
