/* CCP route control / route update codec; see ccp.h for the wire format. */
#include "ilp/ccp.h"

#include <string.h>

#include "ilp/address.h"
#include "ilp/oer.h"

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        ccp_result_t try_rc_ = (expr);                                                             \
        if (try_rc_ != CCP_OK)                                                                     \
            return try_rc_;                                                                        \
    } while (0)
#define TRY_OER(expr)                                                                              \
    do {                                                                                           \
        if ((expr) != OER_OK)                                                                      \
            return CCP_ERR_TRUNCATED;                                                              \
    } while (0)

const char *ccp_result_str(ccp_result_t r)
{
    switch (r) {
    case CCP_OK:
        return "ok";
    case CCP_ERR_TRUNCATED:
        return "truncated or non-canonical CCP message";
    case CCP_ERR_TRAILING:
        return "trailing bytes after CCP message";
    case CCP_ERR_BAD_MODE:
        return "invalid CCP mode";
    case CCP_ERR_TOO_MANY:
        return "CCP list too long";
    case CCP_ERR_BAD_ADDRESS:
        return "invalid address in CCP message";
    case CCP_ERR_BUFFER:
        return "output buffer full";
    }
    return "unknown CCP error";
}

static ccp_result_t read_count(oer_reader_t *r, size_t max, size_t *n)
{
    uint64_t v;
    TRY_OER(oer_read_var_uint(r, &v));
    if (v > max)
        return CCP_ERR_TOO_MANY;
    *n = (size_t)v;
    return CCP_OK;
}

static ccp_result_t read_fixed(oer_reader_t *r, uint8_t *out, size_t n)
{
    slice_t s;
    TRY_OER(oer_read_fixed(r, n, &s));
    memcpy(out, s.ptr, n);
    return CCP_OK;
}

/* A list of var-strings; addresses are validated when check_address is set. */
static ccp_result_t read_strings(oer_reader_t *r, slice_t *out, size_t max, size_t *n,
                                 bool check_address)
{
    TRY(read_count(r, max, n));
    for (size_t i = 0; i < *n; i++) {
        TRY_OER(oer_read_var_octets(r, &out[i]));
        if (check_address && !ilp_address_is_valid(out[i]))
            return CCP_ERR_BAD_ADDRESS;
    }
    return CCP_OK;
}

ccp_result_t ccp_route_control_decode(slice_t data, ccp_route_control_t *out)
{
    oer_reader_t r = oer_reader(data);
    TRY_OER(oer_read_u8(&r, &out->mode));
    if (out->mode != CCP_MODE_IDLE && out->mode != CCP_MODE_SYNC)
        return CCP_ERR_BAD_MODE;
    TRY(read_fixed(&r, out->last_known_routing_table_id, CCP_TABLE_ID_LEN));
    TRY_OER(oer_read_u32(&r, &out->last_known_epoch));
    TRY(read_strings(&r, out->features, CCP_MAX_FEATURES, &out->n_features, false));
    return oer_remaining(&r) ? CCP_ERR_TRAILING : CCP_OK;
}

static ccp_result_t write_strings(buf_t *b, const slice_t *s, size_t n)
{
    oer_write_var_uint(b, n);
    for (size_t i = 0; i < n; i++)
        oer_write_var_octets(b, s[i]);
    return CCP_OK;
}

static ccp_result_t finish(buf_t *b, size_t mark)
{
    if (!b->failed)
        return CCP_OK;
    b->len = b->len > mark ? mark : b->len;
    return CCP_ERR_BUFFER;
}

ccp_result_t ccp_route_control_encode(buf_t *b, const ccp_route_control_t *c)
{
    if (c->mode != CCP_MODE_IDLE && c->mode != CCP_MODE_SYNC)
        return CCP_ERR_BAD_MODE;
    if (c->n_features > CCP_MAX_FEATURES)
        return CCP_ERR_TOO_MANY;
    size_t mark = b->len;
    oer_write_u8(b, c->mode);
    buf_append(b, c->last_known_routing_table_id, CCP_TABLE_ID_LEN);
    oer_write_u32(b, c->last_known_epoch);
    write_strings(b, c->features, c->n_features);
    return finish(b, mark);
}

