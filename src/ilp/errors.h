/*
 * ILP error codes (RFC 0027 "Error Codes"): the table of known codes with their names and
 * classes, and helpers to build a Reject. The class comes from the first letter: F final (do
 * not retry unchanged), T temporary (retry later), R relative (retry with more amount or time).
 * Threads: the table is constant; any thread may call these at once.
 */
#ifndef RAFIKI_ILP_ERRORS_H
#define RAFIKI_ILP_ERRORS_H

#include <stdbool.h>

#include "base/slice.h"
#include "ilp/packet.h"

#define ILP_F00_BAD_REQUEST                     "F00"
#define ILP_F01_INVALID_PACKET                  "F01"
#define ILP_F02_UNREACHABLE                     "F02"
#define ILP_F03_INVALID_AMOUNT                  "F03"
#define ILP_F04_INSUFFICIENT_DESTINATION_AMOUNT "F04"
#define ILP_F05_WRONG_CONDITION                 "F05"
#define ILP_F06_UNEXPECTED_PAYMENT              "F06"
#define ILP_F07_CANNOT_RECEIVE                  "F07"
#define ILP_F08_AMOUNT_TOO_LARGE                "F08"
#define ILP_F99_APPLICATION_ERROR               "F99"
#define ILP_T00_INTERNAL_ERROR                  "T00"
#define ILP_T01_PEER_UNREACHABLE                "T01"
#define ILP_T02_PEER_BUSY                       "T02"
#define ILP_T03_CONNECTOR_BUSY                  "T03"
#define ILP_T04_INSUFFICIENT_LIQUIDITY          "T04"
#define ILP_T05_RATE_LIMITED                    "T05"
#define ILP_T99_APPLICATION_ERROR               "T99"
#define ILP_R00_TRANSFER_TIMED_OUT              "R00"
#define ILP_R01_INSUFFICIENT_SOURCE_AMOUNT      "R01"
#define ILP_R02_INSUFFICIENT_TIMEOUT            "R02"
#define ILP_R99_APPLICATION_ERROR               "R99"

typedef enum {
    ILP_ERROR_CLASS_UNKNOWN = 0,
    ILP_ERROR_CLASS_FINAL,     /* F.. */
    ILP_ERROR_CLASS_TEMPORARY, /* T.. */
    ILP_ERROR_CLASS_RELATIVE,  /* R.. */
} ilp_error_class_t;

typedef struct {
    char code[4];
    const char *name; /* "Unreachable" */
    ilp_error_class_t cls;
} ilp_error_info_t;

/* The table entry for a code (3 bytes, need not be NUL-terminated), or NULL if not in RFC 0027. */
const ilp_error_info_t *ilp_error_lookup(const char *code);
/* The name of a known code, or "Unknown Error". */
const char *ilp_error_name(const char *code);
/* Class from the first letter; works for codes outside the table too (e.g. F42). */
ilp_error_class_t ilp_error_class(const char *code);
const char *ilp_error_class_str(ilp_error_class_t cls);
/* All table entries, for listing; *n receives the count. */
const ilp_error_info_t *ilp_error_table(size_t *n);

/*
 * Append an encoded Reject with the given code (a 3-character string), our address as
 * triggered_by (may be empty), message (may be empty) and data (may be empty).
 * Returns ilp_reject_encode's result.
 */
ilp_result_t ilp_reject_build(buf_t *b, const char *code, slice_t triggered_by, slice_t message,
                              slice_t data);
/* An F08 Amount Too Large Reject carrying the received and maximum amounts in its data. */
ilp_result_t ilp_reject_build_f08(buf_t *b, slice_t triggered_by, slice_t message,
                                  uint64_t received, uint64_t maximum);

#endif
