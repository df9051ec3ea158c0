/*
 * Fuzz the grant limits JSON reader: any body either fails with a named field or yields limits
 * that serialise back (grant_limits_json) into an object read to the same limits.
 */
#include <stdlib.h>
#include <string.h>

#include "payments/grant_limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    http_json_err_t err;
    json_t *doc = http_json_parse(SLICE(data, size), &err);
    if (!doc)
        return 0;
    grant_limits_t a, b;
    if (grant_limits_from_json(doc, &a, &err) == 0) {
        json_t *back = grant_limits_json(&a);
        if (!back || grant_limits_from_json(back, &b, &err) != 0)
            abort();
        if (a.has_debit != b.has_debit || a.debit.value != b.debit.value ||
            strcmp(a.debit.asset_code, b.debit.asset_code) != 0 ||
            a.has_interval != b.has_interval || a.interval.start_ms != b.interval.start_ms ||
            memcmp(&a.interval.duration, &b.interval.duration, sizeof a.interval.duration) != 0)
            abort();
        json_decref(back);
    } else if (!err.code || !strstr(err.message, "limits")) {
        abort();
    }
    json_decref(doc);
    return 0;
}
