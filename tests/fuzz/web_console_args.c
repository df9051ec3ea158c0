/*
 * Fuzz the console's list arguments (src/web/console_payments.c): the input is a filter time or
 * a page link's cursor. A time that parses prints back (console_time) as the input with a space
 * for the T and the missing seconds or time of day filled in with zeros; a cursor that parses
 * has a key of 1..36 characters and a time that is not negative.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/console_call.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char s[128];
    if (size >= sizeof s || memchr(data, 0, size))
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    int64_t ms;
    if (console_time_parse(s, &ms)) {
        char want[32];
        snprintf(want, sizeof want, "%s%s", s, size == 10 ? " 00:00:00" : size == 16 ? ":00" : "");
        want[10] = ' ';
        buf_t b;
        buf_init(&b, 64);
        console_time(&b, ms);
        if (ms < 0 || b.len != 19 || memcmp(b.ptr, want, 19) != 0)
            abort();
        buf_free(&b);
    }
    pay_console_cursor_t c;
    if (console_cursor_parse(s, &c) && c.set &&
        (c.at_ms < 0 || strlen(c.key) == 0 || strlen(c.key) > LEDGER_ID_STR_LEN))
        abort();
    return 0;
}
