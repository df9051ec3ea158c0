/*
 * stream_node: a tiny ILP-over-HTTP endpoint for STREAM interop tests (libmicrohttpd and
 * libcurl directly, so it does not depend on src/http).
 *
 *   stream_node serve [--port P] [--token T] [--address A] [--asset CODE --scale N]
 *                     [--max-packet N]
 *       Serves our stateless receiver at POST http://127.0.0.1:P/ (Bearer T), acting also as
 *       the connector in front of it: amounts above --max-packet get F08 with data. Prints one
 *       JSON line {"port", "destination_account", "shared_secret"} (base64) on start.
 *       GET /credentials gives fresh credentials; GET /totals {"received", "fulfilled",
 *       "rejected"}. Runs until stdin closes or SIGTERM.
 *
 *   stream_node pay --url U [--token T] --destination A --secret S --amount N
 *                   [--mode source|delivery] [--min-rate NUM/DEN]
 *       Pays with our sender over ILP-over-HTTP and prints one JSON line with the result.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/codec.h"
#include "base/env.h"
#include "base/rand.h"
#include "ilp/packet.h"
#include "stream/receiver.h"
#include "stream/sender.h"

static const char *arg(int argc, char **argv, const char *name, const char *def)
{
    for (int i = 2; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    return def;
}

static uint64_t arg_u64(int argc, char **argv, const char *name, uint64_t def)
{
    const char *s = arg(argc, argv, name, NULL);
    uint64_t v;
    if (s == NULL)
        return def;
    if (parse_u64(s, strlen(s), &v) != 0) {
        fprintf(stderr, "%s: not a number\n", name);
        exit(2);
    }
    return v;
}

/* ---- serve ---- */

typedef struct {
    stream_receiver_t rx;
    stream_totals_mem_t *totals;
    const char *token;
    uint64_t max_packet;
    bool has_asset;
    const char *asset_code;
    uint8_t asset_scale;
    _Atomic uint64_t received, fulfilled, rejected;
} node_t;

typedef struct {
    uint8_t body[ILP_PACKET_MAX_LEN];
    size_t len;
    bool too_big;
} upload_t;

static stream_money_decision_t on_money(void *ctx, const stream_money_t *m)
{
    node_t *n = ctx;
    atomic_fetch_add(&n->received, m->amount);
    return STREAM_MONEY_ACCEPT;
}

static enum MHD_Result send_bytes(struct MHD_Connection *c, unsigned status, const void *p,
                                  size_t n, const char *type)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(n, (void *)p, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", type);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_json(struct MHD_Connection *c, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    enum MHD_Result r = send_bytes(c, 200, s, strlen(s), "application/json");
    free(s);
    return r;
}

static json_t *credentials_json(node_t *n)
{
    stream_connection_details_t d = {.has_asset = n->has_asset,
                                     .asset_code = SLICE_STR(n->asset_code ? n->asset_code : ""),
                                     .asset_scale = n->asset_scale,
                                     .payment_tag = SLICE_LIT("interop")};
    stream_credentials_t c;
    if (stream_receiver_credentials(&n->rx, &d, &c) != STREAM_OK)
        return NULL;
    char b64[64];
    b64_encode(b64, sizeof b64, c.shared_secret, 32, B64_STD);
    return json_pack("{s:s, s:s}", "destination_account", c.address, "shared_secret", b64);
}

static void reject_bytes(buf_t *out, const char *code, slice_t data)
{
    ilp_reject_t r = {.triggered_by = SLICE_LIT("test.node"), .data = data};
    memcpy(r.code, code, 4);
    ilp_reject_encode(out, &r);
}

