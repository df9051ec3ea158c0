/* Tests for src/connector/accounts.c: lookups never read the database on the caller's thread. */
#include "harness.h"

#include "connector/accounts.h"

typedef struct {
    h_wait_t w;
    accounts_result_t r;
    acct_info_t info;
    pthread_t thread;
} acc_wait_t;

static void acc_done(void *user, accounts_result_t r, const acct_info_t *info)
{
    acc_wait_t *aw = user;
    aw->r = r;
    if (info)
        aw->info = *info;
    aw->thread = pthread_self();
    h_on_reply(&aw->w, (const uint8_t *)"", 0);
}

TestSuite(accounts, .init = NULL, .fini = h_teardown, .timeout = 30);

Test(accounts, a_miss_is_loaded_off_the_callers_thread_then_cached)
{
    log_set_level(LOG_ERROR);
    h_node_t *n = h_node("A", "test.a", NULL);
    accounts_t *a = accounts_new(n->l);
    cr_assert_not_null(a);
    /* created after the cache started, as by the admin API or another replica */
    ledger_id_t id = h_account(n, &n->eur, LEDGER_KIND_WALLET, 0, true);
    acc_wait_t aw;
    h_wait_init(&aw.w);
    acct_info_t info;
    cr_assert_eq(accounts_lookup(a, id, &info, acc_done, &aw), ACCOUNTS_PENDING);
    cr_assert(h_wait(&aw.w, 5000), "loader never answered");
    cr_assert_eq(aw.r, ACCOUNTS_OK, "%s", accounts_result_str(aw.r));
    cr_assert(!pthread_equal(aw.thread, pthread_self()), "loaded on the loader thread");
    cr_assert(ledger_id_eq(aw.info.asset_id, n->eur.id));
    cr_assert(ledger_id_eq(aw.info.liquidity_id, n->eur.liquidity_account_id));
    cr_assert_str_eq(aw.info.code, "EUR");
    cr_assert(aw.info.stream_enabled);
    /* now a hit: answered at once, the callback is not called */
    memset(&info, 0, sizeof info);
    cr_assert_eq(accounts_lookup(a, id, &info, acc_done, NULL), ACCOUNTS_OK);
    cr_assert(ledger_id_eq(info.id, id));
    accounts_free(a);
}

Test(accounts, an_unknown_account_is_not_found_and_get_waits)
{
    log_set_level(LOG_ERROR);
    h_node_t *n = h_node("A", "test.a", NULL);
    accounts_t *a = accounts_new(n->l);
    acc_wait_t aw;
    h_wait_init(&aw.w);
    acct_info_t info;
    cr_assert_eq(accounts_lookup(a, ledger_id_random(), &info, acc_done, &aw), ACCOUNTS_PENDING);
    cr_assert(h_wait(&aw.w, 5000));
    cr_assert_eq(aw.r, ACCOUNTS_NOT_FOUND);
    cr_assert_eq(accounts_get(a, ledger_id_random(), &info), ACCOUNTS_NOT_FOUND);
    ledger_id_t id = h_account(n, &n->usd, LEDGER_KIND_PEER, 0, false);
    cr_assert_eq(accounts_get(a, id, &info), ACCOUNTS_OK);
    cr_assert_eq(info.kind, LEDGER_KIND_PEER);
    accounts_free(a);
}

Test(accounts, transfer_ids_are_version_7_and_increase)
{
    log_set_level(LOG_ERROR);
    h_node_t *n = h_node("A", "test.a", NULL);
    accounts_t *a = accounts_new(n->l);
    ledger_id_t prev = accounts_transfer_id(a);
    for (int i = 0; i < 1000; i++) {
        ledger_id_t id = accounts_transfer_id(a);
        cr_assert_eq(id.hi >> 12 & 0xf, 7, "version 7");
        cr_assert_eq(id.lo >> 62, 2, "RFC 4122 variant");
        cr_assert(id.hi > prev.hi || (id.hi == prev.hi && id.lo > prev.lo), "increasing");
        prev = id;
    }
    accounts_free(a);
}

Test(accounts, a_stale_entry_is_answered_at_once_and_refreshed_behind)
{
    log_set_level(LOG_ERROR);
    h_node_t *n = h_node("A", "test.a", NULL);
    accounts_t *a = accounts_new(n->l);
    ledger_id_t id = h_account(n, &n->usd, LEDGER_KIND_WALLET, 0, true);
    acct_info_t info;
    cr_assert_eq(accounts_get(a, id, &info), ACCOUNTS_OK);
    cr_assert(info.stream_enabled);
    /* STREAM switched off (admin API); the cached entry goes stale */
    ledger_account_t acct;
    cr_assert_eq(ledger_account_get(n->l, id, &acct), LEDGER_OK);
    acct.stream_enabled = false;
    cr_assert_eq(ledger_account_update(n->l, &acct), LEDGER_OK);
    usleep((ACCOUNTS_TTL_MS + 50) * 1000);
    /* a busy account never waits: the stale entry answers, a refresh is queued */
    cr_assert_eq(accounts_lookup(a, id, &info, acc_done, NULL), ACCOUNTS_OK);
    cr_assert(info.stream_enabled, "the stale entry");
    bool seen = false;
    for (int i = 0; i < 200 && !seen; i++) {
        usleep(10000);
        cr_assert_eq(accounts_lookup(a, id, &info, acc_done, NULL), ACCOUNTS_OK);
        seen = !info.stream_enabled;
    }
    cr_assert(seen, "the refresh landed");
    accounts_free(a);
}
