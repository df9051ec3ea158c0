/*
 * Exact rational rates, floor conversion, and the rate table with a TTL cache and single-flight
 * fetches. See rates.h.
 */
#include "connector/rates.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"

/* Bounds: quotes per base and waiters per in-flight fetch. */
#define RATES_QUOTES_MAX  1024
#define RATES_WAITERS_MAX 65536
#define RATES_BASES_MAX   256

const char *rates_result_str(rates_result_t r)
{
    switch (r) {
    case RATES_OK:
        return "ok";
    case RATES_PENDING:
        return "pending";
    case RATES_BAD_RATE:
        return "bad_rate";
    case RATES_OVERFLOW:
        return "overflow";
    case RATES_UNAVAILABLE:
        return "unavailable";
    case RATES_BAD_CONFIG:
        return "bad_config";
    }
    return "unknown";
}

static uint64_t gcd_u64(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* v * 10 + d without overflow; false when it would not fit. */
static bool mul10_add(uint64_t *v, unsigned d)
{
    if (*v > (UINT64_MAX - d) / 10)
        return false;
    *v = *v * 10 + d;
    return true;
}

static rates_result_t rate_reduce(uint64_t num, uint64_t den, rate_t *out)
{
    if (num == 0 || den == 0)
        return RATES_BAD_RATE;
    uint64_t g = gcd_u64(num, den);
    out->num = num / g;
    out->den = den / g;
    return RATES_OK;
}

/* Parses the optional exponent at s[*i..n): "e" ["+"|"-"] digits. */
static bool parse_exponent(const char *s, size_t n, size_t *i, int *exp)
{
    *exp = 0;
    if (*i == n)
        return true;
    if (s[*i] != 'e' && s[*i] != 'E')
        return false;
    (*i)++;
    int sign = 1;
    if (*i < n && (s[*i] == '+' || s[*i] == '-'))
        sign = s[(*i)++] == '-' ? -1 : 1;
    size_t start = *i;
    int e = 0;
    for (; *i < n && s[*i] >= '0' && s[*i] <= '9'; (*i)++) {
        e = e * 10 + (s[*i] - '0');
        if (e > 400)
            return false;
    }
    *exp = sign * e;
    return *i > start && *i == n;
}

rates_result_t rate_parse(const char *s, size_t n, rate_t *out)
{
    uint64_t num = 0, den = 1;
    size_t i = 0, digits = 0;
    bool dot = false;
    int frac = 0;
    for (; i < n; i++) {
        char c = s[i];
        if (c == '.' && !dot) {
            dot = true;
            continue;
        }
        if (c < '0' || c > '9')
            break;
        digits++;
        if (num == 0 && c == '0') {
            if (dot)
                frac++;
            continue; /* leading zeros add nothing to num */
        }
        if (!mul10_add(&num, (unsigned)(c - '0')))
            return RATES_BAD_RATE;
        if (dot)
            frac++;
    }
    int exp;
    if (digits == 0 || !parse_exponent(s, n, &i, &exp))
        return RATES_BAD_RATE;
    int shift = exp - frac; /* value = num * 10^shift */
    for (; shift > 0; shift--)
        if (!mul10_add(&num, 0))
            return RATES_BAD_RATE;
    for (; shift < 0; shift++) {
        if (num % 10 == 0 && num != 0) {
            num /= 10; /* keep den small: 0.900 is 9/10 */
            continue;
        }
        if (!mul10_add(&den, 0))
            return RATES_BAD_RATE;
    }
    return rate_reduce(num, den, out);
}

rates_result_t rate_convert(uint64_t amount, rate_t rate, uint8_t src_scale, uint8_t dst_scale,
                            uint64_t *out)
{
    if (rate.den == 0)
        return RATES_BAD_RATE;
    unsigned __int128 n = (unsigned __int128)amount * rate.num;
    if (dst_scale >= src_scale) {
        unsigned k = (unsigned)(dst_scale - src_scale);
        if (k > RATE_SCALE_DIFF_MAX)
            return RATES_BAD_RATE;
        /* floor(n * 10^k / den) by long division, one decimal digit at a time */
        unsigned __int128 q = n / rate.den, r = n % rate.den;
        for (unsigned d = 0; d < k; d++) {
            if (q > UINT64_MAX)
                return RATES_OVERFLOW;
            r *= 10; /* r < den < 2^64, so r * 10 fits */
            q = q * 10 + r / rate.den;
            r %= rate.den;
        }
        if (q > UINT64_MAX)
            return RATES_OVERFLOW;
        *out = (uint64_t)q;
        return RATES_OK;
    }
    unsigned k = (unsigned)(src_scale - dst_scale);
    if (k > RATE_SCALE_DIFF_MAX)
        return RATES_BAD_RATE;
    /* floor(floor(n / den) / 10^k) == floor(n / (den * 10^k)) for positive integers */
    unsigned __int128 q = n / rate.den;
    for (unsigned d = 0; d < k && q; d++)
        q /= 10;
    if (q > UINT64_MAX)
        return RATES_OVERFLOW;
    *out = (uint64_t)q;
    return RATES_OK;
}

/* ---- the table ---- */

typedef struct {
    char base[ASSET_CODE_MAX_LEN + 1];
    char quote[ASSET_CODE_MAX_LEN + 1];
    rate_t rate;
} pair_t;

typedef struct {
    char dst[ASSET_CODE_MAX_LEN + 1];
    rates_cb cb;
    void *user;
} waiter_t;

typedef struct {
    char base[ASSET_CODE_MAX_LEN + 1];
    uint64_t fetched_ms; /* monotonic; 0 = never */
    pair_t *quotes;
    size_t nquotes;
    bool inflight;
    waiter_t *waiters;
    size_t nwaiters, capwaiters;
} base_entry_t;

struct rates {
    pthread_mutex_t mu;
    pair_t *statics;
    size_t nstatics;
    rates_fetch_fn fetch;
    void *fetch_ctx;
    uint32_t ttl_ms;
    base_entry_t bases[RATES_BASES_MAX];
    size_t nbases;
    uint64_t fetches;
};

/* A rate from a JSON value: a decimal string, an integer, or a real (15 significant digits,
 * what a double carries; the service should send strings for exactness). */
static rates_result_t rate_from_json(const json_t *v, rate_t *out)
{
    if (json_is_string(v))
        return rate_parse(json_string_value(v), json_string_length(v), out);
    char tmp[64];
    int len;
    if (json_is_integer(v) && json_integer_value(v) > 0)
        len = snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v) && json_real_value(v) > 0)
        len = snprintf(tmp, sizeof tmp, "%.15g", json_real_value(v));
    else
        return RATES_BAD_RATE;
    if (len <= 0 || (size_t)len >= sizeof tmp)
        return RATES_BAD_RATE;
    return rate_parse(tmp, (size_t)len, out);
}

