/*
 * Hex and base64 (standard and URL alphabets, padded or not). Encoders write a NUL and return the
 * length without it, or -1 when out is too small. Decoders take (ptr, len) and return the
 * decoded length, or -1 on a bad character, bad length or a too-small output.
 * Threads: any thread; no shared state.
 */
#ifndef RAFIKI_BASE_CODEC_H
#define RAFIKI_BASE_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

ssize_t hex_encode(char *out, size_t out_cap, const uint8_t *in, size_t n);
/* Accepts upper and lower case; the input length must be even. */
ssize_t hex_decode(uint8_t *out, size_t out_cap, const char *in, size_t n);

enum {
    B64_STD = 0,    /* + / with = padding */
    B64_URL = 1,    /* - _ */
    B64_NOPAD = 2,  /* encoder omits padding */
    B64_LENIENT = 4 /* decoder accepts both alphabets and missing padding */
};
/* Output length needed for n input bytes, including the NUL. */
size_t b64_encoded_size(size_t n);
ssize_t b64_encode(char *out, size_t out_cap, const uint8_t *in, size_t n, int flags);
/* Padding is required for B64_STD unless B64_LENIENT; B64_URL accepts it either way. */
ssize_t b64_decode(uint8_t *out, size_t out_cap, const char *in, size_t n, int flags);

/*
 * Decimal amounts as people type them ("12.5" in an asset of scale 2 is 1250 smallest units):
 * digits with at most one '.', at most `scale` digits after it, no sign, no spaces, no
 * exponent, within u64; 0 with *out set, or -1. decimal_format writes the canonical form back
 * ("12.50"; scale digits after the point, "0.05" below one unit), into out (cap >= 23 + scale).
 */
int decimal_parse(const char *s, uint8_t scale, uint64_t *out);
void decimal_format(uint64_t value, uint8_t scale, char *out, size_t cap);

#endif
