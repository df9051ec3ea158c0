/*
 * The operator console's tenants pages (see console.h): the list and the creation of tenants
 * (the operator only), and one tenant's page with its settings, funding model, public fields
 * and deletion. A tenant that is not the operator opens its own page only: the list answers it
 * with a 303 to its page, another tenant's id answers 404 as an unknown one, and creation and
 * deletion are the operator's. Every change goes through payments/tenants.h, the functions
 * the GraphQL (admin_gql_tenants.c) and REST (admin_tenants.c) faces call.
 */
#include <stdio.h>
#include <string.h>

#include "web/console_call.h"
#include "web/pages.h"
#include "payments/tenants.h"
#include "payments/users.h"
#include "base/clock.h"
#include "base/mem.h"

#define TENANTS_ROWS  50
#define SECRET_HEX    48 /* a new tenant's API secret: 192 random bits as hex */
#define TEXT_FIELD    (PAY_TENANT_TEXT_MAX + 2)
#define SECRET_FIELD  (PAY_TENANT_SECRET_MAX + 2)
#define TENANTS_PATH  "/console/tenants"
#define KEY_FIELD_MAX 32

/* ---- helpers ---- */

/* The tenant of the path that the principal may open (the operator any, deleted ones too when
 * include_deleted; a tenant itself), or a refusal answered (false). */
static bool tenant_of_path(console_call_t *call, bool include_deleted, pay_tenant_t *t)
{
    const char *id = http_req_param(call->req, "id");
    pay_tenant_result_t r = PAY_TENANT_NOT_FOUND;
    if (id && (call->is_operator || strcmp(id, call->who.tenant_id) == 0))
        r = pay_tenant_get(call->cfg->db, id, include_deleted && call->is_operator, t);
    if (r == PAY_TENANT_OK)
        return true;
    if (r == PAY_TENANT_STORAGE_ERROR)
        console_refuse(call, 503, "Try again", "The tenants cannot be read right now.");
    else
        console_refuse(call, 404, "No such tenant", "There is no such tenant.");
    return false;
}

static http_handler_result_t to_tenant(const console_call_t *call, const char *id)
{
    char where[sizeof TENANTS_PATH + PAY_TENANT_ID_LEN + 2];
    snprintf(where, sizeof where, TENANTS_PATH "/%s", id);
    return page_see_other(call->req, where);
}

/* A refusal for a payments answer that is not OK. */
static http_handler_result_t tenant_refuse(console_call_t *call, pay_tenant_result_t r,
                                           const char *title)
{
    switch (r) {
    case PAY_TENANT_NOT_FOUND:
    case PAY_TENANT_INVALID_ID:
        return console_refuse(call, 404, title, "There is no such tenant or setting.");
    case PAY_TENANT_INVALID_SETTING:
        return console_refuse(call, 400, title, "Invalid value for one or more tenant settings.");
    case PAY_TENANT_DUPLICATE_WALLET_URL:
        return console_refuse(call, 400, title, "Wallet Address Url already exists.");
    case PAY_TENANT_INVALID_INPUT:
        return console_refuse(call, 400, title, "A field is empty where required or too long.");
    case PAY_TENANT_DUPLICATE:
        return console_refuse(call, 409, title, "The tenant exists.");
    default:
        return console_refuse(call, 503, title, "The tenants cannot be changed right now.");
    }
}

/* A text input with its label, its value escaped. */
static void text_input(buf_t *b, const char *name, const char *label, const char *value)
{
    buf_printf(b, "<label for=\"%s\">", name);
    page_escape(b, label);
    buf_printf(b, "</label><input type=\"text\" id=\"%s\" name=\"%s\" value=\"", name, name);
    page_escape(b, value ? value : "");
    buf_printf(b, "\">");
}

/* A form's opening: <form> posting to the tenant's path + suffix, with the CSRF field. */
static void form_open(const console_call_t *call, buf_t *b, const char *id, const char *suffix)
{
    buf_printf(b, "<form method=\"post\" action=\"" TENANTS_PATH "/");
    page_escape(b, id);
    buf_printf(b, "%s\">", suffix);
    console_csrf_field(call, b);
}

