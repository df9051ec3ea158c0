/*
 * The operator console's wallet addresses pages (see console.h): a search by URL prefix with
 * keyset paging, a create form, and a wallet address's page: status and public name, client
 * keys (add a JWK pasted as text, revoke), additional properties, its balance and its newest
 * payments. Changes go through payments/wallet_address.h and wallet_address_props.h, as the
 * admin GraphQL's createWalletAddress, updateWalletAddress, createWalletAddressKey and
 * revokeWalletAddressKey do.
 */
#include <stdio.h>
#include <string.h>

#include "web/console_call.h"
#include "web/pages.h"
#include "payments/assets.h"
#include "payments/console_lookups.h"
#include "payments/tenants.h"
#include "payments/wallet_address_props.h"
#include "base/clock.h"
#include "base/mem.h"
#include "http/form.h"

#define WALLETS_PAGE_ROWS    50
#define WALLET_PAYMENTS_ROWS 20
#define WALLET_JWK_MAX       2048

/* ---- helpers ---- */

static bool wallet_mine(const console_call_t *call, ledger_id_t id)
{
    if (call->is_operator)
        return true;
    char ids[LEDGER_ID_STR_LEN + 1], owner[PAY_TENANT_ID_LEN + 1];
    ledger_id_format(id, ids);
    return pay_tenant_owner(call->cfg->db, PAY_OWNED_WALLET_ADDRESS, ids, owner) == PAY_TENANT_OK &&
           strcmp(owner, call->who.tenant_id) == 0;
}

/* The wallet address of the path that the principal may see, or a 404 answered (false). */
static bool wallet_of_path(console_call_t *call, wallet_address_t *w)
{
    const char *s = http_req_param(call->req, "id");
    ledger_id_t id;
    if (call->cfg->wallet && s && ledger_id_parse(s, strlen(s), &id) == 0 &&
        wallet_address_get(call->cfg->wallet, id, w, NULL) == WALLET_ADDRESS_OK &&
        wallet_mine(call, id))
        return true;
    console_refuse(call, 404, "No such wallet address", "There is no such wallet address.");
    return false;
}

