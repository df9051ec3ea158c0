/*
 * The operator console's users page (see console.h): the console users of
 * payments/console_users.h, listed by name, created with a typed or generated password, their
 * role changed, their password reset and deleted. Only sessions of the operator tenant open it
 * (another tenant's answer 404, as a page it does not have); a viewer reads the list and its
 * forms are not shown (and its POSTs are refused, 403, by console_begin). A role change updates
 * the user's open sessions at once, a reset or a deletion ends them.
 */
#include <stdio.h>
#include <string.h>

#include "web/console_call.h"
#include "web/pages.h"
#include "payments/console_users.h"
#include "payments/users.h"
#include "base/mem.h"

#define USERS_ROWS     50
#define USERS_PATH     "/console/users"
#define GENERATED_HEX  24 /* a generated password: 96 random bits as hex */
#define PASSWORD_FIELD (USER_PASSWORD_MAX + 2)

/* Only the operator tenant's sessions have console users; false after answering 404. */
static bool users_open(console_call_t *call)
{
    if (call->is_operator)
        return true;
    console_refuse(call, 404, "Not found", "There is no such page.");
    return false;
}

static void role_select(buf_t *b, const char *id, console_role_t now)
{
    buf_printf(b, "<select");
    if (id[0])
        buf_printf(b, " id=\"%s\"", id);
    buf_printf(b, " name=\"role\" aria-label=\"Role\">");
    for (int r = CONSOLE_VIEWER; r <= CONSOLE_OPERATOR; r++)
        buf_printf(b, "<option%s>%s</option>", (int)now == r ? " selected" : "",
                   console_role_str((console_role_t)r));
    buf_printf(b, "</select>");
}

static void user_form(const console_call_t *call, buf_t *b, const char *name, const char *what)
{
    buf_printf(b, "<form method=\"post\" action=\"" USERS_PATH "/");
    page_escape(b, name);
    buf_printf(b, "/%s\">", what);
    console_csrf_field(call, b);
}

static void user_row(const console_call_t *call, buf_t *b, const console_user_row_t *u, bool can)
{
    buf_printf(b, "<tr data-user=\"");
    page_escape(b, u->user.name);
    buf_printf(b, "\"><td>");
    page_escape(b, u->user.name);
    buf_printf(b, "</td><td class=\"role\">%s</td><td>", console_role_str(u->user.role));
    console_time(b, u->created_ms);
    buf_printf(b, "</td>");
    if (can) {
        buf_printf(b, "<td>");
        user_form(call, b, u->user.name, "role");
        role_select(b, "", u->user.role);
        buf_printf(b, "<button type=\"submit\">Set role</button></form>");
        user_form(call, b, u->user.name, "password"); /* both empty: one is generated */
        page_hidden(b, "password", "");
        page_hidden(b, "password2", "");
        buf_printf(b, "<button type=\"submit\">Reset password</button></form>");
        user_form(call, b, u->user.name, "delete");
        buf_printf(b, "<button type=\"submit\">Delete</button></form></td>");
    }
    buf_printf(b, "</tr>");
}

static void new_form(const console_call_t *call, buf_t *b)
{
    buf_printf(b, "<section><h2>New console user</h2><form method=\"post\" action=\"" USERS_PATH
                  "\">");
    console_csrf_field(call, b);
    buf_printf(b, "<label for=\"name\">Name</label><input type=\"text\" id=\"name\" name=\"name\" "
                  "autocomplete=\"off\" required><label for=\"role\">Role</label>");
    role_select(b, "role", CONSOLE_VIEWER);
    buf_printf(b, "<label for=\"password\">Password (empty twice: one is generated and shown "
                  "once)</label><input type=\"password\" id=\"password\" name=\"password\" "
                  "autocomplete=\"new-password\"><label for=\"password2\">Password again</label>"
                  "<input type=\"password\" id=\"password2\" name=\"password2\" "
                  "autocomplete=\"new-password\"><div class=\"actions\"><button class=\"accept\" "
                  "type=\"submit\">Create user</button></div></form></section>");
}

