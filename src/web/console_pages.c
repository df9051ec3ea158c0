/* The operator console's pages: the overview and the assets (see console.h). */
#include <stdio.h>
#include <string.h>

#include "web/console_call.h"
#include "web/pages.h"
#include "payments/assets.h"
#include "payments/fee.h"
#include "payments/metrics.h"
#include "payments/peering.h"
#include "payments/settlement.h"
#include "payments/tenants.h"
#include "base/codec.h"
#include "base/mem.h"
#include "base/uuid.h"

/* Rows one page shows (this slice has no paging). */
#define CONSOLE_ROWS_MAX  100
#define CONSOLE_FIELD_MAX 64

/* ---- helpers ---- */

/* Whether the principal may see an asset: the operator every one, a tenant its own. */
static bool asset_visible(const console_call_t *call, const pay_asset_t *a)
{
    return call->is_operator || strcmp(a->ledger.scope, call->who.tenant_id) == 0;
}

/* The live assets the principal may see, in creation order (at most cap). -1 on failure. */
static int assets_visible(const console_call_t *call, pay_asset_t *out, size_t cap, size_t *n)
{
    pay_asset_t *all = xcalloc(PAY_ASSETS_MAX, sizeof *all);
    pay_keyset_t k = {.asc = true, .limit = PAY_ASSETS_MAX};
    size_t got = 0;
    *n = 0;
    pay_asset_result_t r = pay_assets_page(call->cfg->db, call->cfg->ledger, &k, all, &got);
    for (size_t i = 0; r == PAY_ASSET_OK && i < got && *n < cap; i++)
        if (asset_visible(call, &all[i]))
            out[(*n)++] = all[i];
    free(all);
    return r == PAY_ASSET_OK ? 0 : -1;
}

static int64_t balance_of(const console_call_t *call, ledger_id_t account, bool *ok)
{
    ledger_status_t s;
    if (ledger_account_status(call->cfg->ledger, account, &s) == LEDGER_OK)
        return s.balance;
    *ok = false;
    return 0;
}

/* ---- overview ---- */

static void overview_assets(const console_call_t *call, buf_t *b)
{
    pay_asset_t *a = xcalloc(CONSOLE_ROWS_MAX, sizeof *a);
    size_t n = 0;
    buf_printf(b, "<section><h2>Assets</h2>");
    if (assets_visible(call, a, CONSOLE_ROWS_MAX, &n) != 0)
        buf_printf(b, "<p role=\"alert\">The assets cannot be read right now.</p>");
    else if (n == 0)
        buf_printf(b, "<p>No assets yet.</p>");
    else
        buf_printf(b, "<table><thead><tr><th>Asset</th><th class=\"amount\">Liquidity</th>"
                      "<th class=\"amount\">Settlement</th><th class=\"amount\">Threshold</th>"
                      "</tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        bool ok = true;
        uint8_t sc = a[i].ledger.scale;
        int64_t liq = balance_of(call, a[i].ledger.liquidity_account_id, &ok);
        int64_t set = balance_of(call, a[i].ledger.settlement_account_id, &ok);
        bool low =
            a[i].has_liquidity_threshold && (liq < 0 || (uint64_t)liq < a[i].liquidity_threshold);
        buf_printf(b, "<tr%s data-asset=\"", low ? " class=\"low\"" : "");
        console_id(b, a[i].ledger.id);
        buf_printf(b, "\"><td>");
        page_escape(b, a[i].ledger.code);
        buf_printf(b, "/%u%s</td><td class=\"amount\">", sc, low ? " <strong>low</strong>" : "");
        console_amount(b, liq, sc);
        buf_printf(b, "</td><td class=\"amount\">");
        console_amount(b, set, sc);
        buf_printf(b, "</td><td class=\"amount\">");
        if (a[i].has_liquidity_threshold)
            console_amount(b, (int64_t)a[i].liquidity_threshold, sc);
        buf_printf(b, "%s</td></tr>", ok ? "" : " (unreadable)");
    }
    buf_printf(b, "%s</section>", n ? "</tbody></table>" : "");
    free(a);
}

/* Whether the principal may see the peer (a tenant its own, by tenant_resources). */
static bool peer_visible(const console_call_t *call, const peer_t *p)
{
    if (call->is_operator)
        return true;
    char id[LEDGER_ID_STR_LEN + 1], owner[PAY_TENANT_ID_LEN + 1];
    ledger_id_format(p->id, id);
    return pay_tenant_owner(call->cfg->db, PAY_OWNED_PEER, id, owner) == PAY_TENANT_OK &&
           strcmp(owner, call->who.tenant_id) == 0;
}

