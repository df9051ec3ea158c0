/* Payment pointer resolution (RFC 0026). */
#include "ilp/pointer.h"

#include <stdbool.h>
#include <string.h>

static bool host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.';
}

/* RFC 3986 pchar without "%"-decoding (percent escapes are passed through) plus "/". */
static bool path_char(char c)
{
    if (host_char(c) || c == '/')
        return true;
    return c != '\0' && strchr("_~!$&'()*+,;=:@%", c) != NULL;
}

const char *pointer_result_str(pointer_result_t r)
{
    switch (r) {
    case POINTER_OK:
        return "ok";
    case POINTER_ERR_NO_DOLLAR:
        return "payment pointer must start with $";
    case POINTER_ERR_BAD_HOST:
        return "invalid host in payment pointer";
    case POINTER_ERR_BAD_PATH:
        return "invalid path in payment pointer";
    case POINTER_ERR_TOO_LONG:
        return "payment pointer too long";
    }
    return "unknown payment pointer error";
}

static pointer_result_t check_url_part(const char *s, size_t n, size_t *host_len)
{
    size_t h = 0;
    while (h < n && s[h] != '/') {
        if (!host_char(s[h]))
            return POINTER_ERR_BAD_HOST;
        h++;
    }
    if (h == 0 || s[0] == '.' || s[h - 1] == '.')
        return POINTER_ERR_BAD_HOST;
    for (size_t i = h; i < n; i++)
        if (!path_char(s[i]))
            return POINTER_ERR_BAD_PATH;
    *host_len = h;
    return POINTER_OK;
}

static pointer_result_t resolve(const char *s, size_t n, bool allow_url, char *out, size_t out_cap)
{
    static const char HTTPS[] = "https://";
    const size_t https_len = sizeof(HTTPS) - 1;
    if (n > POINTER_MAX_LEN)
        return POINTER_ERR_TOO_LONG;
    bool url = allow_url && n > https_len && memcmp(s, HTTPS, https_len) == 0;
    if (!url && (n == 0 || s[0] != '$'))
        return POINTER_ERR_NO_DOLLAR;
    const char *rest = url ? s + https_len : s + 1;
    size_t rest_len = url ? n - https_len : n - 1;
    size_t host_len;
    pointer_result_t rc = check_url_part(rest, rest_len, &host_len);
    if (rc != POINTER_OK)
        return rc;
    const char *path = rest + host_len;
    size_t path_len = rest_len - host_len;
    if (!url && path_len > 0 && path[path_len - 1] == '/')
        path_len--;
    if (!url && path_len == 0) {
        path = "/.well-known/pay";
        path_len = strlen(path);
    }
    if (https_len + host_len + path_len + 1 > out_cap)
        return POINTER_ERR_TOO_LONG;
    memcpy(out, HTTPS, https_len);
    memcpy(out + https_len, rest, host_len);
    memcpy(out + https_len + host_len, path, path_len);
    out[https_len + host_len + path_len] = '\0';
    return POINTER_OK;
}

pointer_result_t payment_pointer_resolve(const char *s, size_t n, char *out, size_t out_cap)
{
    return resolve(s, n, false, out, out_cap);
}

pointer_result_t spsp_url_resolve(const char *s, size_t n, char *out, size_t out_cap)
{
    return resolve(s, n, true, out, out_cap);
}
