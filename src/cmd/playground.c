/*
 * `rafiki playground`: two wallets on this machine, peered over loopback, to see a
 * cross-currency payment within a minute of cloning. Cloud Nine Wallet (USD,
 * test.cloud-nine-wallet) and Happy Life Bank (EUR, test.happy-life-bank) are each a
 * `rafiki serve` child process with its own SQLite file and secrets under
 * data/playground/<wallet>/. The first run seeds them through their admin APIs: assets, a peer
 * each way (USD from Cloud Nine, EUR from Happy Life Bank, with credit lines), liquidity,
 * exchange rates, a user with a password and a funded wallet address (alice at Cloud Nine, bob
 * at Happy Life Bank); later runs reuse the data (--reset starts fresh). It writes
 * data/playground/playground.json (the URLs and ids the demo needs), prints every URL and
 * login, and runs until SIGINT or SIGTERM, which it passes on to both children; if a child dies
 * it stops the other and exits 1.
 *
 * `rafiki playground demo` pays bob 10.00 EUR from alice's USD through the running
 * playground (an incoming payment at Happy Life Bank, a quote and an outgoing payment at Cloud
 * Nine) and prints each step and both balances; exit 0 only when the payment completed and
 * bob's balance rose by what he asked.
 *
 * Options: --dir DIR (default data/playground), --ports A,B (first port of each wallet,
 * default 3000,4000; each uses base+0 Open Payments, +1 admin, +2 connector, +3 auth admin
 * (GraphQL), +6 auth, +7 introspection, +9 interaction), --reset.
 */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/rand.h"
#include "base/uuid.h"
#include "cmd/cmd.h"
#include "http/client.h"

#define PG_WALLETS   2
#define PG_START_MS  20000
#define PG_STOP_MS   15000
#define PG_RATES     "{\"USD\":{\"EUR\":\"0.92\"}}"
#define PG_DEMO_WAIT 60000

typedef struct {
    const char *name, *slug, *asset, *ilp, *user, *password, *wallet;
    const char *deposit; /* the user's opening balance, smallest units */
    uint16_t base;
    pid_t pid;
    char dir[512], secret[256];
} pg_wallet_t;

static pg_wallet_t wallets[PG_WALLETS] = {
    {"Cloud Nine Wallet", "cloud-nine-wallet", "USD", "test.cloud-nine-wallet", "alice",
     "alice-playground", "alice", "100000", 3000, 0, "", ""},
    {"Happy Life Bank", "happy-life-bank", "EUR", "test.happy-life-bank", "bob", "bob-playground",
     "bob", "50000", 4000, 0, "", ""},
};

typedef struct {
    char root[400];
    bool reset, demo;
} pg_opts_t;

/* ---- the children ---- */

static uint16_t port_of(const pg_wallet_t *w, int offset)
{
    return (uint16_t)(w->base + offset);
}

static void setenv_u(const char *k, unsigned v)
{
    char s[16];
    snprintf(s, sizeof s, "%u", v);
    setenv(k, s, 1);
}

static void setenv_url(const char *k, uint16_t port)
{
    char s[64];
    snprintf(s, sizeof s, "http://localhost:%u", (unsigned)port);
    setenv(k, s, 1);
}

