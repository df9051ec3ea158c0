/* The ledger over SQLite (src/ledger/ledger.c, accounts.c, lstore.c) on a temporary database
 * file: the shared cases of ledger_cases.h, with and without the in-memory account cache. The
 * bulk of the property test's seeds runs on sqlite::memory: (the same SQL, no file I/O), a
 * few hundred on a file. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ledger/lstore.h"
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
LITE_TEST(lists_of_assets_and_accounts, lc_case_lists(&E), NULL)
LITE_TEST(transfer_groups, lc_case_groups(&E), NULL)
LITE_TEST(guards_and_batched_account_updates, lc_case_guards(&E), NULL)
LITE_TEST(guards_no_cache, lc_case_guards(&E), &NO_CACHE)
LITE_TEST(transfer_groups_no_cache, lc_case_groups(&E), &NO_CACHE)
LITE_TEST(submit_from_callback_past_queue_max, lc_case_submit_from_callback(&E), &LC_SMALL_QUEUE)
LITE_TEST(submit_try_busy_and_follow_up_past_queue_max, lc_case_submit_modes(&E), &LC_SMALL_QUEUE)
LITE_TEST(crash_kill9_then_reopen, lc_case_crash(&E, NULL), NULL)
/* killed while rolling merges run every batch (rows above the boundary partly merged) */
LITE_TEST(crash_kill9_during_rolling_merges, lc_case_crash(&E, &MERGE_7), &MERGE_7)

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

/* ---- history chains and the 002 migration (SQLite) ---- */

static void lite_exec(db_t *db, const char *sql)
{
    db_err_t err;
    db_conn_t *c = db_acquire(db, DB_CONN_WRITE, &err);
    cr_assert_not_null(c);
    cr_assert_eq(db_exec(c, sql, &err), DB_OK, "%s: %s", sql, err.msg);
    db_release(c);
}

/* Reads the whole history of acct, pages of `page`, and checks it is want[0..n) newest first. */
static void lite_check_history(ledger_t *l, ledger_id_t acct, const ledger_id_t *want, size_t n,
                               size_t page)
{
    char cursor[LEDGER_CURSOR_LEN] = "";
    size_t seen = 0;
    for (int pages = 0; pages < 1000; pages++) {
        ledger_transfer_t out[8];
        size_t got = 0;
        char next[LEDGER_CURSOR_LEN];
        cr_assert_leq(page, 8u);
        cr_assert_eq(ledger_account_transfers(l, acct, cursor, out, page, &got, next), LEDGER_OK);
        for (size_t i = 0; i < got; i++, seen++) {
            cr_assert_lt(seen, n, "more rows than transfers");
            cr_assert(ledger_id_eq(out[i].id, want[n - 1 - seen]), "row %zu out of order", seen);
        }
        if (!next[0])
            break;
        memcpy(cursor, next, sizeof cursor);
    }
    cr_assert_eq(seen, n);
}

/* A batch whose commit fails (here: a row already holds the next seq, as if written behind the
 * batcher's back) is undone in memory, account history heads included, and reruns after the
 * stored seqs; every account's history is still exactly its transfers. */
static void lite_case_seq_taken(lc_env_t *e)
{
    ledger_id_t S = e->usd.settlement_account_id;
    ledger_id_t a = lc_account(e->l, &e->usd, 0), b = lc_account(e->l, &e->usd, 0);
    ledger_id_t of_a[8], of_b[8];
    size_t na = 0, nb = 0;
    ledger_op_t op = lc_xfer(S, a, 50);
    cr_assert_eq(lc_exec1(e->l, op), LEDGER_OK);
    of_a[na++] = op.id;
    /* the next seq, taken by a zero-amount row between the accounts of the first transfer */
    lite_exec(e->db, "INSERT INTO transfers (id, debit_account_id, credit_account_id, amount, "
                     "state, created_at, seq, merged) SELECT randomblob(16), debit_account_id, "
                     "credit_account_id, 0, 0, 0, (SELECT MAX(seq) + 1 FROM transfers), 0 FROM "
                     "transfers ORDER BY seq LIMIT 1");
    ledger_op_t ops[3] = {lc_xfer(a, b, 5), lc_xfer(b, a, 2), lc_xfer(S, b, 9)};
    ledger_result_t res[3];
    cr_assert_eq(ledger_transfers_execute(e->l, ops, 3, res), LEDGER_OK);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(res[i], LEDGER_OK, "op %d: %s", i, ledger_result_str(res[i]));
    ledger_stats_t st;
    ledger_stats(e->l, &st);
    cr_assert_geq(st.retries, 1u, "the clash reran the batch");
    of_a[na++] = ops[0].id;
    of_b[nb++] = ops[0].id;
    of_a[na++] = ops[1].id;
    of_b[nb++] = ops[1].id;
    of_b[nb++] = ops[2].id;
    op = lc_xfer(b, a, 1);
    cr_assert_eq(lc_exec1(e->l, op), LEDGER_OK);
    of_a[na++] = op.id;
    of_b[nb++] = op.id;
    lite_check_history(e->l, a, of_a, na, 2);
    lite_check_history(e->l, b, of_b, nb, 3);
    cr_assert_eq(lc_balance(e->l, a), 50 - 5 + 2 + 1);
    lc_check_invariants(e->db);
}

