/*
 * Test-vector runner: `test-vectors DIR|FILE...` loads every *.json file (an array of vectors,
 * format in shared/vectors/README.md) and dispatches each vector by its "type" to a handler.
 *
 * Adding a module's vectors: write tests/vectors/<module>_vectors.c defining a table
 *     const vector_handler_t <module>_vector_handlers[] = {{"type", fn}, ..., {NULL, NULL}};
 * declare it below (weak, so the runner links before the file exists) and add one line to
 * REGISTRY in main.c. stream_vector_handlers is already declared and registered.
 * The first table that names a type wins. Unknown types are reported as skipped, never failed.
 *
 * A handler returns VEC_PASS, VEC_FAIL (with a reason written to err) or VEC_SKIP (with a
 * reason), and must honour the vector's "expect" (see vec_expect()).
 */
#ifndef RAFIKI_TESTS_VECTORS_H
#define RAFIKI_TESTS_VECTORS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"
#include "ilp/packet.h"

enum { VEC_PASS = 0, VEC_FAIL = 1, VEC_SKIP = 2 };

/* Evaluate expr (an int result whose success is 0: VEC_PASS, or a handler's own 0-is-success
 * code) and return it from the calling function when it is not 0. */
#define VEC_TRY(expr)                                                                              \
    do {                                                                                           \
        int vec_rc_ = (expr);                                                                      \
        if (vec_rc_ != 0)                                                                          \
            return vec_rc_;                                                                        \
    } while (0)

typedef int (*vector_fn)(json_t *vec, char *err, size_t errlen);

typedef struct {
    const char *type;
    vector_fn fn;
} vector_handler_t;

/* Module tables, each terminated by {NULL, NULL}. */
extern const vector_handler_t ilp_vector_handlers[];
extern const vector_handler_t stream_vector_handlers[] __attribute__((weak));

/* ---- helpers for handlers (tests/vectors/util.c) ---- */

typedef enum {
    VEC_EXPECT_VALID,         /* decode to fields, re-encode to identical bytes */
    VEC_EXPECT_INVALID,       /* the decoder must reject */
    VEC_EXPECT_DECODE_ONLY,   /* decode to fields; no re-encode comparison */
    VEC_EXPECT_VALID_LENIENT, /* a lenient decoder accepts and yields fields; re-encode may
                                 differ (e.g. ignored trailing bytes) */
    VEC_EXPECT_UNKNOWN,
} vec_expect_t;

vec_expect_t vec_expect(json_t *vec);
/* The "fields" object (a shared empty object when absent). */
json_t *vec_fields(json_t *vec);
/* A string member, or NULL when absent or not a string; *len receives its byte length. */
const char *vec_str(json_t *obj, const char *key, size_t *len);
/* Decode a hex string member into a fresh heap buffer (caller frees with buf_free).
 * Returns 0, or -1 with a reason in err when absent or not hex. */
int vec_hex(json_t *obj, const char *key, buf_t *out, char *err, size_t errlen);
/* A u64 from a decimal string or a JSON integer; -1 when absent or invalid. */
int vec_u64(json_t *obj, const char *key, uint64_t *out);
/* Write a reason and return VEC_FAIL. */
int vec_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* VEC_PASS when got == want, else VEC_FAIL with both in hex (truncated) in err. */
int vec_cmp_bytes(const char *what, slice_t got, slice_t want, char *err, size_t errlen);
/* Compare got with hex member key of obj when the member is present; VEC_PASS if absent. */
int vec_cmp_hex_field(json_t *obj, const char *key, slice_t got, char *err, size_t errlen);
/* Compare got with string member key of obj when present; VEC_PASS if absent. */
int vec_cmp_str_field(json_t *obj, const char *key, slice_t got, char *err, size_t errlen);
/* Compare got with u64 member key (decimal string or integer) when present. */
int vec_cmp_u64_field(json_t *obj, const char *key, uint64_t got, char *err, size_t errlen);
/* Compare a decoded Prepare with a fields object (amount, expires_at, expires_at_wire,
 * execution_condition_hex, destination, data_hex; each only when present); VEC_PASS when f is
 * not an object. */
int vec_cmp_prepare(json_t *f, const ilp_prepare_t *p, char *err, size_t errlen);
/* Big-endian unsigned integer of any width as decimal; -1 if out is too small. */
int vec_be_to_decimal(slice_t be, char *out, size_t cap);

#endif
