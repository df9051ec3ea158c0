/* src/auth/auth_access.c: which access items a grant request may ask for (the Open Payments
 * grant request schema, ../shared/specs/open-payments/auth-server.yaml access-item), which of
 * them need the user, which granted item covers what the resource server asks, and the limits
 * introspection hands on. Over HTTP: tests/interop/. */
#include <criterion/criterion.h>

#include <string.h>

#include "auth/auth_internal.h"

#define ALICE "https://wallet.test/alice"
#define BOB   "https://wallet.test/bob"

static json_t *js(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &e);
    cr_assert_not_null(j, "bad test JSON (%s): %s", e.text, text);
    return j;
}

/* access_validate on items under cfg; why must be written on failure. */
static int validate_cfg(const auth_config_t *cfg, const char *items, bool *interactive, char *why,
                        size_t cap)
{
    auth_t *a = auth_new(cfg);
    json_t *j = js(items);
    why[0] = '\0';
    *interactive = true; /* must be reset */
    auth_err_t e = {.msg = ""};
    int rc = access_validate(a, j, interactive, &e) == AUTH_OK ? 0 : -1;
    snprintf(why, cap, "%s", e.msg);
    if (rc != 0)
        cr_assert_neq(why[0], '\0', "no reason for refusing %s", items);
    json_decref(j);
    auth_free(a);
    return rc;
}

static const auth_config_t DEFAULTS = {.auth_url = "http://auth.test",
                                       .list_all_interaction = true};

static void ok(const char *items, bool interactive_want)
{
    char why[256];
    bool interactive;
    cr_assert_eq(validate_cfg(&DEFAULTS, items, &interactive, why, sizeof why), 0, "refused %s: %s",
                 items, why);
    cr_assert_eq(interactive, interactive_want, "interactive for %s", items);
}

/* Refused, with a reason that mentions want. */
static void bad(const char *items, const char *want)
{
    char why[256];
    bool interactive;
    cr_assert_eq(validate_cfg(&DEFAULTS, items, &interactive, why, sizeof why), -1, "accepted %s",
                 items);
    cr_assert_not_null(strstr(why, want), "why for %s: \"%s\", want \"%s\"", items, why, want);
}

#define OUT_ITEM(limits)                                                                           \
    "[{\"type\":\"outgoing-payment\",\"actions\":[\"create\",\"read\"],\"identifier\":\"" ALICE    \
    "\",\"limits\":" limits "}]"
#define USD(v) "{\"value\":\"" v "\",\"assetCode\":\"USD\",\"assetScale\":2}"
#define IV     "\"R/2026-01-01T00:00:00Z/P1M\""

Test(access_validate, incoming_and_quote_need_no_user)
{
    ok("[{\"type\":\"incoming-payment\",\"actions\":[\"create\",\"read\",\"list\",\"complete\"]}]",
       false);
    ok("[{\"type\":\"incoming-payment\",\"actions\":[\"read-all\"],\"identifier\":\"" ALICE "\"}]",
       false);
    ok("[{\"type\":\"quote\",\"actions\":[\"create\",\"read\",\"read-all\"]}]", false);
    ok("[{\"type\":\"incoming-payment\",\"actions\":[\"create\"]},"
       "{\"type\":\"quote\",\"actions\":[\"create\"]}]",
       false);
}

Test(access_validate, outgoing_needs_user_and_identifier)
{
    ok("[{\"type\":\"outgoing-payment\",\"actions\":[\"create\",\"read\",\"list\"],"
       "\"identifier\":\"" ALICE "\"}]",
       true);
    /* one outgoing item makes the whole grant interactive */
    ok("[{\"type\":\"quote\",\"actions\":[\"create\"]},{\"type\":\"outgoing-payment\","
       "\"actions\":[\"read\"],\"identifier\":\"" ALICE "\"}]",
       true);
    bad("[{\"type\":\"outgoing-payment\",\"actions\":[\"create\"]}]",
        "access[0] needs an identifier");
    bad("[{\"type\":\"quote\",\"actions\":[\"create\"]},"
        "{\"type\":\"outgoing-payment\",\"actions\":[\"create\"]}]",
        "access[1] needs an identifier");
}

