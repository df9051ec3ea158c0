/*
 * ILPv4 packets (RFC 0027): Prepare (type 12), Fulfill (13) and Reject (14).
 *
 * Wire format (OER, see oer.h):
 *   envelope  = type UInt8 ‖ contents var-octet-string
 *   Prepare   = amount UInt64 ‖ expiresAt 17 ASCII digits ‖ executionCondition 32 bytes ‖
 *               destination var-string (ILP address) ‖ data var-octet-string (<= 32767)
 *   Fulfill   = fulfillment 32 bytes ‖ data var-octet-string (<= 32767)
 *   Reject    = code 3 raw ASCII bytes ‖ triggeredBy var-string (address or empty) ‖
 *               message var-string (<= 8191) ‖ data var-octet-string (<= 32767)
 *   timestamp = YYYYMMDDHHmmSSfff, UTC, every field range-checked (no hour 24, no second 60).
 *
 * Decoders take a slice and fill a caller-owned struct whose slices point into the input, so
 * the input must outlive the struct. They are strict by default: bytes left over inside the
 * envelope or after it are an error (ILP_DECODE_LENIENT ignores them, as RFC 0030
 * extensibility and interledger-rs's non-strict mode do). Encoders validate the fields and
 * append to a capped buf_t.
 * Threads: no shared state; any thread may call these at once, each on its own buffers.
 */
#ifndef RAFIKI_ILP_PACKET_H
#define RAFIKI_ILP_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/limits.h"
#include "base/slice.h"

typedef enum {
    ILP_TYPE_PREPARE = 12,
    ILP_TYPE_FULFILL = 13,
    ILP_TYPE_REJECT = 14,
} ilp_packet_type_t;

typedef enum {
    ILP_OK = 0,
    ILP_ERR_EMPTY = -1,             /* no type byte */
    ILP_ERR_UNKNOWN_TYPE = -2,      /* type byte is not 12, 13 or 14 */
    ILP_ERR_WRONG_TYPE = -3,        /* a valid type, but not the one the caller asked for */
    ILP_ERR_TRUNCATED = -4,         /* a length or field runs past the end */
    ILP_ERR_NON_CANONICAL = -5,     /* non-minimal length determinant */
    ILP_ERR_LENGTH_TOO_LARGE = -6,  /* length determinant wider than 8 bytes */
    ILP_ERR_TRAILING_BYTES = -7,    /* bytes after the last field or after the envelope */
    ILP_ERR_BAD_TIMESTAMP = -8,     /* expiresAt is not a valid 17-digit UTC timestamp */
    ILP_ERR_BAD_ADDRESS = -9,       /* destination / triggeredBy fails RFC 0015 */
    ILP_ERR_DATA_TOO_LONG = -10,    /* data longer than ILP_DATA_MAX_LEN */
    ILP_ERR_MESSAGE_TOO_LONG = -11, /* reject message longer than ILP_MESSAGE_MAX_LEN */
    ILP_ERR_BAD_CODE = -12,         /* reject code: a byte of 0x80 or above, or not 3 bytes */
    ILP_ERR_BUFFER = -13,           /* the output buffer is full or allocation failed */
    ILP_ERR_BAD_F08_DATA = -14,     /* F08 error data is not exactly 16 bytes */
} ilp_result_t;

enum { ILP_DECODE_STRICT = 0, ILP_DECODE_LENIENT = 1 };

typedef struct {
    uint64_t amount;
    int64_t expires_at_ms; /* milliseconds since the Unix epoch, UTC */
    uint8_t condition[ILP_CONDITION_LEN];
    slice_t destination;
    slice_t data;
} ilp_prepare_t;

typedef struct {
    uint8_t fulfillment[ILP_FULFILLMENT_LEN];
    slice_t data;
} ilp_fulfill_t;

typedef struct {
    char code[4]; /* three ASCII characters and a NUL, e.g. "F02" */
    slice_t triggered_by;
    slice_t message;
    slice_t data;
} ilp_reject_t;

