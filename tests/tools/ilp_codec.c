/*
 * ilp_codec: a line-oriented bridge to the ILP packet codec for interop tests.
 *   ilp_codec [decode]   stdin: one hex packet per line; stdout: one JSON object per line with
 *                        the decoded fields, or {"error": "..."}.
 *   ilp_codec encode     stdin: one JSON object per line (the same shape); stdout:
 *                        {"hex": "..."} or {"error": "..."}.
 * JSON shape (field names follow shared/vectors): "type" is "prepare", "fulfill" or "reject";
 * prepare: amount (decimal string), expires_at (ISO 8601), expires_at_wire,
 * execution_condition_hex, destination, data_hex; fulfill: fulfillment_hex, data_hex;
 * reject: code, triggered_by, message (UTF-8; message_hex is also emitted), data_hex.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/codec.h"
#include "base/env.h"
#include "ilp/packet.h"

static json_t *hex_json(slice_t s)
{
    char *h = malloc(s.len * 2 + 1);
    if (h == NULL)
        return NULL;
    hex_encode(h, s.len * 2 + 1, s.ptr, s.len);
    json_t *j = json_stringn(h, s.len * 2);
    free(h);
    return j;
}

static void set_str(json_t *o, const char *key, slice_t s)
{
    json_t *j = json_stringn((const char *)s.ptr, s.len);
    if (j != NULL)
        json_object_set_new(o, key, j);
}

static json_t *decode_line(const char *line, size_t n)
{
    static uint8_t bin[ILP_PACKET_MAX_LEN * 2];
    ssize_t len = hex_decode(bin, sizeof(bin), line, n);
    if (len < 0)
        return json_pack("{s:s}", "error", "bad hex");
    ilp_packet_t p;
    ilp_result_t rc = ilp_packet_decode(SLICE(bin, (size_t)len), ILP_DECODE_STRICT, &p);
    if (rc != ILP_OK)
        return json_pack("{s:s}", "error", ilp_result_str(rc));
    json_t *o = json_object();
    if (p.type == ILP_TYPE_PREPARE) {
        const ilp_prepare_t *x = &p.u.prepare;
        char amount[24], wire[ILP_TIMESTAMP_LEN + 1], iso[ILP_ISO_TIME_LEN + 1];
        snprintf(amount, sizeof(amount), "%llu", (unsigned long long)x->amount);
        ilp_time_format(x->expires_at_ms, wire);
        ilp_time_format_iso(x->expires_at_ms, iso);
        json_object_set_new(o, "type", json_string("prepare"));
        json_object_set_new(o, "amount", json_string(amount));
        json_object_set_new(o, "expires_at", json_string(iso));
        json_object_set_new(o, "expires_at_wire", json_string(wire));
        json_object_set_new(o, "execution_condition_hex",
                            hex_json(SLICE(x->condition, ILP_CONDITION_LEN)));
        set_str(o, "destination", x->destination);
        json_object_set_new(o, "data_hex", hex_json(x->data));
    } else if (p.type == ILP_TYPE_FULFILL) {
        json_object_set_new(o, "type", json_string("fulfill"));
        json_object_set_new(o, "fulfillment_hex",
                            hex_json(SLICE(p.u.fulfill.fulfillment, ILP_FULFILLMENT_LEN)));
        json_object_set_new(o, "data_hex", hex_json(p.u.fulfill.data));
    } else {
        const ilp_reject_t *x = &p.u.reject;
        json_object_set_new(o, "type", json_string("reject"));
        json_object_set_new(o, "code", json_string(x->code));
        set_str(o, "triggered_by", x->triggered_by);
        set_str(o, "message", x->message);
        json_object_set_new(o, "message_hex", hex_json(x->message));
        json_object_set_new(o, "data_hex", hex_json(x->data));
    }
    return o;
}

/* A hex member decoded into mem (cap bytes); -1 when missing or invalid. */
static int get_hex(json_t *o, const char *key, uint8_t *mem, size_t cap, slice_t *out)
{
    json_t *j = json_object_get(o, key);
    if (j == NULL) {
        *out = SLICE(mem, 0);
        return 0;
    }
    if (!json_is_string(j))
        return -1;
    ssize_t n = hex_decode(mem, cap, json_string_value(j), json_string_length(j));
    if (n < 0)
        return -1;
    *out = SLICE(mem, (size_t)n);
    return 0;
}

