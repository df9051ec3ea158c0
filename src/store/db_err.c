/*
 * db_fail (db_internal.h): how every part of the database interface, driver or not, fills a
 * db_err_t and returns its code.
 */
#include "store/db_internal.h"
#include "store/store_internal.h"

STORE_FAIL_FN(db_fail, db_err_t, db_rc_t)
