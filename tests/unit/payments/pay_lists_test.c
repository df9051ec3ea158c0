/* src/payments/pay_lists.c and wallet_address_props.c on a temporary SQLite file: Relay pages
 * in both directions and orders with Rafiki's filters, additional properties, keys by id. */
#include <stdlib.h>
#include <unistd.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "payments_cases.h"
#pragma GCC diagnostic pop

#include "payments/pay_lists.h"
#include "payments/wallet_address_props.h"

static char lite_path[128];

static int pc_url(char *buf, size_t cap)
{
    snprintf(lite_path, sizeof lite_path, "/tmp/pay_lists_test_%d_%llx.db", (int)getpid(),
             (unsigned long long)rand_u64());
    snprintf(buf, cap, "sqlite:%s", lite_path);
    return 0;
}

static pc_env_t E;

static void lists_setup(void)
{
    pc_setup(&E);
}

static void lists_teardown(void)
{
    pc_teardown(&E);
    static const char *const suffix[] = {"", "-wal", "-shm"};
    char p[160];
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", lite_path, suffix[i]);
        unlink(p);
    }
}

TestSuite(pay_lists, .init = lists_setup, .fini = lists_teardown);

/* Wallet addresses created 2 ms apart, so creation order is the list's order. */
static void make_wallets(wallet_address_t *w, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        w[i] = pc_wallet(&E, "w");
        usleep(2000);
    }
}

static pay_list_page_t page(pay_list_query_t q)
{
    pay_list_page_t p;
    db_err_t err = {0};
    cr_assert_eq(pay_list_page(E.db, &q, &p, &err), PAY_LIST_OK, "%s", err.msg);
    return p;
}

static void expect(const pay_list_page_t *p, const wallet_address_t *w, const int *order, size_t n,
                   bool prev, bool next)
{
    cr_assert_eq(p->n, n, "rows: %zu, want %zu", p->n, n);
    for (size_t i = 0; i < n; i++)
        cr_assert(ledger_id_eq(p->rows[i].id, w[order[i]].id), "row %zu", i);
    cr_assert_eq(p->has_prev, prev);
    cr_assert_eq(p->has_next, next);
}

