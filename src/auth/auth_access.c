/*
 * Access items of grants (open-payments.md §4, §6): what a grant request may ask for, which
 * requests need the user, and which granted item covers what the resource server asks.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "auth/auth_internal.h"
#include "base/interval.h"
#include "http/json.h"

typedef struct {
    const char *type;
    const char *const *actions;
    bool identifier_required;
    bool limits;
} access_type_t;

static const char *const IP_ACTIONS[] = {"create", "complete", "read", "read-all",
                                         "list",   "list-all", NULL};
static const char *const QUOTE_ACTIONS[] = {"create", "read", "read-all", NULL};
static const char *const OP_ACTIONS[] = {"create", "read", "read-all", "list", "list-all", NULL};

static const access_type_t TYPES[] = {
    {"incoming-payment", IP_ACTIONS, false, false},
    {"quote", QUOTE_ACTIONS, false, false},
    {"outgoing-payment", OP_ACTIONS, true, true},
};

static const access_type_t *type_find(const char *t)
{
    for (size_t i = 0; t && i < sizeof TYPES / sizeof *TYPES; i++)
        if (strcmp(TYPES[i].type, t) == 0)
            return &TYPES[i];
    return NULL;
}

static bool in_list(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (strcmp(*list, s) == 0)
            return true;
    return false;
}

/* {value, assetCode, assetScale} with a canonical u64 value. */
static int amount_check(const json_t *a, uint64_t *value, const char **code, int *scale)
{
    const char *v = json_string_value(json_object_get(a, "value"));
    const char *c = json_string_value(json_object_get(a, "assetCode"));
    const json_t *s = json_object_get(a, "assetScale");
    if (!json_is_object(a) || !v || !c || !*c || strlen(c) > ASSET_CODE_MAX_LEN ||
        !json_is_integer(s) || json_integer_value(s) < 0 || json_integer_value(s) > 255 ||
        json_object_size(a) != 3 || http_json_parse_u64(v, strlen(v), value) != 0)
        return -1;
    if (code)
        *code = c;
    if (scale)
        *scale = (int)json_integer_value(s);
    return 0;
}

/* Fills err with why a grant request's access is refused; returns AUTH_INVALID_REQUEST. */
static auth_result_t access_invalid(auth_err_t *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static auth_result_t access_invalid(auth_err_t *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return AUTH_INVALID_REQUEST;
}

/* An incoming payment URL as the schema's receiver pattern has it,
 * ^(https|http)://(.+)/incoming-payments/(.+)$, short enough to reach the resource server whole
 * (op_access_t.receiver). */
static bool receiver_ok(const char *s)
{
    static const char seg[] = "/incoming-payments/";
    if (!s || strlen(s) > OP_CLIENT_MAX ||
        (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0))
        return false;
    const char *host = s + (s[4] == 's' ? 8 : 7);
    for (const char *p = strstr(host, seg); p; p = strstr(p + 1, seg))
        if (p > host && p[sizeof seg - 1])
            return true;
    return false;
}

static auth_result_t limits_check(const json_t *l, auth_err_t *err)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)l, key, v)
    {
        uint64_t x;
        iso_interval_t iv;
        const char *s = json_string_value(v);
        if (strcmp(key, "debitAmount") == 0 || strcmp(key, "receiveAmount") == 0) {
            if (amount_check(v, &x, NULL, NULL) != 0 || x == 0)
                return access_invalid(err, "limits.%s must be a positive amount", key);
        } else if (strcmp(key, "interval") == 0) {
            if (!s || iso_interval_parse(s, strlen(s), &iv) != ISO_INTERVAL_OK)
                return access_invalid(err,
                                      "limits.interval must be an ISO 8601 repeating interval");
        } else if (strcmp(key, "receiver") == 0) {
            if (!receiver_ok(s))
                return access_invalid(err, "limits.receiver must be an incoming payment URL");
        } else {
            return access_invalid(err, "limits.%s is not a limit", key);
        }
    }
    if (json_object_get(l, "debitAmount") && json_object_get(l, "receiveAmount"))
        return access_invalid(err, "limits may have debitAmount or receiveAmount, not both");
    return AUTH_OK;
}

/* What the schema's access-item allows besides type and actions (unevaluatedProperties: false),
 * and actions listed once (uniqueItems); the actions are known strings by now. */
static auth_result_t item_keys_check(const json_t *it, size_t i, auth_err_t *err)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)it, key, v)
    {
        if (strcmp(key, "type") != 0 && strcmp(key, "actions") != 0 &&
            strcmp(key, "identifier") != 0 && strcmp(key, "limits") != 0) {
            return access_invalid(err, "access[%zu].%s is not a field of an access item", i, key);
        }
    }
    const json_t *actions = json_object_get(it, "actions");
    for (size_t j = 1; j < json_array_size(actions); j++)
        for (size_t k = 0; k < j; k++)
            if (json_equal(json_array_get(actions, j), json_array_get(actions, k)))
                return access_invalid(err, "access[%zu].actions: %s is listed twice", i,
                                      json_string_value(json_array_get(actions, j)));
    return AUTH_OK;
}

