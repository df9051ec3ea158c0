/*
 * What the benchmarks that drive a real `rafiki serve` process share: free ports, starting the
 * process on a fresh SQLite file (or a given database) with every listener on its own port,
 * admin API calls, and the server's RSS and CPU time from /proc.
 *
 * Header-only (each benchmark source is one program); the functions are static inline so that a
 * benchmark that does not use one sees no unused-function warning.
 */
#ifndef RAFIKI_BENCH_SERVE_H
#define RAFIKI_BENCH_SERVE_H

#include <arpa/inet.h>
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/resource.h>
#include <unistd.h>

#include "base/clock.h"
#include "http/client.h"

#define BENCH_SECRET "bench-admin-secret-0123456789abcdef"

/* The listeners of one process, in the order of the *_PORT variables below. */
enum { BP_OP = 0, BP_ADMIN, BP_CONN, BP_AUTH, BP_INTRO, BP_INTER, BP_AUTH_ADMIN, BENCH_PORTS };

typedef struct {
    pid_t pid;
    char admin[64]; /* base URL of the admin API */
    int ports[BENCH_PORTS];
    char dir[32]; /* its data directory under /tmp, removed when it stops */
} bench_node_t;

/* A port the kernel has just handed out (bound to 0, then closed). */
static inline int bench_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

/* Sends a request to n's admin API; returns the parsed body (NULL on failure) and *status. */
static inline json_t *bench_admin(http_client_t *c, const bench_node_t *n, const char *method,
                                  const char *path, const char *body, unsigned *status)
{
    char url[256];
    snprintf(url, sizeof url, "%s%s", n->admin, path);
    http_header_t h[] = {{"Content-Type", "application/json"},
                         {"Authorization", "Bearer " BENCH_SECRET}};
    http_client_req_t rq = {.method = method,
                            .url = url,
                            .headers = h,
                            .n_headers = 2,
                            .body = body ? SLICE_STR(body) : SLICE(NULL, 0),
                            .timeout_ms = 30000};
    http_client_resp_t out;
    *status = 0;
    if (http_client_do_sync(c, &rq, &out) != HTTP_CLIENT_OK)
        return NULL;
    *status = out.status;
    json_t *j = json_loadb((const char *)out.body.ptr, out.body.len, 0, NULL);
    http_client_resp_free(&out);
    return j;
}

/* Starts build/rafiki serve (RAFIKI_BIN) as n with ILP address ilp. db_url NULL: a fresh
 * SQLite file in a new directory, with sqlite_query appended ("?synchronous=normal" or "").
 * OPEN_PAYMENTS_URL and AUTH_SERVER_URL are http://127.0.0.1:<port>. extra_env: more
 * NAME=VALUE strings, NULL-terminated (may be NULL). Waits for the admin /healthz; 0 or -1. */
static inline int bench_server_start(http_client_t *c, bench_node_t *n, const char *ilp,
                                     const char *db_url, const char *sqlite_query,
                                     const char *const *extra_env)
{
    for (int i = 0; i < BENCH_PORTS; i++)
        n->ports[i] = bench_free_port();
    char *dir = n->dir;
    snprintf(n->dir, sizeof n->dir, "/tmp/rafiki-bench-XXXXXX");
    if (!mkdtemp(n->dir))
        return -1;
    snprintf(n->admin, sizeof n->admin, "http://127.0.0.1:%d", n->ports[BP_ADMIN]);
    const char *bin = getenv("RAFIKI_BIN") ? getenv("RAFIKI_BIN") : "build/rafiki";
    n->pid = fork();
    if (n->pid == 0) {
        static const char *const names[BENCH_PORTS] = {
            "OPEN_PAYMENTS_PORT", "ADMIN_PORT",       "CONNECTOR_PORT", "AUTH_PORT",
            "INTROSPECTION_PORT", "INTERACTION_PORT", "AUTH_ADMIN_PORT"};
        char p[16], url[512];
        for (int i = 0; i < BENCH_PORTS; i++) {
            snprintf(p, sizeof p, "%d", n->ports[i]);
            setenv(names[i], p, 1);
        }
        snprintf(url, sizeof url, "http://127.0.0.1:%d", n->ports[BP_OP]);
        setenv("OPEN_PAYMENTS_URL", url, 1);
        snprintf(url, sizeof url, "http://127.0.0.1:%d", n->ports[BP_AUTH]);
        setenv("AUTH_SERVER_URL", url, 1);
        snprintf(url, sizeof url, "%s", db_url ? db_url : "");
        if (!db_url)
            snprintf(url, sizeof url, "sqlite:%s/rafiki.db%s", dir, sqlite_query);
        setenv("DATABASE_URL", url, 1);
        setenv("ILP_ADDRESS", ilp, 1);
        setenv("ADMIN_API_SECRET", BENCH_SECRET, 1);
        setenv("STREAM_SECRET", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
               1);
        setenv("RAFIKI_DATA_DIR", dir, 1);
        setenv("LOG_LEVEL", "warn", 1);
        setenv("PAYMENT_FEES", "", 1);
        if (!getenv("RAFIKI_SQL_DIR"))
            setenv("RAFIKI_SQL_DIR", "sql", 1);
        for (const char *const *e = extra_env; e && *e; e++)
            putenv((char *)*e);
        execl(bin, bin, "serve", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200; i++) {
        unsigned st;
        json_t *j = bench_admin(c, n, "GET", "/healthz", NULL, &st);
        json_decref(j);
        if (st == 200)
            return 0;
        usleep(50000);
    }
    return -1;
}

static inline void bench_server_stop(bench_node_t *n)
{
    if (n->pid <= 0)
        return;
    kill(n->pid, SIGTERM);
    waitpid(n->pid, NULL, 0);
    n->pid = 0;
    /* its files (the database, WAL, generated secrets): flat, so one level */
    DIR *d = n->dir[0] ? opendir(n->dir) : NULL;
    for (struct dirent *e; d && (e = readdir(d));) {
        char path[320];
        snprintf(path, sizeof path, "%s/%s", n->dir, e->d_name);
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            unlink(path);
    }
    if (d) {
        closedir(d);
        rmdir(n->dir);
    }
    n->dir[0] = '\0';
}

/* VmRSS and VmHWM of process pid, in KiB (-1 when unknown). */
static inline void bench_server_rss(pid_t pid, long *rss, long *hwm)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    *rss = *hwm = -1;
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, "VmRSS:", 6) == 0)
            *rss = strtol(line + 6, NULL, 10);
        else if (strncmp(line, "VmHWM:", 6) == 0)
            *hwm = strtol(line + 6, NULL, 10);
    }
    if (f)
        fclose(f);
}

