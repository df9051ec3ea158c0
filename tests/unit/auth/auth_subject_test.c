/* src/auth/auth_subject.c: a grant request's subject as auth-server.yaml has it ({sub_ids: [{id,
 * format: "uri"}]}, one identifier), the check that the wallet address is one of this server's,
 * and the JSON the continuation answers. The whole flow over HTTP with a browser:
 * tests/interop/subject.test.mjs. */
#include <criterion/criterion.h>

#include <string.h>

#include "auth/auth_internal.h"
#include "base/clock.h"

#include "../payments/payments_db.h"

static json_t *js(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
    cr_assert_not_null(j, "bad test JSON (%s): %s", e.text, text);
    return j;
}

/* subject_parse on text into g; a refusal must say why. */
static auth_result_t parse(const char *text, grant_t *g, auth_err_t *why)
{
    json_t *in = js(text);
    memset(g, 0, sizeof *g);
    why->msg[0] = '\0';
    auth_result_t r = subject_parse(in, g, why);
    if (r != AUTH_OK)
        cr_assert_neq(why->msg[0], '\0', "no reason for refusing %s", text);
    json_decref(in);
    return r;
}

Test(subject_parse, one_wallet_address)
{
    grant_t g;
    auth_err_t why;
    cr_assert_eq(parse("{\"sub_ids\":[{\"id\":\"https://wallet.test/alice\",\"format\":\"uri\"}]}",
                       &g, &why),
                 AUTH_OK, "%s", why.msg);
    cr_assert_eq(g.n_subjects, 1);
    cr_assert_str_eq(g.subjects[0].sub_id, "https://wallet.test/alice");
    cr_assert_str_eq(g.subjects[0].format, "uri");
    cr_assert(uuid_valid(g.subjects[0].id, strlen(g.subjects[0].id)), "a row id: %s",
              g.subjects[0].id);
    cr_assert_eq(
        parse("{\"sub_ids\":[{\"format\":\"uri\",\"id\":\"http://localhost:3000/b\"}]}", &g, &why),
        AUTH_OK, "%s", why.msg);
    cr_assert_str_eq(g.subjects[0].sub_id, "http://localhost:3000/b");
}

Test(subject_parse, refused)
{
    static const char *const refused[] = {
        "null",
        "[]",
        "\"https://wallet.test/alice\"",
        "{}",
        "{\"sub_ids\":{}}",
        "{\"sub_ids\":[]}",
        /* more than the schema's maxItems */
        "{\"sub_ids\":[{\"id\":\"https://w.test/a\",\"format\":\"uri\"},"
        "{\"id\":\"https://w.test/b\",\"format\":\"uri\"}]}",
        "{\"sub_ids\":[\"https://w.test/a\"]}",
        "{\"sub_ids\":[{\"id\":\"https://w.test/a\"}]}",
        "{\"sub_ids\":[{\"format\":\"uri\"}]}",
        "{\"sub_ids\":[{\"id\":\"https://w.test/a\",\"format\":\"email\"}]}",
        "{\"sub_ids\":[{\"id\":\"https://w.test/a\",\"format\":\"URI\"}]}",
        "{\"sub_ids\":[{\"id\":\"https://w.test/a\",\"format\":5}]}",
        "{\"sub_ids\":[{\"id\":5,\"format\":\"uri\"}]}",
        "{\"sub_ids\":[{\"id\":\"alice\",\"format\":\"uri\"}]}",
        "{\"sub_ids\":[{\"id\":\"$wallet.test/alice\",\"format\":\"uri\"}]}",
        "{\"sub_ids\":[{\"id\":\"ftp://w.test/a\",\"format\":\"uri\"}]}",
        "{\"sub_ids\":[{\"id\":\"https://\",\"format\":\"uri\"}]}",
        "{\"sub_ids\":[{\"id\":\"https:///a\",\"format\":\"uri\"}]}",
        "{\"sub_ids\":[{\"id\":\"https://w.test/a b\",\"format\":\"uri\"}]}",
        "{\"sub_ids\":[{\"id\":\"https://w.test/a#b\",\"format\":\"uri\"}]}",
        "{\"sub_ids\":[{\"id\":\"https://w.test/a\\u0000b\",\"format\":\"uri\"}]}",
        "{\"sub_ids\":[{\"id\":\"https://w.test/a\\nb\",\"format\":\"uri\"}]}",
    };
    grant_t g;
    auth_err_t why;
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
        cr_assert_eq(parse(refused[i], &g, &why), AUTH_INVALID_REQUEST, "accepted %s", refused[i]);
    parse("{\"sub_ids\":[{\"id\":\"https://w.test/a\",\"format\":\"email\"}]}", &g, &why);
    cr_assert(strstr(why.msg, "format"), "%s", why.msg);
}

