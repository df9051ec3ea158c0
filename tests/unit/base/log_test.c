/* Tests for the request ids of src/base/log.c. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>

#include "base/log.h"

Test(log, request_ids_accept_a_safe_alphabet_up_to_64)
{
    cr_assert(log_request_id_valid("abc-123_X.y:z", 13));
    char max[LOG_REQUEST_ID_MAX + 2];
    memset(max, 'a', sizeof max);
    cr_assert(log_request_id_valid(max, LOG_REQUEST_ID_MAX));
    cr_assert_not(log_request_id_valid(max, LOG_REQUEST_ID_MAX + 1));
    cr_assert_not(log_request_id_valid("", 0));
    const char *bad[] = {"a b", "a\"b", "a\\b", "a\nb", "ä", "a{b}", "a/b"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert_not(log_request_id_valid(bad[i], strlen(bad[i])), "%s", bad[i]);
}

Test(log, an_invalid_id_leaves_none_set)
{
    log_request_id_set("good-1");
    cr_assert_str_eq(log_request_id(), "good-1");
    log_request_id_set("bad one");
    cr_assert_str_eq(log_request_id(), "");
    log_request_id_set("again");
    log_request_id_set(NULL);
    cr_assert_str_eq(log_request_id(), "");
}

static void *other_thread(void *arg)
{
    (void)arg;
    return (void *)(strcmp(log_request_id(), "") == 0 ? "none" : "leaked");
}

Test(log, the_id_belongs_to_its_thread)
{
    log_request_id_set("mine");
    pthread_t t;
    void *r;
    pthread_create(&t, NULL, other_thread, NULL);
    pthread_join(t, &r);
    cr_assert_str_eq((const char *)r, "none");
    cr_assert_str_eq(log_request_id(), "mine");
}