static slice_t get_str(json_t *o, const char *key)
{
    json_t *j = json_object_get(o, key);
    return json_is_string(j) ? SLICE(json_string_value(j), json_string_length(j)) : SLICE("", 0);
}

static const char *fill_prepare(json_t *o, ilp_prepare_t *p, uint8_t *data, size_t cap)
{
    slice_t amount = get_str(o, "amount"), cond, iso = get_str(o, "expires_at");
    uint8_t cmem[ILP_CONDITION_LEN * 2];
    if (parse_u64((const char *)amount.ptr, amount.len, &p->amount) != 0)
        return "bad amount";
    if (ilp_time_parse_iso(iso, &p->expires_at_ms) != ILP_OK &&
        ilp_time_parse(get_str(o, "expires_at_wire"), &p->expires_at_ms) != ILP_OK)
        return "bad expires_at";
    if (get_hex(o, "execution_condition_hex", cmem, sizeof(cmem), &cond) != 0 ||
        cond.len != ILP_CONDITION_LEN)
        return "bad execution_condition_hex";
    memcpy(p->condition, cond.ptr, ILP_CONDITION_LEN);
    p->destination = get_str(o, "destination");
    if (get_hex(o, "data_hex", data, cap, &p->data) != 0)
        return "bad data_hex";
    return NULL;
}

static json_t *encode_line(const char *line, size_t n)
{
    static uint8_t data[ILP_PACKET_MAX_LEN * 2], msg[ILP_PACKET_MAX_LEN];
    json_error_t jerr;
    json_t *o = json_loadb(line, n, 0, &jerr);
    if (!json_is_object(o)) {
        json_decref(o);
        return json_pack("{s:s}", "error", "bad json");
    }
    ilp_packet_t p;
    memset(&p, 0, sizeof(p));
    slice_t type = get_str(o, "type");
    const char *err = NULL;
    if (slice_eq_str(type, "prepare")) {
        p.type = ILP_TYPE_PREPARE;
        err = fill_prepare(o, &p.u.prepare, data, sizeof(data));
    } else if (slice_eq_str(type, "fulfill")) {
        slice_t f;
        p.type = ILP_TYPE_FULFILL;
        if (get_hex(o, "fulfillment_hex", msg, sizeof(msg), &f) != 0 ||
            f.len != ILP_FULFILLMENT_LEN)
            err = "bad fulfillment_hex";
        else
            memcpy(p.u.fulfill.fulfillment, f.ptr, ILP_FULFILLMENT_LEN);
        if (get_hex(o, "data_hex", data, sizeof(data), &p.u.fulfill.data) != 0)
            err = "bad data_hex";
    } else if (slice_eq_str(type, "reject")) {
        ilp_reject_t *r = &p.u.reject;
        slice_t code = get_str(o, "code");
        p.type = ILP_TYPE_REJECT;
        memcpy(r->code, code.ptr, code.len < 3 ? code.len : 3);
        r->triggered_by = get_str(o, "triggered_by");
        r->message = get_str(o, "message");
        if (json_object_get(o, "message_hex") &&
            get_hex(o, "message_hex", msg, sizeof(msg), &r->message) != 0)
            err = "bad message_hex";
        if (get_hex(o, "data_hex", data, sizeof(data), &r->data) != 0)
            err = "bad data_hex";
    } else {
        err = "bad type";
    }
    json_t *result = NULL;
    if (err == NULL) {
        buf_t b;
        buf_init(&b, ILP_PACKET_MAX_LEN * 2);
        ilp_result_t rc = ilp_packet_encode(&b, &p);
        if (rc == ILP_OK)
            result = json_pack("{s:o}", "hex", hex_json(buf_slice(&b)));
        else
            err = ilp_result_str(rc);
        buf_free(&b);
    }
    if (result == NULL)
        result = json_pack("{s:s}", "error", err);
    json_decref(o);
    return result;
}

int main(int argc, char **argv)
{
    int encode = argc > 1 && strcmp(argv[1], "encode") == 0;
    if (argc > 1 && !encode && strcmp(argv[1], "decode") != 0) {
        fprintf(stderr, "usage: %s [decode|encode] < lines\n", argv[0]);
        return 2;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        json_t *out = encode ? encode_line(line, (size_t)n) : decode_line(line, (size_t)n);
        char *s = json_dumps(out, JSON_COMPACT);
        puts(s ? s : "{\"error\":\"cannot serialise\"}");
        fflush(stdout);
        free(s);
        json_decref(out);
    }
    free(line);
    return 0;
}
