/*
 * Open Payments URLs with Rafiki 2.0's tenants (packages/backend/src/app.ts routes
 * '/:tenantId/incoming-payments' etc.; IncomingPayment.getUrl): a tenant's incoming payments,
 * quotes and outgoing payments are {OPEN_PAYMENTS_URL}/{tenantId}/{kind}/{id}, and its wallet
 * address documents name {OPEN_PAYMENTS_URL}/{tenantId} as resourceServer. The operator's keep
 * the unprefixed {OPEN_PAYMENTS_URL}/{kind}/{id} (what a single-wallet installation has always
 * answered); requests may also reach them under /{operatorTenantId}/, but the URLs this module
 * builds for them stay unprefixed, so a resource has one id.
 *
 * The owner of a resource is as tenants.h answers it: a tenant id, or "" for the operator's.
 *
 * Threads: the URL builders and the parser are pure (any thread); the owner look-ups block on
 * the database (worker threads).
 */
#ifndef RAFIKI_PAYMENTS_OP_URLS_H
#define RAFIKI_PAYMENTS_OP_URLS_H

#include <stddef.h>

#include "ledger/ledger.h"
#include "payments/tenants.h"
#include "store/db.h"

/* {op_url}, or {op_url}/{owner} for a tenant's (owner not ""), into out: the resource server a
 * wallet address document names. 0, or -1 when it does not fit. */
int pay_op_base(const char *op_url, const char *owner, char *out, size_t cap);

/* {op_url}[/{owner}]/{kind}/{id} into out ("incoming-payments", "quotes", ...). 0, or -1 when
 * it does not fit. */
int pay_op_url(const char *op_url, const char *owner, const char *kind, ledger_id_t id, char *out,
               size_t cap);

/* Parses {op_url}/{kind}/{id} or {op_url}/{tenant}/{kind}/{id} (len bytes, no query): the
 * path's tenant segment in canonical form ("" when there is none) and the id. 0, or -1 when the
 * URL has neither form (a tenant segment must be a UUID). */
int pay_op_url_parse(const char *op_url, const char *url, size_t len, const char *kind,
                     char tenant[PAY_TENANT_ID_LEN + 1], ledger_id_t *id);

/* The owner a path's tenant segment stands for: "" for none ("") or the operator tenant's id,
 * the id itself for a live tenant. OK, NOT_FOUND (not a UUID, unknown or deleted) or
 * STORAGE_ERROR. */
pay_tenant_result_t pay_op_path_owner(db_t *db, const char *tenant,
                                      char owner[PAY_TENANT_ID_LEN + 1]);

/* The owner of wallet address id ("": the operator's). OK or STORAGE_ERROR. */
pay_tenant_result_t pay_wallet_owner(db_t *db, ledger_id_t wallet_id,
                                     char owner[PAY_TENANT_ID_LEN + 1]);

#endif
