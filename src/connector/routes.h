/*
 * The static routing table: ILP address prefixes to next-hop peers (RFC 0015 "Routing").
 *
 * A lookup walks the destination's segment boundaries from the longest prefix to the shortest
 * ("g.a.b.c", "g.a.b", "g.a", "g"), then the empty default route, and takes the first prefix
 * that has a peer other than the one the packet came from: longest prefix wins, and a packet is
 * never sent back to its source. Among several peers on one prefix the first added wins (stable,
 * so tests and operators can predict it). A prefix written with a trailing "." ("g.a.") is the
 * same route as "g.a".
 *
 * Entries are kept sorted by (prefix, peer), so a lookup is O(segments * log entries). Readers
 * take a shared lock; updates (admin API, start-up load) take it exclusively: every call may
 * be made from any thread at once and waits on nothing else.
 */
#ifndef RAFIKI_CONNECTOR_ROUTES_H
#define RAFIKI_CONNECTOR_ROUTES_H

#include <stdbool.h>
#include <stddef.h>

#include "base/slice.h"
#include "ledger/ledger.h"

/* Bounds: a table holds at most this many routes (each peer a handful). */
#define ROUTES_MAX 65536

typedef struct routes routes_t;

typedef enum {
    ROUTES_OK = 0,
    ROUTES_NOT_FOUND = -1, /* no prefix matches (other than back to the source): F02 */
    ROUTES_BAD_PREFIX = -2,
    ROUTES_FULL = -3,
} routes_result_t;

/* A stable snake_case name for r (logs, admin errors). */
const char *routes_result_str(routes_result_t r);

/* Never NULL (out of memory aborts, base/mem.h). */
routes_t *routes_new(void);
void routes_free(routes_t *rt);

/*
 * Adds prefix -> peer. The prefix is "" (default route), a scheme alone ("g"), or a valid ILP
 * address, optionally with
 * one trailing "." which is dropped. Adding an existing pair is a no-op returning ROUTES_OK.
 */
routes_result_t routes_add(routes_t *rt, slice_t prefix, ledger_id_t peer);
/* The same; implicit: the prefix is the peer's own ILP address rather than a route it was
 * given. Among peers of one prefix, given routes come before implicit ones, so a peer that
 * only sends to us (no routes) never takes the traffic of one configured for that prefix,
 * whichever was loaded first. */
routes_result_t routes_add_as(routes_t *rt, slice_t prefix, ledger_id_t peer, bool implicit);
/* Removes every route of peer (peer deleted or its routes replaced). Returns how many. */
size_t routes_remove_peer(routes_t *rt, ledger_id_t peer);
/*
 * Longest-prefix match for destination, skipping routes to `exclude` (the source peer; zero to
 * skip nothing). ROUTES_OK with *out set, or ROUTES_NOT_FOUND.
 */
routes_result_t routes_lookup(routes_t *rt, slice_t destination, ledger_id_t exclude,
                              ledger_id_t *out);
size_t routes_count(routes_t *rt);

#endif
