/*
 * The built-in login and consent screens (see consent.h).
 */
#include "web/consent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/pages.h"
#include "payments/users.h"
#include "base/assert.h"
#include "base/civil.h"
#include "base/codec.h"
#include "base/interval.h"
#include "base/log.h"
#include "http/form.h"

#define FORM_MAX       (8u * 1024u)
#define FIELD_MAX      512
#define SESSION_TTL_MS (60 * 60 * 1000)

typedef const consent_config_t cc_t;

/* ---- words and numbers ---- */

static void unit(buf_t *b, uint32_t n, const char *name, bool *first)
{
    if (!n)
        return;
    buf_printf(b, "%s", *first ? "" : " ");
    if (n == 1)
        buf_printf(b, "%s", name);
    else
        buf_printf(b, "%u %ss", n, name);
    *first = false;
}

void consent_interval(const char *iso, char *out, size_t cap)
{
    iso_interval_t iv;
    if (!iso || iso_interval_parse(iso, strlen(iso), &iv) != ISO_INTERVAL_OK) {
        snprintf(out, cap, "%s", iso ? iso : "");
        return;
    }
    buf_t b;
    buf_init(&b, 512);
    bool first = true;
    buf_printf(&b, "every ");
    const iso_duration_t *d = &iv.duration;
    unit(&b, d->years, "year", &first);
    unit(&b, d->months, "month", &first);
    unit(&b, d->weeks, "week", &first);
    unit(&b, d->days, "day", &first);
    unit(&b, d->hours, "hour", &first);
    unit(&b, d->minutes, "minute", &first);
    unit(&b, d->seconds, "second", &first);
    int64_t y;
    int mo, dd;
    int64_t day = iv.start_ms >= 0 ? iv.start_ms / 86400000 : (iv.start_ms - 86399999) / 86400000;
    int64_t ms = iv.start_ms - day * 86400000;
    civil_date_from_days(day, &y, &mo, &dd);
    buf_printf(&b, " from %04lld-%02d-%02d %02d:%02d UTC", (long long)y, mo, dd,
               (int)(ms / 3600000), (int)(ms / 60000 % 60));
    if (iv.repetitions)
        buf_printf(&b, ", %u time%s", iv.repetitions, iv.repetitions == 1 ? "" : "s");
    buf_push(&b, 0);
    snprintf(out, cap, "%s", b.failed ? iso : (const char *)b.ptr);
    buf_free(&b);
}

/* ---- pages ---- */

static http_handler_result_t login_page(http_req_t *req, cc_t *cc, unsigned status, const char *id,
                                        const char *nonce, const char *error)
{
    buf_t b;
    page_begin(&b, "Sign in");
    page_login_begin(&b, "/login", error);
    page_login_csrf(req, cc->login, &b, cc->auth_url);
    page_hidden(&b, "interactId", id);
    page_hidden(&b, "nonce", nonce);
    page_login_end(&b);
    return page_send(req, status, &b);
}

/* One access item in words. */
static void describe(buf_t *b, const json_t *item)
{
    const char *type = json_string_value(json_object_get(item, "type"));
    const char *ident = json_string_value(json_object_get(item, "identifier"));
    const json_t *limits = json_object_get(item, "limits");
    buf_printf(b, "<li>");
    if (type && strcmp(type, "outgoing-payment") == 0)
        buf_printf(b, "<strong>Send payments</strong> from ");
    else if (type && strcmp(type, "incoming-payment") == 0)
        buf_printf(b, "<strong>Request payments</strong> into ");
    else
        buf_printf(b, "<strong>Get quotes</strong> for payments from ");
    if (ident) {
        buf_printf(b, "<code>");
        page_escape(b, ident);
        buf_printf(b, "</code>");
    } else {
        buf_printf(b, "your wallet addresses");
    }
    buf_printf(b, " (may: ");
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(item, "actions"), i, a)
    {
        buf_printf(b, "%s", i ? ", " : "");
        page_escape(b, json_string_value(a));
    }
    buf_printf(b, ")");
    static const char *const amounts[][2] = {{"debitAmount", "taken from your account"},
                                             {"receiveAmount", "delivered"}};
    for (size_t k = 0; limits && k < 2; k++) {
        const json_t *amt = json_object_get(limits, amounts[k][0]);
        const char *v = json_string_value(json_object_get(amt, "value"));
        const char *code = json_string_value(json_object_get(amt, "assetCode"));
        if (!v || !code)
            continue;
        char num[48];
        decimal_format(strtoull(v, NULL, 10),
                       (uint8_t)json_integer_value(json_object_get(amt, "assetScale")), num,
                       sizeof num);
        char line[160];
        snprintf(line, sizeof line, "at most %s %s %s", code, num, amounts[k][1]);
        buf_printf(b, "; ");
        page_escape(b, line);
    }
    const char *iv = json_string_value(json_object_get(limits, "interval"));
    if (iv) {
        char words[256];
        consent_interval(iv, words, sizeof words);
        buf_printf(b, ", ");
        page_escape(b, words);
    } else if (limits && (json_object_get(limits, "debitAmount") ||
                          json_object_get(limits, "receiveAmount"))) {
        buf_printf(b, " in all");
    }
    const char *rcv = json_string_value(json_object_get(limits, "receiver"));
    if (rcv) {
        buf_printf(b, "; only to <code>");
        page_escape(b, rcv);
        buf_printf(b, "</code>");
    }
    buf_printf(b, "</li>");
}

