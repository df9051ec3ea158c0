/* The wallet's web pages (see wallet_ui.h). */
#include "web/wallet_ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "web/consent.h"
#include "web/pages.h"
#include "payments/users.h"
#include "base/assert.h"
#include "base/clock.h"
#include "base/codec.h"
#include "payments/incoming_payment.h"
#include "ilp/pointer.h"

#define UI_FORM_MAX    (8u * 1024u)
#define UI_FIELD_MAX   1024
#define UI_WALLETS_MAX 16
#define UI_HISTORY     10
#define UI_SESSION_MS  (60 * 60 * 1000)

typedef const wallet_ui_config_t ui_t;

/* ---- helpers ---- */

static void money(buf_t *b, uint64_t value, const char *code, uint8_t scale, const char *sign)
{
    char num[48];
    decimal_format(value, scale, num, sizeof num);
    buf_printf(b, "%s%s&nbsp;", sign, code);
    page_escape(b, num);
}

/* A positive amount typed in the asset's units ("12.5"), in smallest units; -1 otherwise. */
static int amount_parse(const char *s, uint8_t scale, uint64_t *out)
{
    return decimal_parse(s, scale, out) == 0 && *out > 0 ? 0 : -1;
}

/* The signed-in user, or a sign-in page answered (false). */
static bool signed_in(http_req_t *req, ui_t *ui, user_t *u, char csrf[USER_CSRF_LEN + 1]);

/* The user's wallet address with this id, or a refusal answered (false). */
static bool own_wallet(http_req_t *req, ui_t *ui, const user_t *u, const char *id,
                       wallet_address_t *w)
{
    char ids[UI_WALLETS_MAX][UUID_STR_LEN + 1];
    size_t n = 0;
    ledger_id_t lid;
    db_err_t e;
    bool mine = false;
    if (users_wallet_addresses(ui->db, u->id, ids, UI_WALLETS_MAX, &n) == USERS_OK)
        for (size_t i = 0; i < n; i++)
            mine = mine || strcmp(ids[i], id) == 0;
    if (mine && ledger_id_parse(id, strlen(id), &lid) == 0 &&
        wallet_address_get(ui->wallet, lid, w, &e) == WALLET_ADDRESS_OK)
        return true;
    page_message(req, 403, "Not your wallet", "That wallet address is not one of yours.");
    return false;
}

/* A form's CSRF token against the session's; answers 403 when it does not match. */
static bool csrf_ok(http_req_t *req, const char *csrf)
{
    char token[USER_CSRF_LEN + 8];
    if (page_form_field(req, "csrf", token, sizeof token) && strcmp(token, csrf) == 0)
        return true;
    page_message(req, 403, "Request refused",
                 "The form did not come from this page (its security token is missing or old). "
                 "Go back to your wallet and try again.");
    return false;
}

/* ---- sign in ---- */

static http_handler_result_t login_page(http_req_t *req, ui_t *ui, unsigned status,
                                        const char *error)
{
    buf_t b;
    page_begin(&b, "Your wallet");
    page_login_begin(&b, "/wallet/login", error);
    page_login_csrf(req, ui->login, &b, ui->auth_url);
    page_login_end(&b);
    return page_send(req, status, &b);
}

static bool signed_in(http_req_t *req, ui_t *ui, user_t *u, char csrf[USER_CSRF_LEN + 1])
{
    if (page_session(req, ui->db, u, csrf))
        return true;
    login_page(req, ui, 401, "Sign in to continue.");
    return false;
}

static http_handler_result_t login_post(http_req_t *req, void *user)
{
    ui_t *ui = user;
    char name[USER_NAME_MAX + 1], pw[USER_PASSWORD_MAX + 1];
    if (!page_form_request(req))
        return login_page(req, ui, 400, "Enter your user name and password.");
    if (!page_login_csrf_ok(req, ui->login))
        return HTTP_DONE;
    if (!page_form_field(req, "username", name, sizeof name) ||
        !page_form_field(req, "password", pw, sizeof pw))
        return login_page(req, ui, 400, "Enter your user name and password.");
    user_t u;
    unsigned status;
    const char *msg;
    login_result_t r = page_login_run(req, ui->login, name, pw, &u, &status, &msg);
    if (r == LOGIN_UNAVAILABLE)
        return page_message(req, status, "Try again", msg);
    if (r != LOGIN_OK)
        return login_page(req, ui, status, msg);
    char cookie[USER_SESSION_LEN + 1], csrf[USER_CSRF_LEN + 1];
    if (users_session_new(ui->db, &u, UI_SESSION_MS, cookie, csrf) != USERS_OK)
        return page_message(req, 503, "Try again", "The wallet cannot sign you in right now.");
    page_session_cookie(req, cookie, ui->auth_url);
    return page_see_other(req, "/wallet");
}

