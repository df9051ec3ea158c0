/* Prometheus text format and lock-free histograms (see metrics.h). */
#include "base/metrics.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const double seconds_le[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                    0.1,    0.25,  0.5,    1,     2.5,  5,     10};
static const double sizes_le[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096};

const metrics_buckets_t metrics_seconds = {seconds_le, sizeof seconds_le / sizeof *seconds_le};
const metrics_buckets_t metrics_sizes = {sizes_le, sizeof sizes_le / sizeof *sizes_le};

void metrics_hist_init(metrics_hist_t *h, const metrics_buckets_t *buckets)
{
    memset(h, 0, sizeof *h);
    h->buckets = buckets;
}

void metrics_hist_observe(metrics_hist_t *h, double v)
{
    size_t i = 0;
    while (i < h->buckets->n && v > h->buckets->le[i])
        i++;
    atomic_fetch_add_explicit(&h->count[i], 1, memory_order_relaxed);
    if (v > 0 && isfinite(v))
        atomic_fetch_add_explicit(&h->sum_micro, (uint64_t)llround(v * 1e6), memory_order_relaxed);
}

int metrics_family(buf_t *b, const char *name, const char *type, const char *help)
{
    return buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

int metrics_sample(buf_t *b, const char *name, const char *labels, double value)
{
    return labels[0] ? buf_printf(b, "%s{%s} %.17g\n", name, labels, value)
                     : buf_printf(b, "%s %.17g\n", name, value);
}

int metrics_sample_u64(buf_t *b, const char *name, const char *labels, uint64_t value)
{
    return labels[0] ? buf_printf(b, "%s{%s} %llu\n", name, labels, (unsigned long long)value)
                     : buf_printf(b, "%s %llu\n", name, (unsigned long long)value);
}

int metrics_hist_write(buf_t *b, const char *name, const char *labels, const metrics_hist_t *h)
{
    const char *sep = labels[0] ? "," : "";
    uint64_t cum = 0;
    int rc = 0;
    for (size_t i = 0; i <= h->buckets->n && rc == 0; i++) {
        cum += atomic_load_explicit(&h->count[i], memory_order_relaxed);
        if (i < h->buckets->n)
            rc = buf_printf(b, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, sep,
                            h->buckets->le[i], (unsigned long long)cum);
        else
            rc = buf_printf(b, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep,
                            (unsigned long long)cum);
    }
    double sum = (double)atomic_load_explicit(&h->sum_micro, memory_order_relaxed) / 1e6;
    char n[128];
    snprintf(n, sizeof n, "%s_sum", name);
    if (rc == 0)
        rc = metrics_sample(b, n, labels, sum);
    snprintf(n, sizeof n, "%s_count", name);
    if (rc == 0)
        rc = metrics_sample_u64(b, n, labels, cum);
    return rc;
}

char *metrics_label_escape(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    for (; *s && o + 2 < cap; s++) {
        if (*s == '\\' || *s == '"') {
            out[o++] = '\\';
            out[o++] = *s;
        } else if (*s == '\n') {
            out[o++] = '\\';
            out[o++] = 'n';
        } else {
            out[o++] = *s;
        }
    }
    out[o] = '\0';
    return out;
}