LITE_TEST(batch_rerun_after_a_taken_seq, lite_case_seq_taken(&E), NULL)

/* Many transfers of one account inside one batch link to each other in order, with and without
 * the account cache; a bad cursor (an id not at that seq, a seq not of the account) is refused. */
static void lite_case_chain_in_one_batch(lc_env_t *e)
{
    enum { N = 40 };
    ledger_id_t S = e->usd.settlement_account_id;
    ledger_id_t a = lc_account(e->l, &e->usd, 0), b = lc_account(e->l, &e->usd, 0);
    ledger_op_t ops[N];
    ledger_result_t res[N];
    ledger_id_t of_a[N], of_b[N];
    size_t na = 0, nb = 0;
    for (int i = 0; i < N; i++) {
        ops[i] = i == 0 ? lc_xfer(S, a, 1000) : i % 3 ? lc_xfer(a, b, 1) : lc_xfer(S, b, 2);
        if (i == 0 || i % 3)
            of_a[na++] = ops[i].id;
        if (i != 0)
            of_b[nb++] = ops[i].id;
    }
    cr_assert_eq(ledger_transfers_execute(e->l, ops, N, res), LEDGER_OK);
    for (int i = 0; i < N; i++)
        cr_assert_eq(res[i], LEDGER_OK);
    lite_check_history(e->l, a, of_a, na, 7);
    lite_check_history(e->l, b, of_b, nb, 8);
    ledger_transfer_t out[2];
    size_t n = 0;
    char next[LEDGER_CURSOR_LEN];
    cr_assert_eq(ledger_account_transfers(e->l, a, "", out, 2, &n, next), LEDGER_OK);
    cr_assert_eq(n, 2u);
    char good[LEDGER_CURSOR_LEN], bad[LEDGER_CURSOR_LEN], scratch[LEDGER_CURSOR_LEN];
    memcpy(good, next, sizeof good);
    memcpy(bad, next, sizeof bad);
    char *dot = strchr(bad, '.');
    dot[1] = dot[1] == '0' ? '1' : '0'; /* another id at the same seq */
    cr_assert_eq(ledger_account_transfers(e->l, a, bad, out, 2, &n, scratch),
                 LEDGER_CURSOR_INVALID);
    cr_assert_eq(ledger_account_transfers(e->l, S, good, out, 2, &n, scratch),
                 LEDGER_CURSOR_INVALID, "a cursor of another account's history");
    cr_assert_eq(ledger_account_transfers(e->l, a, good, out, 2, &n, scratch), LEDGER_OK);
    cr_assert_eq(n, 2u);
    lc_check_invariants(e->db);
}

LITE_TEST(chain_within_one_batch, lite_case_chain_in_one_batch(&E), NULL)
LITE_TEST(chain_within_one_batch_no_cache, lite_case_chain_in_one_batch(&E), &NO_CACHE)

/* A database written by the 001 schema (seq as time, history in transfer_history and the tail)
 * migrates to 002: every transfer reads back, histories come back whole and in order, counters
 * are intact, and new transfers continue the chains. The old rows are written with SQL here,
 * in the shapes the previous code wrote them. */
