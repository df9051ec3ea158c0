/*
 * Configuration from environment variables, with typed getters. A getter returns 0 with the
 * default when the variable is unset or empty, 0 with the parsed value when it is valid, and -1
 * with a message in err ("PORT=abc: not an integer") when it is not. env_load_file reads
 * KEY=VALUE lines (no export, # comments) and sets the ones not already in the environment.
 */
#ifndef RAFIKI_BASE_ENV_H
#define RAFIKI_BASE_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char msg[256];
} env_err_t;

const char *env_str(const char *name, const char *def);
int env_u64(const char *name, uint64_t def, uint64_t min, uint64_t max, uint64_t *out,
            env_err_t *err);
int env_port(const char *name, uint16_t def, uint16_t *out, env_err_t *err);
int env_bool(const char *name, bool def, bool *out, env_err_t *err);
int env_load_file(const char *path, env_err_t *err);

/* Strict decimal parse of [s, s+n): digits only, no sign, no spaces, fits u64. */
int parse_u64(const char *s, size_t n, uint64_t *out);

#endif
