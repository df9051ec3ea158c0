/*
 * The resource server's incoming payments routes (op_incoming.c).
 *
 * Threads: a table of routes; the handlers run on the Open Payments listener's workers.
 */
#ifndef RAFIKI_OPENPAY_OP_INCOMING_H
#define RAFIKI_OPENPAY_OP_INCOMING_H

#include "openpay/op_request.h"

extern const http_route_t OP_INCOMING_ROUTES[];
extern const size_t OP_INCOMING_ROUTES_N;

#endif
