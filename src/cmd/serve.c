/*
 * `rafiki serve` and `rafiki migrate`: the process wiring.
 *
 * serve opens the database (creating the directory of a SQLite file), applies the migrations,
 * opens the cache (Redis when REDIS_URL is set, else in-process), opens the ledger with its
 * expiry sweeper and the connector, and starts the listeners: the admin API (ledger and peer
 * routes) on ADMIN_PORT, ILP-over-HTTP on CONNECTOR_PORT, and Open Payments (its routes come
 * with the backend); each answers /healthz. The liquidity monitor records liquidity_low
 * webhook events; with WEBHOOK_URL set, the webhook delivery worker sends them. SIGINT or SIGTERM
 * stops them in reverse order: listeners first (they wait for requests in progress), then the
 * connector, the ledger (it drains its queue), the cache and the database.
 *
 * Signals are blocked before any thread starts and taken with sigwait, so no thread is ever
 * interrupted by them and there is no race between checking a flag and sleeping.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "backend/admin.h"
#include "backend/admin_peers.h"
#include "backend/admin_liquidity.h"
#include "backend/admin_webhooks.h"
#include "backend/liquidity.h"
#include "backend/webhooks.h"
#include "connector/connector.h"
#include "base/log.h"
#include "cmd/cmd.h"
#include "http/server.h"
#include "ledger/ledger.h"
#include "store/cache.h"
#include "store/db.h"

/* How often the ledger voids pending transfers whose timeout has passed. */
#define SERVE_SWEEP_INTERVAL_MS 1000
/* Admin handlers wait for ledger commits on their worker thread; a few threads let several
 * requests share one group commit. */
#define SERVE_ADMIN_THREADS 8
/* How often watched balances are compared with their liquidity thresholds (liquidity.h). */
#define SERVE_LIQUIDITY_CHECK_MS 1000

typedef struct {
    config_t cfg;
    db_t *db;
    cache_t *cache;
    ledger_t *ledger;
    admin_ctx_t admin;
    connector_t *connector;
    webhooks_t *webhooks; /* NULL without WEBHOOK_URL */
    liquidity_monitor_t *liquidity;
    http_server_t *servers[3];
} app_t;

/* mkdir -p of the directory holding a sqlite:PATH database; false after logging why not. */
static bool sqlite_dir_create(const char *url)
{
    const char *path = url + strlen("sqlite:");
    if (strncmp(path, ":memory:", 8) == 0)
        return true;
    char dir[PATH_MAX];
    size_t n = strcspn(path, "?");
    if (n >= sizeof dir) {
        LOGE("DATABASE_URL: the path is too long");
        return false;
    }
    memcpy(dir, path, n);
    dir[n] = '\0';
    char *slash = strrchr(dir, '/');
    if (!slash)
        return true; /* a file in the working directory */
    *slash = '\0';
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
            LOGE("cannot create %s: %s", dir, strerror(errno));
            return false;
        }
        *p = '/';
    }
    if (dir[0] && mkdir(dir, 0755) != 0 && errno != EEXIST) {
        LOGE("cannot create %s: %s", dir, strerror(errno));
        return false;
    }
    return true;
}

/* Opens DATABASE_URL and applies pending migrations. */
static db_t *database_open(const config_t *cfg)
{
    if (strncmp(cfg->database_url, "sqlite:", 7) == 0 && !sqlite_dir_create(cfg->database_url))
        return NULL;
    db_err_t err;
    db_t *db = db_open(cfg->database_url, &err);
    if (!db) {
        LOGE("DATABASE_URL: cannot open the database: %s", err.msg);
        return NULL;
    }
    char dir[PATH_MAX];
    int applied = 0;
    if (db_sql_dir(dir, sizeof dir) != 0) {
        LOGE("no migrations directory: set RAFIKI_SQL_DIR or run from the repository");
        db_close(db);
        return NULL;
    }
    if (db_migrate(db, dir, &applied, &err) != DB_OK) {
        LOGE("migrations from %s failed: %s", dir, err.msg);
        db_close(db);
        return NULL;
    }
    LOGI("database ready (%s, %d migration%s applied)",
         db_kind(db) == DB_SQLITE ? "sqlite" : "postgres", applied, applied == 1 ? "" : "s");
    return db;
}

static http_server_t *listener(const config_t *cfg, const char *name, uint16_t port,
                               unsigned threads)
{
    http_server_config_t hc = {
        .host = cfg->bind_host, .port = port, .name = name, .threads = threads};
    env_err_t err;
    if (http_server_config_env(&hc, &err) != 0) {
        LOGE("%s", err.msg);
        return NULL;
    }
    return http_server_new(&hc);
}

/* Starts listening; false after logging why not. */
static bool listener_start(http_server_t *s, const config_t *cfg, const char *name)
{
    if (http_server_start(s) != 0) {
        LOGE("%s: cannot listen on %s (port in use?)", name, cfg->bind_host);
        return false;
    }
    return true;
}

/* The ILP connector: its pipeline, ILP-over-HTTP routes and the peers admin routes; false after
 * logging why they could not start. */
static bool connector_start(app_t *app)
{
    const config_t *cfg = &app->cfg;
    connector_config_t cc = {.ilp_address = cfg->ilp_address,
                             .ledger = app->ledger,
                             .db = app->db,
                             .counters = connector_counters_cache(app->cache)};
    memcpy(cc.stream_secret, cfg->stream_secret, sizeof cc.stream_secret);
    char err[256];
    if (connector_config_env(&cc, err, sizeof err) != 0 ||
        !(app->connector = connector_new(&cc, err, sizeof err))) {
        LOGE("connector: %s", err);
        return false;
    }
    if (connector_http_register(app->connector, app->servers[2]) != 0 ||
        admin_peers_register(app->servers[1], &app->admin, app->connector) != 0) {
        LOGE("connector: route registration failed");
        return false;
    }
    return true;
}

