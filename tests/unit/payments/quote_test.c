/* src/backend/quote_remote.c: the SPSP answer parser (the rest of quotes is in
 * tests/integration/payments_test.c, against real databases). */
#include <criterion/criterion.h>

#include <string.h>

#include "payments/quote.h"

#define SECRET_B64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

static int parse(const char *s, quote_spsp_t *out)
{
    return quote_spsp_parse(s, strlen(s), out);
}

Test(quote, spsp_answer)
{
    quote_spsp_t out;
    cr_assert_eq(parse("{\"destination_account\":\"test.b.x~y\",\"shared_secret\":\"" SECRET_B64
                       "\",\"receipts_enabled\":true}",
                       &out),
                 0);
    cr_expect_str_eq(out.destination, "test.b.x~y");
    for (int i = 0; i < 32; i++)
        cr_expect_eq(out.shared_secret[i], i);
}

Test(quote, spsp_answer_refused)
{
    quote_spsp_t out;
    const char *bad[] = {
        "",
        "[]",
        "{\"destination_account\":\"test.b\"}",
        "{\"shared_secret\":\"" SECRET_B64 "\"}",
        "{\"destination_account\":\"not an address\",\"shared_secret\":\"" SECRET_B64 "\"}",
        "{\"destination_account\":\"test.b\",\"shared_secret\":\"AAEC\"}",
        "{\"destination_account\":\"test.b\",\"shared_secret\":\"" SECRET_B64 "AAAA\"}",
        "{\"destination_account\":5,\"shared_secret\":\"" SECRET_B64 "\"}",
        "{\"destination_account\":\"test.b\",\"destination_account\":\"test.c\",\"shared_secret\":"
        "\"" SECRET_B64 "\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_eq(parse(bad[i], &out), -1, "%s", bad[i]);
    char big[5000];
    memset(big, ' ', sizeof big);
    const char *ok = "{\"destination_account\":\"test.b\",\"shared_secret\":\"" SECRET_B64 "\"}";
    memcpy(big, ok, strlen(ok));
    cr_expect_eq(quote_spsp_parse(big, sizeof big, &out), -1, "larger than any SPSP answer");
    cr_expect_eq(quote_spsp_parse(ok, strlen(ok), &out), 0);
}
