/*
 * Tenants as Rafiki 2.0 has them (packages/backend/src/tenants/): several wallets served by one
 * installation, each with its own admin API secret, IdP (consent URL and secret) and settings,
 * and the operator tenant that sees and manages every tenant's resources. Schema:
 * sql/065_tenants.sql.
 *
 * Ownership: assets, peers and wallet addresses are owned by a tenant (tenant_resources;
 * absent means the operator's, so a single-wallet installation writes nothing); payments,
 * quotes, keys and webhook events belong to the owner of their wallet address, asset or peer.
 * A tenant that is not the operator may touch what it owns and nothing else; the faces ask
 * pay_tenant_owner before they act on an id and give lists a pay_tenant_scope_t.
 *
 * Secrets: api_secret (and idp_secret) are kept as given, since the admin signature is an HMAC
 * keyed with the secret itself; they are never logged. Rafiki's answers (GraphQL code,
 * message; tenants/errors.ts, tenants/settings/errors.ts):
 *   PAY_TENANT_NOT_FOUND               NOT_FOUND       "Tenant not found"
 *   PAY_TENANT_INVALID_ID              BAD_USER_INPUT  "Invalid Tenant ID"
 *   PAY_TENANT_INVALID_SETTING         BAD_USER_INPUT  "Invalid value for one or more tenant
 *                                                       settings"
 *   PAY_TENANT_DUPLICATE_WALLET_URL    BAD_USER_INPUT  "Wallet Address Url already exists"
 *
 * Threads: every call blocks on the database; worker threads only.
 */
#ifndef RAFIKI_PAYMENTS_TENANTS_H
#define RAFIKI_PAYMENTS_TENANTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "connector/connector.h"
#include "ledger/ledger.h"
#include "payments/keyset.h"
#include "store/db.h"

#define PAY_TENANT_ID_LEN     36   /* canonical UUID text */
#define PAY_TENANT_SECRET_MAX 256  /* api_secret, idp_secret: bytes */
#define PAY_TENANT_TEXT_MAX   1024 /* email, public name, URLs, setting values: bytes */
#define PAY_TENANT_SETTINGS   6    /* the keys below */
#define PAY_TENANTS_PAGE_MAX  100

typedef enum {
    PAY_TENANT_OK = 0,
    PAY_TENANT_NOT_FOUND,
    PAY_TENANT_INVALID_ID,           /* not a UUID */
    PAY_TENANT_DUPLICATE,            /* create: the id is taken */
    PAY_TENANT_INVALID_INPUT,        /* a field empty where required, or longer than allowed */
    PAY_TENANT_INVALID_SETTING,      /* a setting's value fails Rafiki's validator */
    PAY_TENANT_DUPLICATE_WALLET_URL, /* WALLET_ADDRESS_URL: another tenant has this value */
    PAY_TENANT_STORAGE_ERROR,
    PAY_TENANT_RESULT_COUNT
} pay_tenant_result_t;

const char *pay_tenant_result_str(pay_tenant_result_t r);

/* A setting key as Rafiki spells it ("WEBHOOK_URL"); NULL outside 0..PAY_TENANT_SETTINGS. */
const char *pay_tenant_setting_key(unsigned i);
/* Whether value is a valid value of key (Rafiki's TENANT_SETTING_VALIDATORS): URLs parse,
 * ILP_ADDRESS is an ILP address, WEBHOOK_TIMEOUT > 0, WEBHOOK_MAX_RETRY >= 0. An unknown key is
 * not valid. */
bool pay_tenant_setting_valid(const char *key, const char *value);

typedef struct {
    char id[PAY_TENANT_ID_LEN + 1];
    char email[PAY_TENANT_TEXT_MAX + 1]; /* "" : none */
    char api_secret[PAY_TENANT_SECRET_MAX + 1];
    char idp_consent_url[PAY_TENANT_TEXT_MAX + 1];
    char idp_secret[PAY_TENANT_SECRET_MAX + 1];
    char public_name[PAY_TENANT_TEXT_MAX + 1];
    bool is_operator;
    char funding_model[8]; /* "rafiki", "ledger", or "": the instance's FUNDING_MODEL */
    int64_t created_ms;
    int64_t updated_ms;
    int64_t deleted_ms; /* 0: live */
} pay_tenant_t;

