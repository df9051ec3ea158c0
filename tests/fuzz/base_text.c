/*
 * Fuzz target for the text that reaches logs and metrics from outside: request ids taken from
 * X-Request-Id (log_request_id_valid / log_request_id_set, src/base/log.c) and label values of
 * the Prometheus exposition (metrics_label_escape, src/base/metrics.c: peer names). A valid id
 * must be set exactly and only [A-Za-z0-9._:-]; an escaped label must have no raw quote,
 * newline or lone backslash and must fit its buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 512)
        return 0;
    char in[513];
    memcpy(in, data, size);
    in[size] = '\0';
    size_t len = strlen(in);
    bool valid = log_request_id_valid(in, len);
    log_request_id_set(in);
    if (valid != (strcmp(log_request_id(), in) == 0 && len > 0))
        abort();
    for (const char *p = log_request_id(); *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-", *p))
            abort();
    log_request_id_set(NULL);

    char out[64];
    metrics_label_escape(in, out, sizeof out);
    size_t n = strlen(out);
    if (n >= sizeof out)
        abort();
    for (size_t i = 0; i < n; i++) {
        if (out[i] == '\n' || out[i] == '"')
            abort();
        if (out[i] == '\\') {
            if (i + 1 >= n || !strchr("\\\"n", out[i + 1]))
                abort();
            i++;
        }
    }
    return 0;
}
