/* Hex and base64 codecs over (ptr, len) input; see codec.h for the contract. */
#include "base/codec.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const char HEX[] = "0123456789abcdef";

ssize_t hex_encode(char *out, size_t out_cap, const uint8_t *in, size_t n)
{
    if (n > (SIZE_MAX - 1) / 2 || out_cap < n * 2 + 1)
        return -1;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = HEX[in[i] >> 4];
        out[2 * i + 1] = HEX[in[i] & 15];
    }
    out[2 * n] = '\0';
    return (ssize_t)(2 * n);
}

static int hex_val(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

ssize_t hex_decode(uint8_t *out, size_t out_cap, const char *in, size_t n)
{
    if (n % 2 != 0 || out_cap < n / 2)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hex_val(in[2 * i]), lo = hex_val(in[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return (ssize_t)(n / 2);
}

static const char B64_STD_ALPHA[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char B64_URL_ALPHA[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t b64_encoded_size(size_t n)
{
    return (n + 2) / 3 * 4 + 1;
}

ssize_t b64_encode(char *out, size_t out_cap, const uint8_t *in, size_t n, int flags)
{
    const char *alpha = (flags & B64_URL) ? B64_URL_ALPHA : B64_STD_ALPHA;
    bool pad = !(flags & B64_NOPAD);
    if (n > SIZE_MAX / 2 || out_cap < b64_encoded_size(n))
        return -1;
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = alpha[v >> 18 & 63];
        out[o++] = alpha[v >> 12 & 63];
        out[o++] = alpha[v >> 6 & 63];
        out[o++] = alpha[v & 63];
    }
    size_t rest = n - i;
    if (rest) {
        uint32_t v = (uint32_t)in[i] << 16 | (rest == 2 ? (uint32_t)in[i + 1] << 8 : 0);
        out[o++] = alpha[v >> 18 & 63];
        out[o++] = alpha[v >> 12 & 63];
        if (rest == 2)
            out[o++] = alpha[v >> 6 & 63];
        else if (pad)
            out[o++] = '=';
        if (pad)
            out[o++] = '=';
    }
    out[o] = '\0';
    return (ssize_t)o;
}

static int b64_val(char c, int flags)
{
    bool url = flags & B64_URL, any = flags & B64_LENIENT;
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if ((c == '+' && (!url || any)) || (c == '-' && (url || any)))
        return 62;
    if ((c == '/' && (!url || any)) || (c == '_' && (url || any)))
        return 63;
    return -1;
}

ssize_t b64_decode(uint8_t *out, size_t out_cap, const char *in, size_t n, int flags)
{
    size_t pads = 0;
    while (n > 0 && in[n - 1] == '=' && pads < 2) {
        n--;
        pads++;
    }
    if (n % 4 == 1)
        return -1;
    bool padding_optional = (flags & (B64_URL | B64_LENIENT)) != 0;
    size_t full = (n + 3) / 4 * 4;
    if (pads && n + pads != full)
        return -1; /* wrong amount of padding */
    if (!pads && n != full && !padding_optional)
        return -1; /* standard base64 requires padding */
    size_t out_len = n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
    if (out_cap < out_len)
        return -1;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64_val(in[i], flags);
        if (v < 0)
            return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (acc != 0)
        return -1; /* non-zero trailing bits: not a canonical encoding */
    return (ssize_t)o;
}

int decimal_parse(const char *s, uint8_t scale, uint64_t *out)
{
    uint64_t v = 0;
    int decimals = -1, digits = 0;
    for (; *s; s++) {
        if (*s == '.' && decimals < 0) {
            decimals = 0;
            continue;
        }
        if (*s < '0' || *s > '9' || (decimals >= 0 && ++decimals > scale) ||
            v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
        digits++;
    }
    if (digits == 0)
        return -1;
    for (int d = decimals < 0 ? 0 : decimals; d < scale; d++) {
        if (v > UINT64_MAX / 10)
            return -1;
        v *= 10;
    }
    *out = v;
    return 0;
}

void decimal_format(uint64_t value, uint8_t scale, char *out, size_t cap)
{
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)value);
    if (scale == 0) {
        snprintf(out, cap, "%s", digits);
        return;
    }
    int whole = n - (int)scale;
    if (whole <= 0) {
        size_t o = (size_t)snprintf(out, cap, "0.");
        for (int i = 0; i < -whole && o + 1 < cap; i++)
            out[o++] = '0';
        snprintf(out + o, cap > o ? cap - o : 0, "%s", digits);
    } else {
        snprintf(out, cap, "%.*s.%s", whole, digits, digits + whole);
    }
}