/* The liquidity monitor (it records liquidity_low events) and the webhook delivery worker,
 * when WEBHOOK_URL is set; false after logging why they could not start. */
static bool webhooks_begin(app_t *app)
{
    const config_t *cfg = &app->cfg;
    if (!(app->liquidity =
              liquidity_monitor_start(app->db, app->ledger, SERVE_LIQUIDITY_CHECK_MS))) {
        LOGE("liquidity: cannot start the monitor");
        return false;
    }
    if (!cfg->webhook_url) {
        LOGI("WEBHOOK_URL is not set: webhook events are recorded (GET /webhook-events) but not "
             "sent");
        return true;
    }
    const char *secret = cfg->signature_secret ? cfg->signature_secret : "";
    webhooks_config_t wc = {.url = cfg->webhook_url,
                            .secret = (const uint8_t *)secret,
                            .secret_len = strlen(secret),
                            .timeout_ms = cfg->webhook_timeout_ms,
                            .max_retry = cfg->webhook_max_retry};
    if (!(app->webhooks = webhooks_start(app->db, &wc)))
        return false;
    if (!*secret)
        LOGW("SIGNATURE_SECRET is not set: webhooks are sent without Rafiki-Signature");
    return true;
}

/* Opens the stores and the ledger and starts every listener; false after logging what failed
 * (app_stop then releases whatever did start). */
static bool app_start(app_t *app)
{
    const config_t *cfg = &app->cfg;
    if (!(app->db = database_open(cfg)))
        return false;
    cache_err_t cerr;
    cache_opts_t co;
    if (cache_opts_env(&co, &cerr) != 0) {
        LOGE("%s", cerr.msg);
        return -1;
    }
    if (!(app->cache = cache_open_opts(cfg->redis_url, &co, &cerr))) {
        LOGE("REDIS_URL: cannot open the cache: %s", cerr.msg);
        return false;
    }
    db_err_t derr;
    ledger_opts_t lo = {.sweep_interval_ms = SERVE_SWEEP_INTERVAL_MS};
    if (!(app->ledger = ledger_open(app->db, &lo, &derr))) {
        LOGE("cannot open the ledger: %s", derr.msg);
        return false;
    }
    app->admin.secret = cfg->admin_api_secret;
    app->admin.ledger = app->ledger;
    app->admin.db = app->db;
    app->admin.cache = app->cache;

    app->servers[0] = listener(cfg, "open-payments", cfg->open_payments_port, 0);
    app->servers[1] = listener(cfg, "admin", cfg->admin_port, SERVE_ADMIN_THREADS);
    app->servers[2] = listener(cfg, "connector", cfg->connector_port, 0);
    for (int i = 0; i < 3; i++)
        if (!app->servers[i])
            return false;
    if (admin_api_register(app->servers[1], &app->admin) != 0 ||
        admin_webhooks_register(app->servers[1], &app->admin) != 0 ||
        admin_liquidity_register(app->servers[1], &app->admin) != 0) {
        LOGE("admin: route registration failed");
        return false;
    }
    return connector_start(app) && webhooks_begin(app) &&
           listener_start(app->servers[0], cfg, "open-payments") &&
           listener_start(app->servers[1], cfg, "admin") &&
           listener_start(app->servers[2], cfg, "connector");
}

static void app_stop(app_t *app)
{
    for (int i = 0; i < 3; i++)
        http_server_stop(app->servers[i]);
    for (int i = 0; i < 3; i++)
        http_server_free(app->servers[i]);
    connector_free(app->connector);         /* after the listeners: no packet is in flight */
    liquidity_monitor_stop(app->liquidity); /* before the ledger: it reads balances */
    webhooks_stop(app->webhooks);
    ledger_close(app->ledger);
    cache_close(app->cache);
    db_close(app->db);
}

int cmd_serve(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        /* Every component runs in this process for now; --components is accepted for the
         * deployment manifests but the only value honoured is the full set. */
        if (strcmp(argv[i], "--components") == 0 && i + 1 < argc) {
            i++;
            continue;
        }
        fprintf(stderr, "rafiki serve: unknown argument %s\n", argv[i]);
        return 2;
    }
    static app_t app;
    memset(&app, 0, sizeof app);
    config_err_t cerr;
    if (config_load(&app.cfg, &cerr) != CONFIG_OK) {
        fprintf(stderr, "rafiki: %s\n", cerr.msg);
        return 2;
    }
    if (!app.cfg.admin_api_secret)
        LOGW("ADMIN_API_SECRET is not set: the admin API refuses every request");

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    int rc = 0;
    if (app_start(&app)) {
        LOGI("rafiki is up (ILP address %s)", app.cfg.ilp_address);
        int sig = 0;
        sigwait(&set, &sig);
        LOGI("%s: shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
    } else {
        rc = 1;
    }
    app_stop(&app);
    if (rc == 0)
        LOGI("stopped");
    return rc;
}

int cmd_migrate(int argc, char **argv)
{
    if (argc > 1) {
        fprintf(stderr, "rafiki migrate: unexpected argument %s\n", argv[1]);
        return 2;
    }
    config_t cfg;
    config_err_t cerr;
    if (config_load_database(&cfg, &cerr) != CONFIG_OK) {
        fprintf(stderr, "rafiki: %s\n", cerr.msg);
        return 2;
    }
    db_t *db = database_open(&cfg);
    if (!db)
        return 1;
    db_close(db);
    return 0;
}
