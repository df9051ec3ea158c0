/*
 * The auto-peering server's one route (see admin_autopeer.h): reads the body, asks the
 * domain to accept the request and answers as Rafiki's routes.ts does.
 */
#include "admin/admin_autopeer.h"

#include <jansson.h>

/* Rafiki's errorToHttpCode; ours for a failing store. */
static unsigned autopeer_status(autopeer_result_t r)
{
    return r == AUTOPEER_UNKNOWN_ASSET ? 404 : r == AUTOPEER_STORAGE_ERROR ? 500 : 400;
}

static http_handler_result_t accept_route(http_req_t *req, void *user)
{
    const autopeer_t *ap = user;
    slice_t body = http_req_body(req);
    autopeer_request_t in;
    json_t *out = NULL;
    autopeer_result_t r = autopeer_request_read(body.ptr, body.len, &in);
    if (r == AUTOPEER_OK)
        r = autopeer_accept(ap, &in, &out);
    autopeer_request_free(&in);
    if (r == AUTOPEER_OK) {
        http_respond_json(req, 200, out);
        json_decref(out);
        return HTTP_DONE;
    }
    unsigned status = autopeer_status(r);
    json_t *e = json_pack("{s:{s:i,s:s,s:s}}", "error", "code", (int)status, "message",
                          autopeer_result_message(r), "type", autopeer_result_str(r));
    http_respond_json(req, status, e);
    json_decref(e);
    return HTTP_DONE;
}

static const http_route_t ROUTES[] = {
    {"POST", "/", accept_route, AUTOPEER_BODY_MAX},
};

int admin_autopeer_register(http_server_t *s, const autopeer_t *ap)
{
    return http_server_routes(s, ROUTES, HTTP_ROUTES_N(ROUTES), (void *)ap);
}
