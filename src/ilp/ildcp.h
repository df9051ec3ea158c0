/*
 * IL-DCP (RFC 0031): a child asks its parent for its ILP address, asset code and scale.
 *   request  = Prepare to "peer.config", amount 0, condition ILP_PEER_CONDITION, empty data
 *   response = Fulfill with ILP_PEER_FULFILLMENT (32 zero bytes) and data
 *              clientAddress var-string ‖ assetScale UInt8 ‖ assetCode var-string (UTF-8)
 *   error    = Reject triggered by the parent's address.
 * ILP_PEER_CONDITION = SHA-256(32 zero bytes) is also the condition of CCP peer.route.* messages.
 * Threads: no shared state; any thread may call these at once, each on its own buffers.
 */
#ifndef RAFIKI_ILP_ILDCP_H
#define RAFIKI_ILP_ILDCP_H

#include <stdbool.h>
#include <stdint.h>

#include "base/slice.h"
#include "ilp/packet.h"

#define ILDCP_DESTINATION "peer.config"

/* 66687aad f862bd77 6c8fc18b 8e9f8e20 08971485 6ee233b3 902a591d 0d5f2925 */
extern const uint8_t ILP_PEER_CONDITION[ILP_CONDITION_LEN];
extern const uint8_t ILP_PEER_FULFILLMENT[ILP_FULFILLMENT_LEN];

typedef struct {
    slice_t client_address;
    uint8_t asset_scale;
    slice_t asset_code; /* UTF-8, not validated beyond its length */
} ildcp_response_t;

typedef enum {
    ILDCP_OK = 0,
    ILDCP_ERR_PACKET = -1,          /* the ILP packet itself failed to decode */
    ILDCP_ERR_NOT_FULFILL = -2,     /* response is not a Fulfill (a Reject is the parent's error) */
    ILDCP_ERR_BAD_FULFILLMENT = -3, /* fulfillment is not 32 zero bytes */
    ILDCP_ERR_BAD_DATA = -4,        /* data does not parse, or has trailing bytes */
    ILDCP_ERR_BAD_ADDRESS = -5,     /* clientAddress fails RFC 0015 */
    ILDCP_ERR_BUFFER = -6,          /* output buffer full */
} ildcp_result_t;

const char *ildcp_result_str(ildcp_result_t r);

/* True when the Prepare is an IL-DCP request (destination "peer.config"). Amount, condition
 * and data are checked by ildcp_request_valid. */
bool ildcp_is_request(const ilp_prepare_t *p);
/* True when the request also has amount 0 and the peer-protocol condition. */
bool ildcp_request_valid(const ilp_prepare_t *p);
/* Append a request expiring at expires_at_ms (ilp-protocol-ildcp uses now + 60 s). */
ilp_result_t ildcp_request_encode(buf_t *b, int64_t expires_at_ms);

/* Append the response data (not the Fulfill). */
ildcp_result_t ildcp_response_data_encode(buf_t *b, const ildcp_response_t *r);
/* Append the whole Fulfill carrying the response. */
ildcp_result_t ildcp_response_encode(buf_t *b, const ildcp_response_t *r);
/* Parse response data; slices point into data. */
ildcp_result_t ildcp_response_data_decode(slice_t data, ildcp_response_t *out);
/* Decode an encoded reply packet: must be a Fulfill with the zero fulfillment. When the reply
 * is a Reject, returns ILDCP_ERR_NOT_FULFILL and, if reject is not NULL, fills it. */
ildcp_result_t ildcp_response_decode(slice_t packet, ildcp_response_t *out, ilp_reject_t *reject);

#endif
