/*
 * Constant-time comparison for secrets, tokens and MACs.
 * Threads: any thread; no shared state.
 */
#ifndef RAFIKI_BASE_CT_H
#define RAFIKI_BASE_CT_H

#include <stdbool.h>
#include <stddef.h>

bool ct_equal(const void *a, const void *b, size_t n);

#endif