/* fork and exec this binary's `serve` with the wallet's environment; 0 or -1. */
static int child_start(pg_wallet_t *w)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid > 0) {
        w->pid = pid;
        return 0;
    }
    prctl(PR_SET_PDEATHSIG, SIGTERM); /* the playground gone: its children go too */
    char db[600];
    snprintf(db, sizeof db, "sqlite:%s/rafiki.db", w->dir);
    setenv("DATABASE_URL", db, 1);
    setenv("RAFIKI_DATA_DIR", w->dir, 1);
    setenv("ILP_ADDRESS", w->ilp, 1);
    setenv("EXCHANGE_RATES", PG_RATES, 1);
    setenv_u("OPEN_PAYMENTS_PORT", port_of(w, 0));
    setenv_u("ADMIN_PORT", port_of(w, 1));
    setenv_u("CONNECTOR_PORT", port_of(w, 2));
    setenv_u("AUTH_PORT", port_of(w, 6));
    setenv_u("INTROSPECTION_PORT", port_of(w, 7));
    setenv_u("INTERACTION_PORT", port_of(w, 9));
    setenv_u("AUTH_ADMIN_PORT", port_of(w, 3));
    setenv_url("OPEN_PAYMENTS_URL", port_of(w, 0));
    setenv_url("AUTH_SERVER_URL", port_of(w, 6));
    if (!getenv("LOG_LEVEL"))
        setenv("LOG_LEVEL", "warn", 1);
    unsetenv("ADMIN_API_SECRET"); /* each keeps its own in its data directory */
    unsetenv("STREAM_SECRET");
    unsetenv("IDP_SECRET");
    unsetenv("RAFIKI_ENV");
    unsetenv("NODE_ENV");
    execl("/proc/self/exe", "rafiki", "serve", (char *)NULL);
    fprintf(stderr, "playground: cannot run rafiki serve: %s\n", strerror(errno));
    _exit(127);
}

static void children_stop(void)
{
    for (int i = 0; i < PG_WALLETS; i++)
        if (wallets[i].pid > 0)
            kill(wallets[i].pid, SIGTERM);
    for (int waited = 0; waited < PG_STOP_MS; waited += 50) {
        bool any = false;
        for (int i = 0; i < PG_WALLETS; i++) {
            if (wallets[i].pid > 0 && waitpid(wallets[i].pid, NULL, WNOHANG) == wallets[i].pid)
                wallets[i].pid = 0;
            any = any || wallets[i].pid > 0;
        }
        if (!any)
            return;
        nanosleep(&(struct timespec){0, 50 * 1000000L}, NULL);
    }
    for (int i = 0; i < PG_WALLETS; i++)
        if (wallets[i].pid > 0) {
            fprintf(stderr, "playground: %s did not stop: killed\n", wallets[i].name);
            kill(wallets[i].pid, SIGKILL);
            waitpid(wallets[i].pid, NULL, 0);
        }
}

/* ---- the admin APIs ---- */

static http_client_t *http;

/* method path [body] on the wallet's admin API; the answer's JSON in *out (may be NULL);
 * returns the HTTP status, 0 when there was no answer. */
static unsigned api(const pg_wallet_t *w, const char *method, const char *path, json_t *body,
                    json_t **out)
{
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", (unsigned)port_of(w, 1), path);
    http_client_result_t rc;
    json_t *doc;
    unsigned status = cmd_admin_request(http, url, w->secret, method, body, &doc, &rc);
    json_decref(body);
    if (status == 0 || status >= 300) {
        char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
        fprintf(stderr, "playground: %s %s %s: %u %s\n", w->name, method, path, status,
                text ? text : http_client_result_str(rc));
        free(text);
    }
    if (out)
        *out = doc;
    else
        json_decref(doc);
    return status;
}

static const char *str(const json_t *doc, const char *key)
{
    const char *s = json_string_value(json_object_get(doc, key));
    return s ? s : "";
}

static bool read_secret(pg_wallet_t *w);

/* True when every listener of the wallet answers /healthz (serve opens them one after the
 * other: a peer's packets must not find the connector closed after "ready"). */
static bool child_listening(const pg_wallet_t *w)
{
    static const int offsets[] = {0, 1, 2, 3, 6, 7, 9};
    for (size_t i = 0; i < sizeof offsets / sizeof *offsets; i++) {
        char url[128];
        snprintf(url, sizeof url, "http://127.0.0.1:%u/healthz", (unsigned)port_of(w, offsets[i]));
        http_client_req_t rq = {.method = "GET", .url = url, .timeout_ms = 1000};
        http_client_resp_t resp;
        bool up = http_client_do_sync(http, &rq, &resp) == HTTP_CLIENT_OK && resp.status == 200;
        http_client_resp_free(&resp);
        if (!up)
            return false;
    }
    return true;
}

