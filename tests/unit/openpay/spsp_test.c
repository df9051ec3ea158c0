/* src/backend/spsp.c: receipt headers and the SPSP document, checked against the receiver that
 * will later read the credentials. */
#include <criterion/criterion.h>

#include <string.h>

#include "openpay/spsp.h"
#include "base/codec.h"

static stream_receiver_t receiver(void)
{
    stream_receiver_t r;
    uint8_t secret[32] = {1, 2, 3};
    cr_assert_eq(stream_receiver_init(&r, SLICE_LIT("test.spsp"), secret), STREAM_OK);
    return r;
}

/* nonce: 16 bytes of 0x11; secret: 32 bytes of 0x22, standard base64 */
static const char NONCE[] = "EREREREREREREREREREREQ==";
static const char SECRET[] = "IiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiI=";

Test(spsp, receipt_headers)
{
    stream_connection_details_t d = {0};
    cr_expect_eq(spsp_receipt_headers_parse(NULL, NULL, &d), SPSP_OK);
    cr_expect(!d.receipts);
    cr_assert_eq(spsp_receipt_headers_parse(NONCE, SECRET, &d), SPSP_OK);
    cr_expect(d.receipts);
    cr_expect_eq(d.receipt_nonce[15], 0x11);
    cr_expect_eq(d.receipt_secret[31], 0x22);
    const char *bad[][2] = {
        {NONCE, NULL}, {NULL, SECRET}, {SECRET, SECRET}, {NONCE, NONCE},
        {"", SECRET},  {NONCE, ""},    {"!!!!", SECRET},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_expect_eq(spsp_receipt_headers_parse(bad[i][0], bad[i][1], &d),
                     SPSP_RECEIPT_HEADERS_INVALID, "case %zu", i);
}

Test(spsp, answer_credits_the_account)
{
    stream_receiver_t r = receiver();
    ledger_id_t account = ledger_id_random();
    json_t *doc = NULL;
    cr_assert_eq(spsp_answer(&r, account, "USD", 2, NONCE, SECRET, &doc), SPSP_OK);
    const char *dest = json_string_value(json_object_get(doc, "destination_account"));
    const char *secret = json_string_value(json_object_get(doc, "shared_secret"));
    cr_assert_not_null(dest);
    cr_assert_not_null(secret);
    cr_expect(json_is_true(json_object_get(doc, "receipts_enabled")));
    stream_connection_details_t d;
    uint8_t plain[1024], token[1024];
    size_t token_len = 0;
    cr_assert_eq(stream_receiver_decode_token(&r, SLICE_STR(dest), &d, plain, sizeof plain, token,
                                              &token_len),
                 STREAM_OK);
    char tag[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(account, tag);
    cr_assert_eq(d.payment_tag.len, LEDGER_ID_STR_LEN);
    cr_expect_eq(memcmp(d.payment_tag.ptr, tag, LEDGER_ID_STR_LEN), 0);
    cr_expect(d.receipts);
    cr_expect_eq(d.receipt_nonce[0], 0x11);
    uint8_t raw[64];
    cr_expect_eq(b64_decode(raw, sizeof raw, secret, strlen(secret), B64_STD), 32);
    json_decref(doc);
    cr_expect_eq(spsp_answer(&r, account, "USD", 2, NONCE, NULL, &doc),
                 SPSP_RECEIPT_HEADERS_INVALID);
    cr_expect_eq(spsp_answer(NULL, account, "USD", 2, NULL, NULL, &doc), SPSP_UNAVAILABLE);
}
