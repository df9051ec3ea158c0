/* Tests for src/ilp/pointer.c: payment pointer resolution (RFC 0026). */
#include <criterion/criterion.h>
#include <string.h>

#include "ilp/pointer.h"

static pointer_result_t res(const char *pp, char *out, size_t cap)
{
    return payment_pointer_resolve(pp, strlen(pp), out, cap);
}

Test(pointer, resolves_rfc_examples)
{
    const char *cases[][2] = {
        {"$example.com", "https://example.com/.well-known/pay"},
        {"$example.com/", "https://example.com/.well-known/pay"},
        {"$example.com/invoices/12345", "https://example.com/invoices/12345"},
        {"$bob.example.com", "https://bob.example.com/.well-known/pay"},
        {"$example.com/bob/", "https://example.com/bob"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[256];
        cr_assert_eq(res(cases[i][0], out, sizeof(out)), POINTER_OK, "%s", cases[i][0]);
        cr_assert_str_eq(out, cases[i][1]);
    }
}

Test(pointer, rejects_bad_pointers)
{
    char out[256];
    cr_assert_eq(res("example.com", out, sizeof(out)), POINTER_ERR_NO_DOLLAR);
    cr_assert_eq(res("", out, sizeof(out)), POINTER_ERR_NO_DOLLAR);
    cr_assert_eq(res("$", out, sizeof(out)), POINTER_ERR_BAD_HOST);
    cr_assert_eq(res("$example.com:8080/a", out, sizeof(out)), POINTER_ERR_BAD_HOST);
    cr_assert_eq(res("$user:pass@example.com", out, sizeof(out)), POINTER_ERR_BAD_HOST);
    cr_assert_eq(res("$example.com/a?b=c", out, sizeof(out)), POINTER_ERR_BAD_PATH);
    cr_assert_eq(res("$example.com/a#frag", out, sizeof(out)), POINTER_ERR_BAD_PATH);
    cr_assert_eq(res("$example.com/a b", out, sizeof(out)), POINTER_ERR_BAD_PATH);
    cr_assert_eq(res("$ex\xc3\xa4mple.com", out, sizeof(out)), POINTER_ERR_BAD_HOST);
    cr_assert_eq(res("$example.com/alice", out, 10), POINTER_ERR_TOO_LONG);
    cr_assert_eq(res("https://example.com/x", out, sizeof(out)), POINTER_ERR_NO_DOLLAR);
}

Test(pointer, spsp_url_accepts_https)
{
    char out[256];
    const char *u = "https://example.com/spsp/x";
    cr_assert_eq(spsp_url_resolve(u, strlen(u), out, sizeof(out)), POINTER_OK);
    cr_assert_str_eq(out, u);
    u = "$example.com";
    cr_assert_eq(spsp_url_resolve(u, strlen(u), out, sizeof(out)), POINTER_OK);
    cr_assert_str_eq(out, "https://example.com/.well-known/pay");
    u = "http://example.com/x";
    cr_assert_eq(spsp_url_resolve(u, strlen(u), out, sizeof(out)), POINTER_ERR_NO_DOLLAR);
    u = "https://example.com:99/x";
    cr_assert_eq(spsp_url_resolve(u, strlen(u), out, sizeof(out)), POINTER_ERR_BAD_HOST);
}
