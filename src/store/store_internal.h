/*
 * Helpers shared by the two halves of the store layer, the cache (cache.c, cache_redis.c) and
 * the database (db*.c), so that both report failures the same way. Not for use outside
 * src/store.
 *
 * Threads: pure functions of their arguments; any thread.
 */
#ifndef RAFIKI_STORE_STORE_INTERNAL_H
#define RAFIKI_STORE_STORE_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/*
 * Defines `rc_t name(err_t *err, rc_t code, const char *fmt, ...)`, which records code and the
 * formatted message in err (when not NULL) and returns code, for an error struct with fields
 * `code` and `char msg[]`. The cache and the database keep their own result enums and error
 * structs (callers switch on them); the body is written once here.
 */
#define STORE_FAIL_FN(name, err_t, rc_t)                                                           \
    rc_t name(err_t *err, rc_t code, const char *fmt, ...)                                         \
    {                                                                                              \
        va_list ap;                                                                                \
        va_start(ap, fmt);                                                                         \
        if (err) {                                                                                 \
            err->code = code;                                                                      \
            vsnprintf(err->msg, sizeof err->msg, fmt, ap);                                         \
        }                                                                                          \
        va_end(ap);                                                                                \
        return code;                                                                               \
    }

/* One row of a result-name table: a result code and its stable name. */
typedef struct {
    int code;
    const char *name;
} store_rc_name_t;

/* The name of code in the table of n rows, or "unknown". */
const char *store_rc_name(const store_rc_name_t *table, size_t n, int code);

#endif