static void peer_row(const console_call_t *call, buf_t *b, const peer_t *p)
{
    ledger_account_t acct;
    ledger_status_t s;
    bool ok = ledger_account_get(call->cfg->ledger, p->account_id, &acct) == LEDGER_OK &&
              ledger_account_status(call->cfg->ledger, p->account_id, &s) == LEDGER_OK;
    bool has = false;
    uint64_t thr = 0;
    pay_peer_threshold(call->cfg->db, p->id, &has, &thr);
    bool low = ok && has && (s.balance < 0 || (uint64_t)s.balance < thr);
    buf_printf(b, "<tr%s><td>", low ? " class=\"low\"" : "");
    page_escape(b, p->name[0] ? p->name : p->ilp_address);
    buf_printf(b, "</td><td>");
    page_escape(b, p->asset_code);
    buf_printf(b, "</td><td class=\"amount\">");
    if (ok)
        console_amount(b, s.balance, p->asset_scale);
    buf_printf(b, "</td><td class=\"amount\">");
    if (ok && acct.min_balance < 0)
        console_amount(b, -acct.min_balance, p->asset_scale);
    else if (ok)
        buf_printf(b, "none");
    buf_printf(b, "%s</td></tr>", ok ? "" : "unreadable");
}

static void overview_peers(const console_call_t *call, buf_t *b)
{
    peer_t **peers = xcalloc(CONSOLE_ROWS_MAX, sizeof *peers);
    size_t n = 0, shown = 0;
    buf_printf(b, "<section><h2>Peers</h2>");
    if (peers_db_list(call->cfg->db, (ledger_id_t){0}, peers, CONSOLE_ROWS_MAX, &n) != PEERS_OK) {
        buf_printf(b, "<p role=\"alert\">The peers cannot be read right now.</p>");
        n = 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (peer_visible(call, peers[i])) {
            if (shown++ == 0)
                buf_printf(b, "<table id=\"peers\"><thead><tr><th>Peer</th><th>Asset</th><th "
                              "class=\"amount\">"
                              "Balance</th><th class=\"amount\">Credit limit</th></tr></thead>"
                              "<tbody>");
            peer_row(call, b, peers[i]);
        }
        peer_release(peers[i]);
    }
    buf_printf(b, "%s</section>", shown ? "</tbody></table>" : "<p>No peers.</p>");
    free(peers);
}

http_handler_result_t console_overview(http_req_t *req, void *user)
{
    console_call_t call;
    if (!console_begin(req, user, CONSOLE_READ, &call))
        return HTTP_DONE;
    buf_t b;
    console_page_begin(&call, &b, "Overview");
    const char *why = call.cfg->not_ready ? call.cfg->not_ready(call.cfg->ready_arg) : NULL;
    buf_printf(&b, "<section><h2>Health</h2><p id=\"health\">");
    if (why) {
        buf_printf(&b, "<strong>Not ready</strong>: ");
        page_escape(&b, why);
    } else {
        buf_printf(&b, "Ready");
    }
    buf_printf(&b, "</p>");
    uint64_t pending = 0;
    if (call.is_operator && backend_webhooks_pending(call.cfg->db, &pending) == 0)
        buf_printf(&b, "<p id=\"webhooks\">Webhook events waiting: %llu</p>",
                   (unsigned long long)pending);
    buf_printf(&b, "</section>");
    console_overview_activity(&call, &b);
    overview_assets(&call, &b);
    overview_peers(&call, &b);
    return page_send(req, 200, &b);
}

/* ---- assets ---- */

/* A liquidity move of the assets page: the path segment, its words, its audit action. */
typedef struct {
    const char *path, *verb, *noun, *prep, *action;
    bool withdraw;
} move_t;

static const move_t DEPOSIT = {"deposit", "Deposit", "deposit", "into", "liquidity_deposit", false};
static const move_t WITHDRAW = {
    "withdraw", "Withdraw", "withdrawal", "from", "liquidity_withdrawal", true};

/* The move and threshold forms of one asset's row. */
static void asset_forms(const console_call_t *call, buf_t *b, const pay_asset_t *a)
{
    static const move_t *const moves[] = {&DEPOSIT, &WITHDRAW};
    for (size_t i = 0; i < 2; i++) {
        buf_printf(b, "<form method=\"post\" action=\"/console/assets/");
        console_id(b, a->ledger.id);
        buf_printf(b, "/%s\">", moves[i]->path);
        console_csrf_field(call, b);
        buf_printf(b,
                   "<input type=\"text\" name=\"amount\" inputmode=\"decimal\" required "
                   "aria-label=\"Amount to %s\"><button type=\"submit\">%s</button></form>",
                   moves[i]->path, moves[i]->verb);
    }
    buf_printf(b, "<form method=\"post\" action=\"/console/assets/");
    console_id(b, a->ledger.id);
    buf_printf(b, "/threshold\">");
    console_csrf_field(call, b);
    char thr[48] = "";
    if (a->has_liquidity_threshold)
        decimal_format(a->liquidity_threshold, a->ledger.scale, thr, sizeof thr);
    buf_printf(b, "<input type=\"text\" name=\"liquidity_threshold\" inputmode=\"decimal\" "
                  "aria-label=\"Liquidity threshold\" value=\"");
    page_escape(b, thr);
    buf_printf(b, "\"><button type=\"submit\">Set threshold</button></form>");
}

