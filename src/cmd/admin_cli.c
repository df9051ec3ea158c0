/*
 * `rafiki admin …`: the admin API from a shell (docs/admin-openapi.yaml is the reference).
 *
 *   rafiki admin [--json] [--url URL] GROUP VERB [ARGS] [--flag value ...]
 *
 * Each verb is one row of the table below: its method and path, its positional arguments, and
 * the flags that become fields of the JSON body ("flag=field:type"; a dotted field nests, e.g.
 * outgoing.endpoint; types: s string, i integer, a repeatable string (array), m amount
 * "VALUE,CODE,SCALE", j a JSON file, n a fresh id when not given, q a query parameter). Lists
 * follow next_cursor and print an aligned table of the verb's columns; single objects print "field
 * value" lines; --json prints the API's JSON unchanged. `outgoing-payments create --wait` and
 * `outgoing-payments wait ID` follow the payment to its final state, `accounts withdraw --wait`
 * and `withdrawals wait ID` a withdrawal until posted, voided or expired, with progress on
 * stderr.
 *
 * The admin URL: --url, else RAFIKI_ADMIN_URL, else http://127.0.0.1:$ADMIN_PORT (3001). The
 * token: ADMIN_API_SECRET, else the one `rafiki serve` keeps in $RAFIKI_DATA_DIR/dev-secrets.env
 * (development). Exit codes: 0 done, 1 the API refused (its error code and message on stderr),
 * 2 usage, 3 no server, no token or a token the server refuses.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/uuid.h"
#include "cmd/cmd.h"
#include "http/client.h"

enum { EXIT_OK = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_UNREACHABLE = 3 };

#define CLI_FLAGS_MAX 12
#define CLI_ROWS_MAX  10000

typedef struct {
    const char *group, *verb, *method, *path;
    const char *args;                 /* positionals, for usage: "ID AMOUNT" */
    const char *flags[CLI_FLAGS_MAX]; /* "flag=field:type", NULL-terminated */
    const char *list_key;             /* a list: the array's key */
    const char *columns;              /* a list: comma-separated fields */
    const char *help;
} verb_t;

