/* src/payments/console_lookups.c on a temporary SQLite file: the wallet address search by URL
 * prefix with keyset paging, a wallet address's newest payments, the create URL rules, and the
 * peer check's answers without a peer on the other end. */
#include <stdlib.h>
#include <unistd.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "payments_cases.h"
#pragma GCC diagnostic pop

#include "payments/console_lookups.h"

static char lite_path[128];

static int pc_url(char *buf, size_t cap)
{
    snprintf(lite_path, sizeof lite_path, "/tmp/console_lookups_test_%d_%llx.db", (int)getpid(),
             (unsigned long long)rand_u64());
    snprintf(buf, cap, "sqlite:%s", lite_path);
    return 0;
}

static pc_env_t E;

static void lookups_setup(void)
{
    pc_setup(&E);
}

static void lookups_teardown(void)
{
    pc_teardown(&E);
    static const char *const suffix[] = {"", "-wal", "-shm"};
    char p[160];
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", lite_path, suffix[i]);
        unlink(p);
    }
}

TestSuite(console_lookups, .init = lookups_setup, .fini = lookups_teardown);

static wallet_address_t make(const char *path)
{
    char url[256];
    snprintf(url, sizeof url, PC_OP_URL "/%s", path);
    wallet_address_t w;
    cr_assert_eq(wallet_address_create(&E.ctx, E.usd.id, url, NULL, &w, NULL), WALLET_ADDRESS_OK,
                 "%s", url);
    return w;
}

Test(console_lookups, search_by_prefix_in_url_order_with_keyset_pages)
{
    make("bob");
    make("alice2");
    make("alice");
    make("alicf"); /* just past the "alice" range */
    make("al");
    wallet_address_t out[4];
    size_t n;
    cr_assert_eq(pay_wallet_search(&E.ctx, PC_OP_URL "/alice", NULL, NULL, out, 4, &n),
                 PAY_LOOKUP_OK);
    cr_assert_eq(n, 2);
    cr_expect_str_eq(out[0].url, PC_OP_URL "/alice");
    cr_expect_str_eq(out[1].url, PC_OP_URL "/alice2");
    /* a page of one, then the next after its URL */
    cr_assert_eq(pay_wallet_search(&E.ctx, PC_OP_URL "/al", NULL, NULL, out, 1, &n), PAY_LOOKUP_OK);
    cr_assert_eq(n, 1);
    cr_expect_str_eq(out[0].url, PC_OP_URL "/al");
    cr_assert_eq(pay_wallet_search(&E.ctx, PC_OP_URL "/al", out[0].url, NULL, out, 4, &n),
                 PAY_LOOKUP_OK);
    cr_assert_eq(n, 3);
    cr_expect_str_eq(out[0].url, PC_OP_URL "/alice");
    cr_expect_str_eq(out[2].url, PC_OP_URL "/alicf");
    /* everything, and nothing */
    cr_assert_eq(pay_wallet_search(&E.ctx, "", NULL, NULL, out, 4, &n), PAY_LOOKUP_OK);
    cr_expect_eq(n, 4);
    cr_assert_eq(pay_wallet_search(&E.ctx, "zzz", NULL, NULL, out, 4, &n), PAY_LOOKUP_OK);
    cr_expect_eq(n, 0);
    /* an owner with none */
    cr_assert_eq(pay_wallet_search(&E.ctx, "", NULL, "no-such-tenant", out, 4, &n), PAY_LOOKUP_OK);
    cr_expect_eq(n, 0);
}

Test(console_lookups, search_refuses_what_no_url_has)
{
    wallet_address_t out[1];
    size_t n = 9;
    cr_expect_eq(pay_wallet_search(&E.ctx, "a b", NULL, NULL, out, 1, &n), PAY_LOOKUP_INVALID);
    cr_expect_eq(n, 0);
    cr_expect_eq(pay_wallet_search(&E.ctx, "caf\xc3\xa9", NULL, NULL, out, 1, &n),
                 PAY_LOOKUP_INVALID);
    char long_prefix[PAY_WALLET_SEARCH_MAX + 2];
    memset(long_prefix, 'a', sizeof long_prefix - 1);
    long_prefix[sizeof long_prefix - 1] = 0;
    cr_expect_eq(pay_wallet_search(&E.ctx, long_prefix, NULL, NULL, out, 1, &n),
                 PAY_LOOKUP_INVALID);
}

Test(console_lookups, newest_payments_first)
{
    wallet_address_t w = pc_wallet(&E, "payer"), other = pc_wallet(&E, "other");
    incoming_payment_t p[3];
    for (int i = 0; i < 3; i++) {
        p[i] = pc_incoming(&E, &w, (uint64_t)(i + 1) * 100, 0);
        usleep(2000);
    }
    pc_incoming(&E, &other, 7, 0);
    pay_wallet_payment_t rows[2];
    size_t n;
    cr_assert_eq(pay_wallet_payments(&E.ctx, w.id, false, rows, 2, &n), PAY_LOOKUP_OK);
    cr_assert_eq(n, 2);
    cr_expect(ledger_id_eq(rows[0].id, p[2].id));
    cr_expect(ledger_id_eq(rows[1].id, p[1].id));
    cr_expect_str_eq(rows[0].state, "PENDING");
    cr_expect(rows[0].has_amount);
    cr_expect_eq(rows[0].amount, 300);
    cr_assert_eq(pay_wallet_payments(&E.ctx, w.id, true, rows, 2, &n), PAY_LOOKUP_OK);
    cr_expect_eq(n, 0);
}

Test(console_lookups, create_url_rules)
{
    char url[WALLET_ADDRESS_URL_MAX + 1];
    cr_assert_eq(pay_wallet_create_url(&E.ctx, "op", NULL, "Carol", true, url), PAY_LOOKUP_OK);
    cr_expect_str_eq(url, PC_OP_URL "/carol");
    cr_expect_eq(pay_wallet_create_url(&E.ctx, "op", NULL, "x/incoming-payments", true, url),
                 PAY_LOOKUP_INVALID);
    cr_expect_eq(pay_wallet_create_url(&E.ctx, "op", NULL, "carol", false, url), PAY_LOOKUP_INVALID,
                 "http only when allowed");
    cr_expect_eq(pay_wallet_create_url(&E.ctx, "op", "a-tenant", "carol", true, url),
                 PAY_LOOKUP_NOT_FOUND, "a tenant needs its WALLET_ADDRESS_URL");
}

Test(console_lookups, peer_check_without_a_peer)
{
    peer_t *p = peer_new();
    pay_peer_check_t c;
    cr_expect_eq(pay_peer_check(NULL, p, 0, &c), PAY_LOOKUP_NOT_FOUND, "no endpoint");
    peer_set_outgoing(p, "http://127.0.0.1:9/ilp", "a-token-of-sixteen-chars");
    cr_assert_eq(pay_peer_check(NULL, p, 2000, &c), PAY_LOOKUP_OK);
    cr_expect_not(c.reachable);
    cr_expect_eq(c.status, 0);
    cr_expect_lt(c.latency_ms, 3000);
    cr_expect_str_eq(c.outcome, "connect_failed");
    peer_release(p);
}