/* Waits until every listener of the wallet answers and reads its admin secret (written by
 * serve in its data directory on first start); false when the child died or did not come up
 * in time. */
static bool child_ready(pg_wallet_t *w)
{
    for (int waited = 0;; waited += 100) {
        if (waitpid(w->pid, NULL, WNOHANG) == w->pid) {
            w->pid = 0;
            fprintf(stderr, "playground: %s exited while starting (is port %u taken?)\n", w->name,
                    (unsigned)w->base);
            return false;
        }
        if (child_listening(w))
            break;
        if (waited >= PG_START_MS) {
            fprintf(stderr, "playground: %s did not start within %d s\n", w->name,
                    PG_START_MS / 1000);
            return false;
        }
        nanosleep(&(struct timespec){0, 100 * 1000000L}, NULL);
    }
    return read_secret(w);
}

/* The wallet's admin secret, from the dev-secrets.env serve keeps in its data directory. */
static bool read_secret(pg_wallet_t *w)
{
    char path[600];
    snprintf(path, sizeof path, "%s/dev-secrets.env", w->dir);
    if (cmd_env_file_value(path, "ADMIN_API_SECRET", w->secret, sizeof w->secret) != 0)
        fprintf(stderr, "playground: %s: no ADMIN_API_SECRET in %s\n", w->name, path);
    return w->secret[0] != '\0';
}

/* ---- seeding ---- */

static json_t *asset_create(const pg_wallet_t *w, const char *code)
{
    json_t *a = NULL;
    if (api(w, "POST", "/assets", json_pack("{s:s,s:i}", "code", code, "scale", 2), &a) != 201) {
        json_decref(a);
        return NULL;
    }
    return a;
}

static bool deposit(const pg_wallet_t *w, const char *account, const char *amount)
{
    char path[128], id[UUID_STR_LEN + 1];
    snprintf(path, sizeof path, "/accounts/%s/deposits", account);
    uuid_v4(id);
    return api(w, "POST", path, json_pack("{s:s,s:s}", "id", id, "amount", amount), NULL) == 201;
}

/* w's assets, liquidity, user and wallet address; *wallet_out: the wallet address. */
static bool seed_wallet(const pg_wallet_t *w, json_t **usd, json_t **eur, json_t **wallet_out)
{
    if (!(*usd = asset_create(w, "USD")) || !(*eur = asset_create(w, "EUR")))
        return false;
    /* liquidity in both assets: what a payment in the other asset is delivered from */
    if (!deposit(w, str(*usd, "liquidity_account_id"), "100000000") ||
        !deposit(w, str(*eur, "liquidity_account_id"), "100000000"))
        return false;
    const json_t *mine = strcmp(w->asset, "USD") == 0 ? *usd : *eur;
    char url[128];
    snprintf(url, sizeof url, "http://localhost:%u/%s", (unsigned)port_of(w, 0), w->wallet);
    json_t *wa = NULL;
    if (api(w, "POST", "/wallet-addresses",
            json_pack("{s:s,s:s,s:s}", "asset_id", str(mine, "id"), "url", url, "public_name",
                      w->user),
            &wa) != 201 ||
        !deposit(w, str(wa, "account_id"), w->deposit) ||
        api(w, "POST", "/users",
            json_pack("{s:s,s:s,s:[s]}", "username", w->user, "password", w->password,
                      "wallet_address_ids", str(wa, "id")),
            NULL) != 201) {
        json_decref(wa);
        return false;
    }
    *wallet_out = wa;
    return true;
}

/* One direction of the peering: `from` sends `asset` to `to` over ILP-over-HTTP with token;
 * `to` takes it on a credit line. */