Test(access_validate, list_all_follows_config)
{
    ok("[{\"type\":\"incoming-payment\",\"actions\":[\"list-all\"],\"identifier\":\"" ALICE "\"}]",
       true);
    bad("[{\"type\":\"incoming-payment\",\"actions\":[\"list-all\"]}]", "needs an identifier");
    auth_config_t cfg = DEFAULTS;
    cfg.list_all_interaction = false;
    char why[256];
    bool interactive;
    cr_assert_eq(validate_cfg(&cfg, "[{\"type\":\"incoming-payment\",\"actions\":[\"list-all\"]}]",
                              &interactive, why, sizeof why),
                 0, "%s", why);
    cr_assert_not(interactive);
}

Test(access_validate, incoming_and_quote_interaction_config)
{
    auth_config_t cfg = DEFAULTS;
    cfg.incoming_payment_interaction = true;
    char why[256];
    bool interactive;
    const char *ip = "[{\"type\":\"incoming-payment\",\"actions\":[\"create\"],"
                     "\"identifier\":\"" ALICE "\"}]";
    const char *quote = "[{\"type\":\"quote\",\"actions\":[\"create\"],"
                        "\"identifier\":\"" ALICE "\"}]";
    cr_assert_eq(validate_cfg(&cfg, ip, &interactive, why, sizeof why), 0, "%s", why);
    cr_assert(interactive);
    cr_assert_eq(validate_cfg(&cfg, quote, &interactive, why, sizeof why), 0, "%s", why);
    cr_assert_not(interactive);
    /* needing the user, the item must say whose wallet it is */
    cr_assert_eq(validate_cfg(&cfg, "[{\"type\":\"incoming-payment\",\"actions\":[\"create\"]}]",
                              &interactive, why, sizeof why),
                 -1);
    cfg.incoming_payment_interaction = false;
    cfg.quote_interaction = true;
    cr_assert_eq(validate_cfg(&cfg, quote, &interactive, why, sizeof why), 0, "%s", why);
    cr_assert(interactive);
    cr_assert_eq(validate_cfg(&cfg, ip, &interactive, why, sizeof why), 0, "%s", why);
    cr_assert_not(interactive);
}

Test(access_validate, the_list_itself)
{
    bad("[]", "1 to 8");
    bad("{}", "1 to 8");
    bad("\"incoming-payment\"", "1 to 8");
    bad("null", "1 to 8");
    char list[1024];
    for (int n = 8; n <= 9; n++) {
        size_t len = 0;
        for (int i = 0; i < n; i++)
            len += (size_t)snprintf(list + len, sizeof list - len, "%c%s", i ? ',' : '[',
                                    "{\"type\":\"quote\",\"actions\":[\"read\"]}");
        snprintf(list + len, sizeof list - len, "]");
        if (n == 8)
            ok(list, false);
        else
            bad(list, "1 to 8");
    }
}

Test(access_validate, types)
{
    bad("[{\"type\":\"payment\",\"actions\":[\"read\"]}]", "access[0].type must be");
    bad("[{\"actions\":[\"read\"]}]", "access[0].type must be");
    bad("[{\"type\":7,\"actions\":[\"read\"]}]", "access[0].type must be");
    bad("[{\"type\":[\"quote\"],\"actions\":[\"read\"]}]", "access[0].type must be");
    bad("[{\"type\":\"Quote\",\"actions\":[\"read\"]}]", "access[0].type must be");
    bad("[\"quote\"]", "access[0].type must be");
    bad("[null]", "access[0].type must be");
    bad("[{\"type\":\"quote\",\"actions\":[\"read\"]},[]]", "access[1].type must be");
}

