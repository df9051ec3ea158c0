/* The console's peer check, wallet address search and payment lists (see console_lookups.h). */
#include "payments/console_lookups.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "payments/tenants.h"
#include "payments/wallet_address_props.h"
#include "base/assert.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "ilp/ildcp.h"

/* A URL compared byte by byte: Postgres's default collation orders URLs otherwise, and a prefix
 * range needs byte order (the index of sql/078_console_lookups.sql is on this expression). */
#define URL_C(col) col "{{IF_POSTGRES}} COLLATE \"C\"{{END_IF}}"

const char *pay_lookup_result_str(pay_lookup_result_t r)
{
    static const char *const s[PAY_LOOKUP_RESULT_COUNT] = {"ok", "invalid", "not_found",
                                                           "storage_error"};
    return (unsigned)r < PAY_LOOKUP_RESULT_COUNT ? s[r] : "unknown";
}

/* ---- the peer check ---- */

/* What the peer's answer body says, into out->outcome. */
static void check_answer(const http_client_resp_t *resp, pay_peer_check_t *out)
{
    ildcp_response_t d;
    ilp_reject_t rej;
    size_t cap = sizeof out->outcome;
    if (resp->status != 200) {
        snprintf(out->outcome, cap, "answered HTTP %u", resp->status);
        return;
    }
    ildcp_result_t r = ildcp_response_decode(resp->body, &d, &rej);
    if (r == ILDCP_OK)
        snprintf(out->outcome, cap, "fulfilled: it names this side %.*s",
                 (int)(d.client_address.len > 100 ? 100 : d.client_address.len),
                 (const char *)d.client_address.ptr);
    else if (r == ILDCP_ERR_NOT_FULFILL && rej.code[0])
        snprintf(out->outcome, cap, "rejected %s: %.*s", rej.code,
                 (int)(rej.message.len > 100 ? 100 : rej.message.len),
                 (const char *)rej.message.ptr);
    else
        snprintf(out->outcome, cap, "answered, not an IL-DCP reply (%s)", ildcp_result_str(r));
}

pay_lookup_result_t pay_peer_check(http_client_t *http, const peer_t *p, uint32_t timeout_ms,
                                   pay_peer_check_t *out)
{
    memset(out, 0, sizeof *out);
    if (!p->outgoing_endpoint || !p->outgoing_token)
        return PAY_LOOKUP_NOT_FOUND;
    if (!timeout_ms)
        timeout_ms = PAY_PEER_CHECK_TIMEOUT_MS;
    buf_t pkt;
    buf_init(&pkt, ILP_PACKET_MAX_LEN);
    ilp_result_t er = ildcp_request_encode(&pkt, clock_wall_ms() + (int64_t)timeout_ms);
    ASSERT(er == ILP_OK);
    char bearer[PEER_TOKEN_MAX + 8];
    snprintf(bearer, sizeof bearer, "Bearer %s", p->outgoing_token);
    const http_header_t h[] = {{"Content-Type", "application/octet-stream"},
                               {"Accept", "application/octet-stream"},
                               {"Authorization", bearer}};
    http_client_req_t req = {.method = "POST",
                             .url = p->outgoing_endpoint,
                             .headers = h,
                             .n_headers = 3,
                             .body = SLICE(pkt.ptr, pkt.len),
                             .timeout_ms = timeout_ms,
                             .response_max = ILP_PACKET_MAX_LEN};
    http_client_t *own = http ? NULL : http_client_new(NULL);
    http_client_resp_t resp = {0};
    uint64_t t0 = clock_mono_ms();
    http_client_result_t hr =
        (http || own) ? http_client_do_sync(http ? http : own, &req, &resp) : HTTP_CLIENT_NO_MEMORY;
    out->latency_ms = clock_mono_ms() - t0;
    out->reachable = hr == HTTP_CLIENT_OK;
    out->status = resp.status;
    if (out->reachable)
        check_answer(&resp, out);
    else
        snprintf(out->outcome, sizeof out->outcome, "%s", http_client_result_str(hr));
    http_client_resp_free(&resp);
    http_client_free(own);
    buf_free(&pkt);
    return PAY_LOOKUP_OK;
}

/* ---- wallet addresses ---- */

typedef struct {
    db_conn_t *c;
    db_err_t e;
} conn_t;

static db_stmt_t *prep(db_t *db, conn_t *k, const char *sql)
{
    memset(k, 0, sizeof *k);
    k->c = db_acquire(db, DB_CONN_READ, &k->e);
    return k->c ? db_prepare(k->c, sql, &k->e) : NULL;
}

static pay_lookup_result_t finish(conn_t *k, pay_lookup_result_t r)
{
    if (r == PAY_LOOKUP_STORAGE_ERROR)
        LOGE("console: database: %s", k->e.msg);
    if (k->c)
        db_release(k->c);
    return r;
}

/* The end of the prefix's range: the prefix with its last byte one higher (URLs are printable
 * ASCII). False for a prefix with another byte. */
static bool prefix_end(const char *prefix, char end[PAY_WALLET_SEARCH_MAX + 2])
{
    size_t n = strlen(prefix);
    if (n > PAY_WALLET_SEARCH_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)prefix[i] <= ' ' || (unsigned char)prefix[i] >= 0x7f)
            return false;
    if (n == 0) {
        memcpy(end, "\x7f", 2);
        return true;
    }
    memcpy(end, prefix, n + 1);
    end[n - 1] = (char)(end[n - 1] + 1);
    return true;
}

static const char SEARCH_ALL[] =
    "SELECT id FROM wallet_addresses WHERE " URL_C("url") " >= ? AND " URL_C(
        "url") " < ? AND " URL_C("url") " > ? ORDER BY " URL_C("url") " LIMIT ?";