static void create_form(const console_call_t *call, buf_t *b)
{
    buf_printf(b, "<section><h2>New asset</h2><form method=\"post\" action=\"/console/assets\">");
    console_csrf_field(call, b);
    buf_printf(b, "<label for=\"code\">Code</label><input type=\"text\" id=\"code\" name=\"code\" "
                  "required><label for=\"scale\">Scale</label><input type=\"text\" id=\"scale\" "
                  "name=\"scale\" inputmode=\"numeric\" required><label for=\"threshold\">"
                  "Liquidity threshold (optional, in the asset's units)</label><input "
                  "type=\"text\" id=\"threshold\" name=\"liquidity_threshold\">"
                  "<div class=\"actions\"><button class=\"accept\" type=\"submit\">Create"
                  "</button></div></form></section>");
}

/* One page of the assets list: this many rows, "Older" beyond. */
#define ASSETS_PAGE_ROWS 50

/* The live assets the principal may see after the after query argument's (or from the first),
 * up to ASSETS_PAGE_ROWS in creation order; *more when others follow. -1 on failure. */
static int assets_after(const console_call_t *call, pay_asset_t *out, size_t *n, bool *more)
{
    const char *after = http_req_query(call->req, "after");
    pay_keyset_t k = {.asc = true, .limit = PAY_ASSETS_MAX};
    if (after && after[0]) {
        k.has_cursor = true;
        if (ledger_id_parse(after, strlen(after), &k.cursor) != 0)
            return -1;
    }
    pay_asset_t *all = xcalloc(PAY_ASSETS_MAX, sizeof *all);
    size_t got = 0;
    *n = 0;
    *more = false;
    pay_asset_result_t r = pay_assets_page(call->cfg->db, call->cfg->ledger, &k, all, &got);
    for (size_t i = 0; r == PAY_ASSET_OK && i < got && !*more; i++) {
        if (!asset_visible(call, &all[i]))
            continue;
        if (*n == ASSETS_PAGE_ROWS)
            *more = true;
        else
            out[(*n)++] = all[i];
    }
    free(all);
    return r == PAY_ASSET_OK ? 0 : -1;
}

static void asset_list_row(const console_call_t *call, buf_t *b, const pay_asset_t *a, bool can)
{
    bool ok = true;
    int64_t liq = balance_of(call, a->ledger.liquidity_account_id, &ok);
    buf_printf(b, "<tr><td><a href=\"/console/assets/");
    console_id(b, a->ledger.id);
    buf_printf(b, "\">");
    page_escape(b, a->ledger.code);
    buf_printf(b, "/%u</a></td><td><code>", a->ledger.scale);
    console_id(b, a->ledger.id);
    buf_printf(b, "</code></td><td class=\"amount\">");
    console_amount(b, liq, a->ledger.scale);
    buf_printf(b, "</td>");
    if (can) {
        buf_printf(b, "<td>");
        asset_forms(call, b, a);
        buf_printf(b, "</td>");
    }
    buf_printf(b, "</tr>");
}

http_handler_result_t console_assets(http_req_t *req, void *user)
{
    console_call_t call;
    if (!console_begin(req, user, CONSOLE_READ, &call))
        return HTTP_DONE;
    pay_asset_t *a = xcalloc(ASSETS_PAGE_ROWS, sizeof *a);
    size_t n = 0;
    bool more = false;
    buf_t b;
    console_page_begin(&call, &b, "Assets");
    bool can = call.who.role == CONSOLE_OPERATOR;
    if (assets_after(&call, a, &n, &more) != 0)
        buf_printf(&b, "<p role=\"alert\">The assets cannot be read right now.</p>");
    buf_printf(&b,
               "<table id=\"assets\"><thead><tr><th>Asset</th><th>Id</th><th "
               "class=\"amount\">Liquidity</th>%s</tr></thead><tbody>",
               can ? "<th>Liquidity and threshold</th>" : "");
    for (size_t i = 0; i < n; i++)
        asset_list_row(&call, &b, &a[i], can);
    buf_printf(&b, "</tbody></table>");
    if (more) {
        buf_printf(&b, "<p><a rel=\"next\" href=\"/console/assets?after=");
        console_id(&b, a[n - 1].ledger.id);
        buf_printf(&b, "\">More</a></p>");
    }
    if (can)
        create_form(&call, &b);
    free(a);
    return page_send(req, 200, &b);
}

