/*
 * The operator console's webhook events pages (see console.h): the list with its type and time
 * filters and keyset paging (pay_console.h), and one event: its JSON body as it is sent, and its
 * delivery as stored (attempts, last answer, next try; no row per attempt is kept) with the
 * operator's copy of a tenant's event.
 */
#include <stdio.h>
#include <string.h>

#include "web/console_call.h"
#include "web/pages.h"
#include "payments/pay_console.h"
#include "payments/tenants.h"
#include "payments/webhooks.h"
#include "base/mem.h"

typedef struct {
    char type[PAY_CONSOLE_TYPE_MAX + 1], from[24], to[24], before[64];
} filters_t;

static void arg_copy(const console_call_t *call, const char *name, char *out, size_t cap)
{
    const char *v = http_req_query(call->req, name);
    out[0] = '\0';
    if (v && strlen(v) < cap)
        snprintf(out, cap, "%s", v);
}

static bool filters_read(const console_call_t *call, filters_t *f, pay_console_event_query_t *q)
{
    arg_copy(call, "type", f->type, sizeof f->type);
    arg_copy(call, "from", f->from, sizeof f->from);
    arg_copy(call, "to", f->to, sizeof f->to);
    arg_copy(call, "before", f->before, sizeof f->before);
    q->type = f->type;
    return (!f->from[0] || console_time_parse(f->from, &q->from_ms)) &&
           (!f->to[0] || console_time_parse(f->to, &q->to_ms)) &&
           console_cursor_parse(f->before, &q->after);
}

static void filter_form(buf_t *b, const filters_t *f)
{
    buf_printf(b, "<form method=\"get\" action=\"/console/webhook-events\" class=\"filters\">");
    console_text_input(b, "type", "Type (e.g. incoming_payment.completed)", f->type);
    console_text_input(b, "from", "Created from (UTC, YYYY-MM-DD[THH:MM])", f->from);
    console_text_input(b, "to", "Created before (UTC)", f->to);
    buf_printf(b, "<div class=\"actions\"><button type=\"submit\">Filter</button></div></form>");
}

static void event_rows(buf_t *b, const pay_console_event_t *ev, size_t n)
{
    buf_printf(b, "<table id=\"events\"><thead><tr><th>Created (UTC)</th><th>Event</th>"
                  "<th>Type</th><th>Resource</th><th>Delivery</th></tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        buf_printf(b, "<tr><td>");
        console_time(b, ev[i].created_ms);
        buf_printf(b, "</td><td><a href=\"/console/webhook-events/");
        page_escape(b, ev[i].id);
        buf_printf(b, "\"><code>");
        page_escape(b, ev[i].id);
        buf_printf(b, "</code></a></td><td>");
        page_escape(b, ev[i].type);
        buf_printf(b, "</td><td><code>");
        page_escape(b, ev[i].resource_id);
        buf_printf(b, "</code></td><td>%s, %u attempts</td></tr>",
                   webhook_state_str((webhook_state_t)ev[i].state), ev[i].attempts);
    }
    buf_printf(b, "</tbody></table>");
}

static void older_link(buf_t *b, const filters_t *f, const pay_console_cursor_t *c)
{
    char cur[64];
    snprintf(cur, sizeof cur, "%lld_%s", (long long)c->at_ms, c->key);
    buf_printf(b, "<p><a rel=\"next\" id=\"older\" href=\"/console/webhook-events?");
    console_query_arg(b, "type", f->type);
    console_query_arg(b, "from", f->from);
    console_query_arg(b, "to", f->to);
    console_query_arg(b, "before", cur);
    buf_printf(b, "\">Older</a></p>");
}

http_handler_result_t console_webhook_events(http_req_t *req, void *user)
{
    console_call_t call;
    if (!console_begin(req, user, CONSOLE_READ, &call))
        return HTTP_DONE;
    filters_t f;
    pay_console_event_query_t q = {.limit = PAY_CONSOLE_PAGE_MAX};
    if (!call.is_operator) {
        q.scope.kind = PAY_SCOPE_TENANT;
        snprintf(q.scope.tenant_id, sizeof q.scope.tenant_id, "%s", call.who.tenant_id);
    }
    if (!filters_read(&call, &f, &q))
        return console_refuse(&call, 400, "Filter not understood",
                              "A time is YYYY-MM-DD, or YYYY-MM-DDTHH:MM (UTC).");
    pay_console_event_t *ev = xcalloc(PAY_CONSOLE_PAGE_MAX, sizeof *ev);
    size_t n = 0;
    pay_console_cursor_t older = {0};
    buf_t b;
    console_page_begin(&call, &b, "Webhook events");
    filter_form(&b, &f);
    if (pay_console_events(call.cfg->db, &q, ev, &n, &older, NULL) != PAY_CONSOLE_OK)
        buf_printf(&b, "<p role=\"alert\">The events cannot be read right now.</p>");
    else if (n == 0)
        buf_printf(&b, "<p id=\"none\">No events.</p>");
    if (n)
        event_rows(&b, ev, n);
    if (older.set && n < PAY_CONSOLE_PAGE_MAX)
        buf_printf(&b, "<p class=\"note\">Part of the list was searched for your events; Older "
                       "searches on.</p>");
    if (older.set)
        older_link(&b, &f, &older);
    free(ev);
    return page_send(req, 200, &b);
}

