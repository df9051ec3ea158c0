/* The operator console's sign-in, sessions, guard and frame (see console.h, console_call.h). */
#include "web/console.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "web/console_call.h"
#include "web/pages.h"
#include "payments/tenants.h"
#include "base/clock.h"
#include "base/codec.h"
#include "base/ct.h"
#include "base/digest.h"
#include "base/log.h"
#include "base/mem.h"

#define CONSOLE_COOKIE   "rafiki_console"
#define CONSOLE_FORM_MAX (8u * 1024u)
/* the tenant field's bytes: an id has 36, anything longer names no tenant */
#define CONSOLE_TENANT_FIELD_MAX 128

env_result_t console_opts_env(console_config_t *cfg, env_err_t *err)
{
    uint64_t s, i;
    env_result_t r;
    if ((r = env_u64("CONSOLE_SESSION_S", CONSOLE_SESSION_S_DEFAULT, 60, 604800, &s, err)) !=
            ENV_OK ||
        (r = env_u64("CONSOLE_IDLE_S", CONSOLE_IDLE_S_DEFAULT, 60, 86400, &i, err)) != ENV_OK)
        return r;
    cfg->session_ms = s * 1000u;
    cfg->idle_ms = i * 1000u;
    return ENV_OK;
}

static int64_t session_ms(const console_config_t *cfg)
{
    return (int64_t)(cfg->session_ms ? cfg->session_ms : CONSOLE_SESSION_S_DEFAULT * 1000ull);
}

static int64_t idle_ms(const console_config_t *cfg)
{
    return (int64_t)(cfg->idle_ms ? cfg->idle_ms : CONSOLE_IDLE_S_DEFAULT * 1000ull);
}

static const char *secure(const console_config_t *cfg)
{
    const char *u = cfg->cookie_base_url;
    return u && strncmp(u, "https://", 8) == 0 ? "; Secure" : "";
}

/* ---- sign-in ---- */

static http_handler_result_t login_page(http_req_t *req, const console_config_t *cfg,
                                        unsigned status, const char *error)
{
    buf_t b;
    page_begin(&b, "Rafiki console");
    buf_printf(&b, "<h1>Rafiki console</h1>");
    if (error) {
        buf_printf(&b, "<p role=\"alert\">");
        page_escape(&b, error);
        buf_printf(&b, "</p>");
    }
    buf_t tok; /* one form token (and at most one new cookie) for both forms */
    buf_init(&tok, 1024);
    page_login_csrf(req, cfg->login, &tok, secure(cfg)[0] ? "https://" : "");
    buf_printf(&b, "<section><h2>Tenant</h2><form method=\"post\" action=\"/console/login\">");
    buf_append(&b, tok.ptr, tok.len);
    buf_printf(&b, "<label for=\"tenant\">Tenant id (empty for the operator)</label>"
                   "<input type=\"text\" id=\"tenant\" name=\"tenant\" autocomplete=\"off\">"
                   "<label for=\"secret\">API secret</label><input type=\"password\" "
                   "id=\"secret\" name=\"secret\" autocomplete=\"off\" required>"
                   "<div class=\"actions\"><button class=\"accept\" type=\"submit\">Sign in"
                   "</button></div></form></section>");
    buf_printf(&b, "<section><h2>Console user</h2><form method=\"post\" "
                   "action=\"/console/login\">");
    buf_append(&b, tok.ptr, tok.len);
    buf_free(&tok);
    buf_printf(&b, "<label for=\"user\">User name</label><input type=\"text\" id=\"user\" "
                   "name=\"user\" autocomplete=\"username\" required><label for=\"password\">"
                   "Password</label><input type=\"password\" id=\"password\" name=\"password\" "
                   "autocomplete=\"current-password\" required><div class=\"actions\"><button "
                   "class=\"accept\" type=\"submit\">Sign in</button></div></form></section>");
    return page_send(req, status, &b);
}

typedef struct {
    const console_config_t *cfg;
    console_principal_t *who;
} check_t;