typedef struct {
    ilp_packet_type_t type;
    union {
        ilp_prepare_t prepare;
        ilp_fulfill_t fulfill;
        ilp_reject_t reject;
    } u;
} ilp_packet_t;

const char *ilp_result_str(ilp_result_t r);

/* ---- decoding ---- */

/* Any of the three types; flags is ILP_DECODE_STRICT or ILP_DECODE_LENIENT. */
ilp_result_t ilp_packet_decode(slice_t in, int flags, ilp_packet_t *out);
/* One expected type; another valid type is ILP_ERR_WRONG_TYPE. Strict. */
ilp_result_t ilp_prepare_decode(slice_t in, ilp_prepare_t *out);
ilp_result_t ilp_fulfill_decode(slice_t in, ilp_fulfill_t *out);
ilp_result_t ilp_reject_decode(slice_t in, ilp_reject_t *out);
/* The type byte of a packet, or 0 when in is empty. Does not validate anything else. */
uint8_t ilp_packet_peek_type(slice_t in);

/* ---- encoding ---- */

/* Validate the fields (address, sizes, expiry range) and append the packet. On error b's
 * length is unchanged unless the error is ILP_ERR_BUFFER. */
ilp_result_t ilp_prepare_encode(buf_t *b, const ilp_prepare_t *p);
ilp_result_t ilp_fulfill_encode(buf_t *b, const ilp_fulfill_t *f);
ilp_result_t ilp_reject_encode(buf_t *b, const ilp_reject_t *r);
ilp_result_t ilp_packet_encode(buf_t *b, const ilp_packet_t *p);
/* Exact encoded sizes (no validation). */
size_t ilp_prepare_encoded_size(const ilp_prepare_t *p);
size_t ilp_fulfill_encoded_size(const ilp_fulfill_t *f);
size_t ilp_reject_encoded_size(const ilp_reject_t *r);

/*
 * Rewrite amount / expiry of an encoded Prepare in place (connector forwarding). pkt must hold
 * a Prepare envelope whose fixed fields are present; the rest is not re-validated. Returns
 * ILP_OK, ILP_ERR_WRONG_TYPE/UNKNOWN_TYPE, ILP_ERR_TRUNCATED or ILP_ERR_BAD_TIMESTAMP.
 */
ilp_result_t ilp_prepare_set_amount(uint8_t *pkt, size_t len, uint64_t amount);
ilp_result_t ilp_prepare_set_expiry(uint8_t *pkt, size_t len, int64_t expires_at_ms);

/* ---- timestamps ---- */

/* Earliest / latest instants representable: 0000-01-01T00:00:00.000Z, 9999-12-31T23:59:59.999Z */
#define ILP_TIME_MIN_MS (-62167219200000LL)
#define ILP_TIME_MAX_MS (253402300799999LL)

/* Parse exactly ILP_TIMESTAMP_LEN digits; ILP_ERR_BAD_TIMESTAMP on any deviation. */
ilp_result_t ilp_time_parse(slice_t s, int64_t *ms);
/* Write 17 digits and a NUL; ILP_ERR_BAD_TIMESTAMP when ms is out of range. */
ilp_result_t ilp_time_format(int64_t ms, char out[ILP_TIMESTAMP_LEN + 1]);
/* ISO 8601 "YYYY-MM-DDTHH:mm:ss.sssZ" (24 chars + NUL); ILP_ERR_BAD_TIMESTAMP out of range. */
#define ILP_ISO_TIME_LEN 24
ilp_result_t ilp_time_format_iso(int64_t ms, char out[ILP_ISO_TIME_LEN + 1]);
/* Parse exactly that ISO form (with the "Z" and 3 fraction digits). */
ilp_result_t ilp_time_parse_iso(slice_t s, int64_t *ms);

/* ---- F08 Amount Too Large data: receivedAmount UInt64 ‖ maximumAmount UInt64 ---- */

#define ILP_F08_DATA_LEN 16
void ilp_f08_data_encode(uint8_t out[ILP_F08_DATA_LEN], uint64_t received, uint64_t maximum);
ilp_result_t ilp_f08_data_decode(slice_t data, uint64_t *received, uint64_t *maximum);

#endif