/* ---- the list ---- */

static void tenant_row(buf_t *b, const pay_tenant_t *t)
{
    buf_printf(b, "<tr data-tenant=\"");
    page_escape(b, t->id);
    buf_printf(b, "\"><td><a href=\"" TENANTS_PATH "/");
    page_escape(b, t->id);
    buf_printf(b, "\"><code>");
    page_escape(b, t->id);
    buf_printf(b, "</code></a>%s</td><td>", t->is_operator ? " (operator)" : "");
    page_escape(b, t->public_name);
    buf_printf(b, "</td><td>");
    page_escape(b, t->email);
    buf_printf(b, "</td><td>");
    console_time(b, t->created_ms);
    buf_printf(b, "</td><td>");
    if (t->deleted_ms)
        console_time(b, t->deleted_ms);
    buf_printf(b, "</td></tr>");
}

static void create_form(const console_call_t *call, buf_t *b)
{
    buf_printf(b, "<section><h2>New tenant</h2><form method=\"post\" action=\"" TENANTS_PATH "\">");
    console_csrf_field(call, b);
    text_input(b, "public_name", "Public name", "");
    text_input(b, "email", "Email", "");
    text_input(b, "idp_consent_url", "IdP consent URL", "");
    buf_printf(b, "<label for=\"idp_secret\">IdP secret</label><input type=\"password\" "
                  "id=\"idp_secret\" name=\"idp_secret\" autocomplete=\"off\"><p>The API secret "
                  "is made for you and shown once.</p><div class=\"actions\"><button "
                  "class=\"accept\" type=\"submit\">Create tenant</button></div></form>"
                  "</section>");
}

/* The after query argument: a tenant id as the keyset's cursor. */
static bool cursor_of(const console_call_t *call, pay_keyset_t *k)
{
    const char *after = http_req_query(call->req, "after");
    if (!after || !after[0])
        return true;
    k->has_cursor = true;
    return ledger_id_parse(after, strlen(after), &k->cursor) == 0;
}

http_handler_result_t console_tenants(http_req_t *req, void *user)
{
    console_call_t call;
    if (!console_begin(req, user, CONSOLE_READ, &call))
        return HTTP_DONE;
    if (!call.is_operator) /* a tenant sees itself only */
        return to_tenant(&call, call.who.tenant_id);
    pay_keyset_t k = {.asc = false, .limit = TENANTS_ROWS};
    if (!cursor_of(&call, &k))
        return console_refuse(&call, 400, "Tenants", "The page's cursor is not a tenant id.");
    pay_tenant_t *rows = xcalloc(TENANTS_ROWS, sizeof *rows);
    size_t n = 0;
    bool prev, next = false;
    buf_t b;
    console_page_begin(&call, &b, "Tenants");
    if (pay_tenants_page(call.cfg->db, &k, rows, &n, &prev, &next) != PAY_TENANT_OK)
        buf_printf(&b, "<p role=\"alert\">The tenants cannot be read right now.</p>");
    buf_printf(&b, "<table id=\"tenants\"><thead><tr><th>Id</th><th>Public name</th><th>Email"
                   "</th><th>Created (UTC)</th><th>Deleted (UTC)</th></tr></thead><tbody>");
    for (size_t i = 0; i < n; i++)
        tenant_row(&b, &rows[i]);
    buf_printf(&b, "</tbody></table>");
    if (next && n) {
        buf_printf(&b, "<p><a rel=\"next\" href=\"" TENANTS_PATH "?after=");
        page_escape(&b, rows[n - 1].id);
        buf_printf(&b, "\">Older</a></p>");
    }
    if (call.who.role == CONSOLE_OPERATOR)
        create_form(&call, &b);
    free(rows);
    return page_send(req, 200, &b);
}

/* ---- creation ---- */

