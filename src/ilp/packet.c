/*
 * ILPv4 packet codec (RFC 0027). Decoding walks the envelope with an oer_reader_t and checks
 * every field against limits.h; encoding validates first, then appends, so a failed encode
 * leaves the buffer as it was. Timestamps use the proleptic Gregorian calendar in UTC with
 * integer day arithmetic (no libc time zone code).
 */
#include "ilp/packet.h"

#include <string.h>

#include "base/assert.h"
#include "base/civil.h"
#include "ilp/address.h"
#include "ilp/oer.h"

#define MS_PER_DAY 86400000LL

const char *ilp_result_str(ilp_result_t r)
{
    switch (r) {
    case ILP_OK:
        return "ok";
    case ILP_ERR_EMPTY:
        return "empty packet";
    case ILP_ERR_UNKNOWN_TYPE:
        return "unknown packet type";
    case ILP_ERR_WRONG_TYPE:
        return "unexpected packet type";
    case ILP_ERR_TRUNCATED:
        return "packet truncated";
    case ILP_ERR_NON_CANONICAL:
        return "non-canonical length";
    case ILP_ERR_LENGTH_TOO_LARGE:
        return "length too large";
    case ILP_ERR_TRAILING_BYTES:
        return "trailing bytes";
    case ILP_ERR_BAD_TIMESTAMP:
        return "invalid timestamp";
    case ILP_ERR_BAD_ADDRESS:
        return "invalid ILP address";
    case ILP_ERR_DATA_TOO_LONG:
        return "data longer than 32767 bytes";
    case ILP_ERR_MESSAGE_TOO_LONG:
        return "message longer than 8191 bytes";
    case ILP_ERR_BAD_CODE:
        return "invalid error code";
    case ILP_ERR_BUFFER:
        return "output buffer full";
    case ILP_ERR_BAD_F08_DATA:
        return "invalid F08 error data";
    }
    return "unknown ILP error";
}

/* ---- timestamps ---- */

static bool digits(const uint8_t *p, size_t n, int64_t *out)
{
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return true;
}

typedef struct {
    int64_t year, month, day, hour, min, sec, ms;
} civil_t;

static ilp_result_t civil_to_ms(const civil_t *c, int64_t *ms)
{
    if (c->month < 1 || c->month > 12 || c->day < 1 ||
        c->day > civil_days_in_month(c->year, (int)c->month) || c->hour > 23 || c->min > 59 ||
        c->sec > 59)
        return ILP_ERR_BAD_TIMESTAMP;
    int64_t days = civil_days_from_date(c->year, (int)c->month, (int)c->day);
    *ms = days * MS_PER_DAY + ((c->hour * 60 + c->min) * 60 + c->sec) * 1000 + c->ms;
    return ILP_OK;
}

static ilp_result_t ms_to_civil(int64_t ms, civil_t *c)
{
    if (ms < ILP_TIME_MIN_MS || ms > ILP_TIME_MAX_MS)
        return ILP_ERR_BAD_TIMESTAMP;
    int64_t days = ms >= 0 ? ms / MS_PER_DAY : -((-ms + MS_PER_DAY - 1) / MS_PER_DAY);
    int64_t rem = ms - days * MS_PER_DAY;
    int m, d;
    civil_date_from_days(days, &c->year, &m, &d);
    c->month = m;
    c->day = d;
    c->ms = rem % 1000;
    c->sec = rem / 1000 % 60;
    c->min = rem / 60000 % 60;
    c->hour = rem / 3600000;
    return ILP_OK;
}

ilp_result_t ilp_time_parse(slice_t s, int64_t *ms)
{
    civil_t c;
    const uint8_t *p = s.ptr;
    if (s.len != ILP_TIMESTAMP_LEN || !digits(p, 4, &c.year) || !digits(p + 4, 2, &c.month) ||
        !digits(p + 6, 2, &c.day) || !digits(p + 8, 2, &c.hour) || !digits(p + 10, 2, &c.min) ||
        !digits(p + 12, 2, &c.sec) || !digits(p + 14, 3, &c.ms))
        return ILP_ERR_BAD_TIMESTAMP;
    return civil_to_ms(&c, ms);
}