Test(access_validate, actions)
{
    bad("[{\"type\":\"quote\"}]", "access[0].actions must be a non-empty list");
    bad("[{\"type\":\"quote\",\"actions\":[]}]", "non-empty list");
    bad("[{\"type\":\"quote\",\"actions\":\"read\"}]", "non-empty list");
    bad("[{\"type\":\"quote\",\"actions\":{\"read\":true}}]", "non-empty list");
    bad("[{\"type\":\"quote\",\"actions\":[\"list\"]}]", "list is not an action on quote");
    bad("[{\"type\":\"quote\",\"actions\":[\"complete\"]}]", "complete is not an action on quote");
    bad("[{\"type\":\"outgoing-payment\",\"actions\":[\"complete\"],\"identifier\":\"" ALICE "\"}]",
        "complete is not an action on outgoing-payment");
    bad("[{\"type\":\"incoming-payment\",\"actions\":[\"read\",\"delete\"]}]", "delete is not");
    bad("[{\"type\":\"incoming-payment\",\"actions\":[\"READ\"]}]", "READ is not");
    bad("[{\"type\":\"incoming-payment\",\"actions\":[5]}]", "(not a string) is not");
    bad("[{\"type\":\"incoming-payment\",\"actions\":[null]}]", "(not a string) is not");
}

Test(access_validate, identifier)
{
    bad("[{\"type\":\"quote\",\"actions\":[\"read\"],\"identifier\":\"\"}]",
        "access[0].identifier must be a wallet address URL");
    bad("[{\"type\":\"quote\",\"actions\":[\"read\"],\"identifier\":5}]", "identifier must be");
    bad("[{\"type\":\"outgoing-payment\",\"actions\":[\"read\"],\"identifier\":null}]",
        "identifier must be");
    bad("[{\"type\":\"outgoing-payment\",\"actions\":[\"read\"],\"identifier\":{\"u\":\"" ALICE
        "\"}}]",
        "identifier must be");
}

/* Schema: access-item has unevaluatedProperties: false, and actions are uniqueItems. */
Test(access_validate, unknown_keys_and_repeated_actions)
{
    bad("[{\"type\":\"incoming-payment\",\"actions\":[\"read\"],\"scope\":\"all\"}]",
        "access[0].scope is not");
    bad("[{\"type\":\"quote\",\"actions\":[\"read\"]},"
        "{\"type\":\"quote\",\"actions\":[\"create\"],\"Identifier\":\"" ALICE "\"}]",
        "access[1].Identifier is not");
    bad("[{\"type\":\"incoming-payment\",\"actions\":[\"read\",\"create\",\"read\"]}]",
        "access[0].actions: read is listed twice");
}

Test(access_validate, limits)
{
    ok(OUT_ITEM("{\"debitAmount\":" USD("1000") ",\"interval\":" IV "}"), true);
    ok(OUT_ITEM("{\"receiveAmount\":" USD("1") "}"), true);
    ok(OUT_ITEM("{\"interval\":" IV "}"), true);
    ok(OUT_ITEM("{}"), true);
    ok(OUT_ITEM("{\"receiver\":\"https://wallet.test/incoming-payments/1\",\"debitAmount\":" USD(
           "18446744073709551615") "}"),
       true);
    bad("[{\"type\":\"incoming-payment\",\"actions\":[\"read\"],\"limits\":{}}]",
        "access[0].limits are only for outgoing payments");
    bad("[{\"type\":\"quote\",\"actions\":[\"read\"],\"limits\":{\"debitAmount\":" USD("1") "}}]",
        "only for outgoing payments");
    bad(OUT_ITEM("[]"), "only for outgoing payments");
    bad(OUT_ITEM("\"1000\""), "only for outgoing payments");
    bad(OUT_ITEM("{\"debitAmount\":" USD("1") ",\"receiveAmount\":" USD("1") "}"), "not both");
    bad(OUT_ITEM("{\"maxAmount\":" USD("1") "}"), "limits.maxAmount is not a limit");
    bad(OUT_ITEM("{\"interval\":\"P1M\"}"), "limits.interval must be");
    bad(OUT_ITEM("{\"interval\":\"R/2026-13-01T00:00:00Z/P1M\"}"), "limits.interval must be");
    bad(OUT_ITEM("{\"interval\":30}"), "limits.interval must be");
    bad(OUT_ITEM("{\"receiver\":\"" BOB "\"}"), "limits.receiver must be");
    bad(OUT_ITEM("{\"receiver\":7}"), "limits.receiver must be");
}

