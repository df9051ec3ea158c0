/*
 * What the console's pages share inside the web layer (console.h is the public face): one
 * request's signed-in principal, the guard every handler starts with, and the console's frame
 * (navigation and sign-out around pages.h's page).
 *
 * Threads: any admin worker thread; nothing here keeps state.
 */
#ifndef RAFIKI_WEB_CONSOLE_CALL_H
#define RAFIKI_WEB_CONSOLE_CALL_H

#include <stdbool.h>

#include "web/console.h"
#include "payments/console_users.h"
#include "base/slice.h"

typedef struct {
    http_req_t *req;
    const console_config_t *cfg;
    console_principal_t who;
    char csrf[CONSOLE_CSRF_LEN + 1];
    bool is_operator; /* the operator tenant: sees every tenant's rows */
} console_call_t;

typedef enum {
    CONSOLE_READ,   /* a GET: any signed-in principal */
    CONSOLE_CHANGE, /* a POST that changes something: the operator role and the CSRF token */
} console_need_t;

/* Starts a request: the session (else the sign-in page, 401), and for CONSOLE_CHANGE the form's
 * CSRF token (else 403) and the operator role (else 403). False when it answered. */
bool console_begin(http_req_t *req, const console_config_t *cfg, console_need_t need,
                   console_call_t *call);
/* Starts a console page in b: pages.h's frame, then the navigation and the sign-out form. */
void console_page_begin(const console_call_t *call, buf_t *b, const char *title);
/* The session's CSRF token as a hidden field of a form. */
void console_csrf_field(const console_call_t *call, buf_t *b);
/* A refusal page (title and text) inside the console's frame. */
http_handler_result_t console_refuse(const console_call_t *call, unsigned status, const char *title,
                                     const char *text);

/* A signed amount of smallest units in the asset's units ("-12.50"), escaped. */
void console_amount(buf_t *b, int64_t v, uint8_t scale);
/* A ledger id as text. */
void console_id(buf_t *b, ledger_id_t id);
/* A wall-clock time in ms as "YYYY-MM-DD HH:MM:SS" (UTC). */
void console_time(buf_t *b, int64_t at_ms);

/* Records a change in the audit log (console_users.h) as the call's principal with the
 * request's id; a failure to record is logged, the change stands. */
void console_audit(const console_call_t *call, const char *action, const char *target,
                   const char *detail);

/* Handlers of console_pages.c. */
http_handler_result_t console_overview(http_req_t *req, void *user);
http_handler_result_t console_assets(http_req_t *req, void *user);
http_handler_result_t console_asset_create(http_req_t *req, void *user);
http_handler_result_t console_asset_deposit(http_req_t *req, void *user);
http_handler_result_t console_asset_withdraw(http_req_t *req, void *user);
http_handler_result_t console_asset_threshold(http_req_t *req, void *user);
http_handler_result_t console_audit_page(http_req_t *req, void *user);

/* Handlers of console_tenants.c. */
http_handler_result_t console_tenants(http_req_t *req, void *user);
http_handler_result_t console_tenant_create(http_req_t *req, void *user);
http_handler_result_t console_tenant_page(http_req_t *req, void *user);
http_handler_result_t console_tenant_edit(http_req_t *req, void *user);
http_handler_result_t console_tenant_setting_set(http_req_t *req, void *user);
http_handler_result_t console_tenant_setting_delete(http_req_t *req, void *user);
http_handler_result_t console_tenant_funding(http_req_t *req, void *user);
http_handler_result_t console_tenant_delete(http_req_t *req, void *user);
/* Handlers of console_admin.c (the console users). */
http_handler_result_t console_users(http_req_t *req, void *user);
http_handler_result_t console_user_new(http_req_t *req, void *user);
http_handler_result_t console_user_role(http_req_t *req, void *user);
http_handler_result_t console_user_password(http_req_t *req, void *user);
http_handler_result_t console_user_remove(http_req_t *req, void *user);
/* The asset detail handlers of console_pages.c. */
http_handler_result_t console_asset_page(http_req_t *req, void *user);
http_handler_result_t console_asset_fee(http_req_t *req, void *user);
http_handler_result_t console_asset_withdrawal_threshold(http_req_t *req, void *user);
/* Handlers of console_peers.c and console_wallets.c. */
http_handler_result_t console_peers(http_req_t *req, void *user);
http_handler_result_t console_peer_create(http_req_t *req, void *user);
http_handler_result_t console_peer_page(http_req_t *req, void *user);
http_handler_result_t console_peer_update(http_req_t *req, void *user);
http_handler_result_t console_peer_deposit(http_req_t *req, void *user);
http_handler_result_t console_peer_withdraw(http_req_t *req, void *user);
http_handler_result_t console_peer_check(http_req_t *req, void *user);
http_handler_result_t console_peer_delete(http_req_t *req, void *user);
http_handler_result_t console_wallets(http_req_t *req, void *user);
http_handler_result_t console_wallet_create(http_req_t *req, void *user);
http_handler_result_t console_wallet_page(http_req_t *req, void *user);
http_handler_result_t console_wallet_update(http_req_t *req, void *user);
http_handler_result_t console_wallet_key_add(http_req_t *req, void *user);
http_handler_result_t console_wallet_key_revoke(http_req_t *req, void *user);
http_handler_result_t console_wallet_props(http_req_t *req, void *user);
/* The overview's charts (console_activity.c): payments and packets per minute, last hour. */
void console_overview_activity(const console_call_t *call, buf_t *b);
/* Handlers of console_payments.c and console_events.c, and what those two pages share. */
#include "payments/pay_console.h"

http_handler_result_t console_payments_incoming(http_req_t *req, void *user);
http_handler_result_t console_payments_outgoing(http_req_t *req, void *user);
http_handler_result_t console_payment_incoming(http_req_t *req, void *user);
http_handler_result_t console_payment_outgoing(http_req_t *req, void *user);
http_handler_result_t console_payment_incoming_complete(http_req_t *req, void *user);
http_handler_result_t console_payment_incoming_cancel(http_req_t *req, void *user);
http_handler_result_t console_payment_outgoing_cancel(http_req_t *req, void *user);
http_handler_result_t console_webhook_events(http_req_t *req, void *user);
http_handler_result_t console_webhook_event(http_req_t *req, void *user);
/* A filter's time, "YYYY-MM-DD", "YYYY-MM-DDTHH:MM" or "YYYY-MM-DDTHH:MM:SS" (UTC, a space for
 * the T too), into *out_ms; false when it is none of these. */
bool console_time_parse(const char *s, int64_t *out_ms);
/* A list's page link argument "<ms>_<key>" into *c ("" or NULL: the first page); false when
 * it is not one. */
bool console_cursor_parse(const char *s, pay_console_cursor_t *c);
/* "name=value&amp;" for a link's query, value form-encoded and escaped; nothing for "". */
void console_query_arg(buf_t *b, const char *name, const char *value);
/* A labelled text input whose name is its id, with value escaped. */
void console_text_input(buf_t *b, const char *id, const char *label, const char *value);
/* JSON text pretty-printed in a <pre>, escaped (as given when it does not parse; "none" for ""). */
void console_json_block(buf_t *b, const char *text);

#endif
