/*
 * The operator console's principals and sessions (sql/076_console.sql). A console user has a
 * name, a scrypt password (users.h's hash) and a role, and belongs to the operator tenant; a
 * session says whose rows it sees (a tenant id), who opened it (a console user's name, or ""
 * for a tenant's API secret) and what it may do (its role). Sessions are stored as the SHA-256
 * of their cookie value with their CSRF token, and end max_ms after they began or idle_ms after
 * their last use, whichever comes first.
 *
 * Threads: any thread; every call takes its own database connection and may block on it; a
 * password check costs ~50 ms of CPU by design (the console signs in through login.h, which
 * limits and bounds those).
 */
#ifndef RAFIKI_PAYMENTS_CONSOLE_USERS_H
#define RAFIKI_PAYMENTS_CONSOLE_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "payments/tenants.h"
#include "payments/users.h"
#include "store/db.h"

#define CONSOLE_NAME_MAX    USER_NAME_MAX
#define CONSOLE_SESSION_LEN USER_SESSION_LEN
#define CONSOLE_CSRF_LEN    USER_CSRF_LEN

typedef enum {
    CONSOLE_OK = 0,
    CONSOLE_NOT_FOUND, /* no such session (or it ended) */
    CONSOLE_DENIED,    /* unknown name or wrong password */
    CONSOLE_CONFLICT,  /* the name is taken */
    CONSOLE_INVALID,   /* a name or role outside the rules */
    CONSOLE_ERROR,     /* the database failed */
    CONSOLE_RESULT_COUNT
} console_result_t;

const char *console_result_str(console_result_t r);

typedef enum { CONSOLE_VIEWER = 0, CONSOLE_OPERATOR = 1 } console_role_t;

/* "viewer" or "operator"; false for anything else. */
bool console_role_parse(const char *s, console_role_t *out);
const char *console_role_str(console_role_t r);

typedef struct {
    char id[UUID_STR_LEN + 1];
    char name[CONSOLE_NAME_MAX + 1];
    console_role_t role;
} console_user_t;

/* Who a session is. */
typedef struct {
    char tenant_id[PAY_TENANT_ID_LEN + 1];
    char user_name[CONSOLE_NAME_MAX + 1]; /* "" : signed in with the tenant's API secret */
    console_role_t role;
} console_principal_t;

/* A new console user named name (users_name_ok's rules) with password (USER_PASSWORD_MIN-MAX
 * characters; only its scrypt hash is kept): OK (out filled), INVALID, CONFLICT, ERROR. Hashes
 * the password (~50 ms). */
console_result_t console_user_create(db_t *db, const char *name, console_role_t role,
                                     const char *password, console_user_t *out);
/* The console user with this name and password: OK, DENIED (unknown name or wrong password, in
 * about the same time), ERROR. */
console_result_t console_user_check(db_t *db, const char *name, const char *password,
                                    console_user_t *out);

/* A new session for p at now_ms: its cookie value and CSRF token. */
console_result_t console_session_new(db_t *db, const console_principal_t *p, int64_t now_ms,
                                     char cookie[CONSOLE_SESSION_LEN + 1],
                                     char csrf[CONSOLE_CSRF_LEN + 1]);
/* The principal and CSRF token of the session of cookie at now_ms, when it began less than
 * max_ms and was last used less than idle_ms ago (then now_ms becomes its last use): OK,
 * NOT_FOUND, ERROR. */
console_result_t console_session_get(db_t *db, const char *cookie, int64_t now_ms, int64_t max_ms,
                                     int64_t idle_ms, console_principal_t *p,
                                     char csrf[CONSOLE_CSRF_LEN + 1]);
/* Ends the session of cookie, and every session that ended before now_ms - max_ms (they are
 * dead already; this keeps the table small). OK or ERROR. */
console_result_t console_session_end(db_t *db, const char *cookie, int64_t now_ms, int64_t max_ms);

/* ---- the audit log (sql/077_console_audit.sql) ---- */

#define CONSOLE_AUDIT_ACTION_MAX  64 /* a REST method and route, a GraphQL field's name */
#define CONSOLE_AUDIT_TARGET_MAX  64
#define CONSOLE_AUDIT_DETAIL_MAX  256
#define CONSOLE_AUDIT_REQUEST_MAX 64 /* log.h's LOG_REQUEST_ID_MAX */
#define CONSOLE_AUDIT_CHANNEL_MAX 16

typedef struct {
    int64_t at_ms;
    console_principal_t who;
    char action[CONSOLE_AUDIT_ACTION_MAX + 1];
    char target[CONSOLE_AUDIT_TARGET_MAX + 1];
    char detail[CONSOLE_AUDIT_DETAIL_MAX + 1];
    char request_id[CONSOLE_AUDIT_REQUEST_MAX + 1];
    char channel[CONSOLE_AUDIT_CHANNEL_MAX + 1]; /* "console" ("" reads as it), "rest", "graphql" */
} console_audit_t;

/* Records e (its texts cut to their maxima; never a secret: callers pass ids, names, amounts).
 * OK or ERROR. */
console_result_t console_audit_add(db_t *db, const console_audit_t *e);
/* Records the n rows of e in one transaction (audit_queue.h's flush): all, or none and ERROR. */
console_result_t console_audit_add_many(db_t *db, const console_audit_t *e, size_t n);
/* The newest rows first, up to cap into out, *n their count: every tenant's when tenant_id is
 * NULL, else that tenant's only. OK or ERROR. */
console_result_t console_audit_list(db_t *db, const char *tenant_id, console_audit_t *out,
                                    size_t cap, size_t *n);

/* ---- managing the users (sql/082_console_user_sessions.sql) ---- */

typedef struct {
    console_user_t user;
    int64_t created_ms;
} console_user_row_t;

/* Up to cap users with names after `after` ("" or NULL: from the first), in name order (the
 * name's unique index), into out; *n their count. OK or ERROR. */
console_result_t console_users_list(db_t *db, const char *after, console_user_row_t *out,
                                    size_t cap, size_t *n);
/* The user named name: OK, NOT_FOUND, ERROR. */
console_result_t console_user_get(db_t *db, const char *name, console_user_row_t *out);
/* Gives the user named name the role, and its open sessions with it at once (one
 * transaction): OK, NOT_FOUND, INVALID (not a role), ERROR. */
console_result_t console_user_set_role(db_t *db, const char *name, console_role_t role);
/* A new password (USER_PASSWORD_MIN-MAX characters, hashed ~50 ms) for the user named name;
 * its open sessions end: OK, NOT_FOUND, INVALID, ERROR. */
console_result_t console_user_set_password(db_t *db, const char *name, const char *password);
/* Deletes the user named name and ends its sessions at once: OK, NOT_FOUND, ERROR. */
console_result_t console_user_delete(db_t *db, const char *name);

#endif
