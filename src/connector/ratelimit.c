/* Fixed-window packet and throughput limits over a shared counter store. See ratelimit.h. */
#include "connector/ratelimit.h"

#include <stdio.h>

#include "base/log.h"

#define RATELIMIT_TTL_S 2

static uint64_t window_incr(const stream_totals_t *store, char kind, ledger_id_t peer,
                            int64_t second, uint64_t delta, bool *failed)
{
    char id[LEDGER_ID_STR_LEN + 1];
    char key[96];
    ledger_id_format(peer, id);
    snprintf(key, sizeof key, "rl:%c:%s:%lld", kind, id, (long long)second);
    uint64_t total = 0;
    int64_t d = delta > INT64_MAX ? INT64_MAX : (int64_t)delta;
    if (store->incr(store->ctx, key, d, RATELIMIT_TTL_S, &total) != 0) {
        *failed = true;
        return 0;
    }
    return total;
}

const char *ratelimit_result_str(ratelimit_result_t r)
{
    switch (r) {
    case RATELIMIT_OK:
        return "ok";
    case RATELIMIT_PACKETS:
        return "packets";
    case RATELIMIT_AMOUNT:
        return "amount";
    }
    return "unknown";
}

ratelimit_result_t ratelimit_check(const stream_totals_t *store, ledger_id_t peer,
                                   const ratelimit_limits_t *limits, uint64_t amount,
                                   int64_t now_ms)
{
    if (!store || !store->incr || (!limits->packets_per_s && !limits->amount_per_s))
        return RATELIMIT_OK;
    int64_t second = now_ms / 1000;
    bool failed = false;
    ratelimit_result_t rc = RATELIMIT_OK;
    if (limits->packets_per_s &&
        window_incr(store, 'n', peer, second, 1, &failed) > limits->packets_per_s)
        rc = RATELIMIT_PACKETS;
    else if (limits->amount_per_s && amount &&
             window_incr(store, 'a', peer, second, amount, &failed) > limits->amount_per_s)
        rc = RATELIMIT_AMOUNT;
    if (failed)
        LOGW("ratelimit: counter store failed; letting the packet through");
    return failed ? RATELIMIT_OK : rc;
}