/* One row per verb (clang-format would put every field on a line of its own). */
/* clang-format off */
static const verb_t verbs[] = {
    {"assets", "list", "GET", "/assets", "", {NULL}, "assets",
     "id,code,scale,liquidity_account_id", "list assets"},
    {"assets", "create", "POST", "/assets", "", {"code=code:s", "scale=scale:i", NULL}, NULL,
     NULL, "create an asset (--code USD --scale 2) with its liquidity and settlement accounts"},
    {"peers", "list", "GET", "/peers", "", {NULL}, "peers",
     "id,name,ilp_address,asset_code,outgoing.endpoint", "list peers"},
    {"peers", "create", "POST", "/peers", "",
     {"asset-id=asset_id:s", "ilp-address=ilp_address:s", "name=name:s",
      "incoming-token=incoming_tokens:a", "endpoint=outgoing.endpoint:s", "token=outgoing.token:s",
      "route=routes:a", "min-balance=min_balance:s", "max-packet-amount=max_packet_amount:s", NULL},
     NULL, NULL, "create a peer (tokens and routes repeat)"},
    {"peers", "update", "PATCH", "/peers/{1}", "ID",
     {"name=name:s", "incoming-token=incoming_tokens:a", "endpoint=outgoing.endpoint:s",
      "token=outgoing.token:s", "route=routes:a", "min-balance=min_balance:s", NULL},
     NULL, NULL, "change a peer (incoming tokens and routes replace the old ones)"},
    {"wallet-addresses", "list", "GET", "/wallet-addresses", "", {NULL}, "wallet_addresses",
     "id,url,public_name,status,account_id", "list wallet addresses"},
    {"wallet-addresses", "create", "POST", "/wallet-addresses", "",
     {"asset-id=asset_id:s", "url=url:s", "public-name=public_name:s", NULL}, NULL, NULL,
     "create a wallet address (--asset-id --url [--public-name])"},
    {"wallet-addresses", "get", "GET", "/wallet-addresses/{1}", "ID", {NULL}, NULL, NULL,
     "show a wallet address"},
    {"wallet-addresses", "update", "PATCH", "/wallet-addresses/{1}", "ID",
     {"status=status:s", "public-name=public_name:s", NULL}, NULL, NULL,
     "set --status active|inactive or --public-name"},
    {"keys", "list", "GET", "/wallet-addresses/{1}/keys", "WALLET_ADDRESS_ID", {NULL}, "keys",
     "kid,status,crv,x", "list a wallet address's client keys"},
    {"keys", "add", "POST", "/wallet-addresses/{1}/keys", "WALLET_ADDRESS_ID",
     {"jwk-file=jwk:j", NULL}, NULL, NULL, "add an Ed25519 JWK (--jwk-file key.json)"},
    {"keys", "revoke", "DELETE", "/wallet-addresses/{1}/keys/{2}", "WALLET_ADDRESS_ID KID",
     {NULL}, NULL, NULL, "revoke a client key (it stays listed as revoked)"},
    {"accounts", "status", "GET", "/accounts/{1}/status", "ID", {NULL}, NULL, NULL,
     "balance, pending amounts and totals of an account"},
    {"accounts", "deposit", "POST", "/accounts/{1}/deposits", "ID AMOUNT", {"id=id:n", NULL},
     NULL, NULL, "deposit AMOUNT (smallest units) into an account"},
    {"accounts", "withdraw", "POST", "/accounts/{1}/withdrawals", "ID AMOUNT",
     {"id=id:n", "timeout-ms=timeout_ms:i", NULL}, NULL, NULL,
     "start a withdrawal of AMOUNT (pending until posted or voided; --wait follows it)"},
    {"accounts", "transfers", "GET", "/accounts/{1}/transfers", "ID", {NULL}, "transfers",
     "id,state,debit_account_id,credit_account_id,amount,created_at", "an account's history"},
    {"withdrawals", "post", "POST", "/withdrawals/{1}/post", "ID", {NULL}, NULL, NULL,
     "complete a pending withdrawal"},
    {"withdrawals", "void", "POST", "/withdrawals/{1}/void", "ID", {NULL}, NULL, NULL,
     "cancel a pending withdrawal (the money returns)"},
    {"withdrawals", "wait", "GET", "/transfers/{1}", "ID", {NULL}, NULL, NULL,
     "follow a withdrawal until it is posted, voided or expires"},
    {"incoming-payments", "create", "POST", "/incoming-payments", "",
     {"wallet-address-id=wallet_address_id:s", "amount=incoming_amount:m",
      "expires-at=expires_at:s", NULL},
     NULL, NULL, "create an incoming payment (--amount VALUE,CODE,SCALE optional)"},
    {"incoming-payments", "get", "GET", "/incoming-payments/{1}", "ID", {NULL}, NULL, NULL,
     "show an incoming payment"},
    {"incoming-payments", "complete", "POST", "/incoming-payments/{1}/complete", "ID", {NULL},
     NULL, NULL, "complete an incoming payment (it takes no more money)"},
    {"quotes", "create", "POST", "/quotes", "",
     {"wallet-address-id=wallet_address_id:s", "receiver=receiver:s",
      "debit-amount=debit_amount:m", "receive-amount=receive_amount:m", NULL},
     NULL, NULL, "price a payment to a receiver (incoming payment or wallet address URL)"},
    {"quotes", "get", "GET", "/quotes/{1}", "ID", {NULL}, NULL, NULL, "show a quote"},
    {"outgoing-payments", "create", "POST", "/outgoing-payments", "",
     {"wallet-address-id=wallet_address_id:s", "quote-id=quote_id:s", NULL}, NULL, NULL,
     "pay a quote (--wait: follow it to its end)"},
    {"outgoing-payments", "get", "GET", "/outgoing-payments/{1}", "ID", {NULL}, NULL, NULL,
     "show an outgoing payment"},
    {"outgoing-payments", "wait", "GET", "/outgoing-payments/{1}", "ID", {NULL}, NULL, NULL,
     "follow an outgoing payment to its final state"},
    {"outgoing-payments", "cancel", "POST", "/outgoing-payments/{1}/cancel", "ID", {NULL}, NULL,
     NULL, "cancel a payment still funding"},
    {"console-users", "create", "POST", "/console-users", "NAME",
     {"role=role:s", "password=password:n", NULL}, NULL, NULL,
     "a user of the operator console (--role viewer|operator); prints its password once"},
    {"console-users", "list", "GET", "/console-users", "", {NULL}, "console_users",
     "name,role,created_at", "the operator console's users"},
    {"console-users", "role", "PATCH", "/console-users/{1}", "NAME ROLE", {NULL}, NULL, NULL,
     "a console user's role (viewer|operator); its open sessions change at once"},
    {"console-users", "delete", "DELETE", "/console-users/{1}", "NAME", {NULL}, NULL, NULL,
     "delete a console user; its sessions end at once"},
    {"webhook-events", "list", "GET", "/webhook-events", "",
     {"type=type:q", "state=state:q", "resource-id=resource_id:q", NULL}, "webhook_events",
     "id,type,state,attempts,resource_id,created_at", "recorded webhook events and their delivery"},
};
/* clang-format on */