/* The scale field: 0-255 digits only. */
static bool scale_parse(const char *s, uint8_t *out)
{
    uint64_t v;
    if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 3 ||
        decimal_parse(s, 0, &v) != 0 || v > 255)
        return false;
    *out = (uint8_t)v;
    return true;
}

http_handler_result_t console_asset_create(http_req_t *req, void *user)
{
    console_call_t call;
    if (!console_begin(req, user, CONSOLE_CHANGE, &call))
        return HTTP_DONE;
    char code[CONSOLE_FIELD_MAX], scale_s[8], thr_s[CONSOLE_FIELD_MAX] = "";
    uint8_t scale;
    uint64_t thr = 0;
    if (!page_form_field(req, "code", code, sizeof code) ||
        !page_form_field(req, "scale", scale_s, sizeof scale_s) || !scale_parse(scale_s, &scale))
        return console_refuse(&call, 400, "Not created", "Give a code and a scale (0 to 255).");
    page_form_field(req, "liquidity_threshold", thr_s, sizeof thr_s);
    if (thr_s[0] && decimal_parse(thr_s, scale, &thr) != 0)
        return console_refuse(&call, 400, "Not created",
                              "The threshold is not an amount in the asset's units.");
    pay_asset_t a;
    const char *scope = call.is_operator ? "" : call.who.tenant_id;
    pay_asset_result_t r = pay_asset_create_in(call.cfg->db, call.cfg->ledger, scope, code, scale,
                                               NULL, thr_s[0] ? &thr : NULL, &a);
    if (r == PAY_ASSET_DUPLICATE)
        return console_refuse(&call, 409, "Not created",
                              "An asset with this code and scale "
                              "exists.");
    if (r == PAY_ASSET_CODE_INVALID)
        return console_refuse(&call, 400, "Not created", "An asset code is letters and digits.");
    if (r != PAY_ASSET_OK)
        return console_refuse(&call, 503, "Not created", "The asset cannot be created now.");
    char id[LEDGER_ID_STR_LEN + 1], detail[CONSOLE_AUDIT_DETAIL_MAX + 1];
    ledger_id_format(a.ledger.id, id);
    snprintf(detail, sizeof detail, "%s/%u%s%s", a.ledger.code, scale,
             thr_s[0] ? " liquidity threshold " : "", thr_s);
    console_audit(&call, "asset_create", id, detail);
    return page_see_other(req, "/console/assets");
}

/* The asset of the path that the principal may see, or a refusal answered (false). */
static bool asset_of_path(console_call_t *call, pay_asset_t *a)
{
    const char *s = http_req_param(call->req, "id");
    ledger_id_t id;
    if (s && ledger_id_parse(s, strlen(s), &id) == 0 &&
        pay_asset_get(call->cfg->db, call->cfg->ledger, id, a) == PAY_ASSET_OK &&
        asset_visible(call, a))
        return true;
    console_refuse(call, 404, "No such asset", "There is no such asset.");
    return false;
}

static http_handler_result_t move_confirm(console_call_t *call, const move_t *m,
                                          const pay_asset_t *a, uint64_t value)
{
    char num[48], transfer[UUID_STR_LEN + 1], title[48];
    decimal_format(value, a->ledger.scale, num, sizeof num);
    uuid_v4(transfer);
    snprintf(title, sizeof title, "Confirm the %s", m->noun);
    buf_t b;
    console_page_begin(call, &b, title);
    buf_printf(&b, "<p>%s <strong>", m->verb);
    page_escape(&b, num);
    buf_printf(&b, " ");
    page_escape(&b, a->ledger.code);
    buf_printf(&b, "</strong> %s the liquidity of asset <code>", m->prep);
    console_id(&b, a->ledger.id);
    buf_printf(&b, "</code>?</p><form method=\"post\" action=\"/console/assets/");
    console_id(&b, a->ledger.id);
    buf_printf(&b, "/%s\">", m->path);
    console_csrf_field(call, &b);
    page_hidden(&b, "amount", num);
    page_hidden(&b, "transfer", transfer);
    page_hidden(&b, "confirm", "yes");
    buf_printf(&b,
               "<div class=\"actions\"><button class=\"accept\" type=\"submit\">Confirm "
               "%s</button><a href=\"/console/assets\">Cancel</a></div></form>",
               m->noun);
    return page_send(call->req, 200, &b);
}

