/*
 * Additional properties, keys by id and create addresses of wallet addresses
 * (wallet_address_props.h).
 */
#include "payments/wallet_address_props.h"

#include <string.h>

#include "payments/incoming_payment.h"
#include "payments/rows.h"
#include "base/assert.h"
#include "base/clock.h"
#include "base/log.h"

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Copies s trimmed into out (cap bytes with the NUL): its length, or -1 when it does not fit. */
static long trim_copy(const char *s, char *out, size_t cap)
{
    size_t len = strlen(s), b = 0;
    while (b < len && is_space(s[b]))
        b++;
    while (len > b && is_space(s[len - 1]))
        len--;
    if (len - b >= cap)
        return -1;
    memcpy(out, s + b, len - b);
    out[len - b] = '\0';
    return (long)(len - b);
}

int wallet_prop_clean(const char *key, const char *value, bool visible, wallet_prop_t *out)
{
    memset(out, 0, sizeof *out);
    long k = trim_copy(key, out->key, sizeof out->key);
    long v = trim_copy(value, out->value, sizeof out->value);
    if (k < 0 || v < 0)
        return -1;
    out->visible_in_op = visible;
    return k > 0 && v > 0 ? 1 : 0;
}

typedef struct {
    ledger_id_t id;
    const wallet_prop_t *props;
    size_t n;
} props_arg_t;

static db_rc_t tx_props_set(db_conn_t *c, void *arg, db_err_t *e)
{
    const props_arg_t *a = arg;
    db_stmt_t *st = db_prepare(c, "SELECT 1 FROM wallet_addresses WHERE id = ?{{FOR_UPDATE}}", e);
    if (!st)
        return e->code;
    pay_bind_id(st, 1, a->id);
    db_rc_t rc = db_step_one(st, e);
    if (rc != DB_ROW)
        return rc;
    st = db_prepare(c, "DELETE FROM wallet_address_properties WHERE wallet_address_id = ?", e);
    if (!st)
        return e->code;
    pay_bind_id(st, 1, a->id);
    if ((rc = db_run(st, e)) != DB_OK)
        return rc;
    int64_t now = clock_wall_ms();
    for (size_t i = 0; i < a->n; i++) {
        st = db_prepare(c,
                        "INSERT INTO wallet_address_properties (id, wallet_address_id, field_key, "
                        "field_value, visible_in_op, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                        e);
        if (!st)
            return e->code;
        pay_bind_id(st, 1, ledger_id_random());
        pay_bind_id(st, 2, a->id);
        db_bind_str(st, 3, a->props[i].key);
        db_bind_str(st, 4, a->props[i].value);
        db_bind_bool(st, 5, a->props[i].visible_in_op);
        db_bind_i64(st, 6, now + (int64_t)i); /* keeps the order they were given in */
        if ((rc = db_run(st, e)) != DB_OK)
            return rc;
    }
    return DB_OK;
}

wallet_address_result_t wallet_props_set(const wallet_ctx_t *ctx, ledger_id_t id,
                                         const wallet_prop_t *props, size_t n, db_err_t *err)
{
    if (n > WALLET_PROPS_MAX)
        return WALLET_ADDRESS_KEYS_FULL;
    props_arg_t a = {id, props, n};
    db_err_t e = {0};
    db_rc_t rc = db_write_tx(ctx->db, tx_props_set, &a, &e);
    if (rc == DB_NOT_FOUND)
        return WALLET_ADDRESS_NOT_FOUND;
    if (rc != DB_OK) {
        LOGE("wallet addresses: properties: %s", e.msg);
        if (err)
            *err = e;
        return WALLET_ADDRESS_STORAGE_ERROR;
    }
    return WALLET_ADDRESS_OK;
}

wallet_address_result_t wallet_props_list(const wallet_ctx_t *ctx, ledger_id_t id,
                                          wallet_prop_t *out, size_t cap, size_t *n, db_err_t *err)
{
    *n = 0;
    db_err_t e = {0};
    db_conn_t *c = db_acquire(ctx->db, DB_CONN_READ, &e);
    db_stmt_t *st = c ? db_prepare(c,
                                   "SELECT field_key, field_value, visible_in_op FROM "
                                   "wallet_address_properties WHERE wallet_address_id = ? "
                                   "ORDER BY created_at, id",
                                   &e)
                      : NULL;
    db_rc_t rc = DB_ERROR;
    if (st) {
        pay_bind_id(st, 1, id);
        while ((rc = db_step(st, &e)) == DB_ROW && *n < cap) {
            wallet_prop_t *p = &out[(*n)++];
            pay_col_str(st, 0, p->key, sizeof p->key);
            pay_col_str(st, 1, p->value, sizeof p->value);
            p->visible_in_op = db_col_bool(st, 2);
        }
    }
    if (c)
        db_release(c);
    if (rc == DB_ROW || rc == DB_DONE)
        return WALLET_ADDRESS_OK;
    LOGE("wallet addresses: properties: %s", e.msg);
    if (err)
        *err = e;
    return WALLET_ADDRESS_STORAGE_ERROR;
}

typedef struct {
    ledger_id_t id;
    int64_t now_ms;
    int64_t changed;
} expire_arg_t;

static db_rc_t tx_expire(db_conn_t *c, void *arg, db_err_t *e)
{
    expire_arg_t *a = arg;
    db_stmt_t *st = db_prepare(c,
                               "UPDATE incoming_payments SET expires_at = ?, updated_at = ? WHERE "
                               "wallet_address_id = ? AND state = ? AND expires_at > ?",
                               e);
    if (!st)
        return e->code;
    db_bind_i64(st, 1, a->now_ms);
    db_bind_i64(st, 2, a->now_ms);
    pay_bind_id(st, 3, a->id);
    db_bind_i64(st, 4, INCOMING_PAYMENT_PENDING);
    db_bind_i64(st, 5, a->now_ms);
    db_rc_t rc = db_run(st, e);
    a->changed = rc == DB_OK ? db_changes(st) : 0;
    return rc;
}

wallet_address_result_t wallet_address_expire_incoming(const wallet_ctx_t *ctx, ledger_id_t id,
                                                       int64_t now_ms, size_t *n, db_err_t *err)
{
    expire_arg_t a = {id, now_ms, 0};
    db_err_t e = {0};
    db_rc_t rc = db_write_tx(ctx->db, tx_expire, &a, &e);
    if (n)
        *n = rc == DB_OK ? (size_t)a.changed : 0;
    if (rc == DB_OK)
        return WALLET_ADDRESS_OK;
    LOGE("wallet addresses: expire incoming payments: %s", e.msg);
    if (err)
        *err = e;
    return WALLET_ADDRESS_STORAGE_ERROR;
}

wallet_address_result_t wallet_key_get(const wallet_ctx_t *ctx, ledger_id_t key_id,
                                       wallet_key_t *out, db_err_t *err)
{
    db_err_t e = {0};
    db_conn_t *c = db_acquire(ctx->db, DB_CONN_READ, &e);
    db_stmt_t *st = c ? db_prepare(c,
                                   "SELECT id, wallet_address_id, kid, x, revoked, created_at, "
                                   "updated_at FROM wallet_address_keys WHERE id = ?",
                                   &e)
                      : NULL;
    db_rc_t rc = DB_ERROR;
    if (st) {
        pay_bind_id(st, 1, key_id);
        if ((rc = db_step_one(st, &e)) == DB_ROW) {
            memset(out, 0, sizeof *out);
            out->id = pay_col_id(st, 0);
            out->wallet_address_id = pay_col_id(st, 1);
            pay_col_str(st, 2, out->kid, sizeof out->kid);
            pay_col_str(st, 3, out->x, sizeof out->x);
            out->revoked = db_col_bool(st, 4);
            out->created_ms = db_col_i64(st, 5);
            out->updated_ms = db_col_i64(st, 6);
        }
    }
    if (c)
        db_release(c);
    if (rc == DB_ROW)
        return WALLET_ADDRESS_OK;
    if (rc == DB_NOT_FOUND)
        return WALLET_ADDRESS_KEY_NOT_FOUND;
    LOGE("wallet addresses: keys: %s", e.msg);
    if (err)
        *err = e;
    return WALLET_ADDRESS_STORAGE_ERROR;
}

/* The scheme and the path of a http(s) URL: 0 with *https and *path (its first '/' or ""),
 * -1 for anything else. */
static int url_parts(const char *url, bool *https, const char **path)
{
    size_t skip = strncmp(url, "https://", 8) == 0 ? 8 : strncmp(url, "http://", 7) == 0 ? 7 : 0;
    if (!skip || !url[skip] || url[skip] == '/')
        return -1;
    *https = skip == 8;
    const char *slash = strchr(url + skip, '/');
    *path = slash ? slash : "";
    return 0;
}

static bool has_scheme(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
        return false;
    while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
           *s == '+' || *s == '-' || *s == '.')
        s++;
    return *s == ':';
}

