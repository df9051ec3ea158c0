/*
 * Rafiki's idempotencyKey for GraphQL mutations: the lock and cache middlewares its backend
 * wraps every Mutation in (graphql/middleware), run here around a mutation's own resolver.
 *
 * With args.input.idempotencyKey set, the key is first locked for 2 s (Rafiki's
 * GRAPHQL_IDEMPOTENCY_KEY_LOCK_MS): a second request holding the same key meanwhile fails
 * "Concurrent request for idempotencyKey: <key>". Then a stored answer for the key is looked
 * for: found for the same mutation with equal arguments (compared as RFC 8785 canonical JSON,
 * so member order does not matter, as lodash isEqual), its result is returned without running
 * the resolver; found for other arguments or another mutation, the call fails "Incoming
 * arguments are different than the original request for idempotencyKey: <key>". Otherwise the
 * resolver runs and a success is stored for 24 h (GRAPHQL_IDEMPOTENCY_KEY_TTL_MS); a failure
 * is not stored, so a retry runs again. Both messages carry code INTERNAL_SERVER_ERROR, as
 * Apollo gives a GraphQLError without one. Keys live in the cache (Redis when scaled out), so
 * replicas share them.
 *
 * Threads: any thread; the cache is thread-safe.
 */
#ifndef RAFIKI_ADMIN_ADMIN_GQL_IDEM_H
#define RAFIKI_ADMIN_ADMIN_GQL_IDEM_H

#include <jansson.h>

#include "graphql/exec.h"
#include "store/cache.h"

#define ADMIN_GQL_IDEM_LOCK_MS 2000u
#define ADMIN_GQL_IDEM_TTL_MS  (24ull * 60 * 60 * 1000)

/* Runs fn for call behind the idempotencyKey handling above (cache NULL: runs fn alone). */
gql_resolve_t admin_gql_idem_run(cache_t *cache, const gql_call_t *call, gql_resolver_fn fn,
                                 json_t **out);

#endif