/* Schema: receiver matches ^(https|http)://(.+)/incoming-payments/(.+)$; and it must fit what
 * introspection hands the resource server (OP_CLIENT_MAX), or the grant could never be used. */
Test(access_validate, limit_receiver)
{
    ok(OUT_ITEM("{\"receiver\":\"http://w.test/incoming-payments/1\"}"), true);
    ok(OUT_ITEM("{\"receiver\":\"https://w.test/alice/incoming-payments/x/incoming-payments/\"}"),
       true);
    static const char *const refused[] = {
        "ftp://w.test/incoming-payments/1",
        "w.test/incoming-payments/1",
        "/incoming-payments/1",
        "https:///incoming-payments/1",
        "https://w.test/incoming-payments/",
        "https://w.test/incoming-payments",
        "",
    };
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        char items[512];
        snprintf(items, sizeof items, OUT_ITEM("{\"receiver\":\"%s\"}"), refused[i]);
        bad(items, "limits.receiver must be");
    }
    static char items[2 * OP_CLIENT_MAX], url[OP_CLIENT_MAX + 2];
    for (int over = 0; over <= 1; over++) {
        size_t n = OP_CLIENT_MAX + (size_t)over;
        snprintf(url, sizeof url, "https://w.test/incoming-payments/");
        size_t len = strlen(url);
        memset(url + len, 'a', n - len);
        url[n] = '\0';
        snprintf(items, sizeof items, OUT_ITEM("{\"receiver\":\"%s\"}"), url);
        if (over) {
            bad(items, "limits.receiver must be");
        } else {
            ok(items, true);
            json_t *j = js(items);
            op_access_t o = {0};
            cr_assert_eq(access_limits(json_array_get(j, 0), &o), 0);
            cr_assert_str_eq(o.receiver, url, "the receiver reaches introspection whole");
            json_decref(j);
        }
    }
}

Test(access_validate, limit_amounts)
{
    static const char *const refused[] = {
        USD("0"),
        USD("-1"),
        USD("01"),
        USD("1.5"),
        USD(""),
        USD("18446744073709551616"),
        "{\"value\":100,\"assetCode\":\"USD\",\"assetScale\":2}",
        "{\"value\":\"100\",\"assetScale\":2}",
        "{\"value\":\"100\",\"assetCode\":\"\",\"assetScale\":2}",
        "{\"value\":\"100\",\"assetCode\":\"ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFG\",\"assetScale\":2}",
        "{\"value\":\"100\",\"assetCode\":\"USD\"}",
        "{\"value\":\"100\",\"assetCode\":\"USD\",\"assetScale\":\"2\"}",
        "{\"value\":\"100\",\"assetCode\":\"USD\",\"assetScale\":256}",
        "{\"value\":\"100\",\"assetCode\":\"USD\",\"assetScale\":-1}",
        "{\"value\":\"100\",\"assetCode\":\"USD\",\"assetScale\":2.0}",
        "{\"value\":\"100\",\"assetCode\":\"USD\",\"assetScale\":2,\"extra\":1}",
        "\"100 USD\"",
        "null",
    };
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        char items[512];
        snprintf(items, sizeof items, OUT_ITEM("{\"debitAmount\":%s}"), refused[i]);
        bad(items, "limits.debitAmount must be a positive amount");
        snprintf(items, sizeof items, OUT_ITEM("{\"receiveAmount\":%s}"), refused[i]);
        bad(items, "limits.receiveAmount must be a positive amount");
    }
    ok(OUT_ITEM(
           "{\"debitAmount\":{\"value\":\"5\",\"assetCode\":\"ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEF\","
           "\"assetScale\":255}}"),
       true);
}

Test(access_validate, why_is_bounded)
{
    char why[16];
    bool interactive;
    cr_assert_eq(validate_cfg(&DEFAULTS, "[{\"type\":\"payment\",\"actions\":[\"read\"]}]",
                              &interactive, why, sizeof why),
                 -1);
    cr_assert_eq(strlen(why), sizeof why - 1);
}

/* ---- access_match ---- */

