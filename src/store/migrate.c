/*
 * Schema migrations: sql/NNN_name.sql files shared by both dialects (tokens such as {{BLOB}} are
 * replaced by db_exec), applied in version order, each in its own write transaction together
 * with its row in schema_migrations, so a file is either fully applied and recorded or not at all.
 * Concurrent migrators (several replicas starting at once) are serialised by a Postgres advisory
 * lock or SQLite's single writer lock, and each re-checks the version inside its transaction.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/env.h"
#include "base/log.h"
#include "store/db_internal.h"

/* Most migration files in one directory. */
#define DB_MIGRATIONS_MAX 1000
/* Arbitrary key for pg_advisory_xact_lock, shared by every rafiki process. */
#define DB_MIGRATE_LOCK_KEY "7261666b6d6967" /* "rafkmig" */

typedef struct {
    uint64_t version;
    char name[256];
} db_migration_t;

static bool is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

int db_sql_dir(char *out, size_t cap)
{
    const char *env = getenv("RAFIKI_SQL_DIR");
    if (env && env[0]) {
        int n = snprintf(out, cap, "%s", env);
        return n > 0 && (size_t)n < cap && is_dir(out) ? 0 : -1;
    }
    if (is_dir("./sql")) {
        int n = snprintf(out, cap, "./sql");
        return n > 0 && (size_t)n < cap ? 0 : -1;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    int m = snprintf(out, cap, "%s/../sql", exe);
    return m > 0 && (size_t)m < cap && is_dir(out) ? 0 : -1;
}

/* NNN_name.sql -> version NNN; false for any other name (ignored). */
static bool parse_name(const char *name, uint64_t *version)
{
    size_t digits = strspn(name, "0123456789");
    size_t len = strlen(name);
    if (digits == 0 || name[digits] != '_' || len < digits + 6 ||
        strcmp(name + len - 4, ".sql") != 0)
        return false;
    return parse_u64(name, digits, version) == 0;
}

static int cmp_migration(const void *a, const void *b)
{
    const db_migration_t *x = a, *y = b;
    return x->version < y->version ? -1 : x->version > y->version;
}

/* Lists dir's migrations sorted by version into *out (caller frees). */
static db_rc_t list_migrations(const char *dir, db_migration_t **out, size_t *count, db_err_t *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return db_fail(err, DB_INVALID, "migrations: cannot open directory %s", dir);
    db_migration_t *list = calloc(DB_MIGRATIONS_MAX, sizeof *list);
    size_t n = 0;
    db_rc_t rc = list ? DB_OK : db_fail(err, DB_NOMEM, "out of memory");
    struct dirent *e;
    while (rc == DB_OK && (e = readdir(d)) != NULL) {
        uint64_t v;
        if (!parse_name(e->d_name, &v))
            continue;
        if (n == DB_MIGRATIONS_MAX || strlen(e->d_name) >= sizeof list[0].name) {
            rc = db_fail(err, DB_INVALID, "migrations: too many files or name too long");
            break;
        }
        list[n].version = v;
        snprintf(list[n].name, sizeof list[n].name, "%s", e->d_name);
        n++;
    }
    closedir(d);
    if (rc == DB_OK) {
        qsort(list, n, sizeof *list, cmp_migration);
        for (size_t i = 1; i < n; i++)
            if (list[i].version == list[i - 1].version)
                rc = db_fail(err, DB_INVALID, "migrations: %s and %s have the same version",
                             list[i - 1].name, list[i].name);
    }
    if (rc != DB_OK) {
        free(list);
        return rc;
    }
    *out = list;
    *count = n;
    return DB_OK;
}

static char *read_file(const char *path, db_err_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        db_fail(err, DB_INVALID, "migrations: cannot read %s", path);
        return NULL;
    }
    char *text = malloc(DB_SQL_MAX_LEN + 1);
    size_t n = text ? fread(text, 1, DB_SQL_MAX_LEN + 1, f) : 0;
    fclose(f);
    if (!text || n > DB_SQL_MAX_LEN) {
        db_fail(err, DB_INVALID, "migrations: %s is larger than %u bytes", path, DB_SQL_MAX_LEN);
        free(text);
        return NULL;
    }
    text[n] = '\0';
    return text;
}