static bool peer_link(const pg_wallet_t *from, const json_t *from_asset, const pg_wallet_t *to,
                      const json_t *to_asset, const char *token)
{
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%u/", (unsigned)port_of(to, 2));
    return api(from, "POST", "/peers",
               json_pack("{s:s,s:s,s:s,s:[s],s:{s:s,s:s}}", "name", to->name, "asset_id",
                         str(from_asset, "id"), "ilp_address", to->ilp, "routes", to->ilp,
                         "outgoing", "endpoint", endpoint, "token", token),
               NULL) == 201 &&
           api(to, "POST", "/peers",
               json_pack("{s:s,s:s,s:s,s:[s],s:s}", "name", from->name, "asset_id",
                         str(to_asset, "id"), "ilp_address", from->ilp, "incoming_tokens", token,
                         "min_balance", "-1000000000"),
               NULL) == 201;
}

/* Peering: Cloud Nine sends USD to Happy Life Bank, Happy Life Bank sends EUR to Cloud Nine. */
static bool seed_peers(json_t *const usd[PG_WALLETS], json_t *const eur[PG_WALLETS])
{
    char tok[2][65];
    for (int i = 0; i < 2; i++) {
        uint8_t b[32];
        rand_bytes(b, sizeof b);
        for (int j = 0; j < 32; j++)
            snprintf(tok[i] + 2 * j, 3, "%02x", b[j]);
    }
    return peer_link(&wallets[0], usd[0], &wallets[1], usd[1], tok[0]) &&
           peer_link(&wallets[1], eur[1], &wallets[0], eur[0], tok[1]);
}

static int state_path(const pg_opts_t *o, char *out, size_t cap)
{
    return snprintf(out, cap, "%s/playground.json", o->root) < (int)cap ? 0 : -1;
}

/* Seeds both wallets and writes playground.json; false after printing why. */
static bool seed(const pg_opts_t *o)
{
    json_t *usd[PG_WALLETS] = {0}, *eur[PG_WALLETS] = {0}, *wa[PG_WALLETS] = {0};
    bool ok = true;
    for (int i = 0; i < PG_WALLETS && ok; i++)
        ok = seed_wallet(&wallets[i], &usd[i], &eur[i], &wa[i]);
    ok = ok && seed_peers(usd, eur);
    json_t *list = json_array();
    for (int i = 0; i < PG_WALLETS && ok; i++)
        json_array_append_new(
            list,
            json_pack("{s:s,s:s,s:i,s:s,s:s,s:s,s:s,s:s}", "name", wallets[i].name, "slug",
                      wallets[i].slug, "base", (int)wallets[i].base, "asset", wallets[i].asset,
                      "user", wallets[i].user, "wallet_url", str(wa[i], "url"), "wallet_address_id",
                      str(wa[i], "id"), "account_id", str(wa[i], "account_id")));
    char path[512];
    if (ok && (state_path(o, path, sizeof path) != 0 ||
               json_dump_file(json_pack("{s:o}", "wallets", list), path, JSON_INDENT(2)) != 0)) {
        fprintf(stderr, "playground: cannot write %s\n", path);
        ok = false;
    } else if (!ok) {
        json_decref(list);
    }
    for (int i = 0; i < PG_WALLETS; i++) {
        json_decref(usd[i]);
        json_decref(eur[i]);
        json_decref(wa[i]);
    }
    return ok;
}

static void print_ready(const pg_opts_t *o)
{
    printf("\nThe playground is running (Ctrl-C stops it; data in %s):\n", o->root);
    for (int i = 0; i < PG_WALLETS; i++) {
        const pg_wallet_t *w = &wallets[i];
        printf("\n  %s (%s, %s)\n", w->name, w->asset, w->ilp);
        printf("    wallet address  http://localhost:%u/%s\n", (unsigned)port_of(w, 0), w->wallet);
        printf("    wallet page     http://localhost:%u/wallet (login %s / %s; also on the "
               "consent screen)\n",
               (unsigned)port_of(w, 6), w->user, w->password);
        printf("    Open Payments   http://localhost:%u\n", (unsigned)port_of(w, 0));
        printf("    auth server     http://localhost:%u/\n", (unsigned)port_of(w, 6));
        printf("    admin API       http://127.0.0.1:%u (bearer: ADMIN_API_SECRET in "
               "%s/dev-secrets.env)\n",
               (unsigned)port_of(w, 1), w->dir);
        printf("    ILP over HTTP   http://127.0.0.1:%u/\n", (unsigned)port_of(w, 2));
    }
    printf("\nPay bob from alice across currencies: rafiki playground demo%s%s\n",
           strcmp(o->root, "data/playground") ? " --dir " : "",
           strcmp(o->root, "data/playground") ? o->root : "");
    printf("playground: ready\n");
    fflush(stdout);
}

