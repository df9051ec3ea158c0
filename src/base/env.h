/*
 * Configuration from environment variables, with typed getters. A getter returns ENV_OK with
 * the default when the variable is unset or empty, ENV_OK with the parsed value when it is
 * valid, and ENV_INVALID with a message for the operator in err ("PORT=abc: not an integer")
 * when it is not. env_load_file reads KEY=VALUE lines (no export, # comments) and sets the ones
 * not already in the environment. err may be NULL when the caller does not report the detail.
 *
 * Threads: call these at start-up, before other threads run; setenv is not thread-safe.
 */
#ifndef RAFIKI_BASE_ENV_H
#define RAFIKI_BASE_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    ENV_OK = 0,
    ENV_INVALID, /* a value is malformed or out of range, or a file line is not KEY=VALUE */
    ENV_IO,      /* the file cannot be opened or read */
    ENV_RESULT_COUNT
} env_result_t;

typedef struct {
    char msg[256]; /* names the variable or file:line, the value and what was expected */
} env_err_t;

/* Stable snake_case name of a result ("invalid"). */
const char *env_result_str(env_result_t r);

/* The value of name, or def when it is unset or empty. */
const char *env_str(const char *name, const char *def);
/* A decimal integer in [min, max]. */
env_result_t env_u64(const char *name, uint64_t def, uint64_t min, uint64_t max, uint64_t *out,
                     env_err_t *err);
/* A TCP port (0 to 65535; 0 asks the kernel for one). */
env_result_t env_port(const char *name, uint16_t def, uint16_t *out, env_err_t *err);
/* true/false, 1/0, yes/no, on/off, in any case. */
env_result_t env_bool(const char *name, bool def, bool *out, env_err_t *err);
/* Sets the variables of the file at path that are not set yet; stops at the first bad line. */
env_result_t env_load_file(const char *path, env_err_t *err);

/* Strict decimal parse of [s, s+n): digits only, no sign, no spaces, fits u64. Returns 0, or -1
 * when malformed (a small parser: that is its only failure). */
int parse_u64(const char *s, size_t n, uint64_t *out);

#endif