/* Writes v as exactly n decimal digits. */
static void put_digits(char *out, int64_t v, size_t n)
{
    for (size_t i = n; i > 0; i--) {
        out[i - 1] = (char)('0' + v % 10);
        v /= 10;
    }
}

ilp_result_t ilp_time_format(int64_t ms, char out[ILP_TIMESTAMP_LEN + 1])
{
    civil_t c;
    if (ms_to_civil(ms, &c) != ILP_OK)
        return ILP_ERR_BAD_TIMESTAMP;
    put_digits(out, c.year, 4);
    put_digits(out + 4, c.month, 2);
    put_digits(out + 6, c.day, 2);
    put_digits(out + 8, c.hour, 2);
    put_digits(out + 10, c.min, 2);
    put_digits(out + 12, c.sec, 2);
    put_digits(out + 14, c.ms, 3);
    out[ILP_TIMESTAMP_LEN] = '\0';
    return ILP_OK;
}

/* "YYYY-MM-DDTHH:mm:ss.sssZ": positions of the separators, and of the digit groups. */
static const char ISO_TEMPLATE[] = "0000-00-00T00:00:00.000Z";

ilp_result_t ilp_time_format_iso(int64_t ms, char out[ILP_ISO_TIME_LEN + 1])
{
    civil_t c;
    if (ms_to_civil(ms, &c) != ILP_OK)
        return ILP_ERR_BAD_TIMESTAMP;
    memcpy(out, ISO_TEMPLATE, sizeof(ISO_TEMPLATE));
    put_digits(out, c.year, 4);
    put_digits(out + 5, c.month, 2);
    put_digits(out + 8, c.day, 2);
    put_digits(out + 11, c.hour, 2);
    put_digits(out + 14, c.min, 2);
    put_digits(out + 17, c.sec, 2);
    put_digits(out + 20, c.ms, 3);
    return ILP_OK;
}

ilp_result_t ilp_time_parse_iso(slice_t s, int64_t *ms)
{
    if (s.len != ILP_ISO_TIME_LEN)
        return ILP_ERR_BAD_TIMESTAMP;
    for (size_t i = 0; i < ILP_ISO_TIME_LEN; i++)
        if (ISO_TEMPLATE[i] != '0' && s.ptr[i] != (uint8_t)ISO_TEMPLATE[i])
            return ILP_ERR_BAD_TIMESTAMP;
    civil_t c;
    const uint8_t *p = s.ptr;
    if (!digits(p, 4, &c.year) || !digits(p + 5, 2, &c.month) || !digits(p + 8, 2, &c.day) ||
        !digits(p + 11, 2, &c.hour) || !digits(p + 14, 2, &c.min) || !digits(p + 17, 2, &c.sec) ||
        !digits(p + 20, 3, &c.ms))
        return ILP_ERR_BAD_TIMESTAMP;
    return civil_to_ms(&c, ms);
}

/* ---- decoding ---- */

static ilp_result_t from_oer(oer_result_t rc)
{
    switch (rc) {
    case OER_OK:
        return ILP_OK;
    case OER_TRUNCATED:
        return ILP_ERR_TRUNCATED;
    case OER_NON_CANONICAL:
    case OER_INDEFINITE:
        return ILP_ERR_NON_CANONICAL;
    case OER_TOO_LARGE:
        return ILP_ERR_LENGTH_TOO_LARGE;
    }
    return ILP_ERR_TRUNCATED;
}

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        ilp_result_t try_rc_ = (expr);                                                             \
        if (try_rc_ != ILP_OK)                                                                     \
            return try_rc_;                                                                        \
    } while (0)

uint8_t ilp_packet_peek_type(slice_t in)
{
    return in.len ? in.ptr[0] : 0;
}

static ilp_result_t decode_envelope(slice_t in, int flags, uint8_t *type, slice_t *contents)
{
    if (in.len == 0)
        return ILP_ERR_EMPTY;
    oer_reader_t r = oer_reader(in);
    TRY(from_oer(oer_read_u8(&r, type)));
    if (*type < ILP_TYPE_PREPARE || *type > ILP_TYPE_REJECT)
        return ILP_ERR_UNKNOWN_TYPE;
    TRY(from_oer(oer_read_var_octets(&r, contents)));
    if (oer_remaining(&r) != 0 && !(flags & ILP_DECODE_LENIENT))
        return ILP_ERR_TRAILING_BYTES;
    return ILP_OK;
}

