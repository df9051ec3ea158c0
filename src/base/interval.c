/*
 * ISO 8601 repeating intervals (see interval.h): a strict parser over (ptr, len) and the
 * calendar arithmetic that finds the repetition containing a time (day numbers from civil.h).
 */
#include "base/interval.h"

#include "base/civil.h"

#include <stdbool.h>
#include <string.h>

#define MS_PER_S   1000LL
#define MS_PER_MIN (60 * MS_PER_S)
#define MS_PER_H   (60 * MS_PER_MIN)
#define MS_PER_DAY (24 * MS_PER_H)
/* Largest number in a duration part or repeat count: 9 digits keep every product in int64. */
#define PART_MAX 999999999u
/* Months from year 0 to the end of year 9999: later boundaries count as "never". */
#define MONTH_INDEX_MAX (10000LL * 12)
/* The average Gregorian month (146097 days per 4800 months), for the first guess of k. */
#define MS_PER_AVG_MONTH (146097LL * MS_PER_DAY / 4800)

static const char *const NAMES[ISO_INTERVAL_RESULT_COUNT] = {
    [ISO_INTERVAL_OK] = "ok",
    [ISO_INTERVAL_TOO_LONG] = "too_long",
    [ISO_INTERVAL_BAD_REPEAT] = "bad_repeat",
    [ISO_INTERVAL_BAD_START] = "bad_start",
    [ISO_INTERVAL_BAD_DURATION] = "bad_duration",
    [ISO_INTERVAL_BAD_FORM] = "bad_form",
    [ISO_INTERVAL_BEFORE_START] = "before_start",
    [ISO_INTERVAL_ENDED] = "ended",
};

const char *iso_interval_result_str(iso_interval_result_t r)
{
    return (unsigned)r < ISO_INTERVAL_RESULT_COUNT ? NAMES[r] : "unknown";
}

/* ---- calendar ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* ---- parsing ---- */

typedef struct {
    const char *p, *end;
} cur_t;

/* Exactly n digits. */
static bool digits(cur_t *c, int n, int *out)
{
    if (c->end - c->p < n)
        return false;
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (c->p[i] < '0' || c->p[i] > '9')
            return false;
        v = v * 10 + (c->p[i] - '0');
    }
    c->p += n;
    *out = v;
    return true;
}

static bool lit(cur_t *c, char ch)
{
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

/* One to nine digits. */
static bool number(cur_t *c, uint32_t *out)
{
    uint32_t v = 0;
    int n = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        if (++n > 9)
            return false;
        v = v * 10 + (uint32_t)(*c->p++ - '0');
    }
    *out = v;
    return n > 0;
}

/* Z, z, +HH:MM, -HH:MM, +HHMM, -HHMM: the offset to subtract, in ms. */
static bool utc_offset(cur_t *c, int64_t *off_ms)
{
    if (lit(c, 'Z') || lit(c, 'z')) {
        *off_ms = 0;
        return true;
    }
    int sign = lit(c, '+') ? 1 : lit(c, '-') ? -1 : 0;
    int hh, mm;
    if (!sign || !digits(c, 2, &hh))
        return false;
    lit(c, ':');
    if (!digits(c, 2, &mm) || hh > 23 || mm > 59)
        return false;
    *off_ms = sign * (hh * MS_PER_H + mm * MS_PER_MIN);
    return true;
}

