/*
 * What the server-rendered pages of the auth port share (the consent screen, consent.h, and
 * the wallet pages, wallet_ui.h): one HTML frame with its style and security headers, refusal
 * pages, form fields, the 303 after a POST, and the session cookie of the built-in login
 * (users.h: HttpOnly, SameSite=Lax, Secure on https; its CSRF token is checked on every form),
 * and the sign-in: its form's token (login.h's signed double submit) and the guarded attempt.
 *
 * Threads: any handler thread; nothing here keeps state.
 */
#ifndef RAFIKI_WEB_PAGES_H
#define RAFIKI_WEB_PAGES_H

#include <stdbool.h>

#include "payments/users.h"
#include "web/login.h"
#include "base/slice.h"
#include "http/server.h"
#include "store/db.h"

#define PAGE_MAX       (256u * 1024u)
#define SESSION_COOKIE "rafiki_session"

/* Starts a page (doctype, head with title and style, <main>) in b, initialised here. */
void page_begin(buf_t *b, const char *title);
/* Ends the page, answers it with status and the security headers, frees b. */
http_handler_result_t page_send(http_req_t *req, unsigned status, buf_t *b);
/* A page of a title and one paragraph. */
http_handler_result_t page_message(http_req_t *req, unsigned status, const char *title,
                                   const char *text);
void page_hidden(buf_t *b, const char *name, const char *value);
/* The sign-in form: heading, the error if any, <form> posting to action (the caller may add
 * hidden fields before page_login_end), then user name, password and the button. */
void page_login_begin(buf_t *b, const char *action, const char *error);
void page_login_end(buf_t *b);
/* The sign-in form's hidden CSRF field, for the request's LOGIN_CSRF_COOKIE; when the request
 * has no valid one, a new cookie is set on the answer (Secure when base_url is https). */
void page_login_csrf(http_req_t *req, const login_t *l, buf_t *b, const char *base_url);
/* True when the sign-in form's csrf field matches its cookie; else answers 403, false. */
bool page_login_csrf_ok(http_req_t *req, const login_t *l);
/* Signs in with name and password through l for the request's client address: LOGIN_OK with
 * *u, else *status and *msg (for the form) say how to answer; Retry-After is already added to
 * the answer when the refusal has one. */
login_result_t page_login_run(http_req_t *req, login_t *l, const char *name, const char *pw,
                              user_t *u, unsigned *status, const char **msg);
/* 303 See Other to location (a path of this server). */
http_handler_result_t page_see_other(http_req_t *req, const char *location);
bool page_form_request(const http_req_t *req);
/* A field of the urlencoded body, decoded, into out; false when absent or too long. */
bool page_form_field(const http_req_t *req, const char *name, char *out, size_t cap);
/* The signed-in user of the request's session cookie and its CSRF token. */
bool page_session(const http_req_t *req, db_t *db, user_t *u, char csrf[USER_CSRF_LEN + 1]);
/* The value of the request's cookie name into out; false when absent or cap or longer. */
bool page_cookie(const http_req_t *req, const char *name, char *out, size_t cap);
/* Sets the session cookie (Secure when base_url is https). */
void page_session_cookie(http_req_t *req, const char *cookie, const char *base_url);
/* Ends the request's session (its row is deleted) and clears the cookie on the answer. */
void page_session_end(http_req_t *req, db_t *db);

/* Appends s to b with HTML's special characters escaped: every text of a page goes through it. */
void page_escape(buf_t *b, const char *s);

#endif
