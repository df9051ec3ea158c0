/*
 * The operator console's payments pages (see console.h): the incoming and outgoing payment
 * lists with their filters and keyset paging (pay_console.h), a payment's page (amounts, wallet
 * address, quote, metadata, the state history as the stored times and webhook events tell it,
 * its ledger transfers and events), and the cancel and complete actions, which call the same
 * incoming_payment.h and outgoing_payment.h functions as the admin APIs.
 */
#include <stdio.h>
#include <string.h>

#include "web/console_call.h"
#include "web/pages.h"
#include "payments/incoming_payment.h"
#include "payments/pay_console.h"
#include "payments/quote.h"
#include "payments/tenants.h"
#include "payments/wallet_address.h"
#include "payments/webhooks.h"
#include "http/form.h"
#include "base/civil.h"
#include "base/codec.h"
#include "base/mem.h"

#define FILTER_MAX      600 /* a wallet address URL and then some */
#define TRANSFERS_MAX   50
#define PAY_EVENTS_MAX  50
#define WALLET_MEMO_MAX PAY_CONSOLE_PAGE_MAX

/* ---- what the payments and events pages share (console_call.h) ---- */

/* n digits of s as a number, or -1. */
static int64_t digits(const char *s, int n)
{
    int64_t v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

bool console_time_parse(const char *s, int64_t *out_ms)
{
    size_t len = strlen(s);
    if (len != 10 && len != 16 && len != 19)
        return false;
    int64_t y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2), h = 0, mi = 0, se = 0;
    if (y < 1970 || s[4] != '-' || s[7] != '-' || mo < 1 || mo > 12 || d < 1 ||
        d > civil_days_in_month(y, (int)mo))
        return false;
    if (len >= 16) {
        h = digits(s + 11, 2);
        mi = digits(s + 14, 2);
        if ((s[10] != 'T' && s[10] != ' ') || s[13] != ':' || h < 0 || h > 23 || mi < 0 || mi > 59)
            return false;
    }
    if (len == 19 && (s[16] != ':' || (se = digits(s + 17, 2)) < 0 || se > 59))
        return false;
    int64_t days = civil_days_from_date(y, (int)mo, (int)d);
    *out_ms = ((days * 24 + h) * 60 + mi) * 60000 + se * 1000;
    return true;
}

bool console_cursor_parse(const char *s, pay_console_cursor_t *c)
{
    memset(c, 0, sizeof *c);
    if (!s || !*s)
        return true;
    const char *us = strchr(s, '_');
    if (!us || us == s || us - s > 15 || strlen(us + 1) == 0 || strlen(us + 1) > LEDGER_ID_STR_LEN)
        return false;
    int64_t ms = digits(s, (int)(us - s));
    if (ms < 0)
        return false;
    c->set = true;
    c->at_ms = ms;
    snprintf(c->key, sizeof c->key, "%s", us + 1);
    return true;
}

void console_query_arg(buf_t *b, const char *name, const char *value)
{
    if (!value || !*value)
        return;
    char enc[3 * FILTER_MAX + 1];
    form_encode(value, enc, sizeof enc);
    buf_printf(b, "%s=", name);
    page_escape(b, enc);
    buf_printf(b, "&amp;");
}

void console_text_input(buf_t *b, const char *id, const char *label, const char *value)
{
    buf_printf(b,
               "<label for=\"%s\">%s</label><input type=\"text\" id=\"%s\" name=\"%s\" "
               "value=\"",
               id, label, id, id);
    page_escape(b, value ? value : "");
    buf_printf(b, "\">");
}

/* ---- lists ---- */

typedef struct {
    char state[16], wallet[FILTER_MAX], from[24], to[24], before[64];
} filters_t;

static void arg_copy(const console_call_t *call, const char *name, char *out, size_t cap)
{
    const char *v = http_req_query(call->req, name);
    out[0] = '\0';
    if (v && strlen(v) < cap)
        snprintf(out, cap, "%s", v);
}

