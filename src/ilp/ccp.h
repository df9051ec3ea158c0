/*
 * CCP (connector-to-connector protocol v2, route broadcasts) message bodies, carried as the data
 * of a Prepare to peer.route.control / peer.route.update with amount 0 and the peer-protocol
 * condition (see ildcp.h); the reply is a Fulfill with the zero fulfillment.
 *
 *   RouteControl = mode UInt8 ‖ lastKnownRoutingTableId 16 bytes ‖ lastKnownEpoch UInt32 ‖
 *                  features (VarUInt count, var-strings)
 *   RouteUpdate  = routingTableId 16 ‖ currentEpochIndex UInt32 ‖ fromEpochIndex UInt32 ‖
 *                  toEpochIndex UInt32 ‖ holdDownTime UInt32 ‖ speaker var-string ‖
 *                  newRoutes (VarUInt count, Route) ‖ withdrawnRoutes (VarUInt count, var-strings)
 *   Route        = prefix var-string ‖ path (VarUInt count, var-strings) ‖ auth 32 bytes ‖
 *                  props (VarUInt count, Prop)
 *   Prop         = flags UInt8 (optional 0x80, transitive 0x40, partial 0x20, utf8 0x10) ‖
 *                  id UInt16 ‖ value var-octet-string
 * Decoded slices point into the input. Every list has a fixed maximum (below); longer lists are
 * refused rather than truncated.
 * Threads: no shared state; any thread may call these at once, each on its own buffers.
 */
#ifndef RAFIKI_ILP_CCP_H
#define RAFIKI_ILP_CCP_H

#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"

#define CCP_CONTROL_DESTINATION "peer.route.control"
#define CCP_UPDATE_DESTINATION  "peer.route.update"

/* Bounds: a routing table id is a UUID; feature, path and prop lists are short in practice. */
#define CCP_TABLE_ID_LEN 16
#define CCP_AUTH_LEN     32
#define CCP_MAX_FEATURES 32
#define CCP_MAX_PATH     32
#define CCP_MAX_PROPS    16

enum { CCP_MODE_IDLE = 0, CCP_MODE_SYNC = 1 };
enum {
    CCP_PROP_OPTIONAL = 0x80,
    CCP_PROP_TRANSITIVE = 0x40,
    CCP_PROP_PARTIAL = 0x20,
    CCP_PROP_UTF8 = 0x10
};

typedef enum {
    CCP_OK = 0,
    CCP_ERR_TRUNCATED = -1,   /* a field runs past the end, or a non-canonical length */
    CCP_ERR_TRAILING = -2,    /* bytes after the message */
    CCP_ERR_BAD_MODE = -3,    /* mode is not Idle or Sync */
    CCP_ERR_TOO_MANY = -4,    /* a list is longer than its maximum or the caller's array */
    CCP_ERR_BAD_ADDRESS = -5, /* speaker or a prefix/path entry fails RFC 0015 */
    CCP_ERR_BUFFER = -6,      /* output buffer full */
} ccp_result_t;

typedef struct {
    uint8_t mode;
    uint8_t last_known_routing_table_id[CCP_TABLE_ID_LEN];
    uint32_t last_known_epoch;
    size_t n_features;
    slice_t features[CCP_MAX_FEATURES];
} ccp_route_control_t;

typedef struct {
    uint8_t flags;
    uint16_t id;
    slice_t value;
} ccp_prop_t;

typedef struct {
    slice_t prefix;
    size_t n_path;
    slice_t path[CCP_MAX_PATH];
    uint8_t auth[CCP_AUTH_LEN];
    size_t n_props;
    ccp_prop_t props[CCP_MAX_PROPS];
} ccp_route_t;

typedef struct {
    uint8_t routing_table_id[CCP_TABLE_ID_LEN];
    uint32_t current_epoch_index, from_epoch_index, to_epoch_index, hold_down_time_ms;
    slice_t speaker;
    size_t n_new_routes;
    ccp_route_t *new_routes; /* caller's array of new_routes_cap entries */
    size_t new_routes_cap;
    size_t n_withdrawn;
    slice_t *withdrawn; /* caller's array of withdrawn_cap entries */
    size_t withdrawn_cap;
} ccp_route_update_t;

const char *ccp_result_str(ccp_result_t r);

ccp_result_t ccp_route_control_decode(slice_t data, ccp_route_control_t *out);
ccp_result_t ccp_route_control_encode(buf_t *b, const ccp_route_control_t *c);
/* out->new_routes/new_routes_cap and withdrawn/withdrawn_cap must be set by the caller
 * (NULL/0 accepts only empty lists). */
ccp_result_t ccp_route_update_decode(slice_t data, ccp_route_update_t *out);
ccp_result_t ccp_route_update_encode(buf_t *b, const ccp_route_update_t *u);

#endif
