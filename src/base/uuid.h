/*
 * UUIDs in the canonical 36-character lower-case form: v4 (random) and v7 (RFC 9562: the
 * millisecond Unix time in the first 48 bits, then 74 random bits). v7 ids of rows created
 * together sort together, so their inserts touch the right edge of each index instead of a
 * random page; they reveal their creation time, and stay unguessable (74 random bits).
 * Threads: any thread.
 */
#ifndef RAFIKI_BASE_UUID_H
#define RAFIKI_BASE_UUID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UUID_STR_LEN 36
void uuid_v4(char out[UUID_STR_LEN + 1]);
void uuid_v7(char out[UUID_STR_LEN + 1]);
/* The 16 bytes of a v7 UUID made at unix_ms. */
void uuid_v7_bytes(uint8_t out[16], int64_t unix_ms);
/* True for 8-4-4-4-12 hex digits (any version, either case). */
bool uuid_valid(const char *s, size_t n);

#endif