/* The filters of the request into q; false with why when one is not understood. */
static bool filters_read(const console_call_t *call, filters_t *f, pay_console_query_t *q,
                         const char **why)
{
    arg_copy(call, "state", f->state, sizeof f->state);
    arg_copy(call, "wallet", f->wallet, sizeof f->wallet);
    arg_copy(call, "from", f->from, sizeof f->from);
    arg_copy(call, "to", f->to, sizeof f->to);
    arg_copy(call, "before", f->before, sizeof f->before);
    q->state = f->state;
    if ((f->from[0] && !console_time_parse(f->from, &q->from_ms)) ||
        (f->to[0] && !console_time_parse(f->to, &q->to_ms))) {
        *why = "A time is YYYY-MM-DD, or YYYY-MM-DDTHH:MM (UTC).";
        return false;
    }
    if (!console_cursor_parse(f->before, &q->after)) {
        *why = "The page link is not understood.";
        return false;
    }
    if (!f->wallet[0])
        return true;
    q->has_wallet = true;
    if (ledger_id_parse(f->wallet, strlen(f->wallet), &q->wallet_address_id) == 0)
        return true;
    wallet_address_t *w = xmalloc(sizeof *w);
    wallet_address_result_t r =
        call->cfg->wallet
            ? wallet_address_get_by_url(call->cfg->wallet, f->wallet, strlen(f->wallet), w, NULL)
            : WALLET_ADDRESS_NOT_FOUND;
    if (r == WALLET_ADDRESS_OK)
        q->wallet_address_id = w->id;
    else
        q->wallet_address_id = (ledger_id_t){0}; /* no payment has it: an empty list */
    free(w);
    return true;
}

static void filter_form(buf_t *b, bool outgoing, const filters_t *f)
{
    static const char *const in_states[] = {"pending", "completed", "expired", NULL};
    static const char *const out_states[] = {"FUNDING", "SENDING",   "COMPLETED",
                                             "FAILED",  "CANCELLED", NULL};
    const char *const *states = outgoing ? out_states : in_states;
    buf_printf(b,
               "<form method=\"get\" action=\"/console/payments/%s\" class=\"filters\">"
               "<label for=\"state\">State</label><select id=\"state\" name=\"state\">"
               "<option value=\"\">any</option>",
               outgoing ? "outgoing" : "incoming");
    for (size_t i = 0; states[i]; i++)
        buf_printf(b, "<option%s>%s</option>", strcmp(f->state, states[i]) == 0 ? " selected" : "",
                   states[i]);
    buf_printf(b, "</select>");
    console_text_input(b, "wallet", "Wallet address (id or URL)", f->wallet);
    console_text_input(b, "from", "Created from (UTC, YYYY-MM-DD[THH:MM])", f->from);
    console_text_input(b, "to", "Created before (UTC)", f->to);
    buf_printf(b, "<div class=\"actions\"><button type=\"submit\">Filter</button></div></form>");
}

/* Wallet address URLs of one page, each read once. */
typedef struct {
    ledger_id_t id[WALLET_MEMO_MAX];
    char url[WALLET_MEMO_MAX][WALLET_ADDRESS_URL_MAX + 1];
    size_t n;
} wallet_memo_t;

static const char *wallet_url(const console_call_t *call, wallet_memo_t *m, ledger_id_t id)
{
    for (size_t i = 0; i < m->n; i++)
        if (ledger_id_eq(m->id[i], id))
            return m->url[i];
    if (m->n == WALLET_MEMO_MAX || !call->cfg->wallet)
        return "";
    wallet_address_t *w = xmalloc(sizeof *w);
    size_t i = m->n++;
    m->id[i] = id;
    m->url[i][0] = '\0';
    if (wallet_address_get(call->cfg->wallet, id, w, NULL) == WALLET_ADDRESS_OK)
        snprintf(m->url[i], sizeof m->url[i], "%s", w->url);
    free(w);
    return m->url[i];
}