#define N_VERBS (sizeof verbs / sizeof *verbs)

typedef struct {
    http_client_t *http;
    char base[256], auth[256]; /* auth: the token */
    bool json;
} cli_t;

/* ---- help ---- */

static void flag_usage(FILE *f, const verb_t *v)
{
    for (int i = 0; v->flags[i]; i++) {
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)strcspn(v->flags[i], "="), v->flags[i]);
        char type = v->flags[i][strlen(v->flags[i]) - 1];
        const char *arg = type == 'i'   ? "N"
                          : type == 'm' ? "VALUE,CODE,SCALE"
                          : type == 'j' ? "FILE"
                                        : "VALUE";
        fprintf(f, " [--%s %s%s]", name, arg, type == 'a' ? " ..." : "");
    }
}

static void usage(FILE *f, const char *group)
{
    fprintf(f, "usage: rafiki admin [--json] [--url URL] GROUP VERB [ARGS] [--flags]\n\n");
    for (size_t i = 0; i < N_VERBS; i++) {
        const verb_t *v = &verbs[i];
        if (group && strcmp(group, v->group) != 0)
            continue;
        fprintf(f, "  %s %s%s%s", v->group, v->verb, *v->args ? " " : "", v->args);
        flag_usage(f, v);
        fprintf(f, "\n      %s\n", v->help);
    }
    fprintf(f, "\nAdmin URL: --url, RAFIKI_ADMIN_URL or http://127.0.0.1:$ADMIN_PORT; token: "
               "ADMIN_API_SECRET or $RAFIKI_DATA_DIR/dev-secrets.env.\nExit codes: 0 done, 1 "
               "refused by the API, 2 usage, 3 no server or no valid token.\n");
}

/* ---- the request ---- */

/* Sets the dotted field of body to val (a new reference). */
static void set_field(json_t *body, const char *field, json_t *val)
{
    const char *dot = strchr(field, '.');
    if (!dot) {
        json_object_set_new(body, field, val);
        return;
    }
    char head[64];
    snprintf(head, sizeof head, "%.*s", (int)(dot - field), field);
    json_t *inner = json_object_get(body, head);
    if (!json_is_object(inner)) {
        inner = json_object();
        json_object_set_new(body, head, inner);
    }
    set_field(inner, dot + 1, val);
}

