/*
 * Fee, slippage and rate arithmetic of quotes (see fees.h). Every product is taken in 128 bits
 * and checked against 2^64-1 before it becomes an amount.
 */
#include "payments/fees.h"

#include <string.h>

#include "base/assert.h"
#include "http/json.h"

typedef unsigned __int128 u128;

static const char *const fees_names[FEES_RESULT_COUNT] = {
    [FEES_OK] = "ok",
    [FEES_OVERFLOW] = "overflow",
    [FEES_AMOUNT_TOO_LOW] = "amount_too_low",
    [FEES_AMOUNT_ZERO] = "amount_zero",
};

const char *fees_result_str(fees_result_t r)
{
    return (unsigned)r < FEES_RESULT_COUNT ? fees_names[r] : "unknown";
}

static fees_result_t fit_u64(u128 v, uint64_t *out)
{
    if (v > UINT64_MAX)
        return FEES_OVERFLOW;
    *out = (uint64_t)v;
    return FEES_OK;
}

fees_result_t fees_for_send(const fees_t *f, uint64_t send, uint64_t *fee)
{
    ASSERT(f->basis_points <= FEES_BPS_MAX);
    /* ceil: the operator never charges less than its stated rate */
    u128 pct = ((u128)send * f->basis_points + FEES_BPS_DENOM - 1) / FEES_BPS_DENOM;
    return fit_u64(pct + f->fixed, fee);
}

fees_result_t fees_debit_for_send(const fees_t *f, uint64_t send, uint64_t *debit, uint64_t *fee)
{
    fees_result_t r = fees_for_send(f, send, fee);
    if (r != FEES_OK)
        return r;
    return fit_u64((u128)send + *fee, debit);
}

fees_result_t fees_send_for_debit(const fees_t *f, uint64_t debit, uint64_t *send, uint64_t *fee)
{
    ASSERT(f->basis_points <= FEES_BPS_MAX);
    /* Rafiki's quote service: the fee is charged on the debit amount itself and the rest is
     * sent (quoteDebitAmount = debit - fee.calculate(debit)) */
    fees_result_t r = fees_for_send(f, debit, fee);
    if (r != FEES_OK || *fee >= debit)
        return FEES_AMOUNT_TOO_LOW; /* nothing would be sent (an overflow: the fee is huge) */
    *send = debit - *fee;
    return FEES_OK;
}

uint64_t fees_min_delivered(uint64_t amount, uint32_t slippage_ppm)
{
    ASSERT(slippage_ppm <= FEES_PPM_DENOM);
    return (uint64_t)((u128)amount * (FEES_PPM_DENOM - slippage_ppm) / FEES_PPM_DENOM);
}

fees_result_t fees_convert_floor(uint64_t amount, uint64_t num, uint64_t den, uint64_t *out)
{
    if (den == 0)
        return FEES_AMOUNT_ZERO;
    u128 p = (u128)amount * num;
    return fit_u64(p / den, out);
}

fees_result_t fees_convert_ceil_inverse(uint64_t dest, uint64_t num, uint64_t den, uint64_t *out)
{
    if (den == 0 || num == 0)
        return FEES_AMOUNT_ZERO;
    /* least s with s*num >= dest*den */
    u128 p = (u128)dest * den;
    return fit_u64((p + num - 1) / num, out);
}

int fees_parse_ppm(const char *s, size_t n, uint32_t *ppm)
{
    if (n == 0 || (s[0] != '0' && s[0] != '1'))
        return -1;
    uint32_t whole = (uint32_t)(s[0] - '0');
    uint32_t frac = 0, digits = 0;
    size_t i = 1;
    if (i < n) {
        if (s[i] != '.' || i + 1 == n)
            return -1;
        for (i++; i < n; i++) {
            if (s[i] < '0' || s[i] > '9' || ++digits > 6)
                return -1;
            frac = frac * 10 + (uint32_t)(s[i] - '0');
        }
    }
    for (uint32_t d = digits; d < 6; d++)
        frac *= 10;
    if (whole == 1 && frac != 0)
        return -1;
    *ppm = whole * FEES_PPM_DENOM + frac;
    return 0;
}

static bool code_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* One "CODE:FIXED:BPS" entry of exactly n bytes. */
static int entry_parse(const char *s, size_t n, fees_entry_t *e)
{
    const char *c1 = memchr(s, ':', n);
    if (!c1 || c1 == s || (size_t)(c1 - s) > ASSET_CODE_MAX_LEN)
        return -1;
    size_t code_len = (size_t)(c1 - s);
    for (size_t i = 0; i < code_len; i++)
        if (!code_char(s[i]))
            return -1;
    const char *rest = c1 + 1, *end = s + n;
    const char *c2 = memchr(rest, ':', (size_t)(end - rest));
    uint64_t bps;
    if (!c2 || http_json_parse_u64(rest, (size_t)(c2 - rest), &e->fees.fixed) != 0 ||
        http_json_parse_u64(c2 + 1, (size_t)(end - c2 - 1), &bps) != 0 || bps > FEES_BPS_MAX)
        return -1;
    e->fees.basis_points = (uint32_t)bps;
    memcpy(e->code, s, code_len);
    e->code[code_len] = '\0';
    return 0;
}

int fees_table_parse(const char *s, size_t n, fees_table_t *out)
{
    memset(out, 0, sizeof *out);
    size_t start = 0;
    while (start < n) {
        const char *comma = memchr(s + start, ',', n - start);
        size_t len = comma ? (size_t)(comma - (s + start)) : n - start;
        fees_entry_t e;
        if (out->n == FEES_ASSETS_MAX || entry_parse(s + start, len, &e) != 0)
            return -1;
        for (size_t i = 0; i < out->n; i++)
            if (strcmp(out->v[i].code, e.code) == 0)
                return -1;
        out->v[out->n++] = e;
        if (!comma)
            break;
        start += len + 1;
        if (start == n)
            return -1; /* a trailing comma */
    }
    return 0;
}

fees_t fees_table_get(const fees_table_t *t, const char *code)
{
    for (size_t i = 0; t && i < t->n; i++)
        if (strcmp(t->v[i].code, code) == 0)
            return t->v[i].fees;
    return (fees_t){0, 0};
}
