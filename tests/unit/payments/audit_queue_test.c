/* src/payments/audit_queue.c on SQLite: queued rows reach console_audit with their channel on a
 * flush, by themselves within the flush interval, and on free; console rows keep their channel;
 * a full queue drops the newest rows instead of blocking. Through the APIs and the console's
 * page: tests/interop/console_audit.test.mjs. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "payments/audit_queue.h"
#include "base/clock.h"

#include "payments_db.h"

static db_t *db;

static void setup(void)
{
    db = bk_open("sqlite:", "audit_queue");
}

static void teardown(void)
{
    db_close(db);
}

TestSuite(audit_queue, .init = setup, .fini = teardown, .timeout = 60);

static console_audit_t row(const char *channel, const char *action, int i)
{
    console_audit_t e = {.at_ms = clock_wall_ms() + i};
    snprintf(e.who.tenant_id, sizeof e.who.tenant_id, "tenant-a");
    snprintf(e.channel, sizeof e.channel, "%s", channel);
    snprintf(e.action, sizeof e.action, "%s", action);
    snprintf(e.target, sizeof e.target, "target-%d", i);
    snprintf(e.request_id, sizeof e.request_id, "req-%d", i);
    return e;
}

static size_t listed(console_audit_t *out, size_t cap)
{
    size_t n = 0;
    cr_assert_eq(console_audit_list(db, NULL, out, cap, &n), CONSOLE_OK);
    return n;
}

Test(audit_queue, rows_are_written_on_flush_with_their_channel)
{
    audit_queue_t *q = audit_queue_new(db);
    cr_assert_not_null(q);
    console_audit_t c = row("", "asset_create", 0);
    cr_assert_eq(console_audit_add(db, &c), CONSOLE_OK);
    console_audit_t r = row("rest", "POST /assets", 1), g = row("graphql", "createAsset", 2);
    audit_queue_add(q, &r);
    audit_queue_add(q, &g);
    audit_queue_flush(q);
    console_audit_t out[8];
    cr_assert_eq(listed(out, 8), 3);
    /* newest first */
    cr_assert_str_eq(out[0].channel, "graphql");
    cr_assert_str_eq(out[0].action, "createAsset");
    cr_assert_str_eq(out[0].request_id, "req-2");
    cr_assert_str_eq(out[1].channel, "rest");
    cr_assert_str_eq(out[1].action, "POST /assets");
    cr_assert_str_eq(out[1].target, "target-1");
    cr_assert_str_eq(out[2].channel, "console", "a console row without a channel reads console");
    audit_queue_free(q);
}

Test(audit_queue, rows_are_written_within_the_interval_and_on_free)
{
    audit_queue_t *q = audit_queue_new(db);
    console_audit_t r = row("rest", "POST /peers", 1);
    audit_queue_add(q, &r);
    console_audit_t out[8];
    for (int i = 0; i < 40 && listed(out, 8) == 0; i++)
        usleep(100 * 1000);
    cr_assert_eq(listed(out, 8), 1, "written within %d ms", AUDIT_QUEUE_FLUSH_MS);
    console_audit_t last = row("rest", "DELETE /peers/{id}", 2);
    audit_queue_add(q, &last);
    audit_queue_free(q);
    cr_assert_eq(listed(out, 8), 2, "the last row is written when the queue stops");
}

Test(audit_queue, a_full_queue_drops_instead_of_blocking)
{
    audit_queue_t *q = audit_queue_new(db);
    /* more than the queue holds, faster than one flush: every add returns at once */
    int64_t t0 = clock_wall_ms();
    for (int i = 0; i < 3 * AUDIT_QUEUE_MAX; i++) {
        console_audit_t r = row("rest", "POST /transfers", i);
        audit_queue_add(q, &r);
    }
    cr_assert_lt(clock_wall_ms() - t0, 2000);
    audit_queue_free(q);
    size_t n = 0;
    console_audit_t *out = calloc(4 * AUDIT_QUEUE_MAX, sizeof *out);
    cr_assert_eq(console_audit_list(db, NULL, out, 4 * AUDIT_QUEUE_MAX, &n), CONSOLE_OK);
    cr_assert_geq(n, AUDIT_QUEUE_MAX);
    cr_assert_leq(n, 3 * AUDIT_QUEUE_MAX);
    free(out);
}