static void list_rows(const console_call_t *call, buf_t *b, bool outgoing,
                      const pay_console_row_t *rows, size_t n)
{
    wallet_memo_t *m = xcalloc(1, sizeof *m);
    buf_printf(b,
               "<table id=\"payments\"><thead><tr><th>Created (UTC)</th><th>Payment</th>"
               "<th>State</th><th>Wallet address</th><th>Updated (UTC)</th></tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        buf_printf(b, "<tr><td>");
        console_time(b, rows[i].created_ms);
        buf_printf(b, "</td><td><a href=\"/console/payments/%s/",
                   outgoing ? "outgoing" : "incoming");
        console_id(b, rows[i].id);
        buf_printf(b, "\"><code>");
        console_id(b, rows[i].id);
        buf_printf(b, "</code></a></td><td class=\"state\">");
        page_escape(b, rows[i].state);
        buf_printf(b, "</td><td>");
        const char *url = wallet_url(call, m, rows[i].wallet_address_id);
        if (url[0])
            page_escape(b, url);
        else
            console_id(b, rows[i].wallet_address_id);
        buf_printf(b, "</td><td>");
        console_time(b, rows[i].updated_ms);
        buf_printf(b, "</td></tr>");
    }
    buf_printf(b, "</tbody></table>");
    free(m);
}

static void older_link(buf_t *b, bool outgoing, const filters_t *f, const pay_console_cursor_t *c)
{
    char cur[64];
    snprintf(cur, sizeof cur, "%lld_%s", (long long)c->at_ms, c->key);
    buf_printf(b, "<p><a rel=\"next\" id=\"older\" href=\"/console/payments/%s?",
               outgoing ? "outgoing" : "incoming");
    console_query_arg(b, "state", f->state);
    console_query_arg(b, "wallet", f->wallet);
    console_query_arg(b, "from", f->from);
    console_query_arg(b, "to", f->to);
    console_query_arg(b, "before", cur);
    buf_printf(b, "\">Older</a></p>");
}

static http_handler_result_t list_page(http_req_t *req, void *user, bool outgoing)
{
    console_call_t call;
    if (!console_begin(req, user, CONSOLE_READ, &call))
        return HTTP_DONE;
    filters_t *f = xcalloc(1, sizeof *f);
    pay_console_query_t q = {.outgoing = outgoing, .limit = PAY_CONSOLE_PAGE_MAX};
    if (!call.is_operator) {
        q.scope.kind = PAY_SCOPE_TENANT;
        snprintf(q.scope.tenant_id, sizeof q.scope.tenant_id, "%s", call.who.tenant_id);
    }
    const char *why = NULL;
    if (!filters_read(&call, f, &q, &why)) {
        free(f);
        return console_refuse(&call, 400, "Filter not understood", why);
    }
    pay_console_row_t *rows = xcalloc(PAY_CONSOLE_PAGE_MAX, sizeof *rows);
    size_t n = 0;
    pay_console_cursor_t older = {0};
    buf_t b;
    console_page_begin(&call, &b, outgoing ? "Outgoing payments" : "Incoming payments");
    filter_form(&b, outgoing, f);
    if (pay_console_payments(call.cfg->db, &q, rows, &n, &older, NULL) != PAY_CONSOLE_OK)
        buf_printf(&b, "<p role=\"alert\">The payments cannot be read right now.</p>");
    else if (n == 0)
        buf_printf(&b, "<p id=\"none\">No payments%s.</p>",
                   f->before[0] ? " older than these" : "");
    if (n)
        list_rows(&call, &b, outgoing, rows, n);
    if (older.set && n < PAY_CONSOLE_PAGE_MAX)
        buf_printf(&b, "<p class=\"note\">Part of the list was searched for your payments; "
                       "Older searches on.</p>");
    if (older.set)
        older_link(&b, outgoing, f, &older);
    free(rows);
    free(f);
    return page_send(req, 200, &b);
}

http_handler_result_t console_payments_incoming(http_req_t *req, void *user)
{
    return list_page(req, user, false);
}

http_handler_result_t console_payments_outgoing(http_req_t *req, void *user)
{
    return list_page(req, user, true);
}

/* ---- a payment's page ---- */

