/*
 * ISO 8601 repeating intervals, as Open Payments grants use them for spending limits:
 *
 *     R/2026-01-01T00:00:00Z/P1M        a month, repeated without end
 *     R12/2026-01-31T08:00:00+02:00/P1M a month, twelve times
 *     2026-01-01T00:00:00Z/P1W          one week only (no "R": a single interval)
 *
 * Accepted forms: "[R[n]/]<start>/<duration>" with
 *   start     YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM|+HHMM|-HHMM), year 0001..9999
 *             (the fraction is cut to milliseconds; 'T' and 'Z' may be lower case, as RFC 3339
 *             allows);
 *   duration  P[nY][nM][nW][nD][T[nH][nM][nS]], whole numbers of at most 9 digits, at least one
 *             part, not zero in total;
 *   n         1..999999999 repetitions (the number of intervals); "R/" repeats without end.
 * Other ISO forms (<start>/<end>, <duration>/<end>, fractional durations) are refused.
 *
 * Interval k (k = 0, 1, ...) starts at start + k x duration, computed in one step from the start
 * so calendar months do not drift: from Jan 31 with P1M the starts are Feb 28 (29), Mar 31,
 * Apr 30, ... (a day past the end of a month is clamped to its last day). Years and months are
 * added first, then weeks, days and time as fixed lengths (UTC has no DST; leap seconds are not
 * counted). Times are milliseconds since the Unix epoch, UTC.
 *
 * Threads: pure functions of their arguments; any thread.
 */
#ifndef RAFIKI_BASE_INTERVAL_H
#define RAFIKI_BASE_INTERVAL_H

#include <stddef.h>
#include <stdint.h>

/* Longest accepted text: two timestamps with fractions and offsets, R and a long duration. */
#define ISO_INTERVAL_TEXT_MAX 128

typedef enum {
    ISO_INTERVAL_OK = 0,
    ISO_INTERVAL_TOO_LONG,     /* more than ISO_INTERVAL_TEXT_MAX bytes */
    ISO_INTERVAL_BAD_REPEAT,   /* "R" part: not R, Rn with n in 1..999999999 */
    ISO_INTERVAL_BAD_START,    /* not a valid date-time with a UTC offset */
    ISO_INTERVAL_BAD_DURATION, /* not P..., a part out of order or too long, or zero in total */
    ISO_INTERVAL_BAD_FORM,     /* wrong number of '/'-separated parts */
    ISO_INTERVAL_BEFORE_START, /* iso_interval_at: the time is before the first interval */
    ISO_INTERVAL_ENDED,        /* iso_interval_at: every repetition is over (or past 9999) */
    ISO_INTERVAL_RESULT_COUNT
} iso_interval_result_t;

/* A stable snake_case name ("bad_duration"). */
const char *iso_interval_result_str(iso_interval_result_t r);

typedef struct {
    uint32_t years, months, weeks, days, hours, minutes, seconds;
} iso_duration_t;

typedef struct {
    int64_t start_ms;
    iso_duration_t duration;
    uint32_t repetitions; /* number of intervals; 0 = without end */
} iso_interval_t;

/* Parses [s, s+n) (no NUL needed). Returns ISO_INTERVAL_OK and fills *out, or the first problem
 * found (out is then unspecified). */
iso_interval_result_t iso_interval_parse(const char *s, size_t n, iso_interval_t *out);

/* The interval containing t_ms: [*start_ms, *end_ms) (*end_ms is INT64_MAX when the interval
 * runs past year 9999). Returns ISO_INTERVAL_OK, ISO_INTERVAL_BEFORE_START or
 * ISO_INTERVAL_ENDED (also for any t_ms from year 10000 on). */
iso_interval_result_t iso_interval_at(const iso_interval_t *iv, int64_t t_ms, int64_t *start_ms,
                                      int64_t *end_ms);

/* Parses a date-time as accepted for the start above into ms since the epoch. 0 or -1. */
int iso_datetime_parse(const char *s, size_t n, int64_t *out_ms);

#endif