static ilp_result_t read_data(oer_reader_t *r, slice_t *data)
{
    TRY(from_oer(oer_read_var_octets(r, data)));
    return data->len > ILP_DATA_MAX_LEN ? ILP_ERR_DATA_TOO_LONG : ILP_OK;
}

static ilp_result_t finish(const oer_reader_t *r, int flags)
{
    if (oer_remaining(r) != 0 && !(flags & ILP_DECODE_LENIENT))
        return ILP_ERR_TRAILING_BYTES;
    return ILP_OK;
}

static ilp_result_t decode_prepare(slice_t c, int flags, ilp_prepare_t *out)
{
    oer_reader_t r = oer_reader(c);
    slice_t s;
    TRY(from_oer(oer_read_u64(&r, &out->amount)));
    TRY(from_oer(oer_read_fixed(&r, ILP_TIMESTAMP_LEN, &s)));
    TRY(ilp_time_parse(s, &out->expires_at_ms));
    TRY(from_oer(oer_read_fixed(&r, ILP_CONDITION_LEN, &s)));
    memcpy(out->condition, s.ptr, ILP_CONDITION_LEN);
    TRY(from_oer(oer_read_var_octets(&r, &out->destination)));
    if (!ilp_address_is_valid(out->destination))
        return ILP_ERR_BAD_ADDRESS;
    TRY(read_data(&r, &out->data));
    return finish(&r, flags);
}

static ilp_result_t decode_fulfill(slice_t c, int flags, ilp_fulfill_t *out)
{
    oer_reader_t r = oer_reader(c);
    slice_t s;
    TRY(from_oer(oer_read_fixed(&r, ILP_FULFILLMENT_LEN, &s)));
    memcpy(out->fulfillment, s.ptr, ILP_FULFILLMENT_LEN);
    TRY(read_data(&r, &out->data));
    return finish(&r, flags);
}

/* A Reject code is three IA5 characters (RFC 0027: IA5String of size 3). Unregistered codes
 * (e.g. "tw\x7f") are valid and relayed as they came, as the JavaScript ilp-packet and
 * interledger-rs do; only bytes outside IA5 (0x80 and up) are not. */
static bool code_valid(const uint8_t *p)
{
    for (int i = 0; i < 3; i++)
        if (p[i] >= 0x80)
            return false;
    return true;
}

static ilp_result_t decode_reject(slice_t c, int flags, ilp_reject_t *out)
{
    oer_reader_t r = oer_reader(c);
    slice_t s;
    TRY(from_oer(oer_read_fixed(&r, 3, &s)));
    if (!code_valid(s.ptr))
        return ILP_ERR_BAD_CODE;
    memcpy(out->code, s.ptr, 3);
    out->code[3] = '\0'; /* a terminator for the common case; the code is always 3 bytes */
    TRY(from_oer(oer_read_var_octets(&r, &out->triggered_by)));
    if (out->triggered_by.len != 0 && !ilp_address_is_valid(out->triggered_by))
        return ILP_ERR_BAD_ADDRESS;
    TRY(from_oer(oer_read_var_octets(&r, &out->message)));
    if (out->message.len > ILP_MESSAGE_MAX_LEN)
        return ILP_ERR_MESSAGE_TOO_LONG;
    TRY(read_data(&r, &out->data));
    return finish(&r, flags);
}

ilp_result_t ilp_packet_decode(slice_t in, int flags, ilp_packet_t *out)
{
    uint8_t type;
    slice_t c;
    TRY(decode_envelope(in, flags, &type, &c));
    out->type = (ilp_packet_type_t)type;
    switch (out->type) {
    case ILP_TYPE_PREPARE:
        return decode_prepare(c, flags, &out->u.prepare);
    case ILP_TYPE_FULFILL:
        return decode_fulfill(c, flags, &out->u.fulfill);
    case ILP_TYPE_REJECT:
        return decode_reject(c, flags, &out->u.reject);
    }
    return ILP_ERR_UNKNOWN_TYPE;
}