/* The answer to a creation: the new tenant's id and its API secret, this once. */
static http_handler_result_t created_page(const console_call_t *call, const pay_tenant_t *t,
                                          const char *secret)
{
    buf_t b;
    console_page_begin(call, &b, "Tenant created");
    buf_printf(&b, "<p>Tenant <a href=\"" TENANTS_PATH "/");
    page_escape(&b, t->id);
    buf_printf(&b, "\"><code id=\"tenant-id\">");
    page_escape(&b, t->id);
    buf_printf(&b, "</code></a> is created. Its API secret is shown here once and never "
                   "again; keep it now:</p><p><code id=\"api-secret\">");
    page_escape(&b, secret);
    buf_printf(&b, "</code></p>");
    return page_send(call->req, 201, &b);
}

http_handler_result_t console_tenant_create(http_req_t *req, void *user)
{
    console_call_t call;
    if (!console_begin(req, user, CONSOLE_CHANGE, &call))
        return HTTP_DONE;
    if (!call.is_operator)
        return console_refuse(&call, 403, "Not allowed", "Only the operator creates tenants.");
    char *name = xcalloc(4, TEXT_FIELD), *email = name + TEXT_FIELD;
    char *idp_url = email + TEXT_FIELD, *idp_secret = idp_url + TEXT_FIELD;
    char secret[SECRET_HEX + 1];
    http_handler_result_t h;
    if (!page_form_field(req, "public_name", name, TEXT_FIELD) ||
        !page_form_field(req, "email", email, TEXT_FIELD) ||
        !page_form_field(req, "idp_consent_url", idp_url, TEXT_FIELD) ||
        !page_form_field(req, "idp_secret", idp_secret, SECRET_FIELD)) {
        h = console_refuse(&call, 400, "Not created", "Fill in the form (fields may be empty).");
        goto done;
    }
    users_random_hex(secret, SECRET_HEX);
    pay_tenant_input_t in = {.api_secret = secret,
                             .public_name = name[0] ? name : NULL,
                             .email = email[0] ? email : NULL,
                             .idp_consent_url = idp_url[0] ? idp_url : NULL,
                             .idp_secret = idp_secret[0] ? idp_secret : NULL};
    pay_tenant_t *t = xmalloc(sizeof *t);
    pay_tenant_result_t r = pay_tenant_create(call.cfg->db, &in, NULL, 0, call.cfg->ilp_address, t);
    if (r == PAY_TENANT_OK) {
        console_audit(&call, "tenant_create", t->id, name);
        h = created_page(&call, t, secret);
    } else {
        h = tenant_refuse(&call, r, "Not created");
    }
    explicit_bzero(secret, sizeof secret);
    explicit_bzero(idp_secret, SECRET_FIELD);
    free(t);
done:
    free(name);
    return h;
}

/* ---- one tenant's page ---- */

static void settings_section(const console_call_t *call, buf_t *b, const pay_tenant_t *t, bool can)
{
    pay_tenant_setting_t s[PAY_TENANT_SETTINGS];
    size_t n = 0;
    buf_printf(b, "<section><h2>Settings</h2>");
    if (pay_tenant_settings(call->cfg->db, t->id, s, &n) != PAY_TENANT_OK)
        buf_printf(b, "<p role=\"alert\">The settings cannot be read right now.</p>");
    buf_printf(b,
               "<table id=\"settings\"><thead><tr><th>Key</th><th>Value</th>%s</tr></thead>"
               "<tbody>",
               can ? "<th></th>" : "");
    for (size_t i = 0; i < n; i++) {
        buf_printf(b, "<tr data-key=\"");
        page_escape(b, s[i].key);
        buf_printf(b, "\"><td>");
        page_escape(b, s[i].key);
        buf_printf(b, "</td><td>");
        page_escape(b, s[i].value);
        buf_printf(b, "</td>");
        if (can) {
            buf_printf(b, "<td>");
            form_open(call, b, t->id, "/settings/delete");
            page_hidden(b, "key", s[i].key);
            buf_printf(b, "<button type=\"submit\">Delete</button></form></td>");
        }
        buf_printf(b, "</tr>");
    }
    buf_printf(b, "</tbody></table>");
    if (can) {
        form_open(call, b, t->id, "/settings");
        buf_printf(b, "<label for=\"key\">Setting</label><select id=\"key\" name=\"key\">");
        for (unsigned i = 0; i < PAY_TENANT_SETTINGS; i++)
            buf_printf(b, "<option>%s</option>", pay_tenant_setting_key(i));
        buf_printf(b, "</select>");
        text_input(b, "value", "Value", "");
        buf_printf(b, "<div class=\"actions\"><button class=\"accept\" type=\"submit\">Set "
                      "setting</button></div></form>");
    }
    buf_printf(b, "</section>");
}

