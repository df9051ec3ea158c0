/*
 * Vector handlers for the ILP layer: OER primitives, timestamps, ILP packets, F08 data,
 * addresses, IL-DCP, SHA-256, payment pointers and SPSP responses.
 *
 * Binary vectors go through run_binary(): a decoder callback turns "hex" into values, compares
 * them with "fields" and re-encodes into a buffer; run_binary applies "expect".
 */
#include <stdio.h>
#include <string.h>

#include "base/civil.h"
#include "base/codec.h"
#include "base/digest.h"
#include "ilp/address.h"
#include "ilp/ccp.h"
#include "ilp/ildcp.h"
#include "ilp/oer.h"
#include "ilp/packet.h"
#include "ilp/pointer.h"
#include "vectors.h"

/* What a decoder callback returns; DEC_OK is 0 so that VEC_TRY passes the others on. */
enum { DEC_OK = 0, DEC_REJECTED = 1, DEC_MISMATCH = 2 };

typedef int (*decode_fn)(json_t *fields, slice_t in, int flags, buf_t *out, char *err,
                         size_t errlen);

#define CMP(expr)                                                                                  \
    do {                                                                                           \
        if ((expr) != VEC_PASS)                                                                    \
            return DEC_MISMATCH;                                                                   \
    } while (0)

static int rejected(char *err, size_t errlen, const char *what, const char *why)
{
    snprintf(err, errlen, "%s: %s", what, why);
    return DEC_REJECTED;
}

static int mismatch(char *err, size_t errlen, const char *why)
{
    snprintf(err, errlen, "%s", why);
    return DEC_MISMATCH;
}

static int run_binary(json_t *vec, char *err, size_t errlen, decode_fn fn)
{
    vec_expect_t e = vec_expect(vec);
    if (e == VEC_EXPECT_UNKNOWN) {
        snprintf(err, errlen, "unknown expect");
        return VEC_SKIP;
    }
    buf_t in, out;
    if (vec_hex(vec, "hex", &in, err, errlen) != 0)
        return VEC_FAIL;
    buf_init(&out, 1u << 20);
    /* Only "valid" and "invalid" assert strictness; the others only ask for the fields. */
    int flags = e == VEC_EXPECT_VALID_LENIENT || e == VEC_EXPECT_DECODE_ONLY ? ILP_DECODE_LENIENT
                                                                             : ILP_DECODE_STRICT;
    int rc = fn(vec_fields(vec), buf_slice(&in), flags, &out, err, errlen);
    int result = VEC_PASS;
    if (e == VEC_EXPECT_INVALID) {
        if (rc != DEC_REJECTED) {
            const char *why = vec_str(vec, "error", NULL);
            result = vec_fail(err, errlen, "decoder accepted an invalid encoding (%s)",
                              why ? why : "expected rejection");
        }
    } else if (rc == DEC_REJECTED) {
        char why[512];
        snprintf(why, sizeof(why), "%s", err);
        result = vec_fail(err, errlen, "decoder rejected a valid encoding: %s", why);
    } else if (rc != DEC_OK) {
        result = VEC_FAIL;
    } else if (e == VEC_EXPECT_VALID) {
        result = vec_cmp_bytes("re-encoding", buf_slice(&out), buf_slice(&in), err, errlen);
    }
    buf_free(&in);
    buf_free(&out);
    return result;
}

/* ---- OER primitives ---- */

/* The OER primitives whose value is a u64; one decoder serves them all. */
typedef enum { PRIM_U8, PRIM_U16, PRIM_U32, PRIM_U64, PRIM_LENGTH, PRIM_VAR_UINT } prim_t;

static const char *const PRIM_NAME[] = {"fixed uint", "fixed uint", "fixed uint",
                                        "fixed uint", "length",     "var uint"};

static oer_result_t prim_read(prim_t k, oer_reader_t *r, uint64_t *v)
{
    oer_result_t rc;
    switch (k) {
    case PRIM_U8: {
        uint8_t x = 0;
        rc = oer_read_u8(r, &x);
        *v = x;
        return rc;
    }
    case PRIM_U16: {
        uint16_t x = 0;
        rc = oer_read_u16(r, &x);
        *v = x;
        return rc;
    }
    case PRIM_U32: {
        uint32_t x = 0;
        rc = oer_read_u32(r, &x);
        *v = x;
        return rc;
    }
    case PRIM_U64:
        return oer_read_u64(r, v);
    case PRIM_LENGTH:
        return oer_read_length(r, v);
    case PRIM_VAR_UINT:
        return oer_read_var_uint(r, v);
    }
    return OER_OK;
}

