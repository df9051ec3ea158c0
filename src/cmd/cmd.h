/*
 * The command verbs of the rafiki binary and the process configuration they share.
 *
 * Threads: the main thread, before and after the servers run.
 */
#ifndef RAFIKI_CMD_CMD_H
#define RAFIKI_CMD_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "payments/fees.h"
#include "base/limits.h"
#include "http/client.h"

typedef struct {
    const char *database_url;
    const char *redis_url;   /* NULL: in-process cache */
    const char *console_url; /* CONSOLE_URL: https makes the console's cookies Secure; NULL */
    const char *ilp_address;
    const char *admin_api_secret; /* NULL: the admin API refuses every request */
    /* ADMIN_API_SIGNATURE_VERSION / _TTL_SECONDS: Rafiki's admin API signatures
     * (admin/admin_signature.h), for the GraphQL admin API (POST /graphql) */
    uint32_t admin_signature_version;
    uint32_t admin_signature_ttl_s;
    const char *operator_tenant_id; /* OPERATOR_TENANT_ID, or NULL */
    const char *stream_secret_hex;  /* NULL when generated for this run (development only) */
    uint8_t stream_secret[STREAM_SHARED_SECRET_LEN];
    bool stream_secret_generated;
    const char *dev_secrets_path; /* development: where generated secrets are kept, or NULL */
    const char *bind_host;
    uint16_t open_payments_port;
    uint16_t admin_port;
    uint16_t connector_port;
    uint16_t auth_port;          /* AUTH_PORT: the GNAP authorization server (public) */
    uint16_t introspection_port; /* INTROSPECTION_PORT: token introspection (internal) */
    uint16_t interaction_port;   /* INTERACTION_PORT: the interaction API of an own IdP */
    uint16_t auth_admin_port;    /* AUTH_ADMIN_PORT: the auth Admin GraphQL API (internal) */
    bool production;
    bool wallet_address_allow_http; /* WALLET_ADDRESS_ALLOW_HTTP: GraphQL creates take http URLs */
    /* payments (Open Payments port) */
    char open_payments_url[256]; /* OPEN_PAYMENTS_URL without a trailing slash */
    char auth_server_url[256];   /* AUTH_SERVER_URL without a trailing slash */
    uint64_t incoming_payment_expiry_max_ms;
    bool wallet_address_poll;                  /* WALLET_ADDRESS_NOT_FOUND_POLLING_ENABLED */
    uint32_t wallet_address_lookup_timeout_ms; /* WALLET_ADDRESS_LOOKUP_TIMEOUT_MS */
    uint32_t wallet_address_poll_ms;           /* WALLET_ADDRESS_POLLING_FREQUENCY_MS */
    bool withdrawal_throttle;                  /* WITHDRAWAL_THROTTLE_DELAY is set */
    uint32_t withdrawal_throttle_delay_ms;     /* WITHDRAWAL_THROTTLE_DELAY (ms) */
    bool approval_poll;                        /* POLL_INCOMING_PAYMENT_CREATED_WEBHOOK */
    uint32_t approval_poll_timeout_ms;         /* INCOMING_PAYMENT_CREATED_POLL_TIMEOUT_MS */
    uint32_t approval_poll_frequency_ms;       /* INCOMING_PAYMENT_CREATED_POLL_FREQUENCY_MS */
    bool partial_decision;                     /* ENABLE_PARTIAL_PAYMENT_DECISION */
    uint32_t partial_decision_max_wait_ms;     /* PARTIAL_PAYMENT_DECISION_MAX_WAIT_MS */
    uint32_t partial_decision_margin_ms;       /* PARTIAL_PAYMENT_DECISION_SAFETY_MARGIN_MS */
    uint32_t shutdown_timeout_ms;              /* SHUTDOWN_TIMEOUT_MS: bound of a stop on SIGTERM */
    /* quotes and outgoing payments */
    uint32_t quote_lifespan_ms;         /* QUOTE_LIFESPAN */
    uint32_t slippage_ppm;              /* SLIPPAGE, parts per million */
    fees_table_t payment_fees;          /* PAYMENT_FEES */
    uint32_t outgoing_payment_workers;  /* OUTGOING_PAYMENT_WORKERS */
    uint32_t outgoing_payment_lease_ms; /* OUTGOING_PAYMENT_LEASE_MS */
    /* FUNDING_MODEL=rafiki: payments follow Rafiki's funding model (payments/payment_liquidity.h:
     * the wallet deposits and withdraws per payment); "ledger" (default): our ledger holds each
     * wallet address's balance and payments fund themselves from it */
    bool rafiki_funding;
    const char *webhook_url;      /* WEBHOOK_URL; NULL: events are recorded, not sent */
    const char *signature_secret; /* SIGNATURE_SECRET (HMAC key, used as given); NULL: unsigned */
    uint32_t webhook_timeout_ms;  /* WEBHOOK_TIMEOUT */
    unsigned webhook_max_retry;   /* WEBHOOK_MAX_RETRY: attempts per event in all */
    const char *webhook_events_disabled; /* WEBHOOK_EVENTS_DISABLED (applied by config_load) */
    /* SEND_TENANT_WEBHOOKS_TO_OPERATOR: the operator also receives tenants' events (applied by
     * config_load) */
    bool send_tenant_webhooks_to_operator;
    /* The instance's Open Payments client key (remote receivers): PRIVATE_KEY_FILE, or in
     * development $RAFIKI_DATA_DIR/private-key.pem, created when missing (key_generate). */
    char private_key_file[512];
    bool key_generate;
    const char *key_id; /* KEY_ID */
    /* the authorization server */
    const char *idp_secret;          /* IDP_SECRET: the interaction API's shared secret */
    const char *identity_server_url; /* IDENTITY_SERVER_URL; NULL: the built-in consent */
    /* AUTH_SERVER_INTROSPECTION_URL: where a backend without the auth component introspects
     * tokens; "": http://127.0.0.1:INTROSPECTION_PORT/ */
    char introspection_url[256];
    uint32_t access_token_expiry_s; /* ACCESS_TOKEN_EXPIRY_SECONDS */
    uint32_t wait_s;                /* WAIT_SECONDS */
    uint32_t interaction_expiry_s;  /* INTERACTION_EXPIRY_SECONDS */
    uint32_t pending_grants_max;    /* PENDING_GRANTS_MAX_PER_CLIENT */
    bool list_all_interaction, incoming_payment_interaction, quote_interaction;
    /* Rafiki's auto-peering (payments/auto_peering.h): ENABLE_AUTO_PEERING starts the server on
     * AUTO_PEERING_SERVER_PORT; ILP_CONNECTOR_URL (default http://127.0.0.1:CONNECTOR_PORT)
     * and INSTANCE_NAME (or NULL) are what this instance tells the peers it peers with */
    bool enable_auto_peering;
    uint16_t auto_peering_port;
    char ilp_connector_url[512];
    const char *instance_name;
    /* TLS_CA_FILE, TLS_CA_DIR: CAs every outgoing https call trusts besides the system's */
    const char *tls_ca_file, *tls_ca_dir;
} config_t;

