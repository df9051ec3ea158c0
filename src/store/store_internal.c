/* The helpers store_internal.h declares for the cache and the database. */
#include "store/store_internal.h"

const char *store_rc_name(const store_rc_name_t *table, size_t n, int code)
{
    for (size_t i = 0; i < n; i++)
        if (table[i].code == code)
            return table[i].name;
    return "unknown";
}
