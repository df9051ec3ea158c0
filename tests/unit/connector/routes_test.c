/* Tests for src/connector/routes.c: longest prefix, no route back to the source, default route. */
#include <criterion/criterion.h>
#include <string.h>

#include "connector/routes.h"

static ledger_id_t id(uint64_t n)
{
    return (ledger_id_t){0, n};
}

Test(routes, longest_prefix_wins)
{
    routes_t *rt = routes_new();
    cr_assert_eq(routes_add(rt, SLICE_LIT("g.a"), id(1)), ROUTES_OK);
    cr_assert_eq(routes_add(rt, SLICE_LIT("g.a.b"), id(2)), ROUTES_OK);
    cr_assert_eq(routes_add(rt, SLICE_LIT("g"), id(3)), ROUTES_OK);
    ledger_id_t out;
    cr_assert_eq(routes_lookup(rt, SLICE_LIT("g.a.b.c"), id(0), &out), ROUTES_OK);
    cr_assert(ledger_id_eq(out, id(2)));
    cr_assert_eq(routes_lookup(rt, SLICE_LIT("g.a.bc"), id(0), &out), ROUTES_OK);
    cr_assert(ledger_id_eq(out, id(1)), "g.a.b must not match g.a.bc");
    cr_assert_eq(routes_lookup(rt, SLICE_LIT("g.z"), id(0), &out), ROUTES_OK);
    cr_assert(ledger_id_eq(out, id(3)));
    cr_assert_eq(routes_lookup(rt, SLICE_LIT("test.z"), id(0), &out), ROUTES_NOT_FOUND);
    routes_free(rt);
}

Test(routes, never_back_to_source)
{
    routes_t *rt = routes_new();
    routes_add(rt, SLICE_LIT("g.a.b"), id(1));
    routes_add(rt, SLICE_LIT("g.a"), id(2));
    ledger_id_t out;
    cr_assert_eq(routes_lookup(rt, SLICE_LIT("g.a.b.x"), id(1), &out), ROUTES_OK);
    cr_assert(ledger_id_eq(out, id(2)), "falls back to a shorter prefix");
    cr_assert_eq(routes_lookup(rt, SLICE_LIT("g.a.x"), id(2), &out), ROUTES_NOT_FOUND);
    routes_free(rt);
}

Test(routes, default_route_trailing_dot_and_removal)
{
    routes_t *rt = routes_new();
    cr_assert_eq(routes_add(rt, SLICE_LIT(""), id(9)), ROUTES_OK);
    cr_assert_eq(routes_add(rt, SLICE_LIT("test.x."), id(4)), ROUTES_OK);
    cr_assert_eq(routes_add(rt, SLICE_LIT("test.x"), id(4)), ROUTES_OK, "duplicate is a no-op");
    cr_assert_eq(routes_count(rt), 2);
    cr_assert_eq(routes_add(rt, SLICE_LIT("bad..prefix"), id(4)), ROUTES_BAD_PREFIX);
    ledger_id_t out;
    cr_assert_eq(routes_lookup(rt, SLICE_LIT("test.x.y"), id(0), &out), ROUTES_OK);
    cr_assert(ledger_id_eq(out, id(4)));
    cr_assert_eq(routes_lookup(rt, SLICE_LIT("example.q"), id(0), &out), ROUTES_OK);
    cr_assert(ledger_id_eq(out, id(9)));
    cr_assert_eq(routes_remove_peer(rt, id(4)), 1);
    cr_assert_eq(routes_lookup(rt, SLICE_LIT("test.x.y"), id(0), &out), ROUTES_OK);
    cr_assert(ledger_id_eq(out, id(9)));
    routes_free(rt);
}

Test(routes, first_added_peer_wins_on_equal_prefix)
{
    routes_t *rt = routes_new();
    routes_add(rt, SLICE_LIT("g.p"), id(7));
    routes_add(rt, SLICE_LIT("g.p"), id(5));
    ledger_id_t out;
    cr_assert_eq(routes_lookup(rt, SLICE_LIT("g.p.q"), id(0), &out), ROUTES_OK);
    cr_assert(ledger_id_eq(out, id(7)));
    cr_assert_eq(routes_lookup(rt, SLICE_LIT("g.p.q"), id(7), &out), ROUTES_OK);
    cr_assert(ledger_id_eq(out, id(5)));
    routes_free(rt);
}

Test(routes, result_names_are_stable)
{
    cr_assert_str_eq(routes_result_str(ROUTES_OK), "ok");
    cr_assert_str_eq(routes_result_str(ROUTES_NOT_FOUND), "not_found");
    cr_assert_str_eq(routes_result_str(ROUTES_BAD_PREFIX), "bad_prefix");
    cr_assert_str_eq(routes_result_str(ROUTES_FULL), "full");
    cr_assert_str_eq(routes_result_str((routes_result_t)99), "unknown");
}

/* Two peers with one ILP address, one configured with routes to it, the other only sending to
 * us (its address is its implicit route): the configured one gets the traffic in either load
 * order (the playground's peers in two assets, reloaded after a restart, found this). */
Test(routes, a_given_route_beats_a_peers_own_address)
{
    for (int order = 0; order < 2; order++) {
        routes_t *rt = routes_new();
        if (order == 0) {
            routes_add_as(rt, SLICE_LIT("test.bank"), id(2), true);
            routes_add(rt, SLICE_LIT("test.bank"), id(1));
        } else {
            routes_add(rt, SLICE_LIT("test.bank"), id(1));
            routes_add_as(rt, SLICE_LIT("test.bank"), id(2), true);
        }
        ledger_id_t out;
        cr_assert_eq(routes_lookup(rt, SLICE_LIT("test.bank.bob"), id(0), &out), ROUTES_OK);
        cr_assert(ledger_id_eq(out, id(1)), "order %d", order);
        /* from peer 1 itself, the other is still a way there */
        cr_assert_eq(routes_lookup(rt, SLICE_LIT("test.bank.bob"), id(1), &out), ROUTES_OK);
        cr_assert(ledger_id_eq(out, id(2)));
        routes_free(rt);
    }
}
