/*
 * UUID v4 (random) in the canonical 36-character lower-case form.
 * Threads: any thread.
 */
#ifndef RAFIKI_BASE_UUID_H
#define RAFIKI_BASE_UUID_H

#include <stdbool.h>
#include <stddef.h>

#define UUID_STR_LEN 36
void uuid_v4(char out[UUID_STR_LEN + 1]);
/* True for 8-4-4-4-12 hex digits (any version, either case). */
bool uuid_valid(const char *s, size_t n);

#endif
