/*
 * Connector setup and teardown, configuration from the environment, the peers reload thread,
 * the two entry points, and STREAM credentials. The stages are in pipeline.c, the account
 * cache and transfer ids in accounts.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/env.h"
#include "base/log.h"
#include "base/mem.h"
#include "connector/connector_internal.h"
#include "ilp/address.h"

const char *connector_result_str(connector_result_t r)
{
    static const char *const names[CONNECTOR_RESULT_COUNT] = {
        [CONNECTOR_OK] = "ok",
        [CONNECTOR_NOT_FOUND] = "not_found",
        [CONNECTOR_BAD_CONFIG] = "bad_config",
        [CONNECTOR_STORAGE] = "storage_error",
        [CONNECTOR_ADDRESS] = "bad_address",
    };
    return (unsigned)r < CONNECTOR_RESULT_COUNT ? names[r] : "unknown";
}

/* Fills err (when not NULL) with the message. */
__attribute__((format(printf, 2, 3))) static void err_set(connector_err_t *err, const char *fmt,
                                                          ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

connector_result_t connector_config_env(connector_config_t *cfg, connector_err_t *err)
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
        err_set(err, "%s", e.msg);
        return CONNECTOR_BAD_CONFIG;
    }
    cfg->exchange_rates_ttl_ms = (uint32_t)ttl;
    cfg->peers_reload_ms = (uint32_t)reload;
    cfg->default_limits.packets_per_s = pps;
    cfg->default_limits.amount_per_s = aps;
    return CONNECTOR_OK;
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
    accounts_free(c->accounts);
    peers_free(c->peers);
    routes_free(c->routes);
    rates_free(c->rates);
    free(c->rates_src.url);
    for (size_t i = 0; i < c->n_extra; i++) {
        rates_free(c->extra_rates[i]);
        free(c->extra_src[i].url);
    }
    pthread_mutex_destroy(&c->extra_mu);
    pthread_mutex_destroy(&c->reload_mu);
    pthread_mutex_destroy(&c->minutes_mu);
    free(c);
}

static int setup_rates(connector_t *c, const connector_config_t *cfg, connector_err_t *err)
{
    rates_config_t rc = {.static_json = cfg->exchange_rates, .ttl_ms = cfg->exchange_rates_ttl_ms};
    c->rates_ttl_ms = cfg->exchange_rates_ttl_ms;
    c->rates_src.c = c;
    if (cfg->exchange_rates_url && *cfg->exchange_rates_url) {
        c->rates_src.url = xstrdup(cfg->exchange_rates_url);
        rc.fetch = connector_http_rates_fetch;
        rc.fetch_ctx = &c->rates_src;
    }
    rates_result_t r;
    c->rates = rates_new(&rc, &r);
    if (!c->rates) {
        err_set(err, "EXCHANGE_RATES: %s (expected {\"USD\":{\"EUR\":\"0.9\"}})",
                rates_result_str(r));
        return -1;
    }
    return 0;
}