/* One delivery's stored state as table cells. */
static void delivery_cells(buf_t *b, int state, unsigned attempts, unsigned last_status,
                           const char *last_error, int64_t process_at_ms)
{
    buf_printf(b, "<td class=\"state\">%s</td><td>%u</td><td>",
               webhook_state_str((webhook_state_t)state), attempts);
    if (last_status)
        buf_printf(b, "%u", last_status);
    else
        buf_printf(b, "%s", attempts ? "no answer" : "");
    buf_printf(b, "</td><td>");
    page_escape(b, last_error);
    buf_printf(b, "</td><td>");
    if (state == WEBHOOK_STATE_PENDING)
        console_time(b, process_at_ms);
    buf_printf(b, "</td>");
}

static void deliveries(const console_call_t *call, buf_t *b, const pay_console_event_t *e)
{
    buf_printf(b, "<section><h2>Delivery</h2><p class=\"note\">What is stored per delivery: its "
                  "state, the attempts made, the last attempt's HTTP status and error, and the "
                  "next try. No row is kept per attempt.</p><table id=\"deliveries\"><thead><tr>"
                  "<th>To</th><th>State</th><th>Attempts</th><th>Last status</th><th>Last error"
                  "</th><th>Next try (UTC)</th></tr></thead><tbody><tr><td>the owner of its "
                  "resource</td>");
    delivery_cells(b, e->state, e->attempts, e->last_status, e->last_error, e->process_at_ms);
    buf_printf(b, "</tr>");
    pay_console_copy_t copies[PAY_CONSOLE_COPIES_MAX];
    size_t n = 0;
    /* the operator's copies: the operator's business, not the tenant's */
    if (call->is_operator &&
        pay_console_event_copies(call->cfg->db, e->seq, copies, &n, NULL) != PAY_CONSOLE_OK)
        buf_printf(b, "<tr><td colspan=\"6\">The copies cannot be read right now.</td></tr>");
    for (size_t i = 0; i < n; i++) {
        buf_printf(b, "<tr class=\"copy\"><td>copy to ");
        if (copies[i].recipient[0])
            page_escape(b, copies[i].recipient);
        else
            buf_printf(b, "the operator");
        buf_printf(b, "</td>");
        delivery_cells(b, copies[i].state, copies[i].attempts, copies[i].last_status,
                       copies[i].last_error, copies[i].process_at_ms);
        buf_printf(b, "</tr>");
    }
    buf_printf(b, "</tbody></table></section>");
}

/* The event of the path that the principal may see, with its data; else a 404 answered. */
static bool event_of_path(console_call_t *call, pay_console_event_t *e, char **data)
{
    const char *id = http_req_param(call->req, "id");
    char owner[PAY_TENANT_ID_LEN + 1];
    *data = NULL;
    if (!id || strlen(id) != LEDGER_ID_STR_LEN ||
        (!call->is_operator &&
         (pay_tenant_owner(call->cfg->db, PAY_OWNED_EVENT, id, owner) != PAY_TENANT_OK ||
          strcmp(owner, call->who.tenant_id) != 0))) {
        console_refuse(call, 404, "No such event", "There is no such event.");
        return false;
    }
    pay_console_result_t r = pay_console_event_get(call->cfg->db, id, e, data, NULL);
    if (r == PAY_CONSOLE_OK)
        return true;
    if (r == PAY_CONSOLE_NOT_FOUND)
        console_refuse(call, 404, "No such event", "There is no such event.");
    else
        console_refuse(call, 503, "Try again", "The event cannot be read now.");
    return false;
}

http_handler_result_t console_webhook_event(http_req_t *req, void *user)
{
    console_call_t call;
    pay_console_event_t e;
    char *data;
    if (!console_begin(req, user, CONSOLE_READ, &call) || !event_of_path(&call, &e, &data))
        return HTTP_DONE;
    buf_t b;
    console_page_begin(&call, &b, "Webhook event");
    buf_printf(&b, "<table id=\"facts\"><tbody><tr><th>Id</th><td><code>");
    page_escape(&b, e.id);
    buf_printf(&b, "</code></td></tr><tr><th>Type</th><td id=\"type\">");
    page_escape(&b, e.type);
    buf_printf(&b, "</td></tr><tr><th>Resource</th><td><code>");
    page_escape(&b, e.resource_id);
    buf_printf(&b, "</code></td></tr><tr><th>Created (UTC)</th><td>");
    console_time(&b, e.created_ms);
    buf_printf(&b, "</td></tr></tbody></table><h2>Body</h2><p>What is sent, as "
                   "{\"data\":..., \"id\":..., \"type\":...} (canonical JSON on the wire; shown "
                   "indented here).</p>");
    json_t *data_j = json_loads(data, 0, NULL);
    json_t *body = json_pack("{s:o?,s:s,s:s}", "data", data_j, "id", e.id, "type", e.type);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    console_json_block(&b, text ? text : data);
    free(text);
    json_decref(body);
    free(data);
    deliveries(&call, &b, &e);
    return page_send(req, 200, &b);
}