static void prim_write(prim_t k, buf_t *out, uint64_t v)
{
    switch (k) {
    case PRIM_U8:
        oer_write_u8(out, (uint8_t)v);
        break;
    case PRIM_U16:
        oer_write_u16(out, (uint16_t)v);
        break;
    case PRIM_U32:
        oer_write_u32(out, (uint32_t)v);
        break;
    case PRIM_U64:
        oer_write_u64(out, v);
        break;
    case PRIM_LENGTH:
        oer_write_length(out, v);
        break;
    case PRIM_VAR_UINT:
        oer_write_var_uint(out, v);
        break;
    }
}

/* DEC_REJECTED when anything follows the value read by r. */
static int whole_input(const oer_reader_t *r, char *err, size_t errlen)
{
    if (oer_remaining(r) != 0)
        return rejected(err, errlen, "decode", "trailing bytes");
    return DEC_OK;
}

/* Decode one primitive of kind k that spans the whole input, compare fields.value, re-encode. */
static int dec_prim(json_t *f, slice_t in, prim_t k, buf_t *out, char *err, size_t errlen)
{
    oer_reader_t r = oer_reader(in);
    uint64_t v = 0;
    oer_result_t rc = prim_read(k, &r, &v);
    if (rc != OER_OK)
        return rejected(err, errlen, PRIM_NAME[k], oer_result_str(rc));
    if (whole_input(&r, err, errlen) != DEC_OK)
        return DEC_REJECTED;
    CMP(vec_cmp_u64_field(f, "value", v, err, errlen));
    prim_write(k, out, v);
    return DEC_OK;
}

static int dec_fixed_uint(json_t *f, slice_t in, int flags, buf_t *out, char *err, size_t errlen)
{
    (void)flags;
    switch (json_integer_value(json_object_get(f, "width_bytes"))) {
    case 1:
        return dec_prim(f, in, PRIM_U8, out, err, errlen);
    case 2:
        return dec_prim(f, in, PRIM_U16, out, err, errlen);
    case 4:
        return dec_prim(f, in, PRIM_U32, out, err, errlen);
    case 8:
        return dec_prim(f, in, PRIM_U64, out, err, errlen);
    default:
        return mismatch(err, errlen, "fields.width_bytes must be 1, 2, 4 or 8");
    }
}

static int dec_length(json_t *f, slice_t in, int flags, buf_t *out, char *err, size_t errlen)
{
    (void)flags;
    return dec_prim(f, in, PRIM_LENGTH, out, err, errlen);
}

static int dec_var_uint(json_t *f, slice_t in, int flags, buf_t *out, char *err, size_t errlen)
{
    (void)flags;
    return dec_prim(f, in, PRIM_VAR_UINT, out, err, errlen);
}

/* Read one length-prefixed field with read; what follows goes to *rest, or must be nothing
 * when rest is NULL. */
static int read_prefixed(slice_t in, oer_result_t (*read)(oer_reader_t *, slice_t *),
                         const char *what, slice_t *s, slice_t *rest, char *err, size_t errlen)
{
    oer_reader_t r = oer_reader(in);
    oer_result_t rc = read(&r, s);
    if (rc != OER_OK)
        return rejected(err, errlen, what, oer_result_str(rc));
    if (rest == NULL)
        return whole_input(&r, err, errlen);
    *rest = SLICE(in.ptr + r.pos, oer_remaining(&r));
    return DEC_OK;
}

