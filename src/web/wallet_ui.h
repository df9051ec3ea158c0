/*
 * The wallet's own web pages on AUTH_PORT (the playground's role of the TypeScript Rafiki's
 * mock wallet): server-rendered HTML that needs no JavaScript, for the users of the built-in
 * login (users.h), sharing the consent screen's session:
 *
 *   GET  /wallet                  sign-in form, or the user's wallet addresses: balance, recent
 *                                 transactions, a form to send and a form to request money
 *   POST /wallet/login            csrf (login.h's form token), username, password (through
 *                                 login_attempt: 429 or 503 with Retry-After when refused
 *                                 unchecked) -> session cookie, 303 /wallet
 *   POST /wallet/logout           csrf: ends the session (its row and the cookie)
 *   POST /wallet/quote            csrf, from (wallet address id), to (a wallet address URL, a
 *                                 payment pointer or an incoming-payment URL), amount (what to
 *                                 send, in the sender's asset; optional for an incoming payment
 *                                 that names its amount): the quote (debit, receive, fee, rate,
 *                                 expiry) with Confirm
 *   POST /wallet/pay              csrf, from, quote: the outgoing payment, 303 to its page
 *   GET  /wallet/payments/{id}    its progress (refreshes itself until final)
 *   POST /wallet/request          csrf, wallet (id), amount: a new incoming payment and its URL
 *
 * Every form carries the session's CSRF token (the sign-in form, before any session, login.h's); a
 * user sees and uses only their own wallet addresses and payments. Served when the backend and the
 * authorization server share the process (rafiki serve with all components).
 *
 * Threads: handlers run on the auth listener's workers and block on the database, the ledger
 * and, for remote receivers, the network (a quote's rate probe).
 */
#ifndef RAFIKI_WEB_WALLET_UI_H
#define RAFIKI_WEB_WALLET_UI_H

#include "payments/outgoing_payment.h"
#include "payments/quote.h"
#include "payments/wallet_address.h"
#include "web/login.h"
#include "http/server.h"

typedef struct {
    db_t *db;
    ledger_t *ledger;
    const wallet_ctx_t *wallet;
    quote_svc_t *quotes;
    outgoing_payments_t *outgoing;
    const char *auth_url; /* AUTH_SERVER_URL: the cookie is Secure when it is https */
    login_t *login;       /* the sign-in's limits and form tokens */
} wallet_ui_config_t;

/* Registers the routes above on s; cfg outlives the server. 0 or -1. */
int wallet_ui_register(http_server_t *s, const wallet_ui_config_t *cfg);

#endif