static void funding_section(const console_call_t *call, buf_t *b, const pay_tenant_t *t, bool can)
{
    buf_printf(b, "<section><h2>Funding model</h2><p id=\"funding\">%s</p>",
               t->funding_model[0] ? t->funding_model : "the instance's (FUNDING_MODEL)");
    if (!can || !call->is_operator)
        goto done;
    form_open(call, b, t->id, "/funding");
    static const char *const models[][2] = {
        {"", "the instance's"}, {"rafiki", "rafiki"}, {"ledger", "ledger"}};
    buf_printf(b, "<label for=\"model\">Funding model</label><select id=\"model\" "
                  "name=\"funding_model\">");
    for (size_t i = 0; i < 3; i++)
        buf_printf(b, "<option value=\"%s\"%s>%s</option>", models[i][0],
                   strcmp(t->funding_model, models[i][0]) == 0 ? " selected" : "", models[i][1]);
    buf_printf(b, "</select><div class=\"actions\"><button type=\"submit\">Set funding model"
                  "</button></div></form>");
done:
    buf_printf(b, "</section>");
}

static void edit_section(const console_call_t *call, buf_t *b, const pay_tenant_t *t)
{
    buf_printf(b, "<section><h2>Edit</h2>");
    form_open(call, b, t->id, "");
    text_input(b, "public_name", "Public name", t->public_name);
    text_input(b, "email", "Email", t->email);
    text_input(b, "idp_consent_url", "IdP consent URL", t->idp_consent_url);
    buf_printf(b, "<label for=\"idp_secret\">IdP secret (empty: unchanged)</label><input "
                  "type=\"password\" id=\"idp_secret\" name=\"idp_secret\" autocomplete=\"off\">"
                  "<div class=\"actions\"><button class=\"accept\" type=\"submit\">Save"
                  "</button></div></form>");
    if (call->is_operator && !t->is_operator) {
        form_open(call, b, t->id, "/delete");
        buf_printf(b, "<div class=\"actions\"><button type=\"submit\">Delete tenant</button>"
                      "</div></form>");
    }
    buf_printf(b, "</section>");
}

http_handler_result_t console_tenant_page(http_req_t *req, void *user)
{
    console_call_t call;
    if (!console_begin(req, user, CONSOLE_READ, &call))
        return HTTP_DONE;
    pay_tenant_t *t = xmalloc(sizeof *t);
    if (!tenant_of_path(&call, true, t)) {
        free(t);
        return HTTP_DONE;
    }
    bool can = call.who.role == CONSOLE_OPERATOR && !t->deleted_ms;
    buf_t b;
    console_page_begin(&call, &b, "Tenant");
    buf_printf(&b, "<dl id=\"tenant\"><dt>Id</dt><dd><code>");
    page_escape(&b, t->id);
    buf_printf(&b, "</code>%s</dd><dt>Public name</dt><dd id=\"public-name\">",
               t->is_operator ? " (operator)" : "");
    page_escape(&b, t->public_name);
    buf_printf(&b, "</dd><dt>Email</dt><dd id=\"email\">");
    page_escape(&b, t->email);
    buf_printf(&b, "</dd><dt>IdP consent URL</dt><dd id=\"idp-consent-url\">");
    page_escape(&b, t->idp_consent_url);
    buf_printf(&b, "</dd><dt>Created (UTC)</dt><dd>");
    console_time(&b, t->created_ms);
    buf_printf(&b, "</dd>");
    if (t->deleted_ms) {
        buf_printf(&b, "<dt>Deleted (UTC)</dt><dd id=\"deleted\">");
        console_time(&b, t->deleted_ms);
        buf_printf(&b, "</dd>");
    }
    buf_printf(&b, "</dl>");
    if (!t->deleted_ms) {
        settings_section(&call, &b, t, can);
        funding_section(&call, &b, t, can);
    }
    if (can)
        edit_section(&call, &b, t);
    free(t);
    return page_send(req, 200, &b);
}

