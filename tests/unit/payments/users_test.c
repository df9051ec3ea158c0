/* src/payments/users.c, the password part: scrypt hashes in the stored form
 * "scrypt$<log2 N>$<r>$<p>$<salt base64>$<key base64>", their check, and hash strings that are
 * not such a hash (a damaged row) refused without a crash. Sign-in over it: tests/unit/web/. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "base/codec.h"
#include "payments/users.h"

/* A hash of "correct horse" made once per test process (~50 ms each). */
static char H[USER_HASH_MAX + 1];

static void hash_once(void)
{
    cr_assert_eq(users_password_hash("correct horse", H), 0);
}

TestSuite(users_password, .init = hash_once);

Test(users_password, stored_format)
{
    cr_assert_eq(strncmp(H, "scrypt$15$8$1$", 14), 0, "%s", H);
    const char *salt = H + 14, *dollar = strchr(salt, '$');
    cr_assert_not_null(dollar, "%s", H);
    uint8_t buf[64];
    cr_assert_eq(b64_decode(buf, sizeof buf, salt, (size_t)(dollar - salt), B64_STD), 16,
                 "16-byte salt: %s", H);
    cr_assert_eq(b64_decode(buf, sizeof buf, dollar + 1, strlen(dollar + 1), B64_STD), 32,
                 "32-byte key: %s", H);
    cr_assert_leq(strlen(H), USER_HASH_MAX);
}

Test(users_password, round_trip)
{
    cr_assert(users_password_check("correct horse", H));
    cr_assert_not(users_password_check("correct hors", H));
    cr_assert_not(users_password_check("correct horse ", H));
    cr_assert_not(users_password_check("Correct horse", H));
    cr_assert_not(users_password_check("", H));
}

Test(users_password, salted)
{
    char again[USER_HASH_MAX + 1];
    cr_assert_eq(users_password_hash("correct horse", again), 0);
    cr_assert_str_neq(again, H, "the same password hashes differently (salt)");
    cr_assert(users_password_check("correct horse", again));
}

Test(users_password, long_and_empty_passwords)
{
    char pw[USER_PASSWORD_MAX + 1], h[USER_HASH_MAX + 1];
    memset(pw, 'p', USER_PASSWORD_MAX);
    pw[USER_PASSWORD_MAX] = '\0';
    cr_assert_eq(users_password_hash(pw, h), 0);
    cr_assert(users_password_check(pw, h));
    pw[USER_PASSWORD_MAX - 1] = 'q';
    cr_assert_not(users_password_check(pw, h));
    cr_assert_eq(users_password_hash("", h), 0);
    cr_assert(users_password_check("", h));
    cr_assert_not(users_password_check("x", h));
}

/* The cost parameters are read from the hash: the same salt and key under other ones is
 * another hash. */
Test(users_password, parameters_are_read_from_the_hash)
{
    char other[USER_HASH_MAX + 1];
    const char *rest = H + strlen("scrypt$15$8$1$");
    snprintf(other, sizeof other, "scrypt$14$8$1$%s", rest);
    cr_assert_not(users_password_check("correct horse", other));
    snprintf(other, sizeof other, "scrypt$15$8$2$%s", rest);
    cr_assert_not(users_password_check("correct horse", other));
    snprintf(other, sizeof other, "scrypt$15$4$1$%s", rest);
    cr_assert_not(users_password_check("correct horse", other));
}

Test(users_password, malformed_hashes_are_refused)
{
    const char *rest = H + strlen("scrypt$15$8$1$");
    const char *key = strchr(rest, '$') + 1;
    char salt[64];
    snprintf(salt, sizeof salt, "%.*s", (int)(key - 1 - rest), rest);
    char cases[32][512];
    int n = 0;
#define CASE(...) snprintf(cases[n++], sizeof cases[0], __VA_ARGS__)
    CASE("%s", "");
    CASE("%s", "scrypt");
    CASE("%s", "scrypt$");
    CASE("%s", "scrypt$15$8$1$");
    CASE("scrypt$15$8$1$%s", salt);
    CASE("scrypt$15$8$1$%s$", salt);
    CASE("scrypt$15$8$1$$%s", key);
    CASE("bcrypt$15$8$1$%s$%s", salt, key);
    CASE("SCRYPT$15$8$1$%s$%s", salt, key);
    CASE("scrypt$15$8$%s$%s", salt, key);
    CASE("scrypt$x$8$1$%s$%s", salt, key);
    CASE("scrypt$15$8$1$%s$%s$", salt, key);
    CASE("scrypt$15$8$1$%s$%s ", salt, key);
    CASE("scrypt$15$8$1$%s$%s\n", salt, key);
    CASE("scrypt$15$8$1$%s$%sAAAA", salt, key); /* a longer key */
    CASE("scrypt$15$8$1$%s$%.20s", salt, key);  /* a shorter key */
    CASE("scrypt$15$8$1$!!!!$%s", key);         /* salt not base64 */
    CASE("scrypt$15$8$1$%s$%.43s!", salt, key); /* key not base64 */
    CASE("scrypt$40$8$1$%s$%s", salt, key);     /* N = 2^40 */
    CASE("scrypt$-1$8$1$%s$%s", salt, key);     /* negative */
    CASE("scrypt$15$0$1$%s$%s", salt, key);     /* r = 0 */
    CASE("scrypt$15$8$0$%s$%s", salt, key);     /* p = 0 */
    CASE("scrypt$15$8$99999$%s$%s", salt, key); /* p far too large */
    CASE("scrypt$20$32$4$%s$%s", salt, key);    /* more memory than allowed */
    CASE("scrypt$9$8$1$%s$%s", salt, key);      /* N too small to be a password hash */
    CASE("scrypt$15$8$1$%0200d$%s", 0, key);    /* salt past its buffer */
    CASE("scrypt$15$8$1$%s$%0200d", salt, 0);   /* key past its buffer */
    CASE("scrypt$99999999999999999999$8$1$%s$%s", salt, key);
#undef CASE
    for (int i = 0; i < n; i++)
        cr_assert_not(users_password_check("correct horse", cases[i]), "accepted \"%s\"", cases[i]);
    cr_assert_not(users_password_check("correct horse", NULL));
}