/* login_check_fn for a tenant's API secret (username: the tenant id). */
static int tenant_check(void *arg, db_t *db, const char *tenant_id, const char *secret)
{
    check_t *c = arg;
    pay_tenant_t *t = xmalloc(sizeof *t);
    pay_tenant_result_t r = pay_tenant_get(db, tenant_id, false, t);
    uint8_t want[SHA256_LEN], got[SHA256_LEN];
    /* digests of both, so the comparison takes the same time whatever their lengths */
    sha256(want, r == PAY_TENANT_OK ? t->api_secret : "",
           r == PAY_TENANT_OK ? strlen(t->api_secret) : 0);
    sha256(got, secret, strlen(secret));
    bool ok = ct_equal(want, got, sizeof want) && r == PAY_TENANT_OK && t->api_secret[0];
    free(t);
    if (r != PAY_TENANT_OK && r != PAY_TENANT_NOT_FOUND && r != PAY_TENANT_INVALID_ID)
        return -1;
    if (!ok)
        return 1;
    snprintf(c->who->tenant_id, sizeof c->who->tenant_id, "%s", tenant_id);
    c->who->user_name[0] = '\0';
    c->who->role = CONSOLE_OPERATOR;
    return 0;
}

/* login_check_fn for a console user. */
static int user_check(void *arg, db_t *db, const char *name, const char *password)
{
    check_t *c = arg;
    console_user_t u;
    console_result_t r = console_user_check(db, name, password, &u);
    if (r != CONSOLE_OK)
        return r == CONSOLE_DENIED ? 1 : -1;
    snprintf(c->who->tenant_id, sizeof c->who->tenant_id, "%s", c->cfg->operator_tenant_id);
    snprintf(c->who->user_name, sizeof c->who->user_name, "%s", u.name);
    c->who->role = u.role;
    return 0;
}

/* Runs the attempt the form asks for: LOGIN_OK with *who, else why not (Retry-After added). */
static login_result_t login_run(http_req_t *req, const console_config_t *cfg,
                                console_principal_t *who, bool *asked)
{
    /* room for more than an id: a long value is refused as an unknown tenant, not read as
     * absent (which would mean the operator) */
    char tenant[CONSOLE_TENANT_FIELD_MAX] = "", user[CONSOLE_NAME_MAX + 1] = "";
    char pw[PAY_TENANT_SECRET_MAX + 1] = "", key[CONSOLE_TENANT_FIELD_MAX + 16];
    char addr[LOGIN_ADDR_MAX];
    check_t c = {.cfg = cfg, .who = who};
    login_check_fn fn;
    const char *name;
    if (page_form_field(req, "user", user, sizeof user) && user[0] &&
        page_form_field(req, "password", pw, sizeof pw) && pw[0]) {
        fn = user_check;
        name = user;
        snprintf(key, sizeof key, "user:%s", user);
    } else if (page_form_field(req, "secret", pw, sizeof pw) && pw[0]) {
        if (!page_form_field(req, "tenant", tenant, sizeof tenant))
            snprintf(tenant, sizeof tenant, "%s", "-"); /* too long: no such tenant */
        else if (!tenant[0])
            snprintf(tenant, sizeof tenant, "%s", cfg->operator_tenant_id);
        fn = tenant_check;
        name = tenant;
        snprintf(key, sizeof key, "tenant:%s", tenant);
    } else {
        *asked = false;
        return LOGIN_DENIED;
    }
    *asked = true;
    if (http_req_client_addr(req, addr, sizeof addr) != 0)
        addr[0] = '\0';
    uint32_t retry_s = 0;
    login_result_t r = login_attempt_check(cfg->login, addr, key, name, pw, fn, &c, &retry_s);
    explicit_bzero(pw, sizeof pw);
    if (retry_s) {
        char retry[16];
        snprintf(retry, sizeof retry, "%u", retry_s);
        http_req_add_header(req, "Retry-After", retry);
    }
    return r;
}

static void session_cookie(http_req_t *req, const console_config_t *cfg, const char *value,
                           bool clear)
{
    char set[200];
    snprintf(set, sizeof set, CONSOLE_COOKIE "=%s; Path=/console; HttpOnly; SameSite=Strict%s%s",
             value, secure(cfg), clear ? "; Max-Age=0" : "");
    http_req_add_header(req, "Set-Cookie", set);
}

