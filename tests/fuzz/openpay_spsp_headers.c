/*
 * Fuzz the SPSP receipt headers (src/backend/spsp.c): the input is split into Receipt-Nonce and
 * Receipt-Secret at the first newline; accepted headers always turn receipts on, refused ones
 * never do.
 */
#include <stdlib.h>
#include <string.h>

#include "openpay/spsp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char buf[512];
    if (size >= sizeof buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *nl = strchr(buf, '\n');
    const char *secret = NULL;
    if (nl) {
        *nl = '\0';
        secret = nl + 1;
    }
    stream_connection_details_t d;
    memset(&d, 0, sizeof d);
    spsp_result_t r = spsp_receipt_headers_parse(buf, secret, &d);
    if ((r == SPSP_OK) != d.receipts)
        abort();
    return 0;
}
