/* The RFC 0027 error code table and Reject builders. */
#include "ilp/errors.h"

#include <string.h>

static const ilp_error_info_t TABLE[] = {
    {"F00", "Bad Request", ILP_ERROR_CLASS_FINAL},
    {"F01", "Invalid Packet", ILP_ERROR_CLASS_FINAL},
    {"F02", "Unreachable", ILP_ERROR_CLASS_FINAL},
    {"F03", "Invalid Amount", ILP_ERROR_CLASS_FINAL},
    {"F04", "Insufficient Destination Amount", ILP_ERROR_CLASS_FINAL},
    {"F05", "Wrong Condition", ILP_ERROR_CLASS_FINAL},
    {"F06", "Unexpected Payment", ILP_ERROR_CLASS_FINAL},
    {"F07", "Cannot Receive", ILP_ERROR_CLASS_FINAL},
    {"F08", "Amount Too Large", ILP_ERROR_CLASS_FINAL},
    {"F99", "Application Error", ILP_ERROR_CLASS_FINAL},
    {"T00", "Internal Error", ILP_ERROR_CLASS_TEMPORARY},
    {"T01", "Peer Unreachable", ILP_ERROR_CLASS_TEMPORARY},
    {"T02", "Peer Busy", ILP_ERROR_CLASS_TEMPORARY},
    {"T03", "Connector Busy", ILP_ERROR_CLASS_TEMPORARY},
    {"T04", "Insufficient Liquidity", ILP_ERROR_CLASS_TEMPORARY},
    {"T05", "Rate Limited", ILP_ERROR_CLASS_TEMPORARY},
    {"T99", "Application Error", ILP_ERROR_CLASS_TEMPORARY},
    {"R00", "Transfer Timed Out", ILP_ERROR_CLASS_RELATIVE},
    {"R01", "Insufficient Source Amount", ILP_ERROR_CLASS_RELATIVE},
    {"R02", "Insufficient Timeout", ILP_ERROR_CLASS_RELATIVE},
    {"R99", "Application Error", ILP_ERROR_CLASS_RELATIVE},
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