/* The move's answer once confirmed: 303 to the assets, or a refusal. */
static http_handler_result_t move_done(console_call_t *call, const move_t *m, const pay_asset_t *a,
                                       pay_move_result_t r, uint64_t value, const char *transfer)
{
    if (r == PAY_MOVE_TRANSFER_EXISTS)
        return console_refuse(call, 409, "Already done", "This was done before.");
    if (r == PAY_MOVE_INSUFFICIENT_BALANCE)
        return console_refuse(call, 409, "Not done", "The liquidity is less than the amount.");
    if (r != PAY_MOVE_OK)
        return console_refuse(call, 503, "Not done", pay_move_result_str(r));
    char id[LEDGER_ID_STR_LEN + 1], num[48], detail[CONSOLE_AUDIT_DETAIL_MAX + 1];
    ledger_id_format(a->ledger.id, id);
    decimal_format(value, a->ledger.scale, num, sizeof num);
    snprintf(detail, sizeof detail, "%s %s, transfer %s", num, a->ledger.code, transfer);
    console_audit(call, m->action, id, detail);
    return page_see_other(call->req, "/console/assets");
}

static http_handler_result_t move_run(http_req_t *req, void *user, const move_t *m)
{
    console_call_t call;
    pay_asset_t a;
    if (!console_begin(req, user, CONSOLE_CHANGE, &call) || !asset_of_path(&call, &a))
        return HTTP_DONE;
    char num[CONSOLE_FIELD_MAX], confirm[8] = "", transfer[UUID_STR_LEN + 2] = "";
    uint64_t value;
    if (!page_form_field(req, "amount", num, sizeof num) ||
        decimal_parse(num, a.ledger.scale, &value) != 0 || value == 0)
        return console_refuse(&call, 400, "Not done",
                              "Give a positive amount in the asset's units.");
    page_form_field(req, "confirm", confirm, sizeof confirm);
    if (strcmp(confirm, "yes") != 0)
        return move_confirm(&call, m, &a, value);
    ledger_id_t tid;
    if (!page_form_field(req, "transfer", transfer, sizeof transfer) ||
        ledger_id_parse(transfer, strlen(transfer), &tid) != 0)
        return console_refuse(&call, 400, "Not done", "Confirm it from its page.");
    ledger_id_t acct = a.ledger.liquidity_account_id;
    pay_move_result_t r = m->withdraw ? pay_withdraw(call.cfg->ledger, acct, tid, value, 0)
                                      : pay_deposit(call.cfg->ledger, acct, tid, value);
    return move_done(&call, m, &a, r, value, transfer);
}

http_handler_result_t console_asset_deposit(http_req_t *req, void *user)
{
    return move_run(req, user, &DEPOSIT);
}

http_handler_result_t console_asset_withdraw(http_req_t *req, void *user)
{
    return move_run(req, user, &WITHDRAW);
}

http_handler_result_t console_asset_threshold(http_req_t *req, void *user)
{
    console_call_t call;
    pay_asset_t a;
    if (!console_begin(req, user, CONSOLE_CHANGE, &call) || !asset_of_path(&call, &a))
        return HTTP_DONE;
    char thr_s[CONSOLE_FIELD_MAX] = "";
    uint64_t thr = 0;
    if (!page_form_field(req, "liquidity_threshold", thr_s, sizeof thr_s) ||
        (thr_s[0] && decimal_parse(thr_s, a.ledger.scale, &thr) != 0))
        return console_refuse(&call, 400, "Not changed",
                              "The threshold is an amount in the asset's units, or empty for "
                              "none.");
    const uint64_t *wd = a.has_withdrawal_threshold ? &a.withdrawal_threshold : NULL;
    pay_asset_t out;
    if (pay_asset_update(call.cfg->db, call.cfg->ledger, a.ledger.id, wd, thr_s[0] ? &thr : NULL,
                         &out) != PAY_ASSET_OK)
        return console_refuse(&call, 503, "Not changed", "The asset cannot be changed now.");
    char id[LEDGER_ID_STR_LEN + 1], detail[CONSOLE_AUDIT_DETAIL_MAX + 1];
    ledger_id_format(a.ledger.id, id);
    snprintf(detail, sizeof detail, "%s liquidity threshold %s", a.ledger.code,
             thr_s[0] ? thr_s : "removed");
    console_audit(&call, "asset_threshold", id, detail);
    return page_see_other(req, "/console/assets");
}

/* ---- audit log ---- */

