/* src/payments/pay_console.c on a temporary SQLite file: the console's payment pages newest
 * first with keyset paging, each filter (state, wallet address, time range, a tenant's scope),
 * and the webhook event reads (a payment's events, a page by type, one event with its data). */
#include <stdlib.h>
#include <unistd.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "payments_cases.h"
#pragma GCC diagnostic pop

#include "payments/pay_console.h"
#include "payments/tenants.h"

static char lite_path[128];

static int pc_url(char *buf, size_t cap)
{
    snprintf(lite_path, sizeof lite_path, "/tmp/pay_console_test_%d_%llx.db", (int)getpid(),
             (unsigned long long)rand_u64());
    snprintf(buf, cap, "sqlite:%s", lite_path);
    return 0;
}

static pc_env_t E;

static void console_setup(void)
{
    pc_setup(&E);
}

static void console_teardown(void)
{
    pc_teardown(&E);
    static const char *const suffix[] = {"", "-wal", "-shm"};
    char p[160];
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", lite_path, suffix[i]);
        unlink(p);
    }
}

TestSuite(pay_console, .init = console_setup, .fini = console_teardown);

static incoming_payment_t incoming(const wallet_address_t *w)
{
    incoming_payment_new_t in = {.wallet_address_id = w->id};
    incoming_payment_t p;
    db_err_t err;
    cr_assert_eq(incoming_payment_create(&E.ctx, &in, &p, &err), INCOMING_PAYMENT_OK);
    usleep(3000);
    return p;
}

typedef struct {
    pay_console_row_t rows[PAY_CONSOLE_PAGE_MAX];
    size_t n;
    pay_console_cursor_t older;
} page_t;

static page_t run(pay_console_query_t q)
{
    page_t p;
    db_err_t err = {0};
    cr_assert_eq(pay_console_payments(E.db, &q, p.rows, &p.n, &p.older, &err), PAY_CONSOLE_OK, "%s",
                 err.msg);
    return p;
}

/* Five payments: p[0..2] of w0, p[3..4] of w1, p[1] completed. */
static void five(wallet_address_t w[2], incoming_payment_t p[5])
{
    w[0] = pc_wallet(&E, "c0");
    w[1] = pc_wallet(&E, "c1");
    for (int i = 0; i < 5; i++)
        p[i] = incoming(&w[i < 3 ? 0 : 1]);
    db_err_t err;
    cr_assert_eq(incoming_payment_complete(&E.ctx, p[1].id, NULL, &err), INCOMING_PAYMENT_OK);
}

static void expect(const page_t *pg, const incoming_payment_t *p, const int *order, size_t n,
                   bool older)
{
    cr_assert_eq(pg->n, n, "rows: %zu, want %zu", pg->n, n);
    for (size_t i = 0; i < n; i++)
        cr_assert(ledger_id_eq(pg->rows[i].id, p[order[i]].id), "row %zu", i);
    cr_assert_eq(pg->older.set, older);
    if (older) /* the next page starts after the last row */
        cr_assert(pg->older.at_ms == pg->rows[n - 1].created_ms);
}

static pay_console_cursor_t after(const pay_console_row_t *r)
{
    pay_console_cursor_t c = {.set = true, .at_ms = r->created_ms};
    ledger_id_format(r->id, c.key);
    return c;
}

Test(pay_console, newest_first_in_pages_of_a_cursor)
{
    wallet_address_t w[2];
    incoming_payment_t p[5];
    five(w, p);
    page_t a = run((pay_console_query_t){.limit = 2});
    expect(&a, p, (int[]){4, 3}, 2, true);
    cr_assert_str_eq(a.older.key, after(&a.rows[1]).key);
    page_t b = run((pay_console_query_t){.limit = 2, .after = a.older});
    expect(&b, p, (int[]){2, 1}, 2, true);
    page_t c = run((pay_console_query_t){.limit = 2, .after = b.older});
    expect(&c, p, (int[]){0}, 1, false);
    cr_assert_str_eq(b.rows[1].state, "completed");
    cr_assert_str_eq(b.rows[0].state, "pending");
}