static enum MHD_Result handle_ilp(node_t *n, struct MHD_Connection *c, upload_t *u)
{
    static _Thread_local uint8_t mem[ILP_PACKET_MAX_LEN];
    buf_t out;
    buf_init_fixed(&out, mem, sizeof mem);
    ilp_prepare_t p;
    stream_reply_info_t info = {0};
    if (u->too_big || ilp_prepare_decode(SLICE(u->body, u->len), &p) != ILP_OK) {
        reject_bytes(&out, "F01", SLICE("", 0));
    } else if (n->max_packet && p.amount > n->max_packet) {
        uint8_t d[ILP_F08_DATA_LEN];
        ilp_f08_data_encode(d, p.amount, n->max_packet);
        reject_bytes(&out, "F08", SLICE(d, sizeof d));
    } else {
        stream_receiver_handle(&n->rx, &p, &out, &info);
    }
    atomic_fetch_add(info.fulfilled ? &n->fulfilled : &n->rejected, 1);
    return send_bytes(c, 200, out.ptr, out.len, "application/octet-stream");
}

static bool authorized(node_t *n, struct MHD_Connection *c)
{
    if (n->token == NULL)
        return true;
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    return h && strncmp(h, "Bearer ", 7) == 0 && strcmp(h + 7, n->token) == 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *size, void **con_cls)
{
    (void)version;
    node_t *n = cls;
    if (*con_cls == NULL) {
        *con_cls = calloc(1, sizeof(upload_t));
        return *con_cls ? MHD_YES : MHD_NO;
    }
    upload_t *u = *con_cls;
    if (*size > 0) {
        if (u->len + *size > sizeof u->body)
            u->too_big = true;
        else
            memcpy(u->body + u->len, data, *size);
        u->len += u->too_big ? 0 : *size;
        *size = 0;
        return MHD_YES;
    }
    if (!authorized(n, c))
        return send_bytes(c, 401, "unauthorized", 12, "text/plain");
    if (strcmp(method, "GET") == 0 && strcmp(url, "/totals") == 0) {
        char rec[24];
        snprintf(rec, sizeof rec, "%llu", (unsigned long long)atomic_load(&n->received));
        return send_json(c, json_pack("{s:s, s:I, s:I}", "received", rec, "fulfilled",
                                      (json_int_t)atomic_load(&n->fulfilled), "rejected",
                                      (json_int_t)atomic_load(&n->rejected)));
    }
    if (strcmp(method, "GET") == 0 && strcmp(url, "/credentials") == 0)
        return send_json(c, credentials_json(n));
    if (strcmp(method, "POST") == 0)
        return handle_ilp(n, c, u);
    return send_bytes(c, 404, "not found", 9, "text/plain");
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode code)
{
    (void)cls, (void)c, (void)code;
    free(*con_cls);
    *con_cls = NULL;
}

static int serve(int argc, char **argv)
{
    static node_t n;
    uint8_t secret[32];
    rand_bytes(secret, sizeof secret);
    const char *addr = arg(argc, argv, "--address", "test.cnode");
    if (stream_receiver_init(&n.rx, SLICE_STR(addr), secret) != STREAM_OK) {
        fprintf(stderr, "bad --address\n");
        return 2;
    }
    n.totals = stream_totals_mem_new(100000);
    n.rx.totals = stream_totals_mem(n.totals);
    n.rx.on_money = on_money;
    n.rx.app = &n;
    n.token = arg(argc, argv, "--token", NULL);
    n.max_packet = arg_u64(argc, argv, "--max-packet", 0);
    n.asset_code = arg(argc, argv, "--asset", NULL);
    n.has_asset = n.asset_code != NULL;
    n.asset_scale = (uint8_t)arg_u64(argc, argv, "--scale", 0);
    uint16_t port = (uint16_t)arg_u64(argc, argv, "--port", 0);

    struct sockaddr_in sa = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, port, NULL, NULL, on_request, &n,
        MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL, MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "cannot listen\n");
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    json_t *j = credentials_json(&n);
    json_object_set_new(j, "port", json_integer(info->port));
    char *s = json_dumps(j, JSON_COMPACT);
    printf("%s\n", s);
    fflush(stdout);
    free(s);
    json_decref(j);

    char buf[256];
    while (read(STDIN_FILENO, buf, sizeof buf) > 0) /* until the test closes our stdin */
        ;
    MHD_stop_daemon(d);
    stream_totals_mem_free(n.totals);
    return 0;
}

/* ---- pay ---- */

typedef struct {
    CURL *curl;
    struct curl_slist *headers;
    const char *url;
} link_t;

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
    buf_t *b = ctx;
    return buf_append(b, p, size * n) == 0 ? size * n : 0;
}

