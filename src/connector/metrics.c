/*
 * The connector's metrics (connector_metrics_write in connector.h): answers to Prepares by
 * result and reject code, packets in flight, and each peer's balance beside its limits.
 */
#include <stdio.h>
#include <string.h>

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