/* ---- changes of one tenant ---- */

http_handler_result_t console_tenant_edit(http_req_t *req, void *user)
{
    console_call_t call;
    if (!console_begin(req, user, CONSOLE_CHANGE, &call))
        return HTTP_DONE;
    pay_tenant_t *t = xmalloc(sizeof *t);
    char *name = xcalloc(4, TEXT_FIELD), *email = name + TEXT_FIELD;
    char *idp_url = email + TEXT_FIELD, *idp_secret = idp_url + TEXT_FIELD;
    http_handler_result_t h = HTTP_DONE;
    if (!tenant_of_path(&call, false, t))
        goto done;
    if (!page_form_field(req, "public_name", name, TEXT_FIELD) ||
        !page_form_field(req, "email", email, TEXT_FIELD) ||
        !page_form_field(req, "idp_consent_url", idp_url, TEXT_FIELD) ||
        !page_form_field(req, "idp_secret", idp_secret, SECRET_FIELD)) {
        h = console_refuse(&call, 400, "Not changed", "Fill in the form.");
        goto done;
    }
    pay_tenant_input_t in = {.id = t->id,
                             .public_name = name,
                             .email = email,
                             .idp_consent_url = idp_url,
                             .idp_secret = idp_secret[0] ? idp_secret : NULL};
    bool new_secret = idp_secret[0] != '\0';
    pay_tenant_result_t r = pay_tenant_update(call.cfg->db, &in, t);
    explicit_bzero(idp_secret, SECRET_FIELD);
    if (r != PAY_TENANT_OK) {
        h = tenant_refuse(&call, r, "Not changed");
        goto done;
    }
    console_audit(&call, "tenant_update", t->id, new_secret ? "fields, IdP secret" : "fields");
    h = to_tenant(&call, t->id);
done:
    free(name);
    free(t);
    return h;
}

/* The key field: one of Rafiki's setting keys, else a refusal answered (false). */
static bool key_field(console_call_t *call, char key[KEY_FIELD_MAX])
{
    if (page_form_field(call->req, "key", key, KEY_FIELD_MAX))
        for (unsigned i = 0; i < PAY_TENANT_SETTINGS; i++)
            if (strcmp(key, pay_tenant_setting_key(i)) == 0)
                return true;
    console_refuse(call, 400, "Not changed", "Choose one of the setting keys.");
    return false;
}

http_handler_result_t console_tenant_setting_set(http_req_t *req, void *user)
{
    console_call_t call;
    if (!console_begin(req, user, CONSOLE_CHANGE, &call))
        return HTTP_DONE;
    pay_tenant_t *t = xmalloc(sizeof *t);
    pay_tenant_setting_t *in = xcalloc(1 + PAY_TENANT_SETTINGS, sizeof *in), *now = in + 1;
    http_handler_result_t h = HTTP_DONE;
    if (!tenant_of_path(&call, false, t) || !key_field(&call, in->key))
        goto done;
    if (!page_form_field(req, "value", in->value, sizeof in->value)) {
        h = console_refuse(&call, 400, "Not changed", "Give the setting's value.");
        goto done;
    }
    size_t n = 0;
    pay_tenant_result_t r = pay_tenant_settings_set(call.cfg->db, t->id, in, 1, now, &n);
    if (r != PAY_TENANT_OK) {
        h = tenant_refuse(&call, r, "Not changed");
        goto done;
    }
    char detail[CONSOLE_AUDIT_DETAIL_MAX + 1];
    snprintf(detail, sizeof detail, "%s = %.200s", in->key, in->value);
    console_audit(&call, "tenant_setting_set", t->id, detail);
    h = to_tenant(&call, t->id);
done:
    free(in);
    free(t);
    return h;
}

