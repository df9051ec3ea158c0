/*
 * Tests for src/connector/connector_http.c over a real loopback listener: a peer whose token is
 * only in the database (created by another replica) is authenticated off the handler thread
 * and served; an unknown token gets 401; a flood of unknown tokens gets 503 beyond
 * CONNECTOR_AUTH_LOADS_MAX lookups waiting, instead of queueing ahead of real packets.
 */
#include "harness.h"

#include "connector/connector_internal.h"
#include "http/client.h"

#define TOK_DB "tok-stored-only-0123456789"

static http_server_t *srv;
static http_client_t *cli;

static void http_fini(void)
{
    http_server_free(srv); /* answers every pending request first */
    http_client_free(cli);
    h_teardown();
}

/* POSTs body to the connector with token; returns the HTTP status, the body into *out. */
static unsigned post_ilp(const char *token, slice_t body, buf_t *out)
{
    char url[64], auth[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/ilp", (unsigned)http_server_port(srv));
    snprintf(auth, sizeof auth, "Bearer %s", token);
    http_header_t h[] = {{"Content-Type", "application/octet-stream"}, {"Authorization", auth}};
    http_client_req_t req = {.method = "POST",
                             .url = url,
                             .headers = h,
                             .n_headers = 2,
                             .body = body,
                             .timeout_ms = 5000};
    http_client_resp_t resp;
    cr_assert_eq(http_client_do_sync(cli, &req, &resp), HTTP_CLIENT_OK);
    unsigned status = resp.status;
    buf_append(out, resp.body.ptr, resp.body.len);
    http_client_resp_free(&resp);
    return status;
}

TestSuite(connector_http, .fini = http_fini, .timeout = 30);

Test(connector_http, a_token_only_in_the_database_is_served)
{
    log_set_level(LOG_ERROR);
    h_node_t *n = h_node("A", "test.a", NULL);
    /* stored as another replica's admin API would, never put in this registry */
    peer_t *p = peer_new();
    p->id = ledger_id_random();
    p->asset_id = n->usd.id;
    snprintf(p->asset_code, sizeof p->asset_code, "USD");
    p->asset_scale = 2;
    p->account_id = h_account(n, &n->usd, LEDGER_KIND_PEER, 0, false);
    snprintf(p->name, sizeof p->name, "stored");
    snprintf(p->ilp_address, sizeof p->ilp_address, "test.a.stored");
    const char *tok = TOK_DB;
    char err[128] = "";
    cr_assert_eq(peers_db_insert(n->db, p, &tok, 1, err, sizeof err), PEERS_OK, "%s", err);

    srv = http_server_new(&(http_server_config_t){.threads = 1});
    cr_assert_eq(connector_http_register(n->c, srv), 0);
    cr_assert_eq(http_server_start(srv), 0);
    cli = http_client_new(&(http_client_config_t){0});

    uint8_t mem[ILP_PACKET_MAX_LEN];
    buf_t req, out;
    buf_init_fixed(&req, mem, sizeof mem);
    cr_assert_eq(ildcp_request_encode(&req, clock_wall_ms() + 30000), ILP_OK);
    buf_init(&out, ILP_PACKET_MAX_LEN);
    cr_assert_eq(post_ilp(TOK_DB, buf_slice(&req), &out), 200);
    ildcp_response_t r;
    cr_assert_eq(ildcp_response_decode(buf_slice(&out), &r, NULL), ILDCP_OK);
    cr_assert(slice_eq_str(r.client_address, "test.a.stored"));

    buf_reset(&out);
    cr_assert_eq(post_ilp("tok-nobody-knows-0123456789", buf_slice(&req), &out), 401);
    buf_free(&out);
    peer_release(p);
}

/* A job that holds the loader thread until released. */
static h_wait_t loader_gate;
static void hold_loader(void *user)
{
    (void)user;
    h_wait(&loader_gate, 20000);
}

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned done, s401, s503;
} tally_t;

static void on_resp(const http_client_resp_t *resp, void *user)
{
    tally_t *t = user;
    pthread_mutex_lock(&t->mu);
    t->done++;
    t->s401 += resp->result == HTTP_CLIENT_OK && resp->status == 401;
    t->s503 += resp->result == HTTP_CLIENT_OK && resp->status == 503;
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
}

/* Waits until *field reaches want (10 s at most); returns the value seen. */
static unsigned tally_wait(tally_t *t, const unsigned *field, unsigned want)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 10;
    pthread_mutex_lock(&t->mu);
    while (*field < want && pthread_cond_timedwait(&t->cv, &t->mu, &ts) == 0)
        ;
    unsigned v = *field;
    pthread_mutex_unlock(&t->mu);
    return v;
}

Test(connector_http, a_flood_of_unknown_tokens_is_capped)
{
    log_set_level(LOG_ERROR);
    h_node_t *n = h_node("A", "test.a", NULL);
    srv = http_server_new(&(http_server_config_t){.threads = 1});
    cr_assert_eq(connector_http_register(n->c, srv), 0);
    cr_assert_eq(http_server_start(srv), 0);
    cli = http_client_new(&(http_client_config_t){.host_connections_max = 256});
    h_wait_init(&loader_gate);
    cr_assert_eq(accounts_defer(n->c->accounts, hold_loader, NULL), ACCOUNTS_PENDING);

    enum { EXTRA = 6, TOTAL = CONNECTOR_AUTH_LOADS_MAX + EXTRA };
    tally_t t = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/ilp", (unsigned)http_server_port(srv));
    http_header_t h[] = {{"Content-Type", "application/octet-stream"},
                         {"Authorization", "Bearer tok-made-up-0123456789"}};
    http_client_req_t req = {.method = "POST",
                             .url = url,
                             .headers = h,
                             .n_headers = 2,
                             .body = SLICE_LIT("x"),
                             .timeout_ms = 15000};
    for (int i = 0; i < TOTAL; i++)
        cr_assert_eq(http_client_submit(cli, &req, on_resp, &t), 0);
    /* while the loader is held, only the lookups beyond the cap are answered: 503 at once */
    cr_assert_eq(tally_wait(&t, &t.s503, EXTRA), EXTRA);
    usleep(100000);
    cr_assert_eq(t.done, EXTRA, "the others wait for their lookup");
    h_on_reply(&loader_gate, (const uint8_t *)"", 0);
    cr_assert_eq(tally_wait(&t, &t.done, TOTAL), TOTAL);
    cr_assert_eq(t.s401, CONNECTOR_AUTH_LOADS_MAX, "looked up, unknown: 401");
    cr_assert_eq(atomic_load(&n->c->auth_loads), 0);
}