int wallet_address_url_under(const char *base, const char *address, bool allow_http,
                             char out[WALLET_ADDRESS_URL_MAX + 1])
{
    static const char *const FORBIDDEN[] = {"/incoming-payments", "/outgoing-payments", "/quotes"};
    bool https;
    const char *path;
    size_t blen = strlen(base);
    bool slash = blen > 0 && base[blen - 1] == '/';
    int w;
    if (has_scheme(address)) { /* what JavaScript's new URL() takes as a URL */
        if (strncmp(address, base, blen) != 0)
            return -1;
        w = snprintf(out, WALLET_ADDRESS_URL_MAX + 1, "%s", address);
    } else {
        const char *rel = address[0] == '/' ? address + 1 : address;
        w = snprintf(out, WALLET_ADDRESS_URL_MAX + 1, "%s%s%s", base, slash ? "" : "/", rel);
    }
    if (w < 0 || w > WALLET_ADDRESS_URL_MAX)
        return -1;
    /* lowercased first, as stored, so no spelling of a resource path passes */
    for (char *p = out; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    if (url_parts(out, &https, &path) != 0 || (!https && !allow_http) || !path[0] ||
        strcmp(path, "/") == 0)
        return -1;
    for (size_t i = 0; i < sizeof FORBIDDEN / sizeof *FORBIDDEN; i++)
        if (strstr(path, FORBIDDEN[i]))
            return -1;
    return 0;
}

wallet_address_result_t wallet_address_find_by_url(const wallet_ctx_t *ctx, const char *url,
                                                   wallet_address_t *out, db_err_t *err)
{
    size_t n = strlen(url);
    wallet_address_result_t r = wallet_address_get_by_url(ctx, url, n, out, err);
    if (r != WALLET_ADDRESS_NOT_FOUND || n > WALLET_ADDRESS_URL_MAX)
        return r;
    char lower[WALLET_ADDRESS_URL_MAX + 1];
    bool changed = false;
    for (size_t i = 0; i <= n; i++) {
        char c = url[i];
        lower[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
        changed |= lower[i] != c;
    }
    return changed ? wallet_address_get_by_url(ctx, lower, n, out, err) : r;
}
