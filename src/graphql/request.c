/*
 * What every stage of a request (validation, coercion, limits, execution) shares of it: its
 * fragments by name, and its error list with graphql-js's shape (message, locations, path,
 * extensions.code). Kept apart from exec.c so the stages call down into it, not into each
 * other.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/mem.h"
#include "graphql/engine.h"

static int frag_key_cmp(const void *key, const void *b)
{
    return strcmp((const char *)key, (*(const gql_node_t *const *)b)->name);
}

size_t gql_fragment_index(const gql_exec_t *ex, const char *name)
{
    const gql_node_t *const *f =
        bsearch(name, ex->frags, ex->n_frags, sizeof *ex->frags, frag_key_cmp);
    return f ? (size_t)(f - ex->frags) : SIZE_MAX;
}

const gql_node_t *gql_fragment(const gql_exec_t *ex, const char *name)
{
    size_t i = gql_fragment_index(ex, name);
    return i == SIZE_MAX ? NULL : ex->frags[i];
}

json_t *gql_path_json(const gql_exec_t *ex)
{
    json_t *p = json_array();
    for (size_t i = 0; i < ex->path_n; i++)
        json_array_append_new(p, ex->path[i].key ? json_string(ex->path[i].key)
                                                 : json_integer((json_int_t)ex->path[i].index));
    return p;
}

json_t *gql_location_json(const gql_node_t *n)
{
    return json_pack("{s:I,s:I}", "line", (json_int_t)n->line, "column", (json_int_t)n->col);
}

/* The byte length of the valid UTF-8 sequence at s, or 0. */
static size_t utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (n == 0 || s[0] > 0xF4)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((n == 3 && s[0] == 0xE0 && s[1] < 0xA0) || (n == 3 && s[0] == 0xED && s[1] >= 0xA0) ||
        (n == 4 && s[0] == 0xF0 && s[1] < 0x90) || (n == 4 && s[0] == 0xF4 && s[1] >= 0x90))
        return 0;
    return n;
}

/* A JSON string of a message, its invalid UTF-8 bytes (quoted from a bad document) replaced
 * by U+FFFD so the response stays JSON. */
json_t *gql_message_json(const char *m)
{
    json_t *j = json_string(m);
    if (j)
        return j;
    size_t len = strlen(m), o = 0;
    char *out = xmalloc(3 * len + 1);
    for (size_t i = 0; i < len;) {
        size_t n = utf8_len((const unsigned char *)m + i);
        if (n == 0) {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3, i++;
        } else {
            memcpy(out + o, m + i, n);
            o += n, i += n;
        }
    }
    out[o] = '\0';
    j = json_string(out);
    free(out);
    ASSERT(j != NULL);
    return j;
}

void gql_error_add(gql_exec_t *ex, const char *message, const gql_node_t *at, bool with_path,
                   const char *code)
{
    json_t *e = json_object();
    json_object_set_new(e, "message", gql_message_json(message));
    if (at)
        json_object_set_new(e, "locations", json_pack("[o]", gql_location_json(at)));
    if (with_path)
        json_object_set_new(e, "path", gql_path_json(ex));
    json_object_set_new(e, "extensions", json_pack("{s:s}", "code", code));
    json_array_append_new(ex->errors, e);
}
