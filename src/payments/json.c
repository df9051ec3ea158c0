/*
 * The payments domain's JSON spellings (json.h).
 */
#include "payments/json.h"

#include <inttypes.h>
#include <stdio.h>
#include <time.h>

json_t *pay_json_id(ledger_id_t id)
{
    char s[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(id, s);
    return json_string(s);
}

json_t *pay_json_id_or_null(ledger_id_t id)
{
    return ledger_id_is_zero(id) ? json_null() : pay_json_id(id);
}

json_t *pay_json_u64(uint64_t v)
{
    char s[24];
    snprintf(s, sizeof s, "%" PRIu64, v);
    return json_string(s);
}

json_t *pay_json_i64(int64_t v)
{
    char s[24];
    snprintf(s, sizeof s, "%" PRId64, v);
    return json_string(s);
}

json_t *pay_json_time(int64_t ms)
{
    if (ms <= 0)
        return json_null();
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&secs, &tm))
        return json_null();
    char s[96];
    snprintf(s, sizeof s, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
    return json_string(s);
}

json_t *pay_amount_json(uint64_t value, const char *asset_code, uint8_t asset_scale)
{
    return json_pack("{s:o,s:s,s:i}", "value", pay_json_u64(value), "asset_code", asset_code,
                     "asset_scale", (int)asset_scale);
}