/* A VarUInt of any width: compare the decimal value and the big-endian bytes. */
static int dec_var_uint_bytes(json_t *f, slice_t in, int flags, buf_t *out, char *err,
                              size_t errlen)
{
    (void)flags;
    slice_t be;
    VEC_TRY(read_prefixed(in, oer_read_var_uint_bytes, "var uint", &be, NULL, err, errlen));
    char dec[700];
    if (vec_be_to_decimal(be, dec, sizeof(dec)) != 0)
        return mismatch(err, errlen, "value too wide to print");
    CMP(vec_cmp_str_field(f, "value", SLICE(dec, strlen(dec)), err, errlen));
    if (json_object_get(f, "value_be_hex") != NULL) {
        buf_t want;
        if (vec_hex(f, "value_be_hex", &want, err, errlen) != 0)
            return DEC_MISMATCH;
        oer_write_var_uint_bytes(out, buf_slice(&want));
        buf_free(&want);
    } else {
        oer_write_var_uint_bytes(out, be);
    }
    return DEC_OK;
}

static int dec_var_octets(json_t *f, slice_t in, int flags, buf_t *out, char *err, size_t errlen)
{
    (void)flags;
    slice_t s;
    VEC_TRY(read_prefixed(in, oer_read_var_octets, "var octets", &s, NULL, err, errlen));
    CMP(vec_cmp_hex_field(f, "data_hex", s, err, errlen));
    oer_write_var_octets(out, s);
    return DEC_OK;
}

static int dec_var_octets_prefix(json_t *f, slice_t in, int flags, buf_t *out, char *err,
                                 size_t errlen)
{
    (void)flags;
    slice_t s, rest;
    VEC_TRY(read_prefixed(in, oer_read_var_octets, "var octets", &s, &rest, err, errlen));
    CMP(vec_cmp_hex_field(f, "data_hex", s, err, errlen));
    CMP(vec_cmp_hex_field(f, "remaining_hex", rest, err, errlen));
    oer_write_var_octets(out, s);
    buf_append(out, rest.ptr, rest.len);
    return DEC_OK;
}

static int dec_address_varstring(json_t *f, slice_t in, int flags, buf_t *out, char *err,
                                 size_t errlen)
{
    (void)flags;
    slice_t s;
    VEC_TRY(read_prefixed(in, oer_read_var_octets, "var string", &s, NULL, err, errlen));
    ilp_address_result_t ar = ilp_address_validate(s);
    if (ar != ILP_ADDR_OK)
        return rejected(err, errlen, "address", ilp_address_result_str(ar));
    CMP(vec_cmp_str_field(f, "address", s, err, errlen));
    oer_write_var_octets(out, s);
    return DEC_OK;
}

static int dec_timestamp(json_t *f, slice_t in, int flags, buf_t *out, char *err, size_t errlen)
{
    (void)flags;
    int64_t ms;
    ilp_result_t rc = ilp_time_parse(in, &ms);
    if (rc != ILP_OK)
        return rejected(err, errlen, "timestamp", ilp_result_str(rc));
    char wire[ILP_TIMESTAMP_LEN + 1], iso[ILP_ISO_TIME_LEN + 1];
    if (ilp_time_format(ms, wire) != ILP_OK || ilp_time_format_iso(ms, iso) != ILP_OK)
        return mismatch(err, errlen, "cannot format the decoded time");
    CMP(vec_cmp_str_field(f, "wire", SLICE(wire, ILP_TIMESTAMP_LEN), err, errlen));
    CMP(vec_cmp_str_field(f, "iso", SLICE(iso, ILP_ISO_TIME_LEN), err, errlen));
    buf_append(out, wire, ILP_TIMESTAMP_LEN);
    return DEC_OK;
}

/* ---- ILP packets ---- */

static int cmp_fulfill(json_t *f, const ilp_fulfill_t *p, char *err, size_t errlen)
{
    CMP(vec_cmp_hex_field(f, "fulfillment_hex", SLICE(p->fulfillment, ILP_FULFILLMENT_LEN), err,
                          errlen));
    CMP(vec_cmp_hex_field(f, "data_hex", p->data, err, errlen));
    return DEC_OK;
}

static int cmp_reject(json_t *f, const ilp_reject_t *p, char *err, size_t errlen)
{
    CMP(vec_cmp_str_field(f, "code", SLICE(p->code, 3), err, errlen));
    CMP(vec_cmp_str_field(f, "triggered_by", p->triggered_by, err, errlen));
    CMP(vec_cmp_str_field(f, "message", p->message, err, errlen));
    CMP(vec_cmp_hex_field(f, "data_hex", p->data, err, errlen));
    return DEC_OK;
}

