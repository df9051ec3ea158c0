/*
 * The webhook worker's view of the tenants' webhook settings (see webhooks_settings.h): per
 * batch, the settings of each recipient it names, read once; and whether anybody has a URL.
 */
#include "payments/webhooks_settings.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "payments/tenants.h"
#include "payments/webhooks.h"

/* Bounds of the values taken from a tenant's settings, as the instance's (cmd/config.c); a value
 * outside them (Rafiki's validators let "1.5" or "1e3" through) is not used: the instance's is. */
#define TIMEOUT_MS_MAX 600000
#define RETRY_MAX      1000
/* Recipients remembered per batch: at most one per delivery. */
#define BATCH_RECIPIENTS WEBHOOK_BATCH_MAX

typedef struct {
    char tenant[PAY_TENANT_ID_LEN + 1]; /* "" : the operator */
    char url[PAY_TENANT_TEXT_MAX + 1];  /* "" : none of its own */
    webhook_target_t to;
} entry_t;

struct webhook_settings {
    char *url; /* the instance's */
    uint32_t timeout_ms;
    unsigned max_retry;
    uint32_t ttl_ms;
    entry_t batch[BATCH_RECIPIENTS];
    size_t n;
    bool idle, idle_read;
    uint64_t idle_read_mono_ms;
};

webhook_settings_t *webhook_settings_new(const char *url, uint32_t timeout_ms, unsigned max_retry,
                                         uint32_t ttl_ms)
{
    webhook_settings_t *s = xcalloc(1, sizeof *s);
    s->url = url && *url ? xstrdup(url) : NULL;
    s->timeout_ms = timeout_ms;
    s->max_retry = max_retry;
    s->ttl_ms = ttl_ms ? ttl_ms : WEBHOOK_SETTINGS_TTL_MS_DEFAULT;
    return s;
}

void webhook_settings_free(webhook_settings_t *s)
{
    if (!s)
        return;
    free(s->url);
    free(s);
}

static db_rc_t read_idle(db_conn_t *c, bool *idle, db_err_t *err)
{
    db_stmt_t *st = db_prepare(c,
                               "SELECT 1 FROM tenant_settings s JOIN tenants t ON t.id = "
                               "s.tenant_id WHERE s.key = 'WEBHOOK_URL' AND t.deleted_at IS NULL "
                               "LIMIT 1",
                               err);
    if (!st)
        return err->code;
    db_rc_t rc = db_step_one(st, err);
    *idle = rc == DB_NOT_FOUND;
    return rc == DB_ROW || rc == DB_NOT_FOUND ? DB_OK : rc;
}

bool webhook_settings_idle(webhook_settings_t *s, db_t *db)
{
    if (s->url)
        return false;
    uint64_t now = clock_mono_ms();
    if (s->idle_read && now - s->idle_read_mono_ms < s->ttl_ms)
        return s->idle;
    db_err_t err = {0};
    db_conn_t *c = db_acquire(db, DB_CONN_READ, &err);
    bool idle = false;
    db_rc_t rc = c ? read_idle(c, &idle, &err) : err.code;
    if (c)
        db_release(c);
    if (rc != DB_OK) {
        LOGW("webhooks: reading the tenants' webhook URLs: %s", err.msg);
        return false;
    }
    s->idle = idle;
    s->idle_read = true;
    s->idle_read_mono_ms = now;
    return idle;
}

void webhook_settings_batch(webhook_settings_t *s)
{
    s->n = 0;
}

/* A decimal integer in lo..hi, or -1. */
static long long number(const char *v, long long lo, long long hi)
{
    if (!v || *v < '0' || *v > '9')
        return -1;
    char *end = NULL;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno || *end || x > (unsigned long long)hi || (long long)x < lo)
        return -1;
    return (long long)x;
}

static void entry_set(entry_t *e, const char *key, const char *value)
{
    if (strcmp(key, "WEBHOOK_URL") == 0 && *value) {
        snprintf(e->url, sizeof e->url, "%s", value);
        e->to.url = e->url;
    } else if (strcmp(key, "WEBHOOK_TIMEOUT") == 0) {
        long long t = number(value, 1, TIMEOUT_MS_MAX);
        if (t > 0)
            e->to.timeout_ms = (uint32_t)t;
    } else if (strcmp(key, "WEBHOOK_MAX_RETRY") == 0) {
        long long r = number(value, 0, RETRY_MAX);
        if (r >= 0)
            e->to.max_retry = (unsigned)r;
    }
}

/* e's settings over the instance's: the live tenant e->tenant's, or the operator's. */
static db_rc_t read_entry(const webhook_settings_t *s, db_conn_t *c, entry_t *e, db_err_t *err)
{
    e->url[0] = '\0';
    e->to =
        (webhook_target_t){.url = s->url, .timeout_ms = s->timeout_ms, .max_retry = s->max_retry};
    db_stmt_t *st = db_prepare(c,
                               "SELECT s.key, s.value FROM tenants t JOIN tenant_settings s ON "
                               "s.tenant_id = t.id AND s.key IN ('WEBHOOK_URL', "
                               "'WEBHOOK_TIMEOUT', 'WEBHOOK_MAX_RETRY') WHERE t.deleted_at IS "
                               "NULL AND (t.id = ? OR (? = '' AND t.is_operator))",
                               err);
    if (!st)
        return err->code;
    db_bind_str(st, 1, e->tenant);
    db_bind_str(st, 2, e->tenant);
    db_rc_t rc;
    while ((rc = db_step(st, err)) == DB_ROW)
        entry_set(e, db_col_text(st, 0, NULL), db_col_text(st, 1, NULL));
    return rc == DB_DONE ? DB_OK : rc;
}

db_rc_t webhook_settings_target(webhook_settings_t *s, db_conn_t *c, const char *tenant,
                                webhook_target_t *out, db_err_t *err)
{
    const char *t = tenant ? tenant : "";
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->batch[i].tenant, t) == 0) {
            *out = s->batch[i].to;
            return DB_OK;
        }
    ASSERT(s->n < BATCH_RECIPIENTS); /* a batch has at most WEBHOOK_BATCH_MAX deliveries */
    entry_t *e = &s->batch[s->n++];
    snprintf(e->tenant, sizeof e->tenant, "%s", t);
    db_rc_t rc = read_entry(s, c, e, err);
    if (rc != DB_OK) {
        s->n = 0; /* nothing half read is kept */
        return rc;
    }
    *out = e->to;
    return DB_OK;
}
