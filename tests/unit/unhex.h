/* Test helper shared by the codec tests (tests/unit/ilp, tests/unit/stream): hex text to bytes. */
#ifndef RAFIKI_TESTS_UNIT_UNHEX_H
#define RAFIKI_TESTS_UNIT_UNHEX_H

#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "base/codec.h"

/* Decodes hex into out (cap bytes) and returns the byte count; malformed hex, or more bytes
 * than cap, fails the test. */
static inline size_t unhex(uint8_t *out, size_t cap, const char *hex)
{
    ssize_t n = hex_decode(out, cap, hex, strlen(hex));
    cr_assert(n >= 0, "bad test vector: %s", hex);
    return (size_t)n;
}

#endif
