/* The ledger over SQLite (src/ledger/ledger.c, accounts.c, lstore.c) on a temporary database
 * file: the shared cases of ledger_cases.h, with and without the in-memory account cache. The
 * bulk of the property test's seeds runs on sqlite::memory: (the same SQL, no file I/O), a
 * few hundred on a file. */
#include "ledger_cases.h"

static char lite_path[128];
static bool lite_memory; /* the next lc_setup opens sqlite::memory: */

static int lc_url(char *buf, size_t cap)
{
    if (lite_memory) {
        lite_path[0] = '\0';
        snprintf(buf, cap, "sqlite::memory:");
        return 0;
    }
    snprintf(lite_path, sizeof lite_path, "/tmp/ledger_test_%d_%llx.db", (int)getpid(),
             (unsigned long long)rand_u64());
    snprintf(buf, cap, "sqlite:%s", lite_path);
    return 0;
}

static void lite_cleanup(void)
{
    if (!lite_path[0])
        return;
    char p[160];
    static const char *const suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", lite_path, suffix[i]);
        unlink(p);
    }
}

static lc_env_t E;
static const ledger_opts_t NO_CACHE = {.sqlite_no_account_cache = true};
/* merges new transfers into the history indexes every 7, so pages span merged and recent rows */
static const ledger_opts_t MERGE_7 = {.merge_rows = 7};

#define LITE_TEST(name, call, opts) LITE_TEST_ON(name, call, opts, false)
#define LITE_TEST_ON(name, call, opts, memory)                                                     \
    Test(ledger_sqlite, name)                                                                      \
    {                                                                                              \
        lite_memory = memory;                                                                      \
        lc_setup(&E, opts);                                                                        \
        call;                                                                                      \
        lc_teardown(&E);                                                                           \
        lite_cleanup();                                                                            \
    }

LITE_TEST(assets_and_accounts, lc_case_assets_and_accounts(&E), NULL)
LITE_TEST(transfers_and_status, lc_case_transfers_and_status(&E), NULL)
LITE_TEST(transfers_and_status_no_cache, lc_case_transfers_and_status(&E), &NO_CACHE)
LITE_TEST(linked_rollback, lc_case_linked_rollback(&E), NULL)
LITE_TEST(expiry_and_sweeper, lc_case_expiry_and_sweeper(&E), NULL)
LITE_TEST(history, lc_case_history(&E), NULL)
LITE_TEST(history_across_bulk_merges, lc_case_history(&E), &MERGE_7)
LITE_TEST(property_500_seeds_file, lc_case_property(&E, 500, 60), NULL)
LITE_TEST_ON(property_10000_seeds_memory, lc_case_property(&E, 10000, 60), NULL, true)
LITE_TEST(property_no_cache, lc_case_property(&E, 50, 60), &NO_CACHE)
LITE_TEST(property_merge_every_7, lc_case_property(&E, 300, 60), &MERGE_7)
LITE_TEST(concurrency_8_threads_3_hot_accounts, lc_case_concurrency(&E), NULL)
LITE_TEST(crash_kill9_then_reopen, lc_case_crash(&E), NULL)

/* The batcher updates cached accounts by SQLite rowid; if a rowid moves under it (VACUUM may
 * renumber rowids), the update must still land, by id. */
static void lite_case_rowid_moved(lc_env_t *e)
{
    ledger_id_t S = e->usd.settlement_account_id;
    ledger_id_t a = lc_account(e->l, &e->usd, 0), b = lc_account(e->l, &e->usd, 0);
    cr_assert_eq(lc_exec1(e->l, lc_xfer(S, a, 100)), LEDGER_OK); /* a and b now cached */
    cr_assert_eq(lc_exec1(e->l, lc_xfer(a, b, 10)), LEDGER_OK);
    db_err_t err;
    db_conn_t *c = db_acquire(e->db, DB_CONN_WRITE, &err);
    cr_assert_not_null(c);
    cr_assert_eq(db_exec(c, "UPDATE accounts SET rowid = rowid + 1000000", &err), DB_OK, "%s",
                 err.msg);
    db_release(c);
    cr_assert_eq(lc_exec1(e->l, lc_xfer(a, b, 5)), LEDGER_OK);
    cr_assert_eq(lc_exec1(e->l, lc_xfer(a, b, 1)), LEDGER_OK);
    cr_assert_eq(lc_balance(e->l, a), 84);
    cr_assert_eq(lc_balance(e->l, b), 16);
    lc_check_invariants(e->db);
}