auth_result_t access_validate(const auth_t *a, const json_t *items, bool *interactive,
                              auth_err_t *err)
{
    *interactive = false;
    if (!json_is_array(items) || json_array_size(items) == 0 ||
        json_array_size(items) > AUTH_ACCESS_MAX) {
        return access_invalid(err, "access_token.access must list 1 to %d access items",
                              AUTH_ACCESS_MAX);
    }
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        const char *type = json_string_value(json_object_get(it, "type"));
        const access_type_t *t = type_find(type);
        const json_t *actions = json_object_get(it, "actions");
        const json_t *ident = json_object_get(it, "identifier");
        const json_t *limits = json_object_get(it, "limits");
        if (!json_is_object(it) || !t) {
            return access_invalid(err,
                                  "access[%zu].type must be incoming-payment, quote or "
                                  "outgoing-payment",
                                  i);
        }
        if (!json_is_array(actions) || json_array_size(actions) == 0) {
            return access_invalid(err, "access[%zu].actions must be a non-empty list", i);
        }
        bool needs_user =
            strcmp(t->type, "outgoing-payment") == 0 ||
            (strcmp(t->type, "incoming-payment") == 0 && a->cfg.incoming_payment_interaction) ||
            (strcmp(t->type, "quote") == 0 && a->cfg.quote_interaction);
        size_t j;
        json_t *act;
        json_array_foreach(actions, j, act)
        {
            const char *s = json_string_value(act);
            if (!s || !in_list(t->actions, s)) {
                return access_invalid(err, "access[%zu].actions: %s is not an action on %s", i,
                                      s ? s : "(not a string)", t->type);
            }
            if (strcmp(s, "list-all") == 0 && a->cfg.list_all_interaction)
                needs_user = true;
        }
        if (item_keys_check(it, i, err) != AUTH_OK)
            return AUTH_INVALID_REQUEST;
        if (ident && (!json_is_string(ident) || !*json_string_value(ident))) {
            return access_invalid(err, "access[%zu].identifier must be a wallet address URL", i);
        }
        if ((t->identifier_required || needs_user) && !ident) {
            return access_invalid(err, "access[%zu] needs an identifier (the wallet address)", i);
        }
        if (limits && (!t->limits || !json_is_object(limits)))
            return access_invalid(err, "access[%zu].limits are only for outgoing payments", i);
        if (limits && limits_check(limits, err) != AUTH_OK)
            return AUTH_INVALID_REQUEST;
        *interactive = *interactive || needs_user;
    }
    return AUTH_OK;
}

const json_t *access_match(const json_t *items, const char *type, const char *action,
                           const char *identifier, bool *all)
{
    char all_action[16];
    snprintf(all_action, sizeof all_action, "%s-all", action);
    bool has_all = strcmp(action, "read") == 0 || strcmp(action, "list") == 0;
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        const char *t = json_string_value(json_object_get(it, "type"));
        const char *ident = json_string_value(json_object_get(it, "identifier"));
        if (!t || strcmp(t, type) != 0 || (ident && identifier && strcmp(ident, identifier) != 0))
            continue;
        bool exact = false, wide = false;
        size_t j;
        json_t *act;
        json_array_foreach(json_object_get(it, "actions"), j, act)
        {
            const char *s = json_string_value(act);
            exact = exact || (s && strcmp(s, action) == 0);
            wide = wide || (s && has_all && strcmp(s, all_action) == 0);
        }
        if (exact || wide) {
            *all = wide;
            return it;
        }
    }
    return NULL;
}

static int limit_amount(const json_t *a, grant_amount_t *out)
{
    const char *code;
    int scale;
    if (amount_check(a, &out->value, &code, &scale) != 0)
        return -1;
    snprintf(out->asset_code, sizeof out->asset_code, "%s", code);
    out->asset_scale = (uint8_t)scale;
    return 0;
}

int access_limits(const json_t *item, op_access_t *out)
{
    const json_t *l = json_object_get(item, "limits");
    memset(&out->limits, 0, sizeof out->limits);
    out->has_limits = false;
    out->receiver[0] = '\0';
    if (!json_is_object(l))
        return 0;
    const json_t *d = json_object_get(l, "debitAmount"), *r = json_object_get(l, "receiveAmount");
    const char *iv = json_string_value(json_object_get(l, "interval"));
    const char *rcv = json_string_value(json_object_get(l, "receiver"));
    if ((d && limit_amount(d, &out->limits.debit) != 0) ||
        (r && limit_amount(r, &out->limits.receive) != 0))
        return -1;
    out->limits.has_debit = d != NULL;
    out->limits.has_receive = r != NULL;
    if (iv) {
        if (strlen(iv) > ISO_INTERVAL_TEXT_MAX ||
            iso_interval_parse(iv, strlen(iv), &out->limits.interval) != ISO_INTERVAL_OK)
            return -1;
        out->limits.has_interval = true;
        snprintf(out->limits.interval_text, sizeof out->limits.interval_text, "%s", iv);
    }
    if (rcv)
        snprintf(out->receiver, sizeof out->receiver, "%s", rcv);
    out->has_limits = d || r || iv;
    return 0;
}
