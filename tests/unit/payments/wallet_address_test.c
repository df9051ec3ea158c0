/* src/backend/wallet_address*.c parsers that need no database: wallet address URLs and client
 * key JWKs. */
#include <criterion/criterion.h>

#include <string.h>

#include "payments/wallet_address.h"

#define OP "http://localhost:3000"

static int check(const char *url, char *out)
{
    return wallet_address_url_check(OP, url, strlen(url), out);
}

Test(wallet_address, url_check)
{
    char out[WALLET_ADDRESS_URL_MAX + 1];
    cr_assert_eq(check(OP "/alice", out), 0);
    cr_expect_str_eq(out, OP "/alice");
    cr_assert_eq(check(OP "/alice/", out), 0);
    cr_expect_str_eq(out, OP "/alice", "a trailing slash is dropped");
    cr_expect_eq(check(OP "/shop/alice.b-c_d~e", out), 0);
    cr_expect_eq(check(OP "/shop/alice/quotes", out), 0, "a third segment may be any name");
    const char *bad[] = {
        OP,
        OP "/",
        OP "//alice",
        OP "/alice//b",
        "http://localhost:3001/alice",
        "http://localhost:30000/alice",
        OP "/alice?x=1",
        OP "/alice#f",
        OP "/al ice",
        OP "/../alice",
        OP "/./alice",
        OP "/incoming-payments",
        OP "/incoming-payments/x",
        OP "/quotes",
        OP "/healthz",
        OP "/alice/jwks.json",
        OP "/a/b/c/d/e/f/g/h/i",
        OP "/outgoing-payment-grant",
        /* the resource server's /{tenantId}/... routes take these second segments */
        OP "/shop/incoming-payments",
        OP "/shop/outgoing-payments/x",
        OP "/shop/quotes",
        OP "/shop/outgoing-payment-grant",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_expect_eq(check(bad[i], out), -1, "%s", bad[i]);
    char longurl[WALLET_ADDRESS_URL_MAX + 8];
    memset(longurl, 'a', sizeof longurl - 1);
    longurl[sizeof longurl - 1] = '\0';
    memcpy(longurl, OP "/", strlen(OP "/"));
    cr_expect_eq(check(longurl, out), -1, "longer than WALLET_ADDRESS_URL_MAX");
}

static int jwk(const char *text)
{
    json_t *j = json_loads(text, 0, NULL);
    cr_assert_not_null(j, "%s", text);
    const char *kid, *x, *why;
    int rc = wallet_key_parse_jwk(j, &kid, &x, &why);
    json_decref(j);
    return rc;
}

#define X "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\""

Test(wallet_address, jwk)
{
    cr_expect_eq(jwk("{\"kid\":\"k1\",\"kty\":\"OKP\",\"crv\":\"Ed25519\"," X "}"), 0);
    cr_expect_eq(jwk("{\"kid\":\"k1\",\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"alg\":\"EdDSA\","
                     "\"use\":\"sig\"," X "}"),
                 0);
    const char *bad[] = {
        "{\"kty\":\"OKP\",\"crv\":\"Ed25519\"," X "}",
        "{\"kid\":\"\",\"kty\":\"OKP\",\"crv\":\"Ed25519\"," X "}",
        "{\"kid\":\"a b\",\"kty\":\"OKP\",\"crv\":\"Ed25519\"," X "}",
        "{\"kid\":\"k\",\"kty\":\"EC\",\"crv\":\"Ed25519\"," X "}",
        "{\"kid\":\"k\",\"kty\":\"OKP\",\"crv\":\"X25519\"," X "}",
        "{\"kid\":\"k\",\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"alg\":\"RS256\"," X "}",
        "{\"kid\":\"k\",\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"use\":\"enc\"," X "}",
        "{\"kid\":\"k\",\"kty\":\"OKP\",\"crv\":\"Ed25519\"}",
        "{\"kid\":\"k\",\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AAAA\"}",
        "{\"kid\":\"k\",\"kty\":\"OKP\",\"crv\":\"Ed25519\","
        "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHUR+\"}",
        "{\"kid\":7,\"kty\":\"OKP\",\"crv\":\"Ed25519\"," X "}",
        "[1]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_expect_eq(jwk(bad[i]), -1, "%s", bad[i]);
}
