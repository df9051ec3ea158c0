/*
 * `rafiki serve` and `rafiki migrate`: the process wiring.
 *
 * serve opens the database (creating the directory of a SQLite file), applies the migrations,
 * opens the cache (Redis when REDIS_URL is set, else in-process), opens the ledger with its
 * expiry sweeper and the connector, and starts the listeners: the admin API (ledger and peer
 * routes, wallet addresses and incoming payments) on ADMIN_PORT, ILP-over-HTTP on CONNECTOR_PORT,
 * and Open Payments (wallet address documents, SPSP, key sets) on OPEN_PAYMENTS_PORT, and with
 * ENABLE_AUTO_PEERING Rafiki's auto-peering server on AUTO_PEERING_SERVER_PORT; each answers
 * /healthz. The incoming and outgoing payment workers run beside them (quotes and
 * outgoing payments are admin routes too), the liquidity monitor records liquidity_low webhook
 * events, and with WEBHOOK_URL set the webhook delivery worker sends events.
 * SIGINT or SIGTERM stops them in reverse order: listeners first (they wait for requests in
 * progress), then the connector, the ledger (it drains its queue), the cache and the database.
 *
 * --components splits the process by role, as Rafiki's packages are split: `backend` (admin
 * API, connector, Open Payments resource server, the payment, liquidity and webhook workers)
 * and `auth` (the GNAP authorization server, token introspection, the interaction API and the
 * consent screens); default both. A backend without auth in its process asks the
 * authorization server's introspection listener over HTTP (AUTH_SERVER_INTROSPECTION_URL).
 * The processes share the database (Postgres) and the cache (Redis, for the replay guard).
 * The auth component also serves Rafiki's auth Admin GraphQL API on AUTH_ADMIN_PORT.
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
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auth/auth.h"
#include "auth/auth_remote.h"
#include "web/console.h"
#include "web/consent.h"
#include "web/login.h"
#include "admin/admin_users.h"
#include "payments/users.h"
#include "web/wallet_ui.h"
#include "admin/admin.h"
#include "admin/admin_peers.h"
#include "payments/incoming_payment.h"
#include "payments/op_client.h"
#include "payments/partial_decision.h"
#include "openpay/op_resource.h"
#include "openpay/op_server.h"
#include "admin/admin_outgoing.h"
#include "admin/admin_payment_liquidity.h"
#include "admin/admin_payments.h"
#include "admin/admin_gql.h"
#include "admin/admin_autopeer.h"
#include "admin/admin_liquidity.h"
#include "admin/admin_fees.h"
#include "admin/admin_tenants.h"
#include "admin/admin_webhooks.h"
#include "payments/liquidity.h"
#include "payments/metrics.h"
#include "payments/tenants.h"
#include "payments/webhooks.h"
#include "connector/connector.h"
#include "base/log.h"
#include "base/metrics.h"
#include "cmd/cmd.h"
#include "http/offload.h"
#include "http/server.h"
#include "ledger/ledger.h"
#include "store/cache.h"
#include "store/db.h"

/* How often the ledger voids pending transfers whose timeout has passed. */
#define SERVE_SWEEP_INTERVAL_MS 1000
/* Admin, Open Payments and auth handlers wait for the database (ledger commits, grouped write
 * transactions, key fetches) on their worker thread; a few threads per listener let several
 * requests share one group commit. The connector's handlers never block (default: one per
 * core). */
#define SERVE_BLOCKING_THREADS 16
/* How often the incoming payment worker expires, completes and settles payments. */
#define SERVE_INCOMING_WORKER_MS 200
/* How often watched balances are compared with their liquidity thresholds (liquidity.h). */
#define SERVE_LIQUIDITY_CHECK_MS 1000
/* Bound of one GET /metrics answer. */
#define SERVE_METRICS_MAX (4u << 20)

/* What a process runs (--components). */
enum {
    COMP_BACKEND = 1u << 0,
    COMP_AUTH = 1u << 1,
    COMP_ALL = COMP_BACKEND | COMP_AUTH,
};

/* The listeners of one process, by role. */
enum {
    SRV_OP = 0,
    SRV_ADMIN,
    SRV_CONNECTOR,
    SRV_AUTH,
    SRV_INTROSPECTION,
    SRV_INTERACTION,
    SRV_AUTH_ADMIN,
    SRV_AUTO_PEERING, /* ENABLE_AUTO_PEERING only */
    SRV_COUNT
};

