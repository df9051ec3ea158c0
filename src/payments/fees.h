/*
 * Money math of quotes: sending fees (fixed + basis points per asset), the slippage margin on
 * what must arrive, and the PAYMENT_FEES / SLIPPAGE settings that configure them.
 *
 * Integer arithmetic only, with 128-bit intermediates, every result overflow-checked. Rounding
 * is stated per function: ceil for what we charge, floor for what we promise to deliver.
 *
 * Pure functions: callable from any thread, never block.
 */
#ifndef RAFIKI_PAYMENTS_FEES_H
#define RAFIKI_PAYMENTS_FEES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/limits.h"

/* 1 basis point = 1/10000; a fee of 10000 bps would take as much as it sends. */
#define FEES_BPS_DENOM 10000u
#define FEES_BPS_MAX   FEES_BPS_DENOM
/* Slippage is kept in parts per million: "0.01" (Rafiki's default, 1 %) = 10000 ppm. */
#define FEES_PPM_DENOM 1000000u
/* Assets with their own fee in PAYMENT_FEES. */
#define FEES_ASSETS_MAX 32

typedef enum {
    FEES_OK = 0,
    FEES_OVERFLOW,       /* the result does not fit in 64 bits */
    FEES_AMOUNT_TOO_LOW, /* a debit amount that does not even cover the fixed fee */
    FEES_AMOUNT_ZERO,    /* nothing would be sent or delivered */
    FEES_RESULT_COUNT
} fees_result_t;

/* Stable snake_case name ("amount_too_low"). */
const char *fees_result_str(fees_result_t r);

/* The fee of one asset: fixed (in the asset's smallest units) + basis_points of the amount. */
typedef struct {
    uint64_t fixed;
    uint32_t basis_points; /* <= FEES_BPS_MAX */
} fees_t;

/* Fee for sending `send` units: fixed + ceil(send x bps / 10000). FEES_OK or FEES_OVERFLOW. */
fees_result_t fees_for_send(const fees_t *f, uint64_t send, uint64_t *fee);

/* Fixed receive (or no amount given): the debit for sending `send`, send + fee. Fills *debit
 * and *fee; FEES_OVERFLOW when it passes 2^64-1. */
fees_result_t fees_debit_for_send(const fees_t *f, uint64_t send, uint64_t *debit, uint64_t *fee);

/* Fixed debit, as Rafiki's quote service: the fee is fees_for_send(debit) (charged on the debit
 * amount itself) and send = debit - fee, so debit = send + fee exactly. FEES_AMOUNT_TOO_LOW when
 * the fee takes it all (nothing would be sent). Fills *send and *fee. */
fees_result_t fees_send_for_debit(const fees_t *f, uint64_t debit, uint64_t *send, uint64_t *fee);

/* The least the receiver must get out of `amount` with slippage ppm: floor(amount x (1e6 -
 * ppm) / 1e6). ppm <= FEES_PPM_DENOM. */
uint64_t fees_min_delivered(uint64_t amount, uint32_t slippage_ppm);

/*
 * Converts source units to destination units at rate num/den, floor (what we may promise):
 * FEES_OK, FEES_OVERFLOW, or FEES_AMOUNT_ZERO when den is 0. And the inverse, ceil (what the
 * sender must put in to get `dest` across): the least s with floor(s x num / den) >= dest.
 */
fees_result_t fees_convert_floor(uint64_t amount, uint64_t num, uint64_t den, uint64_t *out);
fees_result_t fees_convert_ceil_inverse(uint64_t dest, uint64_t num, uint64_t den, uint64_t *out);

/* Parses a fraction in [0, 1] with at most 6 decimals ("0", "0.01", "1", "1.0") into parts per
 * million. 0, or -1 when malformed or out of range. Never trusts a NUL: reads s[0..n). */
int fees_parse_ppm(const char *s, size_t n, uint32_t *ppm);

/* Fees by asset code, from PAYMENT_FEES. */
typedef struct {
    char code[ASSET_CODE_MAX_LEN + 1];
    fees_t fees;
} fees_entry_t;

typedef struct {
    fees_entry_t v[FEES_ASSETS_MAX];
    size_t n;
} fees_table_t;

/*
 * Parses PAYMENT_FEES: comma-separated `CODE:FIXED:BASIS_POINTS` entries, e.g. "USD:50:30,EUR:0:25"
 * (USD: 50 smallest units + 0.30 %). Empty: no fees. Codes are 1..ASSET_CODE_MAX_LEN chars of
 * [A-Za-z0-9], at most once each, at most FEES_ASSETS_MAX; FIXED a canonical u64; BASIS_POINTS
 * 0..10000. 0, or -1 when malformed.
 */
int fees_table_parse(const char *s, size_t n, fees_table_t *out);
/* The fees of an asset code; zero fees when it has none. */
fees_t fees_table_get(const fees_table_t *t, const char *code);

#endif
