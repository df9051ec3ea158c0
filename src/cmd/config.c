/*
 * Process configuration from the environment. Every variable has a safe default for local use;
 * in production mode (NODE_ENV=production, as in Rafiki, or RAFIKI_ENV=production) the secrets
 * must be set, and a missing one is a start-up error naming it. Every error message names the
 * variable, the problem and what is expected, so a bad deployment explains itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "base/codec.h"
#include "base/env.h"
#include "base/log.h"
#include "base/rand.h"
#include "base/slice.h"
#include "base/uuid.h"
#include "admin/admin_signature.h"
#include "auth/auth.h"
#include "payments/outgoing_payment.h"
#include "payments/webhooks.h"
#include "cmd/cmd.h"
#include "http/client.h"
#include "ilp/address.h"

const char *config_result_str(config_result_t r)
{
    static const char *const names[CONFIG_RESULT_COUNT] = {"ok", "invalid", "io"};
    return (unsigned)r < CONFIG_RESULT_COUNT ? names[r] : "unknown";
}

/* Writes the operator's message into err (when given) and returns rc. */
__attribute__((format(printf, 3, 4))) static config_result_t
fail(config_err_t *err, config_result_t rc, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static config_result_t config_fail(config_err_t *err, const char *name, const char *what)
{
    return fail(err, CONFIG_INVALID, "%s: %s", name, what);
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static config_result_t require_secret(const config_t *cfg, const char *name, const char *value,
                                      config_err_t *err)
{
    if (cfg->production && (!value || !*value))
        return fail(err, CONFIG_INVALID, "%s must be set in production mode", name);
    return CONFIG_OK;
}

/* The authorization server: IDP_SECRET (the interaction API), token and interaction
 * lifetimes, the wait between polls, which grants need the user, and where the user consents. */
static config_result_t load_auth(config_t *cfg, config_err_t *err)
{
    env_err_t e;
    uint64_t expiry, wait, interaction, pending;
    if (env_u64("ACCESS_TOKEN_EXPIRY_SECONDS", 600, 1, 31536000, &expiry, &e) != ENV_OK ||
        env_u64("WAIT_SECONDS", 5, 1, 3600, &wait, &e) != ENV_OK ||
        env_u64("INTERACTION_EXPIRY_SECONDS", 600, 10, 86400, &interaction, &e) != ENV_OK ||
        env_u64("PENDING_GRANTS_MAX_PER_CLIENT", AUTH_PENDING_GRANTS_MAX_DEFAULT, 1, 1000000,
                &pending, &e) != ENV_OK ||
        env_bool("LIST_ALL_ACCESS_INTERACTION", true, &cfg->list_all_interaction, &e) != ENV_OK ||
        env_bool("INCOMING_PAYMENT_INTERACTION", false, &cfg->incoming_payment_interaction, &e) !=
            ENV_OK ||
        env_bool("QUOTE_INTERACTION", false, &cfg->quote_interaction, &e) != ENV_OK)
        return fail(err, CONFIG_INVALID, "%s", e.msg);
    cfg->access_token_expiry_s = (uint32_t)expiry;
    cfg->wait_s = (uint32_t)wait;
    cfg->interaction_expiry_s = (uint32_t)interaction;
    cfg->pending_grants_max = (uint32_t)pending;
    cfg->idp_secret = env_str("IDP_SECRET", NULL);
    cfg->identity_server_url = env_str("IDENTITY_SERVER_URL", NULL);
    if (cfg->identity_server_url && strncmp(cfg->identity_server_url, "http://", 7) != 0 &&
        strncmp(cfg->identity_server_url, "https://", 8) != 0)
        return config_fail(err, "IDENTITY_SERVER_URL", "expected an http:// or https:// URL");
    const char *intro = env_str("AUTH_SERVER_INTROSPECTION_URL", "");
    if (*intro && strncmp(intro, "http://", 7) != 0 && strncmp(intro, "https://", 8) != 0)
        return config_fail(err, "AUTH_SERVER_INTROSPECTION_URL",
                           "expected an http:// or https:// URL");
    if (strlen(intro) >= sizeof cfg->introspection_url)
        return config_fail(err, "AUTH_SERVER_INTROSPECTION_URL", "longer than 255 characters");
    snprintf(cfg->introspection_url, sizeof cfg->introspection_url, "%s", intro);
    if (cfg->idp_secret && strlen(cfg->idp_secret) < 16)
        LOGW("IDP_SECRET is shorter than 16 characters: use a long random value");
    return require_secret(cfg, "IDP_SECRET", cfg->idp_secret, err);
}

/* PRIVATE_KEY_FILE and KEY_ID: the key this instance signs its own Open Payments requests with
 * (op_client.h). Production needs the file; development keeps a generated one in the data
 * directory so that other instances that cached its key set keep trusting it. */
static config_result_t load_client_key(config_t *cfg, config_err_t *err)
{
    const char *file = env_str("PRIVATE_KEY_FILE", NULL);
    cfg->key_id = env_str("KEY_ID", "rafiki");
    if (!*cfg->key_id || strlen(cfg->key_id) > 128)
        return config_fail(err, "KEY_ID", "expected 1 to 128 characters");
    config_result_t rc = require_secret(cfg, "PRIVATE_KEY_FILE", file, err);
    if (rc != CONFIG_OK)
        return rc;
    cfg->key_generate = !file || !*file;
    int n = cfg->key_generate
                ? snprintf(cfg->private_key_file, sizeof cfg->private_key_file,
                           "%s/private-key.pem", env_str("RAFIKI_DATA_DIR", "./data"))
                : snprintf(cfg->private_key_file, sizeof cfg->private_key_file, "%s", file);
    if (n < 0 || (size_t)n >= sizeof cfg->private_key_file)
        return config_fail(err, cfg->key_generate ? "RAFIKI_DATA_DIR" : "PRIVATE_KEY_FILE",
                           "path too long");
    return CONFIG_OK;
}

static config_result_t load_logging(config_err_t *err)
{
    log_level_t level;
    const char *lvl = env_str("LOG_LEVEL", "info");
    if (log_level_parse(lvl, &level) != 0)
        return config_fail(err, "LOG_LEVEL", "expected debug, info, warn, error or off");
    log_set_level(level);
    const char *fmt = env_str("LOG_FORMAT", "text");
    if (strcmp(fmt, "text") != 0 && strcmp(fmt, "json") != 0)
        return config_fail(err, "LOG_FORMAT", "expected text or json");
    log_set_json(strcmp(fmt, "json") == 0);
    return CONFIG_OK;
}

static config_result_t check_database_url(const char *db, config_err_t *err)
{
    if (starts_with(db, "sqlite:")) {
        if (db[strlen("sqlite:")] == '\0')
            return config_fail(err, "DATABASE_URL",
                               "sqlite: needs a path, e.g. sqlite:./data/rafiki.db");
    } else if (!starts_with(db, "postgres://") && !starts_with(db, "postgresql://")) {
        return config_fail(err, "DATABASE_URL", "expected sqlite:PATH or postgres://...");
    }
    return CONFIG_OK;
}

static config_result_t check_urls(const config_t *cfg, config_err_t *err)
{
    const char *r = cfg->redis_url;
    if (r && !starts_with(r, "redis://") && !starts_with(r, "unix://"))
        return config_fail(err, "REDIS_URL",
                           "expected redis://host:port[/db] or unix:///path.sock");
    ilp_address_result_t ar = ilp_address_validate(SLICE_STR(cfg->ilp_address));
    if (ar != ILP_ADDR_OK)
        return fail(err, CONFIG_INVALID, "ILP_ADDRESS: not an ILP address (%s), e.g. test.rafiki",
                    ilp_address_result_str(ar));
    return CONFIG_OK;
}

/* ENABLE_AUTO_PEERING, AUTO_PEERING_SERVER_PORT, ILP_CONNECTOR_URL, INSTANCE_NAME (Rafiki's
 * names and defaults, but ILP_CONNECTOR_URL, which Rafiki requires, defaults to this
 * process's connector port on loopback). */
static config_result_t load_auto_peering(config_t *cfg, config_err_t *err)
{
    env_err_t e;
    if (env_bool("ENABLE_AUTO_PEERING", false, &cfg->enable_auto_peering, &e) != ENV_OK ||
        env_port("AUTO_PEERING_SERVER_PORT", 3005, &cfg->auto_peering_port, &e) != ENV_OK)
        return fail(err, CONFIG_INVALID, "%s", e.msg);
    const char *u = env_str("ILP_CONNECTOR_URL", NULL);
    int n = u ? snprintf(cfg->ilp_connector_url, sizeof cfg->ilp_connector_url, "%s", u)
              : snprintf(cfg->ilp_connector_url, sizeof cfg->ilp_connector_url,
                         "http://127.0.0.1:%u", (unsigned)cfg->connector_port);
    if (n < 0 || (size_t)n >= sizeof cfg->ilp_connector_url)
        return config_fail(err, "ILP_CONNECTOR_URL", "longer than 511 characters");
    if (!starts_with(cfg->ilp_connector_url, "http://") &&
        !starts_with(cfg->ilp_connector_url, "https://"))
        return config_fail(err, "ILP_CONNECTOR_URL", "expected an http:// or https:// URL");
    cfg->instance_name = env_str("INSTANCE_NAME", NULL);
    if (cfg->instance_name && (!*cfg->instance_name || strlen(cfg->instance_name) > 255))
        return config_fail(err, "INSTANCE_NAME", "expected 1 to 255 characters");
    if (cfg->enable_auto_peering && cfg->auto_peering_port != 0 &&
        (cfg->auto_peering_port == cfg->open_payments_port ||
         cfg->auto_peering_port == cfg->admin_port ||
         cfg->auto_peering_port == cfg->connector_port ||
         cfg->auto_peering_port == cfg->auth_port ||
         cfg->auto_peering_port == cfg->introspection_port ||
         cfg->auto_peering_port == cfg->interaction_port ||
         cfg->auto_peering_port == cfg->auth_admin_port))
        return config_fail(err, "AUTO_PEERING_SERVER_PORT", "another listener has this port");
    return CONFIG_OK;
}

static config_result_t load_ports(config_t *cfg, config_err_t *err)
{
    env_err_t e;
    uint64_t shutdown_ms;
    if (env_u64("SHUTDOWN_TIMEOUT_MS", 10000, 100, 600000, &shutdown_ms, &e) != ENV_OK)
        return fail(err, CONFIG_INVALID, "%s", e.msg);
    cfg->shutdown_timeout_ms = (uint32_t)shutdown_ms;
    if (env_port("OPEN_PAYMENTS_PORT", 3000, &cfg->open_payments_port, &e) != ENV_OK ||
        env_port("ADMIN_PORT", 3001, &cfg->admin_port, &e) != ENV_OK ||
        env_port("CONNECTOR_PORT", 3002, &cfg->connector_port, &e) != ENV_OK ||
        env_port("AUTH_PORT", 3006, &cfg->auth_port, &e) != ENV_OK ||
        env_port("INTROSPECTION_PORT", 3007, &cfg->introspection_port, &e) != ENV_OK ||
        env_port("INTERACTION_PORT", 3009, &cfg->interaction_port, &e) != ENV_OK ||
        env_port("AUTH_ADMIN_PORT", 3003, &cfg->auth_admin_port, &e) != ENV_OK)
        return fail(err, CONFIG_INVALID, "%s", e.msg);
    const uint16_t p[] = {cfg->open_payments_port, cfg->admin_port,         cfg->connector_port,
                          cfg->auth_port,          cfg->introspection_port, cfg->interaction_port,
                          cfg->auth_admin_port};
    const char *names[] = {"OPEN_PAYMENTS_PORT", "ADMIN_PORT",       "CONNECTOR_PORT", "AUTH_PORT",
                           "INTROSPECTION_PORT", "INTERACTION_PORT", "AUTH_ADMIN_PORT"};
    const int n = (int)(sizeof p / sizeof p[0]);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (p[i] != 0 && p[i] == p[j])
                return fail(err, CONFIG_INVALID,
                            "%s and %s are both %u: each listener needs its own port", names[i],
                            names[j], (unsigned)p[i]);
    return CONFIG_OK;
}

/* STREAM_SECRET is 32 bytes as 64 hex digits, or as base64 (what Rafiki's docs generate). */
static config_result_t load_stream_secret(config_t *cfg, config_err_t *err)
{
    const char *s = cfg->stream_secret_hex;
    if (!s) {
        if (cfg->production)
            return config_fail(err, "STREAM_SECRET",
                               "must be set in production mode (32 bytes as "
                               "64 hex digits or base64)");
        rand_bytes(cfg->stream_secret, sizeof cfg->stream_secret);
        cfg->stream_secret_generated = true;
        LOGW("STREAM_SECRET is not set: using a random secret for this run; STREAM addresses "
             "and receipts issued now stop working after a restart");
        return CONFIG_OK;
    }
    if (cfg->dev_secrets_path)
        LOGW("STREAM_SECRET is not set: using the development secret kept in %s",
             cfg->dev_secrets_path);
    size_t n = strlen(s);
    uint8_t tmp[64];
    ssize_t got = -1;
    if (n == 2 * sizeof cfg->stream_secret)
        got = hex_decode(tmp, sizeof tmp, s, n);
    if (got != (ssize_t)sizeof cfg->stream_secret)
        got = b64_decode(tmp, sizeof tmp, s, n, B64_STD | B64_LENIENT);
    if (got != (ssize_t)sizeof cfg->stream_secret)
        return config_fail(err, "STREAM_SECRET", "expected 32 bytes as 64 hex digits or base64");
    memcpy(cfg->stream_secret, tmp, sizeof cfg->stream_secret);
    return CONFIG_OK;
}

/* OPEN_PAYMENTS_URL, AUTH_SERVER_URL (http(s) URLs, no query) and
 * INCOMING_PAYMENT_EXPIRY_MAX_MS. The payments URLs are kept without a trailing slash because
 * wallet address and resource URLs are built by appending "/..." to them. */
/* Rafiki's waits for the wallet: the approval of a new incoming payment and the decision on a
 * partial payment that carries data (defaults as Rafiki's config/app.ts). */
static config_result_t load_decisions(config_t *cfg, config_err_t *err)
{
    env_err_t e;
    uint64_t timeout, freq, wait, margin;
    if (env_bool("POLL_INCOMING_PAYMENT_CREATED_WEBHOOK", false, &cfg->approval_poll, &e) !=
            ENV_OK ||
        env_u64("INCOMING_PAYMENT_CREATED_POLL_TIMEOUT_MS", 10000, 0, 600000, &timeout, &e) !=
            ENV_OK ||
        env_u64("INCOMING_PAYMENT_CREATED_POLL_FREQUENCY_MS", 1000, 10, 60000, &freq, &e) !=
            ENV_OK ||
        env_bool("ENABLE_PARTIAL_PAYMENT_DECISION", false, &cfg->partial_decision, &e) != ENV_OK ||
        /* a packet's wait: below the 30 s a connector holds a packet at most */
        env_u64("PARTIAL_PAYMENT_DECISION_MAX_WAIT_MS", 1500, 0, 29000, &wait, &e) != ENV_OK ||
        env_u64("PARTIAL_PAYMENT_DECISION_SAFETY_MARGIN_MS", 100, 0, 29000, &margin, &e) != ENV_OK)
        return fail(err, CONFIG_INVALID, "%s", e.msg);
    cfg->approval_poll_timeout_ms = (uint32_t)timeout;
    cfg->approval_poll_frequency_ms = (uint32_t)freq;
    cfg->partial_decision_max_wait_ms = (uint32_t)wait;
    cfg->partial_decision_margin_ms = (uint32_t)margin;
    return CONFIG_OK;
}

static config_result_t load_payments(config_t *cfg, config_err_t *err)
{
    const char *names[2] = {"OPEN_PAYMENTS_URL", "AUTH_SERVER_URL"};
    const char *vals[2] = {env_str(names[0], "http://localhost:3000"),
                           env_str(names[1], "http://localhost:3006")};
    for (int i = 0; i < 2; i++) {
        const char *v = vals[i];
        size_t n = strlen(v);
        if ((!starts_with(v, "http://") && !starts_with(v, "https://")) || strchr(v, '?') ||
            strchr(v, '#') || n >= sizeof cfg->open_payments_url)
            return config_fail(err, names[i],
                               "expected an http:// or https:// URL without a query, "
                               "e.g. http://localhost:3000");
    }
    char *dst[2] = {cfg->open_payments_url, cfg->auth_server_url};
    for (int i = 0; i < 2; i++) {
        size_t n = strlen(vals[i]);
        while (n > 0 && vals[i][n - 1] == '/')
            n--;
        memcpy(dst[i], vals[i], n);
        dst[i][n] = '\0';
    }
    env_err_t e;
    /* 30 days, Rafiki's default; at least a second so a payment can be paid at all */
    if (env_u64("INCOMING_PAYMENT_EXPIRY_MAX_MS", 2592000000ull, 1000, 10ull * 365 * 86400000,
                &cfg->incoming_payment_expiry_max_ms, &e) != ENV_OK)
        return fail(err, CONFIG_INVALID, "%s", e.msg);
    /* Rafiki's wait for a wallet address the wallet creates when told it was asked for */
    uint64_t timeout, freq;
    /* Rafiki's createWalletAddress takes https URLs only; http for development and tests */
    if (env_bool("WALLET_ADDRESS_ALLOW_HTTP", !cfg->production, &cfg->wallet_address_allow_http,
                 &e) != ENV_OK ||
        env_bool("WALLET_ADDRESS_NOT_FOUND_POLLING_ENABLED", false, &cfg->wallet_address_poll,
                 &e) != ENV_OK ||
        env_u64("WALLET_ADDRESS_LOOKUP_TIMEOUT_MS", 1500, 0, 60000, &timeout, &e) != ENV_OK ||
        env_u64("WALLET_ADDRESS_POLLING_FREQUENCY_MS", 100, 10, 10000, &freq, &e) != ENV_OK)
        return fail(err, CONFIG_INVALID, "%s", e.msg);
    cfg->wallet_address_lookup_timeout_ms = (uint32_t)timeout;
    cfg->wallet_address_poll_ms = (uint32_t)freq;
    /* Rafiki's optional delay of wallet_address.web_monetization events (unset: none) */
    uint64_t throttle;
    const char *delay = env_str("WITHDRAWAL_THROTTLE_DELAY", "");
    cfg->withdrawal_throttle = delay[0] != '\0';
    if (env_u64("WITHDRAWAL_THROTTLE_DELAY", 0, 0, 30ull * 86400000, &throttle, &e) != ENV_OK)
        return fail(err, CONFIG_INVALID, "%s", e.msg);
    cfg->withdrawal_throttle_delay_ms = (uint32_t)throttle;
    return load_decisions(cfg, err);
}

/* QUOTE_LIFESPAN (ms), SLIPPAGE (a fraction), PAYMENT_FEES and OUTGOING_PAYMENT_WORKERS. */
static config_result_t load_outgoing(config_t *cfg, config_err_t *err)
{
    env_err_t e;
    uint64_t lifespan, workers, lease;
    /* Rafiki's default: 5 minutes; at least a second so a quote can be used at all */
    if (env_u64("QUOTE_LIFESPAN", QUOTE_LIFESPAN_MS_DEFAULT, 1000, 24ull * 3600 * 1000, &lifespan,
                &e) != ENV_OK ||
        env_u64("OUTGOING_PAYMENT_WORKERS", OUTGOING_PAYMENT_WORKERS_DEFAULT, 1,
                OUTGOING_PAYMENT_WORKERS_MAX, &workers, &e) != ENV_OK ||
        /* a remote payment streams for at most half the lease, so it ends before another
         * replica may take the row over */
        env_u64("OUTGOING_PAYMENT_LEASE_MS", OUTGOING_PAYMENT_LEASE_MS_DEFAULT, 2000, 600000,
                &lease, &e) != ENV_OK)
        return fail(err, CONFIG_INVALID, "%s", e.msg);
    cfg->quote_lifespan_ms = (uint32_t)lifespan;
    cfg->outgoing_payment_workers = (uint32_t)workers;
    cfg->outgoing_payment_lease_ms = (uint32_t)lease;
    const char *slip = env_str("SLIPPAGE", "0.01");
    if (fees_parse_ppm(slip, strlen(slip), &cfg->slippage_ppm) != 0)
        return config_fail(err, "SLIPPAGE",
                           "expected a fraction from 0 to 1 with at most 6 decimals, e.g. 0.01");
    /* Rafiki's model by default for a Rafiki operator (OPERATOR_TENANT_ID set: GraphQL in use) */
    const char *model =
        env_str("FUNDING_MODEL", env_str("OPERATOR_TENANT_ID", NULL) ? "rafiki" : "ledger");
    if (strcmp(model, "rafiki") != 0 && strcmp(model, "ledger") != 0)
        return config_fail(err, "FUNDING_MODEL", "expected rafiki or ledger");
    cfg->rafiki_funding = strcmp(model, "rafiki") == 0;
    const char *fees = env_str("PAYMENT_FEES", "");
    if (fees_table_parse(fees, strlen(fees), &cfg->payment_fees) != 0)
        return config_fail(err, "PAYMENT_FEES",
                           "expected CODE:FIXED:BASIS_POINTS entries separated by commas, "
                           "e.g. USD:50:30,EUR:0:25");
    return CONFIG_OK;
}

/* WEBHOOK_URL and its settings. Without a URL events are still recorded (GET /webhook-events)
 * but not sent. In production a URL needs SIGNATURE_SECRET: unsigned events could be forged. */
/* Rafiki's admin API signature settings (admin/admin_signature.h) for the GraphQL admin API,
 * and OPERATOR_TENANT_ID, the tenant-id its operator sends (a UUID, as Rafiki requires). */
static config_result_t load_admin_signature(config_t *cfg, config_err_t *err)
{
    env_err_t e;
    uint64_t version, ttl;
    if (env_u64("ADMIN_API_SIGNATURE_VERSION", ADMIN_SIGNATURE_VERSION_DEFAULT, 1,
                ADMIN_SIGNATURE_VERSION_MAX, &version, &e) != ENV_OK ||
        env_u64("ADMIN_API_SIGNATURE_TTL_SECONDS", ADMIN_SIGNATURE_TTL_S_DEFAULT, 1,
                ADMIN_SIGNATURE_TTL_S_MAX, &ttl, &e) != ENV_OK)
        return fail(err, CONFIG_INVALID, "%s", e.msg);
    cfg->admin_signature_version = (uint32_t)version;
    cfg->admin_signature_ttl_s = (uint32_t)ttl;
    cfg->operator_tenant_id = env_str("OPERATOR_TENANT_ID", NULL);
    const char *t = cfg->operator_tenant_id;
    if (t && !uuid_valid(t, strlen(t)))
        return config_fail(err, "OPERATOR_TENANT_ID", "expected a UUID");
    return CONFIG_OK;
}

static config_result_t load_webhooks(config_t *cfg, config_err_t *err)
{
    cfg->webhook_url = env_str("WEBHOOK_URL", NULL);
    cfg->signature_secret = env_str("SIGNATURE_SECRET", NULL);
    const char *u = cfg->webhook_url;
    if (u && !starts_with(u, "http://") && !starts_with(u, "https://"))
        return config_fail(err, "WEBHOOK_URL", "expected an http:// or https:// URL");
    if (u && cfg->production && (!cfg->signature_secret || !*cfg->signature_secret))
        return config_fail(err, "SIGNATURE_SECRET",
                           "must be set in production mode when WEBHOOK_URL is set "
                           "(webhooks are signed with it)");
    if (cfg->signature_secret && strlen(cfg->signature_secret) > 256)
        return config_fail(err, "SIGNATURE_SECRET", "at most 256 characters");
    env_err_t e;
    uint64_t timeout, retries;
    if (env_u64("WEBHOOK_TIMEOUT", 2000, 1, 600000, &timeout, &e) != ENV_OK ||
        env_u64("WEBHOOK_MAX_RETRY", 10, 1, 1000, &retries, &e) != ENV_OK)
        return fail(err, CONFIG_INVALID, "%s", e.msg);
    cfg->webhook_timeout_ms = (uint32_t)timeout;
    cfg->webhook_max_retry = (unsigned)retries;
    if (env_bool("SEND_TENANT_WEBHOOKS_TO_OPERATOR", false, &cfg->send_tenant_webhooks_to_operator,
                 &e) != ENV_OK)
        return fail(err, CONFIG_INVALID, "%s", e.msg);
    webhook_copy_to_operator(cfg->send_tenant_webhooks_to_operator);
    cfg->webhook_events_disabled = env_str("WEBHOOK_EVENTS_DISABLED", NULL);
    char bad[64];
    if (webhook_types_disable(cfg->webhook_events_disabled, bad, sizeof bad) != 0)
        return fail(err, CONFIG_INVALID, "WEBHOOK_EVENTS_DISABLED: unknown event type '%s'", bad);
    return CONFIG_OK;
}

config_result_t config_load_database(config_t *cfg, config_err_t *err)
{
    memset(cfg, 0, sizeof *cfg);
    const char *mode = env_str("RAFIKI_ENV", env_str("NODE_ENV", "development"));
    cfg->production = strcmp(mode, "production") == 0;
    config_result_t rc = load_logging(err);
    if (rc != CONFIG_OK)
        return rc;
    cfg->database_url = env_str("DATABASE_URL", "sqlite:./data/rafiki.db");
    return check_database_url(cfg->database_url, err);
}

/*
 * Development only: secrets that are not set are generated once and kept in
 * $RAFIKI_DATA_DIR/dev-secrets.env (default ./data, mode 0600), so STREAM addresses handed out
 * and the admin token stay valid across restarts of `make run`. The values are never logged;
 * the file is where an operator reads the admin token. Production never does this.
 */
static config_result_t load_dev_secrets(config_t *cfg, config_err_t *err)
{
    static char path[1024];
    const char *dir = env_str("RAFIKI_DATA_DIR", "./data");
    int n = snprintf(path, sizeof path, "%s/dev-secrets.env", dir);
    if (n < 0 || (size_t)n >= sizeof path)
        return config_fail(err, "RAFIKI_DATA_DIR", "path too long");
    env_err_t e;
    env_result_t er = access(path, F_OK) == 0 ? env_load_file(path, &e) : ENV_OK;
    if (er != ENV_OK)
        return fail(err, er == ENV_IO ? CONFIG_IO : CONFIG_INVALID, "RAFIKI_DATA_DIR: %s", e.msg);
    /* The admin token and SIGNATURE_SECRET are typed or pasted by people: URL-safe base64. */
    static const char *const names[] = {"ADMIN_API_SECRET", "STREAM_SECRET", "SIGNATURE_SECRET",
                                        "IDP_SECRET"};
    bool want[4];
    int nwant = 0;
    for (int i = 0; i < 4; i++)
        nwant += want[i] = !env_str(names[i], NULL);
    if (nwant > 0) {
        if (mkdir(dir, 0700) != 0 && errno != EEXIST)
            return fail(err, CONFIG_IO, "RAFIKI_DATA_DIR: %s", strerror(errno));
        int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd < 0)
            return fail(err, CONFIG_IO, "RAFIKI_DATA_DIR: %s", strerror(errno));
        uint8_t raw[32];
        char text[80], line[128], made[128] = "";
        bool written = true;
        for (int i = 0; i < 4 && written; i++) {
            if (!want[i])
                continue;
            rand_bytes(raw, sizeof raw);
            if (i == 1)
                hex_encode(text, sizeof text, raw, sizeof raw);
            else
                b64_encode(text, sizeof text, raw, sizeof raw, B64_URL | B64_NOPAD);
            int len = snprintf(line, sizeof line, "%s=%s\n", names[i], text);
            written = len >= 0 && write(fd, line, (size_t)len) == len;
            if (written)
                setenv(names[i], text, 0);
            size_t m = strlen(made);
            snprintf(made + m, sizeof made - m, "%s%s", m ? " " : "", names[i]);
        }
        close(fd);
        if (!written)
            return fail(err, CONFIG_IO, "RAFIKI_DATA_DIR: cannot write dev-secrets.env");
        LOGI("development: generated %s in %s (kept across restarts)", made, path);
    }
    cfg->dev_secrets_path = path;
    return CONFIG_OK;
}

config_result_t config_tls_load(config_t *cfg, config_err_t *err)
{
    cfg->tls_ca_file = env_str("TLS_CA_FILE", NULL);
    cfg->tls_ca_dir = env_str("TLS_CA_DIR", NULL);
    if (cfg->tls_ca_file && !*cfg->tls_ca_file)
        cfg->tls_ca_file = NULL;
    if (cfg->tls_ca_dir && !*cfg->tls_ca_dir)
        cfg->tls_ca_dir = NULL;
    http_client_err_t he;
    /* the file alone first, so that the message names the variable at fault */
    if (http_client_trust_set(cfg->tls_ca_file, NULL, &he) != HTTP_CLIENT_OK)
        return config_fail(err, "TLS_CA_FILE", he.msg);
    if (http_client_trust_set(cfg->tls_ca_file, cfg->tls_ca_dir, &he) != HTTP_CLIENT_OK)
        return config_fail(err, "TLS_CA_DIR", he.msg);
    return CONFIG_OK;
}

config_result_t config_load(config_t *cfg, config_err_t *err)
{
    config_result_t rc = config_load_database(cfg, err);
    if (rc != CONFIG_OK)
        return rc;
    bool admin_was_set = env_str("ADMIN_API_SECRET", NULL) != NULL;
    bool stream_was_set = env_str("STREAM_SECRET", NULL) != NULL;
    bool signature_was_set = env_str("SIGNATURE_SECRET", NULL) != NULL;
    bool idp_was_set = env_str("IDP_SECRET", NULL) != NULL;
    if (!cfg->production &&
        !(admin_was_set && stream_was_set && signature_was_set && idp_was_set) &&
        (rc = load_dev_secrets(cfg, err)) != CONFIG_OK)
        return rc;
    if (stream_was_set)
        cfg->dev_secrets_path = NULL;
    cfg->redis_url = env_str("REDIS_URL", NULL);
    cfg->console_url = env_str("CONSOLE_URL", NULL);
    cfg->ilp_address = env_str("ILP_ADDRESS", "test.rafiki");
    cfg->bind_host = env_str("BIND_HOST", "127.0.0.1");
    cfg->admin_api_secret = env_str("ADMIN_API_SECRET", NULL);
    cfg->stream_secret_hex = env_str("STREAM_SECRET", NULL);
    if ((rc = check_urls(cfg, err)) != CONFIG_OK || (rc = load_ports(cfg, err)) != CONFIG_OK ||
        (rc = load_auto_peering(cfg, err)) != CONFIG_OK ||
        (rc = load_payments(cfg, err)) != CONFIG_OK ||
        (rc = load_outgoing(cfg, err)) != CONFIG_OK ||
        (rc = load_webhooks(cfg, err)) != CONFIG_OK ||
        (rc = load_admin_signature(cfg, err)) != CONFIG_OK ||
        (rc = config_tls_load(cfg, err)) != CONFIG_OK ||
        (rc = require_secret(cfg, "ADMIN_API_SECRET", cfg->admin_api_secret, err)) != CONFIG_OK)
        return rc;
    if (cfg->admin_api_secret && strlen(cfg->admin_api_secret) < 16)
        LOGW("ADMIN_API_SECRET is shorter than 16 characters: use a long random value");
    if ((rc = load_stream_secret(cfg, err)) != CONFIG_OK || (rc = load_auth(cfg, err)) != CONFIG_OK)
        return rc;
    return load_client_key(cfg, err);
}