/* What createTenant / updateTenant carry; NULL members are absent (update leaves them). */
typedef struct {
    const char *id; /* create: NULL makes one */
    const char *email;
    const char *api_secret;
    const char *idp_consent_url;
    const char *idp_secret;
    const char *public_name;
} pay_tenant_input_t;

typedef struct {
    char key[32];
    char value[PAY_TENANT_TEXT_MAX + 1];
} pay_tenant_setting_t;

/* Creates a tenant with its settings (Rafiki's createTenant: the settings given, and ILP_ADDRESS
 * = default_ilp_address + "." + id unless given, WEBHOOK_TIMEOUT 2000 and WEBHOOK_MAX_RETRY 10
 * unless given). One transaction. */
pay_tenant_result_t pay_tenant_create(db_t *db, const pay_tenant_input_t *in,
                                      const pay_tenant_setting_t *settings, size_t n,
                                      const char *default_ilp_address, pay_tenant_t *out);
/* A tenant by id; deleted ones only when include_deleted. */
pay_tenant_result_t pay_tenant_get(db_t *db, const char *id, bool include_deleted,
                                   pay_tenant_t *out);
/* Patches a live tenant's given fields. */
pay_tenant_result_t pay_tenant_update(db_t *db, const pay_tenant_input_t *in, pay_tenant_t *out);
/* Soft-deletes a live tenant and drops its settings. The operator cannot be deleted
 * (NOT_FOUND, as an unknown id). */
pay_tenant_result_t pay_tenant_delete(db_t *db, const char *id, int64_t now_ms);
/* One page of every tenant, deleted ones too (Rafiki's getPage), in the keyset's order. */
pay_tenant_result_t pay_tenants_page(db_t *db, const pay_keyset_t *k, pay_tenant_t *out, size_t *n,
                                     bool *has_prev, bool *has_next);

/* A live tenant's settings, in key order (at most PAY_TENANT_SETTINGS). */
pay_tenant_result_t pay_tenant_settings(db_t *db, const char *tenant_id, pay_tenant_setting_t *out,
                                        size_t *n);
/* One setting's value into out (cap bytes); NOT_FOUND when the tenant has none. */
pay_tenant_result_t pay_tenant_setting(db_t *db, const char *tenant_id, const char *key, char *out,
                                       size_t cap);
/* Rafiki's createTenantSettings: validates every setting, then inserts or replaces them (keys
 * Rafiki does not know are ignored); out receives the tenant's settings afterwards. */
pay_tenant_result_t pay_tenant_settings_set(db_t *db, const char *tenant_id,
                                            const pay_tenant_setting_t *in, size_t n,
                                            pay_tenant_setting_t *out, size_t *n_out);

/* Removes one setting of a live tenant (Rafiki's deleteTenantSettings for one key; the
 * instance's value applies again): OK, NOT_FOUND (no such tenant, or it has no such setting),
 * INVALID_SETTING (a key Rafiki does not know), STORAGE_ERROR. */
pay_tenant_result_t pay_tenant_setting_delete(db_t *db, const char *tenant_id, const char *key);

/* Sets a live tenant's funding model: "rafiki", "ledger", or NULL for the instance's
 * FUNDING_MODEL (INVALID_INPUT for anything else). Payments made before keep theirs. */
pay_tenant_result_t pay_tenant_set_funding(db_t *db, const char *id, const char *model);
/* Whether a payment of wallet address wallet_address_id is funded Rafiki's way: its tenant's
 * funding model, else instance_rafiki (FUNDING_MODEL). A storage failure logs and answers
 * instance_rafiki. */
bool pay_tenant_rafiki_funding(db_t *db, ledger_id_t wallet_address_id, bool instance_rafiki);

/* At start: makes the operator tenant. With operator_id (OPERATOR_TENANT_ID) that row, whose
 * secret becomes admin_secret (Rafiki's updateOperatorApiSecretFromConfig); without one the
 * operator row already there, or a new one. Its id into out. */
