/* Shared pieces of the auth port's HTML pages (see pages.h). */
#include "web/pages.h"

#include <stdio.h>
#include <string.h>

#include "http/form.h"

void page_escape(buf_t *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            buf_printf(b, "&amp;");
            break;
        case '<':
            buf_printf(b, "&lt;");
            break;
        case '>':
            buf_printf(b, "&gt;");
            break;
        case '"':
            buf_printf(b, "&quot;");
            break;
        case '\'':
            buf_printf(b, "&#39;");
            break;
        default:
            buf_push(b, (uint8_t)*s);
        }
    }
}

static const char STYLE[] =
    "body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1b1f24}"
    "main{max-width:34rem;margin:2rem auto;background:#fff;padding:1.5rem;border-radius:.5rem;"
    "box-shadow:0 1px 3px rgba(0,0,0,.15)}h1{font-size:1.35rem}li{margin:.4rem 0}"
    "label{display:block;margin:.6rem 0 .2rem}input[type=text],input[type=password]{width:100%;"
    "padding:.5rem;font-size:1rem;box-sizing:border-box}.actions{display:flex;gap:.75rem;"
    "margin-top:1.25rem}button{font-size:1rem;padding:.6rem 1.2rem;border-radius:.35rem;"
    "border:1px solid #888;background:#fff}button.accept{background:#1d6f42;color:#fff;"
    "border-color:#1d6f42}code{word-break:break-all}.who{color:#555;font-size:.9rem}"
    "table{width:100%;border-collapse:collapse}td,th{text-align:left;padding:.3rem .2rem;"
    "border-bottom:1px solid #e3e5e8;font-size:.92rem}.amount{text-align:right}"
    ".balance{font-size:1.6rem;margin:.2rem 0 1rem}section{margin-top:1.5rem}"
    "tr.low td{background:#fdecea}";

void page_begin(buf_t *b, const char *title)
{
    buf_init(b, PAGE_MAX);
    buf_printf(b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                  "<title>");
    page_escape(b, title);
    buf_printf(b, "</title><style>%s</style></head><body><main>", STYLE);
}

