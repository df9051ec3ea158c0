/* SPSP answers (see spsp.h). */
#include "openpay/spsp.h"

#include <string.h>

#include "base/codec.h"

const char *spsp_result_str(spsp_result_t r)
{
    static const char *const names[SPSP_RESULT_COUNT] = {
        [SPSP_OK] = "ok",
        [SPSP_RECEIPT_HEADERS_INVALID] = "receipt_headers_invalid",
        [SPSP_UNAVAILABLE] = "unavailable",
    };
    return (unsigned)r < SPSP_RESULT_COUNT ? names[r] : "unknown";
}

/* Decodes standard base64 of exactly want bytes. */
static bool b64_exact(const char *s, uint8_t *out, size_t want)
{
    uint8_t tmp[64];
    size_t n = strlen(s);
    if (n == 0 || n > 2 * sizeof tmp)
        return false;
    ssize_t got = b64_decode(tmp, sizeof tmp, s, n, B64_STD | B64_LENIENT);
    if (got != (ssize_t)want)
        return false;
    memcpy(out, tmp, want);
    return true;
}

spsp_result_t spsp_receipt_headers_parse(const char *nonce_b64, const char *secret_b64,
                                         stream_connection_details_t *d)
{
    d->receipts = false;
    if (!nonce_b64 && !secret_b64)
        return SPSP_OK;
    if (!nonce_b64 || !secret_b64 ||
        !b64_exact(nonce_b64, d->receipt_nonce, STREAM_RECEIPT_NONCE_LEN) ||
        !b64_exact(secret_b64, d->receipt_secret, STREAM_RECEIPT_SECRET_LEN))
        return SPSP_RECEIPT_HEADERS_INVALID;
    d->receipts = true;
    return SPSP_OK;
}

spsp_result_t spsp_answer(const stream_receiver_t *r, ledger_id_t account, const char *asset_code,
                          uint8_t asset_scale, const char *nonce_b64, const char *secret_b64,
                          json_t **out)
{
    char tag[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(account, tag);
    stream_connection_details_t d = {.payment_tag = SLICE(tag, LEDGER_ID_STR_LEN),
                                     .has_asset = true,
                                     .asset_code = SLICE_STR(asset_code),
                                     .asset_scale = asset_scale};
    spsp_result_t res = spsp_receipt_headers_parse(nonce_b64, secret_b64, &d);
    if (res != SPSP_OK)
        return res;
    stream_credentials_t cred;
    char secret[64];
    if (!r || stream_receiver_credentials(r, &d, &cred) != STREAM_OK ||
        b64_encode(secret, sizeof secret, cred.shared_secret, sizeof cred.shared_secret, B64_STD) <
            0)
        return SPSP_UNAVAILABLE;
    *out = json_pack("{s:s,s:s,s:b}", "destination_account", cred.address, "shared_secret", secret,
                     "receipts_enabled", d.receipts);
    return *out ? SPSP_OK : SPSP_UNAVAILABLE;
}