/* A flag's value as JSON per its type; NULL (and a message) when it does not parse. */
static json_t *flag_value(char type, const char *flag, const char *s)
{
    char *end;
    switch (type) {
    case 'i': {
        long long n = strtoll(s, &end, 10);
        if (*s && !*end)
            return json_integer(n);
        break;
    }
    case 'm': {
        /* VALUE,CODE,SCALE: digits, letters, 0-255 */
        const char *c1 = strchr(s, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
        long scale = c2 ? strtol(c2 + 1, &end, 10) : -1;
        if (!c2 || c1 == s || c1 - s > 63 || c2 == c1 + 1 || c2 - c1 > 16 || !*(c2 + 1) || *end ||
            scale < 0 || scale > 255 || strspn(s, "0123456789") != (size_t)(c1 - s) ||
            strspn(c1 + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") !=
                (size_t)(c2 - c1 - 1))
            break;
        char value[64], code[16];
        snprintf(value, sizeof value, "%.*s", (int)(c1 - s), s);
        snprintf(code, sizeof code, "%.*s", (int)(c2 - c1 - 1), c1 + 1);
        return json_pack("{s:s,s:s,s:i}", "value", value, "asset_code", code, "asset_scale",
                         (int)scale);
    }
    case 'j': {
        json_error_t je;
        json_t *doc = json_load_file(s, 0, &je);
        if (doc)
            return doc;
        fprintf(stderr, "rafiki admin: --%s %s: %s\n", flag, s, je.text);
        return NULL;
    }
    default:
        return json_string(s);
    }
    fprintf(stderr, "rafiki admin: --%s: '%s' is not %s\n", flag, s,
            type == 'i' ? "an integer" : "VALUE,CODE,SCALE (e.g. 1000,USD,2)");
    return NULL;
}

/* Applies --flag value to the body (or the query); -1 after a message when unknown or bad. */
static int apply_flag(const verb_t *v, const char *flag, const char *value, json_t *body,
                      char *query, size_t qcap)
{
    for (int i = 0; v->flags[i]; i++) {
        size_t n = strcspn(v->flags[i], "=");
        if (strlen(flag) != n || strncmp(flag, v->flags[i], n) != 0)
            continue;
        const char *field = v->flags[i] + n + 1;
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)strcspn(field, ":"), field);
        char type = field[strlen(field) - 1];
        if (type == 'q') {
            size_t len = strlen(query);
            snprintf(query + len, qcap - len, "%s%s=%s", len ? "&" : "?", name, value);
            return 0;
        }
        json_t *val = flag_value(type == 'n' ? 's' : type, flag, value);
        if (!val)
            return -1;
        if (type == 'a') {
            json_t *arr = json_object_get(body, name);
            if (!json_is_array(arr)) {
                arr = json_array();
                set_field(body, name, arr);
            }
            json_array_append_new(arr, val);
        } else {
            set_field(body, name, val);
        }
        return 0;
    }
    fprintf(stderr, "rafiki admin %s %s: unknown flag --%s\n", v->group, v->verb, flag);
    return -1;
}

unsigned cmd_admin_request(http_client_t *http, const char *url, const char *token,
                           const char *method, const json_t *body, json_t **out,
                           http_client_result_t *result)
{
    char bearer[320], idem[UUID_STR_LEN + 1];
    snprintf(bearer, sizeof bearer, "Bearer %s", token);
    uuid_v4(idem);
    http_header_t h[] = {
        {"Authorization", bearer}, {"Content-Type", "application/json"}, {"Idempotency-Key", idem}};
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    http_client_req_t rq = {.method = method,
                            .url = url,
                            .headers = h,
                            .n_headers = text ? 3 : 1,
                            .body = text ? SLICE_STR(text) : SLICE(NULL, 0),
                            .timeout_ms = 60000};
    http_client_resp_t resp;
    *result = http_client_do_sync(http, &rq, &resp);
    free(text);
    unsigned status = *result == HTTP_CLIENT_OK ? resp.status : 0;
    *out = status ? json_loadb((const char *)resp.body.ptr, resp.body.len, 0, NULL) : NULL;
    http_client_resp_free(&resp);
    return status;
}

int cmd_env_file_value(const char *path, const char *key, char *out, size_t cap)
{
    char line[1024];
    size_t n = strlen(key);
    int rc = -1;
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, key, n) == 0 && line[n] == '=') {
            line[strcspn(line, "\r\n")] = '\0';
            rc = snprintf(out, cap, "%s", line + n + 1) < (int)cap ? 0 : -1;
        }
    if (f)
        fclose(f);
    return rc;
}

