/* Tests for src/ilp/ccp.c: route control and route update bodies. */
#include <criterion/criterion.h>
#include <string.h>

#include "base/codec.h"
#include "ilp/ccp.h"
#include "../unhex.h"

Test(ccp, route_control_round_trip)
{
    uint8_t in[64];
    size_t n =
        unhex(in, sizeof(in), "0170d1a134a0df4f47964f6e19e2ab379000000020010203666f6f03626172");
    ccp_route_control_t c;
    cr_assert_eq(ccp_route_control_decode(SLICE(in, n), &c), CCP_OK);
    cr_assert_eq(c.mode, CCP_MODE_SYNC);
    cr_assert_eq(c.last_known_epoch, 32);
    cr_assert_eq(c.n_features, 2);
    cr_assert(slice_eq_str(c.features[1], "bar"));
    buf_t b;
    buf_init(&b, 256);
    cr_assert_eq(ccp_route_control_encode(&b, &c), CCP_OK);
    cr_assert(slice_eq(buf_slice(&b), SLICE(in, n)));
    buf_free(&b);
    cr_assert_eq(ccp_route_control_decode(SLICE(in, n - 1), &c), CCP_ERR_TRUNCATED);
    in[0] = 2;
    cr_assert_eq(ccp_route_control_decode(SLICE(in, n), &c), CCP_ERR_BAD_MODE);
}

Test(ccp, route_update_with_routes)
{
    ccp_route_t routes[2] = {0};
    routes[0].prefix = SLICE_LIT("g.alice");
    routes[0].n_path = 1;
    routes[0].path[0] = SLICE_LIT("g.bob");
    routes[0].n_props = 1;
    routes[0].props[0] = (ccp_prop_t){CCP_PROP_OPTIONAL | CCP_PROP_UTF8, 7, SLICE_LIT("v")};
    routes[1].prefix = SLICE_LIT("g.carol");
    slice_t withdrawn[1] = {SLICE_LIT("g.dave")};
    ccp_route_update_t u = {.current_epoch_index = 5,
                            .from_epoch_index = 4,
                            .to_epoch_index = 5,
                            .hold_down_time_ms = 45000,
                            .speaker = SLICE_LIT("g.bob"),
                            .n_new_routes = 2,
                            .new_routes = routes,
                            .n_withdrawn = 1,
                            .withdrawn = withdrawn};
    buf_t b;
    buf_init(&b, 1024);
    cr_assert_eq(ccp_route_update_encode(&b, &u), CCP_OK);
    ccp_route_t got_routes[2];
    slice_t got_withdrawn[1];
    ccp_route_update_t v = {.new_routes = got_routes,
                            .new_routes_cap = 2,
                            .withdrawn = got_withdrawn,
                            .withdrawn_cap = 1};
    cr_assert_eq(ccp_route_update_decode(buf_slice(&b), &v), CCP_OK);
    cr_assert_eq(v.hold_down_time_ms, 45000);
    cr_assert_eq(v.n_new_routes, 2);
    cr_assert(slice_eq_str(got_routes[0].path[0], "g.bob"));
    cr_assert_eq(got_routes[0].props[0].id, 7);
    cr_assert_eq(got_routes[0].props[0].flags, 0x90);
    cr_assert(slice_eq_str(got_withdrawn[0], "g.dave"));
    v.new_routes_cap = 1;
    cr_assert_eq(ccp_route_update_decode(buf_slice(&b), &v), CCP_ERR_TOO_MANY);
    buf_free(&b);
}