static http_handler_result_t consent_page(http_req_t *req, cc_t *cc, const user_t *u,
                                          const char *csrf, const char *id, const char *nonce,
                                          const auth_interaction_t *it)
{
    (void)cc;
    buf_t b;
    char title[WALLET_ADDRESS_NAME_MAX + 32];
    snprintf(title, sizeof title, "Allow %s?", it->client_name);
    page_begin(&b, title);
    buf_printf(&b, "<p class=\"who\">Signed in as ");
    page_escape(&b, u->username);
    /* a grant of its subject alone asks only for the user's word that the address is theirs */
    bool only_subject = json_array_size(it->access) == 0;
    buf_printf(&b, only_subject ? "</p><h1>Confirm to <strong>" : "</p><h1>Allow <strong>");
    page_escape(&b, it->client_name);
    buf_printf(&b, only_subject ? "</strong> that this wallet address is yours?</h1>"
                                : "</strong> to use your wallet?</h1>");
    buf_printf(&b, "<p>The app identifies as <code>");
    page_escape(&b, it->client);
    buf_printf(&b, "</code>. It asks to:</p><ul>");
    size_t i;
    json_t *item;
    json_array_foreach(it->access, i, item) describe(&b, item);
    for (i = 0; i < it->n_subjects; i++) {
        buf_printf(&b, "<li><strong>Know that you own</strong> <code>");
        page_escape(&b, it->subjects[i].sub_id);
        buf_printf(&b, "</code></li>");
    }
    buf_printf(&b, "</ul><form method=\"post\" action=\"/consent\">");
    page_hidden(&b, "csrf", csrf);
    page_hidden(&b, "interactId", id);
    page_hidden(&b, "nonce", nonce);
    buf_printf(&b, "<div class=\"actions\"><button class=\"accept\" type=\"submit\" "
                   "name=\"decision\" value=\"accept\">Accept</button><button type=\"submit\" "
                   "name=\"decision\" value=\"reject\">Decline</button></div></form>");
    return page_send(req, 200, &b);
}

/* ---- requests ---- */

/* The interaction for the page: answers with a refusal page and returns false when unusable. */
static bool interaction_of(http_req_t *req, cc_t *cc, const char *id, const char *nonce,
                           auth_interaction_t *it)
{
    auth_result_t r = auth_interaction_get(cc->auth, id, nonce, it);
    if (r == AUTH_OK && it->state == AUTH_INTERACTION_PENDING)
        return true;
    if (r == AUTH_OK)
        json_decref(it->access);
    if (r == AUTH_NOT_FOUND)
        page_message(req, 404, "Unknown request", "This authorization request does not exist.");
    else if (r == AUTH_EXPIRED)
        page_message(req, 410, "Request expired",
                     "This authorization request has expired. Start "
                     "again from the app.");
    else if (r == AUTH_STORAGE_ERROR)
        page_message(req, 503, "Try again", "The wallet cannot answer right now.");
    else
        page_message(req, 409, "Already answered",
                     "This authorization request was already "
                     "accepted, declined or withdrawn.");
    return false;
}

static http_handler_result_t consent_get(http_req_t *req, void *user)
{
    cc_t *cc = user;
    const char *id = http_req_query(req, "interactId"), *nonce = http_req_query(req, "nonce");
    if (!id || !nonce || strlen(id) > FIELD_MAX || strlen(nonce) > FIELD_MAX)
        return page_message(req, 400, "Bad request", "interactId and nonce are required.");
    auth_interaction_t it;
    if (!interaction_of(req, cc, id, nonce, &it))
        return HTTP_DONE;
    user_t u;
    char csrf[USER_CSRF_LEN + 1];
    http_handler_result_t r = page_session(req, cc->db, &u, csrf)
                                  ? consent_page(req, cc, &u, csrf, id, nonce, &it)
                                  : login_page(req, cc, 200, id, nonce, NULL);
    json_decref(it.access);
    return r;
}