/* One call: the answer's JSON in *out; the exit code it means. */
static int call(cli_t *c, const char *method, const char *path, json_t *body, json_t **out)
{
    char url[1024];
    snprintf(url, sizeof url, "%s%s", c->base, path);
    http_client_result_t rc;
    json_t *doc;
    unsigned status = cmd_admin_request(c->http, url, c->auth, method, body, &doc, &rc);
    *out = NULL;
    if (status == 0) {
        fprintf(stderr, "rafiki admin: %s: %s\n", c->base, http_client_result_str(rc));
        return EXIT_UNREACHABLE;
    }
    if (status < 300) {
        *out = doc;
        return EXIT_OK;
    }
    const json_t *e = json_object_get(doc, "error");
    const char *code = json_string_value(json_object_get(e, "code"));
    const char *msg = json_string_value(json_object_get(e, "message"));
    fprintf(stderr, "rafiki admin: %s %s: %u %s%s%s\n", method, path, status, code ? code : "error",
            msg ? ": " : "", msg ? msg : "");
    json_decref(doc);
    return status == 401 ? EXIT_UNREACHABLE : EXIT_REFUSED;
}

/* ---- output ---- */

/* The (dotted) field of o as text into out. */
static const char *field_text(const json_t *o, const char *field, char *out, size_t cap)
{
    const char *dot;
    while ((dot = strchr(field, '.')) != NULL) {
        char head[64];
        snprintf(head, sizeof head, "%.*s", (int)(dot - field), field);
        o = json_object_get(o, head);
        field = dot + 1;
    }
    const json_t *v = json_object_get(o, field);
    if (json_is_string(v))
        snprintf(out, cap, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(out, cap, "%lld", (long long)json_integer_value(v));
    else if (json_is_boolean(v))
        snprintf(out, cap, "%s", json_is_true(v) ? "true" : "false");
    else if (!v || json_is_null(v))
        snprintf(out, cap, "-");
    else {
        char *s = json_dumps(v, JSON_COMPACT);
        snprintf(out, cap, "%s", s ? s : "?");
        free(s);
    }
    return out;
}

static void print_table(const json_t *rows, const char *columns)
{
    char cols[16][48];
    int n = 0;
    for (const char *p = columns; *p && n < 16; n++) {
        size_t len = strcspn(p, ",");
        snprintf(cols[n], sizeof cols[n], "%.*s", (int)len, p);
        p += len + (p[len] == ',');
    }
    size_t width[16] = {0}, i;
    char cell[512];
    const json_t *row;
    for (int c = 0; c < n; c++)
        width[c] = strlen(cols[c]);
    json_array_foreach(rows, i, row)
    {
        for (int c = 0; c < n; c++) {
            size_t w = strlen(field_text(row, cols[c], cell, sizeof cell));
            if (w > width[c])
                width[c] = w;
        }
    }
    for (int c = 0; c < n; c++) {
        char up[48];
        for (size_t k = 0; k <= strlen(cols[c]); k++)
            up[k] =
                cols[c][k] == '.'
                    ? '_'
                    : (char)(cols[c][k] >= 'a' && cols[c][k] <= 'z' ? cols[c][k] - 32 : cols[c][k]);
        printf("%-*s%s", c + 1 < n ? (int)width[c] : 0, up, c + 1 < n ? "  " : "\n");
    }
    json_array_foreach(rows, i, row)
    {
        for (int c = 0; c < n; c++)
            printf("%-*s%s", c + 1 < n ? (int)width[c] : 0,
                   field_text(row, cols[c], cell, sizeof cell), c + 1 < n ? "  " : "\n");
    }
}

/* "field  value" lines; nested objects flattened with dots. */
static void print_object(const json_t *o, const char *prefix)
{
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)o, key, v)
    {
        char name[128];
        snprintf(name, sizeof name, "%s%s%s", prefix, *prefix ? "." : "", key);
        if (json_is_object(v) && json_object_size(v) > 0) {
            print_object(v, name);
            continue;
        }
        char cell[512];
        printf("%-28s %s\n", name, field_text(o, key, cell, sizeof cell));
    }
}

