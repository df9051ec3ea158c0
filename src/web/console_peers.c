/*
 * The operator console's peers pages (see console.h): the list, a create form, a peer's page
 * with its edit, liquidity and delete forms, and a connectivity check of its outgoing endpoint.
 * Changes go through payments/peering.h (as the admin GraphQL's createPeer and updatePeer) and
 * the ledger's account update (as the REST admin API's min_balance); a generated incoming
 * token is shown once, on the answer to the POST that set it, and never again.
 */
#include <stdio.h>
#include <string.h>

#include "web/console_call.h"
#include "web/pages.h"
#include "payments/assets.h"
#include "payments/console_lookups.h"
#include "payments/peering.h"
#include "payments/settlement.h"
#include "payments/tenants.h"
#include "base/codec.h"
#include "base/mem.h"
#include "base/rand.h"
#include "base/uuid.h"

#define PEERS_PAGE_ROWS  50
#define PEER_FIELD_MAX   64
#define PEER_ROUTES_TEXT 4096
#define PEER_TOKEN_BYTES 32 /* a generated incoming token: 64 hex digits */

/* ---- helpers ---- */

static bool peer_mine(const console_call_t *call, const peer_t *p)
{
    if (call->is_operator)
        return true;
    char id[LEDGER_ID_STR_LEN + 1], owner[PAY_TENANT_ID_LEN + 1];
    ledger_id_format(p->id, id);
    return pay_tenant_owner(call->cfg->db, PAY_OWNED_PEER, id, owner) == PAY_TENANT_OK &&
           strcmp(owner, call->who.tenant_id) == 0;
}

/* The peer of the path that the principal may see (one reference), or a 404 answered. */
static peer_t *peer_of_path(console_call_t *call)
{
    const char *s = http_req_param(call->req, "id");
    ledger_id_t id;
    peer_t *p = NULL;
    if (s && ledger_id_parse(s, strlen(s), &id) == 0 &&
        peers_db_get(call->cfg->db, id, &p) == PEERS_OK && peer_mine(call, p))
        return p;
    peer_release(p);
    console_refuse(call, 404, "No such peer", "There is no such peer.");
    return NULL;
}