/* utime + stime of process pid, in clock ticks. */
static inline unsigned long long bench_server_cpu_ticks(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    unsigned long long ut = 0, st = 0;
    /* fields after the command: state(3) ... utime(14) stime(15); after the k-th space from
     * the ')' starts field k + 2 */
    for (int field = 3; p && field <= 15; field++) {
        p = strchr(p + 1, ' ');
        if (p && field == 14)
            ut = strtoull(p + 1, NULL, 10);
        if (p && field == 15)
            st = strtoull(p + 1, NULL, 10);
    }
    return ut + st;
}

/* ---- closed-loop load: T threads each doing one operation after the other ---- */

#define BENCH_THREADS_MAX 64
#define BENCH_LAT_MAX     (1u << 20)

/* One operation; 0 when it succeeded. */
typedef int (*bench_op_fn)(void *user);

typedef struct {
    double per_s;          /* successful operations per second */
    double p50_ms, p99_ms; /* latency of the successful ones */
    uint64_t ok, failed;
    long rss_kib, hwm_kib;   /* the server's, at the end */
    double server_cpu_ms_op; /* the server's CPU time per successful operation */
    double client_cpu_ms_op; /* this load generator's, per successful operation */
} bench_result_t;

typedef struct {
    bench_op_fn fn;
    void *user;
    atomic_bool running;
    atomic_uint_fast64_t ok, failed;
    atomic_size_t nlat;
    uint64_t *lat_us;
} bench_load_t;

static inline void *bench_load_thread(void *arg)
{
    bench_load_t *l = arg;
    while (atomic_load(&l->running)) {
        uint64_t t0 = clock_mono_ns();
        if (l->fn(l->user) != 0) {
            atomic_fetch_add(&l->failed, 1);
            continue;
        }
        atomic_fetch_add(&l->ok, 1);
        size_t i = atomic_fetch_add(&l->nlat, 1);
        if (i < BENCH_LAT_MAX)
            l->lat_us[i] = (clock_mono_ns() - t0) / 1000;
    }
    return NULL;
}

static inline int bench_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Runs fn on threads threads for seconds against the server process; 0, or -1 on OOM. */
static inline int bench_load(pid_t server, int threads, double seconds, bench_op_fn fn, void *user,
                             bench_result_t *out)
{
    static bench_load_t l;
    pthread_t t[BENCH_THREADS_MAX];
    if (threads > BENCH_THREADS_MAX)
        threads = BENCH_THREADS_MAX;
    l.fn = fn, l.user = user;
    l.lat_us = calloc(BENCH_LAT_MAX, sizeof *l.lat_us);
    if (!l.lat_us)
        return -1;
    atomic_store(&l.ok, 0);
    atomic_store(&l.failed, 0);
    atomic_store(&l.nlat, 0);
    atomic_store(&l.running, true);
    unsigned long long cpu0 = bench_server_cpu_ticks(server);
    struct rusage self0, self1;
    getrusage(RUSAGE_SELF, &self0);
    uint64_t t0 = clock_mono_ns();
    for (int i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, bench_load_thread, &l);
    usleep((useconds_t)(seconds * 1e6));
    atomic_store(&l.running, false);
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    double el = (double)(clock_mono_ns() - t0) / 1e9;
    unsigned long long cpu = bench_server_cpu_ticks(server) - cpu0;
    getrusage(RUSAGE_SELF, &self1);
    double self_ms = (double)(self1.ru_utime.tv_sec - self0.ru_utime.tv_sec +
                              self1.ru_stime.tv_sec - self0.ru_stime.tv_sec) *
                         1000.0 +
                     (double)(self1.ru_utime.tv_usec - self0.ru_utime.tv_usec +
                              self1.ru_stime.tv_usec - self0.ru_stime.tv_usec) /
                         1000.0;
    size_t n = atomic_load(&l.nlat) < BENCH_LAT_MAX ? atomic_load(&l.nlat) : BENCH_LAT_MAX;
    qsort(l.lat_us, n, sizeof l.lat_us[0], bench_cmp_u64);
    out->ok = atomic_load(&l.ok);
    out->failed = atomic_load(&l.failed);
    out->per_s = (double)out->ok / el;
    out->p50_ms = n ? (double)l.lat_us[n / 2] / 1000 : 0.0;
    out->p99_ms = n ? (double)l.lat_us[n * 99 / 100] / 1000 : 0.0;
    bench_server_rss(server, &out->rss_kib, &out->hwm_kib);
    double cpu_ms = (double)cpu * 1000.0 / (double)sysconf(_SC_CLK_TCK);
    out->server_cpu_ms_op = out->ok ? cpu_ms / (double)out->ok : 0.0;
    out->client_cpu_ms_op = out->ok ? self_ms / (double)out->ok : 0.0;
    free(l.lat_us);
    l.lat_us = NULL;
    return 0;
}

#endif