/* ---- verbs ---- */

/* Lists: every page (next_cursor), then one table or one JSON array. */
static int run_list(cli_t *c, const verb_t *v, const char *path)
{
    json_t *all = json_array();
    char page[1200], cursor[256] = "";
    int rc = EXIT_OK;
    while (json_array_size(all) < CLI_ROWS_MAX) {
        snprintf(page, sizeof page, "%s%s%s%s", path,
                 *cursor ? (strchr(path, '?') ? "&" : "?") : "", *cursor ? "cursor=" : "", cursor);
        json_t *doc;
        if ((rc = call(c, "GET", page, NULL, &doc)) != EXIT_OK)
            break;
        json_array_extend(all, json_object_get(doc, v->list_key));
        const char *next = json_string_value(json_object_get(doc, "next_cursor"));
        snprintf(cursor, sizeof cursor, "%s", next ? next : "");
        json_decref(doc);
        if (!*cursor)
            break;
    }
    if (rc == EXIT_OK && c->json)
        json_dumpf(all, stdout, JSON_INDENT(2)), putchar('\n');
    else if (rc == EXIT_OK)
        print_table(all, v->columns);
    json_decref(all);
    return rc;
}

static bool final_state(const char *s)
{
    return strcmp(s, "COMPLETED") == 0 || strcmp(s, "FAILED") == 0 || strcmp(s, "CANCELLED") == 0;
}

/* Follows an outgoing payment to its final state, with its progress on stderr. */
static int follow_payment(cli_t *c, const char *id, json_t **doc)
{
    char path[128], last[64] = "";
    snprintf(path, sizeof path, "/outgoing-payments/%s", id);
    for (;;) {
        json_t *d;
        int rc = call(c, "GET", path, NULL, &d);
        if (rc != EXIT_OK)
            return rc;
        const char *state = json_string_value(json_object_get(d, "state"));
        char sent[64], debit[64];
        field_text(d, "sent_amount.value", sent, sizeof sent);
        field_text(d, "debit_amount.value", debit, sizeof debit);
        if (!state || strcmp(state, last) != 0 || !final_state(state))
            fprintf(stderr, "%s: %s, sent %s of %s\n", id, state ? state : "?", sent, debit);
        snprintf(last, sizeof last, "%s", state ? state : "");
        if (state && final_state(state)) {
            json_decref(*doc);
            *doc = d;
            return strcmp(state, "COMPLETED") == 0 ? EXIT_OK : EXIT_REFUSED;
        }
        json_decref(d);
        nanosleep(&(struct timespec){0, 200 * 1000000L}, NULL);
    }
}

/* Follows a pending withdrawal until posted, voided or expired, its state on stderr. */
static int follow_withdrawal(cli_t *c, const char *id, json_t **doc)
{
    char path[128];
    snprintf(path, sizeof path, "/transfers/%s", id);
    for (int i = 0;; i++) {
        json_t *d;
        int rc = call(c, "GET", path, NULL, &d);
        if (rc != EXIT_OK)
            return rc;
        const char *state = json_string_value(json_object_get(d, "state"));
        if (state && strcmp(state, "pending") != 0) {
            fprintf(stderr, "%s: %s\n", id, state);
            json_decref(*doc);
            *doc = d;
            return strcmp(state, "posted") == 0 ? EXIT_OK : EXIT_REFUSED;
        }
        if (i % 10 == 0) /* every 2 s */
            fprintf(stderr,
                    "%s: pending (post or void it: rafiki admin withdrawals post|void "
                    "%s)\n",
                    id, id);
        json_decref(d);
        nanosleep(&(struct timespec){0, 200 * 1000000L}, NULL);
    }
}

/* Verbs that take --wait: starting a payment or a withdrawal. */
static bool waitable(const verb_t *v)
{
    return (strcmp(v->group, "outgoing-payments") == 0 && strcmp(v->verb, "create") == 0) ||
           (strcmp(v->group, "accounts") == 0 && strcmp(v->verb, "withdraw") == 0);
}