static bool code_ok(const char *k)
{
    size_t n = strlen(k);
    return n > 0 && n <= ASSET_CODE_MAX_LEN;
}

/* Parses {"quote": rate, ...} of one base into a fresh array. */
static rates_result_t parse_quotes(const char *base, const json_t *obj, pair_t **out, size_t *n)
{
    if (!json_is_object(obj) || json_object_size(obj) > RATES_QUOTES_MAX)
        return RATES_BAD_CONFIG;
    pair_t *v = xcalloc(json_object_size(obj) + 1, sizeof *v);
    size_t i = 0;
    const char *k;
    json_t *val;
    json_object_foreach((json_t *)obj, k, val)
    {
        if (!code_ok(k) || rate_from_json(val, &v[i].rate) != RATES_OK) {
            free(v);
            return RATES_BAD_CONFIG;
        }
        snprintf(v[i].base, sizeof v[i].base, "%s", base);
        snprintf(v[i].quote, sizeof v[i].quote, "%s", k);
        i++;
    }
    *out = v;
    *n = i;
    return RATES_OK;
}

static rates_result_t load_static(rates_t *r, const char *text)
{
    json_error_t jerr;
    json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    rates_result_t rc = RATES_BAD_CONFIG;
    if (!json_is_object(doc))
        goto done;
    const char *base;
    json_t *quotes;
    json_object_foreach(doc, base, quotes)
    {
        pair_t *v;
        size_t n;
        if (!code_ok(base))
            goto done;
        rc = parse_quotes(base, quotes, &v, &n);
        if (rc != RATES_OK)
            goto done;
        pair_t *all = xrealloc(r->statics, (r->nstatics + n + 1) * sizeof *all);
        if (n)
            memcpy(all + r->nstatics, v, n * sizeof *v);
        r->statics = all;
        r->nstatics += n;
        free(v);
    }
    rc = RATES_OK;
done:
    json_decref(doc);
    return rc;
}

rates_t *rates_new(const rates_config_t *cfg, rates_result_t *rc)
{
    rates_result_t dummy;
    if (!rc)
        rc = &dummy;
    rates_t *r = xcalloc(1, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
    r->fetch = cfg ? cfg->fetch : NULL;
    r->fetch_ctx = cfg ? cfg->fetch_ctx : NULL;
    r->ttl_ms = cfg && cfg->ttl_ms ? cfg->ttl_ms : 15000;
    *rc = RATES_OK;
    if (cfg && cfg->static_json && *cfg->static_json) {
        *rc = load_static(r, cfg->static_json);
        if (*rc != RATES_OK) {
            rates_free(r);
            return NULL;
        }
    }
    return r;
}

void rates_free(rates_t *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nbases; i++) {
        free(r->bases[i].quotes);
        free(r->bases[i].waiters);
    }
    free(r->statics);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

/* Direct pair, else the inverse of the reverse pair. */
static bool find_pair(const pair_t *v, size_t n, const char *src, const char *dst, rate_t *out)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].base, src) == 0 && strcmp(v[i].quote, dst) == 0) {
            *out = v[i].rate;
            return true;
        }
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].base, dst) == 0 && strcmp(v[i].quote, src) == 0) {
            *out = (rate_t){v[i].rate.den, v[i].rate.num};
            return true;
        }
    return false;
}

