/*
 * Ledger throughput: single-phase transfers per second with 1, 8 and 64 concurrent submitters,
 * on SQLite (a temp file, WAL, synchronous=NORMAL) and on Postgres (TEST_POSTGRES_URL; skipped
 * with a line when unset). Each submitter sends one-op submissions asynchronously and keeps up
 * to WINDOW of them in flight (like a connector with many packets in flight); a second figure
 * is the synchronous path (one op per ledger_transfers_execute call, so bounded by latency).
 * Transfers go between ACCOUNTS accounts funded from the settlement account.
 *
 * Environment: BENCH_ONLY restricts the runs to those whose label ("sqlite async 8",
 * "postgres sync 64", ...) contains it as a substring, e.g. BENCH_ONLY=sqlite or
 * BENCH_ONLY="sqlite async". After the runs the ledger is reopened and the time that takes is
 * printed. BENCH_RUN_MS sets each run's length (default 2000). BENCH_MERGE_ROWS sets
 * ledger_opts_t.merge_rows (SQLite; default the ledger's).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/rand.h"
#include "ledger/ledger.h"
#include "store/db.h"

#define ACCOUNTS 1000
#define WINDOW   256
#define RUN_MS   2000 /* default; BENCH_RUN_MS sets it */

typedef struct {
    ledger_t *l;
    ledger_id_t *accts;
    bool sync;
    uint64_t seed;
    atomic_int inflight;
    atomic_ullong ok, failed;
    uint64_t deadline_ms;
    pthread_mutex_t mu;
    pthread_cond_t cv;
} sub_t;

