/*
 * Connector setup and teardown, configuration from the environment, the account cache the
 * pipeline reads, the two entry points, and STREAM credentials. The stages are in pipeline.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/env.h"
#include "base/log.h"
#include "base/rand.h"
#include "connector/connector_internal.h"
#include "ilp/address.h"

int connector_config_env(connector_config_t *cfg, char *err, size_t cap)
{
    env_err_t e;
    cfg->exchange_rates = env_str("EXCHANGE_RATES", NULL);
    cfg->exchange_rates_url = env_str("EXCHANGE_RATES_URL", NULL);
    uint64_t ttl = 15000, pps = 0, aps = 0, reload = CONNECTOR_PEERS_RELOAD_MS_DEFAULT;
    if (env_u64("EXCHANGE_RATES_LIFETIME", 15000, 1, 86400000, &ttl, &e) != 0 ||
        env_u64("CONNECTOR_PEERS_RELOAD_MS", CONNECTOR_PEERS_RELOAD_MS_DEFAULT, 0, 3600000, &reload,
                &e) != 0 ||
        env_u64("CONNECTOR_PACKETS_PER_SECOND", 0, 0, UINT64_MAX, &pps, &e) != 0 ||
        env_u64("CONNECTOR_AMOUNT_PER_SECOND", 0, 0, UINT64_MAX, &aps, &e) != 0) {
        snprintf(err, cap, "%s", e.msg);
        return -1;
    }
    cfg->exchange_rates_ttl_ms = (uint32_t)ttl;
    cfg->peers_reload_ms = (uint32_t)reload;
    cfg->default_limits.packets_per_s = pps;
    cfg->default_limits.amount_per_s = aps;
    return 0;
}

/* ---- the peers reload thread ---- */

static void *reload_main(void *arg)
{
    connector_t *c = arg;
    unsigned tick = 0;
    pthread_mutex_lock(&c->reload_mu);
    while (!c->reload_stop) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        uint64_t ns = (uint64_t)ts.tv_nsec + (uint64_t)c->peers_reload_ms * 1000000u;
        ts.tv_sec += (time_t)(ns / 1000000000u);
        ts.tv_nsec = (long)(ns % 1000000000u);
        pthread_cond_timedwait(&c->reload_cv, &c->reload_mu, &ts);
        if (c->reload_stop)
            break;
        pthread_mutex_unlock(&c->reload_mu);
        bool changed = false;
        bool force = ++tick % CONNECTOR_PEERS_FORCE_EVERY == 0;
        if (peers_sync(c->peers, force, &changed) != PEERS_OK)
            LOGW("connector: reloading peers failed; keeping the ones known");
        else if (changed)
            atomic_fetch_add(&c->reloads, 1);
        pthread_mutex_lock(&c->reload_mu);
    }
    pthread_mutex_unlock(&c->reload_mu);
    return NULL;
}

static int reload_start(connector_t *c)
{
    if (!c->peers_reload_ms || !c->db)
        return 0;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->reload_cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&c->reload_thread, NULL, reload_main, c) != 0) {
        pthread_cond_destroy(&c->reload_cv);
        return -1;
    }
    c->reload_started = true;
    return 0;
}

static void reload_stop(connector_t *c)
{
    if (!c->reload_started)
        return;
    pthread_mutex_lock(&c->reload_mu);
    c->reload_stop = true;
    pthread_cond_signal(&c->reload_cv);
    pthread_mutex_unlock(&c->reload_mu);
    pthread_join(c->reload_thread, NULL);
    pthread_cond_destroy(&c->reload_cv);
    c->reload_started = false;
}

uint64_t connector_peer_reloads(connector_t *c)
{
    return atomic_load(&c->reloads);
}

static void connector_teardown(connector_t *c)
{
    reload_stop(c);
    http_client_free(c->http); /* completes outstanding requests first */
    timers_free(c->timers);
    peers_free(c->peers);
    routes_free(c->routes);
    rates_free(c->rates);
    free(c->acct);
    free(c->rates_url);
    pthread_mutex_destroy(&c->acct_mu);
    pthread_mutex_destroy(&c->reload_mu);
    free(c);
}