static void audit_row(buf_t *b, const console_audit_t *e)
{
    buf_printf(b, "<tr><td>");
    console_time(b, e->at_ms);
    buf_printf(b, "</td><td>");
    page_escape(b, e->who.user_name[0] ? e->who.user_name : "tenant secret");
    buf_printf(b, "<br><code>");
    page_escape(b, e->who.tenant_id);
    buf_printf(b, "</code></td><td>");
    page_escape(b, e->channel[0] ? e->channel : "console");
    buf_printf(b, "</td><td>");
    page_escape(b, e->action);
    buf_printf(b, "</td><td><code>");
    page_escape(b, e->target);
    buf_printf(b, "</code> ");
    page_escape(b, e->detail);
    buf_printf(b, "</td><td><code>");
    page_escape(b, e->request_id);
    buf_printf(b, "</code></td></tr>");
}

http_handler_result_t console_audit_page(http_req_t *req, void *user)
{
    console_call_t call;
    if (!console_begin(req, user, CONSOLE_READ, &call))
        return HTTP_DONE;
    console_audit_t *rows = xcalloc(CONSOLE_ROWS_MAX, sizeof *rows);
    size_t n = 0;
    buf_t b;
    console_page_begin(&call, &b, "Audit log");
    /* six columns of ids and routes: this page takes a wider frame than the form pages */
    buf_printf(&b, "<style>main{max-width:72rem}</style>");
    if (console_audit_list(call.cfg->db, call.is_operator ? NULL : call.who.tenant_id, rows,
                           CONSOLE_ROWS_MAX, &n) != CONSOLE_OK)
        buf_printf(&b, "<p role=\"alert\">The audit log cannot be read right now.</p>");
    buf_printf(&b,
               "<p>The newest %d changes made through the console, the REST admin API and the "
               "Admin GraphQL API (those of the APIs appear within a second).</p>"
               "<table id=\"audit\"><thead><tr><th>When (UTC)</th><th>Who</th><th>Channel</th>"
               "<th>What</th><th>On</th><th>Request</th></tr></thead><tbody>",
               CONSOLE_ROWS_MAX);
    for (size_t i = 0; i < n; i++)
        audit_row(&b, &rows[i]);
    buf_printf(&b, "</tbody></table>");
    free(rows);
    return page_send(req, 200, &b);
}

/* ---- one asset's page: balances, thresholds, fees ---- */

#define FEES_PAGE_ROWS 50

static void fee_cells(buf_t *b, const fee_t *f, uint8_t scale)
{
    buf_printf(b, "<td>%s</td><td class=\"amount\">", fee_type_str(f->type));
    console_amount(b, (int64_t)f->fixed, scale);
    buf_printf(b, "</td><td class=\"amount\">%u</td><td>", f->basis_points);
    console_time(b, f->created_ms);
    buf_printf(b, "</td>");
}

/* The current fees of both types and one page of the history, newest first. */
static void fees_section(const console_call_t *call, buf_t *b, const pay_asset_t *a)
{
    buf_printf(b, "<section><h2>Fees</h2><table id=\"current-fees\"><thead><tr><th>Type</th>"
                  "<th class=\"amount\">Fixed</th><th class=\"amount\">Basis points</th><th>"
                  "Since (UTC)</th></tr></thead><tbody>");
    for (int t = FEE_SENDING; t <= FEE_RECEIVING; t++) {
        fee_t f;
        if (fee_current(call->cfg->db, a->ledger.id, (fee_type_t)t, &f) != FEE_OK)
            continue;
        buf_printf(b, "<tr>");
        fee_cells(b, &f, a->ledger.scale);
        buf_printf(b, "</tr>");
    }
    buf_printf(b, "</tbody></table><h3>History</h3>");
    const char *after = http_req_query(call->req, "fees_after");
    fee_page_t p = {.descending = true, .limit = FEES_PAGE_ROWS + 1};
    if (after && after[0])
        p.has_cursor = ledger_id_parse(after, strlen(after), &p.cursor) == 0;
    fee_t *rows = xcalloc(FEES_PAGE_ROWS + 1, sizeof *rows);
    size_t n = 0;
    if (fee_list(call->cfg->db, a->ledger.id, &p, rows, FEES_PAGE_ROWS + 1, &n) != FEE_OK)
        buf_printf(b, "<p role=\"alert\">The fees cannot be read right now.</p>");
    buf_printf(b, "<table id=\"fees\"><thead><tr><th>Type</th><th class=\"amount\">Fixed</th>"
                  "<th class=\"amount\">Basis points</th><th>Set (UTC)</th></tr></thead>"
                  "<tbody>");
    for (size_t i = 0; i < n && i < FEES_PAGE_ROWS; i++) {
        buf_printf(b, "<tr>");
        fee_cells(b, &rows[i], a->ledger.scale);
        buf_printf(b, "</tr>");
    }
    buf_printf(b, "</tbody></table>");
    if (n > FEES_PAGE_ROWS) {
        buf_printf(b, "<p><a rel=\"next\" href=\"/console/assets/");
        console_id(b, a->ledger.id);
        buf_printf(b, "?fees_after=");
        console_id(b, rows[FEES_PAGE_ROWS - 1].id);
        buf_printf(b, "\">Older</a></p>");
    }
    free(rows);
    buf_printf(b, "</section>");
}

