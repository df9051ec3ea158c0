/*
 * Suggestions for validation messages (" Did you mean "x" or "y"?"), chosen and worded as
 * graphql-js 16's suggestionList and didYouMean. Internal to src/graphql.
 * Threads: pure functions (a per-thread scratch table); any thread.
 */
#ifndef RAFIKI_GRAPHQL_SUGGEST_H
#define RAFIKI_GRAPHQL_SUGGEST_H

#include <stddef.h>

#define GQL_SUGGEST_MAX 5

/* Fills out (cap entries) with the options near input, nearest first; returns how many. */
size_t gql_suggest(const char *input, const char *const *options, size_t n, const char **out,
                   size_t cap);

/* The suffix " Did you mean [sub ]"a", "b", or "c"?" for n suggestions ("" for none). */
void gql_did_you_mean(const char *sub, const char *const *s, size_t n, char *out, size_t cap);

/* graphql-js's naturalCompare: digit runs compare by value. */
int gql_natural_cmp(const char *a, const char *b);

#endif
