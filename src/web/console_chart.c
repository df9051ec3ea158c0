/*
 * The console's line charts as inline SVG (see console_chart.h). Coordinates are integers in
 * a fixed viewBox that the page scales to its width; the y axis runs from 0 to a round number
 * (1, 2 or 5 times a power of ten) at or above the largest count.
 */
#include "web/console_chart.h"

#include <stdint.h>
#include <time.h>

#include "web/pages.h"
#include "base/assert.h"

/* The drawing's box and its plot area within it. */
#define VIEW_W 520
#define VIEW_H 200
#define PLOT_L 52
#define PLOT_R 508
#define PLOT_T 12
#define PLOT_B 160

/* Series strokes, told apart by their dashes as well as by their colours. */
static const char *const COLOURS[CONSOLE_CHART_SERIES_MAX] = {"#1a7f37", "#cf222e", "#0969da",
                                                              "#8250df"};
static const char *const DASHES[CONSOLE_CHART_SERIES_MAX] = {
    "", " stroke-dasharray=\"6 4\"", " stroke-dasharray=\"2 3\"", " stroke-dasharray=\"10 3 2 3\""};

/* The top of the y axis: the smallest of 1, 2, 5 times a power of ten at or above max. */
static uint64_t axis_top(uint64_t max)
{
    static const uint64_t steps[3] = {1, 2, 5};
    for (uint64_t p = 1;; p *= 10) {
        for (size_t i = 0; i < 3; i++)
            if (steps[i] * p >= max)
                return steps[i] * p;
        if (p > UINT64_MAX / 100)
            return max; /* beyond 10^18: the maximum itself */
    }
}

/* The y coordinate of v (0 <= v <= top). */
static uint64_t y_of(uint64_t v, uint64_t top)
{
    const uint64_t h = PLOT_B - PLOT_T;
    uint64_t off = top > UINT64_MAX / h ? v / (top / h) : v * h / top;
    return PLOT_B - (off > h ? h : off);
}

static uint64_t x_of(size_t i, size_t n)
{
    return PLOT_L + (uint64_t)i * (PLOT_R - PLOT_L) / (n - 1);
}

/* The grid and the y labels (0, half when it is whole, top), then the x labels (minutes before
 * now, at the quarters). */
static void axes(buf_t *b, size_t n, uint64_t top)
{
    uint64_t marks[3] = {0, top / 2, top};
    buf_printf(b, "<g stroke=\"#d0d7de\">");
    for (int k = 0; k < 3; k++)
        if (k != 1 || top % 2 == 0)
            buf_printf(b, "<line x1=\"%d\" y1=\"%llu\" x2=\"%d\" y2=\"%llu\"/>", PLOT_L,
                       (unsigned long long)y_of(marks[k], top), PLOT_R,
                       (unsigned long long)y_of(marks[k], top));
    buf_printf(b, "</g><g font-size=\"11\" fill=\"#57606a\" text-anchor=\"end\">");
    for (int k = 0; k < 3; k++)
        if (k != 1 || top % 2 == 0)
            buf_printf(b, "<text x=\"%d\" y=\"%llu\">%llu</text>", PLOT_L - 6,
                       (unsigned long long)y_of(marks[k], top) + 4, (unsigned long long)marks[k]);
    buf_printf(b, "</g><g font-size=\"11\" fill=\"#57606a\" text-anchor=\"middle\">");
    for (size_t q = 0; q <= 4; q++) {
        size_t i = (n - 1) * q / 4, ago = n - 1 - i;
        buf_printf(b, "<text x=\"%llu\" y=\"%d\">", (unsigned long long)x_of(i, n), PLOT_B + 16);
        if (ago == 0)
            buf_printf(b, "now</text>");
        else
            buf_printf(b, "&#8722;%zu min</text>", ago);
    }
    buf_printf(b, "<text x=\"%d\" y=\"%d\">minutes before now</text></g>", (PLOT_L + PLOT_R) / 2,
               VIEW_H - 8);
    buf_printf(b,
               "<text x=\"12\" y=\"%d\" font-size=\"11\" fill=\"#57606a\" "
               "text-anchor=\"middle\" transform=\"rotate(-90 12 %d)\">per minute</text>",
               (PLOT_T + PLOT_B) / 2, (PLOT_T + PLOT_B) / 2);
}