LITE_TEST(account_rowid_moved, lite_case_rowid_moved(&E), NULL)

/* Unmerged transfers (the tail the batcher keeps in memory) survive a reopen: their ids are
 * still taken, a pending one can still be posted, and they read back; then a ledger without the
 * account cache (which merges at open) sees the same. */
static void lite_case_reopen_tail(lc_env_t *e, const ledger_opts_t *opts)
{
    ledger_id_t S = e->usd.settlement_account_id;
    ledger_id_t a = lc_account(e->l, &e->usd, 0), b = lc_account(e->l, &e->usd, 0);
    ledger_op_t dep = lc_xfer(S, a, 100);
    cr_assert_eq(lc_exec1(e->l, dep), LEDGER_OK);
    ledger_op_t hold = lc_xfer(a, b, 30);
    hold.flags = LEDGER_F_PENDING;
    cr_assert_eq(lc_exec1(e->l, hold), LEDGER_OK);
    for (int round = 0; round < 2; round++) {
        ledger_close(e->l);
        db_err_t err;
        e->l = ledger_open(e->db, round == 0 ? opts : &NO_CACHE, &err);
        cr_assert_not_null(e->l, "%s", err.msg);
        cr_assert_eq(lc_exec1(e->l, dep), LEDGER_EXISTS, "round %d", round);
        ledger_op_t other = dep;
        other.amount = 99;
        cr_assert_eq(lc_exec1(e->l, other), LEDGER_EXISTS_WITH_DIFFERENT_AMOUNT);
        ledger_transfer_t t;
        cr_assert_eq(ledger_transfer_get(e->l, hold.id, &t), LEDGER_OK);
        cr_assert_eq(t.state, round == 0 ? LEDGER_STATE_PENDING : LEDGER_STATE_POSTED);
        if (round == 0) {
            ledger_op_t post = {.kind = LEDGER_OP_POST_PENDING, .pending_id = hold.id};
            cr_assert_eq(lc_exec1(e->l, post), LEDGER_OK);
            cr_assert_eq(lc_exec1(e->l, post), LEDGER_PENDING_TRANSFER_ALREADY_POSTED);
        }
    }
    cr_assert_eq(lc_balance(e->l, a), 70);
    cr_assert_eq(lc_balance(e->l, b), 30);
    lc_check_invariants(e->db);
}

LITE_TEST(reopen_with_unmerged_tail, lite_case_reopen_tail(&E, NULL), NULL)
LITE_TEST(reopen_after_merges, lite_case_reopen_tail(&E, &MERGE_7), &MERGE_7)

/* History spans every storage part at once: rows bulk-merged into transfer_history (merged by a
 * deferring ledger every 7 rows, then at reopen without the cache), rows a ledger without the
 * cache inserts into the history indexes directly, and the unmerged tail of a deferring ledger.
 * Every transfer of the account comes back exactly once, newest first, across pages. */
