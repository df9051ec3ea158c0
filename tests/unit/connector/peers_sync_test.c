/*
 * Tests for peers_sync (peers_registry.c) and the connector's periodic peers reload: a second
 * "replica" (its own database handle on the same SQLite file, its own registry and routing
 * table) sees peers created, updated (address, routes, tokens, limits) and deleted through the
 * first one's storage, and keeps unchanged peer objects across reloads.
 */
#include "harness.h"

#define TOK1 "sync-token-one-0123456789"
#define TOK2 "sync-token-two-0123456789"

typedef struct {
    h_node_t *n;
    db_t *db2;
    routes_t *rt2;
    peers_t *reg2;
} sync_fx_t;

static sync_fx_t F;

static void sync_setup(void)
{
    log_set_level(LOG_ERROR);
    memset(&F, 0, sizeof F);
    F.n = h_node("S", "test.s", NULL);
    char url[160];
    snprintf(url, sizeof url, "sqlite:%s", F.n->path);
    db_err_t err;
    F.db2 = db_open(url, &err);
    cr_assert_not_null(F.db2, "%s", err.msg);
    F.rt2 = routes_new();
    F.reg2 = peers_new(F.db2, F.rt2);
    cr_assert_not_null(F.reg2);
}

static void sync_teardown(void)
{
    peers_free(F.reg2);
    routes_free(F.rt2);
    db_close(F.db2);
    h_teardown();
}

/* A peer stored through replica 1's database (as its admin API does). */
static peer_t *stored_peer(const char *address, const char *route, const char *token)
{
    peer_t *p = peer_new();
    p->id = ledger_id_random();
    p->asset_id = F.n->usd.id;
    p->account_id = h_account(F.n, &F.n->usd, LEDGER_KIND_PEER, 0, false);
    snprintf(p->name, sizeof p->name, "sync");
    snprintf(p->ilp_address, sizeof p->ilp_address, "%s", address);
    if (route)
        peer_set_routes(p, &route, 1);
    char err[128] = "";
    cr_assert_eq(peers_db_insert(F.n->db, p, &token, 1, err, sizeof err), PEERS_OK, "%s", err);
    return p;
}

static bool routed(routes_t *rt, const char *dest, ledger_id_t want)
{
    ledger_id_t got;
    return routes_lookup(rt, SLICE_STR(dest), (ledger_id_t){0, 0}, &got) == ROUTES_OK &&
           ledger_id_eq(got, want);
}

static bool authenticates(peers_t *reg, const char *token, ledger_id_t want)
{
    peer_t *p = peers_auth(reg, token, strlen(token));
    bool ok = p && ledger_id_eq(p->id, want);
    peer_release(p);
    return ok;
}