static const char *const GRANTED =
    "[{\"type\":\"incoming-payment\",\"actions\":[\"create\",\"read-all\"],\"identifier\":\"" ALICE
    "\"},"
    "{\"type\":\"outgoing-payment\",\"actions\":[\"read\",\"list-all\"],\"identifier\":\"" BOB
    "\"},"
    "{\"type\":\"quote\",\"actions\":[\"create\"]}]";

static int match_index(const json_t *items, const char *type, const char *action,
                       const char *identifier, bool *all)
{
    *all = !*all; /* must be written on a match */
    const json_t *it = access_match(items, type, action, identifier, all);
    if (!it)
        return -1;
    for (size_t i = 0; i < json_array_size(items); i++)
        if (json_array_get(items, i) == it)
            return (int)i;
    cr_assert_fail("access_match returned no item of the list");
    return -2;
}

Test(access_match, exact_and_all_actions)
{
    json_t *g = js(GRANTED);
    bool all = false;
    cr_assert_eq(match_index(g, "incoming-payment", "create", ALICE, &all), 0);
    cr_assert_not(all);
    all = false;
    cr_assert_eq(match_index(g, "incoming-payment", "read", ALICE, &all), 0);
    cr_assert(all, "read-all granted: all");
    cr_assert_eq(match_index(g, "incoming-payment", "list", ALICE, &all), -1);
    cr_assert_eq(match_index(g, "incoming-payment", "complete", ALICE, &all), -1);
    all = true;
    cr_assert_eq(match_index(g, "outgoing-payment", "read", BOB, &all), 1);
    cr_assert_not(all, "read granted itself: not all");
    all = false;
    cr_assert_eq(match_index(g, "outgoing-payment", "list", BOB, &all), 1);
    cr_assert(all);
    cr_assert_eq(match_index(g, "outgoing-payment", "create", BOB, &all), -1);
    /* -all never widens other actions */
    json_t *odd = js("[{\"type\":\"quote\",\"actions\":[\"create-all\"]}]");
    cr_assert_eq(match_index(odd, "quote", "create", ALICE, &all), -1);
    json_decref(odd);
    json_decref(g);
}

Test(access_match, type_and_identifier)
{
    json_t *g = js(GRANTED);
    bool all = false;
    cr_assert_eq(match_index(g, "incoming-payment", "create", BOB, &all), -1);
    cr_assert_eq(match_index(g, "outgoing-payment", "read", ALICE, &all), -1);
    cr_assert_eq(match_index(g, "quote", "read", ALICE, &all), -1);
    /* an item without identifier is for any wallet address */
    cr_assert_eq(match_index(g, "quote", "create", ALICE, &all), 2);
    cr_assert_eq(match_index(g, "quote", "create", BOB, &all), 2);
    cr_assert_eq(match_index(g, "incoming-payment", "create", ALICE "x", &all), -1);
    cr_assert_eq(match_index(g, "Quote", "create", BOB, &all), -1);
    json_decref(g);
}

Test(access_match, first_matching_item_wins)
{
    json_t *g = js("[{\"type\":\"quote\",\"actions\":[\"read\"],\"identifier\":\"" BOB "\"},"
                   "{\"type\":\"quote\",\"actions\":[\"read-all\"]},"
                   "{\"type\":\"quote\",\"actions\":[\"read\"]}]");
    bool all = false;
    cr_assert_eq(match_index(g, "quote", "read", ALICE, &all), 1);
    cr_assert(all);
    cr_assert_eq(match_index(g, "quote", "read", BOB, &all), 0);
    cr_assert_not(all);
    json_decref(g);
}

Test(access_match, malformed_items_are_skipped)
{
    json_t *g = js("[5,{\"type\":3},{\"type\":\"quote\",\"actions\":\"read\"},"
                   "{\"type\":\"quote\",\"actions\":[7,null,\"read\"]}]");
    bool all = true;
    cr_assert_eq(match_index(g, "quote", "read", ALICE, &all), 3);
    cr_assert_not(all);
    json_t *none = js("{}");
    cr_assert_eq(match_index(none, "quote", "read", ALICE, &all), -1);
    json_decref(none);
    json_decref(g);
}