static void series_line(buf_t *b, const console_series_t *s, size_t k, size_t n, uint64_t top)
{
    buf_printf(b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"",
               COLOURS[k], DASHES[k]);
    for (size_t i = 0; i < n; i++)
        buf_printf(b, "%s%llu,%llu", i ? " " : "", (unsigned long long)x_of(i, n),
                   (unsigned long long)y_of(s->counts[i], top));
    buf_printf(b, "\"/>");
}

/* The legend, under the drawing as HTML (it wraps on narrow screens). */
static void legend(buf_t *b, const console_chart_t *ch)
{
    buf_printf(b, "<figcaption>");
    page_escape(b, ch->title);
    buf_printf(b, ":");
    for (size_t k = 0; k < ch->n_series; k++) {
        buf_printf(b,
                   " <span class=\"key\"><svg width=\"24\" height=\"8\" aria-hidden=\"true\">"
                   "<line x1=\"0\" y1=\"4\" x2=\"24\" y2=\"4\" stroke=\"%s\" "
                   "stroke-width=\"2\"%s/></svg> ",
                   COLOURS[k], DASHES[k]);
        page_escape(b, ch->series[k].name);
        buf_printf(b, "</span>");
    }
    buf_printf(b, "</figcaption>");
}

/* The minutes with a count, newest first. */
static void table(buf_t *b, const console_chart_t *ch)
{
    buf_printf(b,
               "<details><summary>The counts per minute</summary><table id=\"%s-table\">"
               "<thead><tr><th>Minute (UTC)</th>",
               ch->id);
    for (size_t k = 0; k < ch->n_series; k++) {
        buf_printf(b, "<th class=\"amount\">");
        page_escape(b, ch->series[k].name);
        buf_printf(b, "</th>");
    }
    buf_printf(b, "</tr></thead><tbody>");
    size_t rows = 0;
    for (size_t i = ch->n; i-- > 0;) {
        uint64_t any = 0;
        for (size_t k = 0; k < ch->n_series; k++)
            any |= ch->series[k].counts[i];
        if (!any)
            continue;
        time_t t = (time_t)(ch->last_ms / 1000) - (time_t)(ch->n - 1 - i) * 60;
        struct tm tm;
        char when[8] = "-";
        if (gmtime_r(&t, &tm))
            strftime(when, sizeof when, "%H:%M", &tm);
        buf_printf(b, "<tr><td>%s</td>", when);
        for (size_t k = 0; k < ch->n_series; k++)
            buf_printf(b, "<td class=\"amount\">%llu</td>",
                       (unsigned long long)ch->series[k].counts[i]);
        buf_printf(b, "</tr>");
        rows++;
    }
    buf_printf(b, "</tbody></table>%s</details>", rows ? "" : "<p>None in the last hour.</p>");
}

void console_chart_svg(buf_t *b, const console_chart_t *ch)
{
    ASSERT(ch->n >= 2 && ch->n <= CONSOLE_CHART_POINTS_MAX);
    ASSERT(ch->n_series >= 1 && ch->n_series <= CONSOLE_CHART_SERIES_MAX);
    uint64_t max = 0;
    for (size_t k = 0; k < ch->n_series; k++)
        for (size_t i = 0; i < ch->n; i++)
            max = ch->series[k].counts[i] > max ? ch->series[k].counts[i] : max;
    uint64_t top = axis_top(max);
    buf_printf(b,
               "<figure id=\"%s\" class=\"chart\" style=\"margin:1rem 0\"><svg viewBox=\"0 0 %d "
               "%d\" role=\"img\" "
               "aria-labelledby=\"%s-title %s-desc\" width=\"100%%\">",
               ch->id, VIEW_W, VIEW_H, ch->id, ch->id);
    buf_printf(b, "<title id=\"%s-title\">", ch->id);
    page_escape(b, ch->title);
    buf_printf(b, "</title><desc id=\"%s-desc\">", ch->id);
    page_escape(b, ch->desc);
    buf_printf(b, "</desc>");
    axes(b, ch->n, top);
    for (size_t k = 0; k < ch->n_series; k++)
        series_line(b, &ch->series[k], k, ch->n, top);
    buf_printf(b,
               "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#57606a\"/>"
               "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#57606a\"/></svg>",
               PLOT_L, PLOT_T, PLOT_L, PLOT_B, PLOT_L, PLOT_B, PLOT_R, PLOT_B);
    legend(b, ch);
    buf_printf(b, "</figure>");
    table(b, ch);
}