Test(pay_lists, wallet_addresses_both_directions_and_orders)
{
    wallet_address_t w[5];
    make_wallets(w, 5);
    char c1[LEDGER_ID_STR_LEN + 1], c3[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(w[1].id, c1);
    ledger_id_format(w[3].id, c3);
    pay_list_query_t q = {.kind = PAY_LIST_WALLET_ADDRESSES, .asc = true, .limit = 2};
    pay_list_page_t p = page(q);
    expect(&p, w, (int[]){0, 1}, 2, false, true);
    q.cursor = c1;
    p = page(q);
    expect(&p, w, (int[]){2, 3}, 2, true, true);
    q.cursor = c3, q.limit = 5;
    p = page(q);
    expect(&p, w, (int[]){4}, 1, true, false);
    /* backward: the two before w[3], still in ascending order */
    q = (pay_list_query_t){
        .kind = PAY_LIST_WALLET_ADDRESSES, .asc = true, .backward = true, .limit = 2, .cursor = c3};
    p = page(q);
    expect(&p, w, (int[]){1, 2}, 2, true, true);
    /* descending (Rafiki's default) */
    q = (pay_list_query_t){.kind = PAY_LIST_WALLET_ADDRESSES, .limit = 3};
    p = page(q);
    expect(&p, w, (int[]){4, 3, 2}, 3, false, true);
    q.cursor = c1, q.backward = true, q.limit = 2;
    p = page(q);
    expect(&p, w, (int[]){3, 2}, 2, true, true);
    /* an unknown cursor pages nothing */
    q = (pay_list_query_t){.kind = PAY_LIST_WALLET_ADDRESSES,
                           .limit = 3,
                           .cursor = "00000000-0000-4000-8000-000000000000"};
    p = page(q);
    cr_assert_eq(p.n, 0);
    cr_assert(!p.has_prev && !p.has_next);
}

static incoming_payment_t incoming(const wallet_address_t *w, const char *client)
{
    incoming_payment_new_t in = {.wallet_address_id = w->id, .client = client};
    incoming_payment_t p;
    db_err_t err;
    cr_assert_eq(incoming_payment_create(&E.ctx, &in, &p, &err), INCOMING_PAYMENT_OK);
    usleep(2000);
    return p;
}

static json_t *ids_json(ledger_id_t id)
{
    char s[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(id, s);
    return json_pack("[s]", s);
}

Test(pay_lists, incoming_filters)
{
    wallet_address_t w[2];
    make_wallets(w, 2);
    incoming(&w[0], NULL);
    incoming(&w[0], "https://client.example/app");
    incoming(&w[1], NULL);
    json_t *in_w0 = ids_json(w[0].id);
    json_t *op = json_pack("[s]", "OPEN_PAYMENTS");
    pay_list_query_t q = {.kind = PAY_LIST_INCOMING, .limit = 10};
    cr_assert_eq(page(q).n, 3);
    q.in[PAY_LIST_BY_WALLET] = in_w0;
    cr_assert_eq(page(q).n, 2);
    q.in[PAY_LIST_BY_INITIATED] = op;
    cr_assert_eq(page(q).n, 1);
    q.in[PAY_LIST_BY_INITIATED] = NULL;
    q.not_in[PAY_LIST_BY_INITIATED] = op;
    cr_assert_eq(page(q).n, 1);
    q.in[PAY_LIST_BY_WALLET] = NULL;
    q.not_in[PAY_LIST_BY_WALLET] = in_w0;
    q.not_in[PAY_LIST_BY_INITIATED] = NULL;
    pay_list_page_t p = page(q);
    cr_assert_eq(p.n, 1);
    /* a filter that is not a list of strings changes nothing and says so */
    json_t *bad = json_pack("[i]", 1);
    q.in[PAY_LIST_BY_WALLET] = bad;
    pay_list_page_t p2;
    cr_assert_eq(pay_list_page(E.db, &q, &p2, NULL), PAY_LIST_FILTER_INVALID);
    json_decref(bad);
    json_decref(op);
    json_decref(in_w0);
}

/* An outgoing payment row (and its quote) as the domain stores them, for the combined list. */
static ledger_id_t outgoing_row(const wallet_address_t *w, const char *state)
{
    ledger_id_t qid = ledger_id_random(), oid = ledger_id_random();
    char qs[LEDGER_ID_STR_LEN + 1], os[LEDGER_ID_STR_LEN + 1], ws[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(qid, qs);
    ledger_id_format(oid, os);
    ledger_id_format(w->id, ws);
    db_err_t err;
    db_conn_t *c = db_acquire(E.db, DB_CONN_WRITE, &err);
    db_stmt_t *st = db_prepare(c,
                               "INSERT INTO quotes (id, wallet_address_id, receiver, asset_id, "
                               "debit_amount, debit_asset_code, debit_asset_scale, send_amount, "
                               "fee, receive_amount, min_delivered, receive_asset_code, "
                               "receive_asset_scale, expires_at, created_at) VALUES (?, ?, "
                               "'https://r.example/incoming-payments/x', ?, 1, 'USD', 2, 1, 0, 1, "
                               "1, 'USD', 2, 0, 0)",
                               &err);
    cr_assert_not_null(st, "%s", err.msg);
    db_bind_str(st, 1, qs);
    db_bind_str(st, 2, ws);
    db_bind_str(st, 3, ws);
    cr_assert_eq(db_run(st, &err), DB_OK, "%s", err.msg);
    st = db_prepare(c,
                    "INSERT INTO outgoing_payments (id, wallet_address_id, quote_id, state, "
                    "next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?)",
                    &err);
    cr_assert_not_null(st, "%s", err.msg);
    db_bind_str(st, 1, os);
    db_bind_str(st, 2, ws);
    db_bind_str(st, 3, qs);
    db_bind_str(st, 4, state);
    db_bind_i64(st, 5, clock_wall_ms());
    db_bind_i64(st, 6, clock_wall_ms());
    cr_assert_eq(db_run(st, &err), DB_OK, "%s", err.msg);
    db_release(c);
    usleep(2000);
    return oid;
}

Test(pay_lists, outgoing_and_combined)
{
    wallet_address_t w[1];
    make_wallets(w, 1);
    incoming_payment_t ip = incoming(&w[0], NULL);
    ledger_id_t o1 = outgoing_row(&w[0], "FUNDING");
    outgoing_row(&w[0], "COMPLETED");
    json_t *funding = json_pack("[s]", "FUNDING");
    json_t *rcv = json_pack("[s]", "https://r.example/incoming-payments/x");
    json_t *out = json_pack("[s]", "OUTGOING");
    pay_list_query_t q = {.kind = PAY_LIST_OUTGOING, .limit = 10};
    q.in[PAY_LIST_BY_STATE] = funding;
    pay_list_page_t p = page(q);
    cr_assert_eq(p.n, 1);
    cr_assert(ledger_id_eq(p.rows[0].id, o1));
    q.in[PAY_LIST_BY_STATE] = NULL;
    q.in[PAY_LIST_BY_RECEIVER] = rcv;
    cr_assert_eq(page(q).n, 2);
    q = (pay_list_query_t){.kind = PAY_LIST_PAYMENTS, .asc = true, .limit = 10};
    p = page(q);
    cr_assert_eq(p.n, 3);
    cr_assert(ledger_id_eq(p.rows[0].id, ip.id) && !p.rows[0].outgoing);
    cr_assert(ledger_id_eq(p.rows[1].id, o1) && p.rows[1].outgoing);
    q.not_in[PAY_LIST_BY_TYPE] = out;
    cr_assert_eq(page(q).n, 1);
    json_decref(funding);
    json_decref(rcv);
    json_decref(out);
}

Test(pay_lists, properties_replace_and_clean)
{
    wallet_address_t w[1];
    make_wallets(w, 1);
    wallet_prop_t p[3];
    cr_assert_eq(wallet_prop_clean("  iban ", " NL00 ", true, &p[0]), 1);
    cr_assert_str_eq(p[0].key, "iban");
    cr_assert_str_eq(p[0].value, "NL00");
    cr_assert_eq(wallet_prop_clean("blank", "   ", false, &p[1]), 0);
    cr_assert_eq(wallet_prop_clean("name", "Alice", false, &p[1]), 1);
    db_err_t err;
    cr_assert_eq(wallet_props_set(&E.ctx, w[0].id, p, 2, &err), WALLET_ADDRESS_OK);
    wallet_prop_t got[WALLET_PROPS_MAX];
    size_t n;
    cr_assert_eq(wallet_props_list(&E.ctx, w[0].id, got, WALLET_PROPS_MAX, &n, &err),
                 WALLET_ADDRESS_OK);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(got[0].key, "iban");
    cr_assert(got[0].visible_in_op && !got[1].visible_in_op);
    cr_assert_eq(wallet_props_set(&E.ctx, w[0].id, &p[1], 1, &err), WALLET_ADDRESS_OK);
    cr_assert_eq(wallet_props_list(&E.ctx, w[0].id, got, WALLET_PROPS_MAX, &n, &err),
                 WALLET_ADDRESS_OK);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(got[0].key, "name");
    cr_assert_eq(wallet_props_set(&E.ctx, ledger_id_random(), p, 1, &err),
                 WALLET_ADDRESS_NOT_FOUND);
}

Test(pay_lists, key_by_id_and_url_resolve)
{
    wallet_address_t w[1];
    make_wallets(w, 1);
    wallet_key_t k, got;
    db_err_t err;
    cr_assert_eq(wallet_key_add(&E.ctx, w[0].id, "k1",
                                "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", &k, &err),
                 WALLET_ADDRESS_OK);
    cr_assert_eq(wallet_key_get(&E.ctx, k.id, &got, &err), WALLET_ADDRESS_OK);
    cr_assert_str_eq(got.kid, "k1");
    cr_assert(ledger_id_eq(got.wallet_address_id, w[0].id));
    cr_assert_eq(wallet_key_get(&E.ctx, ledger_id_random(), &got, &err),
                 WALLET_ADDRESS_KEY_NOT_FOUND);
    char url[WALLET_ADDRESS_URL_MAX + 1];
    cr_assert_eq(wallet_address_url_under("http://h:3000", "Alice", true, url), 0);
    cr_assert_str_eq(url, "http://h:3000/alice");
    cr_assert_eq(wallet_address_url_under("http://h:3000", "/bob", true, url), 0);
    cr_assert_str_eq(url, "http://h:3000/bob");
    cr_assert_eq(wallet_address_url_under("http://h:3000", "bob", false, url), -1, "https only");
    cr_assert_eq(
        wallet_address_url_under("https://x.example/t/", "https://x.example/t/Carol", false, url),
        0);
    cr_assert_str_eq(url, "https://x.example/t/carol");
    cr_assert_eq(
        wallet_address_url_under("https://x.example/t/", "https://x.example/u/carol", false, url),
        -1, "not under the tenant's URL");
    cr_assert_eq(wallet_address_url_under("https://x.example/t", "dave", false, url), 0);
    cr_assert_str_eq(url, "https://x.example/t/dave");
    cr_assert_eq(wallet_address_url_under("https://x.example", "", false, url), -1, "no path");
    cr_assert_eq(wallet_address_url_under("https://x.example", "a/quotes", false, url), -1);
    cr_assert_eq(wallet_address_url_under("http://h:3000", "incominG-payments", true, url), -1,
                 "a resource path in another case (found by the payments_tenant_text fuzzer)");
    cr_assert_eq(wallet_address_url_under("https://x.example", "ftp://x/a", false, url), -1);
    char longer[WALLET_ADDRESS_URL_MAX + 8];
    memset(longer, 'a', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    cr_assert_eq(wallet_address_url_under("http://h:3000", longer, true, url), -1);
}

Test(pay_lists, find_by_url_as_given_then_lowercased)
{
    wallet_address_t made, got;
    db_err_t err;
    cr_assert_eq(wallet_address_create(&E.ctx, E.usd.id, PC_OP_URL "/CaseKept", NULL, &made, &err),
                 WALLET_ADDRESS_OK);
    cr_assert_eq(wallet_address_create(&E.ctx, E.usd.id, PC_OP_URL "/lower", NULL, &made, &err),
                 WALLET_ADDRESS_OK);
    cr_assert_eq(wallet_address_find_by_url(&E.ctx, PC_OP_URL "/CaseKept", &got, &err),
                 WALLET_ADDRESS_OK);
    cr_assert_eq(wallet_address_find_by_url(&E.ctx, PC_OP_URL "/LOWER", &got, &err),
                 WALLET_ADDRESS_OK);
    cr_assert(ledger_id_eq(got.id, made.id));
    cr_assert_eq(wallet_address_find_by_url(&E.ctx, PC_OP_URL "/casekept", &got, &err),
                 WALLET_ADDRESS_NOT_FOUND);
}

Test(pay_lists, client_metadata_sender_and_deactivation)
{
    wallet_address_t w[1];
    make_wallets(w, 1);
    incoming_payment_t op = incoming(&w[0], "https://client.example/app");
    incoming_payment_t admin = incoming(&w[0], NULL);
    char client[256];
    db_err_t err;
    cr_assert_eq(pay_list_client(E.db, PAY_LIST_INCOMING, op.id, client, sizeof client, &err),
                 PAY_LIST_OK);
    cr_assert_str_eq(client, "https://client.example/app");
    cr_assert_eq(pay_list_client(E.db, PAY_LIST_INCOMING, admin.id, client, sizeof client, &err),
                 PAY_LIST_OK);
    cr_assert_str_eq(client, "");

    incoming_payment_t got;
    cr_assert_eq(incoming_payment_set_metadata(&E.ctx, admin.id, "{\"a\":1}", &got, &err),
                 INCOMING_PAYMENT_OK);
    cr_assert_str_eq(got.metadata, "{\"a\":1}");
    cr_assert_eq(incoming_payment_set_metadata(&E.ctx, ledger_id_random(), "{}", &got, &err),
                 INCOMING_PAYMENT_NOT_FOUND);

    char sender[INCOMING_PAYMENT_SENDER_MAX + 1];
    cr_assert_eq(incoming_payment_sender(&E.ctx, admin.id, sender, sizeof sender, &err),
                 INCOMING_PAYMENT_OK);
    cr_assert_str_eq(sender, "");
    cr_assert_eq(incoming_payment_set_sender(&E.ctx, admin.id, PC_OP_URL "/payer", &err),
                 INCOMING_PAYMENT_OK);
    cr_assert_eq(incoming_payment_sender(&E.ctx, admin.id, sender, sizeof sender, &err),
                 INCOMING_PAYMENT_OK);
    cr_assert_str_eq(sender, PC_OP_URL "/payer");
    cr_assert_eq(incoming_payment_set_sender(&E.ctx, ledger_id_random(), "x", &err),
                 INCOMING_PAYMENT_NOT_FOUND);

    /* the open payment expires at once; the completed one is left as it is */
    cr_assert_eq(incoming_payment_complete(&E.ctx, op.id, NULL, &err), INCOMING_PAYMENT_OK);
    size_t n = 0;
    cr_assert_eq(wallet_address_expire_incoming(&E.ctx, w[0].id, clock_wall_ms(), &n, &err),
                 WALLET_ADDRESS_OK);
    cr_assert_eq(n, 1);
    cr_assert_eq(incoming_payment_get(&E.ctx, admin.id, &got, &err), INCOMING_PAYMENT_OK);
    cr_assert_eq(got.state, INCOMING_PAYMENT_EXPIRED);
    cr_assert_eq(incoming_payment_get(&E.ctx, op.id, &got, &err), INCOMING_PAYMENT_OK);
    cr_assert_eq(got.state, INCOMING_PAYMENT_COMPLETED);
}
