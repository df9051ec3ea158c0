/*
 * Handlers that may wait a long time, off the server's threads. A libmicrohttpd worker thread
 * serves every connection it accepted, so a handler that blocks for seconds (a GraphQL create
 * that waits for the wallet's approval, POLL_INCOMING_PAYMENT_CREATED_WEBHOOK) would also hold up
 * the other keep-alive connections of that thread, among them the very request that would end
 * the wait. http_offload hands the request to a small pool of threads and returns HTTP_PENDING
 * (server.h's asynchronous replies): the worker thread goes back to its connections at once,
 * and the pool's thread runs the handler and answers from there.
 *
 * Threads: http_offload from any handler; the pool's threads run the handlers, several at once.
 * Free the pool only after the servers that use it have stopped (http_server_stop waits for
 * every pending request, which the pool answers).
 */
#ifndef RAFIKI_HTTP_OFFLOAD_H
#define RAFIKI_HTTP_OFFLOAD_H

#include <stddef.h>

#include "http/server.h"

/* Most requests waiting for a thread of the pool; beyond, 503. */
#define HTTP_OFFLOAD_QUEUE_MAX 4096

typedef struct http_offload http_offload_t;

/* A pool of nthreads threads (>= 1); NULL when one could not start (logged). */
http_offload_t *http_offload_new(const char *name, unsigned nthreads);
/* Runs the queued handlers still waiting, then joins the threads. NULL: no-op. */
void http_offload_free(http_offload_t *p);

/* Runs fn(req, user) on a thread of the pool; returns HTTP_PENDING (or HTTP_DONE after answering
 * 503 when the queue is full). fn must answer req, as any handler. */
http_handler_result_t http_offload(http_offload_t *p, http_req_t *req, http_handler_fn fn,
                                   void *user);

#endif