/* An asset form's opening: posting to /console/assets/{id}/<what>, with the CSRF field. */
static void asset_form_open(const console_call_t *call, buf_t *b, const pay_asset_t *a,
                            const char *what)
{
    buf_printf(b, "<form method=\"post\" action=\"/console/assets/");
    console_id(b, a->ledger.id);
    buf_printf(b, "/%s\">", what);
    console_csrf_field(call, b);
}

static void asset_change_forms(const console_call_t *call, buf_t *b, const pay_asset_t *a)
{
    buf_printf(b, "<section><h2>Set a fee</h2>");
    asset_form_open(call, b, a, "fee");
    buf_printf(b, "<label for=\"fee-type\">Type</label><select id=\"fee-type\" name=\"type\">"
                  "<option>SENDING</option><option>RECEIVING</option></select><label "
                  "for=\"fee-fixed\">Fixed (in the asset's units)</label><input type=\"text\" "
                  "id=\"fee-fixed\" name=\"fixed\" inputmode=\"decimal\" required><label "
                  "for=\"fee-bps\">Basis points (0 to 10000)</label><input type=\"text\" "
                  "id=\"fee-bps\" name=\"basis_points\" inputmode=\"numeric\" required>"
                  "<div class=\"actions\"><button class=\"accept\" type=\"submit\">Set fee"
                  "</button></div></form></section><section><h2>Withdrawal threshold</h2>");
    asset_form_open(call, b, a, "withdrawal_threshold");
    char thr[48] = "";
    if (a->has_withdrawal_threshold)
        decimal_format(a->withdrawal_threshold, a->ledger.scale, thr, sizeof thr);
    buf_printf(b, "<label for=\"wd-threshold\">Withdrawal threshold (in the asset's units; "
                  "empty: none)</label><input type=\"text\" id=\"wd-threshold\" "
                  "name=\"withdrawal_threshold\" inputmode=\"decimal\" value=\"");
    page_escape(b, thr);
    buf_printf(b, "\"><div class=\"actions\"><button type=\"submit\">Set withdrawal "
                  "threshold</button></div></form></section><section><h2>Liquidity</h2>");
    asset_forms(call, b, a);
    buf_printf(b, "</section>");
}

static void threshold_dd(buf_t *b, const char *id, bool has, uint64_t v, uint8_t scale)
{
    buf_printf(b, "<dd id=\"%s\">", id);
    if (has)
        console_amount(b, (int64_t)v, scale);
    else
        buf_printf(b, "none");
    buf_printf(b, "</dd>");
}

http_handler_result_t console_asset_page(http_req_t *req, void *user)
{
    console_call_t call;
    pay_asset_t a;
    if (!console_begin(req, user, CONSOLE_READ, &call) || !asset_of_path(&call, &a))
        return HTTP_DONE;
    bool ok = true;
    uint8_t sc = a.ledger.scale;
    int64_t liq = balance_of(&call, a.ledger.liquidity_account_id, &ok);
    int64_t set = balance_of(&call, a.ledger.settlement_account_id, &ok);
    buf_t b;
    console_page_begin(&call, &b, "Asset");
    buf_printf(&b, "<dl id=\"asset\"><dt>Asset</dt><dd>");
    page_escape(&b, a.ledger.code);
    buf_printf(&b, "/%u <code>", sc);
    console_id(&b, a.ledger.id);
    buf_printf(&b, "</code></dd><dt>Liquidity</dt><dd id=\"liquidity\">");
    console_amount(&b, liq, sc);
    buf_printf(&b, "</dd><dt>Settlement</dt><dd>");
    console_amount(&b, set, sc);
    buf_printf(&b, "%s</dd><dt>Liquidity threshold</dt>", ok ? "" : " (unreadable)");
    threshold_dd(&b, "liquidity-threshold", a.has_liquidity_threshold, a.liquidity_threshold, sc);
    buf_printf(&b, "<dt>Withdrawal threshold</dt>");
    threshold_dd(&b, "withdrawal-threshold", a.has_withdrawal_threshold, a.withdrawal_threshold,
                 sc);
    buf_printf(&b, "</dl>");
    fees_section(&call, &b, &a);
    if (call.who.role == CONSOLE_OPERATOR)
        asset_change_forms(&call, &b, &a);
    return page_send(req, 200, &b);
}

