/*
 * Wallet addresses and client keys over the wallet_addresses and wallet_address_keys tables
 * (see wallet_address.h). The wallet account is created in the ledger before the row, so a row
 * never names a missing account; a create that loses a race on the URL leaves an empty wallet
 * account behind, which holds no money and is harmless.
 */
#include "payments/wallet_address.h"

#include <stdio.h>
#include <string.h>

#include "payments/op_urls.h"
#include "payments/rows.h"
#include "payments/webhooks.h"
#include "base/assert.h"
#include "base/clock.h"
#include "base/codec.h"

static const char *const RESULT_NAMES[WALLET_ADDRESS_RESULT_COUNT] = {
    [WALLET_ADDRESS_OK] = "ok",
    [WALLET_ADDRESS_NOT_FOUND] = "not_found",
    [WALLET_ADDRESS_URL_INVALID] = "url_invalid",
    [WALLET_ADDRESS_URL_TAKEN] = "url_taken",
    [WALLET_ADDRESS_NAME_INVALID] = "public_name_invalid",
    [WALLET_ADDRESS_ASSET_NOT_FOUND] = "asset_not_found",
    [WALLET_ADDRESS_INACTIVE] = "wallet_address_inactive",
    [WALLET_ADDRESS_KEY_INVALID] = "key_invalid",
    [WALLET_ADDRESS_KEY_EXISTS] = "key_exists",
    [WALLET_ADDRESS_KEY_NOT_FOUND] = "key_not_found",
    [WALLET_ADDRESS_KEYS_FULL] = "keys_full",
    [WALLET_ADDRESS_STORAGE_ERROR] = "storage_error",
};

const char *wallet_address_result_str(wallet_address_result_t r)
{
    return (unsigned)r < WALLET_ADDRESS_RESULT_COUNT ? RESULT_NAMES[r] : "unknown";
}

/* ---- URLs ---- */

/* First path segments that belong to Open Payments resources, and the key set's last one. */
static const char *const RESERVED_FIRST[] = {
    "incoming-payments", "outgoing-payments", "quotes", "outgoing-payment-grant",
    "healthz",           ".well-known",       NULL};
/* Second segments the resource server's /{tenantId}/... routes take (op_urls.h). */
static const char *const RESERVED_SECOND[] = {"incoming-payments", "outgoing-payments", "quotes",
                                              "outgoing-payment-grant", NULL};
#define WALLET_URL_SEGMENTS_MAX 8

static bool url_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

static bool reserved(const char *const *names, const char *seg, size_t n)
{
    for (const char *const *r = names; *r; r++)
        if (strlen(*r) == n && !memcmp(seg, *r, n))
            return true;
    return false;
}

/* Checks "seg(/seg)*" of len bytes: allowed characters, no empty, "." or ".." segment, no
 * reserved first, second or last segment, at most WALLET_URL_SEGMENTS_MAX segments. */
static int url_path_check(const char *p, size_t len)
{
    size_t segs = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && p[i] != '/') {
            if (!url_char_ok(p[i]))
                return -1;
            continue;
        }
        size_t n = i - start;
        if (n == 0 || (n == 1 && p[start] == '.') || (n == 2 && !memcmp(p + start, "..", 2)))
            return -1;
        if (++segs > WALLET_URL_SEGMENTS_MAX)
            return -1;
        if ((segs == 1 && reserved(RESERVED_FIRST, p + start, n)) ||
            (segs == 2 && reserved(RESERVED_SECOND, p + start, n)))
            return -1;
        if (i == len && n == strlen("jwks.json") && !memcmp(p + start, "jwks.json", n))
            return -1;
        start = i + 1;
    }
    return 0;
}

int wallet_address_url_check(const char *op_url, const char *url, size_t len,
                             char out[WALLET_ADDRESS_URL_MAX + 1])
{
    size_t base = strlen(op_url);
    if (len > 0 && url[len - 1] == '/')
        len--;
    if (len > WALLET_ADDRESS_URL_MAX || len < base + 2 || memcmp(url, op_url, base) != 0 ||
        url[base] != '/')
        return -1;
    if (url_path_check(url + base + 1, len - base - 1) != 0)
        return -1;
    memcpy(out, url, len);
    out[len] = '\0';
    return 0;
}