static bool datetime(cur_t *c, int64_t *out_ms)
{
    int y, mo, d, h, mi, s;
    if (!digits(c, 4, &y) || !lit(c, '-') || !digits(c, 2, &mo) || !lit(c, '-') ||
        !digits(c, 2, &d) || !(lit(c, 'T') || lit(c, 't')) || !digits(c, 2, &h) || !lit(c, ':') ||
        !digits(c, 2, &mi) || !lit(c, ':') || !digits(c, 2, &s))
        return false;
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > civil_days_in_month(y, mo) || h > 23 ||
        mi > 59 || s > 59)
        return false;
    int64_t ms = 0;
    if (lit(c, '.')) {
        int n = 0;
        for (; c->p < c->end && *c->p >= '0' && *c->p <= '9'; c->p++, n++)
            if (n < 3)
                ms = ms * 10 + (*c->p - '0');
        if (n == 0 || n > 9)
            return false;
        for (; n < 3; n++)
            ms *= 10;
    }
    int64_t off;
    if (!utc_offset(c, &off))
        return false;
    *out_ms = civil_days_from_date(y, mo, d) * MS_PER_DAY + h * MS_PER_H + mi * MS_PER_MIN +
              s * MS_PER_S + ms - off;
    return true;
}

int iso_datetime_parse(const char *s, size_t n, int64_t *out_ms)
{
    cur_t c = {s, s + n};
    return n <= ISO_INTERVAL_TEXT_MAX && datetime(&c, out_ms) && c.p == c.end ? 0 : -1;
}

/* P[nY][nM][nW][nD][T[nH][nM][nS]]: designators in this order, each at most once. */
static bool duration(cur_t *c, iso_duration_t *d)
{
    static const char DATE[] = "YMWD", TIME[] = "HMS";
    uint32_t *date_parts[] = {&d->years, &d->months, &d->weeks, &d->days};
    uint32_t *time_parts[] = {&d->hours, &d->minutes, &d->seconds};
    memset(d, 0, sizeof *d);
    if (!lit(c, 'P'))
        return false;
    int parts = 0;
    bool in_time = false;
    size_t next = 0; /* the first designator still allowed in the current section */
    while (c->p < c->end) {
        if (!in_time && lit(c, 'T')) {
            in_time = true;
            next = 0;
            if (c->p == c->end)
                return false; /* "T" with nothing after it */
            continue;
        }
        uint32_t v;
        if (!number(c, &v) || c->p == c->end)
            return false;
        const char *set = in_time ? TIME : DATE;
        const char *at = strchr(set + next, *c->p);
        if (!at || *c->p == '\0')
            return false;
        size_t idx = (size_t)(at - set);
        *(in_time ? time_parts : date_parts)[idx] = v;
        next = idx + 1;
        c->p++;
        parts++;
    }
    uint64_t total =
        (uint64_t)d->years + d->months + d->weeks + d->days + d->hours + d->minutes + d->seconds;
    return parts > 0 && total > 0;
}

/* Finds the '/' separators of [s, s+n). Returns how many there are (up to 3 recorded). */
static int split(const char *s, size_t n, const char *slash[3])
{
    int k = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '/') {
            if (k < 3)
                slash[k] = s + i;
            k++;
        }
    return k;
}

static iso_interval_result_t repeat_part(const char *p, const char *end, uint32_t *reps)
{
    cur_t c = {p, end};
    if (!lit(&c, 'R'))
        return ISO_INTERVAL_BAD_REPEAT;
    *reps = 0;
    if (c.p == c.end)
        return ISO_INTERVAL_OK;
    if (!number(&c, reps) || c.p != c.end || *reps == 0)
        return ISO_INTERVAL_BAD_REPEAT;
    return ISO_INTERVAL_OK;
}

iso_interval_result_t iso_interval_parse(const char *s, size_t n, iso_interval_t *out)
{
    if (n > ISO_INTERVAL_TEXT_MAX)
        return ISO_INTERVAL_TOO_LONG;
    memset(out, 0, sizeof *out);
    const char *slash[3];
    int k = split(s, n, slash);
    const char *start = s, *end = s + n;
    if (k == 2) {
        iso_interval_result_t r = repeat_part(s, slash[0], &out->repetitions);
        if (r != ISO_INTERVAL_OK)
            return r;
        start = slash[0] + 1;
    } else if (k == 1) {
        out->repetitions = 1;
    } else {
        return ISO_INTERVAL_BAD_FORM;
    }
    const char *mid = k == 2 ? slash[1] : slash[0];
    cur_t c = {start, mid};
    if (!datetime(&c, &out->start_ms) || c.p != mid)
        return ISO_INTERVAL_BAD_START;
    c = (cur_t){mid + 1, end};
    if (!duration(&c, &out->duration) || c.p != end)
        return ISO_INTERVAL_BAD_DURATION;
    return ISO_INTERVAL_OK;
}

