/*
 * HTML form fields (see form.h).
 */
#include "http/form.h"

#include <stdbool.h>
#include <string.h>

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Decodes [p, p+n) into out; the decoded length, or -1. */
static long decode(const char *p, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (i + 2 >= n)
                return -1;
            int h = hexval(p[i + 1]);
            int l = hexval(p[i + 2]);
            if (h < 0 || l < 0)
                return -1;
            c = (char)(h * 16 + l);
            i += 2;
        }
        if (c == '\0' || o + 1 >= cap)
            return -1;
        out[o++] = c;
    }
    out[o] = '\0';
    return (long)o;
}

long form_get(slice_t form, const char *name, char *out, size_t cap)
{
    const char *p = (const char *)form.ptr, *end = p + form.len;
    size_t nl = strlen(name);
    if (cap == 0)
        return -1;
    while (p && p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *field_end = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(field_end - p));
        const char *key_end = eq ? eq : field_end;
        if ((size_t)(key_end - p) == nl && memcmp(p, name, nl) == 0)
            return eq ? decode(eq + 1, (size_t)(field_end - eq - 1), out, cap) : (out[0] = '\0', 0);
        p = amp ? amp + 1 : NULL;
    }
    return -1;
}

void form_encode(const char *s, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    if (cap == 0)
        return;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_' || c == '~';
        if (n + (keep ? 1 : 3) >= cap)
            break;
        if (keep) {
            out[n++] = (char)c;
        } else {
            out[n++] = '%';
            out[n++] = hex[c >> 4];
            out[n++] = hex[c & 15];
        }
    }
    out[n] = '\0';
}
