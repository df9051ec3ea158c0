/*
 * Fuzz target for src/http/json.c: the depth pre-scan and the parser on arbitrary bodies, and
 * the strict decimal amount parser. A parsed amount must print back to the same digits.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    http_json_err_t err;
    json_t *doc = http_json_parse((slice_t){data, size}, &err);
    if (doc)
        json_decref(doc);
    uint64_t v;
    if (http_json_parse_u64((const char *)data, size, &v) == 0) {
        char back[32];
        int n = snprintf(back, sizeof back, "%llu", (unsigned long long)v);
        if (n < 0 || (size_t)n != size || memcmp(back, data, size) != 0)
            abort();
    }
    return 0;
}