typedef enum {
    CONFIG_OK = 0,
    CONFIG_INVALID, /* a variable is malformed, out of range, or missing where it is required */
    CONFIG_IO,      /* development: the secrets file cannot be read, created or written */
    CONFIG_RESULT_COUNT
} config_result_t;

/* For the operator: "NAME: what is wrong and what is expected". */
typedef struct {
    char msg[320];
} config_err_t;

/* Stable snake_case name of a result ("invalid"). */
const char *config_result_str(config_result_t r);

/* Reads and validates the configuration from the environment. Returns CONFIG_OK, or why not
 * with err->msg naming the variable, the problem and what was expected (err may be NULL).
 * Generates a random STREAM_SECRET (with a warning) in development when none is set.
 * Start-up only: it may setenv. */
config_result_t config_load(config_t *cfg, config_err_t *err);
/* Only TLS_CA_FILE and TLS_CA_DIR (part of config_load): checks them and hands them to every
 * HTTP client of the process (http_client_trust_set). */
config_result_t config_tls_load(config_t *cfg, config_err_t *err);
/* Only what `rafiki migrate` needs: mode, logging and DATABASE_URL (validated). */
config_result_t config_load_database(config_t *cfg, config_err_t *err);

/* The verbs; each returns the process exit status: 0, 1 when a component failed at run time
 * (logged), 2 for a usage or configuration error (printed to stderr). */
int cmd_serve(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
/* rafiki playground [demo] (playground.c) */
int cmd_playground(int argc, char **argv);
/* rafiki admin GROUP VERB ... (admin_cli.c) */
int cmd_admin(int argc, char **argv);

/* Shared by admin and playground: one admin API call (Bearer token, a fresh Idempotency-Key,
 * body not released): the HTTP status, 0 when there was no answer (*result says why), and the
 * answer's JSON in *out (NULL if none). */
unsigned cmd_admin_request(http_client_t *http, const char *url, const char *token,
                           const char *method, const json_t *body, json_t **out,
                           http_client_result_t *result);
/* The value of KEY in a file of KEY=VALUE lines (dev-secrets.env); 0, or -1 when absent. */
int cmd_env_file_value(const char *path, const char *key, char *out, size_t cap);

#endif
