/* Tests for the Prometheus text format and histograms of src/base/metrics.c. */
#include <criterion/criterion.h>
#include <string.h>

#include "base/metrics.h"

static char *written(buf_t *b)
{
    buf_append(b, "", 1);
    return (char *)b->ptr;
}

Test(metrics, histogram_buckets_are_cumulative_with_sum_and_count)
{
    static const double le[] = {1, 5};
    const metrics_buckets_t buckets = {le, 2};
    metrics_hist_t h;
    metrics_hist_init(&h, &buckets);
    metrics_hist_observe(&h, 0.5);
    metrics_hist_observe(&h, 1); /* on a bound: in that bucket */
    metrics_hist_observe(&h, 3);
    metrics_hist_observe(&h, 9);
    buf_t b;
    buf_init(&b, 4096);
    cr_assert_eq(metrics_hist_write(&b, "x", "a=\"b\"", &h), 0);
    cr_assert_str_eq(written(&b), "x_bucket{a=\"b\",le=\"1\"} 2\n"
                                  "x_bucket{a=\"b\",le=\"5\"} 3\n"
                                  "x_bucket{a=\"b\",le=\"+Inf\"} 4\n"
                                  "x_sum{a=\"b\"} 13.5\n"
                                  "x_count{a=\"b\"} 4\n");
    buf_free(&b);
}

Test(metrics, samples_without_labels_and_families)
{
    buf_t b;
    buf_init(&b, 4096);
    cr_assert_eq(metrics_family(&b, "n", "gauge", "a number"), 0);
    cr_assert_eq(metrics_sample_u64(&b, "n", "", 18446744073709551615ull), 0);
    cr_assert_eq(metrics_sample(&b, "n", "k=\"v\"", -2.5), 0);
    cr_assert_str_eq(written(&b), "# HELP n a number\n# TYPE n gauge\nn 18446744073709551615\n"
                                  "n{k=\"v\"} -2.5\n");
    buf_free(&b);
}

Test(metrics, label_values_are_escaped_and_bounded)
{
    char out[16];
    cr_assert_str_eq(metrics_label_escape("a\"b\\c\nd", out, sizeof out), "a\\\"b\\\\c\\nd");
    cr_assert_str_eq(metrics_label_escape("0123456789abcdefgh", out, sizeof out), "0123456789abcd");
}

Test(metrics, a_full_buffer_is_an_error)
{
    uint8_t mem[8];
    buf_t b;
    buf_init_fixed(&b, mem, sizeof mem);
    cr_assert_neq(metrics_family(&b, "long_name", "gauge", "help"), 0);
}
