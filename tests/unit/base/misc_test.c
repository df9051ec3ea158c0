/* Tests for the small base modules: buffers, arena, uuid, ct, digest, env, clock. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/codec.h"
#include "base/ct.h"
#include "base/digest.h"
#include "base/env.h"
#include "base/log.h"
#include "base/rand.h"
#include "base/slice.h"
#include "base/uuid.h"

Test(buf, cap_is_enforced_and_sticky)
{
    buf_t b;
    buf_init(&b, 10);
    cr_assert_eq(buf_append(&b, "hello", 5), 0);
    cr_assert_eq(buf_append(&b, "world!", 6), -1);
    cr_assert(b.failed);
    cr_assert_eq(buf_push(&b, 'x'), -1, "failure is sticky");
    cr_assert_eq(b.len, 5);
    buf_free(&b);
}

Test(buf, fixed_memory_never_grows)
{
    uint8_t mem[4];
    buf_t b;
    buf_init_fixed(&b, mem, sizeof mem);
    cr_assert_eq(buf_append(&b, "abcd", 4), 0);
    cr_assert_eq(buf_push(&b, 'e'), -1);
    cr_assert_eq(b.ptr, mem);
    cr_assert_eq(buf_printf(&b, "%d", 1), -1);
}

Test(buf, printf_and_grow)
{
    buf_t b;
    buf_init(&b, 1 << 20);
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(buf_printf(&b, "%04d", i), 0);
    cr_assert_eq(b.len, 4000);
    cr_assert(memcmp(b.ptr + 3996, "0999", 4) == 0);
    buf_free(&b);
}

Test(arena, allocations_are_aligned_and_distinct)
{
    arena_t a;
    arena_init(&a, 64);
    char *p = arena_alloc(&a, 10), *q = arena_alloc(&a, 100), *r = arena_strndup(&a, "hey", 3);
    cr_assert(((uintptr_t)p % 16) == 0 && ((uintptr_t)q % 16) == 0);
    cr_assert(p != q);
    cr_assert_str_eq(r, "hey");
    arena_reset(&a);
    cr_assert_not_null(arena_alloc(&a, 8));
    arena_free(&a);
}

Test(uuid, v4_format)
{
    char u[UUID_STR_LEN + 1], v[UUID_STR_LEN + 1];
    uuid_v4(u);
    uuid_v4(v);
    cr_assert(uuid_valid(u, strlen(u)));
    cr_assert_eq(u[14], '4');
    cr_assert(strchr("89ab", u[19]) != NULL);
    cr_assert_str_neq(u, v);
    cr_assert_not(uuid_valid("not-a-uuid", 10));
    cr_assert_not(uuid_valid("123e4567-e89b-12d3-a456-42661417400g", 36));
}

Test(ct, equal)
{
    cr_assert(ct_equal("abc", "abc", 3));
    cr_assert_not(ct_equal("abc", "abd", 3));
}

Test(digest, sha256_and_hmac_known_answers)
{
    uint8_t out[32];
    char hex[65];
    sha256(out, "abc", 3);
    hex_encode(hex, sizeof hex, out, 32);
    cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    /* RFC 4231 test case 2 */
    hmac_sha256(out, "Jefe", 4, "what do ya want for nothing?", 28);
    hex_encode(hex, sizeof hex, out, 32);
    cr_assert_str_eq(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

Test(rand, bytes_differ)
{
    cr_assert_neq(rand_u64(), rand_u64());
}

Test(env, typed_getters_and_errors)
{
    env_err_t err;
    uint64_t v;
    unsetenv("RAFIKI_T_NUM");
    cr_assert_eq(env_u64("RAFIKI_T_NUM", 7, 0, 100, &v, &err), ENV_OK);
    cr_assert_eq(v, 7);
    setenv("RAFIKI_T_NUM", "42", 1);
    cr_assert_eq(env_u64("RAFIKI_T_NUM", 7, 0, 100, &v, &err), ENV_OK);
    cr_assert_eq(v, 42);
    setenv("RAFIKI_T_NUM", "abc", 1);
    cr_assert_eq(env_u64("RAFIKI_T_NUM", 7, 0, 100, &v, &err), ENV_INVALID);
    cr_assert(strstr(err.msg, "RAFIKI_T_NUM=abc") != NULL, "%s", err.msg);
    setenv("RAFIKI_T_NUM", "101", 1);
    cr_assert_eq(env_u64("RAFIKI_T_NUM", 7, 0, 100, &v, &err), ENV_INVALID);
    setenv("RAFIKI_T_NUM", "-1", 1);
    cr_assert_eq(env_u64("RAFIKI_T_NUM", 7, 0, 100, &v, &err), ENV_INVALID);
    uint16_t port;
    setenv("RAFIKI_T_NUM", "70000", 1);
    cr_assert_eq(env_port("RAFIKI_T_NUM", 1, &port, &err), ENV_INVALID);
    bool b;
    setenv("RAFIKI_T_NUM", "yes", 1);
    cr_assert_eq(env_bool("RAFIKI_T_NUM", false, &b, &err), ENV_OK);
    cr_assert(b);
    setenv("RAFIKI_T_NUM", "maybe", 1);
    cr_assert_eq(env_bool("RAFIKI_T_NUM", false, &b, &err), ENV_INVALID);
}

Test(env, parse_u64_bounds)
{
    uint64_t v;
    cr_assert_eq(parse_u64("18446744073709551615", 20, &v), 0);
    cr_assert_eq(v, UINT64_MAX);
    cr_assert_eq(parse_u64("18446744073709551616", 20, &v), -1);
    cr_assert_eq(parse_u64("", 0, &v), -1);
    cr_assert_eq(parse_u64("1.5", 3, &v), -1);
    cr_assert_eq(parse_u64("+1", 2, &v), -1);
}

/* Writes text to a fresh temporary file whose name goes to path (a mkstemp template). */
static void temp_file(char *path, const char *text)
{
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

Test(env, load_file)
{
    char path[] = "/tmp/rafiki-env-XXXXXX";
    temp_file(path, "# comment\nRAFIKI_T_A=one\n  RAFIKI_T_B = \"two words\"\nRAFIKI_T_C=x\n");
    setenv("RAFIKI_T_C", "kept", 1);
    env_err_t err;
    cr_assert_eq(env_load_file(path, &err), ENV_OK);
    cr_assert_str_eq(getenv("RAFIKI_T_A"), "one");
    cr_assert_str_eq(getenv("RAFIKI_T_B"), "two words");
    cr_assert_str_eq(getenv("RAFIKI_T_C"), "kept", "the environment wins over the file");
    unlink(path);
    cr_assert_eq(env_load_file("/nonexistent/x.env", &err), ENV_IO);
    cr_assert(strstr(err.msg, "/nonexistent/x.env") != NULL, "%s", err.msg);
    cr_assert_str_eq(env_result_str(ENV_IO), "io");
}

Test(env, load_file_reports_the_bad_line)
{
    char path[] = "/tmp/rafiki-env-XXXXXX";
    temp_file(path, "RAFIKI_T_D=ok\nno equals sign here\n");
    env_err_t err;
    cr_assert_eq(env_load_file(path, &err), ENV_INVALID);
    cr_assert(strstr(err.msg, ":2: expected KEY=VALUE") != NULL, "%s", err.msg);
    cr_assert_str_eq(env_result_str(ENV_INVALID), "invalid");
    unlink(path);
}

Test(clock, monotonic_advances)
{
    uint64_t a = clock_mono_ns();
    usleep(1000);
    cr_assert_gt(clock_mono_ns(), a);
    cr_assert_gt(clock_wall_ms(), 1700000000000LL);
}

Test(log, level_parse)
{
    log_level_t l;
    cr_assert_eq(log_level_parse("warn", &l), 0);
    cr_assert_eq(l, LOG_WARN);
    cr_assert_eq(log_level_parse("loud", &l), -1);
}

Test(log, limit_allows_one_line_per_interval_and_counts_the_rest)
{
    log_limit_t lim = LOG_LIMIT_INIT(1000);
    uint64_t sup = 99;
    cr_assert(log_limit_allow(&lim, 5000, &sup));
    cr_assert_eq(sup, 0);
    for (int i = 0; i < 10; i++)
        cr_assert_not(log_limit_allow(&lim, 5000 + (uint64_t)i * 99, &sup));
    cr_assert_not(log_limit_allow(&lim, 5999, &sup), "the interval is not over yet");
    cr_assert(log_limit_allow(&lim, 6000, &sup));
    cr_assert_eq(sup, 11, "the lines dropped in the interval are reported once");
    cr_assert(log_limit_allow(&lim, 7000, &sup));
    cr_assert_eq(sup, 0);
}

/* Runs n LOGW_LIMITED calls with stderr captured; returns the lines written. */
static size_t limited_lines(log_limit_t *lim, int n, char *out, size_t cap)
{
    char path[] = "/tmp/rafiki-log-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    int saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    for (int i = 0; i < n; i++)
        LOGW_LIMITED(lim, "client went away (%d)", i);
    dup2(saved, STDERR_FILENO);
    close(saved);
    ssize_t got = pread(fd, out, cap - 1, 0);
    close(fd);
    unlink(path);
    out[got > 0 ? got : 0] = '\0';
    size_t lines = 0;
    for (const char *p = out; *p; p++)
        lines += *p == '\n';
    return lines;
}

Test(log, limited_macro_writes_one_line_per_interval_with_a_count)
{
    log_limit_t lim = LOG_LIMIT_INIT(200);
    char text[8192];
    cr_assert_eq(limited_lines(&lim, 1000, text, sizeof text), 1, "got: %s", text);
    cr_assert(strstr(text, "client went away (0)") != NULL, "got: %s", text);
    usleep(250 * 1000);
    cr_assert_eq(limited_lines(&lim, 5, text, sizeof text), 1, "got: %s", text);
    cr_assert(strstr(text, "client went away (0) (999 similar lines suppressed)") != NULL,
              "got: %s", text);
}

Test(digest, hmac_empty_key_and_key_change_between_calls)
{
    uint8_t out[32];
    char hex[65];
    hmac_sha256(out, "", 0, "", 0);
    hex_encode(hex, sizeof hex, out, 32);
    cr_assert_str_eq(hex, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    /* The per-thread context must take the new key each call. */
    hmac_sha256(out, "Jefe", 4, "what do ya want for nothing?", 28);
    hmac_sha256(out, "key", 3, "The quick brown fox jumps over the lazy dog", 43);
    hex_encode(hex, sizeof hex, out, 32);
    cr_assert_str_eq(hex, "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
    sha256(out, "", 0);
    hex_encode(hex, sizeof hex, out, 32);
    cr_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
