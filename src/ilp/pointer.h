/*
 * Payment pointers (RFC 0026): "$" host path-abempty -> "https://" host path, where an empty
 * path (or "/") becomes "/.well-known/pay". One trailing "/" on a longer path is dropped, as
 * interledgerjs pay does. Userinfo, ports, queries, fragments, spaces and non-ASCII bytes are
 * refused. spsp_url_resolve also accepts a raw "https://" URL (RFC 0009 allows SPSP URLs
 * directly) and returns it unchanged.
 * Threads: no shared state; any thread may call these at once.
 */
#ifndef RAFIKI_ILP_POINTER_H
#define RAFIKI_ILP_POINTER_H

#include <stddef.h>

typedef enum {
    POINTER_OK = 0,
    POINTER_ERR_NO_DOLLAR = -1, /* does not start with "$" (and is not an https URL) */
    POINTER_ERR_BAD_HOST = -2,  /* empty host, userinfo, port, or bad character */
    POINTER_ERR_BAD_PATH = -3,  /* query, fragment or bad character in the path */
    POINTER_ERR_TOO_LONG = -4,  /* the URL does not fit out */
} pointer_result_t;

/* Largest pointer we resolve; URLs are capped to this many bytes. */
#define POINTER_MAX_LEN 2048

/* Resolve the pointer s[0..n) into out (NUL-terminated); returns POINTER_OK or why not. */
pointer_result_t payment_pointer_resolve(const char *s, size_t n, char *out, size_t out_cap);
/* As payment_pointer_resolve, but an https:// URL is also accepted (host and path checked). */
pointer_result_t spsp_url_resolve(const char *s, size_t n, char *out, size_t out_cap);
const char *pointer_result_str(pointer_result_t r);

#endif
