/*
 * ILP addresses (RFC 0015): validation against the grammar
 *   address = scheme 1*( "." segment ), 1..1023 characters,
 *   scheme  = g / private / example / peer / self / test / test1 / test2 / test3 / local,
 *   segment = 1*( ALPHA / DIGIT / "_" / "~" / "-" ),
 * plus the helpers routing needs: segment-aware prefix match, scheme lookup, appending a segment.
 * All functions take (ptr, len) slices and never read past len.
 * Threads: no shared state; any thread may call these at once.
 */
#ifndef RAFIKI_ILP_ADDRESS_H
#define RAFIKI_ILP_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/slice.h"

typedef enum {
    ILP_ADDR_OK = 0,
    ILP_ADDR_EMPTY = -1,         /* zero length */
    ILP_ADDR_TOO_LONG = -2,      /* more than ILP_ADDRESS_MAX_LEN bytes */
    ILP_ADDR_BAD_SCHEME = -3,    /* first segment is not an allocation scheme */
    ILP_ADDR_NO_SEGMENT = -4,    /* scheme alone, without any "." segment */
    ILP_ADDR_EMPTY_SEGMENT = -5, /* "..", leading or trailing "." */
    ILP_ADDR_BAD_CHAR = -6,      /* a byte outside [A-Za-z0-9_~-.] */
} ilp_address_result_t;

typedef enum {
    ILP_SCHEME_NONE = 0, /* not an address or unknown scheme */
    ILP_SCHEME_G,
    ILP_SCHEME_PRIVATE,
    ILP_SCHEME_EXAMPLE,
    ILP_SCHEME_PEER,
    ILP_SCHEME_SELF,
    ILP_SCHEME_TEST,
    ILP_SCHEME_TEST1,
    ILP_SCHEME_TEST2,
    ILP_SCHEME_TEST3,
    ILP_SCHEME_LOCAL,
} ilp_scheme_t;

/* Checks the whole grammar; returns ILP_ADDR_OK or the first rule broken. */
ilp_address_result_t ilp_address_validate(slice_t addr);
static inline bool ilp_address_is_valid(slice_t addr)
{
    return ilp_address_validate(addr) == ILP_ADDR_OK;
}
const char *ilp_address_result_str(ilp_address_result_t r);

/* The allocation scheme of addr's first segment; ILP_SCHEME_NONE when it is not one. Does not
 * validate the rest of the address. */
ilp_scheme_t ilp_address_scheme(slice_t addr);
/* "g", "private", ... or "" for ILP_SCHEME_NONE. */
const char *ilp_scheme_str(ilp_scheme_t s);

/*
 * True when prefix routes addr: prefix is empty (the default route), equals addr, or is followed
 * in addr by a "." (so "g.alice" is not a prefix of "g.alicia"). A prefix ending in "." matches
 * any address that starts with it (ilp-connector style).
 */
bool ilp_address_has_prefix(slice_t addr, slice_t prefix);

/* True for the bilateral peer.* addresses, which are never forwarded (RFC 0034). */
bool ilp_address_is_peer(slice_t addr);

/*
 * Appends addr "." segment to b after checking the segment's characters and the total length.
 * Returns ILP_ADDR_OK, the validation error, or ILP_ADDR_TOO_LONG; b is not changed on error
 * (its failure flag reports an allocation or cap failure).
 */
ilp_address_result_t ilp_address_append(buf_t *b, slice_t addr, slice_t segment);

#endif
