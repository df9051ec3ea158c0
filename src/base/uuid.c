/* UUIDs v4 and v7 from the CSPRNG (see uuid.h). */
#include "base/uuid.h"

#include <stdint.h>

#include "base/clock.h"
#include "base/codec.h"
#include "base/rand.h"

static void format(const uint8_t b[16], char out[UUID_STR_LEN + 1])
{
    char hex[33];
    hex_encode(hex, sizeof hex, b, 16);
    static const int groups[] = {8, 4, 4, 4, 12};
    int o = 0, h = 0;
    for (int g = 0; g < 5; g++) {
        if (g)
            out[o++] = '-';
        for (int i = 0; i < groups[g]; i++)
            out[o++] = hex[h++];
    }
    out[o] = '\0';
}

void uuid_v4(char out[UUID_STR_LEN + 1])
{
    uint8_t b[16];
    rand_bytes(b, sizeof b);
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    format(b, out);
}

void uuid_v7_bytes(uint8_t b[16], int64_t unix_ms)
{
    rand_bytes(b + 6, 10);
    uint64_t ms = (uint64_t)unix_ms;
    for (int i = 0; i < 6; i++)
        b[i] = (uint8_t)(ms >> (40 - 8 * i));
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x70);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
}

void uuid_v7(char out[UUID_STR_LEN + 1])
{
    uint8_t b[16];
    uuid_v7_bytes(b, clock_wall_ms());
    format(b, out);
}

bool uuid_valid(const char *s, size_t n)
{
    if (n != UUID_STR_LEN)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash) {
            if (c != '-')
                return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return true;
}
