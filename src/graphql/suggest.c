/*
 * "Did you mean ...?" for validation messages, as graphql-js 16 picks and words them: options
 * within a Damerau-Levenshtein distance of 40% of the input's length (case-insensitively
 * equal counts 1), nearest first, ties in natural order (digit runs by value), at most five.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graphql/suggest.h"

#include "base/mem.h"

#define CMP_MAX 256

/* The distance between input and option, or -1 when over threshold. */
static int distance(const char *input, const char *option, int threshold)
{
    if (strcmp(input, option) == 0)
        return 0;
    size_t la = strlen(option), lb = strlen(input);
    if (la > CMP_MAX || lb > CMP_MAX)
        return -1;
    char a[CMP_MAX + 1], b[CMP_MAX + 1];
    for (size_t i = 0; i <= la; i++)
        a[i] = (char)tolower((unsigned char)option[i]);
    for (size_t i = 0; i <= lb; i++)
        b[i] = (char)tolower((unsigned char)input[i]);
    if (strcmp(a, b) == 0)
        return 1;
    const char *pa = a, *pb = b;
    if (la < lb) {
        pa = b, pb = a;
        size_t t = la;
        la = lb, lb = t;
    }
    if ((int)(la - lb) > threshold)
        return -1;
    static _Thread_local int rows[3][CMP_MAX + 1];
    for (size_t j = 0; j <= lb; j++)
        rows[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int *up = rows[(i - 1) % 3], *cur = rows[i % 3];
        int smallest = cur[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int cost = pa[i - 1] == pb[j - 1] ? 0 : 1;
            int c = up[j] + 1;
            if (cur[j - 1] + 1 < c)
                c = cur[j - 1] + 1;
            if (up[j - 1] + cost < c)
                c = up[j - 1] + cost;
            if (i > 1 && j > 1 && pa[i - 1] == pb[j - 2] && pa[i - 2] == pb[j - 1] &&
                rows[(i - 2) % 3][j - 2] + 1 < c)
                c = rows[(i - 2) % 3][j - 2] + 1;
            if (c < smallest)
                smallest = c;
            cur[j] = c;
        }
        if (smallest > threshold)
            return -1;
    }
    int d = rows[la % 3][lb];
    return d <= threshold ? d : -1;
}

int gql_natural_cmp(const char *a, const char *b)
{
    while (*a && *b) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            unsigned long long x = strtoull(a, (char **)&a, 10);
            unsigned long long y = strtoull(b, (char **)&b, 10);
            if (x != y)
                return x < y ? -1 : 1;
            continue;
        }
        if (*a != *b)
            return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
        a++, b++;
    }
    return *a ? 1 : *b ? -1 : 0;
}

typedef struct {
    const char *name;
    int d;
} cand_t;

static int cand_cmp(const void *x, const void *y)
{
    const cand_t *a = x, *b = y;
    if (a->d != b->d)
        return a->d - b->d;
    return gql_natural_cmp(a->name, b->name);
}

size_t gql_suggest(const char *input, const char *const *options, size_t n, const char **out,
                   size_t cap)
{
    int threshold = (int)(strlen(input) * 4 / 10) + 1;
    cand_t *c = xmalloc((n + 1) * sizeof *c);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int d = distance(input, options[i], threshold);
        if (d >= 0)
            c[k++] = (cand_t){options[i], d};
    }
    qsort(c, k, sizeof *c, cand_cmp);
    size_t m = k < cap ? k : cap;
    for (size_t i = 0; i < m; i++)
        out[i] = c[i].name;
    free(c);
    return m;
}

void gql_did_you_mean(const char *sub, const char *const *s, size_t n, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    if (n == 0)
        return;
    if (n > GQL_SUGGEST_MAX)
        n = GQL_SUGGEST_MAX;
    len += (size_t)snprintf(out, cap, " Did you mean %s%s", sub ? sub : "", sub ? " " : "");
    for (size_t i = 0; i < n && len < cap; i++) {
        const char *sep = i == 0 ? "" : n == 2 ? " or " : i == n - 1 ? ", or " : ", ";
        len += (size_t)snprintf(out + len, cap - len, "%s\"%s\"", sep, s[i]);
    }
    if (len < cap)
        snprintf(out + len, cap - len, "?");
}