/* Only with the session's token: a page of another site must not sign the user out. */
static http_handler_result_t logout_post(http_req_t *req, void *user)
{
    ui_t *ui = user;
    user_t u;
    char csrf[USER_CSRF_LEN + 1];
    if (!signed_in(req, ui, &u, csrf) || !page_form_request(req) || !csrf_ok(req, csrf))
        return HTTP_DONE;
    page_session_end(req, ui->db);
    return page_see_other(req, "/wallet");
}

/* ---- the wallet ---- */

static void history(buf_t *b, ui_t *ui, const wallet_address_t *w)
{
    ledger_transfer_t t[UI_HISTORY];
    size_t n = 0;
    char next[LEDGER_CURSOR_LEN];
    if (ledger_account_transfers(ui->ledger, w->account_id, "", t, UI_HISTORY, &n, next) !=
            LEDGER_OK ||
        n == 0) {
        buf_printf(b, "<p>No transactions yet.</p>");
        return;
    }
    buf_printf(b, "<table><caption>Latest transactions</caption><thead><tr><th scope=\"col\">"
                  "When (UTC)</th><th scope=\"col\">What</th><th scope=\"col\" "
                  "class=\"amount\">Amount</th></tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        bool in = ledger_id_eq(t[i].credit_account_id, w->account_id);
        uint64_t amount = t[i].state == LEDGER_STATE_PENDING ? t[i].amount : t[i].posted_amount;
        time_t secs = (time_t)(t[i].created_ms / 1000);
        struct tm tm;
        gmtime_r(&secs, &tm);
        buf_printf(b, "<tr><td>%04d-%02d-%02d %02d:%02d</td><td>%s%s</td><td class=\"amount\">",
                   tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                   in ? "received" : "sent",
                   t[i].state == LEDGER_STATE_PENDING  ? " (pending)"
                   : t[i].state == LEDGER_STATE_POSTED ? ""
                                                       : " (returned)");
        money(b, amount, w->asset_code, w->asset_scale, in ? "+" : "&minus;");
        buf_printf(b, "</td></tr>");
    }
    buf_printf(b, "</tbody></table>");
}

