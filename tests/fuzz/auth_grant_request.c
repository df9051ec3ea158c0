/*
 * Fuzz what a grant request body goes through before anything is stored (auth.c grant_request):
 * the JSON reader, client_parse, access_validate under both interaction settings, interact_parse,
 * subject_parse, and then what introspection does with the stored items (access_match,
 * access_limits). Besides
 * memory errors it checks: a refusal always says why; validated items are all matched by their
 * own type, actions and identifier; a validated outgoing-payment item's limits always read, with
 * the receiver whole (introspection would otherwise deny a grant it issued); a parsed finish URI
 * and nonce are kept whole; an accepted subject has 1 to AUTH_SUBJECTS_MAX ids, each an http(s)
 * URL kept whole with no byte a URL may not carry raw, and its JSON answers exactly them.
 */
#include <stdlib.h>
#include <string.h>

#include "auth/auth_internal.h"
#include "http/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static auth_t *auth_get(bool interaction)
{
    static auth_t *a[2];
    if (!a[interaction]) {
        auth_config_t cfg = {.auth_url = "https://auth.test",
                             .list_all_interaction = interaction,
                             .incoming_payment_interaction = interaction,
                             .quote_interaction = interaction};
        a[interaction] = auth_new(&cfg);
    }
    return a[interaction];
}

/* Every validated item is found again by what it grants. */
static void check_items(const json_t *items)
{
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        const char *type = json_string_value(json_object_get(it, "type"));
        const char *ident = json_string_value(json_object_get(it, "identifier"));
        size_t j;
        json_t *act;
        json_array_foreach(json_object_get(it, "actions"), j, act)
        {
            bool all = false;
            const char *s = json_string_value(act);
            if (!access_match(items, type, s, ident ? ident : "https://w.test/x", &all))
                abort();
        }
        op_access_t out = {0};
        if (strcmp(type, "outgoing-payment") != 0)
            continue;
        const char *rcv =
            json_string_value(json_object_get(json_object_get(it, "limits"), "receiver"));
        if (access_limits(it, &out) != 0 || strcmp(out.receiver, rcv ? rcv : "") != 0)
            abort();
    }
}

static void check_interact(const json_t *in)
{
    grant_t g = {0};
    auth_err_t why = {.msg = ""};
    if (interact_parse(in, &g, &why) != AUTH_OK) {
        if (!why.msg[0] || g.finish_uri[0])
            abort();
        return;
    }
    const json_t *fin = json_object_get(in, "finish");
    if (fin && (strcmp(g.finish_uri, json_string_value(json_object_get(fin, "uri"))) != 0 ||
                strcmp(g.client_nonce, json_string_value(json_object_get(fin, "nonce"))) != 0))
        abort();
    if (!fin && (g.finish_uri[0] || g.client_nonce[0]))
        abort();
}

static void check_subject(const json_t *in)
{
    grant_t g = {0};
    auth_err_t why = {.msg = ""};
    if (subject_parse(in, &g, &why) != AUTH_OK) {
        if (!why.msg[0])
            abort();
        return;
    }
    const json_t *ids = json_object_get(in, "sub_ids");
    if (g.n_subjects < 1 || g.n_subjects > AUTH_SUBJECTS_MAX ||
        g.n_subjects != json_array_size(ids))
        abort();
    for (size_t i = 0; i < g.n_subjects; i++) {
        const char *id = g.subjects[i].sub_id;
        const json_t *want = json_object_get(json_array_get(ids, i), "id");
        if (strlen(id) != json_string_length(want) || strcmp(id, json_string_value(want)) != 0 ||
            strcmp(g.subjects[i].format, "uri") != 0 ||
            (strncmp(id, "http://", 7) != 0 && strncmp(id, "https://", 8) != 0))
            abort();
        for (const char *p = id; *p; p++)
            if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '#')
                abort();
    }
    json_t *back = subject_json(g.subjects, g.n_subjects);
    const json_t *out = json_object_get(back, "sub_ids");
    for (size_t i = 0; i < g.n_subjects; i++)
        if (!json_equal(json_object_get(json_array_get(out, i), "id"),
                        json_object_get(json_array_get(ids, i), "id")))
            abort();
    json_decref(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    http_json_err_t err;
    json_t *body = http_json_parse(SLICE(data, size), &err);
    if (!body)
        return 0;
    const char *url;
    const json_t *jwk;
    if (client_parse(json_object_get(body, "client"), &url, &jwk) == 0 && !url == !jwk)
        abort();
    const json_t *items = json_object_get(json_object_get(body, "access_token"), "access");
    for (int mode = 0; mode <= 1; mode++) {
        auth_err_t why = {.msg = ""};
        bool interactive;
        if (access_validate(auth_get(mode), items, &interactive, &why) == AUTH_OK)
            check_items(items);
        else if (!why.msg[0])
            abort();
    }
    /* introspection reads stored items without validating them again: must not crash */
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        op_access_t out = {0};
        (void)access_limits(it, &out);
    }
    bool all;
    (void)access_match(items, "outgoing-payment", "read", NULL, &all);
    if (json_object_get(body, "interact"))
        check_interact(json_object_get(body, "interact"));
    if (json_object_get(body, "subject"))
        check_subject(json_object_get(body, "subject"));
    json_decref(body);
    return 0;
}