static void lite_case_history_all_parts(lc_env_t *e)
{
    ledger_id_t S = e->usd.settlement_account_id;
    ledger_id_t a = lc_account(e->l, &e->usd, 0), b = lc_account(e->l, &e->usd, 0);
    ledger_id_t ids[40];
    size_t n_ids = 0;
    const ledger_opts_t *phases[3] = {&MERGE_7, &NO_CACHE, NULL};
    for (int phase = 0; phase < 3; phase++) {
        if (phase > 0) {
            ledger_close(e->l);
            db_err_t err;
            e->l = ledger_open(e->db, phases[phase], &err);
            cr_assert_not_null(e->l, "%s", err.msg);
        }
        for (int i = 0; i < 10; i++) {
            ledger_op_t op = i % 2 ? lc_xfer(a, b, 1) : lc_xfer(S, a, 5);
            cr_assert_eq(lc_exec1(e->l, op), LEDGER_OK);
            ids[n_ids++] = op.id;
        }
        cr_assert_eq(lc_exec1(e->l, lc_xfer(S, b, 1)), LEDGER_OK); /* not a's */
    }
    char cursor[LEDGER_CURSOR_LEN] = "";
    size_t seen = 0;
    int64_t last_seq_ms = INT64_MAX;
    for (int page = 0; page < 20; page++) {
        ledger_transfer_t out[4];
        size_t n = 0;
        char next[LEDGER_CURSOR_LEN];
        cr_assert_eq(ledger_account_transfers(e->l, a, cursor, out, 4, &n, next), LEDGER_OK);
        for (size_t i = 0; i < n; i++) {
            cr_assert_lt(seen, n_ids);
            /* newest first: the ids in reverse creation order */
            cr_assert(ledger_id_eq(out[i].id, ids[n_ids - 1 - seen]), "row %zu out of order", seen);
            cr_assert_leq(out[i].created_ms, last_seq_ms);
            last_seq_ms = out[i].created_ms;
            seen++;
        }
        if (!next[0])
            break;
        memcpy(cursor, next, sizeof cursor);
    }
    cr_assert_eq(seen, n_ids);
    cr_assert_eq(lc_balance(e->l, a), 15 * 5 - 15 * 1);
    lc_check_invariants(e->db);
}

LITE_TEST(history_across_all_storage_parts, lite_case_history_all_parts(&E), &MERGE_7)

/* Counters of many accounts per batch are written by rowid; when rowids move, the batch still
 * lands every counter (by id). */
static void lite_case_many_accounts_rowids_moved(lc_env_t *e)
{
    enum { N = 70 };
    ledger_id_t S = e->usd.settlement_account_id;
    ledger_id_t acct[N];
    ledger_op_t ops[N];
    ledger_result_t res[N];
    for (int i = 0; i < N; i++)
        acct[i] = lc_account(e->l, &e->usd, 0);
    for (int round = 0; round < 3; round++) {
        if (round == 2) {
            db_err_t err;
            db_conn_t *c = db_acquire(e->db, DB_CONN_WRITE, &err);
            cr_assert_not_null(c);
            cr_assert_eq(db_exec(c, "UPDATE accounts SET rowid = rowid + 1000000", &err), DB_OK,
                         "%s", err.msg);
            db_release(c);
        }
        /* round 0 funds every account; later rounds move 1 from each to the next */
        for (int i = 0; i < N; i++)
            ops[i] = round == 0 ? lc_xfer(S, acct[i], 100) : lc_xfer(acct[i], acct[(i + 1) % N], 1);
        cr_assert_eq(ledger_transfers_execute(e->l, ops, N, res), LEDGER_OK);
        for (int i = 0; i < N; i++)
            cr_assert_eq(res[i], LEDGER_OK, "round %d op %d: %s", round, i,
                         ledger_result_str(res[i]));
    }
    for (int i = 0; i < N; i++) {
        ledger_account_t a;
        cr_assert_eq(ledger_account_get(e->l, acct[i], &a), LEDGER_OK);
        cr_assert_eq(a.counters.credits_posted, 102u, "account %d", i);
        cr_assert_eq(a.counters.debits_posted, 2u, "account %d", i);
        cr_assert_eq(lc_balance(e->l, acct[i]), 100);
    }
    lc_check_invariants(e->db);
}

LITE_TEST(many_accounts_rowids_moved, lite_case_many_accounts_rowids_moved(&E), NULL)
