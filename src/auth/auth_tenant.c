/*
 * The tenants of the authorization server (Rafiki 2.0's packages/auth/src/tenant/): a grant
 * belongs to the tenant whose endpoint {AUTH_SERVER_URL}/{tenantId} the client asked, and that
 * tenant's IdP (idpConsentUrl, idpSecret) is where its users consent and what the interaction
 * API accepts for its grants. The tenants are the payments layer's rows (payments/tenants.h,
 * sql/065_tenants.sql), read here through pay_tenant_get: one table and one reader for both
 * faces, also when the authorization server runs as a process of its own (it opens the same
 * database). The operator's grants keep this server's configuration (IDENTITY_SERVER_URL,
 * IDP_SECRET), as before tenants.
 */
#include <stdio.h>
#include <string.h>

#include "auth/auth_internal.h"
#include "base/log.h"
#include "payments/tenants.h"

static grant_store_result_t tenant_read(auth_t *a, const char *id, pay_tenant_t *t)
{
    switch (pay_tenant_get(a->cfg.db, id, false, t)) {
    case PAY_TENANT_OK:
        return GSTORE_OK;
    case PAY_TENANT_NOT_FOUND:
    case PAY_TENANT_INVALID_ID:
        return GSTORE_NOT_FOUND;
    default:
        LOGE("auth: tenant %s: cannot read it", id);
        return GSTORE_ERROR;
    }
}

grant_store_result_t tenant_live(auth_t *a, const char *id)
{
    pay_tenant_t t;
    return tenant_read(a, id, &t);
}

/* The operator's: this server's consent screen (IDENTITY_SERVER_URL or the built-in one) and
 * IDP_SECRET. */
static void operator_idp(const auth_t *a, grant_idp_t *out)
{
    snprintf(out->consent_url, sizeof out->consent_url, "%s", a->consent_url);
    const char *s = a->cfg.idp_secret ? a->cfg.idp_secret : "";
    if (strlen(s) < sizeof out->idp_secret)
        snprintf(out->idp_secret, sizeof out->idp_secret, "%s", s);
}

grant_store_result_t grant_idp(auth_t *a, const char *tenant_id, grant_idp_t *out)
{
    memset(out, 0, sizeof *out);
    if (!tenant_id || !*tenant_id) {
        operator_idp(a, out);
        return GSTORE_OK;
    }
    pay_tenant_t t;
    grant_store_result_t rc = tenant_read(a, tenant_id, &t);
    if (rc != GSTORE_OK)
        return rc;
    if (t.is_operator) {
        operator_idp(a, out);
        return GSTORE_OK;
    }
    /* a tenant without an IdP of its own consents on the built-in screens */
    snprintf(out->consent_url, sizeof out->consent_url, "%s",
             t.idp_consent_url[0] && strlen(t.idp_consent_url) < sizeof out->consent_url
                 ? t.idp_consent_url
                 : a->builtin_consent_url);
    if (strlen(t.idp_secret) < sizeof out->idp_secret)
        snprintf(out->idp_secret, sizeof out->idp_secret, "%s", t.idp_secret);
    return GSTORE_OK;
}
