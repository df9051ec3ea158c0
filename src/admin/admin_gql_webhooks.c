/*
 * Rafiki's webhookEvents query over the GraphQL face: events a page at a time in creation
 * order, filtered by type (filter.type.in / notIn; without a notIn Rafiki leaves out
 * outgoing_payment.funded and outgoing_payment.cancelled).
 */
#include <string.h>

#include "admin/admin_gql_ledger.h"
#include "payments/webhooks.h"

static const char *const default_excluded[] = {"outgoing_payment.funded",
                                               "outgoing_payment.cancelled"};

/* A FilterString list into v (pointers into the arguments); false when too long. */
static bool type_list(const json_t *a, const char **v, size_t *n)
{
    *n = 0;
    if (json_array_size(a) > WEBHOOK_TYPE_FILTER_MAX)
        return false;
    for (size_t i = 0; i < json_array_size(a); i++)
        if ((v[*n] = json_string_value(json_array_get(a, i))))
            (*n)++;
    return true;
}

typedef struct {
    webhook_types_t types;
    const char *in[WEBHOOK_TYPE_FILTER_MAX];
    const char *not_in[WEBHOOK_TYPE_FILTER_MAX];
} filter_t;

static void add_event(const webhook_event_t *e, void *user)
{
    json_t *data = json_loads(e->data, 0, NULL);
    json_array_append_new(user, json_pack("{s:s,s:s,s:o,s:o}", "id", e->id, "type", e->type, "data",
                                          json_is_object(data) ? data : json_object(), "createdAt",
                                          admin_gql_time_json(e->created_ms)));
    if (data && !json_is_object(data))
        json_decref(data);
}

static gql_resolve_t events_page(const gql_call_t *call, void *arg, const pay_keyset_t *k,
                                 json_t **nodes)
{
    filter_t *f = arg;
    json_t *list = json_array();
    db_err_t err = {0};
    if (webhook_events_page(gqll_db(call), &f->types, k, add_event, list, &err) != DB_OK) {
        json_decref(list);
        return admin_gql_fail(call, GQL_CODE_INTERNAL, "Internal server error");
    }
    if (k->backward) { /* nearest the cursor first: turn it round */
        size_t n = json_array_size(list);
        *nodes = json_array();
        for (size_t i = n; i > 0; i--)
            json_array_append(*nodes, json_array_get(list, i - 1));
        json_decref(list);
    } else {
        *nodes = list;
    }
    return GQL_RESOLVED;
}

static gql_resolve_t q_webhook_events(const gql_call_t *call, json_t **out)
{
    filter_t f;
    memset(&f, 0, sizeof f);
    json_t *type = json_object_get(json_object_get(call->args, "filter"), "type");
    json_t *in = json_object_get(type, "in"), *not_in = json_object_get(type, "notIn");
    if (!type_list(in, f.in, &f.types.n_in) || !type_list(not_in, f.not_in, &f.types.n_not_in))
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "at most %d types in a filter",
                              WEBHOOK_TYPE_FILTER_MAX);
    f.types.in = json_is_array(in) ? f.in : NULL;
    f.types.not_in = f.not_in;
    if (f.types.n_not_in == 0) {
        f.types.not_in = default_excluded;
        f.types.n_not_in = sizeof default_excluded / sizeof default_excluded[0];
    }
    return admin_gql_scoped_connection(call, &f, events_page, PAY_OWNED_EVENT, out);
}

static const gql_resolver_t resolvers[] = {
    {"Query", "webhookEvents", q_webhook_events},
};

const admin_gql_family_t admin_gql_webhooks = {resolvers, sizeof resolvers / sizeof resolvers[0]};
