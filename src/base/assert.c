/* The failure path of ASSERT(): report where and abort so a core dump or debugger can follow. */
#include "base/assert.h"

#include <stdio.h>
#include <stdlib.h>

void base_assert_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr, "assertion failed: %s (%s:%d)\n", expr, file, line);
    fflush(stderr);
    abort();
}