static void audit_peer(const console_call_t *call, const char *action, const peer_t *p,
                       const char *detail)
{
    char id[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(p->id, id);
    console_audit(call, action, id, detail);
}

/* An amount field in the asset's units: true with *v (0 when empty and *given false). */
static bool amount_field(const http_req_t *req, const char *name, uint8_t scale, uint64_t *v,
                         bool *given)
{
    char s[PEER_FIELD_MAX] = "";
    *v = 0;
    page_form_field(req, name, s, sizeof s);
    *given = s[0] != 0;
    return !*given || decimal_parse(s, scale, v) == 0;
}

/* Splits text (routes separated by blanks, commas or new lines) into v, in place. */
static bool routes_split(char *text, const char **v, size_t max, size_t *n)
{
    *n = 0;
    for (char *p = text; *p;) {
        p += strspn(p, " \t\r\n,");
        if (!*p)
            break;
        if (*n == max)
            return false;
        v[(*n)++] = p;
        p += strcspn(p, " \t\r\n,");
        if (*p)
            *p++ = 0;
    }
    return true;
}

static void token_new(char out[2 * PEER_TOKEN_BYTES + 1])
{
    uint8_t raw[PEER_TOKEN_BYTES];
    rand_bytes(raw, sizeof raw);
    hex_encode(out, 2 * PEER_TOKEN_BYTES + 1, raw, sizeof raw);
}

static const char *peer_words(pay_peer_result_t r, const peers_err_t *e)
{
    switch (r) {
    case PAY_PEER_DUPLICATE_TOKEN:
        return "The incoming token is another peer's.";
    case PAY_PEER_DUPLICATE:
        return "A peer with this ILP address and asset exists.";
    case PAY_PEER_INVALID_ADDRESS:
        return "The static ILP address is not an ILP address.";
    case PAY_PEER_INVALID_ENDPOINT:
        return "The outgoing endpoint is not an http(s) URL.";
    case PAY_PEER_UNKNOWN_ASSET:
        return "There is no such asset.";
    case PAY_PEER_UNKNOWN:
        return "There is no such peer.";
    case PAY_PEER_INVALID:
        return e && e->msg[0] ? e->msg : "A field is out of bounds.";
    default:
        return "The peer cannot be changed now.";
    }
}

static unsigned peer_status(pay_peer_result_t r)
{
    return r == PAY_PEER_DUPLICATE_TOKEN || r == PAY_PEER_DUPLICATE ? 409
           : r == PAY_PEER_STORAGE_ERROR                            ? 503
                                                                    : 400;
}

/* ---- the list ---- */

static void peer_list_row(const console_call_t *call, buf_t *b, const peer_t *p)
{
    ledger_account_t acct;
    ledger_status_t s;
    bool ok = ledger_account_get(call->cfg->ledger, p->account_id, &acct) == LEDGER_OK &&
              ledger_account_status(call->cfg->ledger, p->account_id, &s) == LEDGER_OK;
    bool has = false;
    uint64_t thr = 0;
    pay_peer_threshold(call->cfg->db, p->id, &has, &thr);
    bool low = ok && has && (s.balance < 0 || (uint64_t)s.balance < thr);
    uint8_t sc = p->asset_scale;
    buf_printf(b, "<tr%s data-peer=\"", low ? " class=\"low\"" : "");
    console_id(b, p->id);
    buf_printf(b, "\"><td><a href=\"/console/peers/");
    console_id(b, p->id);
    buf_printf(b, "\">");
    page_escape(b, p->name[0] ? p->name : "(no name)");
    buf_printf(b, "</a>%s</td><td><code>", low ? " <strong>low</strong>" : "");
    page_escape(b, p->ilp_address);
    buf_printf(b, "</code></td><td>");
    page_escape(b, p->asset_code);
    buf_printf(b, "/%u</td><td class=\"amount\">", sc);
    if (ok)
        console_amount(b, s.balance, sc);
    buf_printf(b, "</td><td class=\"amount\">");
    if (ok)
        console_amount(b, acct.min_balance < 0 ? -acct.min_balance : 0, sc);
    buf_printf(b, "</td><td class=\"amount\">");
    int64_t avail;
    if (ok &&
        !__builtin_sub_overflow(s.balance, acct.min_balance < 0 ? acct.min_balance : 0, &avail))
        console_amount(b, avail, sc);
    buf_printf(b, "</td><td class=\"amount\">");
    if (has)
        console_amount(b, (int64_t)(thr > INT64_MAX ? INT64_MAX : thr), sc);
    buf_printf(b, "%s</td></tr>", ok ? "" : "unreadable");
}

/* The assets the principal may create a peer in, as <option>s. */
static void asset_options(const console_call_t *call, buf_t *b)
{
    pay_asset_t *all = xcalloc(PAY_ASSETS_MAX, sizeof *all);
    pay_keyset_t k = {.asc = true, .limit = PAY_ASSETS_MAX};
    size_t n = 0;
    if (pay_assets_page(call->cfg->db, call->cfg->ledger, &k, all, &n) != PAY_ASSET_OK)
        n = 0;
    for (size_t i = 0; i < n; i++) {
        if (!call->is_operator && strcmp(all[i].ledger.scope, call->who.tenant_id) != 0)
            continue;
        buf_printf(b, "<option value=\"");
        console_id(b, all[i].ledger.id);
        buf_printf(b, "\">");
        page_escape(b, all[i].ledger.code);
        buf_printf(b, "/%u</option>", all[i].ledger.scale);
    }
    free(all);
}

static void text_input(buf_t *b, const char *id, const char *label, const char *value,
                       bool required)
{
    buf_printf(b, "<label for=\"%s\">", id);
    page_escape(b, label);
    buf_printf(b, "</label><input type=\"text\" id=\"%s\" name=\"%s\"%s value=\"", id, id,
               required ? " required" : "");
    page_escape(b, value ? value : "");
    buf_printf(b, "\">");
}

static void create_form(const console_call_t *call, buf_t *b)
{
    buf_printf(b, "<section><h2>New peer</h2><form method=\"post\" action=\"/console/peers\">");
    console_csrf_field(call, b);
    buf_printf(b, "<label for=\"asset\">Asset</label><select id=\"asset\" name=\"asset\">");
    asset_options(call, b);
    buf_printf(b, "</select>");
    text_input(b, "name", "Name", "", false);
    text_input(b, "ilp_address", "Static ILP address", "", true);
    text_input(b, "endpoint", "Outgoing endpoint (http or https URL)", "", true);
    text_input(b, "outgoing_token", "Outgoing token (the peer's, for our requests)", "", true);
    text_input(b, "incoming_token", "Incoming token (empty: one is generated and shown once)", "",
               false);
    text_input(b, "max_packet_amount", "Max packet amount (asset units; empty: none)", "", false);
    text_input(b, "credit_limit", "Credit limit (asset units; empty: none)", "", false);
    text_input(b, "liquidity_threshold", "Liquidity threshold (asset units; empty: none)", "",
               false);
    buf_printf(b, "<label for=\"routes\">Routes (ILP address prefixes, one a line)</label>"
                  "<textarea id=\"routes\" name=\"routes\"></textarea><div class=\"actions\">"
                  "<button class=\"accept\" type=\"submit\">Create peer</button></div></form>"
                  "</section>");
}

http_handler_result_t console_peers(http_req_t *req, void *user)
{
    console_call_t call;
    if (!console_begin(req, user, CONSOLE_READ, &call))
        return HTTP_DONE;
    ledger_id_t after = {0, 0};
    const char *a = http_req_query(req, "after");
    if (a && ledger_id_parse(a, strlen(a), &after) != 0)
        after = (ledger_id_t){0, 0};
    peer_t **peers = xcalloc(PEERS_PAGE_ROWS + 1, sizeof *peers);
    size_t n = 0, shown = 0;
    buf_t b;
    console_page_begin(&call, &b, "Peers");
    if (peers_db_list(call.cfg->db, after, peers, PEERS_PAGE_ROWS + 1, &n) != PEERS_OK) {
        buf_printf(&b, "<p role=\"alert\">The peers cannot be read right now.</p>");
        n = 0;
    }
    buf_printf(&b, "<table id=\"peers\"><thead><tr><th>Peer</th><th>ILP address</th><th>Asset"
                   "</th><th class=\"amount\">Balance</th><th class=\"amount\">Credit limit</th>"
                   "<th class=\"amount\">Liquidity</th><th class=\"amount\">Threshold</th></tr>"
                   "</thead><tbody>");
    for (size_t i = 0; i < n && i < PEERS_PAGE_ROWS; i++)
        if (peer_mine(&call, peers[i]) && ++shown)
            peer_list_row(&call, &b, peers[i]);
    buf_printf(&b, "</tbody></table>%s", shown ? "" : "<p>No peers.</p>");
    if (n > PEERS_PAGE_ROWS) {
        buf_printf(&b, "<p><a id=\"next\" href=\"/console/peers?after=");
        console_id(&b, peers[PEERS_PAGE_ROWS - 1]->id);
        buf_printf(&b, "\">Next</a></p>");
    }
    for (size_t i = 0; i < n; i++)
        peer_release(peers[i]);
    free(peers);
    if (call.who.role == CONSOLE_OPERATOR)
        create_form(&call, &b);
    return page_send(req, 200, &b);
}

/* ---- create and edit ---- */

/* The form's fields shared by create and edit (strings borrowed from f). */
typedef struct {
    char name[PEER_NAME_MAX + 1];
    char address[ILP_ADDRESS_MAX_LEN + 1];
    char endpoint[PEER_ENDPOINT_MAX + 1];
    char out_token[PEER_TOKEN_MAX + 1];
    char in_token[PEER_TOKEN_MAX + 1];
    char routes_text[PEER_ROUTES_TEXT];
    const char *routes[PEER_ROUTES_MAX];
    const char *incoming[1];
    bool generated; /* in_token was made here: shown once */
    bool has_credit, has_max, has_thr;
    uint64_t credit, max, thr;
} peer_form_t;

/* Reads the form into f and in; false with why. */
static bool peer_form_read(const http_req_t *req, uint8_t scale, bool create, peer_form_t *f,
                           pay_peer_input_t *in, const char **why)
{
    page_form_field(req, "name", f->name, sizeof f->name);
    page_form_field(req, "ilp_address", f->address, sizeof f->address);
    page_form_field(req, "endpoint", f->endpoint, sizeof f->endpoint);
    page_form_field(req, "outgoing_token", f->out_token, sizeof f->out_token);
    page_form_field(req, "incoming_token", f->in_token, sizeof f->in_token);
    char gen[8] = "";
    page_form_field(req, "generate_token", gen, sizeof gen);
    *why = "An amount is not a number in the asset's units.";
    if (!amount_field(req, "max_packet_amount", scale, &f->max, &f->has_max) ||
        !amount_field(req, "credit_limit", scale, &f->credit, &f->has_credit) ||
        !amount_field(req, "liquidity_threshold", scale, &f->thr, &f->has_thr) ||
        f->credit > INT64_MAX)
        return false;
    *why = "Give at most 63 routes.";
    size_t nroutes = 0;
    if (page_form_field(req, "routes", f->routes_text, sizeof f->routes_text) &&
        !routes_split(f->routes_text, f->routes, PEER_ROUTES_MAX - 1, &nroutes))
        return false;
    if ((create && !f->in_token[0]) || strcmp(gen, "yes") == 0) {
        token_new(f->in_token);
        f->generated = true;
    }
    f->incoming[0] = f->in_token;
    *in = (pay_peer_input_t){.static_ilp_address = f->address[0] ? f->address : NULL,
                             .has_name = true,
                             .name = f->name[0] ? f->name : NULL,
                             .has_max_packet_amount = true,
                             .clear_max_packet_amount = !f->has_max,
                             .max_packet_amount = f->max,
                             .has_http = true,
                             .endpoint = f->endpoint,
                             .auth_token = f->out_token,
                             .has_incoming = f->in_token[0] != 0,
                             .incoming = f->incoming,
                             .n_incoming = 1,
                             .has_routes = true,
                             .routes = f->routes,
                             .n_routes = nroutes,
                             .has_liquidity_threshold = true,
                             .clear_liquidity_threshold = !f->has_thr,
                             .liquidity_threshold = f->thr};
    return true;
}

/* Sets the peer account's credit limit (min_balance = -limit), as the REST API's min_balance. */
static bool credit_set(const console_call_t *call, const peer_t *p, uint64_t limit)
{
    ledger_account_t acct;
    if (ledger_account_get(call->cfg->ledger, p->account_id, &acct) != LEDGER_OK)
        return false;
    acct.min_balance = -(int64_t)limit;
    return ledger_account_update(call->cfg->ledger, &acct) == LEDGER_OK;
}

/* The answer to a create or an edit: the peer's page link and, once, a generated token. */
static http_handler_result_t peer_saved(console_call_t *call, const peer_t *p, const peer_form_t *f,
                                        const char *title)
{
    buf_t b;
    console_page_begin(call, &b, title);
    buf_printf(&b, "<p>Peer <a id=\"peer\" href=\"/console/peers/");
    console_id(&b, p->id);
    buf_printf(&b, "\">");
    page_escape(&b, p->name[0] ? p->name : p->ilp_address);
    buf_printf(&b, "</a> is saved.</p>");
    if (f->generated) {
        buf_printf(&b, "<p>Its new incoming token, for the peer to send with its packets. It is "
                       "shown this once: copy it now.</p><p><code id=\"token\">");
        page_escape(&b, f->in_token);
        buf_printf(&b, "</code></p>");
    }
    return page_send(call->req, 200, &b);
}

http_handler_result_t console_peer_create(http_req_t *req, void *user)
{
    console_call_t call;
    if (!console_begin(req, user, CONSOLE_CHANGE, &call))
        return HTTP_DONE;
    char asset_s[LEDGER_ID_STR_LEN + 2] = "";
    pay_asset_t a;
    ledger_id_t asset_id;
    if (!page_form_field(req, "asset", asset_s, sizeof asset_s) ||
        ledger_id_parse(asset_s, strlen(asset_s), &asset_id) != 0 ||
        pay_asset_get(call.cfg->db, call.cfg->ledger, asset_id, &a) != PAY_ASSET_OK ||
        (!call.is_operator && strcmp(a.ledger.scope, call.who.tenant_id) != 0))
        return console_refuse(&call, 400, "Not created", "Choose one of your assets.");
    peer_form_t *f = xcalloc(1, sizeof *f);
    pay_peer_input_t in;
    const char *why;
    http_handler_result_t res;
    if (!peer_form_read(req, a.ledger.scale, true, f, &in, &why)) {
        res = console_refuse(&call, 400, "Not created", why);
        goto done;
    }
    in.asset_id = asset_id;
    in.clear_max_packet_amount = in.clear_liquidity_threshold = false;
    in.has_max_packet_amount = f->has_max;
    in.has_liquidity_threshold = f->has_thr;
    peer_t *p = NULL;
    peers_err_t err = {{0}};
    pay_peer_result_t r =
        pay_peer_create(call.cfg->db, call.cfg->ledger, call.cfg->peers, &in, &p, &err);
    if (r != PAY_PEER_OK) {
        res = console_refuse(&call, peer_status(r), "Not created", peer_words(r, &err));
        goto done;
    }
    bool owned = call.is_operator || pay_tenant_own(call.cfg->db, PAY_OWNED_PEER, p->id,
                                                    call.who.tenant_id) == PAY_TENANT_OK;
    bool credited = !f->has_credit || credit_set(&call, p, f->credit);
    audit_peer(&call, "peer_create", p, p->ilp_address);
    if (!owned || !credited)
        res = console_refuse(&call, 503, "Created in part",
                             owned ? "The peer was created; its credit limit could not be set."
                                   : "The peer was created but not recorded as yours.");
    else
        res = peer_saved(&call, p, f, "Peer created");
    peer_release(p);
done:
    free(f);
    return res;
}

http_handler_result_t console_peer_update(http_req_t *req, void *user)
{
    console_call_t call;
    peer_t *p;
    if (!console_begin(req, user, CONSOLE_CHANGE, &call) || !(p = peer_of_path(&call)))
        return HTTP_DONE;
    peer_form_t *f = xcalloc(1, sizeof *f);
    pay_peer_input_t in;
    const char *why;
    http_handler_result_t res;
    if (!peer_form_read(req, p->asset_scale, false, f, &in, &why)) {
        res = console_refuse(&call, 400, "Not changed", why);
        goto done;
    }
    if (!f->out_token[0]) /* empty: the token stays */
        in.auth_token = p->outgoing_token;
    peer_t *out = NULL;
    peers_err_t err = {{0}};
    pay_peer_result_t r =
        pay_peer_update(call.cfg->db, call.cfg->ledger, call.cfg->peers, p->id, &in, &out, &err);
    if (r != PAY_PEER_OK) {
        res = console_refuse(&call, peer_status(r), "Not changed", peer_words(r, &err));
        goto done;
    }
    char detail[CONSOLE_AUDIT_DETAIL_MAX + 1];
    snprintf(detail, sizeof detail, "%.200s%s%s", out->ilp_address,
             f->out_token[0] ? ", outgoing token set" : "",
             f->in_token[0] ? ", incoming token set" : "");
    if (!credit_set(&call, out, f->credit))
        res = console_refuse(&call, 503, "Changed in part", "The credit limit was not set.");
    else
        res = peer_saved(&call, out, f, "Peer changed");
    audit_peer(&call, "peer_update", out, detail);
    peer_release(out);
done:
    free(f);
    peer_release(p);
    return res;
}

/* ---- a peer's page ---- */

static void peer_facts(const console_call_t *call, buf_t *b, const peer_t *p)
{
    ledger_account_t acct;
    ledger_status_t s;
    bool ok = ledger_account_get(call->cfg->ledger, p->account_id, &acct) == LEDGER_OK &&
              ledger_account_status(call->cfg->ledger, p->account_id, &s) == LEDGER_OK;
    bool has = false;
    uint64_t thr = 0;
    pay_peer_threshold(call->cfg->db, p->id, &has, &thr);
    uint8_t sc = p->asset_scale;
    buf_printf(b, "<dl id=\"facts\"><dt>Id</dt><dd><code>");
    console_id(b, p->id);
    buf_printf(b, "</code></dd><dt>ILP address</dt><dd><code>");
    page_escape(b, p->ilp_address);
    buf_printf(b, "</code></dd><dt>Asset</dt><dd>");
    page_escape(b, p->asset_code);
    buf_printf(b, "/%u</dd><dt>Outgoing endpoint</dt><dd>", sc);
    page_escape(b, p->outgoing_endpoint ? p->outgoing_endpoint : "none");
    buf_printf(b, "</dd><dt>Balance</dt><dd id=\"balance\">");
    if (ok)
        console_amount(b, s.balance, sc);
    buf_printf(b, "</dd><dt>Credit limit</dt><dd id=\"credit\">");
    if (ok)
        console_amount(b, acct.min_balance < 0 ? -acct.min_balance : 0, sc);
    buf_printf(b, "</dd><dt>Liquidity threshold</dt><dd>");
    if (has)
        console_amount(b, (int64_t)(thr > INT64_MAX ? INT64_MAX : thr), sc);
    else
        buf_printf(b, "none");
    buf_printf(b, "</dd><dt>Max packet amount</dt><dd>");
    if (p->max_packet_amount)
        console_amount(
            b, (int64_t)(p->max_packet_amount > INT64_MAX ? INT64_MAX : p->max_packet_amount), sc);
    else
        buf_printf(b, "none");
    buf_printf(b, "</dd></dl>%s", ok ? "" : "<p role=\"alert\">The balance is unreadable.</p>");
}

/* An amount as the form's value ("" for none). */
static void amount_value(char *out, size_t cap, bool has, uint64_t v, uint8_t scale)
{
    out[0] = 0;
    if (has)
        decimal_format(v, scale, out, cap);
}

static void edit_form(const console_call_t *call, buf_t *b, const peer_t *p)
{
    ledger_account_t acct;
    bool has_thr = false;
    uint64_t thr = 0;
    pay_peer_threshold(call->cfg->db, p->id, &has_thr, &thr);
    bool has_credit = ledger_account_get(call->cfg->ledger, p->account_id, &acct) == LEDGER_OK &&
                      acct.min_balance < 0;
    char mx[48], cr[48], th[48];
    amount_value(mx, sizeof mx, p->max_packet_amount != 0, p->max_packet_amount, p->asset_scale);
    amount_value(cr, sizeof cr, has_credit, has_credit ? (uint64_t)-acct.min_balance : 0,
                 p->asset_scale);
    amount_value(th, sizeof th, has_thr, thr, p->asset_scale);
    buf_printf(b, "<section><h2>Edit</h2><form id=\"edit\" method=\"post\" "
                  "action=\"/console/peers/");
    console_id(b, p->id);
    buf_printf(b, "\">");
    console_csrf_field(call, b);
    text_input(b, "name", "Name", p->name, false);
    text_input(b, "endpoint", "Outgoing endpoint", p->outgoing_endpoint, true);
    text_input(b, "outgoing_token", "New outgoing token (empty: unchanged)", "", false);
    text_input(b, "incoming_token", "New incoming token (empty: unchanged)", "", false);
    buf_printf(b, "<label><input type=\"checkbox\" id=\"generate_token\" name=\"generate_token\" "
                  "value=\"yes\"> Generate a new incoming token (shown once)</label>");
    text_input(b, "max_packet_amount", "Max packet amount (empty: none)", mx, false);
    text_input(b, "credit_limit", "Credit limit (empty: none)", cr, false);
    text_input(b, "liquidity_threshold", "Liquidity threshold (empty: none)", th, false);
    buf_printf(b, "<label for=\"routes\">Routes (one a line)</label><textarea id=\"routes\" "
                  "name=\"routes\">");
    for (size_t i = 1; i < p->nroutes; i++) { /* routes[0] is the static address */
        page_escape(b, p->routes[i]);
        buf_printf(b, "\n");
    }
    buf_printf(b, "</textarea><div class=\"actions\"><button class=\"accept\" type=\"submit\">"
                  "Save</button></div></form></section>");
}

/* A POST form of one button (and an amount field when amount). */
static void action_form(const console_call_t *call, buf_t *b, const peer_t *p, const char *path,
                        const char *label, bool amount)
{
    buf_printf(b, "<form id=\"%s\" method=\"post\" action=\"/console/peers/", path);
    console_id(b, p->id);
    buf_printf(b, "/%s\">", path);
    console_csrf_field(call, b);
    if (amount)
        buf_printf(b,
                   "<input type=\"text\" name=\"amount\" inputmode=\"decimal\" required "
                   "aria-label=\"Amount to %s\">",
                   path);
    buf_printf(b, "<button type=\"submit\">%s</button></form>", label);
}

http_handler_result_t console_peer_page(http_req_t *req, void *user)
{
    console_call_t call;
    peer_t *p;
    if (!console_begin(req, user, CONSOLE_READ, &call) || !(p = peer_of_path(&call)))
        return HTTP_DONE;
    buf_t b;
    char title[PEER_NAME_MAX + 8];
    snprintf(title, sizeof title, "Peer %.200s", p->name[0] ? p->name : p->ilp_address);
    console_page_begin(&call, &b, title);
    buf_printf(&b, "<p><a href=\"/console/peers\">All peers</a></p>");
    peer_facts(&call, &b, p);
    if (call.who.role == CONSOLE_OPERATOR) {
        buf_printf(&b, "<section><h2>Liquidity</h2>");
        action_form(&call, &b, p, "deposit", "Deposit", true);
        action_form(&call, &b, p, "withdraw", "Withdraw", true);
        buf_printf(&b, "</section><section><h2>Connectivity</h2><p>Sends an IL-DCP request to "
                       "the outgoing endpoint (a few seconds at most).</p>");
        action_form(&call, &b, p, "check", "Check connectivity", false);
        buf_printf(&b, "</section>");
        edit_form(&call, &b, p);
        buf_printf(&b, "<section><h2>Delete</h2><p>Removes the peer, its tokens and routes; its "
                       "ledger account stays with its history.</p>");
        action_form(&call, &b, p, "delete", "Delete peer", false);
        buf_printf(&b, "</section>");
    }
    peer_release(p);
    return page_send(req, 200, &b);
}

/* ---- liquidity ---- */

static http_handler_result_t move_confirm(console_call_t *call, const peer_t *p, bool withdraw,
                                          uint64_t value)
{
    char num[48], transfer[UUID_STR_LEN + 1];
    decimal_format(value, p->asset_scale, num, sizeof num);
    uuid_v4(transfer);
    buf_t b;
    console_page_begin(call, &b, withdraw ? "Confirm the withdrawal" : "Confirm the deposit");
    buf_printf(&b, "<p>%s <strong>", withdraw ? "Withdraw" : "Deposit");
    page_escape(&b, num);
    buf_printf(&b, " ");
    page_escape(&b, p->asset_code);
    buf_printf(&b, "</strong> %s the liquidity of peer <strong>", withdraw ? "from" : "into");
    page_escape(&b, p->name[0] ? p->name : p->ilp_address);
    buf_printf(&b, "</strong>?</p><form method=\"post\" action=\"/console/peers/");
    console_id(&b, p->id);
    buf_printf(&b, "/%s\">", withdraw ? "withdraw" : "deposit");
    console_csrf_field(call, &b);
    page_hidden(&b, "amount", num);
    page_hidden(&b, "transfer", transfer);
    page_hidden(&b, "confirm", "yes");
    buf_printf(&b,
               "<div class=\"actions\"><button class=\"accept\" type=\"submit\">Confirm "
               "%s</button><a href=\"/console/peers/",
               withdraw ? "withdrawal" : "deposit");
    console_id(&b, p->id);
    buf_printf(&b, "\">Cancel</a></div></form>");
    return page_send(call->req, 200, &b);
}

static http_handler_result_t move_done(console_call_t *call, const peer_t *p, bool withdraw,
                                       pay_move_result_t r, const char *num, const char *transfer)
{
    if (r == PAY_MOVE_TRANSFER_EXISTS)
        return console_refuse(call, 409, "Already done", "This was done before.");
    if (r == PAY_MOVE_INSUFFICIENT_BALANCE)
        return console_refuse(call, 409, "Not done", "The liquidity is less than the amount.");
    if (r != PAY_MOVE_OK)
        return console_refuse(call, 503, "Not done", pay_move_result_str(r));
    char detail[CONSOLE_AUDIT_DETAIL_MAX + 1], to[LEDGER_ID_STR_LEN + 24];
    snprintf(detail, sizeof detail, "%s %s, transfer %s", num, p->asset_code, transfer);
    audit_peer(call, withdraw ? "peer_liquidity_withdrawal" : "peer_liquidity_deposit", p, detail);
    char id[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(p->id, id);
    snprintf(to, sizeof to, "/console/peers/%s", id);
    return page_see_other(call->req, to);
}

static http_handler_result_t move_run(http_req_t *req, void *user, bool withdraw)
{
    console_call_t call;
    peer_t *p;
    if (!console_begin(req, user, CONSOLE_CHANGE, &call) || !(p = peer_of_path(&call)))
        return HTTP_DONE;
    char num[PEER_FIELD_MAX], confirm[8] = "", transfer[UUID_STR_LEN + 2] = "";
    uint64_t value;
    ledger_id_t tid;
    http_handler_result_t res;
    page_form_field(req, "confirm", confirm, sizeof confirm);
    if (!page_form_field(req, "amount", num, sizeof num) ||
        decimal_parse(num, p->asset_scale, &value) != 0 || value == 0)
        res =
            console_refuse(&call, 400, "Not done", "Give a positive amount in the asset's units.");
    else if (strcmp(confirm, "yes") != 0)
        res = move_confirm(&call, p, withdraw, value);
    else if (!page_form_field(req, "transfer", transfer, sizeof transfer) ||
             ledger_id_parse(transfer, strlen(transfer), &tid) != 0)
        res = console_refuse(&call, 400, "Not done", "Confirm it from its page.");
    else
        res = move_done(&call, p, withdraw,
                        withdraw ? pay_withdraw(call.cfg->ledger, p->account_id, tid, value, 0)
                                 : pay_deposit(call.cfg->ledger, p->account_id, tid, value),
                        num, transfer);
    peer_release(p);
    return res;
}

http_handler_result_t console_peer_deposit(http_req_t *req, void *user)
{
    return move_run(req, user, false);
}

http_handler_result_t console_peer_withdraw(http_req_t *req, void *user)
{
    return move_run(req, user, true);
}

/* ---- connectivity and delete ---- */

http_handler_result_t console_peer_check(http_req_t *req, void *user)
{
    console_call_t call;
    peer_t *p;
    if (!console_begin(req, user, CONSOLE_CHANGE, &call) || !(p = peer_of_path(&call)))
        return HTTP_DONE;
    pay_peer_check_t c;
    pay_lookup_result_t r = pay_peer_check(call.cfg->http, p, PAY_PEER_CHECK_TIMEOUT_MS, &c);
    buf_t b;
    console_page_begin(&call, &b, "Connectivity check");
    buf_printf(&b, "<p><a href=\"/console/peers/");
    console_id(&b, p->id);
    buf_printf(&b, "\">Back to the peer</a></p>");
    if (r != PAY_LOOKUP_OK) {
        buf_printf(&b, "<p id=\"check\" role=\"alert\">The peer has no outgoing endpoint.</p>");
    } else {
        buf_printf(&b, "<dl id=\"check\"><dt>Endpoint</dt><dd>");
        page_escape(&b, p->outgoing_endpoint);
        buf_printf(&b,
                   "</dd><dt>Reachable</dt><dd id=\"reachable\">%s</dd><dt>HTTP status</dt>"
                   "<dd id=\"status\">%u</dd><dt>Latency</dt><dd id=\"latency\">%llu ms</dd>"
                   "<dt>Answer</dt><dd id=\"outcome\">",
                   c.reachable ? "yes" : "no", c.status, (unsigned long long)c.latency_ms);
        page_escape(&b, c.outcome);
        buf_printf(&b, "</dd></dl>");
    }
    char detail[CONSOLE_AUDIT_DETAIL_MAX + 1];
    snprintf(detail, sizeof detail, "%s, HTTP %u, %llu ms", c.reachable ? "reachable" : "down",
             c.status, (unsigned long long)c.latency_ms);
    audit_peer(&call, "peer_check", p, detail);
    peer_release(p);
    return page_send(req, 200, &b);
}

http_handler_result_t console_peer_delete(http_req_t *req, void *user)
{
    console_call_t call;
    peer_t *p;
    if (!console_begin(req, user, CONSOLE_CHANGE, &call) || !(p = peer_of_path(&call)))
        return HTTP_DONE;
    pay_peer_result_t r = pay_peer_delete(call.cfg->db, call.cfg->peers, p->id);
    http_handler_result_t res;
    if (r != PAY_PEER_OK) {
        res = console_refuse(&call, r == PAY_PEER_UNKNOWN ? 404 : 503, "Not deleted",
                             peer_words(r, NULL));
    } else {
        audit_peer(&call, "peer_delete", p, p->ilp_address);
        res = page_see_other(req, "/console/peers");
    }
    peer_release(p);
    return res;
}
