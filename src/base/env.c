/*
 * Environment configuration with typed getters; see env.h. Every bad value produces a message
 * naming the variable, the value and what was expected, so start-up errors are self-explaining.
 */
#include "base/env.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"

static void set_err(env_err_t *err, const char *name, const char *val, const char *what)
{
    if (err)
        snprintf(err->msg, sizeof err->msg, "%s=%.64s: %s", name, val, what);
}

const char *env_result_str(env_result_t r)
{
    static const char *const names[ENV_RESULT_COUNT] = {"ok", "invalid", "io"};
    return (unsigned)r < ENV_RESULT_COUNT ? names[r] : "unknown";
}

const char *env_str(const char *name, const char *def)
{
    const char *v = getenv(name);
    return (v && *v) ? v : def;
}

int parse_u64(const char *s, size_t n, uint64_t *out)
{
    if (n == 0 || n > 20)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

env_result_t env_u64(const char *name, uint64_t def, uint64_t min, uint64_t max, uint64_t *out,
                     env_err_t *err)
{
    const char *v = env_str(name, NULL);
    if (!v) {
        *out = def;
        return ENV_OK;
    }
    uint64_t x;
    if (parse_u64(v, strlen(v), &x) != 0) {
        set_err(err, name, v, "not a non-negative integer");
        return ENV_INVALID;
    }
    if (x < min || x > max) {
        char what[96];
        snprintf(what, sizeof what, "out of range [%llu, %llu]", (unsigned long long)min,
                 (unsigned long long)max);
        set_err(err, name, v, what);
        return ENV_INVALID;
    }
    *out = x;
    return ENV_OK;
}

env_result_t env_port(const char *name, uint16_t def, uint16_t *out, env_err_t *err)
{
    uint64_t x;
    env_result_t rc = env_u64(name, def, 0, 65535, &x, err);
    if (rc == ENV_OK)
        *out = (uint16_t)x;
    return rc;
}

env_result_t env_bool(const char *name, bool def, bool *out, env_err_t *err)
{
    const char *v = env_str(name, NULL);
    if (!v) {
        *out = def;
        return ENV_OK;
    }
    static const char *yes[] = {"1", "true", "yes", "on"};
    static const char *no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = true;
            return ENV_OK;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = false;
            return ENV_OK;
        }
    }
    set_err(err, name, v, "not a boolean (true/false/1/0/yes/no/on/off)");
    return ENV_INVALID;
}

/* Trim ASCII whitespace at both ends of [*s, *s+*n). */
static void trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t'))
        (*s)++, (*n)--;
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r' ||
                  (*s)[*n - 1] == '\n'))
        (*n)--;
}

env_result_t env_load_file(const char *path, env_err_t *err)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        if (err)
            snprintf(err->msg, sizeof err->msg, "%s: %s", path, strerror(errno));
        return ENV_IO;
    }
    char line[ENV_VALUE_MAX_LEN + 256];
    int lineno = 0;
    env_result_t rc = ENV_OK;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        const char *s = line;
        size_t n = strlen(line);
        trim(&s, &n);
        if (n == 0 || s[0] == '#')
            continue;
        const char *eq = memchr(s, '=', n);
        if (!eq || eq == s) {
            if (err)
                snprintf(err->msg, sizeof err->msg, "%s:%d: expected KEY=VALUE", path, lineno);
            rc = ENV_INVALID;
            break;
        }
        const char *k = s, *v = eq + 1;
        size_t kn = (size_t)(eq - s), vn = n - kn - 1;
        trim(&k, &kn);
        trim(&v, &vn);
        if (vn >= 2 && ((v[0] == '"' && v[vn - 1] == '"') || (v[0] == '\'' && v[vn - 1] == '\'')))
            v++, vn -= 2;
        char key[256], val[ENV_VALUE_MAX_LEN + 1];
        if (kn >= sizeof key || vn >= sizeof val) {
            if (err)
                snprintf(err->msg, sizeof err->msg, "%s:%d: key or value too long", path, lineno);
            rc = ENV_INVALID;
            break;
        }
        memcpy(key, k, kn);
        key[kn] = '\0';
        memcpy(val, v, vn);
        val[vn] = '\0';
        setenv(key, val, 0);
    }
    fclose(f);
    return rc;
}