static ccp_result_t read_route(oer_reader_t *r, ccp_route_t *rt)
{
    TRY_OER(oer_read_var_octets(r, &rt->prefix));
    TRY(read_strings(r, rt->path, CCP_MAX_PATH, &rt->n_path, false));
    TRY(read_fixed(r, rt->auth, CCP_AUTH_LEN));
    TRY(read_count(r, CCP_MAX_PROPS, &rt->n_props));
    for (size_t i = 0; i < rt->n_props; i++) {
        TRY_OER(oer_read_u8(r, &rt->props[i].flags));
        TRY_OER(oer_read_u16(r, &rt->props[i].id));
        TRY_OER(oer_read_var_octets(r, &rt->props[i].value));
    }
    return CCP_OK;
}

ccp_result_t ccp_route_update_decode(slice_t data, ccp_route_update_t *out)
{
    oer_reader_t r = oer_reader(data);
    TRY(read_fixed(&r, out->routing_table_id, CCP_TABLE_ID_LEN));
    TRY_OER(oer_read_u32(&r, &out->current_epoch_index));
    TRY_OER(oer_read_u32(&r, &out->from_epoch_index));
    TRY_OER(oer_read_u32(&r, &out->to_epoch_index));
    TRY_OER(oer_read_u32(&r, &out->hold_down_time_ms));
    TRY_OER(oer_read_var_octets(&r, &out->speaker));
    if (!ilp_address_is_valid(out->speaker))
        return CCP_ERR_BAD_ADDRESS;
    TRY(read_count(&r, out->new_routes_cap, &out->n_new_routes));
    for (size_t i = 0; i < out->n_new_routes; i++)
        TRY(read_route(&r, &out->new_routes[i]));
    TRY(read_strings(&r, out->withdrawn, out->withdrawn_cap, &out->n_withdrawn, false));
    return oer_remaining(&r) ? CCP_ERR_TRAILING : CCP_OK;
}

static void write_route(buf_t *b, const ccp_route_t *rt)
{
    oer_write_var_octets(b, rt->prefix);
    write_strings(b, rt->path, rt->n_path);
    buf_append(b, rt->auth, CCP_AUTH_LEN);
    oer_write_var_uint(b, rt->n_props);
    for (size_t i = 0; i < rt->n_props; i++) {
        oer_write_u8(b, rt->props[i].flags);
        oer_write_u16(b, rt->props[i].id);
        oer_write_var_octets(b, rt->props[i].value);
    }
}

ccp_result_t ccp_route_update_encode(buf_t *b, const ccp_route_update_t *u)
{
    if (!ilp_address_is_valid(u->speaker))
        return CCP_ERR_BAD_ADDRESS;
    for (size_t i = 0; i < u->n_new_routes; i++)
        if (u->new_routes[i].n_path > CCP_MAX_PATH || u->new_routes[i].n_props > CCP_MAX_PROPS)
            return CCP_ERR_TOO_MANY;
    size_t mark = b->len;
    buf_append(b, u->routing_table_id, CCP_TABLE_ID_LEN);
    oer_write_u32(b, u->current_epoch_index);
    oer_write_u32(b, u->from_epoch_index);
    oer_write_u32(b, u->to_epoch_index);
    oer_write_u32(b, u->hold_down_time_ms);
    oer_write_var_octets(b, u->speaker);
    oer_write_var_uint(b, u->n_new_routes);
    for (size_t i = 0; i < u->n_new_routes; i++)
        write_route(b, &u->new_routes[i]);
    write_strings(b, u->withdrawn, u->n_withdrawn);
    return finish(b, mark);
}
