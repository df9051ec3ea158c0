/* src/web/console_chart.c: the SVG's accessible name, its axes (a round top, the minute labels),
 * each series' polyline with one point per minute at the right height, escaping of every text,
 * and the table of the minutes with a count. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "web/console_chart.h"

static char *render(const console_chart_t *ch)
{
    buf_t b;
    buf_init(&b, 1u << 20);
    console_chart_svg(&b, ch);
    cr_assert(!b.failed);
    buf_printf(&b, "%c", 0);
    char *s = strdup((const char *)b.ptr);
    buf_free(&b);
    return s;
}

/* The points attribute of the k-th polyline (0-based), copied into out. */
static void points_of(const char *svg, int k, char *out, size_t cap)
{
    const char *p = svg;
    for (int i = 0; i <= k; i++) {
        p = strstr(p, "<polyline");
        cr_assert_not_null(p, "polyline %d", k);
        p++;
    }
    p = strstr(p, "points=\"");
    cr_assert_not_null(p);
    p += 8;
    size_t n = strcspn(p, "\"");
    cr_assert_lt(n, cap);
    memcpy(out, p, n);
    out[n] = 0;
}

static size_t count(const char *s, const char *what)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, what)); p++)
        n++;
    return n;
}

static const int64_t LAST_MS = 1765000000000; /* 2025-12-06 05:46:40 UTC */

Test(console_chart, accessible_svg_with_axes_and_one_point_per_minute)
{
    uint64_t a[60] = {0}, b2[60] = {0};
    a[59] = 7;
    a[0] = 3;
    b2[30] = 1;
    console_series_t s[2] = {{"Fulfilled", a}, {"Rejected", b2}};
    char *svg = render(&(console_chart_t){.id = "pk",
                                          .title = "Packets per minute",
                                          .desc = "Answers per minute.",
                                          .series = s,
                                          .n_series = 2,
                                          .n = 60,
                                          .last_ms = LAST_MS});
    cr_assert_not_null(strstr(svg, "role=\"img\" aria-labelledby=\"pk-title pk-desc\""));
    cr_assert_not_null(strstr(svg, "<title id=\"pk-title\">Packets per minute</title>"));
    cr_assert_not_null(strstr(svg, "<desc id=\"pk-desc\">Answers per minute.</desc>"));
    cr_assert_eq(count(svg, "<polyline"), 2);
    /* the top of the axis is 10 (the round number above 7), half is 5 */
    cr_assert_not_null(strstr(svg, ">10</text>"));
    cr_assert_not_null(strstr(svg, ">5</text>"));
    cr_assert_not_null(strstr(svg, ">0</text>"));
    cr_assert_not_null(strstr(svg, ">now</text>"));
    cr_assert_not_null(strstr(svg, ">&#8722;59 min</text>"));
    cr_assert_not_null(strstr(svg, ">&#8722;30 min</text>"));
    char pts[4096];
    points_of(svg, 0, pts, sizeof pts);
    cr_assert_eq(count(pts, ","), 60, "one point a minute: %s", pts);
    /* x from 52 to 508; y: 0 at 160, 10 at 12, so 3 at 160 - 44 and 7 at 160 - 103 */
    cr_assert_eq(strncmp(pts, "52,116 ", 7), 0, "%s", pts);
    size_t n = strlen(pts);
    cr_assert_str_eq(pts + n - 6, "508,57", "%s", pts);
    points_of(svg, 1, pts, sizeof pts);
    cr_assert_not_null(strstr(pts, ",146 "), "1 of 10 at 160 - 14: %s", pts);
    /* the table: the three minutes with a count, newest first, at their UTC minutes */
    cr_assert_not_null(strstr(svg, "<th class=\"amount\">Fulfilled</th>"));
    const char *t = strstr(svg, "<tbody>");
    cr_assert_not_null(t);
    cr_assert_eq(count(t, "<tr>"), 3);
    const char *r1 = strstr(t, "<td>05:46</td><td class=\"amount\">7</td>");
    const char *r2 = strstr(t, "<td>05:17</td><td class=\"amount\">0</td><td class=\"amount\">1");
    const char *r3 = strstr(t, "<td>04:47</td><td class=\"amount\">3</td>");
    cr_assert(r1 && r2 && r3 && r1 < r2 && r2 < r3, "%s", t);
    free(svg);
}

Test(console_chart, all_zero_draws_flat_lines_and_says_none)
{
    uint64_t z[60] = {0};
    console_series_t s[1] = {{"Completed", z}};
    char *svg = render(&(console_chart_t){.id = "p",
                                          .title = "T",
                                          .desc = "D",
                                          .series = s,
                                          .n_series = 1,
                                          .n = 60,
                                          .last_ms = LAST_MS});
    char pts[4096];
    points_of(svg, 0, pts, sizeof pts);
    cr_assert_eq(count(pts, ",160"), 60, "%s", pts);
    cr_assert_not_null(strstr(svg, ">1</text>"), "the axis still runs to 1");
    cr_assert_not_null(strstr(svg, "None in the last hour."));
    free(svg);
}

Test(console_chart, texts_are_escaped)
{
    uint64_t v[2] = {1, 2};
    console_series_t s[1] = {{"<b>&\"x\"", v}};
    char *svg = render(&(console_chart_t){.id = "e",
                                          .title = "<script>",
                                          .desc = "a&b",
                                          .series = s,
                                          .n_series = 1,
                                          .n = 2,
                                          .last_ms = LAST_MS});
    cr_assert_null(strstr(svg, "<script>"));
    cr_assert_null(strstr(svg, "<b>"));
    cr_assert_not_null(strstr(svg, "&lt;script&gt;"));
    cr_assert_not_null(strstr(svg, "a&amp;b"));
    free(svg);
}

Test(console_chart, huge_counts_stay_inside_the_plot)
{
    uint64_t v[3] = {UINT64_MAX, 0, UINT64_MAX / 2};
    console_series_t s[1] = {{"Big", v}};
    char *svg = render(&(console_chart_t){.id = "h",
                                          .title = "T",
                                          .desc = "D",
                                          .series = s,
                                          .n_series = 1,
                                          .n = 3,
                                          .last_ms = LAST_MS});
    char pts[256];
    points_of(svg, 0, pts, sizeof pts);
    cr_assert_str_eq(pts, "52,12 280,160 508,86", "%s", pts);
    free(svg);
}