Test(peers_sync, create_update_delete_reach_the_other_replica, .init = sync_setup,
     .fini = sync_teardown, .timeout = 30)
{
    bool changed = false;
    cr_assert_eq(peers_sync(F.reg2, false, &changed), PEERS_OK);
    cr_assert_eq(peers_count(F.reg2), 0);

    /* create */
    peer_t *p = stored_peer("test.x", "test.x", TOK1);
    cr_assert_eq(peers_sync(F.reg2, false, &changed), PEERS_OK);
    cr_assert(changed);
    cr_assert_eq(peers_count(F.reg2), 1);
    cr_assert(authenticates(F.reg2, TOK1, p->id));
    cr_assert(routed(F.rt2, "test.x.alice", p->id));
    peer_t *kept = peers_get(F.reg2, p->id);
    cr_assert_not_null(kept);

    /* nothing changed: no reload, the same object stays */
    cr_assert_eq(peers_sync(F.reg2, false, &changed), PEERS_OK);
    cr_assert_not(changed);
    cr_assert_eq(peers_sync(F.reg2, true, &changed), PEERS_OK);
    cr_assert(changed, "a forced sync reloads");
    peer_t *same = peers_get(F.reg2, p->id);
    cr_assert_eq(same, kept, "an unchanged peer keeps its object across a reload");
    peer_release(same);

    /* update: address, routes, tokens */
    peer_t *u = peer_clone(p);
    snprintf(u->ilp_address, sizeof u->ilp_address, "test.y");
    peer_set_routes(u, (const char *const[]){"test.y"}, 1);
    const char *tok2 = TOK2;
    cr_assert_eq(peers_db_update(F.n->db, u, &tok2, 1, NULL, 0), PEERS_OK);
    cr_assert_eq(peers_sync(F.reg2, false, &changed), PEERS_OK);
    cr_assert(changed);
    peer_t *now = peers_get(F.reg2, p->id);
    cr_assert_not_null(now);
    cr_assert_str_eq(now->ilp_address, "test.y");
    cr_assert_neq(now, kept, "an updated peer is a new object");
    cr_assert_str_eq(kept->ilp_address, "test.x", "packets holding the old object keep it");
    peer_release(now);
    peer_release(kept);
    cr_assert_not(authenticates(F.reg2, TOK1, p->id), "the replaced token is refused");
    cr_assert(authenticates(F.reg2, TOK2, p->id));
    cr_assert_not(routed(F.rt2, "test.x.alice", p->id), "the old route is gone");
    cr_assert(routed(F.rt2, "test.y.bob", p->id));

    /* two updates back to back (likely in one millisecond): each is seen */
    for (uint64_t amount = 5; amount <= 7; amount += 2) {
        u->max_packet_amount = amount;
        cr_assert_eq(peers_db_update(F.n->db, u, NULL, 0, NULL, 0), PEERS_OK);
        cr_assert_eq(peers_sync(F.reg2, false, &changed), PEERS_OK);
        cr_assert(changed, "update to %llu not seen", (unsigned long long)amount);
        now = peers_get(F.reg2, p->id);
        cr_assert_eq(now->max_packet_amount, amount);
        cr_assert(authenticates(F.reg2, TOK2, p->id), "tokens kept when not replaced");
        peer_release(now);
    }

    /* delete */
    cr_assert_eq(peers_db_delete(F.n->db, p->id), PEERS_OK);
    cr_assert_eq(peers_sync(F.reg2, false, &changed), PEERS_OK);
    cr_assert(changed);
    cr_assert_null(peers_get(F.reg2, p->id));
    cr_assert_not(authenticates(F.reg2, TOK2, p->id));
    cr_assert_not(routed(F.rt2, "test.y.bob", p->id));
    cr_assert_eq(routes_count(F.rt2), 0);
    peer_release(u);
    peer_release(p);
}

Test(peers_sync, many_peers_some_changed_some_deleted, .init = sync_setup, .fini = sync_teardown)
{
    enum { N = 40 };
    peer_t *p[N];
    char addr[32], tok[48];
    for (int i = 0; i < N; i++) {
        snprintf(addr, sizeof addr, "test.p%d", i);
        snprintf(tok, sizeof tok, "many-token-%d-0123456789", i);
        p[i] = stored_peer(addr, NULL, tok);
    }
    bool changed;
    cr_assert_eq(peers_sync(F.reg2, false, &changed), PEERS_OK);
    cr_assert_eq(peers_count(F.reg2), N);
    /* delete every third, update every fifth (one of them deleted too) */
    for (int i = 0; i < N; i++) {
        if (i % 5 == 0) {
            peer_t *u = peer_clone(p[i]);
            snprintf(u->ilp_address, sizeof u->ilp_address, "test.q%d", i);
            cr_assert_eq(peers_db_update(F.n->db, u, NULL, 0, NULL, 0), PEERS_OK);
            peer_release(u);
        }
        if (i % 3 == 0)
            cr_assert_eq(peers_db_delete(F.n->db, p[i]->id), PEERS_OK);
    }
    cr_assert_eq(peers_sync(F.reg2, false, &changed), PEERS_OK);
    cr_assert(changed);
    size_t left = 0;
    for (int i = 0; i < N; i++) {
        peer_t *got = peers_get(F.reg2, p[i]->id);
        snprintf(addr, sizeof addr, "test.p%d.x", i);
        bool old_route = routed(F.rt2, addr, p[i]->id);
        snprintf(addr, sizeof addr, "test.q%d.x", i);
        bool new_route = routed(F.rt2, addr, p[i]->id);
        snprintf(tok, sizeof tok, "many-token-%d-0123456789", i);
        if (i % 3 == 0) {
            cr_assert_null(got, "peer %d was deleted", i);
            cr_assert_not(old_route || new_route);
            cr_assert_not(authenticates(F.reg2, tok, p[i]->id));
            continue;
        }
        left++;
        cr_assert_not_null(got, "peer %d is stored", i);
        cr_assert(authenticates(F.reg2, tok, p[i]->id));
        char want[32];
        snprintf(want, sizeof want, i % 5 == 0 ? "test.q%d" : "test.p%d", i);
        cr_assert_str_eq(got->ilp_address, want);
        cr_assert_eq(old_route, i % 5 != 0, "peer %d old route", i);
        cr_assert_eq(new_route, i % 5 == 0, "peer %d new route", i);
        peer_release(got);
    }
    cr_assert_eq(peers_count(F.reg2), left);
    for (int i = 0; i < N; i++)
        peer_release(p[i]);
}