http_handler_result_t console_users(http_req_t *req, void *user)
{
    console_call_t call;
    if (!console_begin(req, user, CONSOLE_READ, &call) || !users_open(&call))
        return HTTP_DONE;
    const char *after = http_req_query(req, "after");
    console_user_row_t *rows = xcalloc(USERS_ROWS + 1, sizeof *rows);
    size_t n = 0;
    bool can = call.who.role == CONSOLE_OPERATOR;
    buf_t b;
    console_page_begin(&call, &b, "Console users");
    if (console_users_list(call.cfg->db, after, rows, USERS_ROWS + 1, &n) != CONSOLE_OK)
        buf_printf(&b, "<p role=\"alert\">The users cannot be read right now.</p>");
    buf_printf(&b,
               "<p>The time of a user's last sign-in is not kept; the audit log has each "
               "sign-in.</p><table id=\"users\"><thead><tr><th>Name</th><th>Role</th><th>"
               "Created (UTC)</th>%s</tr></thead><tbody>",
               can ? "<th></th>" : "");
    for (size_t i = 0; i < n && i < USERS_ROWS; i++)
        user_row(&call, &b, &rows[i], can);
    buf_printf(&b, "</tbody></table>");
    if (n > USERS_ROWS) {
        buf_printf(&b, "<p><a rel=\"next\" href=\"" USERS_PATH "?after=");
        page_escape(&b, rows[USERS_ROWS - 1].user.name);
        buf_printf(&b, "\">More</a></p>");
    }
    if (can)
        new_form(&call, &b);
    free(rows);
    return page_send(req, 200, &b);
}

/* The password fields: typed twice (equal) into pw, or both empty: one generated (*generated
 * set). False after answering 400. */
static bool password_fields(console_call_t *call, char pw[PASSWORD_FIELD], bool *generated,
                            const char *title)
{
    char again[PASSWORD_FIELD];
    bool ok = page_form_field(call->req, "password", pw, PASSWORD_FIELD) &&
              page_form_field(call->req, "password2", again, sizeof again);
    *generated = false;
    if (ok && !pw[0] && !again[0]) {
        users_random_hex(pw, GENERATED_HEX);
        *generated = true;
    } else if (!ok || strcmp(pw, again) != 0) {
        ok = false;
    }
    explicit_bzero(again, sizeof again);
    if (!ok)
        console_refuse(call, 400, title, "Type the same password twice, or leave both empty.");
    return ok;
}

/* The answer that shows a generated password this once. */
static http_handler_result_t password_page(const console_call_t *call, unsigned status,
                                           const char *title, const char *name, const char *pw)
{
    buf_t b;
    console_page_begin(call, &b, title);
    buf_printf(&b, "<p>The password of <strong>");
    page_escape(&b, name);
    buf_printf(&b, "</strong> is shown here once and never again:</p><p><code "
                   "id=\"password-shown\">");
    page_escape(&b, pw);
    buf_printf(&b, "</code></p><p><a href=\"" USERS_PATH "\">Console users</a></p>");
    return page_send(call->req, status, &b);
}

static http_handler_result_t user_refuse(console_call_t *call, console_result_t r,
                                         const char *title)
{
    if (r == CONSOLE_NOT_FOUND)
        return console_refuse(call, 404, title, "There is no such user.");
    if (r == CONSOLE_CONFLICT)
        return console_refuse(call, 409, title, "The name is taken.");
    if (r == CONSOLE_INVALID)
        return console_refuse(call, 400, title,
                              "A name is letters, digits and . _ -; a password has 8 to 256 "
                              "characters.");
    return console_refuse(call, 503, title, "The users cannot be changed right now.");
}

http_handler_result_t console_user_new(http_req_t *req, void *user)
{
    console_call_t call;
    if (!console_begin(req, user, CONSOLE_CHANGE, &call) || !users_open(&call))
        return HTTP_DONE;
    char name[CONSOLE_NAME_MAX + 2], role_s[16], pw[PASSWORD_FIELD];
    console_role_t role;
    bool generated;
    if (!page_form_field(req, "name", name, sizeof name) ||
        !page_form_field(req, "role", role_s, sizeof role_s) || !console_role_parse(role_s, &role))
        return console_refuse(&call, 400, "Not created", "Give a name and a role.");
    if (!password_fields(&call, pw, &generated, "Not created"))
        return HTTP_DONE;
    console_user_t u;
    console_result_t r = console_user_create(call.cfg->db, name, role, pw, &u);
    http_handler_result_t h;
    if (r != CONSOLE_OK) {
        h = user_refuse(&call, r, "Not created");
    } else {
        console_audit(&call, "console_user_create", u.name, console_role_str(role));
        h = generated ? password_page(&call, 201, "User created", u.name, pw)
                      : page_see_other(req, USERS_PATH);
    }
    explicit_bzero(pw, sizeof pw);
    return h;
}

