/*
 * application/x-www-form-urlencoded bodies and query strings (HTML forms): name=value pairs
 * separated by "&", "+" for a space, %XX escapes. Threads: any; no state.
 */
#ifndef RAFIKI_HTTP_FORM_H
#define RAFIKI_HTTP_FORM_H

#include <stddef.h>

#include "base/slice.h"

/* Copies the decoded value of the first field `name` of form into out (NUL-terminated).
 * Returns its length, or -1 when absent, malformed (a bad %XX escape, a NUL byte) or longer
 * than cap - 1. */
long form_get(slice_t form, const char *name, char *out, size_t cap);

/* Percent-encodes s into out (NUL-terminated) as a form or query value: the RFC 3986
 * unreserved characters stay, every other byte becomes %XX. Stops early rather than overflow
 * cap, so callers size out at 3 * strlen(s) + 1 for the whole value. */
void form_encode(const char *s, char *out, size_t cap);

#endif