static int setup_rates(connector_t *c, const connector_config_t *cfg, char *err, size_t cap)
{
    rates_config_t rc = {.static_json = cfg->exchange_rates, .ttl_ms = cfg->exchange_rates_ttl_ms};
    if (cfg->exchange_rates_url && *cfg->exchange_rates_url) {
        c->rates_url = strdup(cfg->exchange_rates_url);
        rc.fetch = connector_http_rates_fetch;
        rc.fetch_ctx = c;
    }
    rates_result_t r;
    c->rates = rates_new(&rc, &r);
    if (!c->rates) {
        snprintf(err, cap, "EXCHANGE_RATES: %s (expected {\"USD\":{\"EUR\":\"0.9\"}})",
                 rates_result_str(r));
        return -1;
    }
    return 0;
}

connector_t *connector_new(const connector_config_t *cfg, char *err, size_t cap)
{
    connector_t *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, cap, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&c->acct_mu, NULL);
    pthread_mutex_init(&c->reload_mu, NULL);
    c->peers_reload_ms = cfg->peers_reload_ms;
    slice_t addr = SLICE_STR(cfg->ilp_address ? cfg->ilp_address : "");
    if (!ilp_address_is_valid(addr)) {
        snprintf(err, cap, "ILP_ADDRESS: not a valid ILP address");
        goto fail;
    }
    memcpy(c->address, addr.ptr, addr.len);
    c->address_len = addr.len;
    c->ledger = cfg->ledger;
    c->db = cfg->db;
    c->counters = cfg->counters;
    c->default_limits = cfg->default_limits;
    c->link = cfg->link;
    c->id_node = rand_u64() & ((1ull << 42) - 1);
    atomic_init(&c->id_seq, 0);
    c->acct = calloc(ACCT_CACHE_SLOTS, sizeof *c->acct);
    c->routes = routes_new();
    c->peers = c->routes ? peers_new(cfg->db, c->routes) : NULL;
    c->timers = timers_new();
    c->http = http_client_new(&(http_client_config_t){0});
    if (!c->acct || !c->peers || !c->timers || !c->http) {
        snprintf(err, cap, "out of memory or thread start failure");
        goto fail;
    }
    if (!c->link.send) {
        c->link.send = connector_http_link_send;
        c->link.ctx = c;
    }
    if (setup_rates(c, cfg, err, cap) != 0)
        goto fail;
    if (stream_receiver_init(&c->receiver, addr, cfg->stream_secret) != STREAM_OK) {
        snprintf(err, cap, "STREAM receiver: bad server address");
        goto fail;
    }
    c->receiver.totals = cfg->counters;
    c->receiver.totals_ttl_s = STREAM_TOTALS_TTL_S;
    if (peers_load(c->peers) != PEERS_OK) {
        snprintf(err, cap, "could not load peers from the database");
        goto fail;
    }
    if (reload_start(c) != 0) {
        snprintf(err, cap, "could not start the peers reload thread");
        goto fail;
    }
    LOGI("connector: %s with %zu peers, %zu routes", c->address, peers_count(c->peers),
         routes_count(c->routes));
    return c;
fail:
    connector_teardown(c);
    return NULL;
}

void connector_free(connector_t *c)
{
    if (!c)
        return;
    uint64_t left = atomic_load(&c->in_flight);
    if (left)
        LOGW("connector: freeing with %llu packets in flight", (unsigned long long)left);
    connector_teardown(c);
}

peers_t *connector_peers(connector_t *c)
{
    return c->peers;
}
routes_t *connector_routes(connector_t *c)
{
    return c->routes;
}
rates_t *connector_rates(connector_t *c)
{
    return c->rates;
}
const stream_receiver_t *connector_receiver(connector_t *c)
{
    return &c->receiver;
}
uint64_t connector_in_flight(connector_t *c)
{
    return atomic_load(&c->in_flight);
}

ledger_id_t connector_transfer_id(connector_t *c)
{
    uint64_t ms = (uint64_t)clock_wall_ms() & ((1ull << 48) - 1);
    uint64_t seq = atomic_fetch_add_explicit(&c->id_seq, 1, memory_order_relaxed);
    /* hi: unix_ts_ms(48) ver(4)=7 rand_a(12); lo: var(2)=0b10 rand_b(62) */
    return (ledger_id_t){.hi = ms << 16 | 0x7000u | (c->id_node >> 30),
                         .lo = 0x8000000000000000ull | (c->id_node & ((1ull << 30) - 1)) << 32 |
                               (seq & 0xffffffffu)};
}

/* ---- account cache ---- */

static size_t acct_slot(ledger_id_t id)
{
    return (size_t)((id.hi ^ id.lo) * 0x9e3779b97f4a7c15ull >> 52) % ACCT_CACHE_SLOTS;
}