static db_rc_t lock_migrations(db_conn_t *c, db_err_t *err)
{
    if (c->kind != DB_POSTGRES)
        return DB_OK; /* BEGIN IMMEDIATE already holds the writer lock */
    return db_exec(c, "SELECT pg_advisory_xact_lock(x'" DB_MIGRATE_LOCK_KEY "'::bigint)", err);
}

/* SQLite: a file runs with foreign key enforcement off (a table that others reference can only
 * be rebuilt so, SQLite's documented procedure) and commits only when every reference still
 * finds its row. Postgres checks its constraints itself. */
static db_rc_t fk_enforce(db_conn_t *c, bool on, db_err_t *err)
{
    if (c->kind == DB_POSTGRES)
        return DB_OK;
    return db_exec(c, on ? "PRAGMA foreign_keys=ON" : "PRAGMA foreign_keys=OFF", err);
}

static db_rc_t fk_check(db_conn_t *c, db_err_t *err)
{
    if (c->kind == DB_POSTGRES)
        return DB_OK;
    db_stmt_t *st = db_prepare(c, "PRAGMA foreign_key_check", err);
    if (!st)
        return err ? err->code : DB_ERROR;
    db_rc_t rc = db_step(st, err);
    if (rc == DB_ROW)
        return db_fail(err, DB_CONSTRAINT, "a foreign key of table %s has no row",
                       db_col_text(st, 0, NULL));
    return rc == DB_DONE ? DB_OK : rc;
}

static db_rc_t apply_one_tx(db_conn_t *c, const char *dir, const db_migration_t *m, bool *did,
                            db_err_t *err);

/* Applies one file unless already recorded; *did says whether it ran. */
static db_rc_t apply_one(db_conn_t *c, const char *dir, const db_migration_t *m, bool *did,
                         db_err_t *err)
{
    db_rc_t rc = fk_enforce(c, false, err);
    if (rc != DB_OK)
        return rc;
    rc = apply_one_tx(c, dir, m, did, err);
    db_err_t ignored;
    if (fk_enforce(c, true, rc == DB_OK ? err : &ignored) != DB_OK && rc == DB_OK)
        rc = err ? err->code : DB_ERROR;
    return rc;
}

static db_rc_t apply_one_tx(db_conn_t *c, const char *dir, const db_migration_t *m, bool *did,
                            db_err_t *err)
{
    *did = false;
    db_rc_t rc = db_begin(c, DB_TX_WRITE, err);
    if (rc == DB_OK)
        rc = lock_migrations(c, err);
    db_stmt_t *st = NULL;
    if (rc == DB_OK)
        st = db_prepare(c, "SELECT 1 FROM schema_migrations WHERE version = ?", err);
    if (rc == DB_OK && !st)
        rc = err ? err->code : DB_ERROR;
    if (rc == DB_OK) {
        db_bind_u64(st, 1, m->version);
        rc = db_step(st, err);
        if (rc == DB_ROW) { /* applied by an earlier run or a concurrent process */
            db_rollback(c);
            return DB_OK;
        }
        rc = rc == DB_DONE ? DB_OK : rc;
    }
    char path[PATH_MAX];
    char *text = NULL;
    if (rc == DB_OK && snprintf(path, sizeof path, "%s/%s", dir, m->name) >= (int)sizeof path)
        rc = db_fail(err, DB_INVALID, "migrations: path too long");
    if (rc == DB_OK && !(text = read_file(path, err)))
        rc = DB_INVALID;
    if (rc == DB_OK)
        rc = db_exec(c, text, err);
    free(text);
    if (rc == DB_OK) {
        st = db_prepare(c,
                        "INSERT INTO schema_migrations (version, name, applied_at) "
                        "VALUES (?, ?, ?)",
                        err);
        rc = st ? DB_OK : (err ? err->code : DB_ERROR);
    }
    if (rc == DB_OK) {
        db_bind_u64(st, 1, m->version);
        db_bind_str(st, 2, m->name);
        db_bind_i64(st, 3, clock_wall_ms());
        rc = db_run(st, err);
    }
    if (rc == DB_OK)
        rc = fk_check(c, err);
    if (rc == DB_OK)
        rc = db_commit(c, err);
    if (rc != DB_OK) {
        db_rollback(c);
        return rc;
    }
    *did = true;
    return DB_OK;
}