static int http_send(void *ctx, slice_t prepare, buf_t *reply)
{
    link_t *l = ctx;
    curl_easy_setopt(l->curl, CURLOPT_URL, l->url);
    curl_easy_setopt(l->curl, CURLOPT_HTTPHEADER, l->headers);
    curl_easy_setopt(l->curl, CURLOPT_POSTFIELDS, (const char *)prepare.ptr);
    curl_easy_setopt(l->curl, CURLOPT_POSTFIELDSIZE, (long)prepare.len);
    curl_easy_setopt(l->curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(l->curl, CURLOPT_WRITEDATA, reply);
    curl_easy_setopt(l->curl, CURLOPT_TIMEOUT_MS, 30000L);
    long status = 0;
    if (curl_easy_perform(l->curl) != CURLE_OK)
        return -1;
    curl_easy_getinfo(l->curl, CURLINFO_RESPONSE_CODE, &status);
    return status == 200 ? 0 : -1;
}

static int pay(int argc, char **argv)
{
    const char *url = arg(argc, argv, "--url", NULL),
               *dest = arg(argc, argv, "--destination", NULL);
    const char *secret_s = arg(argc, argv, "--secret", NULL),
               *token = arg(argc, argv, "--token", NULL);
    uint8_t secret[64];
    if (url == NULL || dest == NULL || secret_s == NULL ||
        b64_decode(secret, sizeof secret, secret_s, strlen(secret_s), B64_LENIENT) != 32) {
        fprintf(stderr, "pay needs --url, --destination and a 32-byte base64 --secret\n");
        return 2;
    }
    link_t l = {.curl = curl_easy_init(), .url = url};
    l.headers = curl_slist_append(NULL, "Content-Type: application/octet-stream");
    l.headers = curl_slist_append(l.headers, "Accept: application/octet-stream");
    char auth[512];
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        l.headers = curl_slist_append(l.headers, auth);
    }
    const char *mode = arg(argc, argv, "--mode", "source");
    stream_pay_opts_t o = {.destination = SLICE_STR(dest),
                           .shared_secret = secret,
                           .send = http_send,
                           .send_ctx = &l,
                           .mode = strcmp(mode, "delivery") == 0 ? STREAM_PAY_FIXED_DELIVERY
                                                                 : STREAM_PAY_FIXED_SOURCE,
                           .amount = arg_u64(argc, argv, "--amount", 0),
                           .source_address = SLICE_LIT("test.cnode.sender"),
                           .timeout_ms = 30000};
    const char *rate = arg(argc, argv, "--min-rate", NULL);
    if (rate && strchr(rate, '/')) {
        const char *slash = strchr(rate, '/');
        if (parse_u64(rate, (size_t)(slash - rate), &o.min_rate_num) != 0 ||
            parse_u64(slash + 1, strlen(slash + 1), &o.min_rate_den) != 0)
            return 2;
    }
    stream_pay_result_t r;
    stream_pay(&o, &r);
    printf("{\"error\":\"%s\",\"sent\":\"%llu\",\"delivered\":\"%llu\",\"fulfilled\":%llu,"
           "\"rejected\":%llu,\"max_packet_amount\":\"%llu\",\"reject_code\":\"%s\","
           "\"dest_asset_code\":\"%s\",\"dest_asset_scale\":%u}\n",
           stream_pay_error_str(r.error), (unsigned long long)r.sent,
           (unsigned long long)r.delivered, (unsigned long long)r.packets_fulfilled,
           (unsigned long long)r.packets_rejected, (unsigned long long)r.max_packet_amount,
           r.reject_code, r.has_dest_asset ? r.dest_asset_code : "", r.dest_asset_scale);
    curl_slist_free_all(l.headers);
    curl_easy_cleanup(l.curl);
    return r.error == STREAM_PAY_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc >= 2 && strcmp(argv[1], "serve") == 0)
        return serve(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "pay") == 0)
        return pay(argc, argv);
    fprintf(stderr, "usage: stream_node serve|pay [options]\n");
    return 2;
}