typedef struct {
    config_t cfg;
    unsigned components; /* COMP_* */
    db_t *db;
    cache_t *cache;
    ledger_t *ledger;
    admin_ctx_t admin;
    connector_t *connector;
    wallet_ctx_t wallet;
    incoming_payment_worker_t *incoming_worker;
    quote_svc_t quotes;
    http_client_t *spsp_client;   /* SPSP requests of remote quotes */
    op_client_t *op_client;       /* remote incoming payments (Open Payments client) */
    char *instance_jwks;          /* the key set of the instance's client wallet address */
    op_sig_t *sig;                /* signed Open Payments requests: client keys, replay guard */
    auth_t *auth;                 /* the GNAP authorization server (COMP_AUTH) */
    auth_remote_t *auth_remote;   /* introspection over HTTP (COMP_BACKEND without COMP_AUTH) */
    op_resource_config_t rs;      /* the Open Payments resource server */
    op_server_config_t op_server; /* wallet address documents, SPSP, key sets */
    login_t *login;               /* sign-in limits and form tokens of the auth port's pages */
    consent_config_t consent;     /* the built-in login and consent screens */
    wallet_ui_config_t wallet_ui; /* the wallet's own pages (all components in one process) */
    login_t *console_login;       /* sign-in limits and form tokens of the operator console */
    console_config_t console;     /* the operator console on the admin port (COMP_BACKEND) */
    outgoing_payments_t *outgoing;
    webhooks_t *webhooks;        /* the delivery worker (always started) */
    partial_decision_t *partial; /* ENABLE_PARTIAL_PAYMENT_DECISION; NULL: off */
    liquidity_monitor_t *liquidity;
    admin_gql_t gql;     /* Rafiki's Admin GraphQL API on the admin port */
    autopeer_t autopeer; /* auto-peering: createOrUpdatePeerByUrl and SRV_AUTO_PEERING */
    http_server_t *servers[SRV_COUNT];
    admin_gql_t auth_gql;                        /* the auth Admin GraphQL API on SRV_AUTH_ADMIN */
    char operator_tenant[PAY_TENANT_ID_LEN + 1]; /* the operator tenant's id (tenants.h) */
    pay_tenant_rates_t tenant_rates;             /* quotes at a tenant's own rates */
    http_offload_t *op_waits; /* Open Payments creates waiting for approval (NULL: none) */
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

/* limits: the HTTP_* settings every listener shares (http_server_config_env). */
static http_server_t *listener(const config_t *cfg, const http_server_config_t *limits,
                               const char *name, uint16_t port, unsigned threads)
{
    http_server_config_t hc = *limits;
    hc.host = cfg->bind_host;
    hc.port = port;
    hc.name = name;
    hc.threads = threads;
    /* request ids for the APIs; ILP packets (the connector) carry none, at no cost */
    hc.request_ids = strcmp(name, "connector") != 0;
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
    connector_err_t err;
    if (connector_config_env(&cc, &err) != CONNECTOR_OK ||
        !(app->connector = connector_new(&cc, &err))) {
        LOGE("connector: %s", err.msg);
        return false;
    }
    if (connector_http_register(app->connector, app->servers[SRV_CONNECTOR]) != 0 ||
        admin_peers_register(app->servers[SRV_ADMIN], &app->admin, app->connector) != 0) {
        LOGE("connector: route registration failed");
        return false;
    }
    return true;
}

/* The wallet addresses of the database, as the resource and authorization servers read them
 * (the STREAM receiver only with the connector in this process). */
static void wallet_init(app_t *app)
{
    const config_t *cfg = &app->cfg;
    app->wallet =
        (wallet_ctx_t){.db = app->db,
                       .ledger = app->ledger,
                       .op_url = cfg->open_payments_url,
                       .auth_url = cfg->auth_server_url,
                       .receiver = app->connector ? connector_receiver(app->connector) : NULL,
                       .incoming_expiry_max_ms = cfg->incoming_payment_expiry_max_ms,
                       .rafiki_funding = cfg->rafiki_funding,
                       .withdrawal_throttle = cfg->withdrawal_throttle,
                       .withdrawal_throttle_delay_ms = cfg->withdrawal_throttle_delay_ms,
                       .approval_poll = cfg->approval_poll,
                       .approval_poll_timeout_ms = cfg->approval_poll_timeout_ms,
                       .approval_poll_frequency_ms = cfg->approval_poll_frequency_ms,
                       .partial_decision = cfg->partial_decision};
}

/* Wallet addresses and incoming payments: admin routes and the worker. */
static bool payments_start(app_t *app)
{
    wallet_init(app);
    if (admin_wallet_addresses_register(app->servers[SRV_ADMIN], &app->admin, &app->wallet) != 0 ||
        admin_incoming_register(app->servers[SRV_ADMIN], &app->admin, &app->wallet) != 0) {
        LOGE("payments: route registration failed");
        return false;
    }
    app->incoming_worker = incoming_payment_worker_start(&app->wallet, SERVE_INCOMING_WORKER_MS);
    if (!app->incoming_worker) {
        LOGE("payments: cannot start the incoming payment worker");
        return false;
    }
    return true;
}

/* Rafiki's partial payment decision: the connector holds a local packet with data for it. */
static bool partial_decision_begin(app_t *app)
{
    const config_t *cfg = &app->cfg;
    if (!cfg->partial_decision)
        return true;
    app->partial = partial_decision_start(
        &(partial_decision_config_t){.wallet = &app->wallet,
                                     .cache = app->cache,
                                     .webhooks = app->webhooks,
                                     .max_wait_ms = cfg->partial_decision_max_wait_ms,
                                     .margin_ms = cfg->partial_decision_margin_ms});
    if (!app->partial) {
        LOGE("payments: cannot start the partial payment decision");
        return false;
    }
    connector_set_partial_decision(app->connector, partial_decision_ask, app->partial);
    return true;
}

/* The instance's Open Payments client key: loaded, or in development created on first use;
 * the client that reads remote incoming payments with it; its key set on the Open Payments
 * port. */
static bool op_client_start(app_t *app)
{
    const config_t *cfg = &app->cfg;
    uint8_t seed[HTTPSIG_ED25519_LEN];
    const char *path = cfg->private_key_file;
    bool created = false;
    op_key_result_t kr = OP_KEY_OK;
    if (cfg->key_generate && access(path, F_OK) != 0) {
        char dir[sizeof cfg->private_key_file];
        snprintf(dir, sizeof dir, "%s", path);
        char *slash = strrchr(dir, '/');
        if (slash) {
            *slash = '\0';
            (void)mkdir(dir, 0700); /* the data directory; an error shows in the next step */
        }
        /* another process on the same data directory may create it first: then load theirs */
        kr = op_key_generate(path, seed);
        created = kr == OP_KEY_OK;
        if (!created && access(path, F_OK) != 0) {
            LOGE("client key: %s: %s (%s)", path, op_key_result_str(kr), strerror(errno));
            return false;
        }
    }
    if (created)
        LOGW("PRIVATE_KEY_FILE is not set: created %s for this instance's Open Payments "
             "requests (development)",
             path);
    else if ((kr = op_key_load(path, seed)) != OP_KEY_OK) {
        LOGE("%s: %s: %s%s%s", cfg->key_generate ? "client key" : "PRIVATE_KEY_FILE", path,
             op_key_result_str(kr), kr == OP_KEY_CANNOT_OPEN ? ": " : "",
             kr == OP_KEY_CANNOT_OPEN ? strerror(errno) : "");
        return false;
    }
    char client_url[sizeof cfg->open_payments_url + sizeof OP_CLIENT_PATH];
    snprintf(client_url, sizeof client_url, "%s%s", cfg->open_payments_url, OP_CLIENT_PATH);
    app->op_client = op_client_new(seed, cfg->key_id, client_url);
    app->instance_jwks = op_key_jwks_json(seed, cfg->key_id);
    memset(seed, 0, sizeof seed);
    if (!app->op_client || !app->instance_jwks) {
        LOGE("open payments client: cannot start");
        return false;
    }
    app->wallet.instance_jwks = app->instance_jwks;
    return true;
}

/* Quotes and outgoing payments: admin routes and the payment workers. */
static bool outgoing_start(app_t *app)
{
    const config_t *cfg = &app->cfg;
    app->tenant_rates = (pay_tenant_rates_t){.db = app->db, .connector = app->connector};
    app->quotes = (quote_svc_t){.ledger = app->ledger,
                                .db = app->db,
                                .dir = quote_directory_wallets(&app->wallet),
                                .fees = cfg->payment_fees,
                                .slippage_ppm = cfg->slippage_ppm,
                                .lifespan_ms = cfg->quote_lifespan_ms,
                                .connector = app->connector,
                                .rates = connector_rates(app->connector),
                                .rates_for = pay_tenant_rates_for_wallet,
                                .rates_for_ctx = &app->tenant_rates,
                                .http = app->spsp_client = http_client_new(NULL),
                                .remote_incoming = op_client_incoming_get,
                                .remote_incoming_ctx = app->op_client};
    outgoing_payments_config_t oc = {.quotes = &app->quotes,
                                     .workers = cfg->outgoing_payment_workers,
                                     .lease_ms = cfg->outgoing_payment_lease_ms,
                                     .handoff = true,
                                     .rafiki_funding = cfg->rafiki_funding};
    if (!app->spsp_client || !(app->outgoing = outgoing_payments_new(&oc)) ||
        admin_outgoing_register(app->servers[SRV_ADMIN], &app->admin, app->outgoing) != 0 ||
        admin_payment_liquidity_register(app->servers[SRV_ADMIN], &app->admin, app->outgoing,
                                         &app->wallet) != 0 ||
        outgoing_payments_start(app->outgoing) != 0) {
        LOGE("outgoing payments: cannot start");
        return false;
    }
    return true;
}

/* Rafiki's auto-peering: what createOrUpdatePeerByUrl sends, and its server's route when
 * ENABLE_AUTO_PEERING made the listener. */
static bool auto_peering_start(app_t *app)
{
    const config_t *cfg = &app->cfg;
    app->autopeer = (autopeer_t){.db = app->db,
                                 .ledger = app->ledger,
                                 .reg = connector_peers(app->connector),
                                 .http = app->spsp_client,
                                 .ilp_address = cfg->ilp_address,
                                 .connector_url = cfg->ilp_connector_url,
                                 .instance_name = cfg->instance_name,
                                 .tenant_id = app->operator_tenant};
    if (app->servers[SRV_AUTO_PEERING] &&
        admin_autopeer_register(app->servers[SRV_AUTO_PEERING], &app->autopeer) != 0) {
        LOGE("auto-peering: route registration failed");
        return false;
    }
    return true;
}

/* Rafiki's Admin GraphQL API (POST /graphql on the admin port), over the same domain as the
 * REST routes. */
static bool graphql_start(app_t *app)
{
    const config_t *cfg = &app->cfg;
    if (!auto_peering_start(app))
        return false;
    app->gql = (admin_gql_t){
        .admin = &app->admin,
        .connector = app->connector,
        .wallet = &app->wallet,
        .outgoing = app->outgoing,
        .quotes = &app->quotes,
        .autopeer = &app->autopeer,
        .sig = {.cache = app->cache,
                .version = cfg->admin_signature_version,
                .ttl_s = cfg->admin_signature_ttl_s},
        .operator_tenant_id = app->operator_tenant,
        .ilp_address = cfg->ilp_address,
        .allow_http_wallet_addresses = cfg->wallet_address_allow_http,
        .limits = {.no_introspection = cfg->production}, /* as Rafiki in production */
    };
    if (admin_gql_register(app->servers[SRV_ADMIN], &app->gql) != 0) {
        LOGE("graphql: cannot serve the admin GraphQL API");
        return false;
    }
    return true;
}

/* The authorization server's ports (COMP_AUTH); its introspection in-process for this
 * process's resource server. */
static bool auth_start(app_t *app)
{
    const config_t *cfg = &app->cfg;
    auth_config_t ac = {.db = app->db,
                        .cache = app->cache,
                        .sig = app->sig,
                        .auth_url = cfg->auth_server_url,
                        .consent_url = cfg->identity_server_url,
                        .idp_secret = cfg->idp_secret,
                        .token_expiry_s = cfg->access_token_expiry_s,
                        .wait_s = cfg->wait_s,
                        .interaction_expiry_s = cfg->interaction_expiry_s,
                        .pending_grants_max = cfg->pending_grants_max,
                        .list_all_interaction = cfg->list_all_interaction,
                        .incoming_payment_interaction = cfg->incoming_payment_interaction,
                        .quote_interaction = cfg->quote_interaction};
    if (!(app->auth = auth_new(&ac))) {
        LOGE("auth: cannot start");
        return false;
    }
    login_opts_t lo;
    env_err_t eerr;
    if (login_opts_env(&lo, &eerr) != ENV_OK) {
        LOGE("%s", eerr.msg);
        return false;
    }
    app->login = login_new(app->cache, app->db, cfg->idp_secret, &lo);
    app->consent = (consent_config_t){.auth = app->auth,
                                      .db = app->db,
                                      .wallet = &app->wallet,
                                      .login = app->login,
                                      .auth_url = cfg->auth_server_url};
    if (auth_register_grants(app->auth, app->servers[SRV_AUTH]) != 0 ||
        auth_register_introspection(app->auth, app->servers[SRV_INTROSPECTION]) != 0 ||
        auth_register_idp(app->auth, app->servers[SRV_INTERACTION]) != 0 ||
        consent_register(app->servers[SRV_AUTH], &app->consent) != 0 ||
        auth_register_tenant_grants(app->auth, app->servers[SRV_AUTH]) != 0) {
        LOGE("auth: route registration failed");
        return false;
    }
    return true;
}

/* Rafiki's auth Admin GraphQL API (schema/graphql/auth.graphql: grants, revokeGrant) on
 * AUTH_ADMIN_PORT, behind the same `signature` check as the backend's (ADMIN_API_SECRET). */
static bool auth_admin_start(app_t *app)
{
    static const admin_gql_family_t *const families[] = {&admin_gql_grants};
    const config_t *cfg = &app->cfg;
    app->auth_gql = (admin_gql_t){
        .admin = &app->admin,
        .auth = app->auth,
        .sig = {.cache = app->cache,
                .version = cfg->admin_signature_version,
                .ttl_s = cfg->admin_signature_ttl_s},
        .operator_tenant_id = app->operator_tenant,
        .limits = {.no_introspection = cfg->production}, /* as Rafiki in production */
        .sdl = admin_gql_auth_sdl,
        .sdl_len = admin_gql_auth_sdl_len,
        .families = families,
        .n_families = 1,
    };
    if (admin_gql_register(app->servers[SRV_AUTH_ADMIN], &app->auth_gql) != 0) {
        LOGE("auth admin: GraphQL registration failed");
        return false;
    }
    return true;
}

/* The Open Payments port (COMP_BACKEND): the resource server, then wallet address documents,
 * SPSP and key sets (op_server_register, whose catch-all routes come last); users on the admin
 * port. Introspection in-process when the authorization server runs here, else over HTTP. */
static bool resource_server_start(app_t *app)
{
    const config_t *cfg = &app->cfg;
    op_introspect_fn introspect = auth_introspect;
    void *introspect_user = app->auth;
    if (!app->auth) {
        char url[sizeof cfg->introspection_url];
        if (cfg->introspection_url[0])
            snprintf(url, sizeof url, "%s", cfg->introspection_url);
        else
            snprintf(url, sizeof url, "http://127.0.0.1:%u/", (unsigned)cfg->introspection_port);
        if (!(app->auth_remote = auth_remote_new(url))) {
            LOGE("open payments: cannot start the introspection client");
            return false;
        }
        LOGI("open payments: tokens are introspected at %s", url);
        introspect = auth_introspect_remote;
        introspect_user = app->auth_remote;
    }
    /* creates that wait for the wallet's approval run off the listener's threads */
    if (app->cfg.approval_poll && !(app->op_waits = http_offload_new("open-payments", 8))) {
        LOGE("open payments: cannot start the threads of waiting creates");
        return false;
    }
    app->rs = (op_resource_config_t){
        .wallet = &app->wallet,
        .payments = app->outgoing,
        .sig = app->sig,
        .introspect = introspect,
        .introspect_user = introspect_user,
        .waits = app->op_waits,
    };
    app->op_server = (op_server_config_t){
        .wallet = &app->wallet,
        .poll_not_found = app->cfg.wallet_address_poll,
        .lookup_timeout_ms = app->cfg.wallet_address_lookup_timeout_ms,
        .poll_frequency_ms = app->cfg.wallet_address_poll_ms,
    };
    if (admin_users_register(app->servers[SRV_ADMIN], &app->admin, &app->wallet) != 0 ||
        op_resource_register(app->servers[SRV_OP], &app->rs) != 0 ||
        op_server_register(app->servers[SRV_OP], &app->op_server) != 0) {
        LOGE("open payments: route registration failed");
        return false;
    }
    return true;
}

/* The liquidity monitor (it records liquidity_low events) and the webhook delivery worker,
 * which runs always: tenants may have their own WEBHOOK_URL even when the instance has none (it
 * idles, reading the tenants' settings every few seconds, while nobody has one); false after
 * logging why they could not start. */
static bool webhooks_begin(app_t *app)
{
    const config_t *cfg = &app->cfg;
    if (!(app->liquidity =
              liquidity_monitor_start(app->db, app->ledger, SERVE_LIQUIDITY_CHECK_MS))) {
        LOGE("liquidity: cannot start the monitor");
        return false;
    }
    if (!cfg->webhook_url)
        LOGI("WEBHOOK_URL is not set: webhook events are recorded (GET /webhook-events) and sent "
             "only to tenants with their own WEBHOOK_URL setting");
    const char *secret = cfg->signature_secret ? cfg->signature_secret : "";
    webhooks_config_t wc = {.url = cfg->webhook_url,
                            .secret = (const uint8_t *)secret,
                            .secret_len = strlen(secret),
                            .timeout_ms = cfg->webhook_timeout_ms,
                            .max_retry = cfg->webhook_max_retry};
    if (!(app->webhooks = webhooks_start(app->db, &wc)))
        return false;
    if (!*secret && cfg->webhook_url)
        LOGW("SIGNATURE_SECRET is not set: webhooks are sent without Rafiki-Signature");
    return true;
}

/* ---- operations: /metrics and /readyz ---- */

/* The process's resident memory in bytes (0 when /proc cannot tell). */
static uint64_t rss_bytes(void)
{
    unsigned long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%lu %lu", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* GET /metrics (bearer ADMIN_API_SECRET): every layer's metrics in the Prometheus text format. */
static http_handler_result_t metrics_route(http_req_t *req, void *user)
{
    app_t *app = user;
    if (!admin_authorized(&app->admin, http_req_header(req, "Authorization"))) {
        http_req_add_header(req, "WWW-Authenticate", "Bearer");
        http_respond_error(req, 401, "unauthorized",
                           "missing or wrong bearer token (Authorization: Bearer "
                           "$ADMIN_API_SECRET)");
        return HTTP_DONE;
    }
    buf_t b;
    buf_init(&b, SERVE_METRICS_MAX);
    int rc = http_server_metrics_write(app->servers, SRV_COUNT, &b);
    if (rc == 0 && app->connector)
        rc = connector_metrics_write(app->connector, &b);
    if (rc == 0 && (app->components & COMP_BACKEND))
        rc = backend_metrics_write(app->db, app->webhooks, &b);
    if (rc == 0)
        rc = ledger_metrics_write(app->ledger, &b);
    if (rc == 0)
        rc = login_metrics_write(app->login, &b);
    if (rc == 0)
        rc = metrics_family(&b, "rafiki_process_resident_bytes", "gauge", "resident memory");
    if (rc == 0)
        rc = metrics_sample_u64(&b, "rafiki_process_resident_bytes", "", rss_bytes());
    if (rc == 0)
        http_respond(req, 200, "text/plain; version=0.0.4; charset=utf-8", b.ptr, b.len);
    else
        http_respond_error(req, 500, "internal", "metrics larger than the answer's bound");
    buf_free(&b);
    return HTTP_DONE;
}

/* GET /readyz: 200 when this process can do its work (the database answers, holds every
 * migration of this binary's sql/ files, its workers run), else 503 with the reason. /healthz
 * only says the process is alive. */
static const char *not_ready(app_t *app, db_err_t *e);

static http_handler_result_t readyz_route(http_req_t *req, void *user)
{
    db_err_t e = {0};
    const char *why = not_ready(user, &e);
    json_t *doc = why ? json_pack("{s:s,s:s}", "status", "not_ready", "reason", why)
                      : json_pack("{s:s}", "status", "ready");
    http_respond_json(req, why ? 503 : 200, doc);
    json_decref(doc);
    if (why)
        LOGW("readyz: %s%s%s", why, e.msg[0] ? ": " : "", e.msg);
    return HTTP_DONE;
}

/* Why this process is not ready (NULL: it is), with the database's error in *e. */
static const char *not_ready(app_t *app, db_err_t *e)
{
    const char *why = NULL;
    db_conn_t *c = db_acquire(app->db, DB_CONN_READ, e);
    db_stmt_t *st = c ? db_prepare(c, "SELECT 1", e) : NULL;
    if (!st || db_step_one(st, e) != DB_ROW)
        why = "database unreachable";
    if (c)
        db_release(c);
    uint64_t files = 0, applied = 0;
    if (!why && db_migration_versions(app->db, &files, &applied, e) != DB_OK)
        why = "migrations unreadable";
    else if (!why && applied < files)
        why = "migrations not applied (run rafiki migrate)";
    if (!why && (app->components & COMP_BACKEND) &&
        (!app->outgoing || !app->incoming_worker || !app->connector))
        why = "payment workers not running";
    if (!why && (app->components & COMP_AUTH) && !app->auth)
        why = "authorization server not running";
    return why;
}

/* console_config_t.not_ready */
static const char *console_not_ready(void *arg)
{
    db_err_t e = {0};
    return not_ready(arg, &e);
}

static const http_route_t INTERNAL_ROUTES[] = {
    {"GET", "/metrics", metrics_route, 0},
    {"GET", "/readyz", readyz_route, 0},
};
static const http_route_t AUTH_OPS_ROUTES[] = {
    {"GET", "/readyz", readyz_route, 0},
};

/* /metrics and /readyz on the admin port, or on the introspection port of an auth-only process
 * (both internal); /readyz also on the auth port. */
static bool operations_register(app_t *app)
{
    http_server_t *internal =
        app->servers[SRV_ADMIN] ? app->servers[SRV_ADMIN] : app->servers[SRV_INTROSPECTION];
    if (http_server_routes(internal, INTERNAL_ROUTES, HTTP_ROUTES_N(INTERNAL_ROUTES), app) != 0 ||
        (app->servers[SRV_AUTH] && http_server_routes(app->servers[SRV_AUTH], AUTH_OPS_ROUTES,
                                                      HTTP_ROUTES_N(AUTH_OPS_ROUTES), app) != 0)) {
        LOGE("operations: route registration failed");
        return false;
    }
    return true;
}

/* Opens the stores and the ledger and starts every listener; false after logging what failed
 * (app_stop then releases whatever did start). */
/* The database, the cache and the ledger, and the admin API's context over them. */
static bool stores_open(app_t *app)
{
    const config_t *cfg = &app->cfg;
    if (!(app->db = database_open(cfg)))
        return false;
    cache_err_t cerr;
    cache_opts_t co;
    if (cache_opts_env(&co, &cerr) != CACHE_OK) {
        LOGE("%s", cerr.msg);
        return false;
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
    /* the operator tenant: OPERATOR_TENANT_ID's, or the one made on the first start */
    pay_tenant_result_t tr = pay_tenant_bootstrap(app->db, cfg->operator_tenant_id,
                                                  cfg->admin_api_secret, app->operator_tenant);
    if (tr != PAY_TENANT_OK) {
        LOGE("tenants: cannot set up the operator tenant: %s", pay_tenant_result_str(tr));
        return false;
    }
    app->admin.secret = cfg->admin_api_secret;
    app->admin.ledger = app->ledger;
    app->admin.db = app->db;
    app->admin.cache = app->cache;
    /* the admin APIs' changes go to the audit log, as the operator's for REST */
    app->admin.audit_tenant = app->operator_tenant;
    if (!(app->admin.audit = audit_queue_new(app->db))) {
        LOGE("audit: cannot start its writer thread");
        return false;
    }
    return true;
}

/* Each listener: its name and the component that serves it. */
static const struct {
    const char *name;
    unsigned component;
} ROLES[SRV_COUNT] = {
    [SRV_OP] = {"open-payments", COMP_BACKEND},
    [SRV_ADMIN] = {"admin", COMP_BACKEND},
    [SRV_CONNECTOR] = {"connector", COMP_BACKEND},
    [SRV_AUTH] = {"auth", COMP_AUTH},
    [SRV_INTROSPECTION] = {"introspection", COMP_AUTH},
    [SRV_INTERACTION] = {"interaction", COMP_AUTH},
    [SRV_AUTH_ADMIN] = {"auth-admin", COMP_AUTH},
    [SRV_AUTO_PEERING] = {"auto-peering", COMP_BACKEND},
};

/* The listeners of this process's components, configured but not yet listening. */
static bool listeners_create(app_t *app)
{
    const config_t *cfg = &app->cfg;
    http_server_config_t limits = {0};
    env_err_t eerr;
    if (http_server_config_env(&limits, &eerr) != 0) {
        LOGE("%s", eerr.msg);
        return false;
    }
    const uint16_t ports[SRV_COUNT] = {
        [SRV_OP] = cfg->open_payments_port,
        [SRV_ADMIN] = cfg->admin_port,
        [SRV_CONNECTOR] = cfg->connector_port,
        [SRV_AUTH] = cfg->auth_port,
        [SRV_INTROSPECTION] = cfg->introspection_port,
        [SRV_INTERACTION] = cfg->interaction_port,
        [SRV_AUTH_ADMIN] = cfg->auth_admin_port,
        [SRV_AUTO_PEERING] = cfg->auto_peering_port,
    };
    for (int i = 0; i < SRV_COUNT; i++) {
        if (!(app->components & ROLES[i].component) ||
            (i == SRV_AUTO_PEERING && !cfg->enable_auto_peering))
            continue;
        /* the connector's handlers never block: its default thread count; peering requests
         * are rare */
        unsigned threads = i == SRV_CONNECTOR      ? 0
                           : i == SRV_AUTO_PEERING ? 2
                                                   : SERVE_BLOCKING_THREADS;
        if (!(app->servers[i] = listener(cfg, &limits, ROLES[i].name, ports[i], threads)))
            return false;
    }
    return true;
}

/* console_config_t.packets */
static void console_packets(void *arg, int64_t now_ms, uint64_t fulfilled[CONSOLE_MINUTES],
                            uint64_t rejected[CONSOLE_MINUTES])
{
    _Static_assert(CONSOLE_MINUTES == CONNECTOR_MINUTES, "the console's minutes");
    connector_minutes(arg, now_ms, fulfilled, rejected);
}

/* The operator console on the admin port (backend processes). */
static bool console_start(app_t *app)
{
    login_opts_t lo;
    env_err_t eerr;
    app->console = (console_config_t){.db = app->db,
                                      .ledger = app->ledger,
                                      .operator_tenant_id = app->operator_tenant,
                                      .cookie_base_url = app->cfg.console_url,
                                      .not_ready = console_not_ready,
                                      .ready_arg = app,
                                      .ilp_address = app->cfg.ilp_address,
                                      .packets = app->connector ? console_packets : NULL,
                                      .packets_arg = app->connector};
    /* the peers and wallet addresses pages */
    app->console.peers = app->connector ? connector_peers(app->connector) : NULL;
    app->console.http = app->spsp_client;
    app->console.wallet = &app->wallet;
    app->console.outgoing = app->outgoing; /* the payments pages */
    app->console.allow_http_wallet_addresses = app->cfg.wallet_address_allow_http;
    if (login_opts_env(&lo, &eerr) != ENV_OK || console_opts_env(&app->console, &eerr) != ENV_OK) {
        LOGE("%s", eerr.msg);
        return false;
    }
    /* form tokens keyed by the admin secret: the same on every replica; counts and locks of
     * its own (a console brute force does not lock the wallet pages' users, nor the reverse) */
    lo.key_prefix = "console";
    app->console_login = login_new(app->cache, app->db, app->cfg.admin_api_secret, &lo);
    app->console.login = app->console_login;
    if (console_register(app->servers[SRV_ADMIN], &app->console) != 0) {
        LOGE("console: route registration failed");
        return false;
    }
    return true;
}

/* The wallet's own pages, when backend and auth run in this one process. */
static bool wallet_pages_start(app_t *app)
{
    app->wallet_ui = (wallet_ui_config_t){.db = app->db,
                                          .ledger = app->ledger,
                                          .wallet = &app->wallet,
                                          .quotes = &app->quotes,
                                          .outgoing = app->outgoing,
                                          .auth_url = app->cfg.auth_server_url,
                                          .login = app->login};
    if (wallet_ui_register(app->servers[SRV_AUTH], &app->wallet_ui) != 0) {
        LOGE("wallet pages: route registration failed");
        return false;
    }
    return true;
}

static bool app_start(app_t *app)
{
    if (!stores_open(app) || !listeners_create(app))
        return false;
    bool backend = app->components & COMP_BACKEND, auth = app->components & COMP_AUTH;
    if (backend && (admin_ledger_register(app->servers[SRV_ADMIN], &app->admin) != 0 ||
                    admin_webhooks_register(app->servers[SRV_ADMIN], &app->admin) != 0 ||
                    admin_liquidity_register(app->servers[SRV_ADMIN], &app->admin) != 0 ||
                    admin_fees_register(app->servers[SRV_ADMIN], &app->admin) != 0 ||
                    admin_tenants_register(app->servers[SRV_ADMIN], &app->admin) != 0)) {
        LOGE("admin: route registration failed");
        return false;
    }
    if (backend && (!connector_start(app) || !payments_start(app) || !webhooks_begin(app) ||
                    !partial_decision_begin(app) || !op_client_start(app) || !outgoing_start(app) ||
                    !graphql_start(app)))
        return false;
    if (!backend)
        wallet_init(app);
    if (!(app->sig = op_sig_new(&(op_sig_config_t){.wallet = &app->wallet, .cache = app->cache}))) {
        LOGE("open payments: cannot start the signature checks");
        return false;
    }
    if ((auth && (!auth_start(app) || !auth_admin_start(app))) ||
        (backend && !resource_server_start(app)) || !operations_register(app) ||
        (auth && backend && !wallet_pages_start(app)) || (backend && !console_start(app)))
        return false;
    for (int i = 0; i < SRV_COUNT; i++)
        if (app->servers[i] && !listener_start(app->servers[i], &app->cfg, ROLES[i].name))
            return false;
    return true;
}

static void app_stop(app_t *app)
{
    for (int i = 0; i < SRV_COUNT; i++)
        http_server_stop_begin(app->servers[i]);
    for (int i = 0; i < SRV_COUNT; i++)
        http_server_stop(app->servers[i]);
    for (int i = 0; i < SRV_COUNT; i++)
        http_server_free(app->servers[i]);
    admin_gql_unregister(&app->gql);  /* after the listener that runs its resolvers */
    http_offload_free(app->op_waits); /* after the listener whose creates it runs */
    admin_gql_unregister(&app->auth_gql);
    audit_queue_free(app->admin.audit); /* after the listeners: writes the last API changes */
    incoming_payment_worker_stop(app->incoming_worker); /* before the ledger it uses */
    outgoing_payments_free(app->outgoing);              /* likewise */
    http_client_free(app->spsp_client);
    op_client_free(app->op_client); /* after the payment workers that use it */
    auth_free(app->auth);           /* after the listeners that call it */
    login_free(app->login);
    login_free(app->console_login);
    auth_remote_free(app->auth_remote);
    op_sig_free(app->sig);
    free(app->instance_jwks);
    partial_decision_stop(app->partial);    /* answers its packets: before the connector */
    connector_free(app->connector);         /* after the listeners: no packet is in flight */
    liquidity_monitor_stop(app->liquidity); /* before the ledger: it reads balances */
    webhooks_stop(app->webhooks);
    ledger_close(app->ledger);
    cache_close(app->cache);
    db_close(app->db);
}

/* "backend", "auth", "all" or a comma-separated list of them into COMP_* bits; 0 when a name
 * is unknown. */
static unsigned components_parse(const char *s)
{
    unsigned bits = 0;
    while (*s) {
        size_t n = strcspn(s, ",");
        if (n == 7 && strncmp(s, "backend", n) == 0)
            bits |= COMP_BACKEND;
        else if (n == 4 && strncmp(s, "auth", n) == 0)
            bits |= COMP_AUTH;
        else if (n == 3 && strncmp(s, "all", n) == 0)
            bits |= COMP_ALL;
        else
            return 0;
        s += n + (s[n] == ',');
    }
    return bits;
}

/* Started when a stop begins: a stop that takes longer than SHUTDOWN_TIMEOUT_MS (a peer that
 * holds packets until they expire, a database that hangs) ends the process. Every transfer
 * answered as accepted is committed already, so cutting the rest short loses nothing
 * acknowledged; unanswered requests are what their clients retry. */
static void *stop_watchdog(void *arg)
{
    uint32_t ms = *(const uint32_t *)arg;
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
    LOGW("stopping took longer than SHUTDOWN_TIMEOUT_MS (%u ms): exiting now; what was "
         "acknowledged is committed",
         (unsigned)ms);
    _exit(0);
    return NULL;
}

int cmd_serve(int argc, char **argv)
{
    static app_t app;
    memset(&app, 0, sizeof app);
    app.components = COMP_ALL;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        if (strcmp(argv[i], "--components") == 0 && i + 1 < argc)
            v = argv[++i];
        else if (strncmp(argv[i], "--components=", 13) == 0)
            v = argv[i] + 13;
        if (v && (app.components = components_parse(v)) != 0)
            continue;
        if (v)
            fprintf(stderr,
                    "rafiki serve: --components %s: expected backend, auth or all "
                    "(comma-separated)\n",
                    v);
        else
            fprintf(stderr, "rafiki serve: unknown argument %s\n", argv[i]);
        return 2;
    }
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
        LOGI("rafiki is up (%s; ILP address %s)",
             app.components == COMP_ALL       ? "all components"
             : app.components == COMP_BACKEND ? "backend"
                                              : "auth",
             app.cfg.ilp_address);
        int sig = 0;
        sigwait(&set, &sig);
        LOGI("%s: shutting down (at most %u ms)", sig == SIGINT ? "SIGINT" : "SIGTERM",
             (unsigned)app.cfg.shutdown_timeout_ms);
        pthread_t watchdog;
        if (pthread_create(&watchdog, NULL, stop_watchdog, &app.cfg.shutdown_timeout_ms) == 0)
            pthread_detach(watchdog);
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