/* ---- access_limits ---- */

static op_access_t dirty(void)
{
    op_access_t o;
    memset(&o, 0x5a, sizeof o);
    o.client_jwk = NULL;
    return o;
}

Test(access_limits, none)
{
    json_t *it = js("{\"type\":\"outgoing-payment\",\"actions\":[\"create\"]}");
    op_access_t o = dirty();
    cr_assert_eq(access_limits(it, &o), 0);
    cr_assert_not(o.has_limits);
    cr_assert_not(o.limits.has_debit);
    cr_assert_not(o.limits.has_receive);
    cr_assert_not(o.limits.has_interval);
    cr_assert_str_eq(o.receiver, "");
    json_decref(it);
}

Test(access_limits, debit_and_interval)
{
    json_t *it = js("{\"limits\":{\"debitAmount\":{\"value\":\"1000\",\"assetCode\":\"EUR\","
                    "\"assetScale\":3},\"interval\":" IV "}}");
    op_access_t o = dirty();
    cr_assert_eq(access_limits(it, &o), 0);
    cr_assert(o.has_limits);
    cr_assert(o.limits.has_debit);
    cr_assert_not(o.limits.has_receive);
    cr_assert_eq(o.limits.debit.value, 1000);
    cr_assert_str_eq(o.limits.debit.asset_code, "EUR");
    cr_assert_eq(o.limits.debit.asset_scale, 3);
    cr_assert(o.limits.has_interval);
    cr_assert_str_eq(o.limits.interval_text, "R/2026-01-01T00:00:00Z/P1M");
    cr_assert_eq(o.limits.interval.duration.months, 1);
    cr_assert_eq(o.limits.interval.repetitions, 0);
    cr_assert_eq(o.limits.interval.start_ms, 1767225600000LL);
    cr_assert_str_eq(o.receiver, "");
    json_decref(it);
}

Test(access_limits, receive_and_receiver)
{
    json_t *it = js("{\"limits\":{\"receiveAmount\":" USD(
        "18446744073709551615") ",\"receiver\":\"https://w.test/incoming-payments/7\"}}");
    op_access_t o = dirty();
    cr_assert_eq(access_limits(it, &o), 0);
    cr_assert(o.has_limits);
    cr_assert(o.limits.has_receive);
    cr_assert_not(o.limits.has_debit);
    cr_assert_eq(o.limits.receive.value, UINT64_MAX);
    cr_assert_str_eq(o.limits.receive.asset_code, "USD");
    cr_assert_not(o.limits.has_interval);
    cr_assert_str_eq(o.receiver, "https://w.test/incoming-payments/7");
    json_decref(it);
    /* a receiver alone limits where, not how much */
    it = js("{\"limits\":{\"receiver\":\"https://w.test/incoming-payments/7\"}}");
    o = dirty();
    cr_assert_eq(access_limits(it, &o), 0);
    cr_assert_not(o.has_limits);
    cr_assert_str_eq(o.receiver, "https://w.test/incoming-payments/7");
    json_decref(it);
}

Test(access_limits, unreadable)
{
    static const char *const items[] = {
        "{\"limits\":{\"debitAmount\":{\"value\":\"x\",\"assetCode\":\"USD\",\"assetScale\":2}}}",
        "{\"limits\":{\"receiveAmount\":{\"value\":\"1\",\"assetCode\":\"USD\"}}}",
        "{\"limits\":{\"debitAmount\":\"1\"}}",
        "{\"limits\":{\"interval\":\"R/x/P1M\"}}",
    };
    for (size_t i = 0; i < sizeof items / sizeof *items; i++) {
        json_t *it = js(items[i]);
        op_access_t o = dirty();
        cr_assert_eq(access_limits(it, &o), -1, "%s", items[i]);
        json_decref(it);
    }
    /* limits that are not an object are none (access_validate refuses them earlier) */
    json_t *it = js("{\"limits\":[1]}");
    op_access_t o = dirty();
    cr_assert_eq(access_limits(it, &o), 0);
    cr_assert_not(o.has_limits);
    json_decref(it);
}
