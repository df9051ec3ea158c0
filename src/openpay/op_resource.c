/*
 * The Open Payments resource server's routes (op_resource.h): one table per resource,
 * op_incoming.c, op_quotes.c and op_outgoing.c, over what they share in op_request.c.
 */
#include "openpay/op_resource.h"

#include "openpay/op_incoming.h"
#include "openpay/op_outgoing.h"
#include "openpay/op_quotes.h"

int op_resource_register(http_server_t *s, const op_resource_config_t *cfg)
{
    void *u = (void *)cfg;
    return http_server_routes(s, OP_INCOMING_ROUTES, OP_INCOMING_ROUTES_N, u) ||
                   http_server_routes(s, OP_QUOTES_ROUTES, OP_QUOTES_ROUTES_N, u) ||
                   http_server_routes(s, OP_OUTGOING_ROUTES, OP_OUTGOING_ROUTES_N, u)
               ? -1
               : 0;
}