static const char SEARCH_OWNER[] =
    "SELECT w.id FROM wallet_addresses w JOIN tenant_resources r ON r.resource_id = w.id AND "
    "r.kind = 3 AND r.tenant_id = ? WHERE " URL_C("w.url") " >= ? AND " URL_C(
        "w.url") " < ? AND " URL_C("w.url") " > ? ORDER BY " URL_C("w.url") " LIMIT ?";

/* The ids of a search's page into ids. */
static pay_lookup_result_t search_ids(db_t *db, const char *prefix, const char *end,
                                      const char *after, const char *owner, ledger_id_t *ids,
                                      size_t cap, size_t *n)
{
    conn_t k;
    db_stmt_t *st = prep(db, &k, owner ? SEARCH_OWNER : SEARCH_ALL);
    if (!st)
        return finish(&k, PAY_LOOKUP_STORAGE_ERROR);
    int i = 1;
    if (owner)
        db_bind_str(st, i++, owner);
    db_bind_str(st, i++, prefix);
    db_bind_str(st, i++, end);
    db_bind_str(st, i++, after ? after : "");
    db_bind_i64(st, i, (int64_t)cap);
    db_rc_t rc;
    while ((rc = db_step(st, &k.e)) == DB_ROW && *n < cap) {
        size_t len;
        const char *s = db_col_text(st, 0, &len);
        if (ledger_id_parse(s, len, &ids[*n]) == 0)
            (*n)++;
    }
    return finish(&k, rc == DB_ROW || rc == DB_DONE ? PAY_LOOKUP_OK : PAY_LOOKUP_STORAGE_ERROR);
}

pay_lookup_result_t pay_wallet_search(const wallet_ctx_t *ctx, const char *prefix,
                                      const char *after, const char *owner, wallet_address_t *out,
                                      size_t cap, size_t *n)
{
    char end[PAY_WALLET_SEARCH_MAX + 2];
    *n = 0;
    if (!prefix)
        prefix = "";
    if (!prefix_end(prefix, end))
        return PAY_LOOKUP_INVALID;
    ledger_id_t *ids = xcalloc(cap ? cap : 1, sizeof *ids);
    size_t got = 0;
    pay_lookup_result_t r = search_ids(ctx->db, prefix, end, after, owner, ids, cap, &got);
    for (size_t i = 0; r == PAY_LOOKUP_OK && i < got; i++) {
        wallet_address_result_t wr = wallet_address_get(ctx, ids[i], &out[*n], NULL);
        if (wr == WALLET_ADDRESS_OK)
            (*n)++;
        else if (wr != WALLET_ADDRESS_NOT_FOUND)
            r = PAY_LOOKUP_STORAGE_ERROR;
    }
    free(ids);
    return r;
}

static const char *incoming_state(int64_t s)
{
    return s == 1 ? "PENDING" : s == 2 ? "COMPLETED" : s == 3 ? "EXPIRED" : "UNKNOWN";
}

pay_lookup_result_t pay_wallet_payments(const wallet_ctx_t *ctx, ledger_id_t id, bool outgoing,
                                        pay_wallet_payment_t *out, size_t cap, size_t *n)
{
    char ids[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(id, ids);
    *n = 0;
    conn_t k;
    db_stmt_t *st =
        prep(ctx->db, &k,
             outgoing ? "SELECT id, state, sent_amount, created_at FROM outgoing_payments WHERE "
                        "wallet_address_id = ? ORDER BY created_at DESC LIMIT ?"
                      : "SELECT id, state, incoming_amount, created_at FROM incoming_payments "
                        "WHERE wallet_address_id = ? ORDER BY created_at DESC LIMIT ?");
    if (!st)
        return finish(&k, PAY_LOOKUP_STORAGE_ERROR);
    db_bind_str(st, 1, ids);
    db_bind_i64(st, 2, (int64_t)cap);
    db_rc_t rc;
    while ((rc = db_step(st, &k.e)) == DB_ROW && *n < cap) {
        pay_wallet_payment_t *p = &out[*n];
        memset(p, 0, sizeof *p);
        size_t len;
        const char *s = db_col_text(st, 0, &len);
        if (ledger_id_parse(s, len, &p->id) != 0)
            continue;
        snprintf(p->state, sizeof p->state, "%s",
                 outgoing ? db_col_text(st, 1, NULL) : incoming_state(db_col_i64(st, 1)));
        p->has_amount = !db_col_null(st, 2);
        p->amount = db_col_u64(st, 2);
        p->created_ms = db_col_i64(st, 3);
        (*n)++;
    }
    return finish(&k, rc == DB_ROW || rc == DB_DONE ? PAY_LOOKUP_OK : PAY_LOOKUP_STORAGE_ERROR);
}

pay_lookup_result_t pay_wallet_create_url(const wallet_ctx_t *ctx, const char *operator_id,
                                          const char *owner, const char *address, bool allow_http,
                                          char url[WALLET_ADDRESS_URL_MAX + 1])
{
    char base[PAY_TENANT_TEXT_MAX + 1];
    pay_tenant_result_t r = pay_tenant_setting(ctx->db, owner ? owner : operator_id,
                                               "WALLET_ADDRESS_URL", base, sizeof base);
    if (r == PAY_TENANT_NOT_FOUND && owner)
        return PAY_LOOKUP_NOT_FOUND;
    if (r != PAY_TENANT_OK && r != PAY_TENANT_NOT_FOUND)
        return PAY_LOOKUP_STORAGE_ERROR;
    if (wallet_address_url_under(r == PAY_TENANT_OK ? base : ctx->op_url, address ? address : "",
                                 allow_http, url) != 0)
        return PAY_LOOKUP_INVALID;
    return PAY_LOOKUP_OK;
}