/* The user of the path, or false after answering 404 or 503. */
static bool user_of_path(console_call_t *call, console_user_row_t *u)
{
    const char *name = http_req_param(call->req, "name");
    console_result_t r = name ? console_user_get(call->cfg->db, name, u) : CONSOLE_NOT_FOUND;
    if (r != CONSOLE_OK)
        user_refuse(call, r, "No such user");
    return r == CONSOLE_OK;
}

http_handler_result_t console_user_role(http_req_t *req, void *user)
{
    console_call_t call;
    console_user_row_t u;
    if (!console_begin(req, user, CONSOLE_CHANGE, &call) || !users_open(&call) ||
        !user_of_path(&call, &u))
        return HTTP_DONE;
    char role_s[16];
    console_role_t role;
    if (!page_form_field(req, "role", role_s, sizeof role_s) || !console_role_parse(role_s, &role))
        return console_refuse(&call, 400, "Not changed", "Choose viewer or operator.");
    console_result_t r = console_user_set_role(call.cfg->db, u.user.name, role);
    if (r != CONSOLE_OK)
        return user_refuse(&call, r, "Not changed");
    char detail[64];
    snprintf(detail, sizeof detail, "%s -> %s", console_role_str(u.user.role),
             console_role_str(role));
    console_audit(&call, "console_user_role", u.user.name, detail);
    return page_see_other(req, USERS_PATH);
}

http_handler_result_t console_user_password(http_req_t *req, void *user)
{
    console_call_t call;
    console_user_row_t u;
    if (!console_begin(req, user, CONSOLE_CHANGE, &call) || !users_open(&call) ||
        !user_of_path(&call, &u))
        return HTTP_DONE;
    char pw[PASSWORD_FIELD];
    bool generated;
    if (!password_fields(&call, pw, &generated, "Not changed"))
        return HTTP_DONE;
    console_result_t r = console_user_set_password(call.cfg->db, u.user.name, pw);
    http_handler_result_t h;
    if (r != CONSOLE_OK) {
        h = user_refuse(&call, r, "Not changed");
    } else {
        console_audit(&call, "console_user_password", u.user.name, "reset");
        h = generated ? password_page(&call, 200, "Password reset", u.user.name, pw)
                      : page_see_other(req, USERS_PATH);
    }
    explicit_bzero(pw, sizeof pw);
    return h;
}

static http_handler_result_t delete_confirm(const console_call_t *call, const char *name)
{
    buf_t b;
    console_page_begin(call, &b, "Confirm the deletion");
    buf_printf(&b, "<p>Delete console user <strong>");
    page_escape(&b, name);
    buf_printf(&b, "</strong>? Its sessions end at once.</p>");
    user_form(call, &b, name, "delete");
    page_hidden(&b, "confirm", "yes");
    buf_printf(&b, "<div class=\"actions\"><button class=\"accept\" type=\"submit\">Confirm "
                   "deletion</button><a href=\"" USERS_PATH "\">Cancel</a></div></form>");
    return page_send(call->req, 200, &b);
}

http_handler_result_t console_user_remove(http_req_t *req, void *user)
{
    console_call_t call;
    console_user_row_t u;
    if (!console_begin(req, user, CONSOLE_CHANGE, &call) || !users_open(&call) ||
        !user_of_path(&call, &u))
        return HTTP_DONE;
    char confirm[8] = "";
    page_form_field(req, "confirm", confirm, sizeof confirm);
    if (strcmp(confirm, "yes") != 0)
        return delete_confirm(&call, u.user.name);
    console_result_t r = console_user_delete(call.cfg->db, u.user.name);
    if (r != CONSOLE_OK)
        return user_refuse(&call, r, "Not deleted");
    console_audit(&call, "console_user_delete", u.user.name, console_role_str(u.user.role));
    return page_see_other(req, USERS_PATH);
}
