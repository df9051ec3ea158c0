/* src/connector/metrics.c's answers per minute (connector_minutes): Rejects answered by the
 * pipeline and Fulfills counted in the minute of now (or the one before, when a test crosses
 * a minute's end and the timer closes it), oldest first, the other minutes of the hour 0, and
 * nothing outside the last hour. */
#include "harness.h"

#include "connector/connector_internal.h"

static h_node_t *node;
static peer_t *peer;

static void setup(void)
{
    log_set_level(LOG_ERROR);
    node = h_node("M", "test.m", NULL);
    peer = h_peer(node, &node->usd, "test.p", NULL, NULL, "tok-minutes", "test.p", -1000000);
}

static void teardown(void)
{
    peer_release(peer);
    h_teardown();
}

TestSuite(minutes, .init = setup, .fini = teardown, .timeout = 60);

Test(minutes, answers_are_counted_in_the_minute_of_now)
{
    int64_t now = clock_wall_ms();
    uint64_t f[CONNECTOR_MINUTES], r[CONNECTOR_MINUTES];
    connector_minutes(node->c, now, f, r);
    cr_assert_eq(f[CONNECTOR_MINUTES - 1] + r[CONNECTOR_MINUTES - 1], 0);
    h_wait_t w;
    uint8_t junk[] = {12, 3, 1, 2, 3};
    h_send_peer(node, peer, junk, sizeof junk, &w);
    h_expect_reject(&w, "F01");
    uint8_t pkt[512];
    size_t n = h_prepare(pkt, sizeof pkt, "test.m.x", 10, -1000, NULL);
    h_send_peer(node, peer, pkt, n, &w);
    h_expect_reject(&w, "R02");
    static const uint8_t fulfill[1] = {ILP_TYPE_FULFILL};
    connector_count_reply(node->c, fulfill, sizeof fulfill);
    now = clock_wall_ms();
    connector_minutes(node->c, now, f, r);
    /* this minute's, or the one before when the test crossed a minute's end */
    const size_t last = CONNECTOR_MINUTES - 1;
    cr_assert_eq(r[last] + r[last - 1], 2, "two Rejects");
    cr_assert_eq(f[last] + f[last - 1], 1, "one Fulfill");
    for (size_t i = 0; i + 2 < CONNECTOR_MINUTES; i++)
        cr_assert_eq(f[i] + r[i], 0, "minute %zu", i);
    /* two hours on: the counts have left the window */
    connector_minutes(node->c, now + 2 * 3600 * 1000, f, r);
    for (size_t i = 0; i < CONNECTOR_MINUTES; i++)
        cr_assert_eq(f[i] + r[i], 0, "minute %zu", i);
}
