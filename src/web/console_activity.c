/*
 * The overview's activity over the last hour (console.h): payments per minute from the
 * database (pay_minutes.h; a tenant counts those of its own wallet addresses, the operator
 * every tenant's) and, for the operator only, the connector's packets per minute (its counts
 * are the installation's, with no tenant to them), drawn by console_chart.h.
 */
#include "web/console_call.h"
#include "web/console_chart.h"
#include "payments/pay_minutes.h"
#include "base/clock.h"
#include "base/mem.h"

_Static_assert(PAY_MINUTES == CONSOLE_MINUTES, "the charts' minutes");

static void payments_chart(const console_call_t *call, buf_t *b, int64_t now)
{
    pay_minutes_t *m = xcalloc(1, sizeof *m);
    if (pay_minutes_count(call->cfg->db, call->is_operator ? NULL : call->who.tenant_id, now, m) !=
        PAY_MINUTES_OK) {
        buf_printf(b, "<p role=\"alert\">The payments cannot be counted right now.</p>");
        free(m);
        return;
    }
    const console_series_t s[3] = {{"Outgoing completed", m->out_completed},
                                   {"Outgoing failed", m->out_failed},
                                   {"Incoming completed", m->in_completed}};
    console_chart_svg(
        b, &(console_chart_t){.id = "payments-chart",
                              .title = "Payments per minute",
                              .desc = call->is_operator
                                          ? "Outgoing payments that completed or failed and "
                                            "incoming payments that completed, per minute over "
                                            "the last hour, for every tenant."
                                          : "Outgoing payments that completed or failed and "
                                            "incoming payments that completed, per minute over "
                                            "the last hour, for your wallet addresses.",
                              .series = s,
                              .n_series = 3,
                              .n = CONSOLE_MINUTES,
                              .last_ms = now});
    free(m);
}

static void packets_chart(const console_call_t *call, buf_t *b, int64_t now)
{
    if (!call->is_operator) {
        buf_printf(b, "<p id=\"packets-operator-only\">Packets per minute are shown to the "
                      "operator only: the connector counts them for the whole installation, "
                      "not per tenant.</p>");
        return;
    }
    if (!call->cfg->packets) {
        buf_printf(b, "<p>No connector runs in this process.</p>");
        return;
    }
    uint64_t ok[CONSOLE_MINUTES], rej[CONSOLE_MINUTES];
    call->cfg->packets(call->cfg->packets_arg, now, ok, rej);
    const console_series_t s[2] = {{"Fulfilled", ok}, {"Rejected", rej}};
    console_chart_svg(b, &(console_chart_t){.id = "packets-chart",
                                            .title = "ILP packets per minute",
                                            .desc = "Prepares this process's connector answered "
                                                    "with a Fulfill or a Reject, per minute over "
                                                    "the last hour (since it started).",
                                            .series = s,
                                            .n_series = 2,
                                            .n = CONSOLE_MINUTES,
                                            .last_ms = now});
}

void console_overview_activity(const console_call_t *call, buf_t *b)
{
    int64_t now = clock_wall_ms();
    buf_printf(b, "<section id=\"activity\"><h2>The last hour</h2>");
    payments_chart(call, b, now);
    packets_chart(call, b, now);
    buf_printf(b, "</section>");
}
