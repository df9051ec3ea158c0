/*
 * Routing table: a sorted array of (prefix, peer) under a reader-writer lock. See routes.h.
 */
#include "connector/routes.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/mem.h"
#include "base/limits.h"
#include "ilp/address.h"

typedef struct {
    char *prefix;
    size_t prefix_len;
    ledger_id_t peer;
    bool implicit; /* a peer's own address, not a route it was given */
} route_t;

struct routes {
    pthread_rwlock_t lock;
    route_t *v;
    size_t n, cap;
};

routes_t *routes_new(void)
{
    routes_t *rt = xcalloc(1, sizeof *rt);
    pthread_rwlock_init(&rt->lock, NULL);
    return rt;
}

void routes_free(routes_t *rt)
{
    if (!rt)
        return;
    for (size_t i = 0; i < rt->n; i++)
        free(rt->v[i].prefix);
    free(rt->v);
    pthread_rwlock_destroy(&rt->lock);
    free(rt);
}

static int prefix_cmp(const char *a, size_t an, const uint8_t *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    int c = memcmp(a, b, n);
    if (c != 0)
        return c;
    return an < bn ? -1 : an > bn ? 1 : 0;
}

/* Index of the first entry whose prefix is >= p (lower bound). */
static size_t lower_bound(const routes_t *rt, const uint8_t *p, size_t n)
{
    size_t lo = 0, hi = rt->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (prefix_cmp(rt->v[mid].prefix, rt->v[mid].prefix_len, p, n) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const char *routes_result_str(routes_result_t r)
{
    switch (r) {
    case ROUTES_OK:
        return "ok";
    case ROUTES_NOT_FOUND:
        return "not_found";
    case ROUTES_BAD_PREFIX:
        return "bad_prefix";
    case ROUTES_FULL:
        return "full";
    }
    return "unknown";
}

/* A full address, or a scheme alone ("g", "test") as a route for that whole scheme. */
static bool prefix_valid(slice_t p)
{
    if (ilp_address_is_valid(p))
        return true;
    ilp_scheme_t sc = ilp_address_scheme(p);
    return sc != ILP_SCHEME_NONE && strlen(ilp_scheme_str(sc)) == p.len;
}

routes_result_t routes_add(routes_t *rt, slice_t prefix, ledger_id_t peer)
{
    return routes_add_as(rt, prefix, peer, false);
}

routes_result_t routes_add_as(routes_t *rt, slice_t prefix, ledger_id_t peer, bool implicit)
{
    if (prefix.len > 0 && prefix.ptr[prefix.len - 1] == '.')
        prefix.len--;
    if (prefix.len > 0 && !prefix_valid(prefix))
        return ROUTES_BAD_PREFIX;
    char *copy = xstrndup((const char *)prefix.ptr, prefix.len);

    routes_result_t rc = ROUTES_OK;
    pthread_rwlock_wrlock(&rt->lock);
    size_t i = lower_bound(rt, prefix.ptr, prefix.len);
    /* keep insertion order among peers of one prefix: append after the existing ones, but
     * a given route before every implicit one (whatever order the peers were loaded in) */
    size_t j = i, at = SIZE_MAX;
    for (; j < rt->n && rt->v[j].prefix_len == prefix.len &&
           memcmp(rt->v[j].prefix, copy, prefix.len) == 0;
         j++) {
        if (ledger_id_eq(rt->v[j].peer, peer))
            goto done; /* already there */
        if (!implicit && rt->v[j].implicit && at == SIZE_MAX)
            at = j;
    }
    if (at != SIZE_MAX)
        j = at;
    if (rt->n == ROUTES_MAX) {
        rc = ROUTES_FULL;
        goto done;
    }
    if (rt->n == rt->cap) {
        size_t cap = rt->cap ? rt->cap * 2 : 16;
        rt->v = xrealloc(rt->v, cap * sizeof *rt->v);
        rt->cap = cap;
    }
    memmove(&rt->v[j + 1], &rt->v[j], (rt->n - j) * sizeof *rt->v);
    rt->v[j] =
        (route_t){.prefix = copy, .prefix_len = prefix.len, .peer = peer, .implicit = implicit};
    rt->n++;
    copy = NULL;
done:
    pthread_rwlock_unlock(&rt->lock);
    free(copy);
    return rc;
}

size_t routes_remove_peer(routes_t *rt, ledger_id_t peer)
{
    size_t removed = 0, w = 0;
    pthread_rwlock_wrlock(&rt->lock);
    for (size_t r = 0; r < rt->n; r++) {
        if (ledger_id_eq(rt->v[r].peer, peer)) {
            free(rt->v[r].prefix);
            removed++;
        } else {
            rt->v[w++] = rt->v[r];
        }
    }
    rt->n = w;
    pthread_rwlock_unlock(&rt->lock);
    return removed;
}

/* First peer on exactly this prefix that is not `exclude`. */
static bool match_exact(const routes_t *rt, const uint8_t *p, size_t n, ledger_id_t exclude,
                        ledger_id_t *out)
{
    for (size_t i = lower_bound(rt, p, n);
         i < rt->n && prefix_cmp(rt->v[i].prefix, rt->v[i].prefix_len, p, n) == 0; i++) {
        if (!ledger_id_eq(rt->v[i].peer, exclude)) {
            *out = rt->v[i].peer;
            return true;
        }
    }
    return false;
}

routes_result_t routes_lookup(routes_t *rt, slice_t destination, ledger_id_t exclude,
                              ledger_id_t *out)
{
    if (destination.len > ILP_ADDRESS_MAX_LEN)
        return ROUTES_NOT_FOUND;
    routes_result_t rc = ROUTES_NOT_FOUND;
    pthread_rwlock_rdlock(&rt->lock);
    size_t len = destination.len;
    for (;;) {
        if (match_exact(rt, destination.ptr, len, exclude, out)) {
            rc = ROUTES_OK;
            break;
        }
        if (len == 0)
            break;
        /* shorten to the previous segment boundary; after the scheme comes the default route */
        while (len > 0 && destination.ptr[len - 1] != '.')
            len--;
        if (len > 0)
            len--; /* drop the '.' itself */
    }
    pthread_rwlock_unlock(&rt->lock);
    return rc;
}

size_t routes_count(routes_t *rt)
{
    pthread_rwlock_rdlock(&rt->lock);
    size_t n = rt->n;
    pthread_rwlock_unlock(&rt->lock);
    return n;
}