/* The payment of the path that the principal may see: its id, or a 404 answered (false). */
static bool payment_of_path(console_call_t *call, pay_owned_t kind, ledger_id_t *id)
{
    const char *s = http_req_param(call->req, "id");
    char owner[PAY_TENANT_ID_LEN + 1];
    if (s && ledger_id_parse(s, strlen(s), id) == 0 &&
        (call->is_operator || (pay_tenant_owner(call->cfg->db, kind, s, owner) == PAY_TENANT_OK &&
                               strcmp(owner, call->who.tenant_id) == 0)))
        return true;
    console_refuse(call, 404, "No such payment", "There is no such payment.");
    return false;
}

static void row_th(buf_t *b, const char *th)
{
    buf_printf(b, "<tr><th>%s</th><td>", th);
}

static void amount_row(buf_t *b, const char *th, uint64_t v, const char *code, uint8_t scale)
{
    row_th(b, th);
    char num[48];
    decimal_format(v, scale, num, sizeof num);
    page_escape(b, num);
    buf_printf(b, " ");
    page_escape(b, code);
    buf_printf(b, "</td></tr>");
}

static void time_row(buf_t *b, const char *th, int64_t ms)
{
    if (!ms)
        return;
    row_th(b, th);
    console_time(b, ms);
    buf_printf(b, "</td></tr>");
}

/* Metadata (JSON text) pretty-printed and escaped; "" : none. */
void console_json_block(buf_t *b, const char *text)
{
    json_t *j = text && text[0] ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
    char *pretty = j ? json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
    buf_printf(b, "<pre>");
    page_escape(b, pretty ? pretty : (text && text[0] ? text : "none"));
    buf_printf(b, "</pre>");
    free(pretty);
    json_decref(j);
}

static void wallet_row(const console_call_t *call, buf_t *b, bool outgoing, ledger_id_t id)
{
    wallet_memo_t *m = xcalloc(1, sizeof *m);
    row_th(b, "Wallet address");
    buf_printf(b, "<a href=\"/console/payments/%s?wallet=", outgoing ? "outgoing" : "incoming");
    console_id(b, id);
    buf_printf(b, "\" id=\"wallet-address\">");
    const char *url = wallet_url(call, m, id);
    if (url[0])
        page_escape(b, url);
    else
        console_id(b, id);
    buf_printf(b, "</a></td></tr>");
    free(m);
}

/* The transfers of the payment's own ledger account (its invoice account, or the outgoing
 * account whose id is the payment's). */
static void transfers_section(const console_call_t *call, buf_t *b, ledger_id_t account,
                              uint8_t scale, const char *note)
{
    ledger_transfer_t *t = xcalloc(TRANSFERS_MAX, sizeof *t);
    size_t n = 0;
    char next[LEDGER_CURSOR_LEN];
    buf_printf(b, "<section><h2>Ledger transfers</h2><p>%s</p>", note);
    if (ledger_account_transfers(call->cfg->ledger, account, "", t, TRANSFERS_MAX, &n, next) !=
        LEDGER_OK)
        buf_printf(b, "<p role=\"alert\">The ledger cannot be read right now.</p>");
    else if (n == 0)
        buf_printf(b, "<p>No transfers.</p>");
    else
        buf_printf(b, "<table id=\"transfers\"><thead><tr><th>When (UTC)</th><th>Transfer</th>"
                      "<th>Code</th><th>Direction</th><th class=\"amount\">Amount</th>"
                      "<th>State</th></tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        bool in = ledger_id_eq(t[i].credit_account_id, account);
        buf_printf(b, "<tr><td>");
        console_time(b, t[i].created_ms);
        buf_printf(b, "</td><td><code>");
        console_id(b, t[i].id);
        buf_printf(b, "</code></td><td>%u</td><td>%s <code>", t[i].code, in ? "from" : "to");
        console_id(b, in ? t[i].debit_account_id : t[i].credit_account_id);
        buf_printf(b, "</code></td><td class=\"amount\">");
        char num[48];
        decimal_format(t[i].posted_amount ? t[i].posted_amount : t[i].amount, scale, num,
                       sizeof num);
        page_escape(b, num);
        buf_printf(b, "</td><td>%s</td></tr>", ledger_state_str(t[i].state));
    }
    buf_printf(b, "%s%s</section>", n ? "</tbody></table>" : "",
               next[0] && n ? "<p>The newest 50 are shown.</p>" : "");
    free(t);
}