Test(pay_console, filters_by_state_wallet_and_time)
{
    wallet_address_t w[2];
    incoming_payment_t p[5];
    five(w, p);
    page_t s = run((pay_console_query_t){.limit = 50, .state = "completed"});
    expect(&s, p, (int[]){1}, 1, false);
    s = run((pay_console_query_t){.limit = 50, .state = "pending"});
    expect(&s, p, (int[]){4, 3, 2, 0}, 4, false);
    s = run((pay_console_query_t){.limit = 50, .state = "COMPLETED"}); /* not an incoming state */
    cr_assert_eq(s.n, 0);
    s = run((pay_console_query_t){
        .limit = 50, .state = "pending", .has_wallet = true, .wallet_address_id = w[0].id});
    expect(&s, p, (int[]){2, 0}, 2, false);
    s = run(
        (pay_console_query_t){.limit = 50, .from_ms = p[1].created_ms, .to_ms = p[3].created_ms});
    expect(&s, p, (int[]){2, 1}, 2, false);
    /* none of these is outgoing */
    s = run((pay_console_query_t){.limit = 50, .outgoing = true, .state = "FUNDING"});
    cr_assert_eq(s.n, 0);
}

Test(pay_console, a_tenant_scope_holds_its_wallet_addresses_payments_only)
{
    wallet_address_t w[2];
    incoming_payment_t p[5];
    five(w, p);
    pay_tenant_input_t in = {.api_secret = "s3cret-of-tenant"};
    pay_tenant_t *t = calloc(1, sizeof *t);
    cr_assert_eq(pay_tenant_create(E.db, &in, NULL, 0, "test.pay", t), PAY_TENANT_OK);
    cr_assert_eq(pay_tenant_own(E.db, PAY_OWNED_WALLET_ADDRESS, w[1].id, t->id), PAY_TENANT_OK);
    pay_console_query_t q = {.limit = 50, .scope = {.kind = PAY_SCOPE_TENANT}};
    snprintf(q.scope.tenant_id, sizeof q.scope.tenant_id, "%s", t->id);
    page_t s = run(q);
    expect(&s, p, (int[]){4, 3}, 2, false);
    pay_console_event_t ev[50];
    size_t n;
    pay_console_cursor_t older;
    pay_console_event_query_t eq = {.limit = 50, .scope = q.scope};
    cr_assert_eq(pay_console_events(E.db, &eq, ev, &n, &older, NULL), PAY_CONSOLE_OK);
    cr_assert(n >= 2, "its payments' events: %zu", n);
    char id3[LEDGER_ID_STR_LEN + 1], id4[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(p[3].id, id3);
    ledger_id_format(p[4].id, id4);
    for (size_t i = 0; i < n; i++)
        cr_assert(strcmp(ev[i].resource_id, id3) == 0 || strcmp(ev[i].resource_id, id4) == 0 ||
                      strcmp(ev[i].type, "wallet_address.created") == 0,
                  "%s %s", ev[i].type, ev[i].resource_id);
    free(t);
}

Test(pay_console, events_of_a_payment_a_type_and_one_event)
{
    wallet_address_t w[2];
    incoming_payment_t p[5];
    five(w, p);
    char id1[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(p[1].id, id1);
    pay_console_event_t ev[50];
    size_t n;
    cr_assert_eq(pay_console_resource_events(E.db, id1, ev, 50, &n, NULL), PAY_CONSOLE_OK);
    cr_assert_eq(n, 2, "created and completed: %zu", n);
    cr_assert_str_eq(ev[0].type, "incoming_payment.created");
    cr_assert_str_eq(ev[1].type, "incoming_payment.completed");
    pay_console_cursor_t older;
    pay_console_event_query_t q = {.limit = 2, .type = "incoming_payment.created"};
    cr_assert_eq(pay_console_events(E.db, &q, ev, &n, &older, NULL), PAY_CONSOLE_OK);
    cr_assert_eq(n, 2);
    cr_assert(older.set);
    cr_assert_str_eq(ev[0].type, "incoming_payment.created");
    char seq1[24];
    snprintf(seq1, sizeof seq1, "%lld", (long long)ev[1].seq);
    cr_assert_str_eq(older.key, seq1);
    q.after = older;
    pay_console_event_t more[50];
    size_t m;
    cr_assert_eq(pay_console_events(E.db, &q, more, &m, &older, NULL), PAY_CONSOLE_OK);
    cr_assert_eq(m, 2);
    cr_assert(older.set);
    cr_assert(more[0].seq < ev[1].seq);
    pay_console_event_t one;
    char *data = NULL;
    cr_assert_eq(pay_console_event_get(E.db, ev[0].id, &one, &data, NULL), PAY_CONSOLE_OK);
    cr_assert_str_eq(one.id, ev[0].id);
    cr_assert_not_null(strstr(data, one.resource_id), "%s", data);
    free(data);
    cr_assert_eq(
        pay_console_event_get(E.db, "00000000-0000-4000-8000-000000000000", &one, &data, NULL),
        PAY_CONSOLE_NOT_FOUND);
    cr_assert_null(data);
}
