/* The RFC 0027 error code table and Reject builders. */
#include "ilp/errors.h"

#include <string.h>

static const ilp_error_info_t TABLE[] = {
    {ILP_F00_BAD_REQUEST, "Bad Request", ILP_ERROR_CLASS_FINAL},
    {ILP_F01_INVALID_PACKET, "Invalid Packet", ILP_ERROR_CLASS_FINAL},
    {ILP_F02_UNREACHABLE, "Unreachable", ILP_ERROR_CLASS_FINAL},
    {ILP_F03_INVALID_AMOUNT, "Invalid Amount", ILP_ERROR_CLASS_FINAL},
    {ILP_F04_INSUFFICIENT_DESTINATION_AMOUNT, "Insufficient Destination Amount",
     ILP_ERROR_CLASS_FINAL},
    {ILP_F05_WRONG_CONDITION, "Wrong Condition", ILP_ERROR_CLASS_FINAL},
    {ILP_F06_UNEXPECTED_PAYMENT, "Unexpected Payment", ILP_ERROR_CLASS_FINAL},
    {ILP_F07_CANNOT_RECEIVE, "Cannot Receive", ILP_ERROR_CLASS_FINAL},
    {ILP_F08_AMOUNT_TOO_LARGE, "Amount Too Large", ILP_ERROR_CLASS_FINAL},
    {ILP_F99_APPLICATION_ERROR, "Application Error", ILP_ERROR_CLASS_FINAL},
    {ILP_T00_INTERNAL_ERROR, "Internal Error", ILP_ERROR_CLASS_TEMPORARY},
    {ILP_T01_PEER_UNREACHABLE, "Peer Unreachable", ILP_ERROR_CLASS_TEMPORARY},
    {ILP_T02_PEER_BUSY, "Peer Busy", ILP_ERROR_CLASS_TEMPORARY},
    {ILP_T03_CONNECTOR_BUSY, "Connector Busy", ILP_ERROR_CLASS_TEMPORARY},
    {ILP_T04_INSUFFICIENT_LIQUIDITY, "Insufficient Liquidity", ILP_ERROR_CLASS_TEMPORARY},
    {ILP_T05_RATE_LIMITED, "Rate Limited", ILP_ERROR_CLASS_TEMPORARY},
    {ILP_T99_APPLICATION_ERROR, "Application Error", ILP_ERROR_CLASS_TEMPORARY},
    {ILP_R00_TRANSFER_TIMED_OUT, "Transfer Timed Out", ILP_ERROR_CLASS_RELATIVE},
    {ILP_R01_INSUFFICIENT_SOURCE_AMOUNT, "Insufficient Source Amount", ILP_ERROR_CLASS_RELATIVE},
    {ILP_R02_INSUFFICIENT_TIMEOUT, "Insufficient Timeout", ILP_ERROR_CLASS_RELATIVE},
    {ILP_R99_APPLICATION_ERROR, "Application Error", ILP_ERROR_CLASS_RELATIVE},
};

#define TABLE_LEN (sizeof(TABLE) / sizeof(TABLE[0]))

const ilp_error_info_t *ilp_error_lookup(const char *code)
{
    for (size_t i = 0; i < TABLE_LEN; i++)
        if (memcmp(TABLE[i].code, code, 3) == 0)
            return &TABLE[i];
    return NULL;
}

const char *ilp_error_name(const char *code)
{
    const ilp_error_info_t *e = ilp_error_lookup(code);
    return e ? e->name : "Unknown Error";
}

ilp_error_class_t ilp_error_class(const char *code)
{
    switch (code[0]) {
    case 'F':
        return ILP_ERROR_CLASS_FINAL;
    case 'T':
        return ILP_ERROR_CLASS_TEMPORARY;
    case 'R':
        return ILP_ERROR_CLASS_RELATIVE;
    default:
        return ILP_ERROR_CLASS_UNKNOWN;
    }
}

const char *ilp_error_class_str(ilp_error_class_t cls)
{
    switch (cls) {
    case ILP_ERROR_CLASS_FINAL:
        return "final";
    case ILP_ERROR_CLASS_TEMPORARY:
        return "temporary";
    case ILP_ERROR_CLASS_RELATIVE:
        return "relative";
    case ILP_ERROR_CLASS_UNKNOWN:
        break;
    }
    return "unknown";
}

const ilp_error_info_t *ilp_error_table(size_t *n)
{
    *n = TABLE_LEN;
    return TABLE;
}

ilp_result_t ilp_reject_build(buf_t *b, const char *code, slice_t triggered_by, slice_t message,
                              slice_t data)
{
    ilp_reject_t r = {.triggered_by = triggered_by, .message = message, .data = data};
    size_t n = strnlen(code, 4);
    if (n != 3)
        return ILP_ERR_BAD_CODE;
    memcpy(r.code, code, 4);
    return ilp_reject_encode(b, &r);
}

ilp_result_t ilp_reject_build_f08(buf_t *b, slice_t triggered_by, slice_t message,
                                  uint64_t received, uint64_t maximum)
{
    uint8_t data[ILP_F08_DATA_LEN];
    ilp_f08_data_encode(data, received, maximum);
    return ilp_reject_build(b, ILP_F08_AMOUNT_TOO_LARGE, triggered_by, message,
                            SLICE(data, sizeof(data)));
}