static int cmp_packet(json_t *f, const ilp_packet_t *p, char *err, size_t errlen)
{
    switch (p->type) {
    case ILP_TYPE_PREPARE:
        CMP(vec_cmp_prepare(f, &p->u.prepare, err, errlen));
        return DEC_OK;
    case ILP_TYPE_FULFILL:
        return cmp_fulfill(f, &p->u.fulfill, err, errlen);
    case ILP_TYPE_REJECT:
        return cmp_reject(f, &p->u.reject, err, errlen);
    }
    return mismatch(err, errlen, "unknown packet type");
}

/* Decode any packet; when want is non-zero the type must be want. */
static int dec_packet_typed(json_t *f, slice_t in, int flags, buf_t *out, char *err, size_t errlen,
                            uint8_t want)
{
    ilp_packet_t p;
    ilp_result_t rc = ilp_packet_decode(in, flags, &p);
    if (rc != ILP_OK)
        return rejected(err, errlen, "ILP packet", ilp_result_str(rc));
    if (want != 0 && p.type != want)
        return rejected(err, errlen, "ILP packet", "wrong packet type");
    json_t *jt = json_object_get(f, "type");
    if (json_is_integer(jt) && json_integer_value(jt) != p.type)
        return mismatch(err, errlen, "type differs from fields.type");
    VEC_TRY(cmp_packet(f, &p, err, errlen));
    rc = ilp_packet_encode(out, &p);
    if (rc != ILP_OK)
        return mismatch(err, errlen, ilp_result_str(rc));
    return DEC_OK;
}

static int dec_prepare(json_t *f, slice_t in, int flags, buf_t *out, char *err, size_t errlen)
{
    return dec_packet_typed(f, in, flags, out, err, errlen, ILP_TYPE_PREPARE);
}

static int dec_fulfill(json_t *f, slice_t in, int flags, buf_t *out, char *err, size_t errlen)
{
    return dec_packet_typed(f, in, flags, out, err, errlen, ILP_TYPE_FULFILL);
}

static int dec_reject(json_t *f, slice_t in, int flags, buf_t *out, char *err, size_t errlen)
{
    return dec_packet_typed(f, in, flags, out, err, errlen, ILP_TYPE_REJECT);
}

static int dec_any_packet(json_t *f, slice_t in, int flags, buf_t *out, char *err, size_t errlen)
{
    return dec_packet_typed(f, in, flags, out, err, errlen, 0);
}

static int dec_f08(json_t *f, slice_t in, int flags, buf_t *out, char *err, size_t errlen)
{
    (void)flags;
    uint64_t received, maximum;
    ilp_result_t rc = ilp_f08_data_decode(in, &received, &maximum);
    if (rc != ILP_OK)
        return rejected(err, errlen, "F08 data", ilp_result_str(rc));
    CMP(vec_cmp_u64_field(f, "received_amount", received, err, errlen));
    CMP(vec_cmp_u64_field(f, "maximum_amount", maximum, err, errlen));
    uint8_t data[ILP_F08_DATA_LEN];
    ilp_f08_data_encode(data, received, maximum);
    buf_append(out, data, sizeof(data));
    return DEC_OK;
}

/* ---- IL-DCP ---- */

/* "YYYY-MM-DDTHH:MM:SS[.mmm]Z" as Unix milliseconds; -1 when malformed. */
static int64_t iso_ms(const char *s)
{
    int y, mo, d, h, mi, sec, ms = 0, used = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &used) != 6)
        return -1;
    s += used;
    if (*s == '.' && sscanf(s + 1, "%3d%n", &ms, &used) == 1)
        s += 1 + used;
    if (strcmp(s, "Z") != 0 || mo < 1 || mo > 12 || d < 1 || d > 31)
        return -1;
    return ((civil_days_from_date(y, mo, d) * 24 + h) * 60 + mi) * 60000 + sec * 1000 + ms;
}

