/*
 * The console's line charts: counts per minute drawn as an inline SVG (no script, nothing
 * fetched, so the pages' CSP "default-src 'none'" holds) with a title and a description for
 * screen readers, labelled axes, a legend, and the same counts as a table in a <details> for
 * those who cannot see the drawing. A pure function of its input: tests/unit/web.
 *
 * Threads: any thread; nothing here keeps state.
 */
#ifndef RAFIKI_WEB_CONSOLE_CHART_H
#define RAFIKI_WEB_CONSOLE_CHART_H

#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"

#define CONSOLE_CHART_POINTS_MAX 1440 /* a day of minutes */
#define CONSOLE_CHART_SERIES_MAX 4

typedef struct {
    const char *name;       /* the legend's and the table's text (escaped) */
    const uint64_t *counts; /* the chart's n values, oldest first */
} console_series_t;

typedef struct {
    const char *id;    /* a prefix for the element ids: [a-z0-9-] (a constant of the caller's) */
    const char *title; /* what it shows (escaped) */
    const char *desc;  /* a sentence for screen readers (escaped) */
    const console_series_t *series;
    size_t n_series; /* 1..CONSOLE_CHART_SERIES_MAX */
    size_t n;        /* points per series, one per minute: 2..CONSOLE_CHART_POINTS_MAX */
    int64_t last_ms; /* a wall-clock time in the last point's minute (the table's times) */
} console_chart_t;

/* Appends ch as an <svg> (a <figure> with its caption) and the table to b. A chart outside
 * the bounds above is a programmer error (ASSERT). */
void console_chart_svg(buf_t *b, const console_chart_t *ch);

#endif