pay_tenant_result_t pay_tenant_bootstrap(db_t *db, const char *operator_id,
                                         const char *admin_secret, char out[PAY_TENANT_ID_LEN + 1]);

/* The resources a tenant owns, and the ones that belong to an owner's. */
typedef enum {
    PAY_OWNED_ASSET = 1,
    PAY_OWNED_PEER = 2,
    PAY_OWNED_WALLET_ADDRESS = 3,
    PAY_OWNED_INCOMING = 10, /* by its wallet address */
    PAY_OWNED_OUTGOING,
    PAY_OWNED_QUOTE,
    PAY_OWNED_WALLET_KEY,
    PAY_OWNED_EVENT,          /* a webhook event, by the resource it reports */
    PAY_OWNED_WALLET_URL,     /* a wallet address by its URL */
    PAY_OWNED_WITHDRAWAL = 4, /* a liquidity withdrawal a tenant started (its transfer id) */
} pay_owned_t;

/* Records that tenant_id owns the asset, peer, wallet address or withdrawal id (nothing for the
 * operator, which owns what has no row). */
pay_tenant_result_t pay_tenant_own(db_t *db, pay_owned_t kind, ledger_id_t id,
                                   const char *tenant_id);
/* The same inside the caller's write transaction on c (a create that records its owner with
 * its row). */
db_rc_t pay_tenant_own_on(db_conn_t *c, pay_owned_t kind, ledger_id_t id, const char *tenant_id,
                          db_err_t *e);

/* The owner of the resource key names (its id as UUID text; for PAY_OWNED_WALLET_URL the
 * wallet address's URL) into out: a tenant id, or "" for the operator's. OK, or NOT_FOUND when
 * the kind can tell that no such resource exists (every kind but assets, peers and wallet
 * addresses by id, whose absence reads as the operator's: the caller's own lookup says whether
 * they exist), or STORAGE_ERROR. */
pay_tenant_result_t pay_tenant_owner(db_t *db, pay_owned_t kind, const char *key,
                                     char out[PAY_TENANT_ID_LEN + 1]);

/* A tenant's own exchange rates (its EXCHANGE_RATES_URL setting) for quotes of its wallet
 * addresses: quote_svc_t.rates_for with ctx a pay_tenant_rates_t. NULL (the instance's rates)
 * for the operator's wallet addresses and tenants without the setting. */
typedef struct {
    db_t *db;
    connector_t *connector;
} pay_tenant_rates_t;
rates_t *pay_tenant_rates_for_wallet(void *ctx, ledger_id_t wallet_address_id);

/* STREAM credentials under the ILP address of the wallet address's tenant (its ILP_ADDRESS
 * setting, Rafiki's default {ILP_ADDRESS}.{tenantId}): address (handed out under base, the
 * instance's ILP address) rewritten into out with the tenant's address in place of base. False
 * (out untouched) for the operator's wallet addresses, a tenant without the setting, or one
 * whose address is not below base with at most STREAM_RECEIVER_SUB_SEGMENTS_MAX more segments
 * (packets to it would not reach us: it receives under base). */
bool pay_tenant_stream_address(db_t *db, ledger_id_t wallet_address_id, const char *base,
                               const char *address, char out[ILP_ADDRESS_MAX_LEN + 1]);

/* Which tenant's rows a list holds. */
typedef enum {
    PAY_SCOPE_ALL = 0,  /* every tenant's (the operator without a tenantId argument) */
    PAY_SCOPE_TENANT,   /* tenant_id's (a tenant that is not the operator) */
    PAY_SCOPE_OPERATOR, /* the operator's own (the operator's tenantId argument) */
} pay_scope_kind_t;

typedef struct {
    pay_scope_kind_t kind;
    char tenant_id[PAY_TENANT_ID_LEN + 1]; /* PAY_SCOPE_TENANT */
} pay_tenant_scope_t;

/* Whether the owner (as pay_tenant_owner answers) is inside scope. */
bool pay_tenant_scope_has(const pay_tenant_scope_t *scope, const char *owner);

#endif