int connector_account_info(connector_t *c, ledger_id_t id, acct_info_t *out)
{
    size_t slot = acct_slot(id);
    uint64_t now = clock_mono_ms();
    pthread_mutex_lock(&c->acct_mu);
    acct_slot_t *s = &c->acct[slot];
    bool hit =
        s->loaded_ms && now - s->loaded_ms < ACCT_CACHE_TTL_MS && ledger_id_eq(s->info.id, id);
    if (hit)
        *out = s->info;
    pthread_mutex_unlock(&c->acct_mu);
    if (hit)
        return 0;

    ledger_account_t a;
    ledger_asset_t asset;
    ledger_result_t r = ledger_account_get(c->ledger, id, &a);
    if (r == LEDGER_OK)
        r = ledger_asset_get(c->ledger, a.asset_id, &asset);
    if (r != LEDGER_OK)
        return r == LEDGER_ACCOUNT_NOT_FOUND || r == LEDGER_ASSET_NOT_FOUND ? -1 : -2;
    acct_info_t info = {.id = id,
                        .asset_id = a.asset_id,
                        .liquidity_id = asset.liquidity_account_id,
                        .kind = a.kind,
                        .stream_enabled = a.stream_enabled,
                        .scale = asset.scale};
    snprintf(info.code, sizeof info.code, "%s", asset.code);
    pthread_mutex_lock(&c->acct_mu);
    c->acct[slot] = (acct_slot_t){.info = info, .loaded_ms = now ? now : 1};
    pthread_mutex_unlock(&c->acct_mu);
    *out = info;
    return 0;
}

/* ---- entry points ---- */

void connector_handle_peer(connector_t *c, peer_t *peer, const uint8_t *pkt, size_t len,
                           connector_reply_fn reply, void *user)
{
    acct_info_t src;
    int rc = connector_account_info(c, peer->account_id, &src);
    if (rc != 0) {
        LOGE("connector: peer account missing or unreadable");
        pipeline_reject_now(c, "T00", "peer account unavailable", reply, user);
        return;
    }
    pipeline_start(c, peer, &src, pkt, len, reply, user);
}

void connector_send_local(connector_t *c, ledger_id_t source_account, const uint8_t *pkt,
                          size_t len, connector_reply_fn reply, void *user)
{
    acct_info_t src;
    int rc = connector_account_info(c, source_account, &src);
    if (rc != 0) {
        pipeline_reject_now(c, rc == -1 ? "F02" : "T00", "unknown source account", reply, user);
        return;
    }
    pipeline_start(c, NULL, &src, pkt, len, reply, user);
}

int connector_stream_credentials(connector_t *c, ledger_id_t account, stream_credentials_t *out)
{
    acct_info_t info;
    int rc = connector_account_info(c, account, &info);
    if (rc != 0)
        return rc;
    if (!info.stream_enabled)
        return -1;
    char tag[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(account, tag);
    stream_connection_details_t d = {.payment_tag = SLICE(tag, LEDGER_ID_STR_LEN),
                                     .has_asset = true,
                                     .asset_code = SLICE_STR(info.code),
                                     .asset_scale = info.scale};
    return stream_receiver_credentials(&c->receiver, &d, out) == STREAM_OK ? 0 : -2;
}

/* ---- counters over the cache ---- */

static int cache_counter_get(void *ctx, const char *key, uint64_t *total)
{
    char buf[32];
    size_t len = 0;
    cache_err_t e;
    cache_rc_t rc = cache_get(ctx, key, buf, sizeof buf - 1, &len, &e);
    if (rc == CACHE_MISS) {
        *total = 0;
        return 0;
    }
    if (rc != CACHE_OK)
        return -1;
    return parse_u64(buf, len, total) == 0 ? 0 : -1;
}

static int cache_counter_incr(void *ctx, const char *key, int64_t delta, uint32_t ttl_s,
                              uint64_t *total)
{
    int64_t v = 0;
    cache_err_t e;
    if (cache_incr(ctx, key, delta, (uint64_t)ttl_s * 1000, &v, &e) != CACHE_OK)
        return -1;
    *total = v < 0 ? 0 : (uint64_t)v;
    return 0;
}

stream_totals_t connector_counters_cache(cache_t *cache)
{
    return (stream_totals_t){.ctx = cache, .get = cache_counter_get, .incr = cache_counter_incr};
}