static http_handler_result_t login_post(http_req_t *req, void *user)
{
    const console_config_t *cfg = user;
    if (!page_form_request(req))
        return login_page(req, cfg, 400, "Fill in the sign-in form.");
    if (!page_login_csrf_ok(req, cfg->login))
        return HTTP_DONE;
    console_principal_t who;
    bool asked;
    login_result_t r = login_run(req, cfg, &who, &asked);
    static const struct {
        unsigned status;
        const char *msg;
    } answers[] = {
        [LOGIN_OK] = {200, NULL},
        [LOGIN_DENIED] = {401, "Wrong tenant, user name, secret or password."},
        [LOGIN_LOCKED] = {429, "Too many sign-in attempts. Try again later."},
        [LOGIN_BUSY] = {503, "The console is busy. Try again in a moment."},
        [LOGIN_UNAVAILABLE] = {503, "The console cannot sign you in right now."},
    };
    if (!asked)
        return login_page(req, cfg, 400, "Fill in the sign-in form.");
    if (r != LOGIN_OK)
        return login_page(req, cfg, answers[r].status, answers[r].msg);
    char cookie[CONSOLE_SESSION_LEN + 1], csrf[CONSOLE_CSRF_LEN + 1];
    if (console_session_new(cfg->db, &who, clock_wall_ms(), cookie, csrf) != CONSOLE_OK)
        return login_page(req, cfg, 503, answers[LOGIN_UNAVAILABLE].msg);
    session_cookie(req, cfg, cookie, false);
    console_call_t call = {.req = req, .cfg = cfg, .who = who};
    console_audit(&call, "sign_in", who.user_name[0] ? "console user" : "tenant secret", "");
    return page_see_other(req, "/console");
}

static http_handler_result_t logout_post(http_req_t *req, void *user)
{
    const console_config_t *cfg = user;
    char v[CONSOLE_SESSION_LEN + 2];
    console_call_t call;
    if (!console_begin(req, cfg, CONSOLE_READ, &call))
        return HTTP_DONE;
    char token[CONSOLE_CSRF_LEN + 8];
    if (!page_form_field(req, "csrf", token, sizeof token) || strlen(token) != CONSOLE_CSRF_LEN ||
        !ct_equal(token, call.csrf, CONSOLE_CSRF_LEN))
        return console_refuse(&call, 403, "Request refused",
                              "The form did not come from this console.");
    if (page_cookie(req, CONSOLE_COOKIE, v, sizeof v))
        console_session_end(cfg->db, v, clock_wall_ms(), session_ms(cfg));
    console_audit(&call, "sign_out", "", "");
    session_cookie(req, cfg, "", true);
    return page_see_other(req, "/console");
}

/* ---- what the pages share ---- */

void console_amount(buf_t *b, int64_t v, uint8_t scale)
{
    char num[48];
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    decimal_format(mag, scale, num, sizeof num);
    buf_printf(b, "%s", v < 0 ? "-" : "");
    page_escape(b, num);
}

void console_id(buf_t *b, ledger_id_t id)
{
    char s[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(id, s);
    buf_printf(b, "%s", s);
}

void console_time(buf_t *b, int64_t at_ms)
{
    char when[32];
    time_t t = (time_t)(at_ms / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm) == 0)
        snprintf(when, sizeof when, "-");
    buf_printf(b, "%s", when);
}

/* ---- the guard and the frame ---- */

void console_audit(const console_call_t *call, const char *action, const char *target,
                   const char *detail)
{
    console_audit_t e = {.at_ms = clock_wall_ms(), .who = call->who};
    snprintf(e.action, sizeof e.action, "%s", action);
    snprintf(e.target, sizeof e.target, "%s", target);
    snprintf(e.detail, sizeof e.detail, "%s", detail);
    snprintf(e.request_id, sizeof e.request_id, "%s", http_req_id(call->req));
    if (console_audit_add(call->cfg->db, &e) != CONSOLE_OK)
        LOGW("console: audit: %s %s not recorded", action, target);
}

/* Whether the session's tenant is still live (a deleted tenant's sessions open nothing); else
 * answers the sign-in page or 503. */
static bool tenant_live(http_req_t *req, const console_config_t *cfg, const char *tenant_id)
{
    pay_tenant_t *t = xmalloc(sizeof *t);
    pay_tenant_result_t r = pay_tenant_get(cfg->db, tenant_id, false, t);
    free(t);
    if (r == PAY_TENANT_OK)
        return true;
    if (r == PAY_TENANT_STORAGE_ERROR)
        page_message(req, 503, "Try again", "The console cannot read its tenants right now.");
    else
        login_page(req, cfg, 401, "Sign in to continue.");
    return false;
}