/* ---- options ---- */

/* "A,B": two decimal numbers; false when s is anything else. */
static bool port_pair(const char *s, unsigned *a, unsigned *b)
{
    char *end;
    unsigned long x = strtoul(s, &end, 10);
    if (end == s || *end != ',' || x > 65535)
        return false;
    const char *t = end + 1;
    unsigned long y = strtoul(t, &end, 10);
    if (end == t || *end || y > 65535)
        return false;
    *a = (unsigned)x;
    *b = (unsigned)y;
    return true;
}

static int opts_parse(int argc, char **argv, pg_opts_t *o)
{
    snprintf(o->root, sizeof o->root, "data/playground");
    for (int i = 1; i < argc; i++) {
        unsigned a, b;
        if (strcmp(argv[i], "demo") == 0)
            o->demo = true;
        else if (strcmp(argv[i], "--reset") == 0)
            o->reset = true;
        else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
            snprintf(o->root, sizeof o->root, "%s", argv[++i]);
        else if (strcmp(argv[i], "--ports") == 0 && i + 1 < argc && port_pair(argv[++i], &a, &b) &&
                 a > 0 && a < 65526 && b > 0 && b < 65526 && (a > b ? a - b : b - a) >= 10) {
            wallets[0].base = (uint16_t)a;
            wallets[1].base = (uint16_t)b;
        } else {
            fprintf(stderr, "usage: rafiki playground [demo] [--dir DIR] [--ports A,B] "
                            "[--reset]\n");
            return -1;
        }
    }
    for (int i = 0; i < PG_WALLETS; i++)
        snprintf(wallets[i].dir, sizeof wallets[i].dir, "%s/%s", o->root, wallets[i].slug);
    return 0;
}

