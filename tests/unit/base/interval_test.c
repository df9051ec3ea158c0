/* src/base/interval.c: ISO 8601 repeating intervals, parsing and calendar arithmetic. */
#include <criterion/criterion.h>

#include <string.h>

#include "base/interval.h"

static int64_t t(const char *s)
{
    int64_t ms;
    cr_assert_eq(iso_datetime_parse(s, strlen(s), &ms), 0, "%s", s);
    return ms;
}

static iso_interval_t iv(const char *s)
{
    iso_interval_t out;
    iso_interval_result_t r = iso_interval_parse(s, strlen(s), &out);
    cr_assert_eq(r, ISO_INTERVAL_OK, "%s: %s", s, iso_interval_result_str(r));
    return out;
}

Test(interval, datetimes)
{
    cr_expect_eq(t("1970-01-01T00:00:00Z"), 0);
    cr_expect_eq(t("2026-01-01T00:00:00Z"), 1767225600000LL);
    cr_expect_eq(t("2026-01-01T00:00:00.123Z"), 1767225600123LL);
    cr_expect_eq(t("2026-01-01T00:00:00.1239999Z"), 1767225600123LL, "cut to ms");
    cr_expect_eq(t("2026-01-01T02:00:00+02:00"), 1767225600000LL);
    cr_expect_eq(t("2025-12-31T19:00:00-0500"), 1767225600000LL);
    cr_expect_eq(t("2024-02-29t12:00:00z"), 1709208000000LL);
    cr_expect_eq(t("1969-12-31T23:59:59Z"), -1000);
    cr_expect_eq(t("0001-01-01T00:00:00Z"), -62135596800000LL);
    const char *bad[] = {"2026-02-29T00:00:00Z",
                         "2026-13-01T00:00:00Z",
                         "2026-01-01T24:00:00Z",
                         "2026-01-01T00:60:00Z",
                         "2026-01-01T00:00:60Z",
                         "2026-01-01T00:00:00",
                         "2026-01-01 00:00:00Z",
                         "2026-1-01T00:00:00Z",
                         "0000-01-01T00:00:00Z",
                         "2026-01-01T00:00:00.Z",
                         "2026-01-01T00:00:00+24:00",
                         "2026-01-01T00:00:00Zx",
                         ""};
    int64_t ms;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_neq(iso_datetime_parse(bad[i], strlen(bad[i]), &ms), 0, "%s", bad[i]);
}

Test(interval, parse_forms)
{
    iso_interval_t a = iv("R/2026-01-01T00:00:00Z/P1M");
    cr_expect_eq(a.repetitions, 0);
    cr_expect_eq(a.duration.months, 1);
    a = iv("R5/2026-01-01T00:00:00Z/P1Y2M3W4DT5H6M7S");
    cr_expect_eq(a.repetitions, 5);
    iso_duration_t want = {1, 2, 3, 4, 5, 6, 7};
    cr_expect_eq(memcmp(&a.duration, &want, sizeof want), 0);
    a = iv("2026-01-01T00:00:00Z/PT30M");
    cr_expect_eq(a.repetitions, 1, "no R: a single interval");
    cr_expect_eq(a.duration.minutes, 30);
    a = iv("R/2026-01-01T00:00:00Z/P2W");
    cr_expect_eq(a.duration.weeks, 2);

    struct {
        const char *s;
        iso_interval_result_t r;
    } bad[] = {
        {"R0/2026-01-01T00:00:00Z/P1M", ISO_INTERVAL_BAD_REPEAT},
        {"R-1/2026-01-01T00:00:00Z/P1M", ISO_INTERVAL_BAD_REPEAT},
        {"X/2026-01-01T00:00:00Z/P1M", ISO_INTERVAL_BAD_REPEAT},
        {"R1234567890/2026-01-01T00:00:00Z/P1M", ISO_INTERVAL_BAD_REPEAT},
        {"R/2026-01-01/P1M", ISO_INTERVAL_BAD_START},
        {"R/2026-01-01T00:00:00Z/2026-02-01T00:00:00Z", ISO_INTERVAL_BAD_DURATION},
        {"R/P1M/2026-02-01T00:00:00Z", ISO_INTERVAL_BAD_START},
        {"R/2026-01-01T00:00:00Z/P", ISO_INTERVAL_BAD_DURATION},
        {"R/2026-01-01T00:00:00Z/PT", ISO_INTERVAL_BAD_DURATION},
        {"R/2026-01-01T00:00:00Z/P0D", ISO_INTERVAL_BAD_DURATION},
        {"R/2026-01-01T00:00:00Z/P1D1M", ISO_INTERVAL_BAD_DURATION},
        {"R/2026-01-01T00:00:00Z/P1M1M", ISO_INTERVAL_BAD_DURATION},
        {"R/2026-01-01T00:00:00Z/P1H", ISO_INTERVAL_BAD_DURATION},
        {"R/2026-01-01T00:00:00Z/PT1D", ISO_INTERVAL_BAD_DURATION},
        {"R/2026-01-01T00:00:00Z/P1.5D", ISO_INTERVAL_BAD_DURATION},
        {"R/2026-01-01T00:00:00Z/P1234567890D", ISO_INTERVAL_BAD_DURATION},
        {"R/2026-01-01T00:00:00Z/P1M/", ISO_INTERVAL_BAD_FORM},
        {"P1M", ISO_INTERVAL_BAD_FORM},
    };
    iso_interval_t out;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        iso_interval_result_t r = iso_interval_parse(bad[i].s, strlen(bad[i].s), &out);
        cr_expect_eq(r, bad[i].r, "%s: %s", bad[i].s, iso_interval_result_str(r));
    }
    char longer[ISO_INTERVAL_TEXT_MAX + 2];
    memset(longer, 'R', sizeof longer);
    cr_expect_eq(iso_interval_parse(longer, sizeof longer, &out), ISO_INTERVAL_TOO_LONG);
    /* the length is what counts, not a NUL */
    cr_expect_eq(iso_interval_parse("R/2026-01-01T00:00:00Z/P1MX", 26, &out), ISO_INTERVAL_OK);
}

