/*
 * Fuzz target for src/http/jcs.c: arbitrary bytes read as JSON (as the admin API signature check
 * reads a body), canonicalized, read again and canonicalized again must give identical bytes:
 * the canonical form is a fixed point (numbers read back to the same double, keys stay sorted,
 * escapes read back to the same string).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "http/jcs.h"
#include "http/json.h"

static json_t *load(const uint8_t *p, size_t n)
{
    if (http_json_depth(p, n, JCS_DEPTH_MAX) > JCS_DEPTH_MAX)
        return NULL;
    return json_loadb((const char *)p, n, JCS_JSON_LOAD_FLAGS, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *doc = load(data, size);
    if (!doc)
        return 0;
    buf_t a, b;
    buf_init(&a, 4u * 1024u * 1024u);
    buf_init(&b, 4u * 1024u * 1024u);
    if (jcs_canonicalize(doc, &a) == JCS_OK) {
        json_t *again = load(a.ptr, a.len);
        if (!again)
            abort(); /* the canonical form must be JSON we read */
        if (jcs_canonicalize(again, &b) != JCS_OK || a.len != b.len ||
            memcmp(a.ptr, b.ptr, a.len) != 0)
            abort();
        json_decref(again);
    }
    json_decref(doc);
    buf_free(&a);
    buf_free(&b);
    return 0;
}