static int dec_ildcp_request(json_t *f, slice_t in, int flags, buf_t *out, char *err, size_t errlen)
{
    ilp_packet_t p;
    ilp_result_t rc = ilp_packet_decode(in, flags, &p);
    if (rc != ILP_OK)
        return rejected(err, errlen, "IL-DCP request", ilp_result_str(rc));
    if (p.type != ILP_TYPE_PREPARE)
        return rejected(err, errlen, "IL-DCP request", "not a Prepare");
    if (!ildcp_request_valid(&p.u.prepare))
        return rejected(err, errlen, "IL-DCP request",
                        "not peer.config with amount 0, peer condition and empty data");
    /* with a clock (vector conventions: "now"), a request that has expired is invalid */
    const char *now = vec_str(f, "now", NULL);
    if (now) {
        int64_t now_ms = iso_ms(now);
        if (now_ms < 0)
            return vec_fail(err, errlen, "now is not an ISO 8601 UTC time"), DEC_MISMATCH;
        if (p.u.prepare.expires_at_ms <= now_ms)
            return rejected(err, errlen, "IL-DCP request", "expired at now");
    }
    CMP(vec_cmp_prepare(f, &p.u.prepare, err, errlen));
    rc = ildcp_request_encode(out, p.u.prepare.expires_at_ms);
    if (rc != ILP_OK)
        return mismatch(err, errlen, ilp_result_str(rc));
    return DEC_OK;
}

static int dec_ildcp_response(json_t *f, slice_t in, int flags, buf_t *out, char *err,
                              size_t errlen)
{
    (void)flags;
    ildcp_response_t resp;
    ildcp_result_t rc = ildcp_response_decode(in, &resp, NULL);
    if (rc != ILDCP_OK)
        return rejected(err, errlen, "IL-DCP response", ildcp_result_str(rc));
    ilp_fulfill_t ful;
    if (ilp_fulfill_decode(in, &ful) != ILP_OK)
        return mismatch(err, errlen, "fulfill decode disagrees");
    CMP(cmp_fulfill(f, &ful, err, errlen) == DEC_OK ? VEC_PASS : VEC_FAIL);
    CMP(vec_cmp_str_field(f, "client_address", resp.client_address, err, errlen));
    CMP(vec_cmp_u64_field(f, "asset_scale", resp.asset_scale, err, errlen));
    CMP(vec_cmp_str_field(f, "asset_code", resp.asset_code, err, errlen));
    if (ildcp_response_encode(out, &resp) != ILDCP_OK)
        return mismatch(err, errlen, "cannot re-encode the response");
    return DEC_OK;
}

/* ---- CCP ---- */

