/*
 * Token introspection over HTTP, for a resource server whose authorization server runs in
 * another process (`rafiki serve --components backend` beside `--components auth`): POSTs
 * {access_token, access: [{type, actions: [action], identifier}]} to the authorization
 * server's introspection listener (AUTH_SERVER_INTROSPECTION_URL, rafiki/token-introspection.yaml)
 * and reads the answer into op_access_t exactly as the in-process auth_introspect() does.
 *
 * Threads: auth_introspect_remote may be called from any thread except the HTTP client's own;
 * it blocks until the answer or the timeout. An unreachable or failing authorization server is
 * OP_ACCESS_ERROR (the resource server answers 401).
 */
#ifndef RAFIKI_AUTH_AUTH_REMOTE_H
#define RAFIKI_AUTH_AUTH_REMOTE_H

#include "auth/access.h"

#define AUTH_REMOTE_TIMEOUT_MS 5000u

typedef struct auth_remote auth_remote_t;

/* url: the introspection endpoint (e.g. http://auth:3007/); copied. NULL when the HTTP client
 * cannot start. */
auth_remote_t *auth_remote_new(const char *url);
void auth_remote_free(auth_remote_t *r);

/* An op_introspect_fn; user is the auth_remote_t. */
op_access_result_t auth_introspect_remote(void *user, const char *token, const char *type,
                                          const char *action, const char *identifier,
                                          op_access_t *out);

#endif
