/* Tests for src/ilp/ildcp.c: request construction/detection and response codec. */
#include <criterion/criterion.h>
#include <string.h>

#include "base/codec.h"
#include "base/digest.h"
#include "ilp/errors.h"
#include "ilp/ildcp.h"
#include "../unhex.h"

#define REQUEST_HEX                                                                                \
    "0c460000000000000000323031353036313630303031303030303066687aadf862bd776c8fc18b8e9f8e2008971"  \
    "4856ee233b3902a591d0d5f29250b706565722e636f6e66696700"
#define RESPONSE_HEX                                                                               \
    "0d350000000000000000000000000000000000000000000000000000000000000000140e6578616d706c652e636c" \
    "69656e740d0358414d"

Test(ildcp, peer_condition_is_hash_of_zero_fulfillment)
{
    uint8_t d[SHA256_LEN];
    sha256(d, ILP_PEER_FULFILLMENT, ILP_FULFILLMENT_LEN);
    cr_assert_eq(memcmp(d, ILP_PEER_CONDITION, SHA256_LEN), 0);
}

Test(ildcp, request_matches_reference_bytes)
{
    uint8_t want[256];
    size_t n = unhex(want, sizeof(want), REQUEST_HEX);
    int64_t exp;
    cr_assert_eq(ilp_time_parse(SLICE_LIT("20150616000100000"), &exp), ILP_OK);
    buf_t b;
    buf_init(&b, 1024);
    cr_assert_eq(ildcp_request_encode(&b, exp), ILP_OK);
    cr_assert(slice_eq(buf_slice(&b), SLICE(want, n)));
    ilp_prepare_t p;
    cr_assert_eq(ilp_prepare_decode(buf_slice(&b), &p), ILP_OK);
    cr_assert(ildcp_is_request(&p));
    cr_assert(ildcp_request_valid(&p));
    p.amount = 1;
    cr_assert(ildcp_is_request(&p));
    cr_assert_not(ildcp_request_valid(&p));
    p.amount = 0;
    p.destination = SLICE_LIT("peer.configx");
    cr_assert_not(ildcp_is_request(&p));
    buf_free(&b);
}

Test(ildcp, response_round_trip)
{
    uint8_t want[256];
    size_t n = unhex(want, sizeof(want), RESPONSE_HEX);
    ildcp_response_t r = {.client_address = SLICE_LIT("example.client"),
                          .asset_scale = 13,
                          .asset_code = SLICE_LIT("XAM")};
    buf_t b;
    buf_init(&b, 1024);
    cr_assert_eq(ildcp_response_encode(&b, &r), ILDCP_OK);
    cr_assert(slice_eq(buf_slice(&b), SLICE(want, n)));
    ildcp_response_t q;
    cr_assert_eq(ildcp_response_decode(buf_slice(&b), &q, NULL), ILDCP_OK);
    cr_assert(slice_eq_str(q.client_address, "example.client"));
    cr_assert_eq(q.asset_scale, 13);
    cr_assert(slice_eq_str(q.asset_code, "XAM"));
    buf_free(&b);
}

Test(ildcp, response_rejections)
{
    uint8_t in[256];
    size_t n = unhex(in, sizeof(in), RESPONSE_HEX);
    ildcp_response_t q;
    in[5] = 1; /* non-zero fulfillment */
    cr_assert_eq(ildcp_response_decode(SLICE(in, n), &q, NULL), ILDCP_ERR_BAD_FULFILLMENT);
    in[5] = 0;
    cr_assert_eq(ildcp_response_decode(SLICE(in, n - 1), &q, NULL), ILDCP_ERR_PACKET);
    cr_assert_eq(ildcp_response_data_decode(SLICE("\x03g.a\x02\x00\x01", 7), &q),
                 ILDCP_ERR_BAD_DATA, "trailing byte after asset code");
    cr_assert_eq(ildcp_response_data_decode(SLICE("\x03g.a\x02", 5), &q), ILDCP_ERR_BAD_DATA);
    cr_assert_eq(ildcp_response_data_decode(SLICE("\x03zzz\x02\x00", 6), &q),
                 ILDCP_ERR_BAD_ADDRESS);
    cr_assert_eq(ildcp_response_data_decode(SLICE("\x03g.a\x02\x00", 6), &q), ILDCP_OK);
    cr_assert_eq(q.asset_scale, 2);
    cr_assert_eq(q.asset_code.len, 0);

    buf_t b;
    buf_init(&b, 1024);
    cr_assert_eq(ilp_reject_build(&b, ILP_F00_BAD_REQUEST, SLICE_LIT("example.server"),
                                  SLICE_LIT("nope"), SLICE(NULL, 0)),
                 ILP_OK);
    ilp_reject_t rej;
    cr_assert_eq(ildcp_response_decode(buf_slice(&b), &q, &rej), ILDCP_ERR_NOT_FULFILL);
    cr_assert_str_eq(rej.code, "F00");
    cr_assert(slice_eq_str(rej.triggered_by, "example.server"));
    buf_free(&b);
}
