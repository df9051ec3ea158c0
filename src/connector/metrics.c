/*
 * The connector's metrics (connector_metrics_write in connector.h): answers to Prepares by
 * result and reject code, packets in flight, and each peer's balance beside its limits; and
 * the same answers per minute over the last hour (connector_minutes, the console's chart).
 */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/metrics.h"
#include "connector/connector_internal.h"
#include "connector/peers.h"
#include "ilp/errors.h"

/* Peers read per scrape (their balances are database reads). */
#define METRICS_PEERS_MAX 1000

void connector_count_reply(connector_t *c, const uint8_t *pkt, size_t len)
{
    if (len >= 1 && pkt[0] == ILP_TYPE_FULFILL) {
        atomic_fetch_add_explicit(&c->fulfilled, 1, memory_order_relaxed);
        return;
    }
    /* a Reject: type, a length prefix (one byte, or 0x80 | n then n bytes), then the code */
    size_t at = len >= 2 ? (pkt[1] < 0x80 ? 2 : 2 + (size_t)(pkt[1] & 0x7f)) : len;
    size_t n, slot = CONNECTOR_REJECT_SLOTS - 1;
    const ilp_error_info_t *table = ilp_error_table(&n);
    const ilp_error_info_t *e = at + 3 <= len ? ilp_error_lookup((const char *)pkt + at) : NULL;
    if (e && (size_t)(e - table) < CONNECTOR_REJECT_SLOTS - 1)
        slot = (size_t)(e - table);
    atomic_fetch_add_explicit(&c->rejected[slot], 1, memory_order_relaxed);
}

static int answers_write(connector_t *c, buf_t *b)
{
    size_t n;
    const ilp_error_info_t *table = ilp_error_table(&n);
    int rc = metrics_family(b, "rafiki_ilp_packets_total", "counter",
                            "answers to ILP Prepares by result, and Rejects by code");
    if (rc == 0)
        rc = metrics_sample_u64(b, "rafiki_ilp_packets_total", "result=\"fulfilled\"",
                                atomic_load_explicit(&c->fulfilled, memory_order_relaxed));
    char labels[64];
    for (size_t i = 0; i < CONNECTOR_REJECT_SLOTS && rc == 0; i++) {
        uint64_t v = atomic_load_explicit(&c->rejected[i], memory_order_relaxed);
        bool other = i == CONNECTOR_REJECT_SLOTS - 1;
        if (!other && i >= n)
            continue;
        snprintf(labels, sizeof labels, "result=\"rejected\",code=\"%s\"",
                 other ? "other" : table[i].code);
        rc = metrics_sample_u64(b, "rafiki_ilp_packets_total", labels, v);
    }
    if (rc == 0)
        rc = metrics_family(b, "rafiki_ilp_packets_in_flight", "gauge",
                            "Prepares received and not yet answered");
    if (rc == 0)
        rc = metrics_sample_u64(b, "rafiki_ilp_packets_in_flight", "",
                                atomic_load_explicit(&c->in_flight, memory_order_relaxed));
    return rc;
}

/* One peer's balance, minimum and maximum as gauges (in the asset's smallest unit). */
static int peer_write(connector_t *c, buf_t *b, const peer_t *p, const char *family)
{
    ledger_account_t a;
    ledger_status_t st;
    if (ledger_account_get(c->ledger, p->account_id, &a) != LEDGER_OK ||
        ledger_account_status(c->ledger, p->account_id, &st) != LEDGER_OK)
        return 0; /* removed meanwhile, or unreadable: left out of this scrape */
    char name[2 * PEER_NAME_MAX + 1], labels[3 * PEER_NAME_MAX];
    snprintf(labels, sizeof labels, "peer=\"%s\",asset=\"%s\"",
             metrics_label_escape(p->name, name, sizeof name), p->asset_code);
    if (strcmp(family, "rafiki_peer_balance") == 0)
        return metrics_sample(b, family, labels, (double)st.balance);
    if (strcmp(family, "rafiki_peer_balance_min") == 0)
        return a.no_min_balance ? 0 : metrics_sample(b, family, labels, (double)a.min_balance);
    return a.has_max_balance ? metrics_sample(b, family, labels, (double)a.max_balance) : 0;
}