/* Decode a packet that must be of type want. */
static ilp_result_t decode_typed(slice_t in, uint8_t want, slice_t *c)
{
    uint8_t type;
    TRY(decode_envelope(in, ILP_DECODE_STRICT, &type, c));
    return type == want ? ILP_OK : ILP_ERR_WRONG_TYPE;
}

ilp_result_t ilp_prepare_decode(slice_t in, ilp_prepare_t *out)
{
    slice_t c;
    TRY(decode_typed(in, ILP_TYPE_PREPARE, &c));
    return decode_prepare(c, ILP_DECODE_STRICT, out);
}

ilp_result_t ilp_fulfill_decode(slice_t in, ilp_fulfill_t *out)
{
    slice_t c;
    TRY(decode_typed(in, ILP_TYPE_FULFILL, &c));
    return decode_fulfill(c, ILP_DECODE_STRICT, out);
}

ilp_result_t ilp_reject_decode(slice_t in, ilp_reject_t *out)
{
    slice_t c;
    TRY(decode_typed(in, ILP_TYPE_REJECT, &c));
    return decode_reject(c, ILP_DECODE_STRICT, out);
}

/* ---- encoding ---- */

static size_t var_size(size_t n)
{
    return oer_length_size(n) + n;
}

static size_t prepare_contents_size(const ilp_prepare_t *p)
{
    return 8 + ILP_TIMESTAMP_LEN + ILP_CONDITION_LEN + var_size(p->destination.len) +
           var_size(p->data.len);
}

static size_t fulfill_contents_size(const ilp_fulfill_t *f)
{
    return ILP_FULFILLMENT_LEN + var_size(f->data.len);
}

static size_t reject_contents_size(const ilp_reject_t *r)
{
    return 3 + var_size(r->triggered_by.len) + var_size(r->message.len) + var_size(r->data.len);
}

size_t ilp_prepare_encoded_size(const ilp_prepare_t *p)
{
    return 1 + var_size(prepare_contents_size(p));
}

size_t ilp_fulfill_encoded_size(const ilp_fulfill_t *f)
{
    return 1 + var_size(fulfill_contents_size(f));
}

size_t ilp_reject_encoded_size(const ilp_reject_t *r)
{
    return 1 + var_size(reject_contents_size(r));
}

/* Checks b's sticky failure flag; on failure rolls the length back to mark. */
static ilp_result_t finish_write(buf_t *b, size_t mark)
{
    if (!b->failed)
        return ILP_OK;
    if (b->len > mark)
        b->len = mark;
    return ILP_ERR_BUFFER;
}

ilp_result_t ilp_prepare_encode(buf_t *b, const ilp_prepare_t *p)
{
    char ts[ILP_TIMESTAMP_LEN + 1];
    TRY(ilp_time_format(p->expires_at_ms, ts));
    if (!ilp_address_is_valid(p->destination))
        return ILP_ERR_BAD_ADDRESS;
    if (p->data.len > ILP_DATA_MAX_LEN)
        return ILP_ERR_DATA_TOO_LONG;
    if (b->failed)
        return ILP_ERR_BUFFER;
    size_t mark = b->len;
    oer_write_u8(b, ILP_TYPE_PREPARE);
    oer_write_length(b, prepare_contents_size(p));
    oer_write_u64(b, p->amount);
    buf_append(b, ts, ILP_TIMESTAMP_LEN);
    buf_append(b, p->condition, ILP_CONDITION_LEN);
    oer_write_var_octets(b, p->destination);
    oer_write_var_octets(b, p->data);
    return finish_write(b, mark);
}

ilp_result_t ilp_fulfill_encode(buf_t *b, const ilp_fulfill_t *f)
{
    if (f->data.len > ILP_DATA_MAX_LEN)
        return ILP_ERR_DATA_TOO_LONG;
    if (b->failed)
        return ILP_ERR_BUFFER;
    size_t mark = b->len;
    oer_write_u8(b, ILP_TYPE_FULFILL);
    oer_write_length(b, fulfill_contents_size(f));
    buf_append(b, f->fulfillment, ILP_FULFILLMENT_LEN);
    oer_write_var_octets(b, f->data);
    return finish_write(b, mark);
}

