/*
 * Open Payments URLs under a tenant's prefix (see op_urls.h).
 */
#include "payments/op_urls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

int pay_op_base(const char *op_url, const char *owner, char *out, size_t cap)
{
    int n = owner && owner[0] ? snprintf(out, cap, "%s/%s", op_url, owner)
                              : snprintf(out, cap, "%s", op_url);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int pay_op_url(const char *op_url, const char *owner, const char *kind, ledger_id_t id, char *out,
               size_t cap)
{
    char s[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(id, s);
    int n = owner && owner[0] ? snprintf(out, cap, "%s/%s/%s/%s", op_url, owner, kind, s)
                              : snprintf(out, cap, "%s/%s/%s", op_url, kind, s);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* "/{kind}/{id}" exactly, at p (n bytes): the id. */
static int kind_id(const char *p, size_t n, const char *kind, ledger_id_t *id)
{
    size_t k = strlen(kind);
    if (n != 1 + k + 1 + LEDGER_ID_STR_LEN || p[0] != '/' || memcmp(p + 1, kind, k) != 0 ||
        p[1 + k] != '/')
        return -1;
    return ledger_id_parse(p + 2 + k, LEDGER_ID_STR_LEN, id);
}

int pay_op_url_parse(const char *op_url, const char *url, size_t len, const char *kind,
                     char tenant[PAY_TENANT_ID_LEN + 1], ledger_id_t *id)
{
    size_t base = strlen(op_url);
    tenant[0] = '\0';
    if (len <= base || memcmp(url, op_url, base) != 0)
        return -1;
    const char *p = url + base;
    size_t n = len - base;
    if (kind_id(p, n, kind, id) == 0)
        return 0;
    ledger_id_t t;
    if (n < 1 + PAY_TENANT_ID_LEN || p[0] != '/' ||
        ledger_id_parse(p + 1, PAY_TENANT_ID_LEN, &t) != 0 ||
        kind_id(p + 1 + PAY_TENANT_ID_LEN, n - 1 - PAY_TENANT_ID_LEN, kind, id) != 0)
        return -1;
    ledger_id_format(t, tenant);
    return 0;
}

pay_tenant_result_t pay_op_path_owner(db_t *db, const char *tenant,
                                      char owner[PAY_TENANT_ID_LEN + 1])
{
    owner[0] = '\0';
    if (!tenant || !tenant[0])
        return PAY_TENANT_OK;
    pay_tenant_t *t = xmalloc(sizeof *t);
    pay_tenant_result_t r = pay_tenant_get(db, tenant, false, t);
    if (r == PAY_TENANT_INVALID_ID)
        r = PAY_TENANT_NOT_FOUND;
    if (r == PAY_TENANT_OK && !t->is_operator)
        snprintf(owner, PAY_TENANT_ID_LEN + 1, "%s", t->id);
    free(t);
    return r;
}

pay_tenant_result_t pay_wallet_owner(db_t *db, ledger_id_t wallet_id,
                                     char owner[PAY_TENANT_ID_LEN + 1])
{
    char s[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(wallet_id, s);
    return pay_tenant_owner(db, PAY_OWNED_WALLET_ADDRESS, s, owner);
}
