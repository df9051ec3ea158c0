/*
 * What a tenant may reach through the Admin GraphQL API (payments/tenants.h): the operator
 * reaches everything; another tenant only what it owns, and another tenant's resource looks to
 * it exactly like one that does not exist, as in Rafiki (whose services take
 * `ctx.isOperator ? undefined : ctx.tenant.id` and find nothing).
 *
 * One table says which argument of which root field names which kind of resource. Before such
 * a field runs, each id it names is checked; one the caller may not reach is replaced by an id
 * derived from it that names nothing (the same one each time, so idempotencyKey replays still
 * match), and the resolver answers as it does for an unknown id. Root fields that find a
 * resource by something else (a URL, a code and scale) are checked on their answer: null when
 * the caller may not see it. Lists take a scope (admin_gql_list_scope).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin_gql.h"
#include "admin/admin_gql_ledger.h"
#include "base/assert.h"
#include "base/log.h"
#include "base/mem.h"

/* Kinds beyond tenants.h's: an account of any kind (accountingTransfers), an incoming payment
 * by its URL (receivers). */
#define OWNED_ACCOUNT      100
#define OWNED_INCOMING_URL 101
/* A withdrawal: one a tenant started (tenant_resources), or a payment's, whose id is the id of
 * the webhook event it answers. */
#define OWNED_WITHDRAWAL 102

typedef struct {
    const char *type;  /* "Query" or "Mutation" */
    const char *field; /* the root field */
    const char *arg;   /* "id" or "input.assetId" */
    int kind;          /* pay_owned_t or OWNED_* */
} scope_rule_t;

static const scope_rule_t RULES[] = {
    {"Query", "asset", "id", PAY_OWNED_ASSET},
    {"Query", "peer", "id", PAY_OWNED_PEER},
    {"Query", "peerByAddressAndAsset", "assetId", PAY_OWNED_ASSET},
    {"Query", "walletAddress", "id", PAY_OWNED_WALLET_ADDRESS},
    {"Query", "quote", "id", PAY_OWNED_QUOTE},
    {"Query", "outgoingPayment", "id", PAY_OWNED_OUTGOING},
    {"Query", "incomingPayment", "id", PAY_OWNED_INCOMING},
    {"Query", "accountingTransfers", "id", OWNED_ACCOUNT},
    {"Query", "receiver", "id", OWNED_INCOMING_URL},
    {"Mutation", "updateAsset", "input.id", PAY_OWNED_ASSET},
    {"Mutation", "deleteAsset", "input.id", PAY_OWNED_ASSET},
    {"Mutation", "depositAssetLiquidity", "input.assetId", PAY_OWNED_ASSET},
    {"Mutation", "createAssetLiquidityWithdrawal", "input.assetId", PAY_OWNED_ASSET},
    {"Mutation", "setFee", "input.assetId", PAY_OWNED_ASSET},
    {"Mutation", "createPeer", "input.assetId", PAY_OWNED_ASSET},
    {"Mutation", "createOrUpdatePeerByUrl", "input.assetId", PAY_OWNED_ASSET},
    {"Mutation", "updatePeer", "input.id", PAY_OWNED_PEER},
    {"Mutation", "deletePeer", "input.id", PAY_OWNED_PEER},
    {"Mutation", "depositPeerLiquidity", "input.peerId", PAY_OWNED_PEER},
    {"Mutation", "createPeerLiquidityWithdrawal", "input.peerId", PAY_OWNED_PEER},
    {"Mutation", "postLiquidityWithdrawal", "input.withdrawalId", OWNED_WITHDRAWAL},
    {"Mutation", "voidLiquidityWithdrawal", "input.withdrawalId", OWNED_WITHDRAWAL},
    {"Mutation", "createWalletAddress", "input.assetId", PAY_OWNED_ASSET},
    {"Mutation", "updateWalletAddress", "input.id", PAY_OWNED_WALLET_ADDRESS},
    {"Mutation", "createWalletAddressKey", "input.walletAddressId", PAY_OWNED_WALLET_ADDRESS},
    {"Mutation", "revokeWalletAddressKey", "input.id", PAY_OWNED_WALLET_KEY},
    {"Mutation", "createIncomingPayment", "input.walletAddressId", PAY_OWNED_WALLET_ADDRESS},
    {"Mutation", "createReceiver", "input.walletAddressUrl", PAY_OWNED_WALLET_URL},
    {"Mutation", "completeReceiver", "input.incomingPaymentUrl", OWNED_INCOMING_URL},
    {"Mutation", "updateIncomingPayment", "input.id", PAY_OWNED_INCOMING},
    {"Mutation", "createQuote", "input.walletAddressId", PAY_OWNED_WALLET_ADDRESS},
    {"Mutation", "createOutgoingPayment", "input.walletAddressId", PAY_OWNED_WALLET_ADDRESS},
    {"Mutation", "createOutgoingPayment", "input.quoteId", PAY_OWNED_QUOTE},
    {"Mutation", "cancelOutgoingPayment", "input.id", PAY_OWNED_OUTGOING},
    {"Mutation", "createOutgoingPaymentFromIncomingPayment", "input.walletAddressId",
     PAY_OWNED_WALLET_ADDRESS},
    {"Mutation", "depositEventLiquidity", "input.eventId", PAY_OWNED_EVENT},
    {"Mutation", "withdrawEventLiquidity", "input.eventId", PAY_OWNED_EVENT},
    {"Mutation", "createIncomingPaymentWithdrawal", "input.incomingPaymentId", PAY_OWNED_INCOMING},
    {"Mutation", "createOutgoingPaymentWithdrawal", "input.outgoingPaymentId", PAY_OWNED_OUTGOING},
    {"Mutation", "depositOutgoingPaymentLiquidity", "input.outgoingPaymentId", PAY_OWNED_OUTGOING},
    {"Mutation", "createWalletAddressWithdrawal", "input.walletAddressId",
     PAY_OWNED_WALLET_ADDRESS},
    {"Mutation", "approveIncomingPayment", "input.id", PAY_OWNED_INCOMING},
    {"Mutation", "cancelIncomingPayment", "input.id", PAY_OWNED_INCOMING},
    {"Mutation", "confirmPartialIncomingPayment", "input.incomingPaymentId", PAY_OWNED_INCOMING},
    {"Mutation", "rejectPartialIncomingPayment", "input.incomingPaymentId", PAY_OWNED_INCOMING},
};