static http_handler_result_t login_post(http_req_t *req, void *user)
{
    cc_t *cc = user;
    char name[USER_NAME_MAX + 1], pw[USER_PASSWORD_MAX + 1], id[FIELD_MAX], nonce[FIELD_MAX];
    if (!page_form_request(req) || !page_form_field(req, "interactId", id, sizeof id) ||
        !page_form_field(req, "nonce", nonce, sizeof nonce))
        return page_message(req, 400, "Bad request", "The sign-in form was incomplete.");
    if (!page_login_csrf_ok(req, cc->login))
        return HTTP_DONE;
    if (!page_form_field(req, "username", name, sizeof name) ||
        !page_form_field(req, "password", pw, sizeof pw))
        return login_page(req, cc, 400, id, nonce, "Enter your user name and password.");
    user_t u;
    unsigned status;
    const char *msg;
    login_result_t r = page_login_run(req, cc->login, name, pw, &u, &status, &msg);
    if (r == LOGIN_UNAVAILABLE)
        return page_message(req, status, "Try again", msg);
    if (r != LOGIN_OK)
        return login_page(req, cc, status, id, nonce, msg);
    char cookie[USER_SESSION_LEN + 1], csrf[USER_CSRF_LEN + 1];
    if (users_session_new(cc->db, &u, cc->session_ttl_ms ? cc->session_ttl_ms : SESSION_TTL_MS,
                          cookie, csrf) != USERS_OK)
        return page_message(req, 503, "Try again", "The wallet cannot sign you in right now.");
    char loc[2 * 3 * FIELD_MAX + 64], qi[3 * FIELD_MAX], qn[3 * FIELD_MAX];
    page_session_cookie(req, cookie, cc->auth_url);
    form_encode(id, qi, sizeof qi);
    form_encode(nonce, qn, sizeof qn);
    snprintf(loc, sizeof loc, "/consent?interactId=%s&nonce=%s", qi, qn);
    return page_see_other(req, loc);
}

/* Whether user_id owns every wallet address the grant names: its access items' identifiers and
 * its subjects. USERS_OK, USERS_NOT_FOUND (one is not theirs) or USERS_ERROR. */
static users_result_t owns_all(cc_t *cc, const char *user_id, const auth_interaction_t *it)
{
    size_t i;
    json_t *item;
    json_array_foreach(it->access, i, item)
    {
        const char *ident = json_string_value(json_object_get(item, "identifier"));
        users_result_t r = ident ? users_owns(cc->wallet, user_id, ident) : USERS_OK;
        if (r != USERS_OK)
            return r;
    }
    for (i = 0; i < it->n_subjects; i++) {
        users_result_t r = users_owns(cc->wallet, user_id, it->subjects[i].sub_id);
        if (r != USERS_OK)
            return r;
    }
    return USERS_OK;
}

static http_handler_result_t consent_post(http_req_t *req, void *user)
{
    cc_t *cc = user;
    char id[FIELD_MAX], nonce[FIELD_MAX], token[USER_CSRF_LEN + 8], decision[16];
    if (!page_form_request(req) || !page_form_field(req, "interactId", id, sizeof id) ||
        !page_form_field(req, "nonce", nonce, sizeof nonce) ||
        !page_form_field(req, "decision", decision, sizeof decision) ||
        (strcmp(decision, "accept") != 0 && strcmp(decision, "reject") != 0))
        return page_message(req, 400, "Bad request", "The consent form was incomplete.");
    user_t u;
    char csrf[USER_CSRF_LEN + 1];
    if (!page_session(req, cc->db, &u, csrf))
        return login_page(req, cc, 401, id, nonce, "Sign in again to answer this request.");
    if (!page_form_field(req, "csrf", token, sizeof token) || strlen(token) != USER_CSRF_LEN ||
        strcmp(token, csrf) != 0)
        return page_message(req, 403, "Request refused",
                            "The form did not come from this page "
                            "(missing or wrong CSRF token).");
    auth_interaction_t it;
    if (!interaction_of(req, cc, id, nonce, &it))
        return HTTP_DONE;
    users_result_t owned = owns_all(cc, u.id, &it);
    json_decref(it.access);
    if (owned != USERS_OK)
        return owned == USERS_ERROR
                   ? page_message(req, 503, "Try again", "The wallet cannot answer right now.")
                   : page_message(req, 403, "Not your wallet address",
                                  "This request is for a wallet address that is not yours.");
    auth_result_t r =
        auth_interaction_decide(cc->auth, id, nonce, strcmp(decision, "accept") == 0, u.username);
    if (r != AUTH_OK)
        return interaction_of(req, cc, id, nonce, &it)
                   ? (json_decref(it.access),
                      page_message(req, 409, "Already answered", "This request was answered."))
                   : HTTP_DONE;
    char loc[WALLET_ADDRESS_URL_MAX + 2 * FIELD_MAX + 32];
    snprintf(loc, sizeof loc, "%s/interact/%s/%s/finish", cc->auth_url, id, nonce);
    return page_see_other(req, loc);
}

static const http_route_t ROUTES[] = {
    {"GET", "/consent", consent_get, 0},
    {"POST", "/login", login_post, FORM_MAX},
    {"POST", "/consent", consent_post, FORM_MAX},
};

int consent_register(http_server_t *s, const consent_config_t *cfg)
{
    ASSERT(cfg->login);
    return http_server_routes(s, ROUTES, HTTP_ROUTES_N(ROUTES), (void *)cfg);
}
