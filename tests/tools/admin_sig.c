/*
 * admin_sig: Rafiki's Admin API signature check (src/admin/admin_signature.c) from the command
 * line, for tests/interop/admin_signature.test.mjs, which signs as Rafiki's generateApiSignature.
 *   admin_sig [VERSION [TTL_SECONDS]]
 * stdin: one JSON object per line, {"secret": "...", "header": "t=..., v1=..." or null,
 * "body": "<raw request body>", "now_ms": <unix ms>}; stdout: one line per input with the
 * result's name ("ok", "bad_signature", "replayed", ...). One in-process cache serves every
 * line, so a signature checked twice is a replay.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin_signature.h"
#include "base/env.h"

static uint32_t arg_u32(int argc, char **argv, int i, uint32_t def)
{
    uint64_t v;
    if (argc <= i)
        return def;
    if (parse_u64(argv[i], strlen(argv[i]), &v) != 0 || v > UINT32_MAX) {
        fprintf(stderr, "admin_sig: bad number %s\n", argv[i]);
        exit(2);
    }
    return (uint32_t)v;
}

static void one(const admin_sig_config_t *cfg, const char *line, size_t n)
{
    json_error_t je;
    json_t *o = json_loadb(line, n, 0, &je);
    const char *secret = json_string_value(json_object_get(o, "secret"));
    const char *header = json_string_value(json_object_get(o, "header"));
    json_t *body = json_object_get(o, "body");
    json_t *now = json_object_get(o, "now_ms");
    if (!o || !secret || !json_is_string(body) || !json_is_integer(now)) {
        printf("!bad_input\n");
        json_decref(o);
        return;
    }
    admin_sig_err_t err = {0};
    admin_sig_result_t r = admin_signature_check(
        cfg, secret, header, SLICE(json_string_value(body), json_string_length(body)),
        (int64_t)json_integer_value(now), &err);
    printf("%s\n", admin_sig_result_str(r));
    if (r != ADMIN_SIG_OK)
        fprintf(stderr, "admin_sig: %s: %s\n", admin_sig_result_str(r), err.msg);
    json_decref(o);
}

int main(int argc, char **argv)
{
    admin_sig_config_t cfg = {
        .cache = cache_open(NULL, NULL),
        .version = arg_u32(argc, argv, 1, ADMIN_SIGNATURE_VERSION_DEFAULT),
        .ttl_s = arg_u32(argc, argv, 2, ADMIN_SIGNATURE_TTL_S_DEFAULT),
    };
    if (!cfg.cache)
        return 1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) > 0) {
        if (line[n - 1] == '\n')
            n--;
        one(&cfg, line, (size_t)n);
        fflush(stdout);
    }
    free(line);
    cache_close(cfg.cache);
    return 0;
}