static void expect_at(const iso_interval_t *a, const char *when, const char *start, const char *end)
{
    int64_t s, e;
    iso_interval_result_t r = iso_interval_at(a, t(when), &s, &e);
    cr_assert_eq(r, ISO_INTERVAL_OK, "%s: %s", when, iso_interval_result_str(r));
    cr_expect_eq(s, t(start), "%s: start", when);
    cr_expect_eq(e, t(end), "%s: end", when);
}

Test(interval, months_do_not_drift)
{
    iso_interval_t a = iv("R/2026-01-31T10:00:00Z/P1M");
    expect_at(&a, "2026-01-31T10:00:00Z", "2026-01-31T10:00:00Z", "2026-02-28T10:00:00Z");
    expect_at(&a, "2026-02-28T09:59:59.999Z", "2026-01-31T10:00:00Z", "2026-02-28T10:00:00Z");
    expect_at(&a, "2026-02-28T10:00:00Z", "2026-02-28T10:00:00Z", "2026-03-31T10:00:00Z");
    expect_at(&a, "2026-04-15T00:00:00Z", "2026-03-31T10:00:00Z", "2026-04-30T10:00:00Z");
    expect_at(&a, "2028-02-29T12:00:00Z", "2028-02-29T10:00:00Z", "2028-03-31T10:00:00Z");
    expect_at(&a, "2126-01-31T10:00:00Z", "2126-01-31T10:00:00Z", "2126-02-28T10:00:00Z");
    iso_interval_t y = iv("R/2024-02-29T00:00:00Z/P1Y");
    expect_at(&y, "2025-06-01T00:00:00Z", "2025-02-28T00:00:00Z", "2026-02-28T00:00:00Z");
    expect_at(&y, "2028-03-01T00:00:00Z", "2028-02-29T00:00:00Z", "2029-02-28T00:00:00Z");
}

Test(interval, fixed_and_mixed)
{
    iso_interval_t d = iv("R/2026-01-01T00:00:00+01:00/P1D");
    expect_at(&d, "2026-03-10T22:59:59Z", "2026-03-09T23:00:00Z", "2026-03-10T23:00:00Z");
    expect_at(&d, "2026-03-10T23:00:00Z", "2026-03-10T23:00:00Z", "2026-03-11T23:00:00Z");
    iso_interval_t m = iv("R/2026-01-31T00:00:00Z/P1M1DT1H");
    /* interval 2 = Jan 31 + 2 months (Mar 31) + 2 days 2 hours */
    expect_at(&m, "2026-04-02T02:00:00Z", "2026-04-02T02:00:00Z", "2026-05-03T03:00:00Z");
    iso_interval_t s = iv("R/1970-01-01T00:00:00Z/PT1S");
    expect_at(&s, "2026-01-01T00:00:00.500Z", "2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z");
}

Test(interval, bounds)
{
    int64_t s, e;
    iso_interval_t a = iv("R3/2026-01-01T00:00:00Z/P1M");
    cr_expect_eq(iso_interval_at(&a, t("2025-12-31T23:59:59.999Z"), &s, &e),
                 ISO_INTERVAL_BEFORE_START);
    expect_at(&a, "2026-03-31T23:59:59.999Z", "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z");
    cr_expect_eq(iso_interval_at(&a, t("2026-04-01T00:00:00Z"), &s, &e), ISO_INTERVAL_ENDED,
                 "three repetitions only");
    iso_interval_t one = iv("2026-01-01T00:00:00Z/PT1H");
    cr_expect_eq(iso_interval_at(&one, t("2026-01-01T01:00:00Z"), &s, &e), ISO_INTERVAL_ENDED);
    iso_interval_t big = iv("R/9999-06-01T00:00:00Z/P999999999Y");
    cr_expect_eq(iso_interval_at(&big, t("9999-07-01T00:00:00Z"), &s, &e), ISO_INTERVAL_OK);
    cr_expect_eq(s, t("9999-06-01T00:00:00Z"));
    cr_expect_eq(e, INT64_MAX, "an end past year 9999 reads as never");
    cr_expect_eq(iso_interval_at(&big, INT64_MAX, &s, &e), ISO_INTERVAL_ENDED);
}
