/*
 * Tests for src/connector/connector_http.c over a real loopback listener: a peer whose token is
 * only in the database (created by another replica) is authenticated off the handler thread
 * and served; an unknown token gets 401.
 */
#include "harness.h"

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
