/*
 * The Open Payments resource server (see op_resource.h): incoming payments, quotes and
 * outgoing payments for third parties, each request authorized by token introspection and the
 * client's HTTP signature, answers shaped exactly as spec 1.3.0 says.
 */
#include "backend/op_resource.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/admin.h"
#include "backend/incoming_payment.h"
#include "base/clock.h"
#include "base/codec.h"
#include "base/interval.h"
#include "base/log.h"
#include "base/mem.h"
#include "http/json.h"

#define RS_BODY_MAX     (64u * 1024u)
#define RS_PAGE_DEFAULT 20
#define RS_PAGE_MAX     100
#define RS_CLIENT_MAX   (OP_CLIENT_MAX + 8)

typedef const op_resource_config_t rs_t;

/* ---- answers ---- */

static http_handler_result_t rs_error(http_req_t *req, rs_t *rs, unsigned status,
                                      const char *description)
{
    char code[8];
    snprintf(code, sizeof code, "%u", status);
    if (status == 401) {
        char h[WALLET_ADDRESS_URL_MAX + 32];
        snprintf(h, sizeof h, "GNAP as_uri=%s/", rs->wallet->auth_url);
        http_req_add_header(req, "WWW-Authenticate", h);
    }
    json_t *doc = json_pack("{s:{s:s,s:s}}", "error", "code", code, "description", description);
    http_respond_json(req, status, doc);
    json_decref(doc);
    return HTTP_DONE;
}

static http_handler_result_t rs_json(http_req_t *req, rs_t *rs, unsigned status, json_t *doc)
{
    if (!doc)
        return rs_error(req, rs, 500, "out of memory");
    http_respond_json(req, status, doc);
    json_decref(doc);
    return HTTP_DONE;
}

static json_t *amount_json(uint64_t value, const char *code, uint8_t scale)
{
    return json_pack("{s:o,s:s,s:i}", "value", admin_json_u64(value), "assetCode", code,
                     "assetScale", (int)scale);
}

