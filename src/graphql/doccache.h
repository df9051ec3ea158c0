/*
 * The document cache (internal to src/graphql): a wallet sends the same few queries again
 * and again, so a document that parsed and validated is kept, keyed by its exact text, and
 * the next request with that text skips both (as Apollo Server's document store does).
 * Entries are reference counted: a request holds its document while it runs, eviction (least
 * recently used, a fixed number of entries) only drops the cache's own reference.
 * Threads: any; the table is guarded by the schema's mutex, documents are read-only once
 * cached and may be read by any number of requests at once.
 */
#ifndef RAFIKI_GRAPHQL_DOCCACHE_H
#define RAFIKI_GRAPHQL_DOCCACHE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "graphql/ast.h"

#define GQL_DOC_CACHE_SLOTS 128u
/* Longer documents are not kept: real queries are a few KiB. */
#define GQL_DOC_CACHE_TEXT_MAX (32u * 1024u)

typedef struct gql_doc {
    arena_t arena; /* the text, the AST and the fragment index */
    const uint8_t *text;
    size_t len;
    uint64_t hash;
    gql_node_t *ast;
    const gql_node_t **frags; /* fragment definitions sorted by name */
    uint32_t n_frags;
    atomic_uint refs;
    uint64_t used; /* the cache's clock at the last hit */
} gql_doc_t;

typedef struct {
    pthread_mutex_t lock;
    gql_doc_t *slot[GQL_DOC_CACHE_SLOTS];
    uint64_t clock;
} gql_doc_cache_t;

void gql_doc_cache_init(gql_doc_cache_t *c);
void gql_doc_cache_free(gql_doc_cache_t *c);

/* A new, empty document (one reference) for a request to parse into. */
gql_doc_t *gql_doc_new(const uint8_t *text, size_t len);
/* The cached document with exactly this text, with a reference for the caller, or NULL. */
gql_doc_t *gql_doc_cache_get(gql_doc_cache_t *c, const uint8_t *text, size_t len);
/* Keeps d (parsed and valid) in the cache, which takes a reference of its own. */
void gql_doc_cache_put(gql_doc_cache_t *c, gql_doc_t *d);
/* Drops one reference; the last one frees d. */
void gql_doc_release(gql_doc_t *d);

#endif
