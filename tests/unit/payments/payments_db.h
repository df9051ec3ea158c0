/*
 * Databases for the backend tests that run on SQLite (unit) and Postgres (integration): a
 * fresh, migrated database per case, reachable through a URL so a case can open several pools
 * on it (several replicas).
 */
#ifndef RAFIKI_TESTS_BACKEND_DB_H
#define RAFIKI_TESTS_BACKEND_DB_H

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "../store/db_cases.h"
#pragma GCC diagnostic pop

/* Makes a fresh database for case name and writes its URL: a file in a new temp directory, or
 * a new Postgres schema selected with search_path. */
static void bk_url(const char *base, const char *name, char *url, size_t cap)
{
    if (strncmp(base, "sqlite:", 7) == 0) {
        snprintf(url, cap, "sqlite:%s/%s.db", dbc_tmpdir(), name);
        return;
    }
    db_close(dbc_open(base, name, 1)); /* creates the schema */
    snprintf(url, cap, "%s%soptions=-c%%20search_path%%3Dt_%s", base, strchr(base, '?') ? "&" : "?",
             name);
}

/* A pool of pool_size on url, migrated. */
static db_t *bk_pool(const char *url, int pool_size)
{
    db_err_t err = {0};
    db_opts_t opts = {.pool_size = pool_size};
    db_t *db = db_open_opts(url, &opts, &err);
    cr_assert_not_null(db, "open %s: %s", url, err.msg);
    char dir[512];
    cr_assert_eq(db_sql_dir(dir, sizeof dir), 0);
    cr_assert_eq(db_migrate(db, dir, NULL, &err), DB_OK, "migrate: %s", err.msg);
    return db;
}

/* A fresh, migrated database for one case. */
static db_t *bk_open(const char *base, const char *name)
{
    char url[1024];
    bk_url(base, name, url, sizeof url);
    return bk_pool(url, 4);
}

#endif