static int mkdirs(const char *path)
{
    char p[512];
    snprintf(p, sizeof p, "%s", path);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            if (mkdir(p, 0700) != 0 && errno != EEXIST)
                return -1;
            *s = '/';
        }
    return mkdir(p, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

/* ---- the demo ---- */

static bool balance(const pg_wallet_t *w, const char *account, long long *out)
{
    char path[128];
    snprintf(path, sizeof path, "/accounts/%s/status", account);
    json_t *st = NULL;
    bool ok = api(w, "GET", path, NULL, &st) == 200;
    if (ok)
        *out = strtoll(str(st, "balance"), NULL, 10);
    json_decref(st);
    return ok;
}

/* An amount of scale 2 as "USD 12.34". */
static const char *money(char out[48], long long v, const char *code)
{
    long long a = v < 0 ? -v : v;
    snprintf(out, 48, "%s %s%lld.%02lld", code, v < 0 ? "-" : "", a / 100, a % 100);
    return out;
}

static const char *amount_str(char out[48], const json_t *amount)
{
    return money(out, strtoll(str(amount, "value"), NULL, 10), str(amount, "asset_code"));
}

/* What playground.json says of the wallets (their ports, the users' accounts). */
static bool demo_load(const pg_opts_t *o, json_t **doc)
{
    char path[512];
    state_path(o, path, sizeof path);
    json_error_t je;
    *doc = json_load_file(path, 0, &je);
    const json_t *list = json_object_get(*doc, "wallets");
    if (json_array_size(list) != PG_WALLETS) {
        fprintf(stderr, "playground demo: %s: %s (start the playground first: rafiki playground)\n",
                path, *doc ? "unexpected content" : je.text);
        return false;
    }
    for (int i = 0; i < PG_WALLETS; i++) {
        const json_t *w = json_array_get(list, (size_t)i);
        wallets[i].base = (uint16_t)json_integer_value(json_object_get(w, "base"));
        if (!read_secret(&wallets[i]))
            return false;
    }
    return true;
}

/* Polls the outgoing payment until a final state, printing each change; its last state. */
static void demo_follow(const pg_wallet_t *cn, const json_t *p, char last[32])
{
    char path[128], m[48];
    snprintf(path, sizeof path, "/outgoing-payments/%s", str(p, "id"));
    snprintf(last, 32, "%s", str(p, "state"));
    for (int waited = 0; waited < PG_DEMO_WAIT; waited += 100) {
        json_t *g = NULL;
        if (api(cn, "GET", path, NULL, &g) == 200 && strcmp(str(g, "state"), last) != 0) {
            snprintf(last, 32, "%s", str(g, "state"));
            printf("   %s (sent %s)\n", last, amount_str(m, json_object_get(g, "sent_amount")));
        }
        json_decref(g);
        if (strcmp(last, "COMPLETED") == 0 || strcmp(last, "FAILED") == 0 ||
            strcmp(last, "CANCELLED") == 0)
            return;
        nanosleep(&(struct timespec){0, 100 * 1000000L}, NULL);
    }
}

static int playground_demo(const pg_opts_t *o)
{
    json_t *doc = NULL, *ip = NULL, *q = NULL, *p = NULL;
    int rc = 1;
    if (!demo_load(o, &doc))
        goto out;
    const json_t *list = json_object_get(doc, "wallets");
    const json_t *alice = json_array_get(list, 0), *bob = json_array_get(list, 1);
    const pg_wallet_t *cn = &wallets[0], *hl = &wallets[1];
    long long a0, b0, a1, b1;
    char m1[48], m2[48], last[32] = "";
    if (!balance(cn, str(alice, "account_id"), &a0) || !balance(hl, str(bob, "account_id"), &b0)) {
        fprintf(stderr, "playground demo: the playground is not answering: is it running?\n");
        goto out;
    }
    printf("before: alice at %s has %s, bob at %s has %s\n", cn->name, money(m1, a0, "USD"),
           hl->name, money(m2, b0, "EUR"));
    /* 1. bob asks for EUR 10.00 */
    if (api(hl, "POST", "/incoming-payments",
            json_pack("{s:s,s:{s:s,s:s,s:i}}", "wallet_address_id", str(bob, "wallet_address_id"),
                      "incoming_amount", "value", "1000", "asset_code", "EUR", "asset_scale", 2),
            &ip) != 201)
        goto out;
    printf("1. %s: bob's incoming payment for EUR 10.00\n   %s\n", hl->name, str(ip, "url"));
    /* 2. alice's wallet prices it: it reads the incoming payment over Open Payments and probes
     * the rate over Interledger */
    if (api(cn, "POST", "/quotes",
            json_pack("{s:s,s:s}", "wallet_address_id", str(alice, "wallet_address_id"), "receiver",
                      str(ip, "url")),
            &q) != 201)
        goto out;
    const json_t *debit = json_object_get(q, "debit_amount");
    const json_t *recv = json_object_get(q, "receive_amount");
    double d = strtod(str(debit, "value"), NULL), r = strtod(str(recv, "value"), NULL);
    printf("2. %s: quote for alice: she pays %s, bob receives %s (%.4f EUR per USD, fees "
           "included), valid until %s\n",
           cn->name, amount_str(m1, debit), amount_str(m2, recv), d > 0 ? r / d : 0.0,
           str(q, "expires_at"));
    /* 3. alice pays */
    if (api(cn, "POST", "/outgoing-payments",
            json_pack("{s:s,s:s}", "wallet_address_id", str(alice, "wallet_address_id"), "quote_id",
                      str(q, "id")),
            &p) != 201)
        goto out;
    printf("3. %s: outgoing payment %s: %s\n", cn->name, str(p, "id"), str(p, "state"));
    demo_follow(cn, p, last);
    /* 4. the money arrives: the incoming payment completes and goes to bob's balance */
    long long want = strtoll(str(recv, "value"), NULL, 10);
    b1 = b0;
    for (int waited = 0; waited < PG_DEMO_WAIT && b1 - b0 < want; waited += 100) {
        nanosleep(&(struct timespec){0, 100 * 1000000L}, NULL);
        if (!balance(hl, str(bob, "account_id"), &b1))
            goto out;
    }
    if (!balance(cn, str(alice, "account_id"), &a1))
        goto out;
    char m3[48], m4[48];
    printf("after:  alice has %s (%s), bob has %s (+%s)\n", money(m1, a1, "USD"),
           money(m2, a1 - a0, "USD"), money(m3, b1, "EUR"), money(m4, b1 - b0, "EUR"));
    rc = strcmp(last, "COMPLETED") == 0 && b1 - b0 == want ? 0 : 1;
    if (rc == 0)
        printf("demo: paid\n");
    else
        printf("demo: the payment did not complete (%s)\n", last);
out:
    json_decref(ip);
    json_decref(q);
    json_decref(p);
    json_decref(doc);
    return rc;
}

/* ---- main ---- */

/* Waits for SIGINT or SIGTERM (0) or for a wallet to die (1). */
static int wait_for_end(const sigset_t *set)
{
    for (;;) {
        int sig = 0;
        sigwait(set, &sig);
        if (sig != SIGCHLD) {
            printf("playground: stopping\n");
            return 0;
        }
        bool died = false;
        for (int i = 0; i < PG_WALLETS; i++)
            if (wallets[i].pid > 0 && waitpid(wallets[i].pid, NULL, WNOHANG) == wallets[i].pid) {
                fprintf(stderr, "playground: %s stopped unexpectedly\n", wallets[i].name);
                wallets[i].pid = 0;
                died = true;
            }
        if (died)
            return 1;
    }
}

static int run(const pg_opts_t *o)
{
    if (o->reset) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf -- '%s'", o->root);
        if (strchr(o->root, '\'') || system(cmd) != 0) {
            fprintf(stderr, "playground: cannot remove %s\n", o->root);
            return 1;
        }
    }
    char state[512];
    state_path(o, state, sizeof state);
    bool seeded = access(state, F_OK) == 0;
    for (int i = 0; i < PG_WALLETS; i++)
        if (mkdirs(wallets[i].dir) != 0) {
            fprintf(stderr, "playground: cannot create %s: %s\n", wallets[i].dir, strerror(errno));
            return 1;
        }
    if (!seeded && access(wallets[0].dir, F_OK) == 0) {
        char db[600];
        snprintf(db, sizeof db, "%s/rafiki.db", wallets[0].dir);
        if (access(db, F_OK) == 0) {
            fprintf(stderr,
                    "playground: %s holds a playground that was not fully set up: run "
                    "rafiki playground --reset\n",
                    o->root);
            return 1;
        }
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGCHLD);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    printf("playground: starting %s and %s%s\n", wallets[0].name, wallets[1].name,
           seeded ? " (reusing their data)" : "");
    fflush(stdout);
    int rc = 0;
    for (int i = 0; i < PG_WALLETS && rc == 0; i++)
        if (child_start(&wallets[i]) != 0)
            rc = 1;
    for (int i = 0; i < PG_WALLETS && rc == 0; i++)
        if (!child_ready(&wallets[i]))
            rc = 1;
    if (rc == 0 && !seeded) {
        printf("playground: first run: creating assets, peers, users and balances\n");
        fflush(stdout);
        if (!seed(o))
            rc = 1;
    }
    if (rc == 0) {
        print_ready(o);
        rc = wait_for_end(&set);
    }
    children_stop();
    if (rc == 0)
        printf("playground: stopped\n");
    return rc;
}

int cmd_playground(int argc, char **argv)
{
    pg_opts_t o = {0};
    if (opts_parse(argc, argv, &o) != 0)
        return 2;
    if (!(http = http_client_new(NULL))) {
        fprintf(stderr, "playground: cannot start an HTTP client\n");
        return 1;
    }
    int rc = o.demo ? playground_demo(&o) : run(&o);
    http_client_free(http);
    return rc;
}
