/*
 * Admin routes of the built-in login's users (payments/users.h): POST /users, GET /users and
 * POST /users/{id}/wallet-addresses. A user is {"id", "username", "wallet_address_ids"}. And the
 * operator console's users (payments/console_users.h): POST, GET /console-users, PATCH and
 * DELETE /console-users/{name}.
 */
#include "admin/admin_users.h"

#include <stdio.h>
#include <string.h>

#include "payments/console_users.h"
#include "payments/json.h"
#include "payments/users.h"
#include "base/mem.h"

/* Wallet addresses a user can be given in one POST /users. */
#define USERS_CREATE_WALLETS_MAX 64

static const wallet_ctx_t *g_wallet;

static json_t *user_json(const user_t *u)
{
    char ids[USERS_CREATE_WALLETS_MAX][UUID_STR_LEN + 1];
    size_t n = 0;
    json_t *list = json_array();
    if (users_wallet_addresses(g_wallet->db, u->id, ids, USERS_CREATE_WALLETS_MAX, &n) != USERS_OK)
        n = 0;
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_string(ids[i]));
    return json_pack("{s:s,s:s,s:o}", "id", u->id, "username", u->username, "wallet_address_ids",
                     list);
}

/* body.wallet_address_ids (absent: none) into ids; answers 400 and returns -1 when malformed. */
static int wallet_ids(admin_call_t *call, const json_t *list, ledger_id_t *ids, size_t *n)
{
    *n = 0;
    if (!list)
        return 0;
    if (!json_is_array(list) || json_array_size(list) > USERS_CREATE_WALLETS_MAX) {
        admin_error(call, 400, "invalid_field", "'wallet_address_ids' must be a list of ids");
        return -1;
    }
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        const char *s = json_string_value(v);
        if (!s || ledger_id_parse(s, strlen(s), &ids[i]) != 0) {
            admin_error(call, 400, "invalid_field",
                        "wallet_address_ids must be wallet address ids");
            return -1;
        }
    }
    *n = json_array_size(list);
    return 0;
}

static http_handler_result_t user_create(admin_call_t *call)
{
    static const char *const keys[] = {"username", "password", "wallet_address_ids", NULL};
    json_t *body = admin_body(call);
    if (!body || admin_check_keys(call, body, "the user", keys) != 0)
        return HTTP_DONE;
    const char *name = json_string_value(json_object_get(body, "username"));
    const char *pw = json_string_value(json_object_get(body, "password"));
    if (!name || !users_name_ok(name))
        return admin_error(call, 400, "invalid_field",
                           "'username' must be 1-64 letters, digits or . - _ @");
    if (!pw || strlen(pw) < USER_PASSWORD_MIN || strlen(pw) > USER_PASSWORD_MAX)
        return admin_error(call, 400, "invalid_field", "'password' must be 8-256 characters");
    ledger_id_t ids[USERS_CREATE_WALLETS_MAX];
    size_t n, missing = 0;
    if (wallet_ids(call, json_object_get(body, "wallet_address_ids"), ids, &n) != 0)
        return HTTP_DONE;
    user_t u;
    switch (users_create(g_wallet, name, pw, ids, n, &u, &missing)) {
    case USERS_OK:
        return admin_reply(call, 201, user_json(&u));
    case USERS_CONFLICT:
        return admin_error(call, 409, "username_taken", "user %s exists", name);
    case USERS_NOT_FOUND: {
        char s[UUID_STR_LEN + 1];
        ledger_id_format(ids[missing], s);
        return admin_error(call, 404, "wallet_address_not_found", "no wallet address %s", s);
    }
    case USERS_INVALID:
        return admin_error(call, 400, "invalid_field", "the user name or password is not valid");
    default:
        return admin_error(call, 503, "storage_error", "the database is unavailable");
    }
}

