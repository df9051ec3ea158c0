/*
 * Fuzz Open Payments resource URL parsing (src/payments/op_urls.c): an accepted URL builds back
 * to exactly itself (with its tenant segment in canonical form), and a URL built from what was
 * parsed parses again to the same tenant and id.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "payments/op_urls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char base[] = "http://localhost:3000";
    char tenant[PAY_TENANT_ID_LEN + 1], again_tenant[PAY_TENANT_ID_LEN + 1], url[256];
    ledger_id_t id, again;
    if (pay_op_url_parse(base, (const char *)data, size, "quotes", tenant, &id) != 0)
        return 0;
    if (pay_op_url(base, tenant, "quotes", id, url, sizeof url) != 0 || strlen(url) != size ||
        strncasecmp(url, (const char *)data, size) != 0)
        abort();
    if (pay_op_url_parse(base, url, strlen(url), "quotes", again_tenant, &again) != 0 ||
        strcmp(tenant, again_tenant) != 0 || !ledger_id_eq(id, again))
        abort();
    return 0;
}