static void lite_bind_text_id(db_stmt_t *st, int i, ledger_id_t id)
{
    char s[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(id, s);
    db_bind_text(st, i, s, LEDGER_ID_STR_LEN);
}

/* A failed open (here: no schema) returns NULL with the reason and frees everything it made
 * (LeakSanitizer in `make check` would see it otherwise). */
Test(ledger_sqlite, open_without_schema_fails_cleanly)
{
    log_set_level(LOG_ERROR);
    db_err_t err = {0};
    db_t *db = db_open("sqlite::memory:", &err);
    cr_assert_not_null(db, "%s", err.msg);
    ledger_t *l = ledger_open(db, NULL, &err);
    cr_assert_null(l);
    cr_assert_neq(err.msg[0], '\0', "the reason is given");
    db_close(db);
}

Test(ledger_sqlite, migrates_a_001_database)
{
    log_set_level(LOG_WARN);
    char one[] = "/tmp/rafiki_mig_XXXXXX";
    cr_assert_not_null(mkdtemp(one));
    char full[512], link_from[600], link_to[600];
    cr_assert_eq(db_sql_dir(full, sizeof full), 0);
    char *abs_full = realpath(full, NULL);
    cr_assert_not_null(abs_full);
    snprintf(link_from, sizeof link_from, "%s/001_ledger.sql", abs_full);
    snprintf(link_to, sizeof link_to, "%s/001_ledger.sql", one);
    cr_assert_eq(symlink(link_from, link_to), 0);
    (void)lc_url(E.url, sizeof E.url);
    db_err_t err;
    db_opts_t o = {.pool_size = 4, .busy_timeout_ms = 5000, .sqlite_sync_normal = true};
    db_t *db = db_open_opts(E.url, &o, &err);
    cr_assert_not_null(db, "%s", err.msg);
    cr_assert_eq(db_migrate(db, one, NULL, &err), DB_OK, "%s", err.msg);

    /* an asset, its two accounts and wallets a, b (counter_key 1..4) */
    ledger_id_t asset = ledger_id_random(), liq = ledger_id_random(), S = ledger_id_random();
    ledger_id_t a = ledger_id_random(), b = ledger_id_random();
    ledger_id_t accts[4] = {liq, S, a, b};
    db_conn_t *c = db_acquire(db, DB_CONN_WRITE, &err);
    cr_assert_not_null(c);
    db_stmt_t *st = db_prepare(c,
                               "INSERT INTO assets (id, code, scale, liquidity_account_id, "
                               "settlement_account_id, created_at) VALUES (?, 'MIG', 2, ?, ?, 1)",
                               &err);
    cr_assert_not_null(st);
    lite_bind_text_id(st, 1, asset);
    lite_bind_text_id(st, 2, liq);
    lite_bind_text_id(st, 3, S);
    cr_assert_eq(db_run(st, &err), DB_OK, "%s", err.msg);
    for (int i = 0; i < 4; i++) {
        st = db_prepare(c,
                        "INSERT INTO accounts (id, asset_id, kind, no_min_balance, created_at, "
                        "updated_at, counter_key) VALUES (?, ?, ?, ?, 1, 1, ?)",
                        &err);
        cr_assert_not_null(st);
        lite_bind_text_id(st, 1, accts[i]);
        lite_bind_text_id(st, 2, asset);
        db_bind_i64(st, 3, i < 2 ? LEDGER_KIND_ASSET_LIQUIDITY + i : LEDGER_KIND_WALLET);
        db_bind_bool(st, 4, i < 2);
        db_bind_i64(st, 5, i + 1);
        cr_assert_eq(db_run(st, &err), DB_OK, "%s", err.msg);
    }
    /* six posted transfers at old-style seqs (ms << 12 | n); the first four merged */
    enum { T = 6 };
    struct {
        int dr, cr;
        uint64_t amount;
    } xs[T] = {{1, 2, 100}, {2, 3, 10}, {3, 2, 3}, {2, 3, 7}, {1, 3, 50}, {2, 3, 1}};
    ledger_id_t ids[T];
    int64_t seqs[T];
    uint64_t dposted[4] = {0}, cposted[4] = {0};
    for (int i = 0; i < T; i++) {
        ids[i] = ledger_id_random();
        seqs[i] = ((int64_t)1764000000000 + i) << 12 | i;
        dposted[xs[i].dr] += xs[i].amount;
        cposted[xs[i].cr] += xs[i].amount;
        st = db_prepare(c,
                        "INSERT INTO transfers (id, debit_account_id, credit_account_id, amount, "
                        "posted_amount, state, created_at, resolved_at, seq, merged, debit_key, "
                        "credit_key) VALUES (?, ?, ?, ?, ?, 0, 1, 1, ?, 0, ?, ?)",
                        &err);
        cr_assert_not_null(st);
        lstore_bind_xid(st, 1, ids[i]);
        lstore_bind_xid(st, 2, accts[xs[i].dr]);
        lstore_bind_xid(st, 3, accts[xs[i].cr]);
        db_bind_u64(st, 4, xs[i].amount);
        db_bind_u64(st, 5, xs[i].amount);
        db_bind_i64(st, 6, seqs[i]);
        db_bind_i64(st, 7, lstore_account_key(accts[xs[i].dr]));
        db_bind_i64(st, 8, lstore_account_key(accts[xs[i].cr]));
        cr_assert_eq(db_run(st, &err), DB_OK, "%s", err.msg);
        if (i >= 4)
            continue;
        st = db_prepare(c, "INSERT INTO transfer_ids (id, seq) VALUES (?, ?)", &err);
        lstore_bind_xid(st, 1, ids[i]);
        db_bind_i64(st, 2, seqs[i]);
        cr_assert_eq(db_run(st, &err), DB_OK, "%s", err.msg);
        for (int side = 0; side < 2; side++) {
            st = db_prepare(
                c, "INSERT INTO transfer_history (account_key, seq, id) VALUES (?, ?, ?)", &err);
            db_bind_i64(st, 1, lstore_account_key(accts[side ? xs[i].cr : xs[i].dr]));
            db_bind_i64(st, 2, seqs[i]);
            lstore_bind_xid(st, 3, ids[i]);
            cr_assert_eq(db_run(st, &err), DB_OK, "%s", err.msg);
        }
    }
    st = db_prepare(c, "UPDATE ledger_meta SET merged_seq = ? WHERE k = 1", &err);
    db_bind_i64(st, 1, seqs[3]);
    cr_assert_eq(db_run(st, &err), DB_OK, "%s", err.msg);
    for (int i = 0; i < 4; i++) {
        st = db_prepare(c,
                        "INSERT INTO account_counters (account_key, debits_pending, "
                        "debits_posted, credits_pending, credits_posted) VALUES (?, 0, ?, 0, ?)",
                        &err);
        db_bind_i64(st, 1, i + 1);
        db_bind_u64(st, 2, dposted[i]);
        db_bind_u64(st, 3, cposted[i]);
        cr_assert_eq(db_run(st, &err), DB_OK, "%s", err.msg);
    }
    db_release(c);

    int applied = 0;
    cr_assert_eq(db_migrate(db, abs_full, &applied, &err), DB_OK, "%s", err.msg);
    cr_assert_geq(applied, 1);
    ledger_t *l = ledger_open(db, NULL, &err);
    cr_assert_not_null(l, "%s", err.msg);
    for (int i = 0; i < T; i++) {
        ledger_transfer_t t;
        cr_assert_eq(ledger_transfer_get(l, ids[i], &t), LEDGER_OK, "transfer %d", i);
        cr_assert_eq(t.amount, xs[i].amount);
    }
    /* histories, then one more transfer on top of each */
    ledger_id_t of[4][T + 1];
    size_t n_of[4] = {0};
    for (int i = 0; i < T; i++) {
        of[xs[i].dr][n_of[xs[i].dr]++] = ids[i];
        of[xs[i].cr][n_of[xs[i].cr]++] = ids[i];
    }
    for (int k = 0; k < 4; k++)
        lite_check_history(l, accts[k], of[k], n_of[k], 2);
    ledger_op_t op = lc_xfer(b, a, 4);
    ledger_result_t r;
    cr_assert_eq(ledger_transfers_execute(l, &op, 1, &r), LEDGER_OK);
    cr_assert_eq(r, LEDGER_OK);
    of[2][n_of[2]++] = op.id;
    of[3][n_of[3]++] = op.id;
    for (int k = 0; k < 4; k++)
        lite_check_history(l, accts[k], of[k], n_of[k], 3);
    ledger_op_t again = {.kind = LEDGER_OP_CREATE,
                         .id = ids[1],
                         .debit_account_id = a,
                         .credit_account_id = b,
                         .amount = 10};
    cr_assert_eq(ledger_transfers_execute(l, &again, 1, &r), LEDGER_OK);
    cr_assert_eq(r, LEDGER_EXISTS, "a merged id stays taken");
    again.id = ids[5];
    again.amount = 1;
    cr_assert_eq(ledger_transfers_execute(l, &again, 1, &r), LEDGER_OK);
    cr_assert_eq(r, LEDGER_EXISTS, "a tail id stays taken");
    ledger_status_t s;
    cr_assert_eq(ledger_account_status(l, a, &s), LEDGER_OK);
    cr_assert_eq(s.balance, 100 - 10 + 3 - 7 - 1 + 4);
    lc_check_invariants(db);
    ledger_close(l);
    db_close(db);
    lite_cleanup();
    unlink(link_to);
    rmdir(one);
    free(abs_full);
}

/* The filter of stored ids is built beside the batcher after a reopen. Before it is ready every
 * id is looked up; ids stored meanwhile (and the tail's) must end up in it, else a retry of such
 * a transfer, merged out of the tail by then, would be taken for new and stored twice. */
static size_t lite_count_rows(db_t *db)
{
    db_err_t err;
    db_conn_t *c = db_acquire(db, DB_CONN_READ, &err);
    cr_assert_not_null(c);
    db_stmt_t *st = db_prepare(c, "SELECT COUNT(*) FROM transfers", &err);
    cr_assert_eq(db_step_one(st, &err), DB_ROW);
    size_t n = (size_t)db_col_i64(st, 0);
    db_release(c);
    return n;
}

static void lite_case_filter_built_late(lc_env_t *e)
{
    enum { OLD = 600, NEW = 300 };
    ledger_id_t S = e->usd.settlement_account_id;
    ledger_id_t a = lc_account(e->l, &e->usd, 0), b = lc_account(e->l, &e->usd, 0);
    ledger_op_t *old = calloc(OLD, sizeof *old), *fresh = calloc(NEW, sizeof *fresh);
    ledger_result_t *res = calloc(OLD, sizeof *res);
    cr_assert(old && fresh && res);
    for (int i = 0; i < OLD; i++)
        old[i] = i % 2 ? lc_xfer(a, b, 1) : lc_xfer(S, a, 3);
    for (int i = 0; i < OLD; i += 20)
        cr_assert_eq(ledger_transfers_execute(e->l, old + i, 20, res + i), LEDGER_OK);
    for (int i = 0; i < OLD; i++)
        cr_assert_eq(res[i], LEDGER_OK);
    ledger_close(e->l);
    db_err_t err;
    static atomic_bool gate;
    atomic_store(&gate, true);
    ledger_opts_t opts = {.merge_rows = 7, .test_filter_gate = &gate};
    e->l = ledger_open(e->db, &opts, &err);
    cr_assert_not_null(e->l, "%s", err.msg);
    /* before the filter: retries of old ids (merged and tail) and new transfers */
    for (int i = 0; i < OLD; i += 37)
        cr_assert_eq(lc_exec1(e->l, old[i]), LEDGER_EXISTS, "old %d", i);
    for (int i = 0; i < NEW; i++) {
        fresh[i] = lc_xfer(a, b, 1);
        cr_assert_eq(lc_exec1(e->l, fresh[i]), LEDGER_OK);
    }
    ledger_stats_t st;
    ledger_stats(e->l, &st);
    cr_assert(!st.id_filter_ready, "the gate holds the filter back");
    atomic_store(&gate, false);
    for (int waited = 0; !st.id_filter_ready && waited < 5000; waited += 10) {
        usleep(10000);
        ledger_stats(e->l, &st);
    }
    cr_assert(st.id_filter_ready);
    /* with the filter: every retry is recognised, none is stored twice */
    for (int i = 0; i < NEW; i++)
        cr_assert_eq(lc_exec1(e->l, fresh[i]), LEDGER_EXISTS, "new %d", i);
    for (int i = 0; i < OLD; i++)
        cr_assert_eq(lc_exec1(e->l, old[i]), LEDGER_EXISTS, "old %d", i);
    cr_assert_eq(lite_count_rows(e->db), (size_t)(OLD + NEW), "a transfer was stored twice");
    lc_check_invariants(e->db);
    free(old);
    free(fresh);
    free(res);
}

LITE_TEST(id_filter_built_after_reopen, lite_case_filter_built_late(&E), &MERGE_7)

/* Ids that share their top bits (time-ordered, like the connector's version-7 ids) all fall in
 * one bucket of the tail, which is then merged a step at a time (oldest first): every transfer
 * stays findable and unique, across a kill-free reopen and after it. */
static void lite_case_one_bucket(lc_env_t *e)
{
    enum { N = 7500, BATCH = 1500 }; /* batches larger than a step (1024 ids) */
    ledger_id_t S = e->usd.settlement_account_id;
    ledger_id_t a = lc_account(e->l, &e->usd, 0);
    ledger_op_t *ops = calloc(N, sizeof *ops);
    ledger_result_t *res = calloc(BATCH, sizeof *res);
    cr_assert(ops && res);
    for (int i = 0; i < N; i++) {
        ops[i] = lc_xfer(S, a, 1);
        ops[i].id.hi = 0x0190000000000000ull | (uint64_t)i << 16 | 0x7000u; /* one bucket */
    }
    for (int i = 0; i < N; i += BATCH) {
        cr_assert_eq(ledger_transfers_execute(e->l, ops + i, BATCH, res), LEDGER_OK);
        for (int k = 0; k < BATCH; k++)
            cr_assert_eq(res[k], LEDGER_OK);
        /* a retry of an earlier one, merged or not, is recognised */
        cr_assert_eq(lc_exec1(e->l, ops[i / 2]), LEDGER_EXISTS, "at %d", i);
    }
    ledger_stats_t st;
    ledger_stats(e->l, &st);
    cr_assert_geq(st.merges, (uint64_t)(N / BATCH - 1), "merged in steps");
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < N; i += 7) {
            ledger_transfer_t t;
            cr_assert_eq(ledger_transfer_get(e->l, ops[i].id, &t), LEDGER_OK, "%d", i);
            cr_assert_eq(lc_exec1(e->l, ops[i]), LEDGER_EXISTS, "%d", i);
        }
        ledger_close(e->l);
        db_err_t err;
        e->l = ledger_open(e->db, &MERGE_7, &err);
        cr_assert_not_null(e->l, "%s", err.msg);
    }
    cr_assert_eq(lite_count_rows(e->db), (size_t)N);
    cr_assert_eq(lc_history_count(e->l, a), (size_t)N);
    lc_check_invariants(e->db);
    free(ops);
    free(res);
}