static void audit_wallet(const console_call_t *call, const char *action, const wallet_address_t *w,
                         const char *detail)
{
    char id[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(w->id, id);
    console_audit(call, action, id, detail);
}

/* 303 to the wallet address's page. */
static http_handler_result_t to_wallet(const console_call_t *call, const wallet_address_t *w)
{
    char id[LEDGER_ID_STR_LEN + 1], to[LEDGER_ID_STR_LEN + 32];
    ledger_id_format(w->id, id);
    snprintf(to, sizeof to, "/console/wallet-addresses/%s", id);
    return page_see_other(call->req, to);
}

static const char *wallet_words(wallet_address_result_t r)
{
    switch (r) {
    case WALLET_ADDRESS_URL_INVALID:
        return "The URL is not one this wallet can serve.";
    case WALLET_ADDRESS_URL_TAKEN:
        return "A wallet address has this URL.";
    case WALLET_ADDRESS_NAME_INVALID:
        return "The public name is too long or not text.";
    case WALLET_ADDRESS_ASSET_NOT_FOUND:
        return "There is no such asset.";
    case WALLET_ADDRESS_KEY_INVALID:
        return "The key is not an Ed25519 JWK with a kid.";
    case WALLET_ADDRESS_KEY_EXISTS:
        return "A key with this kid exists.";
    case WALLET_ADDRESS_KEY_NOT_FOUND:
        return "There is no such key.";
    case WALLET_ADDRESS_KEYS_FULL:
        return "There are too many keys or properties.";
    case WALLET_ADDRESS_NOT_FOUND:
        return "There is no such wallet address.";
    default:
        return "The wallet address cannot be changed now.";
    }
}

static unsigned wallet_status(wallet_address_result_t r)
{
    return r == WALLET_ADDRESS_URL_TAKEN || r == WALLET_ADDRESS_KEY_EXISTS      ? 409
           : r == WALLET_ADDRESS_NOT_FOUND || r == WALLET_ADDRESS_KEY_NOT_FOUND ? 404
           : r == WALLET_ADDRESS_STORAGE_ERROR                                  ? 503
                                                                                : 400;
}

/* ---- search and create ---- */

static void search_form(buf_t *b, const char *q)
{
    buf_printf(b, "<form id=\"search\" method=\"get\" action=\"/console/wallet-addresses\">"
                  "<label for=\"q\">URL starts with</label><input type=\"text\" id=\"q\" "
                  "name=\"q\" value=\"");
    page_escape(b, q);
    buf_printf(b, "\"><button type=\"submit\">Search</button></form>");
}

static void wallet_list_row(buf_t *b, const wallet_address_t *w)
{
    buf_printf(b, "<tr data-wallet=\"");
    console_id(b, w->id);
    buf_printf(b, "\"><td><a href=\"/console/wallet-addresses/");
    console_id(b, w->id);
    buf_printf(b, "\">");
    page_escape(b, w->url);
    buf_printf(b, "</a></td><td>");
    page_escape(b, w->public_name);
    buf_printf(b, "</td><td>");
    page_escape(b, w->asset_code);
    buf_printf(b, "/%u</td><td>%s</td></tr>", w->asset_scale, w->active ? "active" : "inactive");
}

/* The "Next" link: the search text and the last row's URL, form-encoded. */
static void next_link(buf_t *b, const char *q, const char *last)
{
    char *eq = xmalloc(3 * PAY_WALLET_SEARCH_MAX + 1),
         *el = xmalloc(3 * WALLET_ADDRESS_URL_MAX + 1);
    form_encode(q, eq, 3 * PAY_WALLET_SEARCH_MAX + 1);
    form_encode(last, el, 3 * WALLET_ADDRESS_URL_MAX + 1);
    buf_printf(b, "<p><a id=\"next\" href=\"/console/wallet-addresses?q=");
    page_escape(b, eq);
    buf_printf(b, "&amp;after=");
    page_escape(b, el);
    buf_printf(b, "\">Next</a></p>");
    free(eq);
    free(el);
}

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

static void create_form(const console_call_t *call, buf_t *b)
{
    buf_printf(b, "<section><h2>New wallet address</h2><form id=\"create\" method=\"post\" "
                  "action=\"/console/wallet-addresses\">");
    console_csrf_field(call, b);
    buf_printf(b, "<label for=\"asset\">Asset</label><select id=\"asset\" name=\"asset\">");
    asset_options(call, b);
    buf_printf(b, "</select><label for=\"address\">URL (or a path under this wallet's base URL)"
                  "</label><input type=\"text\" id=\"address\" name=\"address\" required>"
                  "<label for=\"public_name\">Public name</label><input type=\"text\" "
                  "id=\"public_name\" name=\"public_name\"><div class=\"actions\"><button "
                  "class=\"accept\" type=\"submit\">Create wallet address</button></div></form>"
                  "</section>");
}

http_handler_result_t console_wallets(http_req_t *req, void *user)
{
    console_call_t call;
    if (!console_begin(req, user, CONSOLE_READ, &call))
        return HTTP_DONE;
    const char *q = http_req_query(req, "q"), *after = http_req_query(req, "after");
    q = q ? q : "";
    wallet_address_t *rows = xcalloc(WALLETS_PAGE_ROWS + 1, sizeof *rows);
    size_t n = 0;
    buf_t b;
    console_page_begin(&call, &b, "Wallet addresses");
    search_form(&b, q);
    pay_lookup_result_t r = PAY_LOOKUP_STORAGE_ERROR;
    if (call.cfg->wallet)
        r = pay_wallet_search(call.cfg->wallet, q, after,
                              call.is_operator ? NULL : call.who.tenant_id, rows,
                              WALLETS_PAGE_ROWS + 1, &n);
    if (r == PAY_LOOKUP_INVALID)
        buf_printf(&b, "<p role=\"alert\">A URL has no such characters.</p>");
    else if (r != PAY_LOOKUP_OK)
        buf_printf(&b, "<p role=\"alert\">The wallet addresses cannot be read right now.</p>");
    buf_printf(&b, "<table id=\"wallets\"><thead><tr><th>URL</th><th>Public name</th><th>Asset"
                   "</th><th>Status</th></tr></thead><tbody>");
    for (size_t i = 0; i < n && i < WALLETS_PAGE_ROWS; i++)
        wallet_list_row(&b, &rows[i]);
    buf_printf(&b, "</tbody></table>%s", n ? "" : "<p>No wallet addresses.</p>");
    if (n > WALLETS_PAGE_ROWS)
        next_link(&b, q, rows[WALLETS_PAGE_ROWS - 1].url);
    free(rows);
    if (call.who.role == CONSOLE_OPERATOR && call.cfg->wallet)
        create_form(&call, &b);
    return page_send(req, 200, &b);
}

http_handler_result_t console_wallet_create(http_req_t *req, void *user)
{
    console_call_t call;
    if (!console_begin(req, user, CONSOLE_CHANGE, &call))
        return HTTP_DONE;
    char asset_s[LEDGER_ID_STR_LEN + 2] = "", address[WALLET_ADDRESS_URL_MAX + 1] = "";
    char name[WALLET_ADDRESS_NAME_MAX + 1] = "", url[WALLET_ADDRESS_URL_MAX + 1];
    pay_asset_t a;
    ledger_id_t asset_id;
    if (!call.cfg->wallet || !page_form_field(req, "asset", asset_s, sizeof asset_s) ||
        ledger_id_parse(asset_s, strlen(asset_s), &asset_id) != 0 ||
        pay_asset_get(call.cfg->db, call.cfg->ledger, asset_id, &a) != PAY_ASSET_OK ||
        (!call.is_operator && strcmp(a.ledger.scope, call.who.tenant_id) != 0))
        return console_refuse(&call, 400, "Not created", "Choose one of your assets.");
    if (!page_form_field(req, "address", address, sizeof address))
        return console_refuse(&call, 400, "Not created", "Give a URL.");
    page_form_field(req, "public_name", name, sizeof name);
    const char *owner = call.is_operator ? NULL : call.who.tenant_id;
    pay_lookup_result_t u =
        pay_wallet_create_url(call.cfg->wallet, call.cfg->operator_tenant_id, owner, address,
                              call.cfg->allow_http_wallet_addresses, url);
    if (u == PAY_LOOKUP_NOT_FOUND)
        return console_refuse(&call, 400, "Not created",
                              "Your tenant has no WALLET_ADDRESS_URL setting.");
    if (u != PAY_LOOKUP_OK)
        return console_refuse(&call, u == PAY_LOOKUP_INVALID ? 400 : 503, "Not created",
                              wallet_words(WALLET_ADDRESS_URL_INVALID));
    wallet_address_t w;
    wallet_address_result_t r = wallet_address_create_owned(call.cfg->wallet, asset_id, url,
                                                            name[0] ? name : NULL, owner, &w, NULL);
    if (r != WALLET_ADDRESS_OK)
        return console_refuse(&call, wallet_status(r), "Not created", wallet_words(r));
    audit_wallet(&call, "wallet_address_create", &w, w.url);
    return to_wallet(&call, &w);
}

/* ---- a wallet address's page ---- */

static void wallet_facts(const console_call_t *call, buf_t *b, const wallet_address_t *w)
{
    ledger_status_t s;
    bool ok = ledger_account_status(call->cfg->ledger, w->account_id, &s) == LEDGER_OK;
    buf_printf(b, "<dl id=\"facts\"><dt>Id</dt><dd><code>");
    console_id(b, w->id);
    buf_printf(b, "</code></dd><dt>URL</dt><dd>");
    page_escape(b, w->url);
    buf_printf(b, "</dd><dt>Public name</dt><dd id=\"public_name_now\">");
    page_escape(b, w->public_name);
    buf_printf(b, "</dd><dt>Asset</dt><dd>");
    page_escape(b, w->asset_code);
    buf_printf(b,
               "/%u</dd><dt>Status</dt><dd id=\"status\">%s</dd><dt>Balance</dt>"
               "<dd id=\"balance\">",
               w->asset_scale, w->active ? "active" : "inactive");
    if (ok)
        console_amount(b, s.balance, w->asset_scale);
    else
        buf_printf(b, "unreadable");
    buf_printf(b, "</dd><dt>Created</dt><dd>");
    console_time(b, w->created_ms);
    buf_printf(b, "</dd></dl>");
}

/* Opens a POST form to the wallet address's path suffix (with the CSRF field). */
static void form_open(const console_call_t *call, buf_t *b, const wallet_address_t *w,
                      const char *id, const char *suffix)
{
    buf_printf(b, "<form id=\"%s\" method=\"post\" action=\"/console/wallet-addresses/", id);
    console_id(b, w->id);
    buf_printf(b, "%s\">", suffix);
    console_csrf_field(call, b);
}

static void edit_form(const console_call_t *call, buf_t *b, const wallet_address_t *w)
{
    buf_printf(b, "<section><h2>Status and name</h2>");
    form_open(call, b, w, "edit", "");
    buf_printf(b, "<label for=\"public_name\">Public name</label><input type=\"text\" "
                  "id=\"public_name\" name=\"public_name\" value=\"");
    page_escape(b, w->public_name);
    buf_printf(b,
               "\"><label for=\"active\">Status</label><select id=\"active\" name=\"status\">"
               "<option value=\"active\"%s>active</option><option value=\"inactive\"%s>"
               "inactive</option></select><div class=\"actions\"><button class=\"accept\" "
               "type=\"submit\">Save</button></div></form></section>",
               w->active ? " selected" : "", w->active ? "" : " selected");
}

static void keys_section(const console_call_t *call, buf_t *b, const wallet_address_t *w, bool can)
{
    wallet_key_t *keys = xcalloc(WALLET_KEYS_MAX, sizeof *keys);
    size_t n = 0;
    buf_printf(b, "<section><h2>Keys</h2>");
    if (wallet_key_list(call->cfg->wallet, w->id, keys, WALLET_KEYS_MAX, &n, NULL) !=
        WALLET_ADDRESS_OK)
        buf_printf(b, "<p role=\"alert\">The keys cannot be read right now.</p>");
    buf_printf(b,
               "<table id=\"keys\"><thead><tr><th>Key id</th><th>Status</th><th>Added</th>"
               "%s</tr></thead><tbody>",
               can ? "<th></th>" : "");
    for (size_t i = 0; i < n; i++) {
        buf_printf(b, "<tr><td><code>");
        page_escape(b, keys[i].kid);
        buf_printf(b, "</code></td><td>%s</td><td>", keys[i].revoked ? "revoked" : "active");
        console_time(b, keys[i].created_ms);
        buf_printf(b, "</td>");
        if (can && !keys[i].revoked) {
            buf_printf(b, "<td>");
            form_open(call, b, w, "revoke", "/keys/revoke");
            page_hidden(b, "kid", keys[i].kid);
            buf_printf(b, "<button type=\"submit\">Revoke</button></form></td>");
        } else if (can) {
            buf_printf(b, "<td></td>");
        }
        buf_printf(b, "</tr>");
    }
    buf_printf(b, "</tbody></table>");
    if (can) {
        form_open(call, b, w, "add_key", "/keys");
        buf_printf(b, "<label for=\"jwk\">Add a key: its public JWK (Ed25519, with a kid)</label>"
                      "<textarea id=\"jwk\" name=\"jwk\" required></textarea><button "
                      "type=\"submit\">Add key</button></form>");
    }
    buf_printf(b, "</section>");
    free(keys);
}

static void props_section(const console_call_t *call, buf_t *b, const wallet_address_t *w, bool can)
{
    wallet_prop_t *props = xcalloc(WALLET_PROPS_MAX, sizeof *props);
    size_t n = 0;
    buf_printf(b, "<section><h2>Additional properties</h2>");
    if (wallet_props_list(call->cfg->wallet, w->id, props, WALLET_PROPS_MAX, &n, NULL) !=
        WALLET_ADDRESS_OK)
        buf_printf(b, "<p role=\"alert\">The properties cannot be read right now.</p>");
    buf_printf(b,
               "<table id=\"props\"><thead><tr><th>Key</th><th>Value</th><th>In Open "
               "Payments</th>%s</tr></thead><tbody>",
               can ? "<th></th>" : "");
    for (size_t i = 0; i < n; i++) {
        buf_printf(b, "<tr><td>");
        page_escape(b, props[i].key);
        buf_printf(b, "</td><td>");
        page_escape(b, props[i].value);
        buf_printf(b, "</td><td>%s</td>", props[i].visible_in_op ? "visible" : "hidden");
        if (can) {
            buf_printf(b, "<td>");
            form_open(call, b, w, "remove_prop", "/properties");
            page_hidden(b, "op", "remove");
            page_hidden(b, "key", props[i].key);
            buf_printf(b, "<button type=\"submit\">Remove</button></form></td>");
        }
        buf_printf(b, "</tr>");
    }
    buf_printf(b, "</tbody></table>");
    if (can) {
        form_open(call, b, w, "add_prop", "/properties");
        page_hidden(b, "op", "add");
        buf_printf(b, "<label for=\"prop_key\">Key</label><input type=\"text\" id=\"prop_key\" "
                      "name=\"key\" required><label for=\"prop_value\">Value</label><input "
                      "type=\"text\" id=\"prop_value\" name=\"value\" required><label><input "
                      "type=\"checkbox\" id=\"prop_visible\" name=\"visible\" value=\"yes\"> "
                      "Visible in Open Payments</label><button type=\"submit\">Add property"
                      "</button></form>");
    }
    buf_printf(b, "</section>");
    free(props);
}

static void payments_section(const console_call_t *call, buf_t *b, const wallet_address_t *w,
                             bool outgoing)
{
    pay_wallet_payment_t *rows = xcalloc(WALLET_PAYMENTS_ROWS, sizeof *rows);
    size_t n = 0;
    const char *kind = outgoing ? "outgoing" : "incoming";
    buf_printf(b, "<section><h2>Newest %s payments</h2>", kind);
    if (pay_wallet_payments(call->cfg->wallet, w->id, outgoing, rows, WALLET_PAYMENTS_ROWS, &n) !=
        PAY_LOOKUP_OK)
        buf_printf(b, "<p role=\"alert\">The payments cannot be read right now.</p>");
    buf_printf(b,
               "<table id=\"%s\"><thead><tr><th>Payment</th><th>State</th><th "
               "class=\"amount\">%s</th><th>Created</th></tr></thead><tbody>",
               kind, outgoing ? "Sent" : "Amount");
    for (size_t i = 0; i < n; i++) {
        buf_printf(b, "<tr><td><a href=\"/console/payments/%s/", kind);
        console_id(b, rows[i].id);
        buf_printf(b, "\"><code>");
        console_id(b, rows[i].id);
        buf_printf(b, "</code></a></td><td>");
        page_escape(b, rows[i].state);
        buf_printf(b, "</td><td class=\"amount\">");
        if (rows[i].has_amount)
            console_amount(b, (int64_t)(rows[i].amount > INT64_MAX ? INT64_MAX : rows[i].amount),
                           w->asset_scale);
        buf_printf(b, "</td><td>");
        console_time(b, rows[i].created_ms);
        buf_printf(b, "</td></tr>");
    }
    buf_printf(b, "</tbody></table>%s</section>", n ? "" : "<p>None yet.</p>");
    free(rows);
}

http_handler_result_t console_wallet_page(http_req_t *req, void *user)
{
    console_call_t call;
    wallet_address_t w;
    if (!console_begin(req, user, CONSOLE_READ, &call) || !wallet_of_path(&call, &w))
        return HTTP_DONE;
    bool can = call.who.role == CONSOLE_OPERATOR;
    buf_t b;
    console_page_begin(&call, &b, "Wallet address");
    buf_printf(&b, "<p><a href=\"/console/wallet-addresses\">All wallet addresses</a></p>");
    wallet_facts(&call, &b, &w);
    if (can)
        edit_form(&call, &b, &w);
    keys_section(&call, &b, &w, can);
    props_section(&call, &b, &w, can);
    payments_section(&call, &b, &w, false);
    payments_section(&call, &b, &w, true);
    return page_send(req, 200, &b);
}

/* ---- changes ---- */

http_handler_result_t console_wallet_update(http_req_t *req, void *user)
{
    console_call_t call;
    wallet_address_t w;
    if (!console_begin(req, user, CONSOLE_CHANGE, &call) || !wallet_of_path(&call, &w))
        return HTTP_DONE;
    char name[WALLET_ADDRESS_NAME_MAX + 1] = "", status[16] = "";
    bool has_name = page_form_field(req, "public_name", name, sizeof name);
    page_form_field(req, "status", status, sizeof status);
    bool active = strcmp(status, "active") == 0, was = w.active;
    if (!active && strcmp(status, "inactive") != 0)
        return console_refuse(&call, 400, "Not changed", "The status is active or inactive.");
    wallet_address_result_t r =
        wallet_address_update(call.cfg->wallet, w.id, has_name ? name : NULL, &active, &w, NULL);
    /* as Rafiki: deactivating a wallet address expires its open incoming payments */
    if (r == WALLET_ADDRESS_OK && was && !active)
        r = wallet_address_expire_incoming(call.cfg->wallet, w.id, clock_wall_ms(), NULL, NULL);
    if (r != WALLET_ADDRESS_OK)
        return console_refuse(&call, wallet_status(r), "Not changed", wallet_words(r));
    char detail[CONSOLE_AUDIT_DETAIL_MAX + 1];
    snprintf(detail, sizeof detail, "%s, public name %.200s", active ? "active" : "inactive", name);
    audit_wallet(&call, "wallet_address_update", &w, detail);
    return to_wallet(&call, &w);
}

http_handler_result_t console_wallet_key_add(http_req_t *req, void *user)
{
    console_call_t call;
    wallet_address_t w;
    if (!console_begin(req, user, CONSOLE_CHANGE, &call) || !wallet_of_path(&call, &w))
        return HTTP_DONE;
    char text[WALLET_JWK_MAX];
    const char *kid, *x, *why = "it is not JSON";
    json_t *jwk = NULL;
    if (page_form_field(req, "jwk", text, sizeof text))
        jwk = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    if (!jwk || wallet_key_parse_jwk(jwk, &kid, &x, &why) != 0) {
        json_decref(jwk);
        char msg[160];
        snprintf(msg, sizeof msg, "The key is not a public Ed25519 JWK: %s.", why);
        return console_refuse(&call, 400, "Not added", msg);
    }
    wallet_key_t k;
    wallet_address_result_t r = wallet_key_add(call.cfg->wallet, w.id, kid, x, &k, NULL);
    json_decref(jwk);
    if (r != WALLET_ADDRESS_OK)
        return console_refuse(&call, wallet_status(r), "Not added", wallet_words(r));
    char detail[CONSOLE_AUDIT_DETAIL_MAX + 1];
    snprintf(detail, sizeof detail, "key %s added", k.kid);
    audit_wallet(&call, "wallet_key_add", &w, detail);
    return to_wallet(&call, &w);
}

http_handler_result_t console_wallet_key_revoke(http_req_t *req, void *user)
{
    console_call_t call;
    wallet_address_t w;
    if (!console_begin(req, user, CONSOLE_CHANGE, &call) || !wallet_of_path(&call, &w))
        return HTTP_DONE;
    char kid[WALLET_KEY_KID_MAX + 1] = "";
    wallet_key_t k;
    wallet_address_result_t r = WALLET_ADDRESS_KEY_NOT_FOUND;
    if (page_form_field(req, "kid", kid, sizeof kid))
        r = wallet_key_revoke(call.cfg->wallet, w.id, kid, &k, NULL);
    if (r != WALLET_ADDRESS_OK)
        return console_refuse(&call, wallet_status(r), "Not revoked", wallet_words(r));
    char detail[CONSOLE_AUDIT_DETAIL_MAX + 1];
    snprintf(detail, sizeof detail, "key %s revoked", k.kid);
    audit_wallet(&call, "wallet_key_revoke", &w, detail);
    return to_wallet(&call, &w);
}

/* The properties after the form's change (add or replace one key, or remove it) in props[0..*n);
 * false with why. */
static bool props_change(const http_req_t *req, wallet_prop_t *props, size_t *n, char *key,
                         size_t key_cap, const char **why)
{
    char op[8] = "", vis[8] = "";
    char *value = xmalloc(WALLET_PROP_VALUE_MAX + 1);
    value[0] = 0;
    page_form_field(req, "op", op, sizeof op);
    page_form_field(req, "key", key, key_cap);
    page_form_field(req, "value", value, WALLET_PROP_VALUE_MAX + 1);
    page_form_field(req, "visible", vis, sizeof vis);
    wallet_prop_t p;
    bool add = strcmp(op, "add") == 0, ok = add || strcmp(op, "remove") == 0;
    *why = "Give a key and a value, each not blank and not too long.";
    if (ok && add)
        ok = wallet_prop_clean(key, value, strcmp(vis, "yes") == 0, &p) == 1;
    free(value);
    size_t out = 0;
    for (size_t i = 0; ok && i < *n; i++) /* the key's old value goes; the rest stay in order */
        if (strcmp(props[i].key, add ? p.key : key) != 0)
            props[out++] = props[i];
    *why = add ? "There are too many properties." : "There is no such property.";
    if (ok && !add && out == *n)
        ok = false;
    if (ok && add && out == WALLET_PROPS_MAX)
        ok = false;
    if (ok && add)
        props[out++] = p;
    if (ok)
        *n = out;
    return ok;
}

http_handler_result_t console_wallet_props(http_req_t *req, void *user)
{
    console_call_t call;
    wallet_address_t w;
    if (!console_begin(req, user, CONSOLE_CHANGE, &call) || !wallet_of_path(&call, &w))
        return HTTP_DONE;
    wallet_prop_t *props = xcalloc(WALLET_PROPS_MAX, sizeof *props);
    size_t n = 0;
    char key[WALLET_PROP_KEY_MAX + 1] = "";
    const char *why;
    http_handler_result_t res;
    wallet_address_result_t r =
        wallet_props_list(call.cfg->wallet, w.id, props, WALLET_PROPS_MAX, &n, NULL);
    if (r != WALLET_ADDRESS_OK) {
        res = console_refuse(&call, 503, "Not changed", wallet_words(r));
    } else if (!props_change(req, props, &n, key, sizeof key, &why)) {
        res = console_refuse(&call, 400, "Not changed", why);
    } else if ((r = wallet_props_set(call.cfg->wallet, w.id, props, n, NULL)) !=
               WALLET_ADDRESS_OK) {
        res = console_refuse(&call, wallet_status(r), "Not changed", wallet_words(r));
    } else {
        char detail[CONSOLE_AUDIT_DETAIL_MAX + 1];
        snprintf(detail, sizeof detail, "property %.200s set, now %zu", key, n);
        audit_wallet(&call, "wallet_address_properties", &w, detail);
        res = to_wallet(&call, &w);
    }
    free(props);
    return res;
}