connector_t *connector_new(const connector_config_t *cfg, connector_err_t *err)
{
    connector_t *c = xcalloc(1, sizeof *c);
    pthread_mutex_init(&c->reload_mu, NULL);
    pthread_mutex_init(&c->minutes_mu, NULL);
    c->peers_reload_ms = cfg->peers_reload_ms;
    slice_t addr = SLICE_STR(cfg->ilp_address ? cfg->ilp_address : "");
    if (!ilp_address_is_valid(addr)) {
        err_set(err, "ILP_ADDRESS: not a valid ILP address");
        goto fail;
    }
    memcpy(c->address, addr.ptr, addr.len);
    c->address_len = addr.len;
    c->ledger = cfg->ledger;
    c->db = cfg->db;
    c->counters = cfg->counters;
    c->default_limits = cfg->default_limits;
    c->link = cfg->link;
    atomic_init(&c->auth_loads, 0);
    pthread_mutex_init(&c->extra_mu, NULL);
    c->accounts = accounts_new(cfg->ledger);
    c->routes = routes_new();
    c->peers = peers_new(cfg->db, c->routes);
    c->timers = timers_new();
    c->http = http_client_new(&(http_client_config_t){0});
    if (!c->accounts || !c->timers || !c->http || connector_minutes_start(c) != 0) {
        err_set(err, "could not start the account loader, timer or HTTP client thread");
        goto fail;
    }
    if (!c->link.send) {
        c->link.send = connector_http_link_send;
        c->link.ctx = c;
        c->link_is_http = true;
    }
    if (setup_rates(c, cfg, err) != 0)
        goto fail;
    if (stream_receiver_init(&c->receiver, addr, cfg->stream_secret) != STREAM_OK) {
        err_set(err, "STREAM receiver: bad server address");
        goto fail;
    }
    c->receiver.totals = cfg->counters;
    c->receiver.totals_ttl_s = STREAM_TOTALS_TTL_S;
    if (peers_load(c->peers) != PEERS_OK) {
        err_set(err, "could not load peers from the database");
        goto fail;
    }
    if (reload_start(c) != 0) {
        err_set(err, "could not start the peers reload thread");
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

rates_t *connector_rates_for_url(connector_t *c, const char *url)
{
    if (!url || !*url)
        return c->rates;
    rates_t *found = NULL;
    pthread_mutex_lock(&c->extra_mu);
    for (size_t i = 0; i < c->n_extra && !found; i++)
        if (strcmp(c->extra_src[i].url, url) == 0)
            found = c->extra_rates[i];
    if (!found && c->n_extra < CONNECTOR_EXTRA_RATES_MAX) {
        size_t i = c->n_extra;
        c->extra_src[i] = (rates_source_t){.c = c, .url = xstrdup(url)};
        rates_config_t rc = {.fetch = connector_http_rates_fetch,
                             .fetch_ctx = &c->extra_src[i],
                             .ttl_ms = c->rates_ttl_ms};
        found = c->extra_rates[i] = rates_new(&rc, NULL);
        if (found)
            c->n_extra++;
        else
            free(c->extra_src[i].url);
    }
    pthread_mutex_unlock(&c->extra_mu);
    if (!found)
        LOGW("rates: no room for the rates service %s; using the instance's", url);
    return found ? found : c->rates;
}
const stream_receiver_t *connector_receiver(connector_t *c)
{
    return &c->receiver;
}
void connector_set_partial_decision(connector_t *c, connector_decide_fn decide, void *ctx)
{
    c->decide = decide;
    c->decide_ctx = ctx;
}
uint64_t connector_in_flight(connector_t *c)
{
    return atomic_load(&c->in_flight);
}

/* ---- entry points ---- */

void connector_handle_peer(connector_t *c, peer_t *peer, const uint8_t *pkt, size_t len,
                           connector_reply_fn reply, void *user)
{
    pipeline_start(c, peer, peer->account_id, pkt, len, reply, user);
}

void connector_send_local(connector_t *c, ledger_id_t source_account, const uint8_t *pkt,
                          size_t len, connector_reply_fn reply, void *user)
{
    pipeline_start(c, NULL, source_account, pkt, len, reply, user);
}

connector_result_t connector_stream_credentials(connector_t *c, ledger_id_t account,
                                                stream_credentials_t *out)
{
    acct_info_t info;
    accounts_result_t r = accounts_get(c->accounts, account, &info);
    if (r != ACCOUNTS_OK)
        return r == ACCOUNTS_NOT_FOUND ? CONNECTOR_NOT_FOUND : CONNECTOR_STORAGE;
    if (!info.stream_enabled)
        return CONNECTOR_NOT_FOUND;
    char tag[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(account, tag);
    stream_connection_details_t d = {.payment_tag = SLICE(tag, LEDGER_ID_STR_LEN),
                                     .has_asset = true,
                                     .asset_code = SLICE_STR(info.code),
                                     .asset_scale = info.scale};
    return stream_receiver_credentials(&c->receiver, &d, out) == STREAM_OK ? CONNECTOR_OK
                                                                           : CONNECTOR_ADDRESS;
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