static uint64_t xs(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void on_done(void *user, const ledger_result_t *r, size_t n)
{
    sub_t *s = user;
    for (size_t i = 0; i < n; i++) {
        if (r[i] == LEDGER_OK)
            atomic_fetch_add(&s->ok, 1);
        else
            atomic_fetch_add(&s->failed, 1);
    }
    /* wake the submitter only when it may be waiting: its window was full, or it is draining */
    int before = atomic_fetch_sub(&s->inflight, 1);
    if (before >= WINDOW || before == 1) {
        pthread_mutex_lock(&s->mu);
        pthread_cond_signal(&s->cv);
        pthread_mutex_unlock(&s->mu);
    }
}

/* A random version-4 id from the submitter's xorshift stream: as random as ledger_id_random for
 * the indexes, without a CSPRNG call per transfer competing with the ledger for the two cores. */
static ledger_id_t bench_id(sub_t *s)
{
    ledger_id_t id = {xs(&s->seed), xs(&s->seed)};
    id.hi = (id.hi & ~0xf000ull) | 0x4000ull;
    id.lo = (id.lo & 0x3fffffffffffffffull) | 0x8000000000000000ull;
    return id;
}

static ledger_op_t next_op(sub_t *s)
{
    uint64_t a = xs(&s->seed) % ACCOUNTS, b = (a + 1 + xs(&s->seed) % (ACCOUNTS - 1)) % ACCOUNTS;
    return (ledger_op_t){.kind = LEDGER_OP_CREATE,
                         .id = bench_id(s),
                         .debit_account_id = s->accts[a],
                         .credit_account_id = s->accts[b],
                         .amount = 1 + xs(&s->seed) % 10};
}

static void *submitter(void *arg)
{
    sub_t *s = arg;
    while (clock_mono_ms() < s->deadline_ms) {
        ledger_op_t op = next_op(s);
        if (s->sync) {
            ledger_result_t r;
            if (ledger_transfers_execute(s->l, &op, 1, &r) != LEDGER_OK || r != LEDGER_OK)
                atomic_fetch_add(&s->failed, 1);
            else
                atomic_fetch_add(&s->ok, 1);
            continue;
        }
        pthread_mutex_lock(&s->mu);
        while (atomic_load(&s->inflight) >= WINDOW)
            pthread_cond_wait(&s->cv, &s->mu);
        atomic_fetch_add(&s->inflight, 1);
        pthread_mutex_unlock(&s->mu);
        if (ledger_transfers_submit(s->l, &op, 1, on_done, s) != LEDGER_OK)
            abort();
    }
    pthread_mutex_lock(&s->mu);
    while (atomic_load(&s->inflight) > 0)
        pthread_cond_wait(&s->cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* CPU time of the whole process (every thread, user + system): a figure that the other load on
 * a shared machine disturbs much less than wall-clock throughput. */
static double cpu_secs(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static uint64_t run_ms(void)
{
    const char *v = getenv("BENCH_RUN_MS");
    return v && v[0] ? strtoull(v, NULL, 10) : RUN_MS;
}

static bool selected(const char *name, int n, bool sync)
{
    const char *only = getenv("BENCH_ONLY");
    if (!only || !only[0])
        return true;
    char label[64];
    snprintf(label, sizeof label, "%s %s %d", name, sync ? "sync" : "async", n);
    return strstr(label, only) != NULL;
}

static void run(const char *name, ledger_t *l, ledger_id_t *accts, int n, bool sync)
{
    if (!selected(name, n, sync))
        return;
    sub_t *subs = calloc((size_t)n, sizeof *subs);
    pthread_t *th = calloc((size_t)n, sizeof *th);
    ledger_stats_t before, after;
    ledger_stats(l, &before);
    double cpu0 = cpu_secs();
    uint64_t t0 = clock_mono_ns();
    for (int i = 0; i < n; i++) {
        subs[i].l = l;
        subs[i].accts = accts;
        subs[i].sync = sync;
        subs[i].seed = rand_u64() | 1; /* fresh ids in every run */
        subs[i].deadline_ms = clock_mono_ms() + run_ms();
        pthread_mutex_init(&subs[i].mu, NULL);
        pthread_cond_init(&subs[i].cv, NULL);
        pthread_create(&th[i], NULL, submitter, &subs[i]);
    }
    uint64_t ok = 0, failed = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(th[i], NULL);
        ok += atomic_load(&subs[i].ok);
        failed += atomic_load(&subs[i].failed);
    }
    double secs = (double)(clock_mono_ns() - t0) / 1e9;
    double cpu_us = (cpu_secs() - cpu0) * 1e6 / (double)(ok ? ok : 1);
    ledger_stats(l, &after);
    uint64_t batches = after.batches - before.batches;
    double db_share = (double)(after.commit_ns - before.commit_ns) / 1e9 / secs;
    printf("ledger %-8s %-5s submitters=%-3d transfers/s=%.0f ok=%llu rejected=%llu "
           "batches=%llu avg_batch=%.1f batcher_busy=%.0f%% cpu_us_per_transfer=%.1f "
           "ledger_ops=%llu merges=%llu max_batch_ms_since_open=%.1f\n",
           name, sync ? "sync" : "async", n, (double)ok / secs, (unsigned long long)ok,
           (unsigned long long)failed, (unsigned long long)batches,
           batches ? (double)(after.ops - before.ops) / (double)batches : 0.0, db_share * 100,
           cpu_us, (unsigned long long)after.ops,
           (unsigned long long)(after.merges - before.merges), (double)after.max_batch_ns / 1e6);
    fflush(stdout);
    free(subs);
    free(th);
}

static void bench_db(const char *name, const char *url)
{
    db_err_t err;
    db_opts_t o = {.pool_size = 4, .sqlite_sync_normal = true};
    db_t *db = db_open_opts(url, &o, &err);
    char dir[512];
    if (!db || db_sql_dir(dir, sizeof dir) != 0 || db_migrate(db, dir, NULL, &err) != DB_OK) {
        printf("ledger %s: cannot open/migrate: %s\n", name, err.msg);
        if (db)
            db_close(db);
        return;
    }
    ledger_opts_t lo = {0};
    if (getenv("BENCH_MERGE_ROWS"))
        lo.merge_rows = (uint32_t)strtoul(getenv("BENCH_MERGE_ROWS"), NULL, 10);
    ledger_t *l = ledger_open(db, &lo, &err);
    ledger_asset_t asset = {.scale = 2};
    snprintf(asset.code, sizeof asset.code, "B%llx", (unsigned long long)(rand_u64() & 0xffffff));
    if (!l || ledger_asset_create(l, &asset) != LEDGER_OK) {
        printf("ledger %s: setup failed\n", name);
        exit(1);
    }
    ledger_id_t *accts = calloc(ACCOUNTS, sizeof *accts);
    ledger_op_t *fund = calloc(ACCOUNTS, sizeof *fund);
    ledger_result_t *res = calloc(ACCOUNTS, sizeof *res);
    for (int i = 0; i < ACCOUNTS; i++) {
        ledger_account_t a = {.asset_id = asset.id, .kind = LEDGER_KIND_WALLET};
        if (ledger_account_create(l, &a) != LEDGER_OK)
            exit(1);
        accts[i] = a.id;
        fund[i] = (ledger_op_t){.kind = LEDGER_OP_CREATE,
                                .id = ledger_id_random(),
                                .debit_account_id = asset.settlement_account_id,
                                .credit_account_id = a.id,
                                .amount = 1000000000};
    }
    if (ledger_transfers_execute(l, fund, ACCOUNTS, res) != LEDGER_OK)
        exit(1);
    int counts[3] = {1, 8, 64};
    for (int i = 0; i < 3; i++)
        run(name, l, accts, counts[i], false);
    run(name, l, accts, 1, true);
    run(name, l, accts, 64, true);
    ledger_stats_t st;
    ledger_stats(l, &st);
    uint64_t c0 = clock_mono_ns();
    ledger_close(l);
    printf("ledger %-8s close with %llu transfers stored: %.0f ms\n", name,
           (unsigned long long)st.ops, (double)(clock_mono_ns() - c0) / 1e6);
    /* what a restart costs with the transfers above stored (SQLite: the tail and the Bloom
     * filter of every id are rebuilt) */
    uint64_t t0 = clock_mono_ns();
    l = ledger_open(db, &lo, &err);
    double ms = (double)(clock_mono_ns() - t0) / 1e6;
    if (l)
        printf("ledger %-8s open with %llu transfers stored: %.0f ms\n", name,
               (unsigned long long)st.ops, ms);
    ledger_close(l);
    db_close(db);
    free(accts);
    free(fund);
    free(res);
}

int main(void)
{
    log_set_level(LOG_WARN);
    char path[128], url[160];
    snprintf(path, sizeof path, "/tmp/ledger_bench_%d.db", (int)getpid());
    snprintf(url, sizeof url, "sqlite:%s", path);
    bench_db("sqlite", url);
    static const char *const suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        char p[160];
        snprintf(p, sizeof p, "%s%s", path, suffix[i]);
        unlink(p);
    }
    const char *pg = getenv("TEST_POSTGRES_URL");
    if (pg && pg[0])
        bench_db("postgres", pg);
    else
        printf("ledger postgres: skipped (TEST_POSTGRES_URL unset)\n");
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("ledger rss_max_kb=%ld\n", ru.ru_maxrss);
    return 0;
}