Test(subject_parse, length_bound)
{
    char text[OP_CLIENT_MAX + 128];
    grant_t g;
    auth_err_t why;
    for (size_t extra = 0; extra <= 1; extra++) {
        size_t n = OP_CLIENT_MAX + extra; /* "https://" then 'a's */
        char url[OP_CLIENT_MAX + 2];
        memcpy(url, "https://", 8);
        memset(url + 8, 'a', n - 8);
        url[n] = '\0';
        snprintf(text, sizeof text, "{\"sub_ids\":[{\"id\":\"%s\",\"format\":\"uri\"}]}", url);
        cr_assert_eq(parse(text, &g, &why), extra ? AUTH_INVALID_REQUEST : AUTH_OK, "length %zu",
                     n);
        if (!extra)
            cr_assert_eq(strlen(g.subjects[0].sub_id), OP_CLIENT_MAX);
    }
}

Test(subject_json, answers_the_ids)
{
    auth_subject_t s = {.sub_id = "https://wallet.test/alice", .format = "uri"};
    json_t *j = subject_json(&s, 1);
    json_t *want = js("{\"sub_ids\":[{\"id\":\"https://wallet.test/alice\",\"format\":\"uri\"}]}");
    cr_assert(json_equal(j, want));
    json_decref(j);
    json_decref(want);
}

/* subject_known: only an active wallet address of this server can be proven here. */
Test(subject_known, wallet_addresses_of_this_server)
{
    db_t *db = bk_open("sqlite:", "auth_subject_known");
    db_err_t err = {0};
    ledger_t *l = ledger_open(db, NULL, &err);
    cr_assert_not_null(l, "%s", err.msg);
    ledger_asset_t usd = {.code = "USD", .scale = 2};
    cr_assert_eq(ledger_asset_create(l, &usd), LEDGER_OK);
    wallet_ctx_t w = {
        .db = db, .ledger = l, .op_url = "https://wallet.test", .auth_url = "http://auth.test"};
    wallet_address_t alice, gone;
    cr_assert_eq(
        wallet_address_create(&w, usd.id, "https://wallet.test/alice", "Alice", &alice, &err),
        WALLET_ADDRESS_OK, "%s", err.msg);
    cr_assert_eq(wallet_address_create(&w, usd.id, "https://wallet.test/gone", "Gone", &gone, &err),
                 WALLET_ADDRESS_OK, "%s", err.msg);
    bool off = false;
    cr_assert_eq(wallet_address_update(&w, gone.id, NULL, &off, &gone, &err), WALLET_ADDRESS_OK);
    auth_config_t cfg = {.db = db, .auth_url = "http://auth.test"};
    auth_t *a = auth_new(&cfg);
    grant_t g = {.n_subjects = 1};
    auth_err_t why = {.msg = ""};
    snprintf(g.subjects[0].sub_id, sizeof g.subjects[0].sub_id, "https://wallet.test/alice");
    cr_expect_eq(subject_known(a, &g, &why), AUTH_OK, "%s", why.msg);
    snprintf(g.subjects[0].sub_id, sizeof g.subjects[0].sub_id, "https://wallet.test/bob");
    cr_expect_eq(subject_known(a, &g, &why), AUTH_INVALID_REQUEST);
    cr_expect(strstr(why.msg, "not a wallet address of this server"), "%s", why.msg);
    snprintf(g.subjects[0].sub_id, sizeof g.subjects[0].sub_id, "https://wallet.test/gone");
    cr_expect_eq(subject_known(a, &g, &why), AUTH_INVALID_REQUEST, "inactive");
    auth_free(a);
    ledger_close(l);
    db_close(db);
}
