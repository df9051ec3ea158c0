/*
 * The audit log of the admin APIs (beyond Rafiki; console_users.h's rows, shown at
 * /console/audit): every change that succeeded through the REST admin API (a 2xx answer to a
 * method other than GET and HEAD; who: the operator tenant, whose ADMIN_API_SECRET is the
 * bearer token; what: the method and route pattern, the target the path's {id} or else the id
 * of the answer) and through the Admin GraphQL API (a Mutation root field that resolved
 * without error; who: the signed request's tenant; what: the field's name, its id arguments,
 * the target the first of them or else the id of what it returned), with the request's id
 * (X-Request-Id). Recorded from the one place each API dispatches (admin_reply,
 * admin_graphql.c's mutation_dispatch) through audit_queue.h, so the rows of the last second
 * before a crash may be lost; a failure to record is logged, the change stands.
 *
 * Threads: any worker thread; queues in memory and never blocks on the database.
 */
#ifndef RAFIKI_ADMIN_ADMIN_AUDIT_H
#define RAFIKI_ADMIN_ADMIN_AUDIT_H

#include <jansson.h>

#include "admin/admin.h"

/* Records the REST call's change when status is 2xx and its method changes something; doc is
 * its answer (read for an id, not kept). No-op without ctx->audit. */
void admin_audit_rest(const admin_call_t *call, unsigned status, const json_t *doc);
/* Records a resolved Mutation field of tenant_id's request (request_id: X-Request-Id) with its
 * arguments and result (read, not kept). No-op when audit is NULL. */
void admin_audit_gql(audit_queue_t *audit, const char *tenant_id, const char *request_id,
                     const char *field, const json_t *args, const json_t *result);

#endif