bool console_begin(http_req_t *req, const console_config_t *cfg, console_need_t need,
                   console_call_t *call)
{
    memset(call, 0, sizeof *call);
    call->req = req;
    call->cfg = cfg;
    char v[CONSOLE_SESSION_LEN + 2];
    console_result_t r = CONSOLE_NOT_FOUND;
    if (page_cookie(req, CONSOLE_COOKIE, v, sizeof v))
        r = console_session_get(cfg->db, v, clock_wall_ms(), session_ms(cfg), idle_ms(cfg),
                                &call->who, call->csrf);
    if (r == CONSOLE_ERROR) {
        page_message(req, 503, "Try again", "The console cannot read its sessions right now.");
        return false;
    }
    if (r != CONSOLE_OK) {
        login_page(req, cfg, 401, "Sign in to continue.");
        return false;
    }
    call->is_operator = strcmp(call->who.tenant_id, cfg->operator_tenant_id) == 0;
    if (!call->is_operator && !tenant_live(req, cfg, call->who.tenant_id))
        return false;
    if (need == CONSOLE_READ)
        return true;
    char token[CONSOLE_CSRF_LEN + 8];
    if (!page_form_request(req) || !page_form_field(req, "csrf", token, sizeof token) ||
        strlen(token) != CONSOLE_CSRF_LEN || !ct_equal(token, call->csrf, CONSOLE_CSRF_LEN)) {
        console_refuse(call, 403, "Request refused",
                       "The form did not come from this console (its security token is missing "
                       "or old). Open the page again.");
        return false;
    }
    if (call->who.role != CONSOLE_OPERATOR) {
        console_refuse(call, 403, "Not allowed", "A viewer cannot change anything.");
        return false;
    }
    return true;
}

void console_csrf_field(const console_call_t *call, buf_t *b)
{
    page_hidden(b, "csrf", call->csrf);
}

void console_page_begin(const console_call_t *call, buf_t *b, const char *title)
{
    page_begin(b, title);
    buf_printf(b,
               "<nav><a href=\"/console\">Overview</a> · <a href=\"/console/assets\">Assets"
               "</a> · <a href=\"/console/peers\">Peers</a> · <a "
               "href=\"/console/wallet-addresses\">Wallet addresses</a> · <a "
               "href=\"/console/payments/incoming\">Incoming payments</a> · <a "
               "href=\"/console/payments/outgoing\">Outgoing payments</a> · <a "
               "href=\"/console/webhook-events\">Webhook events</a> · <a href=\"/console/audit\">"
               "Audit log</a> · <a href=\"/console/tenants\">Tenants</a> · <a "
               "href=\"/console/users\">Users</a></nav><p class=\"who\">Signed in as ");
    if (call->who.user_name[0]) {
        page_escape(b, call->who.user_name);
        buf_printf(b, " (%s)", console_role_str(call->who.role));
    } else {
        buf_printf(b, "%s ", call->is_operator ? "the operator" : "tenant");
        page_escape(b, call->who.tenant_id);
    }
    buf_printf(b, "</p><form method=\"post\" action=\"/console/logout\">");
    console_csrf_field(call, b);
    buf_printf(b, "<button type=\"submit\">Sign out</button></form><h1>");
    page_escape(b, title);
    buf_printf(b, "</h1>");
}

http_handler_result_t console_refuse(const console_call_t *call, unsigned status, const char *title,
                                     const char *text)
{
    buf_t b;
    console_page_begin(call, &b, title);
    buf_printf(&b, "<p role=\"alert\">");
    page_escape(&b, text);
    buf_printf(&b, "</p>");
    return page_send(call->req, status, &b);
}

