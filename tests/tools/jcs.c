/*
 * jcs: RFC 8785 canonical JSON from the command line, for the interop tests
 * (tests/interop/jcs.test.mjs compares it with the npm json-canonicalize that Rafiki signs with).
 *   jcs           stdin: one JSON document; stdout: its canonical form.
 *   jcs --lines   stdin: one JSON document per line; stdout: one canonical form per line, or
 *                 "!<reason>" for a line that is not JSON or cannot be canonicalized.
 * Documents are read as JavaScript's JSON.parse reads them where jansson can
 * (JCS_JSON_LOAD_FLAGS). Exit status 1 when the single document fails.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/jcs.h"
#include "http/json.h"

#define DOC_MAX (16u * 1024u * 1024u)

/* Writes one document's canonical form (and a newline), or "!reason". 0 when canonical. */
static int one(const char *p, size_t n)
{
    if (http_json_depth((const uint8_t *)p, n, JCS_DEPTH_MAX) > JCS_DEPTH_MAX) {
        puts("!too_deep");
        return -1;
    }
    json_error_t je;
    json_t *doc = json_loadb(p, n, JCS_JSON_LOAD_FLAGS, &je);
    if (!doc) {
        printf("!invalid_json: %s\n", je.text);
        return -1;
    }
    buf_t b;
    buf_init(&b, DOC_MAX);
    jcs_result_t r = jcs_canonicalize(doc, &b);
    json_decref(doc);
    if (r == JCS_OK)
        printf("%.*s\n", (int)b.len, (const char *)b.ptr);
    else
        printf("!%s\n", jcs_result_str(r));
    buf_free(&b);
    return r == JCS_OK ? 0 : -1;
}

int main(int argc, char **argv)
{
    bool lines = argc > 1 && strcmp(argv[1], "--lines") == 0;
    char *line = NULL;
    size_t cap = 0;
    if (lines) {
        ssize_t n;
        while ((n = getline(&line, &cap, stdin)) > 0) {
            if (line[n - 1] == '\n')
                n--;
            one(line, (size_t)n);
            fflush(stdout);
        }
        free(line);
        return 0;
    }
    buf_t in;
    buf_init(&in, DOC_MAX);
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, stdin)) > 0)
        buf_append(&in, chunk, got);
    int rc = in.failed ? -1 : one((const char *)in.ptr, in.len);
    buf_free(&in);
    return rc == 0 ? 0 : 1;
}