/* ---- arithmetic ---- */

static int64_t months_of(const iso_duration_t *d)
{
    return (int64_t)d->years * 12 + d->months;
}

/* Weeks, days and time as milliseconds (at most about 7e17: each part has 9 digits). */
static int64_t fixed_ms_of(const iso_duration_t *d)
{
    return (int64_t)d->weeks * 7 * MS_PER_DAY + (int64_t)d->days * MS_PER_DAY +
           (int64_t)d->hours * MS_PER_H + (int64_t)d->minutes * MS_PER_MIN +
           (int64_t)d->seconds * MS_PER_S;
}

/* The start of interval k, or INT64_MAX when it lies past year 9999. */
static int64_t boundary(const iso_interval_t *iv, int64_t k)
{
    int64_t months = months_of(&iv->duration), fixed = fixed_ms_of(&iv->duration);
    int64_t day = floor_div(iv->start_ms, MS_PER_DAY);
    int64_t time_of_day = iv->start_ms - day * MS_PER_DAY;
    int64_t y;
    int m, dd;
    civil_date_from_days(day, &y, &m, &dd);
    if (months > 0 && k > MONTH_INDEX_MAX / months)
        return INT64_MAX;
    int64_t index = y * 12 + (m - 1) + k * months;
    if (index >= MONTH_INDEX_MAX)
        return INT64_MAX;
    int64_t ny = index / 12;
    int nm = (int)(index % 12) + 1;
    int nd = dd < civil_days_in_month(ny, nm) ? dd : civil_days_in_month(ny, nm);
    int64_t base = civil_days_from_date(ny, nm, nd) * MS_PER_DAY + time_of_day;
    /* k * fixed stays below 2^63 whenever its interval starts before year 10000: check. */
    if (fixed > 0 && k > (MONTH_INDEX_MAX / 12 * 366 * MS_PER_DAY) / fixed)
        return INT64_MAX;
    int64_t t = base + k * fixed;
    return t >= civil_days_from_date(10000, 1, 1) * MS_PER_DAY ? INT64_MAX : t;
}

iso_interval_result_t iso_interval_at(const iso_interval_t *iv, int64_t t_ms, int64_t *start_ms,
                                      int64_t *end_ms)
{
    if (t_ms < iv->start_ms)
        return ISO_INTERVAL_BEFORE_START;
    if (t_ms >= civil_days_from_date(10000, 1, 1) * MS_PER_DAY)
        return ISO_INTERVAL_ENDED; /* also keeps t_ms - start_ms below 2^63 */
    /* A first guess from the average length, then exact steps: month lengths differ by at
     * most 3 days in 30, so the guess is off by a small fraction of k and a few steps fix it.
     * A duration of more months than years 0..9999 hold has one interval: k = 0. */
    int64_t months = months_of(&iv->duration), k = 0;
    if (months <= MONTH_INDEX_MAX)
        k = (t_ms - iv->start_ms) / (months * MS_PER_AVG_MONTH + fixed_ms_of(&iv->duration));
    int64_t b = boundary(iv, k);
    while (k > 0 && b > t_ms)
        b = boundary(iv, --k);
    int64_t next = boundary(iv, k + 1);
    while (next <= t_ms) {
        k++;
        b = next;
        next = boundary(iv, k + 1);
    }
    if (b == INT64_MAX || (iv->repetitions && k >= iv->repetitions))
        return ISO_INTERVAL_ENDED;
    *start_ms = b;
    *end_ms = next;
    return ISO_INTERVAL_OK;
}