static http_handler_result_t to_asset(const console_call_t *call, const pay_asset_t *a)
{
    char where[64 + LEDGER_ID_STR_LEN];
    char id[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(a->ledger.id, id);
    snprintf(where, sizeof where, "/console/assets/%s", id);
    return page_see_other(call->req, where);
}

/* The basis points field: digits only, at most 5 of them (fee_set checks the range). */
static bool bps_parse(const char *s, int64_t *out)
{
    uint64_t v;
    if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 5 ||
        decimal_parse(s, 0, &v) != 0)
        return false;
    *out = (int64_t)v;
    return true;
}

http_handler_result_t console_asset_fee(http_req_t *req, void *user)
{
    console_call_t call;
    pay_asset_t a;
    if (!console_begin(req, user, CONSOLE_CHANGE, &call) || !asset_of_path(&call, &a))
        return HTTP_DONE;
    char type_s[16], fixed_s[CONSOLE_FIELD_MAX], bps_s[16];
    fee_type_t type;
    uint64_t fixed;
    int64_t bps;
    if (!page_form_field(req, "type", type_s, sizeof type_s) ||
        fee_type_parse(type_s, strlen(type_s), &type) != 0)
        return console_refuse(&call, 400, "Not set", "Choose SENDING or RECEIVING.");
    if (!page_form_field(req, "fixed", fixed_s, sizeof fixed_s) ||
        decimal_parse(fixed_s, a.ledger.scale, &fixed) != 0)
        return console_refuse(&call, 400, "Not set",
                              "Fixed fee must be an amount in the asset's units.");
    if (!page_form_field(req, "basis_points", bps_s, sizeof bps_s) || !bps_parse(bps_s, &bps))
        return console_refuse(&call, 400, "Not set",
                              "Basis point fee must be between 0 and "
                              "10000");
    fee_t f;
    fee_result_t r = fee_set(call.cfg->db, call.cfg->ledger, a.ledger.id, type, fixed, bps, &f);
    if (r == FEE_INVALID_BASIS_POINTS)
        return console_refuse(&call, 400, "Not set",
                              "Basis point fee must be between 0 and "
                              "10000");
    if (r == FEE_INVALID_FIXED)
        return console_refuse(&call, 400, "Not set", "The fixed fee is too large.");
    if (r == FEE_UNKNOWN_ASSET)
        return console_refuse(&call, 404, "No such asset", "There is no such asset.");
    if (r != FEE_OK)
        return console_refuse(&call, 503, "Not set", "The fee cannot be set now.");
    char id[LEDGER_ID_STR_LEN + 1], detail[CONSOLE_AUDIT_DETAIL_MAX + 1];
    ledger_id_format(a.ledger.id, id);
    snprintf(detail, sizeof detail, "%s %s fixed %s, %lld basis points", a.ledger.code,
             fee_type_str(type), fixed_s, (long long)bps);
    console_audit(&call, "asset_fee", id, detail);
    return to_asset(&call, &a);
}

http_handler_result_t console_asset_withdrawal_threshold(http_req_t *req, void *user)
{
    console_call_t call;
    pay_asset_t a;
    if (!console_begin(req, user, CONSOLE_CHANGE, &call) || !asset_of_path(&call, &a))
        return HTTP_DONE;
    char thr_s[CONSOLE_FIELD_MAX] = "";
    uint64_t thr = 0;
    if (!page_form_field(req, "withdrawal_threshold", thr_s, sizeof thr_s) ||
        (thr_s[0] && decimal_parse(thr_s, a.ledger.scale, &thr) != 0))
        return console_refuse(&call, 400, "Not changed",
                              "The threshold is an amount in the asset's units, or empty for "
                              "none.");
    const uint64_t *lq = a.has_liquidity_threshold ? &a.liquidity_threshold : NULL;
    pay_asset_t out;
    if (pay_asset_update(call.cfg->db, call.cfg->ledger, a.ledger.id, thr_s[0] ? &thr : NULL, lq,
                         &out) != PAY_ASSET_OK)
        return console_refuse(&call, 503, "Not changed", "The asset cannot be changed now.");
    char id[LEDGER_ID_STR_LEN + 1], detail[CONSOLE_AUDIT_DETAIL_MAX + 1];
    ledger_id_format(a.ledger.id, id);
    snprintf(detail, sizeof detail, "%s withdrawal threshold %s", a.ledger.code,
             thr_s[0] ? thr_s : "removed");
    console_audit(&call, "asset_withdrawal_threshold", id, detail);
    return to_asset(&call, &a);
}
