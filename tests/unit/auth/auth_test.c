/* src/auth/auth.c: the fields of a grant request read before anything is stored: the client
 * (client_parse) and the interaction the client offers (interact_parse), per the Open Payments
 * grant request schema (client, interact-request in auth-server.yaml). The whole request over
 * HTTP: tests/interop/. */
#include <criterion/criterion.h>

#include <string.h>

#include "auth/auth_internal.h"

static json_t *js(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &e);
    cr_assert_not_null(j, "bad test JSON (%s): %s", e.text, text);
    return j;
}

/* ---- client ---- */

/* client_parse on text: its return, and the URL (or "jwk" for a key) it found. */
static int client(const char *text, char *got, size_t cap)
{
    json_t *c = js(text);
    const char *url = (const char *)1;
    const json_t *jwk = (const json_t *)1;
    int rc = client_parse(c, &url, &jwk);
    if (rc == 0) {
        cr_assert((url != NULL) != (jwk != NULL), "exactly one of url and jwk for %s", text);
        if (jwk)
            cr_assert_eq(jwk, json_object_get(c, "jwk"), "jwk borrowed from the request");
        snprintf(got, cap, "%s", url ? url : "jwk");
    }
    json_decref(c);
    return rc;
}

Test(client_parse, wallet_address_forms)
{
    char got[OP_CLIENT_MAX + 1];
    cr_assert_eq(client("\"https://wallet.test/alice\"", got, sizeof got), 0);
    cr_assert_str_eq(got, "https://wallet.test/alice");
    cr_assert_eq(client("{\"walletAddress\":\"http://wallet.test/bob\"}", got, sizeof got), 0);
    cr_assert_str_eq(got, "http://wallet.test/bob");
    cr_assert_eq(client("{\"jwk\":{\"kid\":\"k1\",\"kty\":\"OKP\",\"crv\":\"Ed25519\","
                        "\"x\":\"AAAA\",\"alg\":\"EdDSA\"}}",
                        got, sizeof got),
                 0);
    cr_assert_str_eq(got, "jwk");
}

Test(client_parse, refused)
{
    static const char *const refused[] = {
        "null",
        "5",
        "\"\"",
        "\"wallet.test/alice\"",
        "\"ftp://wallet.test/alice\"",
        "\"HTTPS://wallet.test/alice\"",
        "[\"https://wallet.test/alice\"]",
        "{}",
        "{\"walletAddress\":5}",
        "{\"walletAddress\":\"mailto:a@b\"}",
        "{\"jwk\":\"k1\"}",
        "{\"jwk\":null}",
        "{\"key\":{\"jwk\":{}}}",
    };
    char got[OP_CLIENT_MAX + 1];
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
        cr_assert_eq(client(refused[i], got, sizeof got), -1, "accepted %s", refused[i]);
}

Test(client_parse, url_length_bound)
{
    char text[OP_CLIENT_MAX + 16], got[OP_CLIENT_MAX + 1];
    /* "https://" + 'a'... to exactly OP_CLIENT_MAX characters, then one more */
    for (size_t extra = 0; extra <= 1; extra++) {
        size_t n = OP_CLIENT_MAX + extra;
        text[0] = '"';
        memcpy(text + 1, "https://", 8);
        memset(text + 9, 'a', n - 8);
        text[1 + n] = '"';
        text[2 + n] = '\0';
        cr_assert_eq(client(text, got, sizeof got), extra ? -1 : 0, "length %zu", n);
        if (!extra)
            cr_assert_eq(strlen(got), OP_CLIENT_MAX);
    }
}

/* ---- interact ---- */

static int interact(const char *text, grant_t *g, char *why, size_t cap)
{
    json_t *in = js(text);
    memset(g, 0, sizeof *g);
    why[0] = '\0';
    auth_err_t e = {.msg = ""};
    int rc = interact_parse(in, g, &e) == AUTH_OK ? 0 : -1;
    snprintf(why, cap, "%s", e.msg);
    if (rc != 0)
        cr_assert_neq(why[0], '\0', "no reason for refusing %s", text);
    json_decref(in);
    return rc;
}

Test(interact_parse, start_redirect_without_finish)
{
    grant_t g;
    char why[256];
    cr_assert_eq(interact("{\"start\":[\"redirect\"]}", &g, why, sizeof why), 0, "%s", why);
    cr_assert_str_eq(g.finish_uri, "");
    cr_assert_str_eq(g.client_nonce, "");
    /* other start modes may be offered next to redirect */
    cr_assert_eq(interact("{\"start\":[\"user_code\",\"redirect\"]}", &g, why, sizeof why), 0);
}