static db_rc_t create_table(db_conn_t *c, db_err_t *err)
{
    db_rc_t rc = db_begin(c, DB_TX_WRITE, err);
    if (rc == DB_OK)
        rc = lock_migrations(c, err);
    if (rc == DB_OK)
        rc = db_exec(c,
                     "CREATE TABLE IF NOT EXISTS schema_migrations ("
                     " version BIGINT PRIMARY KEY, name TEXT NOT NULL,"
                     " applied_at BIGINT NOT NULL)",
                     err);
    if (rc == DB_OK)
        return db_commit(c, err);
    db_rollback(c);
    return rc;
}

db_rc_t db_migrate(db_t *db, const char *dir, int *applied, db_err_t *err)
{
    if (applied)
        *applied = 0;
    db_migration_t *list = NULL;
    size_t n = 0;
    db_rc_t rc = list_migrations(dir, &list, &n, err);
    if (rc != DB_OK)
        return rc;
    db_conn_t *c = db_acquire(db, DB_CONN_WRITE, err);
    if (!c) {
        free(list);
        return err ? err->code : DB_CONN;
    }
    rc = create_table(c, err);
    for (size_t i = 0; i < n && rc == DB_OK; i++) {
        bool did = false;
        rc = apply_one(c, dir, &list[i], &did, err);
        if (rc != DB_OK && err) {
            char cause[sizeof err->msg];
            memcpy(cause, err->msg, sizeof cause);
            snprintf(err->msg, sizeof err->msg, "%.60s: %.190s", list[i].name, cause);
        }
        if (did) {
            LOGI("migrations: applied %s", list[i].name);
            if (applied)
                (*applied)++;
        }
    }
    db_release(c);
    free(list);
    return rc;
}

db_rc_t db_migrate_default(db_t *db, int *applied, db_err_t *err)
{
    char dir[PATH_MAX];
    if (db_sql_dir(dir, sizeof dir) != 0)
        return db_fail(err, DB_INVALID,
                       "migrations: no sql/ directory (set RAFIKI_SQL_DIR, or run from the "
                       "repository root)");
    return db_migrate(db, dir, applied, err);
}

db_rc_t db_migration_versions(db_t *db, uint64_t *files, uint64_t *applied, db_err_t *err)
{
    char dir[PATH_MAX];
    db_migration_t *list = NULL;
    size_t n = 0;
    *files = *applied = 0;
    if (db_sql_dir(dir, sizeof dir) != 0)
        return db_fail(err, DB_INVALID, "migrations: no sql/ directory");
    db_rc_t rc = list_migrations(dir, &list, &n, err);
    if (rc != DB_OK)
        return rc;
    if (n)
        *files = list[n - 1].version;
    free(list);
    db_conn_t *c = db_acquire(db, DB_CONN_READ, err);
    if (!c)
        return err->code;
    db_stmt_t *st = db_prepare(c, "SELECT max(version) FROM schema_migrations", err);
    rc = st ? db_step_one(st, err) : err->code;
    if (rc == DB_ROW) {
        *applied = db_col_null(st, 0) ? 0 : (uint64_t)db_col_i64(st, 0);
        rc = DB_OK;
    }
    db_release(c);
    return rc;
}