static void wallet_section(buf_t *b, ui_t *ui, const wallet_address_t *w, const char *csrf)
{
    ledger_status_t st = {0};
    ledger_account_status(ui->ledger, w->account_id, &st);
    char id[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(w->id, id);
    buf_printf(b, "<section aria-labelledby=\"w-%s\"><h2 id=\"w-%s\">", id, id);
    page_escape(b, w->public_name[0] ? w->public_name : w->url);
    buf_printf(b, "</h2><p class=\"who\">Your wallet address: <code>");
    page_escape(b, w->url);
    buf_printf(b, "</code></p><p class=\"balance\" data-balance=\"%lld\">Balance: ",
               (long long)st.balance);
    money(b, st.balance < 0 ? (uint64_t)-st.balance : (uint64_t)st.balance, w->asset_code,
          w->asset_scale, st.balance < 0 ? "&minus;" : "");
    buf_printf(b, "</p>");
    history(b, ui, w);
    buf_printf(b, "<h3>Send money</h3><form method=\"post\" action=\"/wallet/quote\">");
    page_hidden(b, "csrf", csrf);
    page_hidden(b, "from", id);
    buf_printf(b,
               "<label for=\"to-%s\">To (a wallet address, payment pointer or incoming "
               "payment URL)</label><input type=\"text\" id=\"to-%s\" name=\"to\" required>"
               "<label for=\"amount-%s\">Amount to send in %s (leave empty to pay an incoming "
               "payment in full)</label><input type=\"text\" id=\"amount-%s\" name=\"amount\" "
               "inputmode=\"decimal\"><div class=\"actions\"><button class=\"accept\" "
               "type=\"submit\">See the quote</button></div></form>",
               id, id, id, w->asset_code, id);
    buf_printf(b, "<h3>Request money</h3><form method=\"post\" action=\"/wallet/request\">");
    page_hidden(b, "csrf", csrf);
    page_hidden(b, "wallet", id);
    buf_printf(
        b,
        "<label for=\"req-%s\">Amount to request in %s</label><input type=\"text\" id=\"req-%s\" "
        "name=\"amount\" inputmode=\"decimal\" required><div class=\"actions\"><button "
        "type=\"submit\">Create an incoming payment</button></div></form></section>",
        id, w->asset_code, id);
}

static http_handler_result_t wallet_get(http_req_t *req, void *user)
{
    ui_t *ui = user;
    user_t u;
    char csrf[USER_CSRF_LEN + 1];
    if (!page_session(req, ui->db, &u, csrf))
        return login_page(req, ui, 200, NULL);
    char ids[UI_WALLETS_MAX][UUID_STR_LEN + 1];
    size_t n = 0;
    if (users_wallet_addresses(ui->db, u.id, ids, UI_WALLETS_MAX, &n) != USERS_OK)
        return page_message(req, 503, "Try again", "The wallet cannot answer right now.");
    buf_t b;
    page_begin(&b, "Your wallet");
    buf_printf(&b, "<p class=\"who\">Signed in as ");
    page_escape(&b, u.username);
    buf_printf(&b, "</p><form method=\"post\" action=\"/wallet/logout\">");
    page_hidden(&b, "csrf", csrf);
    buf_printf(&b, "<button type=\"submit\">Sign out</button></form><h1>Your wallet</h1>");
    if (n == 0)
        buf_printf(&b, "<p>You have no wallet address yet.</p>");
    for (size_t i = 0; i < n; i++) {
        wallet_address_t w;
        ledger_id_t lid;
        db_err_t e;
        if (ledger_id_parse(ids[i], strlen(ids[i]), &lid) == 0 &&
            wallet_address_get(ui->wallet, lid, &w, &e) == WALLET_ADDRESS_OK)
            wallet_section(&b, ui, &w, csrf);
    }
    return page_send(req, 200, &b);
}

/* ---- send ---- */

/* The receiver as a URL. A payment pointer becomes https://host/path (RFC 0026, no port);
 * on this machine ("$localhost:4000/bob", as the playground's wallets are reached) it becomes
 * http:// and may name a port. */
static bool receiver_url(const char *to, char *out, size_t cap)
{
    if (strncmp(to, "http://", 7) == 0 || strncmp(to, "https://", 8) == 0)
        return snprintf(out, cap, "%s", to) < (int)cap;
    if (strncmp(to, "$localhost", 10) == 0 || strncmp(to, "$127.0.0.1", 10) == 0)
        return strcspn(to, " ?#") == strlen(to) &&
               snprintf(out, cap, "http://%s", to + 1) < (int)cap;
    return to[0] == '$' && payment_pointer_resolve(to, strlen(to), out, cap) == POINTER_OK;
}

static http_handler_result_t quote_post(http_req_t *req, void *user)
{
    ui_t *ui = user;
    user_t u;
    char csrf[USER_CSRF_LEN + 1], from[UI_FIELD_MAX], to[UI_FIELD_MAX], amount[64] = "";
    char url[QUOTE_RECEIVER_MAX + 1];
    wallet_address_t w;
    if (!signed_in(req, ui, &u, csrf))
        return HTTP_DONE;
    if (!page_form_request(req) || !csrf_ok(req, csrf))
        return HTTP_DONE;
    if (!page_form_field(req, "from", from, sizeof from) ||
        !page_form_field(req, "to", to, sizeof to))
        return page_message(req, 400, "Bad request", "The form was incomplete.");
    if (!own_wallet(req, ui, &u, from, &w))
        return HTTP_DONE;
    if (!receiver_url(to, url, sizeof url))
        return page_message(req, 400, "Unknown receiver",
                            "Give a wallet address (https://…), a payment pointer ($…) or an "
                            "incoming payment URL.");
    page_form_field(req, "amount", amount, sizeof amount);
    quote_request_t qr = {.wallet_address_id = w.id, .receiver = url, .receiver_len = strlen(url)};
    if (amount[0]) {
        if (amount_parse(amount, w.asset_scale, &qr.debit_amount.value) != 0)
            return page_message(req, 400, "Check the amount",
                                "Enter an amount such as 12.50, with at most as many decimals "
                                "as your currency has.");
        qr.has_debit = true;
        snprintf(qr.debit_amount.asset_code, sizeof qr.debit_amount.asset_code, "%s", w.asset_code);
        qr.debit_amount.asset_scale = w.asset_scale;
    }
    quote_t q;
    quote_result_t r = quote_create(ui->quotes, &qr, &q);
    if (r != QUOTE_OK) {
        char why[160];
        snprintf(why, sizeof why, "The payment cannot be priced (%s).", quote_result_str(r));
        return page_message(req, r == QUOTE_STORAGE_ERROR ? 503 : 422, "No quote", why);
    }
    char qid[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(q.id, qid);
    buf_t b;
    page_begin(&b, "Confirm the payment");
    buf_printf(&b, "<h1>Confirm the payment</h1><p>To <code>");
    page_escape(&b, url);
    buf_printf(&b, "</code></p><ul><li>You pay <strong data-debit=\"%llu\">",
               (unsigned long long)q.debit_amount.value);
    money(&b, q.debit_amount.value, q.debit_amount.asset_code, q.debit_amount.asset_scale, "");
    buf_printf(&b, "</strong> (at most; what is not needed comes back)</li><li>They receive "
                   "<strong>");
    money(&b, q.receive_amount.value, q.receive_amount.asset_code, q.receive_amount.asset_scale,
          "");
    buf_printf(&b, "</strong></li><li>Fees: ");
    money(&b, q.fee, q.debit_amount.asset_code, q.debit_amount.asset_scale, "");
    double rate = q.send_amount ? (double)q.receive_amount.value / (double)q.send_amount : 0;
    for (int i = q.receive_amount.asset_scale; i < q.debit_amount.asset_scale; i++)
        rate *= 10;
    for (int i = q.debit_amount.asset_scale; i < q.receive_amount.asset_scale; i++)
        rate /= 10;
    buf_printf(&b, "</li><li>Rate: 1 %s = %.4f %s</li><li>Valid for %lld seconds</li></ul>",
               q.debit_amount.asset_code, rate, q.receive_amount.asset_code,
               (long long)((q.expires_ms - clock_wall_ms()) / 1000));
    buf_printf(&b, "<form method=\"post\" action=\"/wallet/pay\">");
    page_hidden(&b, "csrf", csrf);
    page_hidden(&b, "from", from);
    page_hidden(&b, "quote", qid);
    buf_printf(&b, "<div class=\"actions\"><button class=\"accept\" type=\"submit\">Pay</button>"
                   "</div></form><p><a href=\"/wallet\">Cancel</a></p>");
    return page_send(req, 200, &b);
}

static http_handler_result_t pay_post(http_req_t *req, void *user)
{
    ui_t *ui = user;
    user_t u;
    char csrf[USER_CSRF_LEN + 1], from[UI_FIELD_MAX], quote[UI_FIELD_MAX];
    wallet_address_t w;
    ledger_id_t qid;
    if (!signed_in(req, ui, &u, csrf) || !page_form_request(req) || !csrf_ok(req, csrf))
        return HTTP_DONE;
    if (!page_form_field(req, "from", from, sizeof from) ||
        !page_form_field(req, "quote", quote, sizeof quote) ||
        ledger_id_parse(quote, strlen(quote), &qid) != 0)
        return page_message(req, 400, "Bad request", "The form was incomplete.");
    if (!own_wallet(req, ui, &u, from, &w))
        return HTTP_DONE;
    outgoing_payment_request_t pr = {.wallet_address_id = w.id, .quote_id = qid};
    outgoing_payment_t p;
    outgoing_payment_result_t r = outgoing_payment_create(ui->outgoing, &pr, &p);
    if (r != OUTGOING_PAYMENT_OK) {
        char why[160];
        snprintf(why, sizeof why, "The payment was not made (%s).", outgoing_payment_result_str(r));
        return page_message(req, r == OUTGOING_PAYMENT_STORAGE_ERROR ? 503 : 422, "Payment refused",
                            why);
    }
    char loc[64 + LEDGER_ID_STR_LEN];
    char pid[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(p.id, pid);
    snprintf(loc, sizeof loc, "/wallet/payments/%s", pid);
    return page_see_other(req, loc);
}

static http_handler_result_t payment_get(http_req_t *req, void *user)
{
    ui_t *ui = user;
    user_t u;
    char csrf[USER_CSRF_LEN + 1];
    if (!signed_in(req, ui, &u, csrf))
        return HTTP_DONE;
    const char *ids = http_req_param(req, "id");
    ledger_id_t id;
    outgoing_payment_t p;
    quote_t q;
    wallet_address_t w;
    char wid[LEDGER_ID_STR_LEN + 1];
    if (ledger_id_parse(ids, strlen(ids), &id) != 0 ||
        outgoing_payment_get(ui->outgoing, id, &p) != OUTGOING_PAYMENT_OK ||
        quote_get(ui->quotes->db, p.quote_id, &q) != QUOTE_OK)
        return page_message(req, 404, "Unknown payment", "There is no such payment.");
    ledger_id_format(p.wallet_address_id, wid);
    if (!own_wallet(req, ui, &u, wid, &w))
        return HTTP_DONE;
    bool final = p.state == OUTGOING_PAYMENT_COMPLETED || p.state == OUTGOING_PAYMENT_FAILED ||
                 p.state == OUTGOING_PAYMENT_CANCELLED;
    buf_t b;
    page_begin(&b, final ? "Payment" : "Sending…");
    if (!final) /* no script: the page asks again every second until the payment ends */
        buf_printf(&b, "<meta http-equiv=\"refresh\" content=\"1\">");
    buf_printf(&b, "<h1>Payment</h1><p>To <code>");
    page_escape(&b, q.receiver);
    buf_printf(&b,
               "</code></p><p role=\"status\" aria-live=\"polite\">State: <strong "
               "data-state=\"%s\">%s</strong></p><p>Sent ",
               outgoing_payment_state_str(p.state), outgoing_payment_state_str(p.state));
    money(&b, p.sent_amount, q.debit_amount.asset_code, q.debit_amount.asset_scale, "");
    buf_printf(&b, " of ");
    money(&b, q.send_amount, q.debit_amount.asset_code, q.debit_amount.asset_scale, "");
    if (p.error[0]) {
        buf_printf(&b, "</p><p role=\"alert\">Why: ");
        page_escape(&b, p.error);
    }
    buf_printf(&b, "</p><p><a href=\"/wallet\">Back to your wallet</a></p>");
    return page_send(req, 200, &b);
}

/* ---- request ---- */

static http_handler_result_t request_post(http_req_t *req, void *user)
{
    ui_t *ui = user;
    user_t u;
    char csrf[USER_CSRF_LEN + 1], wid[UI_FIELD_MAX], amount[64];
    wallet_address_t w;
    if (!signed_in(req, ui, &u, csrf) || !page_form_request(req) || !csrf_ok(req, csrf))
        return HTTP_DONE;
    if (!page_form_field(req, "wallet", wid, sizeof wid) ||
        !page_form_field(req, "amount", amount, sizeof amount))
        return page_message(req, 400, "Bad request", "The form was incomplete.");
    if (!own_wallet(req, ui, &u, wid, &w))
        return HTTP_DONE;
    incoming_payment_new_t in = {.wallet_address_id = w.id, .has_incoming_amount = true};
    if (amount_parse(amount, w.asset_scale, &in.incoming_amount) != 0)
        return page_message(req, 400, "Check the amount", "Enter an amount such as 12.50.");
    incoming_payment_t ip;
    db_err_t e;
    incoming_payment_result_t r = incoming_payment_create(ui->wallet, &in, &ip, &e);
    if (r != INCOMING_PAYMENT_OK) {
        char why[160];
        snprintf(why, sizeof why, "No incoming payment was made (%s).",
                 incoming_payment_result_str(r));
        return page_message(req, 422, "Refused", why);
    }
    char id[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(ip.id, id);
    buf_t b;
    page_begin(&b, "Incoming payment");
    buf_printf(&b, "<h1>Incoming payment for ");
    money(&b, in.incoming_amount, w.asset_code, w.asset_scale, "");
    buf_printf(&b, "</h1><p>Give this address to whoever pays you:</p><p><code "
                   "data-incoming-payment>");
    page_escape(&b, ui->wallet->op_url);
    buf_printf(&b,
               "/incoming-payments/%s</code></p><p><a href=\"/wallet\">Back to your "
               "wallet</a></p>",
               id);
    return page_send(req, 201, &b);
}

static const http_route_t ROUTES[] = {
    {"GET", "/wallet", wallet_get, 0},
    {"POST", "/wallet/login", login_post, UI_FORM_MAX},
    {"POST", "/wallet/logout", logout_post, UI_FORM_MAX},
    {"POST", "/wallet/quote", quote_post, UI_FORM_MAX},
    {"POST", "/wallet/pay", pay_post, UI_FORM_MAX},
    {"GET", "/wallet/payments/{id}", payment_get, 0},
    {"POST", "/wallet/request", request_post, UI_FORM_MAX},
};

int wallet_ui_register(http_server_t *s, const wallet_ui_config_t *cfg)
{
    ASSERT(cfg->login);
    return http_server_routes(s, ROUTES, HTTP_ROUTES_N(ROUTES), (void *)cfg);
}