http_handler_result_t page_send(http_req_t *req, unsigned status, buf_t *b)
{
    buf_printf(b, "</main></body></html>\n");
    http_req_add_header(req, "Cache-Control", "no-store");
    http_req_add_header(req, "X-Frame-Options", "DENY");
    http_req_add_header(req, "Content-Security-Policy",
                        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
    if (b->failed)
        http_respond(req, 500, "text/plain; charset=utf-8", "page too large\n", 15);
    else
        http_respond(req, status, "text/html; charset=utf-8", b->ptr, b->len);
    buf_free(b);
    return HTTP_DONE;
}

http_handler_result_t page_message(http_req_t *req, unsigned status, const char *title,
                                   const char *text)
{
    buf_t b;
    page_begin(&b, title);
    buf_printf(&b, "<h1>");
    page_escape(&b, title);
    buf_printf(&b, "</h1><p>");
    page_escape(&b, text);
    buf_printf(&b, "</p>");
    return page_send(req, status, &b);
}

void page_hidden(buf_t *b, const char *name, const char *value)
{
    buf_printf(b, "<input type=\"hidden\" name=\"%s\" value=\"", name);
    page_escape(b, value);
    buf_printf(b, "\">");
}

void page_login_begin(buf_t *b, const char *action, const char *error)
{
    buf_printf(b, "<h1>Sign in to your wallet</h1>");
    if (error) {
        buf_printf(b, "<p role=\"alert\">");
        page_escape(b, error);
        buf_printf(b, "</p>");
    }
    buf_printf(b, "<form method=\"post\" action=\"%s\">", action);
}

void page_login_end(buf_t *b)
{
    buf_printf(b, "<label for=\"username\">User name</label><input type=\"text\" "
                  "id=\"username\" name=\"username\" autocomplete=\"username\" required>"
                  "<label for=\"password\">Password</label><input type=\"password\" "
                  "id=\"password\" name=\"password\" autocomplete=\"current-password\" required>"
                  "<div class=\"actions\"><button class=\"accept\" type=\"submit\">Sign in"
                  "</button></div></form>");
}

http_handler_result_t page_see_other(http_req_t *req, const char *location)
{
    http_req_add_header(req, "Location", location);
    http_req_add_header(req, "Cache-Control", "no-store");
    http_respond(req, 303, NULL, NULL, 0);
    return HTTP_DONE;
}

bool page_form_request(const http_req_t *req)
{
    return http_req_content_type_is(req, "application/x-www-form-urlencoded");
}

bool page_form_field(const http_req_t *req, const char *name, char *out, size_t cap)
{
    return form_get(http_req_body(req), name, out, cap) >= 0;
}

bool page_cookie(const http_req_t *req, const char *name, char *out, size_t cap)
{
    const char *c = http_req_header(req, "Cookie");
    size_t n = strlen(name);
    while (c && *c) {
        while (*c == ' ' || *c == ';')
            c++;
        if (strncmp(c, name, n) == 0 && c[n] == '=') {
            size_t len = strcspn(c + n + 1, ";");
            if (len >= cap)
                return false;
            memcpy(out, c + n + 1, len);
            out[len] = '\0';
            return true;
        }
        c = strchr(c, ';');
    }
    return false;
}

bool page_session(const http_req_t *req, db_t *db, user_t *u, char csrf[USER_CSRF_LEN + 1])
{
    char v[USER_SESSION_LEN + 1];
    return page_cookie(req, SESSION_COOKIE, v, sizeof v) && strlen(v) == USER_SESSION_LEN &&
           users_session_get(db, v, u, csrf) == USERS_OK;
}

static const char *secure(const char *base_url)
{
    return strncmp(base_url, "https://", 8) == 0 ? "; Secure" : "";
}

void page_session_cookie(http_req_t *req, const char *cookie, const char *base_url)
{
    char set[160];
    snprintf(set, sizeof set, SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Lax%s", cookie,
             secure(base_url));
    http_req_add_header(req, "Set-Cookie", set);
}

void page_session_end(http_req_t *req, db_t *db)
{
    char v[USER_SESSION_LEN + 1];
    if (page_cookie(req, SESSION_COOKIE, v, sizeof v) && strlen(v) == USER_SESSION_LEN)
        users_session_end(db, v);
    http_req_add_header(req, "Set-Cookie",
                        SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
}

/* ---- sign-in ---- */

void page_login_csrf(http_req_t *req, const login_t *l, buf_t *b, const char *base_url)
{
    char nonce[LOGIN_CSRF_NONCE_LEN + 1], token[LOGIN_CSRF_TOKEN_LEN + 1];
    if (!page_cookie(req, LOGIN_CSRF_COOKIE, nonce, sizeof nonce) ||
        !login_csrf_token(l, nonce, token)) {
        char set[160];
        login_csrf_nonce(nonce);
        login_csrf_token(l, nonce, token);
        snprintf(set, sizeof set, LOGIN_CSRF_COOKIE "=%s; Path=/; HttpOnly; SameSite=Lax%s", nonce,
                 secure(base_url));
        http_req_add_header(req, "Set-Cookie", set);
    }
    page_hidden(b, "csrf", token);
}

bool page_login_csrf_ok(http_req_t *req, const login_t *l)
{
    char nonce[LOGIN_CSRF_NONCE_LEN + 1], token[LOGIN_CSRF_TOKEN_LEN + 1];
    if (page_cookie(req, LOGIN_CSRF_COOKIE, nonce, sizeof nonce) &&
        page_form_field(req, "csrf", token, sizeof token) && login_csrf_check(l, nonce, token))
        return true;
    page_message(req, 403, "Request refused",
                 "The sign-in form did not come from this site (its security token is missing "
                 "or wrong). Open the sign-in page again.");
    return false;
}

login_result_t page_login_run(http_req_t *req, login_t *l, const char *name, const char *pw,
                              user_t *u, unsigned *status, const char **msg)
{
    char addr[LOGIN_ADDR_MAX], retry[16];
    if (http_req_client_addr(req, addr, sizeof addr) != 0)
        addr[0] = '\0';
    uint32_t retry_s = 0;
    login_result_t r = login_attempt(l, addr, name, pw, u, &retry_s);
    if (retry_s) {
        snprintf(retry, sizeof retry, "%u", retry_s);
        http_req_add_header(req, "Retry-After", retry);
    }
    static const struct {
        unsigned status;
        const char *msg;
    } answers[] = {
        [LOGIN_OK] = {200, NULL},
        [LOGIN_DENIED] = {401, "Wrong user name or password."},
        [LOGIN_LOCKED] = {429, "Too many sign-in attempts. Try again later."},
        [LOGIN_BUSY] = {503, "The wallet is busy. Try again in a moment."},
        [LOGIN_UNAVAILABLE] = {503, "The wallet cannot sign you in right now."},
    };
    *status = answers[r].status;
    *msg = answers[r].msg;
    return r;
}