Test(interact_parse, finish)
{
    grant_t g;
    char why[256];
    cr_assert_eq(interact("{\"start\":[\"redirect\"],\"finish\":{\"method\":\"redirect\","
                          "\"uri\":\"https://client.test/done?x=1\",\"nonce\":\"n-123\"}}",
                          &g, why, sizeof why),
                 0, "%s", why);
    cr_assert_str_eq(g.finish_uri, "https://client.test/done?x=1");
    cr_assert_str_eq(g.client_nonce, "n-123");
    cr_assert_eq(interact("{\"start\":[\"redirect\"],\"finish\":{\"method\":\"redirect\","
                          "\"uri\":\"http://localhost:3344/cb\",\"nonce\":\"x\"}}",
                          &g, why, sizeof why),
                 0, "%s", why);
    cr_assert_str_eq(g.finish_uri, "http://localhost:3344/cb");
}

Test(interact_parse, start_refused)
{
    static const char *const refused[] = {
        "{}",
        "{\"start\":[]}",
        "{\"start\":\"redirect\"}",
        "{\"start\":[\"app\"]}",
        "{\"start\":[\"Redirect\"]}",
        "{\"start\":[[\"redirect\"]]}",
        "{\"start\":{\"redirect\":true}}",
        "[\"redirect\"]",
        "null",
    };
    grant_t g;
    char why[256];
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        cr_assert_eq(interact(refused[i], &g, why, sizeof why), -1, "accepted %s", refused[i]);
        cr_assert_not_null(strstr(why, "interact.start must include"), "%s", why);
    }
}

Test(interact_parse, finish_refused)
{
    static const char *const refused[] = {
        "{\"method\":\"push\",\"uri\":\"https://c.test/cb\",\"nonce\":\"n\"}",
        "{\"uri\":\"https://c.test/cb\",\"nonce\":\"n\"}",
        "{\"method\":\"redirect\",\"nonce\":\"n\"}",
        "{\"method\":\"redirect\",\"uri\":\"https://c.test/cb\"}",
        "{\"method\":\"redirect\",\"uri\":\"https://c.test/cb\",\"nonce\":\"\"}",
        "{\"method\":\"redirect\",\"uri\":\"https://c.test/cb\",\"nonce\":5}",
        "{\"method\":\"redirect\",\"uri\":\"javascript:alert(1)\",\"nonce\":\"n\"}",
        "{\"method\":\"redirect\",\"uri\":\"/relative\",\"nonce\":\"n\"}",
        "{\"method\":\"redirect\",\"uri\":\"https://c.test/cb#frag\",\"nonce\":\"n\"}",
        "{\"method\":\"redirect\",\"uri\":\"https://c.test/cb\\r\\nSet-Cookie: "
        "x\",\"nonce\":\"n\"}",
        "{\"method\":\"redirect\",\"uri\":\"https://c.test/a b\",\"nonce\":\"n\"}",
        "{\"method\":\"redirect\",\"uri\":7,\"nonce\":\"n\"}",
        "\"https://c.test/cb\"",
        "[]",
    };
    grant_t g;
    char why[256];
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        char text[512];
        snprintf(text, sizeof text, "{\"start\":[\"redirect\"],\"finish\":%s}", refused[i]);
        cr_assert_eq(interact(text, &g, why, sizeof why), -1, "accepted %s", text);
        cr_assert_not_null(strstr(why, "interact.finish must be"), "%s", why);
        cr_assert_str_eq(g.finish_uri, "", "nothing kept from a refused finish");
    }
}

Test(interact_parse, length_bounds)
{
    static char text[2 * AUTH_URI_MAX + 2 * AUTH_NONCE_MAX];
    static char uri[AUTH_URI_MAX + 2], nonce[AUTH_NONCE_MAX + 2];
    grant_t g;
    char why[256];
    for (int over = 0; over <= 1; over++) {
        size_t n = AUTH_URI_MAX + (size_t)over;
        memcpy(uri, "https://", 8);
        memset(uri + 8, 'u', n - 8);
        uri[n] = '\0';
        snprintf(text, sizeof text,
                 "{\"start\":[\"redirect\"],\"finish\":{\"method\":\"redirect\",\"uri\":\"%s\","
                 "\"nonce\":\"n\"}}",
                 uri);
        cr_assert_eq(interact(text, &g, why, sizeof why), over ? -1 : 0, "uri length %zu", n);
        if (!over)
            cr_assert_str_eq(g.finish_uri, uri);

        n = AUTH_NONCE_MAX + (size_t)over;
        memset(nonce, 'n', n);
        nonce[n] = '\0';
        snprintf(text, sizeof text,
                 "{\"start\":[\"redirect\"],\"finish\":{\"method\":\"redirect\","
                 "\"uri\":\"https://c.test\",\"nonce\":\"%s\"}}",
                 nonce);
        cr_assert_eq(interact(text, &g, why, sizeof why), over ? -1 : 0, "nonce length %zu", n);
        if (!over)
            cr_assert_str_eq(g.client_nonce, nonce);
    }
}
