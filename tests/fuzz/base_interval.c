/*
 * Fuzz the ISO 8601 repeating-interval parser and its arithmetic: a parsed interval places any
 * time after its start in an interval [s, e) with start <= s <= t < e, or says the repetitions
 * are over; the date-time parser never reads past its input.
 */
#include <stdlib.h>
#include <string.h>

#include "base/interval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a heap copy of exactly size bytes, so ASan catches any read past the end */
    char *s = malloc(size ? size : 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    int64_t ms;
    (void)iso_datetime_parse(s, size, &ms);
    iso_interval_t iv;
    if (iso_interval_parse(s, size, &iv) == ISO_INTERVAL_OK) {
        const int64_t offsets[] = {
            0, 1, 999, 86399999, 2678400000LL, 31622400000LL, 3155760000000LL, 315576000000000LL};
        for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
            int64_t t = iv.start_ms + offsets[i], a, b;
            iso_interval_result_t r = iso_interval_at(&iv, t, &a, &b);
            if (r == ISO_INTERVAL_OK && !(iv.start_ms <= a && a <= t && t < b))
                abort();
            if (r != ISO_INTERVAL_OK && r != ISO_INTERVAL_ENDED)
                abort();
        }
        int64_t a, b;
        if (iso_interval_at(&iv, iv.start_ms - 1, &a, &b) != ISO_INTERVAL_BEFORE_START)
            abort();
    }
    free(s);
    return 0;
}
