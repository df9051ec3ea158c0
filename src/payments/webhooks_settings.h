/*
 * Where the webhook worker sends each delivery (Rafiki 2.0, webhook/service.ts): to the
 * recipient tenant's WEBHOOK_URL setting with its WEBHOOK_TIMEOUT and WEBHOOK_MAX_RETRY, each
 * setting the tenant lacks (and every one of a deleted tenant, whose settings are dropped) taken
 * from the instance's WEBHOOK_URL / WEBHOOK_TIMEOUT / WEBHOOK_MAX_RETRY. The operator is a
 * recipient like any tenant: its own settings, when it has some, come first too.
 *
 * Reading: per claimed batch, once per distinct recipient in it, in the claim's transaction, so
 * a delivery always follows the settings as they are when it is claimed (a tenant's event never
 * goes to the instance's URL because a cache had not seen the tenant's new one yet) and a batch
 * of 64 events of one tenant costs one small query. Whether anybody has a URL at all, which an
 * idle worker asks at every poll, is read at most once per time to live (5 s): a first
 * WEBHOOK_URL on an installation without one is sent to within that time.
 *
 * Also the SQL that names the tenant owning an event's resource, shared by the worker's claim
 * and webhook_event_add.
 *
 * Threads: a webhook_settings_t belongs to the worker thread that made it; a target's url points
 * into it and is valid until the next webhook_settings_batch.
 */
#ifndef RAFIKI_PAYMENTS_WEBHOOKS_SETTINGS_H
#define RAFIKI_PAYMENTS_WEBHOOKS_SETTINGS_H

#include <stdbool.h>
#include <stdint.h>

#include "store/db.h"

/* The tenant_resources row of the tenant owning the resource of event row e (a payment by its
 * wallet address; an asset, peer or wallet address directly): a join condition on alias r.
 * No row: the operator's. */
#define WEBHOOK_OWNER_JOIN_E                                                                       \
    "r.resource_id = COALESCE((SELECT i.wallet_address_id FROM incoming_payments i WHERE i.id = "  \
    "e.resource_id), (SELECT o.wallet_address_id FROM outgoing_payments o WHERE o.id = "           \
    "e.resource_id), e.resource_id)"

/* Default time to live of the answer of webhook_settings_idle. */
#define WEBHOOK_SETTINGS_TTL_MS_DEFAULT 5000

typedef struct {
    const char *url;     /* NULL: the recipient has none and neither has the instance */
    uint32_t timeout_ms; /* one attempt */
    unsigned max_retry;  /* attempts in all; 0 (a tenant's setting): none is made */
} webhook_target_t;

typedef struct webhook_settings webhook_settings_t;

/* The instance's values (url NULL: none); ttl_ms 0 = the default. */
webhook_settings_t *webhook_settings_new(const char *url, uint32_t timeout_ms, unsigned max_retry,
                                         uint32_t ttl_ms);
void webhook_settings_free(webhook_settings_t *s);
/* True when nobody has a URL (neither the instance nor any live tenant), as last read within
 * the time to live: the worker has nothing to send. A database error (logged) answers false. */
bool webhook_settings_idle(webhook_settings_t *s, db_t *db);
/* Starts a batch: forgets the targets of the previous one. */
void webhook_settings_batch(webhook_settings_t *s);
/* The target of a delivery to tenant (NULL or "": the operator), read on c (in the claim's
 * transaction) the first time the batch names it. DB_OK, or the database's code with err. */
db_rc_t webhook_settings_target(webhook_settings_t *s, db_conn_t *c, const char *tenant,
                                webhook_target_t *out, db_err_t *err);

#endif