static void resource_url(rs_t *rs, const char *kind, ledger_id_t id, char *out, size_t cap)
{
    char s[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(id, s);
    snprintf(out, cap, "%s/%s/%s", rs->wallet->op_url, kind, s);
}

/* The id of {op_url}/{kind}/{id}, or of a bare id. */
static int resource_id(rs_t *rs, const char *kind, const char *s, ledger_id_t *out)
{
    char prefix[WALLET_ADDRESS_URL_MAX + 32];
    int n = snprintf(prefix, sizeof prefix, "%s/%s/", rs->wallet->op_url, kind);
    if (n > 0 && strncmp(s, prefix, (size_t)n) == 0)
        s += n;
    return ledger_id_parse(s, strlen(s), out);
}

/* ---- who asks ---- */

/* The client identity a resource records: the wallet address URL, or "jwk:<kid>". */
static void client_id(const op_access_t *acc, char out[RS_CLIENT_MAX + 1])
{
    const char *kid = json_string_value(json_object_get(acc->client_jwk, "kid"));
    if (acc->client[0])
        snprintf(out, RS_CLIENT_MAX + 1, "%s", acc->client);
    else
        snprintf(out, RS_CLIENT_MAX + 1, "jwk:%s", kid ? kid : "");
}

/* Token introspection for (type, action, identifier), then the client's signature. Answers
 * and returns false when the request may not go on; the caller releases acc->client_jwk. */
static bool authorize(http_req_t *req, rs_t *rs, const char *type, const char *action,
                      const char *identifier, op_access_t *acc)
{
    memset(acc, 0, sizeof *acc);
    const char *h = http_req_header(req, "Authorization");
    if (!h || strncmp(h, "GNAP ", 5) != 0 || !h[5] || strchr(h + 5, ' ')) {
        rs_error(req, rs, 401, "Authorization: GNAP <access token> is required");
        return false;
    }
    op_access_result_t r =
        rs->introspect ? rs->introspect(rs->introspect_user, h + 5, type, action, identifier, acc)
                       : OP_ACCESS_ERROR;
    if (r == OP_ACCESS_INACTIVE) {
        rs_error(req, rs, 403, "Inactive Token");
        return false;
    }
    if (r == OP_ACCESS_INSUFFICIENT) {
        rs_error(req, rs, 403, "Insufficient Grant");
        return false;
    }
    if (r != OP_ACCESS_ACTIVE) {
        rs_error(req, rs, 401, "Invalid Token");
        return false;
    }
    char why[256];
    op_sig_result_t s =
        op_sig_verify(rs->sig, req, rs->wallet->op_url, acc->client[0] ? acc->client : NULL,
                      acc->client_jwk, why, sizeof why);
    if (s != OP_SIG_OK) {
        json_decref(acc->client_jwk);
        acc->client_jwk = NULL;
        rs_error(req, rs, s == OP_SIG_STORAGE_ERROR ? 500 : 401, why);
        return false;
    }
    return true;
}

/* ---- who created what: the client column (sql/052_op_clients.sql) ---- */

/* True when the resource was created by this client (or the access covers all of them). */
static bool client_may_see(rs_t *rs, const char *table, ledger_id_t id, const op_access_t *acc)
{
    if (acc->all)
        return true;
    char sql[128], ids[LEDGER_ID_STR_LEN + 1], me[RS_CLIENT_MAX + 1];
    snprintf(sql, sizeof sql, "SELECT client FROM %s WHERE id = ?", table);
    ledger_id_format(id, ids);
    client_id(acc, me);
    db_err_t e;
    db_conn_t *c = db_acquire(rs->wallet->db, DB_CONN_READ, &e);
    db_stmt_t *st = c ? db_prepare(c, sql, &e) : NULL;
    bool ok = false;
    if (st) {
        db_bind_str(st, 1, ids);
        if (db_step_one(st, &e) == DB_ROW && !db_col_null(st, 0))
            ok = strcmp(db_col_text(st, 0, NULL), me) == 0;
    }
    if (c)
        db_release(c);
    return ok;
}

/* ---- wallet addresses ---- */

static wallet_address_result_t wallet_by_url(rs_t *rs, const char *url, wallet_address_t *w)
{
    db_err_t e;
    wallet_address_result_t r = wallet_address_get_by_url(rs->wallet, url, strlen(url), w, &e);
    if (r == WALLET_ADDRESS_OK && !w->active)
        r = WALLET_ADDRESS_INACTIVE;
    return r;
}

static int wallet_url_of(rs_t *rs, ledger_id_t id, char *out, size_t cap)
{
    wallet_address_t w;
    db_err_t e;
    if (wallet_address_get(rs->wallet, id, &w, &e) != WALLET_ADDRESS_OK)
        return -1;
    snprintf(out, cap, "%s", w.url);
    return 0;
}

/* ---- incoming payments ---- */

static json_t *incoming_json(rs_t *rs, const incoming_payment_t *p, const char *wallet_url,
                             bool methods)
{
    char url[WALLET_ADDRESS_URL_MAX + 64];
    resource_url(rs, "incoming-payments", p->id, url, sizeof url);
    json_t *doc =
        json_pack("{s:s,s:s,s:b,s:o,s:o,s:o}", "id", url, "walletAddress", wallet_url, "completed",
                  p->state == INCOMING_PAYMENT_COMPLETED, "receivedAmount",
                  amount_json(p->received_amount, p->asset_code, p->asset_scale), "createdAt",
                  admin_json_time(p->created_ms), "expiresAt", admin_json_time(p->expires_ms));
    if (!doc)
        return NULL;
    if (p->has_incoming_amount)
        json_object_set_new(doc, "incomingAmount",
                            amount_json(p->incoming_amount, p->asset_code, p->asset_scale));
    if (p->metadata[0]) {
        json_t *m = json_loads(p->metadata, 0, NULL);
        if (m)
            json_object_set_new(doc, "metadata", m);
    }
    if (methods) {
        json_t *list = json_array();
        stream_credentials_t cred;
        if (p->state == INCOMING_PAYMENT_PENDING &&
            incoming_payment_credentials(rs->wallet, p, &cred) == 0) {
            char secret[64];
            b64_encode(secret, sizeof secret, cred.shared_secret, sizeof cred.shared_secret,
                       B64_URL | B64_NOPAD);
            json_array_append_new(list, json_pack("{s:s,s:s,s:s}", "type", "ilp", "ilpAddress",
                                                  cred.address, "sharedSecret", secret));
        }
        json_object_set_new(doc, "methods", list);
    }
    return doc;
}

static http_handler_result_t incoming_create(http_req_t *req, void *user)
{
    rs_t *rs = user;
    http_json_err_t je;
    json_t *body = http_json_parse(http_req_body(req), &je);
    const char *wa = json_string_value(json_object_get(body, "walletAddress"));
    op_access_t acc;
    http_handler_result_t res = HTTP_DONE;
    if (!json_is_object(body) || !wa) {
        rs_error(req, rs, 400, body ? "walletAddress is required" : je.message);
        json_decref(body);
        return HTTP_DONE;
    }
    if (!authorize(req, rs, "incoming-payment", "create", wa, &acc)) {
        json_decref(body);
        return HTTP_DONE;
    }
    wallet_address_t w;
    incoming_payment_new_t in = {0};
    const char *key;
    json_t *v;
    char *meta = NULL;
    json_object_foreach(body, key, v)
    {
        if (strcmp(key, "walletAddress") && strcmp(key, "incomingAmount") &&
            strcmp(key, "expiresAt") && strcmp(key, "metadata")) {
            rs_error(req, rs, 400, "unknown field in the incoming payment");
            goto out;
        }
    }
    if (wallet_by_url(rs, wa, &w) != WALLET_ADDRESS_OK) {
        rs_error(req, rs, 404, "unknown or inactive wallet address");
        goto out;
    }
    in.wallet_address_id = w.id;
    const json_t *amt = json_object_get(body, "incomingAmount");
    if (amt) {
        const char *val = json_string_value(json_object_get(amt, "value"));
        const char *code = json_string_value(json_object_get(amt, "assetCode"));
        const json_t *scale = json_object_get(amt, "assetScale");
        if (!val || http_json_parse_u64(val, strlen(val), &in.incoming_amount) != 0 ||
            in.incoming_amount == 0 || !code || strcmp(code, w.asset_code) != 0 ||
            !json_is_integer(scale) || json_integer_value(scale) != w.asset_scale) {
            rs_error(req, rs, 400,
                     "incomingAmount must be a positive amount in the wallet "
                     "address's asset");
            goto out;
        }
        in.has_incoming_amount = true;
    }
    const char *exp = json_string_value(json_object_get(body, "expiresAt"));
    if (json_object_get(body, "expiresAt") &&
        (!exp || iso_datetime_parse(exp, strlen(exp), &in.expires_ms) != 0)) {
        rs_error(req, rs, 400, "expiresAt must be an RFC 3339 date-time");
        goto out;
    }
    const json_t *md = json_object_get(body, "metadata");
    if (md && !json_is_object(md)) {
        rs_error(req, rs, 400, "metadata must be an object");
        goto out;
    }
    in.metadata = meta = md ? json_dumps(md, JSON_COMPACT) : NULL;
    char me[RS_CLIENT_MAX + 1];
    client_id(&acc, me);
    in.client = me;
    incoming_payment_t p;
    db_err_t e;
    incoming_payment_result_t r = incoming_payment_create(rs->wallet, &in, &p, &e);
    if (r == INCOMING_PAYMENT_STORAGE_ERROR) {
        rs_error(req, rs, 500, "storage unavailable");
        goto out;
    }
    if (r != INCOMING_PAYMENT_OK) {
        rs_error(req, rs, 400, incoming_payment_result_str(r));
        goto out;
    }
    res = rs_json(req, rs, 201, incoming_json(rs, &p, w.url, true));
out:
    free(meta);
    json_decref(acc.client_jwk);
    json_decref(body);
    return res;
}

/* The incoming payment of /incoming-payments/{id} and its wallet address URL; answers 404. */
static bool incoming_load(http_req_t *req, rs_t *rs, incoming_payment_t *p, char *wallet_url,
                          size_t cap)
{
    ledger_id_t id;
    db_err_t e;
    incoming_payment_result_t r = INCOMING_PAYMENT_NOT_FOUND;
    if (resource_id(rs, "incoming-payments", http_req_param(req, "id"), &id) == 0)
        r = incoming_payment_get(rs->wallet, id, p, &e);
    if (r == INCOMING_PAYMENT_OK && wallet_url_of(rs, p->wallet_address_id, wallet_url, cap) == 0)
        return true;
    rs_error(req, rs, r == INCOMING_PAYMENT_STORAGE_ERROR ? 500 : 404,
             r == INCOMING_PAYMENT_STORAGE_ERROR ? "storage unavailable"
                                                 : "unknown incoming payment");
    return false;
}

static http_handler_result_t incoming_get(http_req_t *req, void *user)
{
    rs_t *rs = user;
    incoming_payment_t p;
    char wallet_url[WALLET_ADDRESS_URL_MAX + 1];
    if (!incoming_load(req, rs, &p, wallet_url, sizeof wallet_url))
        return HTTP_DONE;
    if (!http_req_header(req, "Authorization")) {
        /* the public view: where to ask for access, and what has arrived */
        char as[WALLET_ADDRESS_URL_MAX + 2];
        snprintf(as, sizeof as, "%s/", rs->wallet->auth_url);
        return rs_json(req, rs, 200,
                       json_pack("{s:s,s:o}", "authServer", as, "receivedAmount",
                                 amount_json(p.received_amount, p.asset_code, p.asset_scale)));
    }
    op_access_t acc;
    if (!authorize(req, rs, "incoming-payment", "read", wallet_url, &acc))
        return HTTP_DONE;
    bool mine = client_may_see(rs, "incoming_payments", p.id, &acc);
    json_decref(acc.client_jwk);
    if (!mine)
        return rs_error(req, rs, 404, "unknown incoming payment");
    return rs_json(req, rs, 200, incoming_json(rs, &p, wallet_url, true));
}

static http_handler_result_t incoming_complete(http_req_t *req, void *user)
{
    rs_t *rs = user;
    incoming_payment_t p;
    char wallet_url[WALLET_ADDRESS_URL_MAX + 1];
    if (!incoming_load(req, rs, &p, wallet_url, sizeof wallet_url))
        return HTTP_DONE;
    op_access_t acc;
    if (!authorize(req, rs, "incoming-payment", "complete", wallet_url, &acc))
        return HTTP_DONE;
    /* only the client that created it may complete it (there is no complete-all) */
    bool mine = client_may_see(rs, "incoming_payments", p.id, &acc);
    json_decref(acc.client_jwk);
    if (!mine)
        return rs_error(req, rs, 404, "unknown incoming payment");
    db_err_t e;
    incoming_payment_result_t r = incoming_payment_complete(rs->wallet, p.id, &p, &e);
    if (r == INCOMING_PAYMENT_ALREADY_COMPLETED || r == INCOMING_PAYMENT_ALREADY_EXPIRED)
        return rs_error(req, rs, 409, incoming_payment_result_str(r));
    if (r != INCOMING_PAYMENT_OK)
        return rs_error(req, rs, 500, "storage unavailable");
    return rs_json(req, rs, 200, incoming_json(rs, &p, wallet_url, false));
}

/* ---- lists ---- */

typedef json_t *(*row_json_fn)(http_req_t *req, rs_t *rs, ledger_id_t id, const char *wallet_url);

/* GET /{kind}?wallet-address=&first|last&cursor over table, newest last. */
static http_handler_result_t list(http_req_t *req, rs_t *rs, const char *type, const char *table,
                                  row_json_fn row)
{
    const char *wa = http_req_query(req, "wallet-address");
    const char *first = http_req_query(req, "first"), *last = http_req_query(req, "last");
    const char *cursor = http_req_query(req, "cursor");
    if (!wa)
        return rs_error(req, rs, 400, "wallet-address is required");
    long n = RS_PAGE_DEFAULT;
    if ((first && last) || (last && !cursor))
        return rs_error(req, rs, 400, "give first or last (last only with a cursor)");
    const char *count = first ? first : last;
    if (count) {
        char *end;
        n = strtol(count, &end, 10);
        if (*end || n < 1 || n > RS_PAGE_MAX)
            return rs_error(req, rs, 400, "first and last are 1 to 100");
    }
    op_access_t acc;
    if (!authorize(req, rs, type, "list", wa, &acc))
        return HTTP_DONE;
    wallet_address_t w;
    ledger_id_t cur = {0};
    char me[RS_CLIENT_MAX + 1], wid[LEDGER_ID_STR_LEN + 1], cid[LEDGER_ID_STR_LEN + 1] = "";
    client_id(&acc, me);
    bool all = acc.all;
    json_decref(acc.client_jwk);
    if (wallet_by_url(rs, wa, &w) != WALLET_ADDRESS_OK)
        return rs_error(req, rs, 404, "unknown wallet address");
    if (cursor && resource_id(rs,
                              strcmp(table, "incoming_payments") == 0 ? "incoming-payments"
                                                                      : "outgoing-payments",
                              cursor, &cur) != 0)
        return rs_error(req, rs, 400, "cursor is not a resource id");
    if (cursor)
        ledger_id_format(cur, cid);
    ledger_id_format(w.id, wid);
    bool backward = last != NULL;
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT id FROM %s WHERE wallet_address_id = ? AND (? OR client = ?) AND (? = '' OR "
             "(created_at, id) %s (SELECT created_at, id FROM %s WHERE id = ?)) ORDER BY "
             "created_at %s, id %s LIMIT ?",
             table, backward ? "<" : ">", table, backward ? "DESC" : "ASC",
             backward ? "DESC" : "ASC");
    db_err_t e;
    db_conn_t *c = db_acquire(rs->wallet->db, DB_CONN_READ, &e);
    db_stmt_t *st = c ? db_prepare(c, sql, &e) : NULL;
    ledger_id_t ids[RS_PAGE_MAX + 1];
    long got = 0;
    db_rc_t rc = DB_ERROR;
    if (st) {
        db_bind_str(st, 1, wid);
        db_bind_bool(st, 2, all);
        db_bind_str(st, 3, me);
        db_bind_str(st, 4, cid);
        db_bind_str(st, 5, cid);
        db_bind_i64(st, 6, n + 1);
        while ((rc = db_step(st, &e)) == DB_ROW && got <= n) {
            const char *s = db_col_text(st, 0, NULL);
            if (s && ledger_id_parse(s, strlen(s), &ids[got]) == 0)
                got++;
        }
    }
    if (c)
        db_release(c);
    if (rc != DB_DONE && rc != DB_ROW)
        return rs_error(req, rs, 500, "storage unavailable");
    bool more = got > n;
    if (more)
        got = n;
    json_t *result = json_array();
    for (long i = 0; i < got; i++) {
        long k = backward ? got - 1 - i : i;
        json_t *item = row(req, rs, ids[k], w.url);
        if (item)
            json_array_append_new(result, item);
    }
    json_t *page = json_pack("{s:b,s:b}", "hasNextPage", backward ? cursor != NULL : more,
                             "hasPreviousPage", backward ? more : cursor != NULL);
    if (got > 0) {
        char s[LEDGER_ID_STR_LEN + 1];
        ledger_id_format(ids[backward ? got - 1 : 0], s);
        json_object_set_new(page, "startCursor", json_string(s));
        ledger_id_format(ids[backward ? 0 : got - 1], s);
        json_object_set_new(page, "endCursor", json_string(s));
    }
    return rs_json(req, rs, 200, json_pack("{s:o,s:o}", "pagination", page, "result", result));
}

static json_t *incoming_row(http_req_t *req, rs_t *rs, ledger_id_t id, const char *wallet_url)
{
    (void)req;
    incoming_payment_t p;
    db_err_t e;
    if (incoming_payment_get(rs->wallet, id, &p, &e) != INCOMING_PAYMENT_OK)
        return NULL;
    return incoming_json(rs, &p, wallet_url, false);
}

static http_handler_result_t incoming_list(http_req_t *req, void *user)
{
    return list(req, user, "incoming-payment", "incoming_payments", incoming_row);
}

/* ---- quotes ---- */

static json_t *quote_json(rs_t *rs, const quote_t *q, const char *wallet_url)
{
    char url[WALLET_ADDRESS_URL_MAX + 64];
    resource_url(rs, "quotes", q->id, url, sizeof url);
    return json_pack(
        "{s:s,s:s,s:s,s:o,s:o,s:s,s:o,s:o}", "id", url, "walletAddress", wallet_url, "receiver",
        q->receiver, "receiveAmount",
        amount_json(q->receive_amount.value, q->receive_amount.asset_code,
                    q->receive_amount.asset_scale),
        "debitAmount",
        amount_json(q->debit_amount.value, q->debit_amount.asset_code, q->debit_amount.asset_scale),
        "method", "ilp", "createdAt", admin_json_time(q->created_ms), "expiresAt",
        admin_json_time(q->expires_ms));
}

/* An amount of a request body into a quote amount; 0, or -1 when malformed. */
static int quote_amount(const json_t *a, quote_amount_t *out)
{
    const char *v = json_string_value(json_object_get(a, "value"));
    const char *code = json_string_value(json_object_get(a, "assetCode"));
    const json_t *scale = json_object_get(a, "assetScale");
    if (!v || !code || strlen(code) > ASSET_CODE_MAX_LEN || !json_is_integer(scale) ||
        json_integer_value(scale) < 0 || json_integer_value(scale) > 255 ||
        http_json_parse_u64(v, strlen(v), &out->value) != 0)
        return -1;
    snprintf(out->asset_code, sizeof out->asset_code, "%s", code);
    out->asset_scale = (uint8_t)json_integer_value(scale);
    return 0;
}

static unsigned quote_status(quote_result_t r)
{
    return r == QUOTE_STORAGE_ERROR ? 500 : 400;
}

/* Prices a quote for (wallet w, receiver, debit | receive) and records its client. */
static quote_result_t quote_make(rs_t *rs, const wallet_address_t *w, const char *receiver,
                                 const json_t *debit, const json_t *receive, const char *client,
                                 quote_t *q)
{
    quote_request_t qr = {.wallet_address_id = w->id,
                          .receiver = receiver,
                          .receiver_len = strlen(receiver),
                          .has_debit = debit != NULL,
                          .has_receive = receive != NULL,
                          .client = client};
    if ((debit && quote_amount(debit, &qr.debit_amount) != 0) ||
        (receive && quote_amount(receive, &qr.receive_amount) != 0))
        return QUOTE_ASSET_MISMATCH;
    return quote_create(outgoing_payments_quotes(rs->payments), &qr, q);
}

static bool receiver_url_ok(const char *s)
{
    const char *p = strncmp(s, "https://", 8) == 0  ? s + 8
                    : strncmp(s, "http://", 7) == 0 ? s + 7
                                                    : NULL;
    const char *seg = p ? strstr(p, "/incoming-payments/") : NULL;
    return seg && seg > p && seg[strlen("/incoming-payments/")] != '\0';
}

static http_handler_result_t quote_create_route(http_req_t *req, void *user)
{
    rs_t *rs = user;
    http_json_err_t je;
    json_t *body = http_json_parse(http_req_body(req), &je);
    const char *wa = json_string_value(json_object_get(body, "walletAddress"));
    if (!json_is_object(body) || !wa) {
        rs_error(req, rs, 400, body ? "walletAddress is required" : je.message);
        json_decref(body);
        return HTTP_DONE;
    }
    op_access_t acc;
    if (!authorize(req, rs, "quote", "create", wa, &acc)) {
        json_decref(body);
        return HTTP_DONE;
    }
    const char *receiver = json_string_value(json_object_get(body, "receiver"));
    const char *method = json_string_value(json_object_get(body, "method"));
    const json_t *debit = json_object_get(body, "debitAmount");
    const json_t *receive = json_object_get(body, "receiveAmount");
    wallet_address_t w;
    char me[RS_CLIENT_MAX + 1];
    client_id(&acc, me);
    json_decref(acc.client_jwk);
    http_handler_result_t res;
    quote_t *q = xcalloc(1, sizeof *q);
    quote_result_t r;
    if (!receiver || !receiver_url_ok(receiver) || !method || strcmp(method, "ilp") != 0)
        res = rs_error(req, rs, 400,
                       "receiver (an incoming payment URL) and method \"ilp\" are "
                       "required");
    else if (debit && receive)
        res = rs_error(req, rs, 400, "debitAmount and receiveAmount are mutually exclusive");
    else if (wallet_by_url(rs, wa, &w) != WALLET_ADDRESS_OK)
        res = rs_error(req, rs, 400, "unknown or inactive wallet address");
    else if ((r = quote_make(rs, &w, receiver, debit, receive, me, q)) != QUOTE_OK)
        res = rs_error(req, rs, quote_status(r), quote_result_str(r));
    else
        res = rs_json(req, rs, 201, quote_json(rs, q, w.url));
    free(q);
    json_decref(body);
    return res;
}

static http_handler_result_t quote_get_route(http_req_t *req, void *user)
{
    rs_t *rs = user;
    ledger_id_t id;
    quote_t *q = xcalloc(1, sizeof *q);
    char wallet_url[WALLET_ADDRESS_URL_MAX + 1];
    http_handler_result_t res;
    op_access_t acc;
    if (resource_id(rs, "quotes", http_req_param(req, "id"), &id) != 0 ||
        quote_get(rs->wallet->db, id, q) != QUOTE_OK ||
        wallet_url_of(rs, q->wallet_address_id, wallet_url, sizeof wallet_url) != 0) {
        res = rs_error(req, rs, 404, "unknown quote");
    } else if (!authorize(req, rs, "quote", "read", wallet_url, &acc)) {
        res = HTTP_DONE;
    } else {
        bool mine = client_may_see(rs, "quotes", q->id, &acc);
        json_decref(acc.client_jwk);
        res = mine ? rs_json(req, rs, 200, quote_json(rs, q, wallet_url))
                   : rs_error(req, rs, 404, "unknown quote");
    }
    free(q);
    return res;
}

/* ---- outgoing payments ---- */

static json_t *outgoing_json(rs_t *rs, const outgoing_payment_t *p, const quote_t *q,
                             const char *wallet_url)
{
    char url[WALLET_ADDRESS_URL_MAX + 64], quote_url[WALLET_ADDRESS_URL_MAX + 64];
    resource_url(rs, "outgoing-payments", p->id, url, sizeof url);
    resource_url(rs, "quotes", q->id, quote_url, sizeof quote_url);
    bool failed = p->state == OUTGOING_PAYMENT_FAILED || p->state == OUTGOING_PAYMENT_CANCELLED;
    /* sent: what left towards the receiver, and the fee once the payment is done */
    uint64_t sent = p->sent_amount;
    if (p->state == OUTGOING_PAYMENT_COMPLETED)
        sent = q->debit_amount.value;
    if (sent > q->debit_amount.value)
        sent = q->debit_amount.value;
    json_t *doc = json_pack(
        "{s:s,s:s,s:s,s:b,s:s,s:o,s:o,s:o,s:o}", "id", url, "walletAddress", wallet_url, "quoteId",
        quote_url, "failed", failed, "receiver", q->receiver, "receiveAmount",
        amount_json(q->receive_amount.value, q->receive_amount.asset_code,
                    q->receive_amount.asset_scale),
        "debitAmount",
        amount_json(q->debit_amount.value, q->debit_amount.asset_code, q->debit_amount.asset_scale),
        "sentAmount", amount_json(sent, q->debit_amount.asset_code, q->debit_amount.asset_scale),
        "createdAt", admin_json_time(p->created_ms));
    if (doc && p->metadata[0]) {
        json_t *m = json_loads(p->metadata, 0, NULL);
        if (m)
            json_object_set_new(doc, "metadata", m);
    }
    return doc;
}

/* The spent amounts of the token's grant in the current interval (NULL members: none). */
static void grant_spent(rs_t *rs, const op_access_t *acc, json_t **debit, json_t **receive)
{
    *debit = *receive = NULL;
    grant_spend_t sp;
    db_err_t e;
    if (!acc->has_limits || grant_limits_spent(rs->wallet->db, acc->grant_id, &acc->limits,
                                               clock_wall_ms(), &sp, &e) != GRANT_LIMITS_OK)
        return;
    if (acc->limits.has_debit)
        *debit = amount_json(sp.debit_spent, acc->limits.debit.asset_code,
                             acc->limits.debit.asset_scale);
    if (acc->limits.has_receive)
        *receive = amount_json(sp.receive_spent, acc->limits.receive.asset_code,
                               acc->limits.receive.asset_scale);
}

static unsigned outgoing_status(outgoing_payment_result_t r)
{
    switch (r) {
    case OUTGOING_PAYMENT_GRANT_LIMIT_EXCEEDED:
    case OUTGOING_PAYMENT_GRANT_INACTIVE:
    case OUTGOING_PAYMENT_LIMITS_ASSET_MISMATCH:
        return 403;
    case OUTGOING_PAYMENT_QUOTE_NOT_FOUND:
        return 404;
    case OUTGOING_PAYMENT_QUOTE_USED:
        return 409;
    case OUTGOING_PAYMENT_STORAGE_ERROR:
        return 500;
    default:
        return 400;
    }
}

static http_handler_result_t outgoing_create(http_req_t *req, void *user)
{
    rs_t *rs = user;
    http_json_err_t je;
    json_t *body = http_json_parse(http_req_body(req), &je);
    const char *wa = json_string_value(json_object_get(body, "walletAddress"));
    if (!json_is_object(body) || !wa) {
        rs_error(req, rs, 400, body ? "walletAddress is required" : je.message);
        json_decref(body);
        return HTTP_DONE;
    }
    op_access_t acc;
    if (!authorize(req, rs, "outgoing-payment", "create", wa, &acc)) {
        json_decref(body);
        return HTTP_DONE;
    }
    http_handler_result_t res = HTTP_DONE;
    char me[RS_CLIENT_MAX + 1], *meta = NULL;
    client_id(&acc, me);
    quote_t *q = xcalloc(1, sizeof *q);
    wallet_address_t w;
    const char *quote_s = json_string_value(json_object_get(body, "quoteId"));
    const char *incoming = json_string_value(json_object_get(body, "incomingPayment"));
    const json_t *debit = json_object_get(body, "debitAmount");
    const json_t *md = json_object_get(body, "metadata");
    ledger_id_t qid;
    if (wallet_by_url(rs, wa, &w) != WALLET_ADDRESS_OK) {
        rs_error(req, rs, 400, "unknown or inactive wallet address");
        goto out;
    }
    if (md && !json_is_object(md)) {
        rs_error(req, rs, 400, "metadata must be an object");
        goto out;
    }
    if (quote_s && !incoming && !debit) {
        if (resource_id(rs, "quotes", quote_s, &qid) != 0 ||
            quote_get(rs->wallet->db, qid, q) != QUOTE_OK) {
            rs_error(req, rs, 404, "unknown quote");
            goto out;
        }
    } else if (!quote_s && incoming && debit) {
        /* 1.3.0: pay an incoming payment a fixed debit amount; the quote is made here */
        quote_result_t r = receiver_url_ok(incoming)
                               ? quote_make(rs, &w, incoming, debit, NULL, me, q)
                               : QUOTE_RECEIVER_NOT_FOUND;
        if (r != QUOTE_OK) {
            rs_error(req, rs, quote_status(r), quote_result_str(r));
            goto out;
        }
    } else {
        rs_error(req, rs, 400, "give quoteId, or incomingPayment and debitAmount");
        goto out;
    }
    if (acc.receiver[0] && strcmp(acc.receiver, q->receiver) != 0) {
        rs_error(req, rs, 403, "the grant limits payments to another receiver");
        goto out;
    }
    ledger_id_t gid = {0};
    ledger_id_parse(acc.grant_id, strlen(acc.grant_id), &gid);
    meta = md ? json_dumps(md, JSON_COMPACT) : NULL;
    outgoing_payment_request_t pr = {.wallet_address_id = w.id,
                                     .quote_id = q->id,
                                     .grant_id = gid,
                                     .limits = acc.has_limits ? &acc.limits : NULL,
                                     .metadata = meta,
                                     .client = me};
    outgoing_payment_t p;
    outgoing_payment_result_t r = outgoing_payment_create(rs->payments, &pr, &p);
    if (r != OUTGOING_PAYMENT_OK) {
        rs_error(req, rs, outgoing_status(r), outgoing_payment_result_str(r));
        goto out;
    }
    json_t *doc = outgoing_json(rs, &p, q, w.url), *sd, *sr;
    grant_spent(rs, &acc, &sd, &sr);
    if (doc && sd)
        json_object_set_new(doc, "grantSpentDebitAmount", sd);
    if (doc && sr)
        json_object_set_new(doc, "grantSpentReceiveAmount", sr);
    res = rs_json(req, rs, 201, doc);
out:
    free(meta);
    free(q);
    json_decref(acc.client_jwk);
    json_decref(body);
    return res;
}

static json_t *outgoing_row(http_req_t *req, rs_t *rs, ledger_id_t id, const char *wallet_url)
{
    (void)req;
    outgoing_payment_t p;
    quote_t *q = xcalloc(1, sizeof *q);
    json_t *doc = NULL;
    if (outgoing_payment_get(rs->payments, id, &p) == OUTGOING_PAYMENT_OK &&
        quote_get(rs->wallet->db, p.quote_id, q) == QUOTE_OK)
        doc = outgoing_json(rs, &p, q, wallet_url);
    free(q);
    return doc;
}

static http_handler_result_t outgoing_get(http_req_t *req, void *user)
{
    rs_t *rs = user;
    ledger_id_t id;
    outgoing_payment_t p;
    char wallet_url[WALLET_ADDRESS_URL_MAX + 1];
    op_access_t acc;
    if (resource_id(rs, "outgoing-payments", http_req_param(req, "id"), &id) != 0 ||
        outgoing_payment_get(rs->payments, id, &p) != OUTGOING_PAYMENT_OK ||
        wallet_url_of(rs, p.wallet_address_id, wallet_url, sizeof wallet_url) != 0)
        return rs_error(req, rs, 404, "unknown outgoing payment");
    if (!authorize(req, rs, "outgoing-payment", "read", wallet_url, &acc))
        return HTTP_DONE;
    bool mine = client_may_see(rs, "outgoing_payments", p.id, &acc);
    json_decref(acc.client_jwk);
    json_t *doc = mine ? outgoing_row(req, rs, id, wallet_url) : NULL;
    return doc ? rs_json(req, rs, 200, doc) : rs_error(req, rs, 404, "unknown outgoing payment");
}

static http_handler_result_t outgoing_list(http_req_t *req, void *user)
{
    return list(req, user, "outgoing-payment", "outgoing_payments", outgoing_row);
}

static http_handler_result_t outgoing_grant(http_req_t *req, void *user)
{
    rs_t *rs = user;
    op_access_t acc;
    if (!authorize(req, rs, "outgoing-payment", "create", NULL, &acc))
        return HTTP_DONE;
    json_t *sd, *sr;
    grant_spent(rs, &acc, &sd, &sr);
    json_decref(acc.client_jwk);
    return rs_json(req, rs, 200,
                   json_pack("{s:o,s:o}", "spentDebitAmount", sd ? sd : json_null(),
                             "spentReceiveAmount", sr ? sr : json_null()));
}

int op_resource_register(http_server_t *s, const op_resource_config_t *cfg)
{
    void *u = (void *)cfg;
    return http_server_route(s, "POST", "/incoming-payments", incoming_create, u, RS_BODY_MAX) ||
                   http_server_route(s, "GET", "/incoming-payments", incoming_list, u, 0) ||
                   http_server_route(s, "GET", "/incoming-payments/{id}", incoming_get, u, 0) ||
                   http_server_route(s, "POST", "/incoming-payments/{id}/complete",
                                     incoming_complete, u, RS_BODY_MAX) ||
                   http_server_route(s, "POST", "/quotes", quote_create_route, u, RS_BODY_MAX) ||
                   http_server_route(s, "GET", "/quotes/{id}", quote_get_route, u, 0) ||
                   http_server_route(s, "POST", "/outgoing-payments", outgoing_create, u,
                                     RS_BODY_MAX) ||
                   http_server_route(s, "GET", "/outgoing-payments", outgoing_list, u, 0) ||
                   http_server_route(s, "GET", "/outgoing-payments/{id}", outgoing_get, u, 0) ||
                   http_server_route(s, "GET", "/outgoing-payment-grant", outgoing_grant, u, 0)
               ? -1
               : 0;
}