static int peers_write(connector_t *c, buf_t *b)
{
    static const char *const families[3][2] = {
        {"rafiki_peer_balance", "balance of each peer's account (smallest unit of its asset)"},
        {"rafiki_peer_balance_min", "lowest balance the peer's account may reach (its credit)"},
        {"rafiki_peer_balance_max", "highest balance the peer's account may reach"},
    };
    peer_t *list[METRICS_PEERS_MAX];
    size_t n = 0;
    if (peers_db_list(c->db, (ledger_id_t){0}, list, METRICS_PEERS_MAX, &n) != PEERS_OK)
        n = 0;
    int rc = 0;
    for (int f = 0; f < 3 && rc == 0; f++) {
        rc = metrics_family(b, families[f][0], "gauge", families[f][1]);
        for (size_t i = 0; i < n && rc == 0; i++)
            rc = peer_write(c, b, list[i], families[f][0]);
    }
    for (size_t i = 0; i < n; i++)
        peer_release(list[i]);
    return rc;
}

int connector_metrics_write(connector_t *c, buf_t *b)
{
    int rc = answers_write(c, b);
    return rc == 0 ? peers_write(c, b) : rc;
}

/* ---- answers per minute ---- */

#define MINUTE_MS 60000

/* The answers so far: fulfilled and rejected (every slot). */
static void answers_total(connector_t *c, uint64_t out[2])
{
    out[0] = atomic_load_explicit(&c->fulfilled, memory_order_relaxed);
    out[1] = 0;
    for (size_t i = 0; i < CONNECTOR_REJECT_SLOTS; i++)
        out[1] += atomic_load_explicit(&c->rejected[i], memory_order_relaxed);
}

static int64_t minute_of(int64_t wall_ms)
{
    return wall_ms >= 0 ? wall_ms / MINUTE_MS : 0;
}

static void minute_timer(void *arg);

/* Arms the timer for the next minute's start (a few ms after it). */
static int minute_arm(connector_t *c, int64_t now_ms)
{
    int64_t left = MINUTE_MS - (now_ms >= 0 ? now_ms % MINUTE_MS : 0) + 5;
    return timers_add(c->timers, &c->minutes_timer, clock_mono_ms() + (uint64_t)left, minute_timer,
                      c);
}

/* Closes the minute being counted (a late timer adds the time it missed to that minute). */
static void minute_timer(void *arg)
{
    connector_t *c = arg;
    int64_t now = clock_wall_ms();
    uint64_t t[2];
    pthread_mutex_lock(&c->minutes_mu);
    answers_total(c, t);
    int64_t m = minute_of(now);
    if (m != c->minute) {
        size_t at = (size_t)(c->minute % CONNECTOR_MINUTES);
        c->minute_stamp[at] = c->minute;
        c->minute_counts[at][0] = t[0] - c->minute_base[0];
        c->minute_counts[at][1] = t[1] - c->minute_base[1];
        c->minute = m;
        c->minute_base[0] = t[0];
        c->minute_base[1] = t[1];
    }
    pthread_mutex_unlock(&c->minutes_mu);
    if (minute_arm(c, now) != 0)
        LOGW("connector: the per-minute counts stop (no timer)");
}

int connector_minutes_start(connector_t *c)
{
    int64_t now = clock_wall_ms();
    c->minute = minute_of(now);
    for (size_t i = 0; i < CONNECTOR_MINUTES; i++)
        c->minute_stamp[i] = -1;
    answers_total(c, c->minute_base);
    return minute_arm(c, now);
}

void connector_minutes(connector_t *c, int64_t now_ms, uint64_t fulfilled[CONNECTOR_MINUTES],
                       uint64_t rejected[CONNECTOR_MINUTES])
{
    int64_t last = minute_of(now_ms);
    uint64_t t[2];
    pthread_mutex_lock(&c->minutes_mu);
    answers_total(c, t);
    for (size_t i = 0; i < CONNECTOR_MINUTES; i++) {
        int64_t m = last - (int64_t)(CONNECTOR_MINUTES - 1 - i);
        size_t at = m >= 0 ? (size_t)(m % CONNECTOR_MINUTES) : 0;
        fulfilled[i] = rejected[i] = 0;
        if (m == c->minute) {
            fulfilled[i] = t[0] - c->minute_base[0];
            rejected[i] = t[1] - c->minute_base[1];
        } else if (m >= 0 && c->minute_stamp[at] == m) {
            fulfilled[i] = c->minute_counts[at][0];
            rejected[i] = c->minute_counts[at][1];
        }
    }
    pthread_mutex_unlock(&c->minutes_mu);
}
