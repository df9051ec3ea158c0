/*
 * GET /webhook-events (see admin_webhooks.h): a page of the webhook_events table through
 * webhook_events_list, with the event's data as JSON.
 */
#include "admin/admin_webhooks.h"

#include <string.h>

#include "payments/webhooks.h"
#include "base/log.h"
#include "base/uuid.h"

typedef struct {
    json_t *list;
    size_t limit, n;
    char last_id[UUID_STR_LEN + 1]; /* the id of the last event shown: the next cursor */
} page_t;

static json_t *event_json(const webhook_event_t *e)
{
    json_t *data = json_loads(e->data, 0, NULL);
    bool pending = e->state == WEBHOOK_STATE_PENDING;
    return json_pack("{s:s,s:s,s:s,s:o,s:s,s:I,s:o,s:o,s:o,s:o,s:o}", "id", e->id, "type", e->type,
                     "resource_id", e->resource_id, "data", data ? data : json_null(), "state",
                     webhook_state_str(e->state), "attempts", (json_int_t)e->attempts,
                     "last_status", e->last_status ? json_integer(e->last_status) : json_null(),
                     "last_error", e->last_error ? json_string(e->last_error) : json_null(),
                     "next_attempt_at", pay_json_time(pending ? e->process_at_ms : 0), "created_at",
                     pay_json_time(e->created_ms), "updated_at", pay_json_time(e->updated_ms));
}

static void on_event(const webhook_event_t *e, void *user)
{
    page_t *p = user;
    if (++p->n > p->limit)
        return; /* the extra row only tells that there is a next page */
    json_array_append_new(p->list, event_json(e));
    snprintf(p->last_id, sizeof p->last_id, "%s", e->id);
}

/* Reads ?type= and ?state= into f; answers 400 and returns -1 for unknown values. */
static int filter_parse(admin_call_t *call, webhook_filter_t *f)
{
    f->type = http_req_query(call->req, "type");
    if (f->type && *f->type && !webhook_type_known(f->type)) {
        admin_error(call, 400, "invalid_type", "'%.64s' is not a webhook event type", f->type);
        return -1;
    }
    const char *state = http_req_query(call->req, "state");
    f->state = -1;
    for (int s = WEBHOOK_STATE_PENDING; state && *state && s <= WEBHOOK_STATE_FAILED; s++)
        if (strcmp(state, webhook_state_str((webhook_state_t)s)) == 0)
            f->state = s;
    if (state && *state && f->state < 0) {
        admin_error(call, 400, "invalid_state", "state must be pending, delivered or failed");
        return -1;
    }
    f->resource_id = http_req_query(call->req, "resource_id");
    f->after_id = http_req_query(call->req, "cursor");
    if (f->after_id && *f->after_id && !uuid_valid(f->after_id, strlen(f->after_id))) {
        admin_error(call, 400, "invalid_cursor", "webhook events: the cursor is not valid");
        return -1;
    }
    return 0;
}

static http_handler_result_t event_list(admin_call_t *call)
{
    webhook_filter_t f = {0};
    page_t page = {0};
    if (filter_parse(call, &f) != 0 || admin_query_limit(call, &page.limit) != 0)
        return HTTP_DONE;
    f.limit = page.limit + 1;
    page.list = json_array();
    db_err_t err = {0};
    db_rc_t rc = webhook_events_list(call->ctx->db, &f, on_event, &page, &err);
    if (rc != DB_OK) {
        json_decref(page.list);
        if (rc == DB_NOT_FOUND)
            return admin_error(call, 400, "invalid_cursor", "webhook events: unknown cursor");
        LOGW("admin: webhook events: %s", err.msg);
        return admin_error(call, 503, "storage_error",
                           "webhook events: the database is "
                           "unavailable");
    }
    json_t *next = page.n > page.limit ? json_string(page.last_id) : json_null();
    return admin_reply(call, 200,
                       json_pack("{s:o,s:o}", "webhook_events", page.list, "next_cursor", next));
}

static const admin_route_t ROUTES[] = {
    ADMIN_ROUTE("GET", "/webhook-events", event_list),
};

int admin_webhooks_register(http_server_t *s, admin_ctx_t *ctx)
{
    return admin_routes_register(s, ctx, ROUTES, sizeof ROUTES / sizeof ROUTES[0]);
}