LITE_TEST(ids_in_one_bucket_merge_in_steps, lite_case_one_bucket(&E), &MERGE_7)

/* Bytes of the test database's WAL file (0 when there is none). */
static long lite_wal_size(void)
{
    char p[160];
    snprintf(p, sizeof p, "%s-wal", lite_path);
    struct stat sb;
    return stat(p, &sb) == 0 ? (long)sb.st_size : 0;
}

/* Once the ledger has been idle for a while its checkpointer truncates the WAL a burst of
 * batches grew (db_idle_trim): the file no longer keeps its size (up to journal_size_limit, 64
 * MiB) until the next write. The ledger goes on after it. */
static void lite_case_wal_truncated_when_idle(lc_env_t *e)
{
    enum { N = 20000, BATCH = 500 };
    ledger_id_t S = e->usd.settlement_account_id;
    ledger_id_t a = lc_account(e->l, &e->usd, 0);
    ledger_op_t *ops = calloc(BATCH, sizeof *ops);
    ledger_result_t *res = calloc(BATCH, sizeof *res);
    long grown = 0;
    for (int i = 0; i < N; i += BATCH) {
        for (int k = 0; k < BATCH; k++)
            ops[k] = lc_xfer(S, a, 1);
        cr_assert_eq(ledger_transfers_execute(e->l, ops, BATCH, res), LEDGER_OK);
        long now = lite_wal_size();
        grown = now > grown ? now : grown;
    }
    cr_assert_gt(grown, 512 * 1024, "the burst's WAL: %ld bytes", grown);
    long left = lite_wal_size();
    for (int i = 0; i < 100 && left > 0; i++) { /* idle 1 s, checkpoints every 300 ms */
        usleep(100000);
        left = lite_wal_size();
    }
    cr_assert_eq(left, 0, "the WAL after 10 s idle: %ld bytes (the burst grew it to %ld)", left,
                 grown);
    cr_assert_eq(lc_exec1(e->l, lc_xfer(S, a, 1)), LEDGER_OK);
    cr_assert_eq(lc_balance(e->l, a), N + 1);
    lc_check_invariants(e->db);
    free(ops);
    free(res);
}

LITE_TEST(wal_truncated_when_idle, lite_case_wal_truncated_when_idle(&E), NULL)
