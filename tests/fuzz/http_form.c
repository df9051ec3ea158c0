/*
 * Fuzz the HTML form parser (src/http/form.c): the input is a field name, a newline and a form
 * body. A value found is NUL-free, fits the buffer, and re-encoded with every byte escaped it
 * decodes to itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char name[64];
    const uint8_t *nl = memchr(data, '\n', size);
    if (!nl || (size_t)(nl - data) >= sizeof name)
        return 0;
    memcpy(name, data, (size_t)(nl - data));
    name[nl - data] = '\0';
    slice_t body = {nl + 1, size - (size_t)(nl + 1 - data)};

    char out[256];
    long n = form_get(body, name, out, sizeof out);
    if (n < -1 || n >= (long)sizeof out)
        abort();
    if (n < 0)
        return 0;
    if (strlen(out) != (size_t)n)
        abort();

    /* "name=%XX%XX..." of the value gives the value back. */
    char again[sizeof name + 1 + 3 * sizeof out];
    int len = snprintf(again, sizeof again, "%s=", name);
    for (long i = 0; i < n; i++)
        len += snprintf(again + len, sizeof again - (size_t)len, "%%%02X", (unsigned char)out[i]);
    char back[sizeof out];
    if (strchr(name, '&') || strchr(name, '='))
        return 0;
    long m = form_get((slice_t){(const uint8_t *)again, (size_t)len}, name, back, sizeof back);
    if (m != n || memcmp(back, out, (size_t)n) != 0)
        abort();
    return 0;
}