ilp_result_t ilp_reject_encode(buf_t *b, const ilp_reject_t *r)
{
    /* exactly the three code bytes: a decoded code may hold NUL, which IA5 allows */
    if (r->code[3] != '\0' || !code_valid((const uint8_t *)r->code))
        return ILP_ERR_BAD_CODE;
    if (r->triggered_by.len != 0 && !ilp_address_is_valid(r->triggered_by))
        return ILP_ERR_BAD_ADDRESS;
    if (r->message.len > ILP_MESSAGE_MAX_LEN)
        return ILP_ERR_MESSAGE_TOO_LONG;
    if (r->data.len > ILP_DATA_MAX_LEN)
        return ILP_ERR_DATA_TOO_LONG;
    if (b->failed)
        return ILP_ERR_BUFFER;
    size_t mark = b->len;
    oer_write_u8(b, ILP_TYPE_REJECT);
    oer_write_length(b, reject_contents_size(r));
    buf_append(b, r->code, 3);
    oer_write_var_octets(b, r->triggered_by);
    oer_write_var_octets(b, r->message);
    oer_write_var_octets(b, r->data);
    return finish_write(b, mark);
}

ilp_result_t ilp_packet_encode(buf_t *b, const ilp_packet_t *p)
{
    switch (p->type) {
    case ILP_TYPE_PREPARE:
        return ilp_prepare_encode(b, &p->u.prepare);
    case ILP_TYPE_FULFILL:
        return ilp_fulfill_encode(b, &p->u.fulfill);
    case ILP_TYPE_REJECT:
        return ilp_reject_encode(b, &p->u.reject);
    }
    return ILP_ERR_UNKNOWN_TYPE;
}

/* ---- in-place rewrite ---- */

/* Offset of the amount field in an encoded Prepare, after checking the fixed part fits. */
static ilp_result_t prepare_fixed_offset(const uint8_t *pkt, size_t len, size_t *off)
{
    if (len == 0)
        return ILP_ERR_EMPTY;
    if (pkt[0] < ILP_TYPE_PREPARE || pkt[0] > ILP_TYPE_REJECT)
        return ILP_ERR_UNKNOWN_TYPE;
    if (pkt[0] != ILP_TYPE_PREPARE)
        return ILP_ERR_WRONG_TYPE;
    oer_reader_t r = oer_reader(SLICE(pkt, len));
    r.pos = 1;
    uint64_t n;
    TRY(from_oer(oer_read_length(&r, &n)));
    if (n < 8 + ILP_TIMESTAMP_LEN || oer_remaining(&r) < 8 + ILP_TIMESTAMP_LEN)
        return ILP_ERR_TRUNCATED;
    *off = r.pos;
    return ILP_OK;
}

ilp_result_t ilp_prepare_set_amount(uint8_t *pkt, size_t len, uint64_t amount)
{
    size_t off;
    TRY(prepare_fixed_offset(pkt, len, &off));
    for (size_t i = 0; i < 8; i++)
        pkt[off + i] = (uint8_t)(amount >> (56 - 8 * i));
    return ILP_OK;
}

ilp_result_t ilp_prepare_set_expiry(uint8_t *pkt, size_t len, int64_t expires_at_ms)
{
    size_t off;
    char ts[ILP_TIMESTAMP_LEN + 1];
    TRY(prepare_fixed_offset(pkt, len, &off));
    TRY(ilp_time_format(expires_at_ms, ts));
    memcpy(pkt + off + 8, ts, ILP_TIMESTAMP_LEN);
    return ILP_OK;
}

/* ---- F08 data ---- */

void ilp_f08_data_encode(uint8_t out[ILP_F08_DATA_LEN], uint64_t received, uint64_t maximum)
{
    for (size_t i = 0; i < 8; i++) {
        out[i] = (uint8_t)(received >> (56 - 8 * i));
        out[8 + i] = (uint8_t)(maximum >> (56 - 8 * i));
    }
}

ilp_result_t ilp_f08_data_decode(slice_t data, uint64_t *received, uint64_t *maximum)
{
    if (data.len != ILP_F08_DATA_LEN)
        return ILP_ERR_BAD_F08_DATA;
    oer_reader_t r = oer_reader(data);
    TRY(from_oer(oer_read_u64(&r, received)));
    return from_oer(oer_read_u64(&r, maximum));
}