/* Root fields checked on their answer's id. */
static const scope_rule_t ANSWERS[] = {
    {"Query", "assetByCodeAndScale", "id", PAY_OWNED_ASSET},
    {"Query", "walletAddressByUrl", "id", PAY_OWNED_WALLET_ADDRESS},
};

/* Mutations whose success makes a withdrawal (input.id, its transfer id) that the caller then
 * posts or voids; a payment's withdrawal is found through its event instead. */
static const char *const WITHDRAWALS[] = {
    "createAssetLiquidityWithdrawal",
    "createPeerLiquidityWithdrawal",
    "createWalletAddressWithdrawal",
};

/* The string at a dotted path of args ("input.assetId"), or NULL; *holder and *key receive the
 * object holding it and its member name, for replacing it. */
static const char *arg_at(json_t *args, const char *path, json_t **holder, const char **key)
{
    const char *dot = strchr(path, '.');
    json_t *obj = args;
    if (dot) {
        char head[32];
        size_t n = (size_t)(dot - path);
        ASSERT(n < sizeof head);
        memcpy(head, path, n);
        head[n] = '\0';
        obj = json_object_get(args, head);
        path = dot + 1;
    }
    json_t *v = json_object_get(obj, path);
    *holder = obj;
    *key = path;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The incoming payment id at the end of an incoming payment URL, as text, into out. */
static bool url_tail_id(const char *url, char out[PAY_TENANT_ID_LEN + 1])
{
    const char *slash = strrchr(url, '/');
    const char *tail = slash ? slash + 1 : url;
    ledger_id_t id;
    if (strlen(tail) != PAY_TENANT_ID_LEN || ledger_id_parse(tail, PAY_TENANT_ID_LEN, &id) != 0)
        return false;
    ledger_id_format(id, out);
    return true;
}

/* The owner of key under kind into owner ("": the operator's, or no such resource). */
static pay_tenant_result_t owner_of(db_t *db, int kind, const char *key,
                                    char owner[PAY_TENANT_ID_LEN + 1])
{
    static const pay_owned_t ACCOUNT_KINDS[] = {PAY_OWNED_ASSET, PAY_OWNED_INCOMING,
                                                PAY_OWNED_OUTGOING};
    static const pay_owned_t WITHDRAWAL_KINDS[] = {PAY_OWNED_WITHDRAWAL, PAY_OWNED_EVENT};
    const pay_owned_t *kinds = ACCOUNT_KINDS;
    size_t n = 3;
    char id[PAY_TENANT_ID_LEN + 1];
    owner[0] = '\0';
    if (kind == OWNED_INCOMING_URL) {
        if (!url_tail_id(key, id))
            return PAY_TENANT_OK;
        kind = PAY_OWNED_INCOMING;
        key = id;
    }
    if (kind == OWNED_WITHDRAWAL) {
        kinds = WITHDRAWAL_KINDS;
        n = 2;
    } else if (kind != OWNED_ACCOUNT) {
        pay_tenant_result_t r = pay_tenant_owner(db, (pay_owned_t)kind, key, owner);
        return r == PAY_TENANT_NOT_FOUND ? PAY_TENANT_OK : r;
    }
    for (size_t i = 0; i < n && !owner[0]; i++) {
        pay_tenant_result_t r = pay_tenant_owner(db, kinds[i], key, owner);
        if (r == PAY_TENANT_STORAGE_ERROR)
            return r;
    }
    return PAY_TENANT_OK;
}

/* Whether the caller may reach the resource key of kind; *failed when the database could not
 * say (the call has failed then). */
static bool reachable(const gql_call_t *call, int kind, const char *key, bool *failed)
{
    admin_gql_req_t *req = admin_gql_req(call);
    *failed = false;
    if (req->is_operator)
        return true;
    char owner[PAY_TENANT_ID_LEN + 1];
    if (owner_of(req->gql->admin->db, kind, key, owner) != PAY_TENANT_OK) {
        admin_gql_fail(call, GQL_CODE_INTERNAL, "tenant check: the database is unavailable");
        *failed = true;
        return false;
    }
    return strcmp(owner, req->tenant_id) == 0;
}

/* An id that names nothing, derived from the one refused. */
static json_t *nothing_id(const char *refused, int kind)
{
    char buf[PAY_TENANT_ID_LEN + 1];
    ledger_id_format(ledger_id_derive(refused, strlen(refused)), buf);
    if (kind == PAY_OWNED_WALLET_URL || kind == OWNED_INCOMING_URL)
        return json_sprintf("%s/%s", refused, buf);
    return json_string(buf);
}

static const scope_rule_t *rule_next(const scope_rule_t *from, const scope_rule_t *end,
                                     const char *type, const char *field)
{
    for (const scope_rule_t *r = from; r < end; r++)
        if (strcmp(r->type, type) == 0 && strcmp(r->field, field) == 0)
            return r;
    return NULL;
}

bool admin_gql_scoped(const char *type, const char *field)
{
    const scope_rule_t *end = RULES + sizeof RULES / sizeof *RULES;
    const scope_rule_t *aend = ANSWERS + sizeof ANSWERS / sizeof *ANSWERS;
    return rule_next(RULES, end, type, field) || rule_next(ANSWERS, aend, type, field);
}

/* Replaces in args (a copy) every id the caller may not reach; -1 when a check failed. */
static int args_scope(const gql_call_t *call, json_t *args)
{
    const scope_rule_t *end = RULES + sizeof RULES / sizeof *RULES;
    for (const scope_rule_t *r = rule_next(RULES, end, call->type, call->field); r;
         r = rule_next(r + 1, end, call->type, call->field)) {
        json_t *holder;
        const char *key;
        const char *v = arg_at(args, r->arg, &holder, &key);
        bool failed;
        if (!v || reachable(call, r->kind, v, &failed))
            continue;
        if (failed)
            return -1;
        LOGI("graphql: %s.%s: %s names a resource of another tenant", call->type, call->field,
             r->arg);
        json_object_set_new(holder, key, nothing_id(v, r->kind));
    }
    return 0;
}

/* After a withdrawal a tenant made: that tenant owns it (so it may post or void it). */
static void withdrawal_own(const gql_call_t *call)
{
    admin_gql_req_t *req = admin_gql_req(call);
    if (req->is_operator)
        return;
    for (size_t i = 0; i < sizeof WITHDRAWALS / sizeof *WITHDRAWALS; i++) {
        json_t *holder;
        const char *key;
        const char *id = strcmp(call->field, WITHDRAWALS[i]) == 0
                             ? arg_at(call->args, "input.id", &holder, &key)
                             : NULL;
        ledger_id_t lid;
        if (!id || ledger_id_parse(id, strlen(id), &lid) != 0)
            continue;
        if (pay_tenant_own(req->gql->admin->db, PAY_OWNED_WITHDRAWAL, lid, req->tenant_id) !=
            PAY_TENANT_OK)
            LOGE("graphql: %s: the withdrawal %s could not be recorded as tenant %s's", call->field,
                 id, req->tenant_id);
    }
}

/* An answer of a field checked on its answer: null when the caller may not see it. */
static gql_resolve_t answer_scope(const gql_call_t *call, json_t **out)
{
    const scope_rule_t *aend = ANSWERS + sizeof ANSWERS / sizeof *ANSWERS;
    const scope_rule_t *r = rule_next(ANSWERS, aend, call->type, call->field);
    const char *id = r ? json_string_value(json_object_get(*out, "id")) : NULL;
    bool failed;
    if (!id || reachable(call, r->kind, id, &failed))
        return GQL_RESOLVED;
    json_decref(*out);
    *out = NULL;
    if (failed)
        return GQL_RESOLVE_ERROR;
    *out = json_null();
    return GQL_RESOLVED;
}

static int scoped_cmp(const void *a, const void *b)
{
    const admin_gql_mutation_t *x = a, *y = b;
    return strcmp(x->field, y->field);
}

gql_resolve_t admin_gql_scope_dispatch(const gql_call_t *call, json_t **out)
{
    admin_gql_t *g = admin_gql_req(call)->gql;
    admin_gql_mutation_t key = {.field = call->field};
    const admin_gql_mutation_t *m =
        bsearch(&key, g->scoped, g->n_scoped, sizeof *g->scoped, scoped_cmp);
    ASSERT(m);
    json_t *args = json_deep_copy(call->args);
    gql_call_t c = *call;
    c.args = args;
    gql_resolve_t r = GQL_RESOLVE_ERROR;
    if (args_scope(&c, args) == 0) {
        r = m->fn(&c, out);
        if (r == GQL_RESOLVED && strcmp(call->type, "Mutation") == 0)
            withdrawal_own(&c);
        else if (r == GQL_RESOLVED)
            r = answer_scope(&c, out);
    }
    json_decref(args);
    return r;
}

void admin_gql_scope_sort(admin_gql_t *g)
{
    qsort(g->scoped, g->n_scoped, sizeof *g->scoped, scoped_cmp);
}

void admin_gql_list_scope(const gql_call_t *call, pay_tenant_scope_t *out)
{
    admin_gql_req_t *req = admin_gql_req(call);
    memset(out, 0, sizeof *out);
    const char *arg = json_string_value(json_object_get(call->args, "tenantId"));
    const char *t = req->is_operator ? arg : req->tenant_id;
    if (!t)
        return; /* the operator, every tenant's */
    if (req->is_operator && strcmp(t, req->gql->operator_tenant_id) == 0) {
        out->kind = PAY_SCOPE_OPERATOR;
        return;
    }
    out->kind = PAY_SCOPE_TENANT;
    snprintf(out->tenant_id, sizeof out->tenant_id, "%s", t);
}

bool admin_gql_create_owner(const gql_call_t *call, const json_t *in, const char **owner)
{
    admin_gql_req_t *req = admin_gql_req(call);
    const char *asked = json_string_value(json_object_get(in, "tenantId"));
    *owner = NULL;
    if (!req->is_operator) { /* Rafiki's tenantIdToProceed: only its own */
        if (asked && strcmp(asked, req->tenant_id) != 0) {
            admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT,
                           "Assignment to the specified tenant is not permitted");
            return false;
        }
        *owner = req->tenant_id;
        return true;
    }
    if (!asked || strcmp(asked, req->gql->operator_tenant_id) == 0)
        return true;
    pay_tenant_t *t = xmalloc(sizeof *t);
    pay_tenant_result_t r = pay_tenant_get(req->gql->admin->db, asked, false, t);
    free(t);
    if (r != PAY_TENANT_OK) { /* Rafiki: its insert fails on the tenant's foreign key */
        admin_gql_fail(call, GQL_CODE_INTERNAL, "unknown tenant %s", asked);
        return false;
    }
    *owner = asked;
    return true;
}

