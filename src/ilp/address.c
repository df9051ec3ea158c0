/*
 * ILP address grammar (RFC 0015). A linear scan: the scheme is the text before the first ".",
 * every later segment must be non-empty and made of [A-Za-z0-9_~-].
 */
#include "ilp/address.h"

#include <string.h>

#include "base/limits.h"

static const struct {
    const char *name;
    ilp_scheme_t scheme;
} SCHEMES[] = {
    {"g", ILP_SCHEME_G},         {"private", ILP_SCHEME_PRIVATE}, {"example", ILP_SCHEME_EXAMPLE},
    {"peer", ILP_SCHEME_PEER},   {"self", ILP_SCHEME_SELF},       {"test", ILP_SCHEME_TEST},
    {"test1", ILP_SCHEME_TEST1}, {"test2", ILP_SCHEME_TEST2},     {"test3", ILP_SCHEME_TEST3},
    {"local", ILP_SCHEME_LOCAL},
};

static bool segment_char(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '~' || c == '-';
}

static size_t scheme_len(slice_t addr)
{
    const uint8_t *dot = addr.len ? memchr(addr.ptr, '.', addr.len) : NULL;
    return dot ? (size_t)(dot - addr.ptr) : addr.len;
}

ilp_scheme_t ilp_address_scheme(slice_t addr)
{
    slice_t head = SLICE(addr.ptr, scheme_len(addr));
    for (size_t i = 0; i < sizeof(SCHEMES) / sizeof(SCHEMES[0]); i++)
        if (slice_eq_str(head, SCHEMES[i].name))
            return SCHEMES[i].scheme;
    return ILP_SCHEME_NONE;
}

const char *ilp_scheme_str(ilp_scheme_t s)
{
    for (size_t i = 0; i < sizeof(SCHEMES) / sizeof(SCHEMES[0]); i++)
        if (SCHEMES[i].scheme == s)
            return SCHEMES[i].name;
    return "";
}

/* Checks the segments after the scheme: addr[from..] must be ("." 1*segment_char)+. */
static ilp_address_result_t check_segments(slice_t addr, size_t from)
{
    if (from >= addr.len)
        return ILP_ADDR_NO_SEGMENT;
    size_t seg_len = 0;
    for (size_t i = from; i < addr.len; i++) {
        uint8_t c = addr.ptr[i];
        if (c == '.') {
            if (i != from && seg_len == 0)
                return ILP_ADDR_EMPTY_SEGMENT;
            seg_len = 0;
        } else if (segment_char(c)) {
            seg_len++;
        } else {
            return ILP_ADDR_BAD_CHAR;
        }
    }
    return seg_len == 0 ? ILP_ADDR_EMPTY_SEGMENT : ILP_ADDR_OK;
}

ilp_address_result_t ilp_address_validate(slice_t addr)
{
    if (addr.len == 0)
        return ILP_ADDR_EMPTY;
    if (addr.len > ILP_ADDRESS_MAX_LEN)
        return ILP_ADDR_TOO_LONG;
    size_t n = scheme_len(addr);
    if (ilp_address_scheme(addr) == ILP_SCHEME_NONE) {
        for (size_t i = 0; i < n; i++)
            if (!segment_char(addr.ptr[i]))
                return ILP_ADDR_BAD_CHAR;
        return ILP_ADDR_BAD_SCHEME;
    }
    return check_segments(addr, n);
}

const char *ilp_address_result_str(ilp_address_result_t r)
{
    switch (r) {
    case ILP_ADDR_OK:
        return "ok";
    case ILP_ADDR_EMPTY:
        return "empty address";
    case ILP_ADDR_TOO_LONG:
        return "address longer than 1023 characters";
    case ILP_ADDR_BAD_SCHEME:
        return "unknown allocation scheme";
    case ILP_ADDR_NO_SEGMENT:
        return "address has no segment after the scheme";
    case ILP_ADDR_EMPTY_SEGMENT:
        return "empty address segment";
    case ILP_ADDR_BAD_CHAR:
        return "invalid character in address";
    }
    return "unknown address error";
}

bool ilp_address_has_prefix(slice_t addr, slice_t prefix)
{
    if (prefix.len == 0)
        return true;
    if (prefix.len > addr.len || memcmp(addr.ptr, prefix.ptr, prefix.len) != 0)
        return false;
    if (prefix.len == addr.len)
        return true;
    return prefix.ptr[prefix.len - 1] == '.' || addr.ptr[prefix.len] == '.';
}

bool ilp_address_is_peer(slice_t addr)
{
    return ilp_address_scheme(addr) == ILP_SCHEME_PEER;
}

ilp_address_result_t ilp_address_append(buf_t *b, slice_t addr, slice_t segment)
{
    if (segment.len == 0)
        return ILP_ADDR_EMPTY_SEGMENT;
    for (size_t i = 0; i < segment.len; i++)
        if (!segment_char(segment.ptr[i]))
            return ILP_ADDR_BAD_CHAR;
    if (addr.len + 1 + segment.len > ILP_ADDRESS_MAX_LEN)
        return ILP_ADDR_TOO_LONG;
    ilp_address_result_t rc = ilp_address_validate(addr);
    if (rc != ILP_ADDR_OK)
        return rc;
    size_t mark = b->len;
    if (buf_append(b, addr.ptr, addr.len) != 0 || buf_push(b, '.') != 0 ||
        buf_append(b, segment.ptr, segment.len) != 0)
        b->len = mark < b->len ? mark : b->len;
    return ILP_ADDR_OK;
}
