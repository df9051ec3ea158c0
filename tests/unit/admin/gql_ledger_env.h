/*
 * A GraphQL face for resolver tests without HTTP or the executor: a fresh SQLite database and
 * ledger, an admin_gql_t with the operator tenant, and calls built by hand (gql_call_t) to one
 * family's resolver.
 */
#ifndef RAFIKI_TESTS_ADMIN_GQL_LEDGER_ENV_H
#define RAFIKI_TESTS_ADMIN_GQL_LEDGER_ENV_H

#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "../payments/payments_db.h"
#include "admin/admin_gql.h"

#define GE_TENANT "438fa7e8-2a8d-4d0b-9c1b-0f3c2cfb8a10"

typedef struct {
    db_t *db;
    ledger_t *l;
    connector_t *conn;
    admin_ctx_t admin;
    admin_gql_t g;
    admin_gql_req_t req;
    gql_field_err_t err;
} ge_t;

static void ge_open(ge_t *e, const char *name)
{
    memset(e, 0, sizeof *e);
    e->db = bk_open("sqlite:", name);
    db_err_t err = {0};
    e->l = ledger_open(e->db, NULL, &err);
    cr_assert_not_null(e->l, "%s", err.msg);
    e->admin.ledger = e->l;
    e->admin.db = e->db;
    e->admin.secret = "test-secret";
    e->g.admin = &e->admin;
    e->g.operator_tenant_id = GE_TENANT;
    e->req = (admin_gql_req_t){.gql = &e->g, .tenant_id = GE_TENANT, .is_operator = true};
}

static void ge_close(ge_t *e)
{
    ledger_close(e->l);
    db_close(e->db);
}

/* Runs type.field of family fam with args (JSON text) and parent (may be NULL); returns the
 * value (a new reference) or NULL after a failure (e->err holds it). */
static json_t *ge_call(ge_t *e, const admin_gql_family_t *fam, const char *type, const char *field,
                       json_t *parent, const char *args_json)
{
    gql_resolver_fn fn = NULL;
    for (size_t i = 0; i < fam->n; i++)
        if (strcmp(fam->resolvers[i].type, type) == 0 &&
            strcmp(fam->resolvers[i].field, field) == 0)
            fn = fam->resolvers[i].fn;
    cr_assert_not_null(fn, "no resolver for %s.%s", type, field);
    json_error_t jerr;
    json_t *args = json_loads(args_json, 0, &jerr);
    cr_assert_not_null(args, "bad test JSON %s: %s", args_json, jerr.text);
    memset(&e->err, 0, sizeof e->err);
    gql_call_t c = {.type = type,
                    .field = field,
                    .parent = parent,
                    .args = args,
                    .ctx = &e->req,
                    .err = &e->err};
    json_t *out = NULL;
    gql_resolve_t r = fn(&c, &out);
    json_decref(args);
    if (r != GQL_RESOLVED) {
        cr_assert(e->err.code != NULL, "a failure names its code");
        return NULL;
    }
    cr_assert_not_null(out);
    return out;
}

/* ge_call expecting a failure with code and message. */
static void ge_fails(ge_t *e, const admin_gql_family_t *fam, const char *type, const char *field,
                     const char *args_json, const char *code, const char *message)
{
    json_t *v = ge_call(e, fam, type, field, NULL, args_json);
    cr_expect_null(v, "%s.%s %s should fail", type, field, args_json);
    json_decref(v);
    if (!v) {
        cr_expect_str_eq(e->err.code, code, "%s.%s %s", type, field, args_json);
        cr_expect_str_eq(e->err.message, message, "%s.%s %s", type, field, args_json);
    }
}

/* The string member at a dotted path ("asset.id"), or "" */
static const char *ge_str(json_t *v, const char *path)
{
    char key[64];
    const char *p = path;
    while (v && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        cr_assert_lt(n, sizeof key);
        memcpy(key, p, n);
        key[n] = '\0';
        v = json_object_get(v, key);
        p = dot ? dot + 1 : p + n;
    }
    return json_is_string(v) ? json_string_value(v) : "";
}

#endif