static base_entry_t *base_entry(rates_t *r, const char *base, bool create)
{
    for (size_t i = 0; i < r->nbases; i++)
        if (strcmp(r->bases[i].base, base) == 0)
            return &r->bases[i];
    if (!create || r->nbases == RATES_BASES_MAX)
        return NULL;
    base_entry_t *e = &r->bases[r->nbases++];
    memset(e, 0, sizeof *e);
    snprintf(e->base, sizeof e->base, "%s", base);
    return e;
}

static void fetch_done(rates_t *r, const char *base, bool ok, slice_t body);

rates_result_t rates_get(rates_t *r, const char *src, const char *dst, rate_t *out, rates_cb cb,
                         void *user)
{
    if (strcmp(src, dst) == 0) {
        *out = (rate_t){1, 1};
        return RATES_OK;
    }
    if (!code_ok(src) || !code_ok(dst))
        return RATES_UNAVAILABLE;
    if (find_pair(r->statics, r->nstatics, src, dst, out))
        return RATES_OK;
    if (!r->fetch || !cb)
        return RATES_UNAVAILABLE;

    pthread_mutex_lock(&r->mu);
    base_entry_t *e = base_entry(r, src, true);
    if (!e) {
        pthread_mutex_unlock(&r->mu);
        return RATES_UNAVAILABLE;
    }
    if (e->fetched_ms && clock_mono_ms() - e->fetched_ms < r->ttl_ms) {
        bool found = find_pair(e->quotes, e->nquotes, src, dst, out);
        pthread_mutex_unlock(&r->mu);
        return found ? RATES_OK : RATES_UNAVAILABLE;
    }
    if (e->nwaiters == e->capwaiters) {
        size_t cap = e->capwaiters ? e->capwaiters * 2 : 8;
        if (cap > RATES_WAITERS_MAX) {
            pthread_mutex_unlock(&r->mu);
            return RATES_UNAVAILABLE;
        }
        e->waiters = xrealloc(e->waiters, cap * sizeof *e->waiters);
        e->capwaiters = cap;
    }
    waiter_t *w = &e->waiters[e->nwaiters++];
    snprintf(w->dst, sizeof w->dst, "%s", dst);
    w->cb = cb;
    w->user = user;
    bool start = !e->inflight;
    e->inflight = true;
    if (start)
        r->fetches++;
    char base[ASSET_CODE_MAX_LEN + 1];
    snprintf(base, sizeof base, "%s", src);
    pthread_mutex_unlock(&r->mu);
    if (start)
        r->fetch(r->fetch_ctx, r, base, fetch_done);
    return RATES_PENDING;
}

/* Parses the service's {"base":..., "rates":{...}} answer. */
static rates_result_t parse_service(const char *base, slice_t body, pair_t **v, size_t *n)
{
    json_error_t jerr;
    json_t *doc = json_loadb((const char *)body.ptr, body.len, 0, &jerr);
    rates_result_t rc = RATES_BAD_CONFIG;
    const json_t *b = json_object_get(doc, "base");
    if (json_is_string(b) && strcmp(json_string_value(b), base) == 0)
        rc = parse_quotes(base, json_object_get(doc, "rates"), v, n);
    json_decref(doc);
    return rc;
}

static void fetch_done(rates_t *r, const char *base, bool ok, slice_t body)
{
    pair_t *v = NULL;
    size_t n = 0;
    if (ok && parse_service(base, body, &v, &n) != RATES_OK) {
        LOGW("rates: bad answer from the rates service for base %s", base);
        ok = false;
    }
    pthread_mutex_lock(&r->mu);
    base_entry_t *e = base_entry(r, base, false);
    if (!e) {
        pthread_mutex_unlock(&r->mu);
        free(v);
        return;
    }
    if (ok) {
        free(e->quotes);
        e->quotes = v;
        e->nquotes = n;
        e->fetched_ms = clock_mono_ms();
        if (e->fetched_ms == 0)
            e->fetched_ms = 1;
    }
    waiter_t *ws = e->waiters;
    size_t nw = e->nwaiters;
    e->waiters = NULL;
    e->nwaiters = e->capwaiters = 0;
    e->inflight = false;
    /* answer from a private copy so callbacks run without the lock */
    pair_t *snap = NULL;
    size_t nsnap = 0;
    if (ok && n) {
        snap = xmalloc(n * sizeof *snap);
        memcpy(snap, e->quotes, n * sizeof *snap);
        nsnap = n;
    }
    pthread_mutex_unlock(&r->mu);
    for (size_t i = 0; i < nw; i++) {
        rate_t rate = {0, 1};
        bool found = find_pair(snap, nsnap, base, ws[i].dst, &rate);
        ws[i].cb(ws[i].user, found ? RATES_OK : RATES_UNAVAILABLE, rate);
    }
    free(snap);
    free(ws);
}

uint64_t rates_fetch_count(rates_t *r)
{
    pthread_mutex_lock(&r->mu);
    uint64_t n = r->fetches;
    pthread_mutex_unlock(&r->mu);
    return n;
}
