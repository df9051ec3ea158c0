/*
 * The built-in login and consent screens of the GNAP interaction (the default
 * IDENTITY_SERVER_URL, {AUTH_SERVER_URL}/consent), server-rendered HTML on AUTH_PORT that needs
 * no JavaScript:
 *
 *   GET  /consent?interactId=&nonce=   the login form, or once signed in the consent screen:
 *                                      the client's name and wallet address (as the grant
 *                                      stored them, not the query), each access item in words
 *                                      with amounts in their asset and scale and the interval
 *                                      in words, each wallet address the grant's subject asks
 *                                      the user to prove as theirs, Accept and Decline
 *   POST /login                        csrf (login.h's form token), username, password
 *                                      (users.h, through login_attempt) -> a session cookie
 *                                      (HttpOnly, SameSite=Lax, Secure on https), 303 back
 *   POST /consent                      csrf, interactId, nonce, decision=accept|reject: the
 *                                      signed-in user must own every wallet address the grant
 *                                      names (access identifiers and subjects: accepting a
 *                                      subject is the proof of ownership); then
 * auth_interaction_decide and 303 to {AUTH_SERVER_URL}/interact/{id}/{nonce}/finish, the only place
 * it ever redirects to
 *
 * Refusals are pages too: 400 (bad form), 403 (CSRF, another user's wallet address), 404
 * (unknown interaction), 409 (already decided), 410 (expired), 429 (too many failed sign-ins,
 * with Retry-After), 503 (too many password checks at once, with Retry-After).
 *
 * Threads: handlers run on the listener's workers and block on the database (and ~50 ms of
 * scrypt per login).
 */
#ifndef RAFIKI_WEB_CONSENT_H
#define RAFIKI_WEB_CONSENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/auth.h"
#include "web/login.h"
#include "base/slice.h"
#include "http/server.h"
#include "payments/wallet_address.h"

typedef struct {
    auth_t *auth;
    db_t *db;
    const wallet_ctx_t *wallet; /* whose wallet addresses a signed-in user owns */
    login_t *login;             /* the sign-in's limits and form tokens */
    const char *auth_url;       /* AUTH_SERVER_URL */
    int64_t session_ttl_ms;     /* 0: one hour */
} consent_config_t;

/* Registers the routes above on s (the AUTH_PORT listener); cfg outlives the server. */
int consent_register(http_server_t *s, const consent_config_t *cfg);

/* An ISO 8601 repeating interval in words ("every month from 2026-01-01 00:00 UTC, 12 times"),
 * or the text itself when it does not parse. */
void consent_interval(const char *iso, char *out, size_t cap);

#endif