static int cmp_uuid(json_t *f, const char *key, const uint8_t id[16], char *err, size_t errlen)
{
    char s[37];
    char hex[33];
    hex_encode(hex, sizeof(hex), id, 16);
    snprintf(s, sizeof(s), "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
    return vec_cmp_str_field(f, key, SLICE(s, 36), err, errlen);
}

static int cmp_strings(json_t *f, const char *key, const slice_t *got, size_t n, char *err,
                       size_t errlen)
{
    json_t *arr = json_object_get(f, key);
    if (arr == NULL)
        return VEC_PASS;
    if (!json_is_array(arr) || json_array_size(arr) != n)
        return vec_fail(err, errlen, "%s: got %zu entries, want %zu", key, n, json_array_size(arr));
    for (size_t i = 0; i < n; i++) {
        json_t *w = json_array_get(arr, i);
        if (!json_is_string(w) ||
            !slice_eq(got[i], SLICE(json_string_value(w), json_string_length(w))))
            return vec_fail(err, errlen, "%s[%zu] differs", key, i);
    }
    return VEC_PASS;
}

/* Decode a peer-protocol Prepare to dest; its data goes to *data. */
static int dec_ccp_prepare(json_t *f, slice_t in, int flags, const char *dest, ilp_prepare_t *p,
                           char *err, size_t errlen)
{
    ilp_packet_t pk;
    ilp_result_t rc = ilp_packet_decode(in, flags, &pk);
    if (rc != ILP_OK)
        return rejected(err, errlen, "CCP prepare", ilp_result_str(rc));
    if (pk.type != ILP_TYPE_PREPARE || !slice_eq_str(pk.u.prepare.destination, dest))
        return rejected(err, errlen, "CCP prepare", "not a Prepare to the CCP address");
    *p = pk.u.prepare;
    CMP(vec_cmp_prepare(json_object_get(f, "prepare"), p, err, errlen));
    return DEC_OK;
}

static int reencode_prepare(const ilp_prepare_t *p, buf_t *data, buf_t *out, char *err,
                            size_t errlen)
{
    ilp_prepare_t q = *p;
    q.data = buf_slice(data);
    ilp_result_t rc = ilp_prepare_encode(out, &q);
    buf_free(data);
    return rc == ILP_OK ? DEC_OK : mismatch(err, errlen, ilp_result_str(rc));
}

static int dec_ccp_control(json_t *f, slice_t in, int flags, buf_t *out, char *err, size_t errlen)
{
    ilp_prepare_t p;
    VEC_TRY(dec_ccp_prepare(f, in, flags, CCP_CONTROL_DESTINATION, &p, err, errlen));
    ccp_route_control_t c;
    ccp_result_t rc = ccp_route_control_decode(p.data, &c);
    if (rc != CCP_OK)
        return rejected(err, errlen, "route control", ccp_result_str(rc));
    CMP(vec_cmp_u64_field(f, "mode", c.mode, err, errlen));
    CMP(cmp_uuid(f, "last_known_routing_table_id", c.last_known_routing_table_id, err, errlen));
    CMP(vec_cmp_u64_field(f, "last_known_epoch", c.last_known_epoch, err, errlen));
    CMP(cmp_strings(f, "features", c.features, c.n_features, err, errlen));
    buf_t data;
    buf_init(&data, ILP_DATA_MAX_LEN);
    if (ccp_route_control_encode(&data, &c) != CCP_OK) {
        buf_free(&data);
        return mismatch(err, errlen, "cannot re-encode route control");
    }
    return reencode_prepare(&p, &data, out, err, errlen);
}

static int cmp_routes(json_t *f, const ccp_route_update_t *u, char *err, size_t errlen)
{
    json_t *arr = json_object_get(f, "new_routes");
    if (arr == NULL)
        return VEC_PASS;
    if (!json_is_array(arr) || json_array_size(arr) != u->n_new_routes)
        return vec_fail(err, errlen, "new_routes: got %zu, want %zu", u->n_new_routes,
                        json_array_size(arr));
    for (size_t i = 0; i < u->n_new_routes; i++) {
        json_t *w = json_array_get(arr, i);
        const ccp_route_t *rt = &u->new_routes[i];
        if (vec_cmp_str_field(w, "prefix", rt->prefix, err, errlen) != VEC_PASS ||
            cmp_strings(w, "path", rt->path, rt->n_path, err, errlen) != VEC_PASS ||
            vec_cmp_hex_field(w, "auth_hex", SLICE(rt->auth, CCP_AUTH_LEN), err, errlen) !=
                VEC_PASS)
            return VEC_FAIL;
    }
    return VEC_PASS;
}

static int dec_ccp_update(json_t *f, slice_t in, int flags, buf_t *out, char *err, size_t errlen)
{
    static ccp_route_t routes[64];
    static slice_t withdrawn[256];
    ilp_prepare_t p;
    VEC_TRY(dec_ccp_prepare(f, in, flags, CCP_UPDATE_DESTINATION, &p, err, errlen));
    ccp_route_update_t u = {
        .new_routes = routes, .new_routes_cap = 64, .withdrawn = withdrawn, .withdrawn_cap = 256};
    ccp_result_t rc = ccp_route_update_decode(p.data, &u);
    if (rc != CCP_OK)
        return rejected(err, errlen, "route update", ccp_result_str(rc));
    CMP(cmp_uuid(f, "routing_table_id", u.routing_table_id, err, errlen));
    CMP(vec_cmp_u64_field(f, "current_epoch_index", u.current_epoch_index, err, errlen));
    CMP(vec_cmp_u64_field(f, "from_epoch_index", u.from_epoch_index, err, errlen));
    CMP(vec_cmp_u64_field(f, "to_epoch_index", u.to_epoch_index, err, errlen));
    CMP(vec_cmp_u64_field(f, "hold_down_time", u.hold_down_time_ms, err, errlen));
    CMP(vec_cmp_str_field(f, "speaker", u.speaker, err, errlen));
    CMP(cmp_routes(f, &u, err, errlen));
    CMP(cmp_strings(f, "withdrawn_routes", u.withdrawn, u.n_withdrawn, err, errlen));
    buf_t data;
    buf_init(&data, ILP_DATA_MAX_LEN);
    if (ccp_route_update_encode(&data, &u) != CCP_OK) {
        buf_free(&data);
        return mismatch(err, errlen, "cannot re-encode route update");
    }
    return reencode_prepare(&p, &data, out, err, errlen);
}

/* ---- handlers ---- */

#define BINARY_HANDLER(name, fn)                                                                   \
    static int name(json_t *vec, char *err, size_t errlen)                                         \
    {                                                                                              \
        return run_binary(vec, err, errlen, fn);                                                   \
    }

BINARY_HANDLER(h_fixed_uint, dec_fixed_uint)
BINARY_HANDLER(h_length, dec_length)
BINARY_HANDLER(h_var_uint, dec_var_uint)
BINARY_HANDLER(h_var_uint_bytes, dec_var_uint_bytes)
BINARY_HANDLER(h_var_octets, dec_var_octets)
BINARY_HANDLER(h_var_octets_prefix, dec_var_octets_prefix)
BINARY_HANDLER(h_address_varstring, dec_address_varstring)
BINARY_HANDLER(h_timestamp, dec_timestamp)
BINARY_HANDLER(h_prepare, dec_prepare)
BINARY_HANDLER(h_fulfill, dec_fulfill)
BINARY_HANDLER(h_reject, dec_reject)
BINARY_HANDLER(h_packet, dec_any_packet)
BINARY_HANDLER(h_f08, dec_f08)
/* "now" may sit beside "fields" or inside them; the decoder reads it from the fields. */
static int h_ildcp_request(json_t *vec, char *err, size_t errlen)
{
    json_t *now = json_object_get(vec, "now");
    json_t *f = json_object_get(vec, "fields");
    if (now && json_is_object(f) && !json_object_get(f, "now"))
        json_object_set(f, "now", now);
    return run_binary(vec, err, errlen, dec_ildcp_request);
}
BINARY_HANDLER(h_ildcp_response, dec_ildcp_response)
BINARY_HANDLER(h_ccp_control, dec_ccp_control)
BINARY_HANDLER(h_ccp_update, dec_ccp_update)

/* Apply expect to a check that either holds (ok) or not (with reason in err). */
static int expect_result(json_t *vec, bool ok, char *err, size_t errlen)
{
    vec_expect_t e = vec_expect(vec);
    if (e == VEC_EXPECT_UNKNOWN) {
        snprintf(err, errlen, "unknown expect");
        return VEC_SKIP;
    }
    if (e == VEC_EXPECT_INVALID)
        return ok ? vec_fail(err, errlen, "accepted an invalid value") : VEC_PASS;
    return ok ? VEC_PASS : VEC_FAIL;
}

static int h_address_check(json_t *vec, const char *a, size_t n, char *err, size_t errlen);

static int h_address(json_t *vec, char *err, size_t errlen)
{
    json_t *f = vec_fields(vec);
    size_t n;
    const char *a = vec_str(f, "address", &n);
    buf_t bytes = {0};
    if (a == NULL && json_object_get(f, "address_hex")) {
        /* an address given as its bytes, where they are not valid text */
        if (vec_hex(f, "address_hex", &bytes, err, errlen) != 0)
            return VEC_FAIL;
        a = (const char *)bytes.ptr, n = bytes.len;
    }
    if (a == NULL)
        return vec_fail(err, errlen, "missing fields.address");
    int res = h_address_check(vec, a, n, err, errlen);
    buf_free(&bytes);
    return res;
}

static int h_address_check(json_t *vec, const char *a, size_t n, char *err, size_t errlen)
{
    ilp_address_result_t rc = ilp_address_validate(SLICE(a, n));
    bool ok = rc == ILP_ADDR_OK;
    if (!ok)
        snprintf(err, errlen, "address rejected: %s", ilp_address_result_str(rc));
    if (ok && vec_cmp_hex_field(vec, "hex", SLICE(a, n), err, errlen) != VEC_PASS)
        return VEC_FAIL;
    return expect_result(vec, ok, err, errlen);
}

static int h_sha256(json_t *vec, char *err, size_t errlen)
{
    json_t *f = vec_fields(vec);
    buf_t pre;
    if (vec_hex(f, "preimage_hex", &pre, err, errlen) != 0)
        return VEC_FAIL;
    uint8_t d[SHA256_LEN];
    sha256(d, pre.ptr, pre.len);
    buf_free(&pre);
    bool ok = vec_cmp_hex_field(f, "digest_hex", SLICE(d, sizeof(d)), err, errlen) == VEC_PASS &&
              vec_cmp_hex_field(vec, "hex", SLICE(d, sizeof(d)), err, errlen) == VEC_PASS;
    return expect_result(vec, ok, err, errlen);
}

static int h_payment_pointer(json_t *vec, char *err, size_t errlen)
{
    json_t *f = vec_fields(vec);
    size_t n;
    const char *pp = vec_str(f, "payment_pointer", &n);
    if (pp == NULL)
        return vec_fail(err, errlen, "missing fields.payment_pointer");
    char url[POINTER_MAX_LEN + 64];
    pointer_result_t rc = payment_pointer_resolve(pp, n, url, sizeof(url));
    bool ok = rc == POINTER_OK;
    if (!ok)
        snprintf(err, errlen, "pointer rejected: %s", pointer_result_str(rc));
    else
        ok = vec_cmp_str_field(f, "url", SLICE(url, strlen(url)), err, errlen) == VEC_PASS;
    return expect_result(vec, ok, err, errlen);
}

/* SPSP response: the body's secret decodes (base64 or base64url) to 32 bytes equal to
 * shared_secret_hex, and destination_account is a valid address equal to the field. */
static bool spsp_check(json_t *f, char *err, size_t errlen)
{
    json_t *body = json_object_get(f, "body");
    size_t n, an;
    const char *secret = vec_str(body, "shared_secret", &n);
    const char *dest = vec_str(body, "destination_account", &an);
    const char *ct = vec_str(f, "content_type", NULL);
    if (secret == NULL || dest == NULL)
        return vec_fail(err, errlen, "body lacks shared_secret or destination_account"), false;
    if (ct != NULL && strncmp(ct, "application/spsp4+json", 22) != 0)
        return vec_fail(err, errlen, "content type %s", ct), false;
    uint8_t key[64];
    ssize_t kn = b64_decode(key, sizeof(key), secret, n, B64_LENIENT);
    if (kn != STREAM_SHARED_SECRET_LEN)
        return vec_fail(err, errlen, "shared_secret does not decode to 32 bytes"), false;
    if (!ilp_address_is_valid(SLICE(dest, an)))
        return vec_fail(err, errlen, "destination_account is not an ILP address"), false;
    return vec_cmp_hex_field(f, "shared_secret_hex", SLICE(key, 32), err, errlen) == VEC_PASS &&
           vec_cmp_str_field(f, "destination_account", SLICE(dest, an), err, errlen) == VEC_PASS;
}

static int h_spsp_response(json_t *vec, char *err, size_t errlen)
{
    return expect_result(vec, spsp_check(vec_fields(vec), err, errlen), err, errlen);
}

const vector_handler_t ilp_vector_handlers[] = {
    {"fixed_uint", h_fixed_uint},
    {"length_prefix", h_length},
    {"var_uint", h_var_uint},
    {"var_uint_bytes", h_var_uint_bytes},
    {"var_octet_string", h_var_octets},
    {"var_octet_string_prefix", h_var_octets_prefix},
    {"address_varstring", h_address_varstring},
    {"ilp_timestamp", h_timestamp},
    {"ilp_prepare", h_prepare},
    {"ilp_fulfill", h_fulfill},
    {"ilp_reject", h_reject},
    {"ilp_packet", h_packet},
    {"f08_error_data", h_f08},
    {"ilp_address", h_address},
    {"ildcp_request", h_ildcp_request},
    {"ildcp_response", h_ildcp_response},
    {"sha256", h_sha256},
    {"ccp_route_control", h_ccp_control},
    {"ccp_route_update", h_ccp_update},
    {"payment_pointer", h_payment_pointer},
    {"spsp_response", h_spsp_response},
    {NULL, NULL},
};