/* The request path of v with its positionals pos and the query; AMOUNT and the fresh ids of
 * "n" flags (unless given) go into body. */
static void request_build(const verb_t *v, const char *const *pos, int npos, const char *query,
                          json_t *body, char *path, size_t cap)
{
    for (const char *p = v->path; *p; p++) {
        size_t len = strlen(path);
        if (p[0] == '{' && p[1] >= '1' && p[1] <= '4' && p[2] == '}') {
            snprintf(path + len, cap - len, "%s", pos[p[1] - '1']);
            p += 2;
        } else if (len + 1 < cap) {
            path[len] = *p;
            path[len + 1] = '\0';
        }
    }
    if (strstr(v->args, "NAME") && strcmp(v->method, "POST") == 0) /* else it is in the path */
        json_object_set_new(body, "name", json_string(pos[0]));
    if (strstr(v->args, "ROLE"))
        json_object_set_new(body, "role", json_string(pos[npos - 1]));
    if (strstr(v->args, "AMOUNT"))
        json_object_set_new(body, "amount", json_string(pos[npos - 1]));
    for (int i = 0; v->flags[i]; i++) /* n: a fresh id unless given */
        if (v->flags[i][strlen(v->flags[i]) - 1] == 'n') {
            const char *f = strchr(v->flags[i], '=') + 1;
            char name[32], id[UUID_STR_LEN + 1];
            snprintf(name, sizeof name, "%.*s", (int)strcspn(f, ":"), f);
            uuid_v4(id);
            if (!json_object_get(body, name))
                json_object_set_new(body, name, json_string(id));
        }
    size_t len = strlen(path);
    snprintf(path + len, cap - len, "%s", query);
}

static int run_verb(cli_t *c, const verb_t *v, int argc, char **argv)
{
    char path[512] = "", query[512] = "";
    const char *pos[4] = {0};
    int npos = 0, want = *v->args ? 1 : 0;
    for (const char *p = v->args; *p; p++)
        want += *p == ' ';
    bool wait = false;
    json_t *body = json_object();
    int rc = EXIT_USAGE;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            fprintf(stdout, "usage: rafiki admin %s %s%s%s", v->group, v->verb, *v->args ? " " : "",
                    v->args);
            flag_usage(stdout, v);
            fprintf(stdout, "%s\n  %s\n", waitable(v) ? " [--wait]" : "", v->help);
            rc = EXIT_OK;
            goto out;
        } else if (strcmp(argv[i], "--wait") == 0 && waitable(v)) {
            wait = true;
        } else if (strncmp(argv[i], "--", 2) == 0 && i + 1 < argc) {
            if (apply_flag(v, argv[i] + 2, argv[i + 1], body, query, sizeof query) != 0)
                goto out;
            i++;
        } else if (strncmp(argv[i], "--", 2) == 0 || npos == want || npos == 4) {
            fprintf(stderr, "rafiki admin %s %s: unexpected '%s' (see --help)\n", v->group, v->verb,
                    argv[i]);
            goto out;
        } else {
            pos[npos++] = argv[i];
        }
    }
    if (npos != want) {
        fprintf(stderr, "rafiki admin %s %s: expected %s (see --help)\n", v->group, v->verb,
                v->args);
        goto out;
    }
    request_build(v, pos, npos, query, body, path, sizeof path);
    if (v->list_key) {
        rc = run_list(c, v, path);
        goto out;
    }
    json_t *doc = NULL;
    bool get = strcmp(v->method, "GET") == 0 || strcmp(v->method, "DELETE") == 0;
    rc = call(c, v->method, path, get ? NULL : body, &doc);
    const char *id = json_string_value(json_object_get(doc, "id"));
    bool money_out = strcmp(v->group, "withdrawals") == 0 || strcmp(v->group, "accounts") == 0;
    if (rc == EXIT_OK && id && (wait || strcmp(v->verb, "wait") == 0)) {
        char copy[64];
        snprintf(copy, sizeof copy, "%s", id);
        rc = money_out ? follow_withdrawal(c, copy, &doc) : follow_payment(c, copy, &doc);
    }
    if (rc == EXIT_OK && doc && strcmp(v->group, "console-users") == 0 &&
        strcmp(v->verb, "create") == 0) /* shown this once */
        json_object_set(doc, "password", json_object_get(body, "password"));
    if (doc && c->json)
        json_dumpf(doc, stdout, JSON_INDENT(2)), putchar('\n');
    else if (doc)
        print_object(doc, "");
    json_decref(doc);
