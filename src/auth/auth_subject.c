/*
 * Subjects of grant requests (auth-server.yaml `subject`): a client asks the user to prove that
 * they own a wallet address, and once the user has done so in the interaction, the continuation
 * answers `subject: {sub_ids: [...]}`. Here: reading the request's subject, checking that this
 * server can prove it (the wallet address is one of ours), and its JSON. The rows are in
 * auth_store.c (sql/069_auth_grant_subjects.sql).
 */
#include <stdio.h>
#include <string.h>

#include "auth/auth_internal.h"
#include "base/log.h"
#include "payments/wallet_address.h"

static auth_result_t subject_invalid(auth_err_t *err, const char *msg, size_t i)
{
    snprintf(err->msg, sizeof err->msg, "subject.sub_ids[%zu]: %s", i, msg);
    return AUTH_INVALID_REQUEST;
}

/* An http(s) URL with a host, short enough to store, with nothing a URL may not carry raw
 * (spaces, controls) and no fragment. */
static bool subject_url_ok(const char *s, size_t len)
{
    size_t host;
    if (strncmp(s, "https://", 8) == 0)
        host = 8;
    else if (strncmp(s, "http://", 7) == 0)
        host = 7;
    else
        return false;
    if (len > OP_CLIENT_MAX || len <= host || s[host] == '/' || s[host] == '?')
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7f || c == '#')
            return false;
    }
    return true;
}

auth_result_t subject_parse(const json_t *subject, grant_t *g, auth_err_t *err)
{
    const json_t *ids = json_object_get(subject, "sub_ids");
    g->n_subjects = 0;
    if (!json_is_object(subject) || !json_is_array(ids)) {
        snprintf(err->msg, sizeof err->msg, "subject must be an object with a sub_ids list");
        return AUTH_INVALID_REQUEST;
    }
    if (json_array_size(ids) < 1 || json_array_size(ids) > AUTH_SUBJECTS_MAX) {
        snprintf(err->msg, sizeof err->msg, "subject.sub_ids must list 1 to %d identifiers",
                 AUTH_SUBJECTS_MAX);
        return AUTH_INVALID_REQUEST;
    }
    size_t i;
    json_t *item;
    json_array_foreach(ids, i, item)
    {
        const json_t *id = json_object_get(item, "id");
        const char *format = json_string_value(json_object_get(item, "format"));
        if (!json_is_object(item) || !json_is_string(id) || !format)
            return subject_invalid(err, "an identifier is {id, format}", i);
        if (strcmp(format, AUTH_SUBJECT_FORMAT) != 0)
            return subject_invalid(err, "format must be \"uri\"", i);
        if (!subject_url_ok(json_string_value(id), json_string_length(id)))
            return subject_invalid(err, "id must be a wallet address URL (http or https)", i);
        auth_subject_t *s = &g->subjects[g->n_subjects++];
        memset(s, 0, sizeof *s);
        uuid_v4(s->id);
        snprintf(s->sub_id, sizeof s->sub_id, "%s", json_string_value(id));
        snprintf(s->format, sizeof s->format, "%s", AUTH_SUBJECT_FORMAT);
    }
    return AUTH_OK;
}

auth_result_t subject_known(auth_t *a, const grant_t *g, auth_err_t *err)
{
    /* only the database is read: the other fields of the context are not needed for a lookup */
    const wallet_ctx_t wallet = {.db = a->cfg.db};
    for (size_t i = 0; i < g->n_subjects; i++) {
        wallet_address_t w;
        db_err_t e = {0};
        const char *url = g->subjects[i].sub_id;
        wallet_address_result_t r = wallet_address_get_by_url(&wallet, url, strlen(url), &w, &e);
        if (r == WALLET_ADDRESS_STORAGE_ERROR) {
            LOGE("auth: subject: database: %s", e.msg);
            return AUTH_STORAGE_ERROR;
        }
        if (r != WALLET_ADDRESS_OK || !w.active)
            return subject_invalid(err, "id is not a wallet address of this server", i);
    }
    return AUTH_OK;
}

json_t *subject_json(const auth_subject_t *s, size_t n)
{
    json_t *ids = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(ids,
                              json_pack("{s:s,s:s}", "id", s[i].sub_id, "format", s[i].format));
    return json_pack("{s:o}", "sub_ids", ids);
}
