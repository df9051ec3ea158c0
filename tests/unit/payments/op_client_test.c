/* src/backend/op_client.c: the instance's key (PEM files, its key set) and the shape of remote
 * incoming-payment URLs. Reading a remote incoming payment runs against two real instances in
 * tests/interop/open_payments_remote.test.mjs. */
#include <criterion/criterion.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "payments/op_client.h"
#include "base/codec.h"

/* RFC 8037 A.1 / RFC 8032 test 1: the seed and its public key. */
static const char SEED_HEX[] = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
static const char PEM[] = "-----BEGIN PRIVATE KEY-----\n"
                          "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
                          "-----END PRIVATE KEY-----\n";

static char *tmp_path(const char *name)
{
    static char dir[] = "/tmp/rafiki-op-client-XXXXXX";
    static bool made;
    if (!made) {
        cr_assert_not_null(mkdtemp(dir));
        made = true;
    }
    char *p = malloc(256);
    snprintf(p, 256, "%s/%s", dir, name);
    unlink(p);
    return p;
}

Test(op_client, key_file_load_generate_and_key_set)
{
    char *path = tmp_path("rfc8037.pem");
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(PEM, f);
    fclose(f);
    uint8_t seed[HTTPSIG_ED25519_LEN], want[HTTPSIG_ED25519_LEN];
    cr_assert_eq(op_key_load(path, seed), OP_KEY_OK);
    hex_decode(want, sizeof want, SEED_HEX, strlen(SEED_HEX));
    cr_assert_eq(memcmp(seed, want, sizeof seed), 0);

    /* the key set publishes the RFC's public key, base64url without padding */
    char *jwks = op_key_jwks_json(seed, "k1");
    json_t *doc = json_loads(jwks, 0, NULL);
    json_t *k = json_array_get(json_object_get(doc, "keys"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(k, "x")),
                     "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
    cr_assert_str_eq(json_string_value(json_object_get(k, "kid")), "k1");
    cr_assert_str_eq(json_string_value(json_object_get(k, "alg")), "EdDSA");
    cr_assert_str_eq(json_string_value(json_object_get(k, "crv")), "Ed25519");
    json_decref(doc);
    free(jwks);

    /* a generated key is written 0600 and reads back the same; an existing file is kept */
    char *gen = tmp_path("gen.pem");
    uint8_t s1[HTTPSIG_ED25519_LEN], s2[HTTPSIG_ED25519_LEN];
    cr_assert_eq(op_key_generate(gen, s1), OP_KEY_OK);
    struct stat st;
    cr_assert_eq(stat(gen, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
    cr_assert_eq(op_key_load(gen, s2), OP_KEY_OK);
    cr_assert_eq(memcmp(s1, s2, sizeof s1), 0);
    cr_assert_eq(op_key_generate(gen, s2), OP_KEY_EXISTS, "never overwrites a key");

    /* not a key, a missing file: refused with a reason */
    char *bad = tmp_path("bad.pem");
    f = fopen(bad, "w");
    fputs("not a key\n", f);
    fclose(f);
    cr_assert_eq(op_key_load(bad, seed), OP_KEY_NOT_PEM);
    cr_assert_eq(op_key_load("/nonexistent/key.pem", seed), OP_KEY_CANNOT_OPEN);
    free(path);
    free(gen);
    free(bad);
}

Test(op_client, incoming_payment_urls)
{
    const char *yes[] = {
        "http://b.example/incoming-payments/0a1b", "https://b.example/tenant/incoming-payments/x",
        "http://127.0.0.1:3000/incoming-payments/f7c2e7a4-1111-4c4c-8e8e-000000000001"};
    const char *no[] = {"http://b.example/alice",
                        "http://b.example/incoming-payments/",
                        "ftp://b.example/incoming-payments/1",
                        "http:///incoming-payments/1",
                        "b.example/incoming-payments/1",
                        ""};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        cr_expect(op_client_is_incoming_url(yes[i], strlen(yes[i])), "%s", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        cr_expect(!op_client_is_incoming_url(no[i], strlen(no[i])), "%s", no[i]);
}
