/*
 * Fuzz the readers of Rafiki's auto-peering bodies (src/payments/auto_peering.c): the peering
 * request a remote instance posts to the auto-peering server, the details it answers with and
 * its error answer. A body read as OK has every kept field within its bound (addresses, URLs,
 * tokens, names, asset codes), a token of at least PEER_TOKEN_MIN bytes, and nothing leaks or
 * reads past the input. Input: the body, as received.
 */
#include <stdlib.h>
#include <string.h>

#include "payments/auto_peering.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void within(const char *s, size_t max, bool may_be_null)
{
    if (!s) {
        if (!may_be_null)
            abort();
        return;
    }
    size_t n = strlen(s);
    if (n == 0 || n > max)
        abort();
}

static void check_request(const uint8_t *data, size_t size)
{
    autopeer_request_t r;
    if (autopeer_request_read(data, size, &r) != AUTOPEER_OK) {
        if (r.root)
            abort();
        return;
    }
    within(r.static_ilp_address, ILP_ADDRESS_MAX_LEN, true);
    within(r.connector_url, PEER_ENDPOINT_MAX, true);
    within(r.asset_code, ASSET_CODE_MAX_LEN, false);
    within(r.http_token, PEER_TOKEN_MAX, false);
    within(r.name, PEER_NAME_MAX, true);
    if (strlen(r.http_token) < PEER_TOKEN_MIN || (r.has_max_packet_amount && !r.max_packet_amount))
        abort();
    autopeer_request_free(&r);
}

static void check_details(const uint8_t *data, size_t size)
{
    autopeer_details_t d;
    if (autopeer_details_read(data, size, &d) != AUTOPEER_OK) {
        if (d.root)
            abort();
        return;
    }
    within(d.static_ilp_address, ILP_ADDRESS_MAX_LEN, true);
    within(d.connector_url, PEER_ENDPOINT_MAX, true);
    within(d.http_token, PEER_TOKEN_MAX, false);
    within(d.name, PEER_NAME_MAX, true);
    if (strlen(d.http_token) < PEER_TOKEN_MIN)
        abort();
    autopeer_details_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_request(data, size);
    check_details(data, size);
    autopeer_result_t e = autopeer_error_read(data, size);
    if (e != AUTOPEER_INVALID_ILP_CONFIGURATION && e != AUTOPEER_PEER_UNSUPPORTED_ASSET &&
        e != AUTOPEER_INVALID_PEERING_REQUEST)
        abort();
    return 0;
}