/* GET /users: a page by id, as the other admin lists. */
static http_handler_result_t user_list(admin_call_t *call)
{
    size_t limit;
    ledger_id_t after;
    if (admin_query_limit(call, &limit) != 0 || admin_query_cursor(call, &after) != 0)
        return HTTP_DONE;
    char after_s[UUID_STR_LEN + 1];
    ledger_id_format(after, after_s);
    user_t page[ADMIN_PAGE_MAX + 1];
    size_t n;
    if (users_list(g_wallet->db, after_s, page, limit + 1, &n) != USERS_OK)
        return admin_error(call, 503, "storage_error", "the database is unavailable");
    json_t *list = json_array();
    for (size_t i = 0; i < n && i < limit; i++)
        json_array_append_new(list, user_json(&page[i]));
    json_t *next = n > limit ? json_string(page[limit - 1].id) : json_null();
    return admin_reply(call, 200, json_pack("{s:o,s:o}", "users", list, "next_cursor", next));
}

static http_handler_result_t user_link(admin_call_t *call)
{
    static const char *const keys[] = {"wallet_address_id", NULL};
    json_t *body = admin_body(call);
    ledger_id_t uid, wid;
    if (!body || admin_check_keys(call, body, "the link", keys) != 0 ||
        admin_path_id(call, "id", &uid) != 0)
        return HTTP_DONE;
    const char *ws = json_string_value(json_object_get(body, "wallet_address_id"));
    if (!ws || ledger_id_parse(ws, strlen(ws), &wid) != 0)
        return admin_error(call, 400, "invalid_field", "'wallet_address_id' must be an id");
    char id[UUID_STR_LEN + 1];
    ledger_id_format(uid, id);
    user_t u;
    switch (users_link(g_wallet, id, wid, &u)) {
    case USERS_OK:
        return admin_reply(call, 200, user_json(&u));
    case USERS_NOT_FOUND:
        return admin_error(call, 404, "user_not_found", "no user %s", id);
    case USERS_NO_WALLET:
        return admin_error(call, 404, "wallet_address_not_found", "no wallet address %s", ws);
    default:
        return admin_error(call, 503, "storage_error", "the database is unavailable");
    }
}

/* POST /console-users {"name", "role": "viewer"|"operator", "password"}: a user of the operator
 * console (console_users.h); the answer is {"id", "name", "role"}, never the password. */
static http_handler_result_t console_user_create_route(admin_call_t *call)
{
    static const char *const keys[] = {"name", "role", "password", NULL};
    json_t *body = admin_body(call);
    if (!body || admin_check_keys(call, body, "the console user", keys) != 0)
        return HTTP_DONE;
    const char *name = json_string_value(json_object_get(body, "name"));
    const char *pw = json_string_value(json_object_get(body, "password"));
    console_role_t role;
    if (!name || !users_name_ok(name))
        return admin_error(call, 400, "invalid_field",
                           "'name' must be 1-64 letters, digits or . - _ @");
    if (!console_role_parse(json_string_value(json_object_get(body, "role")), &role))
        return admin_error(call, 400, "invalid_field", "'role' must be viewer or operator");
    if (!pw || strlen(pw) < USER_PASSWORD_MIN || strlen(pw) > USER_PASSWORD_MAX)
        return admin_error(call, 400, "invalid_field", "'password' must be 8-256 characters");
    console_user_t u;
    switch (console_user_create(g_wallet->db, name, role, pw, &u)) {
    case CONSOLE_OK:
        return admin_reply(call, 201,
                           json_pack("{s:s,s:s,s:s}", "id", u.id, "name", u.name, "role",
                                     console_role_str(u.role)));
    case CONSOLE_CONFLICT:
        return admin_error(call, 409, "name_taken", "console user %s exists", name);
    case CONSOLE_INVALID:
        return admin_error(call, 400, "invalid_field", "the name, role or password is not valid");
    default:
        return admin_error(call, 503, "storage_error", "the database is unavailable");
    }
}

/* ---- the console users: list, role, delete (console_users.h; the console's users page calls
 * the same functions) ---- */

#define CONSOLE_USERS_PAGE_MAX 100