/* The state history and the events of payment id: no history table is kept, so the history is
 * the creation, each webhook event (each is written in the transaction of the state change it
 * reports) and the stored end time. */
static void history_and_events(const console_call_t *call, buf_t *b, ledger_id_t id,
                               int64_t created_ms, const char *end_what, int64_t end_ms)
{
    char ids[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(id, ids);
    pay_console_event_t *ev = xcalloc(PAY_EVENTS_MAX, sizeof *ev);
    size_t n = 0;
    bool ok = pay_console_resource_events(call->cfg->db, ids, ev, PAY_EVENTS_MAX, &n, NULL) ==
              PAY_CONSOLE_OK;
    buf_printf(b, "<section><h2>State history</h2><p class=\"note\">No state history is stored: "
                  "this is read from the payment's creation time, its webhook events (each "
                  "recorded in the transaction of the state change it reports) and its stored "
                  "end time.</p><ol id=\"history\"><li>");
    console_time(b, created_ms);
    buf_printf(b, " created</li>");
    for (size_t i = 0; i < n; i++) {
        buf_printf(b, "<li>");
        console_time(b, ev[i].created_ms);
        buf_printf(b, " ");
        page_escape(b, ev[i].type);
        buf_printf(b, "</li>");
    }
    if (end_ms) {
        buf_printf(b, "<li>");
        console_time(b, end_ms);
        buf_printf(b, " %s (stored)</li>", end_what);
    }
    buf_printf(b, "</ol></section><section><h2>Webhook events</h2>");
    if (!ok)
        buf_printf(b, "<p role=\"alert\">The events cannot be read right now.</p>");
    else if (n == 0)
        buf_printf(b, "<p>No events.</p>");
    else
        buf_printf(b, "<table id=\"events\"><thead><tr><th>When (UTC)</th><th>Type</th>"
                      "<th>Event</th><th>Delivery</th></tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        buf_printf(b, "<tr><td>");
        console_time(b, ev[i].created_ms);
        buf_printf(b, "</td><td>");
        page_escape(b, ev[i].type);
        buf_printf(b, "</td><td><a href=\"/console/webhook-events/");
        page_escape(b, ev[i].id);
        buf_printf(b, "\"><code>");
        page_escape(b, ev[i].id);
        buf_printf(b, "</code></a></td><td>%s, %u attempts</td></tr>",
                   webhook_state_str((webhook_state_t)ev[i].state), ev[i].attempts);
    }
    buf_printf(b, "%s</section>", n ? "</tbody></table>" : "");
    free(ev);
}

/* A POST form to path with the CSRF token and one button. */
static void action_form(const console_call_t *call, buf_t *b, const char *path, const char *label,
                        bool reason)
{
    buf_printf(b, "<form method=\"post\" action=\"");
    page_escape(b, path);
    buf_printf(b, "\">");
    console_csrf_field(call, b);
    if (reason)
        buf_printf(b, "<input type=\"text\" name=\"reason\" aria-label=\"Reason (optional)\" "
                      "placeholder=\"Reason (optional)\">");
    buf_printf(b, "<button type=\"submit\">%s</button></form>", label);
}

static void incoming_facts(const console_call_t *call, buf_t *b, const incoming_payment_t *p)
{
    buf_printf(b, "<table id=\"facts\"><tbody>");
    row_th(b, "Id");
    buf_printf(b, "<code>");
    console_id(b, p->id);
    buf_printf(b, "</code></td></tr>");
    row_th(b, "State");
    buf_printf(b, "<span id=\"state\">%s</span></td></tr>",
               incoming_payment_state_str(p->state, p->received_amount));
    wallet_row(call, b, false, p->wallet_address_id);
    char url[WALLET_ADDRESS_URL_MAX + 128];
    if (incoming_payment_url(call->cfg->wallet, p->id, url, sizeof url) == 0) {
        row_th(b, "URL");
        page_escape(b, url);
        buf_printf(b, "</td></tr>");
    }
    if (p->has_incoming_amount)
        amount_row(b, "Incoming amount", p->incoming_amount, p->asset_code, p->asset_scale);
    amount_row(b, "Received", p->received_amount, p->asset_code, p->asset_scale);
    time_row(b, "Created (UTC)", p->created_ms);
    time_row(b, "Updated (UTC)", p->updated_ms);
    time_row(b, "Expires (UTC)", p->expires_ms);
    time_row(b, "Ended (UTC)", p->completed_ms);
    time_row(b, "Approved (UTC)", p->approved_ms);
    time_row(b, "Cancelled (UTC)", p->cancelled_ms);
    if (p->cancellation_reason[0]) {
        row_th(b, "Cancellation reason");
        page_escape(b, p->cancellation_reason);
        buf_printf(b, "</td></tr>");
    }
    buf_printf(b, "</tbody></table><h2>Metadata</h2>");
    console_json_block(b, p->metadata);
}

http_handler_result_t console_payment_incoming(http_req_t *req, void *user)
{
    console_call_t call;
    ledger_id_t id;
    if (!console_begin(req, user, CONSOLE_READ, &call) ||
        !payment_of_path(&call, PAY_OWNED_INCOMING, &id))
        return HTTP_DONE;
    if (!call.cfg->wallet)
        return console_refuse(&call, 503, "Not available", "Payments are not served here.");
    incoming_payment_t *p = xmalloc(sizeof *p);
    incoming_payment_result_t r = incoming_payment_get(call.cfg->wallet, id, p, NULL);
    if (r != INCOMING_PAYMENT_OK) {
        free(p);
        return r == INCOMING_PAYMENT_NOT_FOUND
                   ? console_refuse(&call, 404, "No such payment", "There is no such payment.")
                   : console_refuse(&call, 503, "Try again", "The payment cannot be read now.");
    }
    buf_t b;
    console_page_begin(&call, &b, "Incoming payment");
    incoming_facts(&call, &b, p);
    if (call.who.role == CONSOLE_OPERATOR && p->state == INCOMING_PAYMENT_PENDING) {
        char path[96], ids[LEDGER_ID_STR_LEN + 1];
        ledger_id_format(p->id, ids);
        buf_printf(&b, "<section><h2>Actions</h2>");
        snprintf(path, sizeof path, "/console/payments/incoming/%s/complete", ids);
        action_form(&call, &b, path, "Complete", false);
        if (!p->approved_ms && !p->cancelled_ms && p->received_amount == 0) {
            snprintf(path, sizeof path, "/console/payments/incoming/%s/cancel", ids);
            action_form(&call, &b, path, "Cancel", true);
        }
        buf_printf(&b, "</section>");
    }
    history_and_events(&call, &b, p->id, p->created_ms,
                       p->state == INCOMING_PAYMENT_EXPIRED ? "expired" : "completed",
                       p->completed_ms);
    transfers_section(&call, &b, p->account_id, p->asset_scale,
                      "The transfers of the payment's own (invoice) ledger account.");
    free(p);
    return page_send(req, 200, &b);
}

static void quote_facts(buf_t *b, const quote_t *q)
{
    row_th(b, "Receiver");
    buf_printf(b, "<span id=\"receiver\">");
    page_escape(b, q->receiver);
    buf_printf(b, "</span></td></tr>");
    row_th(b, "Quote");
    buf_printf(b, "<code>");
    console_id(b, q->id);
    buf_printf(b, "</code></td></tr>");
    amount_row(b, "Debit amount", q->debit_amount.value, q->debit_amount.asset_code,
               q->debit_amount.asset_scale);
    amount_row(b, "Fee", q->fee, q->debit_amount.asset_code, q->debit_amount.asset_scale);
    amount_row(b, "Receive amount", q->receive_amount.value, q->receive_amount.asset_code,
               q->receive_amount.asset_scale);
}

static void outgoing_facts(const console_call_t *call, buf_t *b, const outgoing_payment_t *p,
                           const quote_t *q, bool has_q)
{
    buf_printf(b, "<table id=\"facts\"><tbody>");
    row_th(b, "Id");
    buf_printf(b, "<code>");
    console_id(b, p->id);
    buf_printf(b, "</code></td></tr>");
    row_th(b, "State");
    buf_printf(b, "<span id=\"state\">%s</span>", outgoing_payment_state_str(p->state));
    if (p->error[0]) {
        buf_printf(b, " (");
        page_escape(b, p->error);
        buf_printf(b, ")");
    }
    buf_printf(b, "</td></tr>");
    wallet_row(call, b, true, p->wallet_address_id);
    if (has_q) {
        quote_facts(b, q);
        amount_row(b, "Sent", p->sent_amount, q->debit_amount.asset_code,
                   q->debit_amount.asset_scale);
    }
    if (!ledger_id_is_zero(p->grant_id)) {
        row_th(b, "Grant");
        console_id(b, p->grant_id);
        buf_printf(b, "</td></tr>");
    }
    time_row(b, "Created (UTC)", p->created_ms);
    time_row(b, "Updated (UTC)", p->updated_ms);
    buf_printf(b, "</tbody></table><h2>Metadata</h2>");
    console_json_block(b, p->metadata);
}

http_handler_result_t console_payment_outgoing(http_req_t *req, void *user)
{
    console_call_t call;
    ledger_id_t id;
    if (!console_begin(req, user, CONSOLE_READ, &call) ||
        !payment_of_path(&call, PAY_OWNED_OUTGOING, &id))
        return HTTP_DONE;
    if (!call.cfg->outgoing)
        return console_refuse(&call, 503, "Not available", "Payments are not served here.");
    outgoing_payment_t *p = xmalloc(sizeof *p);
    quote_t *q = xmalloc(sizeof *q);
    outgoing_payment_result_t r = outgoing_payment_get(call.cfg->outgoing, id, p);
    if (r != OUTGOING_PAYMENT_OK) {
        free(p);
        free(q);
        return r == OUTGOING_PAYMENT_NOT_FOUND
                   ? console_refuse(&call, 404, "No such payment", "There is no such payment.")
                   : console_refuse(&call, 503, "Try again", "The payment cannot be read now.");
    }
    bool has_q = quote_get(call.cfg->db, p->quote_id, q) == QUOTE_OK;
    buf_t b;
    console_page_begin(&call, &b, "Outgoing payment");
    outgoing_facts(&call, &b, p, q, has_q);
    if (call.who.role == CONSOLE_OPERATOR && p->state == OUTGOING_PAYMENT_FUNDING) {
        char path[96], ids[LEDGER_ID_STR_LEN + 1];
        ledger_id_format(p->id, ids);
        snprintf(path, sizeof path, "/console/payments/outgoing/%s/cancel", ids);
        buf_printf(&b, "<section><h2>Actions</h2>");
        action_form(&call, &b, path, "Cancel", true);
        buf_printf(&b, "</section>");
    }
    bool ended = p->state >= OUTGOING_PAYMENT_COMPLETED;
    history_and_events(&call, &b, p->id, p->created_ms,
                       ended ? outgoing_payment_state_str(p->state) : "",
                       ended ? p->updated_ms : 0);
    transfers_section(&call, &b, p->id, has_q ? q->debit_amount.asset_scale : 0,
                      "The transfers of the payment's own outgoing ledger account (its id is the "
                      "payment's): funding, sending, fee and refund.");
    free(p);
    free(q);
    return page_send(req, 200, &b);
}

/* ---- cancel and complete ---- */

typedef enum { ACT_IN_COMPLETE, ACT_IN_CANCEL, ACT_OUT_CANCEL } act_t;

static const struct {
    const char *kind, *path, *verb, *audit;
} ACTS[] = {
    [ACT_IN_COMPLETE] = {"incoming", "complete", "Complete", "incoming_payment_complete"},
    [ACT_IN_CANCEL] = {"incoming", "cancel", "Cancel", "incoming_payment_cancel"},
    [ACT_OUT_CANCEL] = {"outgoing", "cancel", "Cancel", "outgoing_payment_cancel"},
};

static http_handler_result_t act_confirm(console_call_t *call, act_t a, const char *ids,
                                         const char *reason)
{
    char title[48], path[96];
    snprintf(title, sizeof title, "Confirm: %s the payment", ACTS[a].path);
    snprintf(path, sizeof path, "/console/payments/%s/%s/%s", ACTS[a].kind, ids, ACTS[a].path);
    buf_t b;
    console_page_begin(call, &b, title);
    buf_printf(&b, "<p>%s %s payment <code>%s</code>", ACTS[a].verb, ACTS[a].kind, ids);
    if (reason[0]) {
        buf_printf(&b, " with the reason \"");
        page_escape(&b, reason);
        buf_printf(&b, "\"");
    }
    buf_printf(&b, "? This cannot be undone.</p><form method=\"post\" action=\"%s\">", path);
    console_csrf_field(call, &b);
    page_hidden(&b, "reason", reason);
    page_hidden(&b, "confirm", "yes");
    buf_printf(&b,
               "<div class=\"actions\"><button class=\"accept\" type=\"submit\">Confirm</button>"
               "<a href=\"/console/payments/%s/%s\">Back</a></div></form>",
               ACTS[a].kind, ids);
    return page_send(call->req, 200, &b);
}

/* Runs action a on id: 0 done, 1 a refusal of its state, -1 a failure. */
static int act_run(const console_call_t *call, act_t a, ledger_id_t id, const char *reason)
{
    const char *why = reason[0] ? reason : NULL;
    if (a == ACT_OUT_CANCEL) {
        outgoing_payment_t *p = xmalloc(sizeof *p);
        outgoing_payment_result_t r =
            outgoing_payment_cancel_reason(call->cfg->outgoing, id, why, p);
        free(p);
        return r == OUTGOING_PAYMENT_OK ? 0 : r == OUTGOING_PAYMENT_STORAGE_ERROR ? -1 : 1;
    }
    incoming_payment_t *p = xmalloc(sizeof *p);
    incoming_payment_result_t r =
        a == ACT_IN_COMPLETE ? incoming_payment_complete(call->cfg->wallet, id, p, NULL)
                             : incoming_payment_cancel(call->cfg->wallet, id, why, p, NULL);
    free(p);
    return r == INCOMING_PAYMENT_OK ? 0 : r == INCOMING_PAYMENT_STORAGE_ERROR ? -1 : 1;
}

static http_handler_result_t act_post(http_req_t *req, void *user, act_t a)
{
    console_call_t call;
    ledger_id_t id;
    pay_owned_t kind = a == ACT_OUT_CANCEL ? PAY_OWNED_OUTGOING : PAY_OWNED_INCOMING;
    if (!console_begin(req, user, CONSOLE_CHANGE, &call) || !payment_of_path(&call, kind, &id))
        return HTTP_DONE;
    if (!call.cfg->wallet || !call.cfg->outgoing)
        return console_refuse(&call, 503, "Not available", "Payments are not served here.");
    char reason[OUTGOING_PAYMENT_REASON_MAX + 1] = "", confirm[8] = "";
    char ids[LEDGER_ID_STR_LEN + 1], back[96];
    ledger_id_format(id, ids);
    page_form_field(req, "reason", reason, sizeof reason);
    page_form_field(req, "confirm", confirm, sizeof confirm);
    if (strcmp(confirm, "yes") != 0)
        return act_confirm(&call, a, ids, reason);
    int rc = act_run(&call, a, id, reason);
    if (rc > 0)
        return console_refuse(&call, 409, "Not done",
                              "The payment is not in a state that allows this.");
    if (rc < 0)
        return console_refuse(&call, 503, "Not done", "The payment cannot be changed now.");
    console_audit(&call, ACTS[a].audit, ids, reason);
    snprintf(back, sizeof back, "/console/payments/%s/%s", ACTS[a].kind, ids);
    return page_see_other(req, back);
}

http_handler_result_t console_payment_incoming_complete(http_req_t *req, void *user)
{
    return act_post(req, user, ACT_IN_COMPLETE);
}

http_handler_result_t console_payment_incoming_cancel(http_req_t *req, void *user)
{
    return act_post(req, user, ACT_IN_CANCEL);
}

http_handler_result_t console_payment_outgoing_cancel(http_req_t *req, void *user)
{
    return act_post(req, user, ACT_OUT_CANCEL);
}
