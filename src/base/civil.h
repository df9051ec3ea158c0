/*
 * The proleptic Gregorian calendar as day numbers: shared by the ILP timestamp codec
 * (src/ilp/packet.c) and ISO 8601 intervals (interval.c). Era arithmetic (400-year cycles of
 * 146097 days): no loops, exact for every year an int64 day count can hold.
 *
 * Threads: pure functions of their arguments; any thread.
 */
#ifndef RAFIKI_BASE_CIVIL_H
#define RAFIKI_BASE_CIVIL_H

#include <stdbool.h>
#include <stdint.h>

bool civil_is_leap(int64_t y);
/* Days in month m (1..12) of year y. */
int civil_days_in_month(int64_t y, int m);
/* Days since 1970-01-01 of the date y-m-d (m 1..12, d 1..31; not validated). */
int64_t civil_days_from_date(int64_t y, int m, int d);
/* The date of day z (days since 1970-01-01). */
void civil_date_from_days(int64_t z, int64_t *y, int *m, int *d);

#endif