static bool name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n > WALLET_ADDRESS_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            return false; /* control characters would garble logs and documents */
    return true;
}

/* ---- rows ---- */

#define WA_COLUMNS                                                                                 \
    "id, url, asset_id, asset_code, asset_scale, account_id, public_name, active, created_at, "    \
    "updated_at FROM wallet_addresses"

static void wa_from_row(db_stmt_t *st, wallet_address_t *w)
{
    memset(w, 0, sizeof *w);
    w->id = pay_col_id(st, 0);
    pay_col_str(st, 1, w->url, sizeof w->url);
    w->asset_id = pay_col_id(st, 2);
    pay_col_str(st, 3, w->asset_code, sizeof w->asset_code);
    w->asset_scale = (uint8_t)db_col_i64(st, 4);
    w->account_id = pay_col_id(st, 5);
    pay_col_str(st, 6, w->public_name, sizeof w->public_name);
    w->active = db_col_bool(st, 7);
    w->created_ms = db_col_i64(st, 8);
    w->updated_ms = db_col_i64(st, 9);
}

static wallet_address_result_t storage(db_err_t *err, const db_err_t *e)
{
    if (err)
        *err = *e;
    return WALLET_ADDRESS_STORAGE_ERROR;
}

/* Runs a one-row SELECT of WA_COLUMNS with one text parameter. */
static wallet_address_result_t wa_select(const wallet_ctx_t *ctx, const char *sql, const char *arg,
                                         size_t len, wallet_address_t *out, db_err_t *err)
{
    db_err_t e = {0};
    db_conn_t *c = db_acquire(ctx->db, DB_CONN_READ, &e);
    if (!c)
        return storage(err, &e);
    wallet_address_result_t r = WALLET_ADDRESS_OK;
    db_stmt_t *st = db_prepare(c, sql, &e);
    if (!st) {
        r = storage(err, &e);
        goto done;
    }
    db_bind_text(st, 1, arg, len);
    db_rc_t rc = db_step_one(st, &e);
    if (rc == DB_ROW)
        wa_from_row(st, out);
    else
        r = rc == DB_NOT_FOUND ? WALLET_ADDRESS_NOT_FOUND : storage(err, &e);
done:
    db_release(c);
    return r;
}