static json_t *console_user_json(const console_user_row_t *u)
{
    return json_pack("{s:s,s:s,s:s,s:o}", "id", u->user.id, "name", u->user.name, "role",
                     console_role_str(u->user.role), "created_at", pay_json_time(u->created_ms));
}

/* GET /console-users?cursor=NAME&limit=: the console users in name order, after NAME. */
static http_handler_result_t console_user_list_route(admin_call_t *call)
{
    size_t limit;
    if (admin_query_limit(call, &limit) != 0)
        return HTTP_DONE;
    if (limit > CONSOLE_USERS_PAGE_MAX)
        limit = CONSOLE_USERS_PAGE_MAX;
    const char *after = http_req_query(call->req, "cursor");
    console_user_row_t *rows = xcalloc(limit + 1, sizeof *rows);
    size_t n = 0;
    if (console_users_list(g_wallet->db, after, rows, limit + 1, &n) != CONSOLE_OK) {
        free(rows);
        return admin_error(call, 503, "storage_error", "the database is unavailable");
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n && i < limit; i++)
        json_array_append_new(list, console_user_json(&rows[i]));
    json_t *next = n > limit ? json_string(rows[limit - 1].user.name) : json_null();
    free(rows);
    return admin_reply(call, 200,
                       json_pack("{s:o,s:o}", "console_users", list, "next_cursor", next));
}

/* The answer to a change of the user named name: the user as it is now, or {"name", "deleted":
 * true} once deleted. */
static http_handler_result_t console_user_answer(admin_call_t *call, console_result_t r,
                                                 const char *name, bool deleted)
{
    console_user_row_t u;
    if (r == CONSOLE_OK && !deleted)
        r = console_user_get(g_wallet->db, name, &u);
    switch (r) {
    case CONSOLE_OK:
        return deleted ? admin_reply(call, 200, json_pack("{s:s,s:b}", "name", name, "deleted", 1))
                       : admin_reply(call, 200, console_user_json(&u));
    case CONSOLE_NOT_FOUND:
        return admin_error(call, 404, "not_found", "no console user %s", name);
    case CONSOLE_INVALID:
        return admin_error(call, 400, "invalid_field", "'role' must be viewer or operator");
    default:
        return admin_error(call, 503, "storage_error", "the database is unavailable");
    }
}

/* PATCH /console-users/{name} {"role"}: the user's role, and its open console sessions'. */
static http_handler_result_t console_user_patch_route(admin_call_t *call)
{
    static const char *const keys[] = {"role", NULL};
    json_t *body = admin_body(call);
    if (!body || admin_check_keys(call, body, "the console user", keys) != 0)
        return HTTP_DONE;
    const char *name = http_req_param(call->req, "name");
    console_role_t role;
    if (!console_role_parse(json_string_value(json_object_get(body, "role")), &role))
        return admin_error(call, 400, "invalid_field", "'role' must be viewer or operator");
    return console_user_answer(call, console_user_set_role(g_wallet->db, name, role), name, false);
}

/* DELETE /console-users/{name}: the user goes and its console sessions end. */
static http_handler_result_t console_user_delete_route(admin_call_t *call)
{
    const char *name = http_req_param(call->req, "name");
    return console_user_answer(call, console_user_delete(g_wallet->db, name), name, true);
}

static const admin_route_t ROUTES[] = {
    ADMIN_ROUTE("POST", "/console-users", console_user_create_route),
    ADMIN_ROUTE("GET", "/console-users", console_user_list_route),
    ADMIN_ROUTE("PATCH", "/console-users/{name}", console_user_patch_route),
    ADMIN_ROUTE("DELETE", "/console-users/{name}", console_user_delete_route),
    ADMIN_ROUTE("POST", "/users", user_create),
    ADMIN_ROUTE("GET", "/users", user_list),
    ADMIN_ROUTE("POST", "/users/{id}/wallet-addresses", user_link),
};

int admin_users_register(http_server_t *s, admin_ctx_t *ctx, const wallet_ctx_t *w)
{
    g_wallet = w;
    return admin_routes_register(s, ctx, ROUTES, sizeof ROUTES / sizeof *ROUTES);
}