out:
    json_decref(body);
    return rc;
}

/* ---- setup ---- */

/* The admin token: ADMIN_API_SECRET, or the development secrets file of `rafiki serve`. */
static int token_find(cli_t *c)
{
    const char *env = getenv("ADMIN_API_SECRET");
    char secret[256] = "";
    if (env && *env) {
        snprintf(secret, sizeof secret, "%s", env);
    } else {
        const char *dir = getenv("RAFIKI_DATA_DIR");
        char path[512];
        snprintf(path, sizeof path, "%s/dev-secrets.env", dir && *dir ? dir : "./data");
        if (cmd_env_file_value(path, "ADMIN_API_SECRET", secret, sizeof secret) != 0) {
            fprintf(stderr, "rafiki admin: no token: set ADMIN_API_SECRET (or RAFIKI_DATA_DIR "
                            "to a development data directory)\n");
            return EXIT_UNREACHABLE;
        }
    }
    snprintf(c->auth, sizeof c->auth, "%s", secret);
    return EXIT_OK;
}

int cmd_admin(int argc, char **argv)
{
    cli_t c = {0};
    const char *url = getenv("RAFIKI_ADMIN_URL");
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--json") == 0)
            c.json = true;
        else if (strcmp(argv[i], "--url") == 0 && i + 1 < argc)
            url = argv[++i];
        else if (strcmp(argv[i], "--help") == 0) {
            usage(stdout, NULL);
            return EXIT_OK;
        } else {
            usage(stderr, NULL);
            return EXIT_USAGE;
        }
    }
    if (i >= argc) {
        usage(stderr, NULL);
        return EXIT_USAGE;
    }
    const char *group = argv[i], *verb = i + 1 < argc ? argv[i + 1] : "--help";
    const verb_t *v = NULL;
    bool group_known = false;
    for (size_t k = 0; k < N_VERBS; k++) {
        group_known = group_known || strcmp(verbs[k].group, group) == 0;
        if (strcmp(verbs[k].group, group) == 0 && strcmp(verbs[k].verb, verb) == 0)
            v = &verbs[k];
    }
    if (!v) {
        bool help = strcmp(verb, "--help") == 0 && group_known;
        if (!help)
            fprintf(stderr, "rafiki admin: unknown %s '%s %s'\n\n", group_known ? "verb" : "group",
                    group, group_known ? verb : "");
        usage(help ? stdout : stderr, group_known ? group : NULL);
        return help ? EXIT_OK : EXIT_USAGE;
    }
    for (int k = i + 2; k < argc; k++)
        if (strcmp(argv[k], "--help") == 0)
            return run_verb(&c, v, argc - i - 2, argv + i + 2);
    if (url && *url) {
        snprintf(c.base, sizeof c.base, "%.*s", (int)strlen(url) - (url[strlen(url) - 1] == '/'),
                 url);
    } else {
        const char *port = getenv("ADMIN_PORT");
        snprintf(c.base, sizeof c.base, "http://127.0.0.1:%s", port && *port ? port : "3001");
    }
    int rc = token_find(&c);
    if (rc != EXIT_OK)
        return rc;
    config_t tls = {0};
    config_err_t tls_err;
    if (config_tls_load(&tls, &tls_err) != CONFIG_OK) {
        fprintf(stderr, "rafiki admin: %s\n", tls_err.msg);
        return EXIT_USAGE;
    }
    if (!(c.http = http_client_new(NULL)))
        return EXIT_UNREACHABLE;
    rc = run_verb(&c, v, argc - i - 2, argv + i + 2);
    http_client_free(c.http);
    return rc;
}
