/*
 * The resource server's outgoing payments routes (op_outgoing.c).
 *
 * Threads: a table of routes; the handlers run on the Open Payments listener's workers.
 */
#ifndef RAFIKI_OPENPAY_OP_OUTGOING_H
#define RAFIKI_OPENPAY_OP_OUTGOING_H

#include "openpay/op_request.h"

extern const http_route_t OP_OUTGOING_ROUTES[];
extern const size_t OP_OUTGOING_ROUTES_N;

#endif