Test(peers_sync, an_unchanged_table_is_not_reloaded, .init = sync_setup, .fini = sync_teardown)
{
    /* the version check: with the table as last synced, a sync changes nothing (here a peer
     * known only in memory stays; a forced sync would make the registry equal the table) */
    peer_t *p = stored_peer("test.x", NULL, TOK1);
    bool changed;
    cr_assert_eq(peers_sync(F.reg2, false, &changed), PEERS_OK);
    cr_assert(changed);
    peer_t *local = peer_clone(p);
    local->id = ledger_id_random();
    cr_assert_eq(peers_put(F.reg2, local, NULL, 0), PEERS_OK);
    cr_assert_eq(peers_sync(F.reg2, false, &changed), PEERS_OK);
    cr_assert_not(changed, "the table did not change");
    peer_t *got = peers_get(F.reg2, local->id);
    cr_assert_not_null(got);
    peer_release(got);
    cr_assert_eq(peers_sync(F.reg2, true, &changed), PEERS_OK);
    cr_assert(changed);
    cr_assert_null(peers_get(F.reg2, local->id), "the registry equals the table after a reload");
    got = peers_get(F.reg2, p->id);
    cr_assert_not_null(got);
    peer_release(got);
    peer_release(local);
    peer_release(p);
}

Test(peers_sync, the_connector_reloads_peers_periodically, .init = sync_setup,
     .fini = sync_teardown, .timeout = 30)
{
    /* replica 2 as a whole connector, reloading every 50 ms */
    connector_config_t cfg = {.ilp_address = "test.s2",
                              .ledger = F.n->l,
                              .db = F.db2,
                              .counters = stream_totals_mem(F.n->totals),
                              .link = {.send = h_link_send},
                              .peers_reload_ms = 50};
    char err[256];
    connector_t *c2 = connector_new(&cfg, err, sizeof err);
    cr_assert_not_null(c2, "%s", err);
    peer_t *p = stored_peer("test.z", NULL, TOK1);
    peer_t *seen = NULL;
    for (int i = 0; i < 200 && !seen; i++) {
        usleep(10000);
        seen = peers_get(connector_peers(c2), p->id);
    }
    cr_assert_not_null(seen, "a peer created elsewhere was not loaded");
    peer_release(seen);
    cr_assert(routed(connector_routes(c2), "test.z.carol", p->id));

    peer_t *u = peer_clone(p);
    u->max_packet_amount = 42;
    cr_assert_eq(peers_db_update(F.n->db, u, NULL, 0, NULL, 0), PEERS_OK);
    uint64_t amount = 0;
    for (int i = 0; i < 200 && amount != 42; i++) {
        usleep(10000);
        seen = peers_get(connector_peers(c2), p->id);
        amount = seen ? seen->max_packet_amount : 0;
        peer_release(seen);
    }
    cr_assert_eq(amount, 42, "an update made elsewhere was not applied");

    cr_assert_eq(peers_db_delete(F.n->db, p->id), PEERS_OK);
    bool gone = false;
    for (int i = 0; i < 200 && !gone; i++) {
        usleep(10000);
        seen = peers_get(connector_peers(c2), p->id);
        gone = !seen;
        peer_release(seen);
    }
    cr_assert(gone, "a peer deleted elsewhere is still used");
    cr_assert_not(routed(connector_routes(c2), "test.z.carol", p->id));
    cr_assert_geq(connector_peer_reloads(c2), 3);
    connector_free(c2);
    peer_release(u);
    peer_release(p);
}

Test(peers_sync, a_token_from_the_other_replica_is_found_by_auth_load, .init = sync_setup,
     .fini = sync_teardown, .timeout = 30)
{
    peer_t *p = stored_peer("test.x", "test.x", TOK1);
    /* peers_auth reads memory only (it runs on HTTP handler threads) */
    cr_assert_not(authenticates(F.reg2, TOK1, p->id));
    peer_t *got = peers_auth_load(F.reg2, TOK1, strlen(TOK1));
    cr_assert_not_null(got, "found in the database");
    cr_assert(ledger_id_eq(got->id, p->id));
    peer_release(got);
    cr_assert(authenticates(F.reg2, TOK1, p->id), "cached by the load");
    cr_assert_null(peers_auth_load(F.reg2, TOK2, strlen(TOK2)), "an unknown token");
    peer_release(p);
}
