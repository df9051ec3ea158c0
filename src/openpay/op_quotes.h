/*
 * The resource server's quotes routes (op_quotes.c).
 *
 * Threads: handlers and helpers run on the Open Payments listener's workers and may block.
 */
#ifndef RAFIKI_OPENPAY_OP_QUOTES_H
#define RAFIKI_OPENPAY_OP_QUOTES_H

#include "openpay/op_request.h"

extern const http_route_t OP_QUOTES_ROUTES[];
extern const size_t OP_QUOTES_ROUTES_N;

/* Prices a quote for (wallet w, receiver, debit | receive; JSON amounts of a request) and
 * records its client. */
quote_result_t quote_make(rs_t *rs, const wallet_address_t *w, const char *receiver,
                          const json_t *debit, const json_t *receive, const char *client,
                          quote_t *q);
/* The status a quote result answers with: 500 for storage errors, else 400. */
unsigned quote_status(quote_result_t r);
/* True for an http(s) URL of an incoming payment (.../incoming-payments/{id}). */
bool receiver_url_ok(const char *s);

#endif