const char *admin_gql_wallet_owner(const gql_call_t *call, ledger_id_t wa,
                                   char buf[PAY_TENANT_ID_LEN + 1])
{
    admin_gql_req_t *req = admin_gql_req(call);
    char ids[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(wa, ids);
    if (pay_tenant_owner(req->gql->admin->db, PAY_OWNED_WALLET_ADDRESS, ids, buf) !=
            PAY_TENANT_OK ||
        !buf[0])
        return req->gql->operator_tenant_id;
    return buf;
}

bool admin_gql_created(const gql_call_t *call, pay_owned_t kind, ledger_id_t id, const char *owner)
{
    if (!owner)
        return true;
    db_t *db = admin_gql_req(call)->gql->admin->db;
    if (pay_tenant_own(db, kind, id, owner) == PAY_TENANT_OK)
        return true;
    char ids[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(id, ids);
    LOGE("graphql: %s %s was created but could not be recorded as tenant %s's", call->field, ids,
         owner);
    admin_gql_fail(call, GQL_CODE_INTERNAL, "the resource could not be assigned to its tenant");
    return false;
}

/* ---- lists paged in memory or by keyset (assets, peers, webhook events) ---- */

/* Most pages a scoped list reads past rows of other tenants before it stops. */
#define SCOPED_ROUNDS_MAX 64

typedef struct {
    gqll_page_fn fn;
    void *arg;
    pay_owned_t kind;
    pay_tenant_scope_t scope;
} scoped_t;

/* Whether node (with its "id") is in the scope; -1 when the database failed. */
static int node_in_scope(const gql_call_t *call, const scoped_t *s, json_t *node)
{
    const char *id = json_string_value(json_object_get(node, "id"));
    char owner[PAY_TENANT_ID_LEN + 1];
    if (!id)
        return 0;
    pay_tenant_result_t r =
        pay_tenant_owner(admin_gql_req(call)->gql->admin->db, s->kind, id, owner);
    if (r == PAY_TENANT_STORAGE_ERROR) {
        admin_gql_fail(call, GQL_CODE_INTERNAL, "tenant check: the database is unavailable");
        return -1;
    }
    return pay_tenant_scope_has(&s->scope, owner);
}

/* Appends batch's nodes in scope to kept (nearest the cursor first) until it holds limit;
 * *cursor_node is the batch's node farthest from the cursor. -1 after failing the call. */
static int keep_in_scope(const gql_call_t *call, const scoped_t *s, bool backward, json_t *batch,
                         json_t *kept, size_t limit, json_t **cursor_node)
{
    size_t n = json_array_size(batch);
    for (size_t j = 0; j < n && json_array_size(kept) < limit; j++) {
        json_t *node = json_array_get(batch, backward ? n - 1 - j : j);
        int in = node_in_scope(call, s, node);
        if (in < 0)
            return -1;
        if (in)
            json_array_append(kept, node);
    }
    *cursor_node = n ? json_array_get(batch, backward ? 0 : n - 1) : NULL;
    return 0;
}

/* A gqll_page_fn over s->fn that keeps the rows in s->scope, reading on past other rows. */
static gql_resolve_t scoped_page(const gql_call_t *call, void *arg, const pay_keyset_t *k,
                                 json_t **nodes)
{
    scoped_t *s = arg;
    pay_keyset_t kk = *k;
    kk.limit = k->limit < ADMIN_GQL_PAGE_DEFAULT ? ADMIN_GQL_PAGE_DEFAULT : k->limit;
    json_t *kept = json_array();
    for (int round = 0; round < SCOPED_ROUNDS_MAX && json_array_size(kept) < k->limit; round++) {
        json_t *batch = NULL, *last = NULL;
        if (s->fn(call, s->arg, &kk, &batch) != GQL_RESOLVED ||
            keep_in_scope(call, s, k->backward, batch, kept, k->limit, &last) != 0) {
            json_decref(batch);
            json_decref(kept);
            return GQL_RESOLVE_ERROR;
        }
        bool done = json_array_size(batch) < kk.limit || !last || !gqll_id(last, "id", &kk.cursor);
        json_decref(batch);
        kk.has_cursor = true;
        if (done)
            break;
    }
    if (k->backward) { /* kept is nearest the cursor first: the client's order is the reverse */
        size_t n = json_array_size(kept);
        *nodes = json_array();
        for (size_t i = n; i > 0; i--)
            json_array_append(*nodes, json_array_get(kept, i - 1));
        json_decref(kept);
    } else {
        *nodes = kept;
    }
    return GQL_RESOLVED;
}

gql_resolve_t admin_gql_scoped_connection(const gql_call_t *call, void *arg, gqll_page_fn fn,
                                          pay_owned_t kind, json_t **out)
{
    scoped_t s = {.fn = fn, .arg = arg, .kind = kind};
    admin_gql_list_scope(call, &s.scope);
    if (s.scope.kind == PAY_SCOPE_ALL)
        return gqll_connection(call, arg, fn, out);
    return gqll_connection(call, &s, scoped_page, out);
}