http_handler_result_t console_tenant_setting_delete(http_req_t *req, void *user)
{
    console_call_t call;
    if (!console_begin(req, user, CONSOLE_CHANGE, &call))
        return HTTP_DONE;
    pay_tenant_t *t = xmalloc(sizeof *t);
    char key[KEY_FIELD_MAX];
    http_handler_result_t h = HTTP_DONE;
    if (tenant_of_path(&call, false, t) && key_field(&call, key)) {
        pay_tenant_result_t r = pay_tenant_setting_delete(call.cfg->db, t->id, key);
        if (r == PAY_TENANT_OK) {
            console_audit(&call, "tenant_setting_delete", t->id, key);
            h = to_tenant(&call, t->id);
        } else {
            h = tenant_refuse(&call, r, "Not changed");
        }
    }
    free(t);
    return h;
}

http_handler_result_t console_tenant_funding(http_req_t *req, void *user)
{
    console_call_t call;
    if (!console_begin(req, user, CONSOLE_CHANGE, &call))
        return HTTP_DONE;
    if (!call.is_operator) /* as the REST PATCH /tenants/{id}: the operator's */
        return console_refuse(&call, 403, "Not allowed", "Only the operator sets funding models.");
    pay_tenant_t *t = xmalloc(sizeof *t);
    char model[16] = "";
    http_handler_result_t h = HTTP_DONE;
    if (!tenant_of_path(&call, false, t))
        goto done;
    if (!page_form_field(req, "funding_model", model, sizeof model)) {
        h = console_refuse(&call, 400, "Not changed", "Choose a funding model.");
        goto done;
    }
    pay_tenant_result_t r = pay_tenant_set_funding(call.cfg->db, t->id, model[0] ? model : NULL);
    if (r != PAY_TENANT_OK) {
        h = tenant_refuse(&call, r, "Not changed");
        goto done;
    }
    console_audit(&call, "tenant_funding", t->id, model[0] ? model : "instance");
    h = to_tenant(&call, t->id);
done:
    free(t);
    return h;
}

static http_handler_result_t delete_confirm(const console_call_t *call, const pay_tenant_t *t)
{
    buf_t b;
    console_page_begin(call, &b, "Confirm the deletion");
    buf_printf(&b, "<p>Delete tenant <code>");
    page_escape(&b, t->id);
    buf_printf(&b, "</code> (");
    page_escape(&b, t->public_name);
    buf_printf(&b, ")? Its settings go with it and its console sessions end.</p>");
    form_open(call, &b, t->id, "/delete");
    page_hidden(&b, "confirm", "yes");
    buf_printf(&b, "<div class=\"actions\"><button class=\"accept\" type=\"submit\">Confirm "
                   "deletion</button><a href=\"" TENANTS_PATH "/");
    page_escape(&b, t->id);
    buf_printf(&b, "\">Cancel</a></div></form>");
    return page_send(call->req, 200, &b);
}

http_handler_result_t console_tenant_delete(http_req_t *req, void *user)
{
    console_call_t call;
    if (!console_begin(req, user, CONSOLE_CHANGE, &call))
        return HTTP_DONE;
    if (!call.is_operator)
        return console_refuse(&call, 403, "Not allowed", "Only the operator deletes tenants.");
    pay_tenant_t *t = xmalloc(sizeof *t);
    char confirm[8] = "";
    http_handler_result_t h = HTTP_DONE;
    if (!tenant_of_path(&call, false, t))
        goto done;
    page_form_field(req, "confirm", confirm, sizeof confirm);
    if (strcmp(confirm, "yes") != 0) {
        h = delete_confirm(&call, t);
        goto done;
    }
    pay_tenant_result_t r = pay_tenant_delete(call.cfg->db, t->id, clock_wall_ms());
    if (r != PAY_TENANT_OK) {
        h = tenant_refuse(&call, r, "Not deleted");
        goto done;
    }
    console_audit(&call, "tenant_delete", t->id, t->public_name);
    h = page_see_other(req, TENANTS_PATH);
done:
    free(t);
    return h;
}