wallet_address_result_t wallet_address_get(const wallet_ctx_t *ctx, ledger_id_t id,
                                           wallet_address_t *out, db_err_t *err)
{
    char s[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(id, s);
    return wa_select(ctx, "SELECT " WA_COLUMNS " WHERE id = ?", s, LEDGER_ID_STR_LEN, out, err);
}

wallet_address_result_t wallet_address_get_by_url(const wallet_ctx_t *ctx, const char *url,
                                                  size_t len, wallet_address_t *out, db_err_t *err)
{
    if (len > WALLET_ADDRESS_URL_MAX)
        return WALLET_ADDRESS_NOT_FOUND;
    return wa_select(ctx, "SELECT " WA_COLUMNS " WHERE url = ?", url, len, out, err);
}

wallet_address_result_t wallet_address_list(const wallet_ctx_t *ctx, ledger_id_t after,
                                            wallet_address_t *out, size_t cap, size_t *n,
                                            db_err_t *err)
{
    *n = 0;
    db_err_t e = {0};
    db_conn_t *c = db_acquire(ctx->db, DB_CONN_READ, &e);
    if (!c)
        return storage(err, &e);
    wallet_address_result_t r = WALLET_ADDRESS_OK;
    db_stmt_t *st = db_prepare(c, "SELECT " WA_COLUMNS " WHERE id > ? ORDER BY id LIMIT ?", &e);
    if (!st) {
        r = storage(err, &e);
        goto done;
    }
    pay_bind_id(st, 1, after);
    db_bind_i64(st, 2, (int64_t)cap);
    db_rc_t rc;
    while ((rc = db_step(st, &e)) == DB_ROW && *n < cap)
        wa_from_row(st, &out[(*n)++]);
    if (rc < 0)
        r = storage(err, &e);
done:
    db_release(c);
    return r;
}

typedef struct {
    const wallet_address_t *w;
    const char *owner; /* the tenant that owns it, NULL: the operator */
} wa_insert_t;

static db_rc_t tx_insert(db_conn_t *c, void *arg, db_err_t *e)
{
    const wallet_address_t *w = ((wa_insert_t *)arg)->w;
    db_stmt_t *st = db_prepare(c,
                               "INSERT INTO wallet_addresses (id, url, asset_id, asset_code, "
                               "asset_scale, account_id, public_name, active, created_at, "
                               "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               e);
    if (!st)
        return e->code;
    pay_bind_id(st, 1, w->id);
    db_bind_str(st, 2, w->url);
    pay_bind_id(st, 3, w->asset_id);
    db_bind_str(st, 4, w->asset_code);
    db_bind_i64(st, 5, w->asset_scale);
    pay_bind_id(st, 6, w->account_id);
    db_bind_str(st, 7, w->public_name);
    db_bind_bool(st, 8, w->active);
    db_bind_i64(st, 9, w->created_ms);
    db_bind_i64(st, 10, w->updated_ms);
    db_rc_t rc = db_run(st, e);
    const char *owner = ((wa_insert_t *)arg)->owner;
    if (rc == DB_OK && owner) /* the owner with the row: no crash leaves it the operator's */
        rc = pay_tenant_own_on(c, PAY_OWNED_WALLET_ADDRESS, w->id, owner, e);
    return rc;
}

static wallet_address_result_t ledger_fail(ledger_result_t r, db_err_t *err)
{
    if (r == LEDGER_ASSET_NOT_FOUND)
        return WALLET_ADDRESS_ASSET_NOT_FOUND;
    db_err_t e = {.code = DB_ERROR};
    snprintf(e.msg, sizeof e.msg, "ledger: %s", ledger_result_str(r));
    return storage(err, &e);
}

wallet_address_result_t wallet_address_create(const wallet_ctx_t *ctx, ledger_id_t asset_id,
                                              const char *url, const char *public_name,
                                              wallet_address_t *out, db_err_t *err)
{
    return wallet_address_create_owned(ctx, asset_id, url, public_name, NULL, out, err);
}

wallet_address_result_t wallet_address_create_owned(const wallet_ctx_t *ctx, ledger_id_t asset_id,
                                                    const char *url, const char *public_name,
                                                    const char *owner, wallet_address_t *out,
                                                    db_err_t *err)
{
    wallet_address_t w = {.asset_id = asset_id, .active = true};
    if (wallet_address_url_check(ctx->op_url, url, strlen(url), w.url) != 0)
        return WALLET_ADDRESS_URL_INVALID;
    if (public_name && !name_ok(public_name))
        return WALLET_ADDRESS_NAME_INVALID;
    snprintf(w.public_name, sizeof w.public_name, "%s", public_name ? public_name : "");
    wallet_address_t existing;
    wallet_address_result_t r =
        wallet_address_get_by_url(ctx, w.url, strlen(w.url), &existing, err);
    if (r != WALLET_ADDRESS_NOT_FOUND)
        return r == WALLET_ADDRESS_OK ? WALLET_ADDRESS_URL_TAKEN : r;

    ledger_asset_t asset;
    ledger_result_t lr = ledger_asset_get(ctx->ledger, asset_id, &asset);
    if (lr != LEDGER_OK)
        return ledger_fail(lr, err);
    snprintf(w.asset_code, sizeof w.asset_code, "%s", asset.code);
    w.asset_scale = asset.scale;
    ledger_account_t acct = {
        .asset_id = asset_id, .kind = LEDGER_KIND_WALLET, .stream_enabled = true};
    if ((lr = ledger_account_create(ctx->ledger, &acct)) != LEDGER_OK)
        return ledger_fail(lr, err);
    w.id = ledger_id_random();
    w.account_id = acct.id;
    w.created_ms = w.updated_ms = clock_wall_ms();
    db_err_t e = {0};
    db_rc_t rc = db_write_tx(ctx->db, tx_insert, &(wa_insert_t){&w, owner}, &e);
    if (rc == DB_CONSTRAINT)
        return WALLET_ADDRESS_URL_TAKEN;
    if (rc != DB_OK)
        return storage(err, &e);
    *out = w;
    return WALLET_ADDRESS_OK;
}

typedef struct {
    ledger_id_t id;
    const char *public_name;
    const bool *active;
    int64_t now_ms;
} wa_update_t;

static db_rc_t tx_update(db_conn_t *c, void *arg, db_err_t *e)
{
    const wa_update_t *u = arg;
    db_stmt_t *st = db_prepare(c,
                               "UPDATE wallet_addresses SET public_name = COALESCE(?, "
                               "public_name), active = COALESCE(?, active), updated_at = ? "
                               "WHERE id = ?",
                               e);
    if (!st)
        return e->code;
    db_bind_str(st, 1, u->public_name);
    if (u->active)
        db_bind_bool(st, 2, *u->active);
    else
        db_bind_null(st, 2);
    db_bind_i64(st, 3, u->now_ms);
    pay_bind_id(st, 4, u->id);
    db_rc_t rc = db_run(st, e);
    if (rc == DB_OK && db_changes(st) == 0)
        return DB_NOT_FOUND;
    return rc;
}

wallet_address_result_t wallet_address_update(const wallet_ctx_t *ctx, ledger_id_t id,
                                              const char *public_name, const bool *active,
                                              wallet_address_t *out, db_err_t *err)
{
    if (public_name && !name_ok(public_name))
        return WALLET_ADDRESS_NAME_INVALID;
    wa_update_t u = {id, public_name, active, clock_wall_ms()};
    db_err_t e = {0};
    db_rc_t rc = db_write_tx(ctx->db, tx_update, &u, &e);
    if (rc == DB_NOT_FOUND)
        return WALLET_ADDRESS_NOT_FOUND;
    if (rc != DB_OK)
        return storage(err, &e);
    return wallet_address_get(ctx, id, out, err);
}

static db_rc_t tx_not_found(db_conn_t *c, void *arg, db_err_t *e)
{
    const char *url = arg;
    json_t *data = json_pack("{s:s}", "walletAddressUrl", url);
    int rc = data ? webhook_event_add(c, WEBHOOK_WALLET_ADDRESS_NOT_FOUND, url, data, e) : DB_NOMEM;
    json_decref(data);
    return (db_rc_t)rc;
}

wallet_address_result_t wallet_address_not_found_event(const wallet_ctx_t *ctx, const char *url,
                                                       size_t len, db_err_t *err)
{
    char u[WALLET_ADDRESS_URL_MAX + 1];
    if (len > WALLET_ADDRESS_URL_MAX)
        len = WALLET_ADDRESS_URL_MAX;
    memcpy(u, url, len);
    u[len] = '\0';
    db_err_t e = {0};
    if (db_write_tx(ctx->db, tx_not_found, u, &e) != DB_OK)
        return storage(err, &e);
    return WALLET_ADDRESS_OK;
}

void wallet_address_auth_server(const wallet_ctx_t *ctx, const char *owner,
                                char out[WALLET_ADDRESS_AUTH_SERVER_MAX])
{
    /* the GNAP grant endpoint URI: clients POST grant requests to exactly this string and the
     * interaction finish hash covers it, so it has one spelling (the operator's ends in a slash,
     * a tenant's is {AUTH_SERVER_URL}/{tenantId}, as Rafiki's) */
    snprintf(out, WALLET_ADDRESS_AUTH_SERVER_MAX, "%s/%s", ctx->auth_url, owner ? owner : "");
}

json_t *wallet_address_document(const wallet_ctx_t *ctx, const wallet_address_t *w)
{
    char grant_endpoint[WALLET_ADDRESS_AUTH_SERVER_MAX];
    char owner[PAY_TENANT_ID_LEN + 1], rs[WALLET_ADDRESS_URL_MAX + PAY_TENANT_ID_LEN + 2];
    if (pay_wallet_owner(ctx->db, w->id, owner) != PAY_TENANT_OK ||
        pay_op_base(ctx->op_url, owner, rs, sizeof rs) != 0)
        return NULL;
    wallet_address_auth_server(ctx, owner, grant_endpoint);
    json_t *doc =
        json_pack("{s:s,s:s,s:i,s:s,s:s}", "id", w->url, "assetCode", w->asset_code, "assetScale",
                  (int)w->asset_scale, "authServer", grant_endpoint, "resourceServer", rs);
    if (doc && w->public_name[0])
        json_object_set_new(doc, "publicName", json_string(w->public_name));
    return doc;
}