static const http_route_t ROUTES[] = {
    {"GET", "/console", console_overview, 0},
    {"POST", "/console/login", login_post, CONSOLE_FORM_MAX},
    {"POST", "/console/logout", logout_post, CONSOLE_FORM_MAX},
    {"GET", "/console/assets", console_assets, 0},
    {"POST", "/console/assets", console_asset_create, CONSOLE_FORM_MAX},
    {"POST", "/console/assets/{id}/deposit", console_asset_deposit, CONSOLE_FORM_MAX},
    {"POST", "/console/assets/{id}/withdraw", console_asset_withdraw, CONSOLE_FORM_MAX},
    {"POST", "/console/assets/{id}/threshold", console_asset_threshold, CONSOLE_FORM_MAX},
    {"GET", "/console/audit", console_audit_page, 0},
    /* tenants, console users and asset details (console_tenants.c, console_admin.c,
     * console_pages.c) */
    {"GET", "/console/tenants", console_tenants, 0},
    {"POST", "/console/tenants", console_tenant_create, CONSOLE_FORM_MAX},
    {"GET", "/console/tenants/{id}", console_tenant_page, 0},
    {"POST", "/console/tenants/{id}", console_tenant_edit, CONSOLE_FORM_MAX},
    {"POST", "/console/tenants/{id}/settings", console_tenant_setting_set, CONSOLE_FORM_MAX},
    {"POST", "/console/tenants/{id}/settings/delete", console_tenant_setting_delete,
     CONSOLE_FORM_MAX},
    {"POST", "/console/tenants/{id}/funding", console_tenant_funding, CONSOLE_FORM_MAX},
    {"POST", "/console/tenants/{id}/delete", console_tenant_delete, CONSOLE_FORM_MAX},
    {"GET", "/console/users", console_users, 0},
    {"POST", "/console/users", console_user_new, CONSOLE_FORM_MAX},
    {"POST", "/console/users/{name}/role", console_user_role, CONSOLE_FORM_MAX},
    {"POST", "/console/users/{name}/password", console_user_password, CONSOLE_FORM_MAX},
    {"POST", "/console/users/{name}/delete", console_user_remove, CONSOLE_FORM_MAX},
    {"GET", "/console/assets/{id}", console_asset_page, 0},
    {"POST", "/console/assets/{id}/fee", console_asset_fee, CONSOLE_FORM_MAX},
    {"POST", "/console/assets/{id}/withdrawal_threshold", console_asset_withdrawal_threshold,
     CONSOLE_FORM_MAX},
    /* the peers and wallet addresses pages (console_peers.c, console_wallets.c) */
    {"GET", "/console/peers", console_peers, 0},
    {"POST", "/console/peers", console_peer_create, CONSOLE_FORM_MAX},
    {"GET", "/console/peers/{id}", console_peer_page, 0},
    {"POST", "/console/peers/{id}", console_peer_update, CONSOLE_FORM_MAX},
    {"POST", "/console/peers/{id}/deposit", console_peer_deposit, CONSOLE_FORM_MAX},
    {"POST", "/console/peers/{id}/withdraw", console_peer_withdraw, CONSOLE_FORM_MAX},
    {"POST", "/console/peers/{id}/check", console_peer_check, CONSOLE_FORM_MAX},
    {"POST", "/console/peers/{id}/delete", console_peer_delete, CONSOLE_FORM_MAX},
    {"GET", "/console/wallet-addresses", console_wallets, 0},
    {"POST", "/console/wallet-addresses", console_wallet_create, CONSOLE_FORM_MAX},
    {"GET", "/console/wallet-addresses/{id}", console_wallet_page, 0},
    {"POST", "/console/wallet-addresses/{id}", console_wallet_update, CONSOLE_FORM_MAX},
    {"POST", "/console/wallet-addresses/{id}/keys", console_wallet_key_add, CONSOLE_FORM_MAX},
    {"POST", "/console/wallet-addresses/{id}/keys/revoke", console_wallet_key_revoke,
     CONSOLE_FORM_MAX},
    {"POST", "/console/wallet-addresses/{id}/properties", console_wallet_props, CONSOLE_FORM_MAX},
    /* payments and webhook events (console_payments.c, console_events.c) */
    {"GET", "/console/payments/incoming", console_payments_incoming, 0},
    {"GET", "/console/payments/outgoing", console_payments_outgoing, 0},
    {"GET", "/console/payments/incoming/{id}", console_payment_incoming, 0},
    {"GET", "/console/payments/outgoing/{id}", console_payment_outgoing, 0},
    {"POST", "/console/payments/incoming/{id}/complete", console_payment_incoming_complete,
     CONSOLE_FORM_MAX},
    {"POST", "/console/payments/incoming/{id}/cancel", console_payment_incoming_cancel,
     CONSOLE_FORM_MAX},
    {"POST", "/console/payments/outgoing/{id}/cancel", console_payment_outgoing_cancel,
     CONSOLE_FORM_MAX},
    {"GET", "/console/webhook-events", console_webhook_events, 0},
    {"GET", "/console/webhook-events/{id}", console_webhook_event, 0},
};

int console_register(http_server_t *s, const console_config_t *cfg)
{
    return http_server_routes(s, ROUTES, HTTP_ROUTES_N(ROUTES), (void *)cfg);
}
