/*
 * ASSERT(): programmer errors. Stays on in every build (TigerBeetle style); bad input is never an
 * assert, it is an enumerated error.
 * Threads: any thread.
 */
#ifndef RAFIKI_BASE_ASSERT_H
#define RAFIKI_BASE_ASSERT_H

_Noreturn void base_assert_fail(const char *expr, const char *file, int line);

#define ASSERT(expr) ((expr) ? (void)0 : base_assert_fail(#expr, __FILE__, __LINE__))

#endif
