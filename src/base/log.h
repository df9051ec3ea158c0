/*
 * Logging with levels, to stderr, as plain text or one JSON object a line (LOG_FORMAT=json).
 * Thread-safe: each line is one write(2). Never pass a secret to these macros.
 *
 * Lines a remote party can cause at will (a client dropping its connection mid-request) go
 * through a log_limit_t: at most one line per interval, the next one carrying the count of the
 * lines dropped meanwhile, so a flood of bad clients cannot flood the log.
 */
#ifndef RAFIKI_BASE_LOG_H
#define RAFIKI_BASE_LOG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF } log_level_t;

void log_set_level(log_level_t level);
log_level_t log_get_level(void);
void log_set_json(int json);
/* Parses "debug", "info", "warn", "error", "off"; returns -1 for anything else. */
int log_level_parse(const char *s, log_level_t *out);
void log_write(log_level_t level, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define LOG_AT(lvl, ...)                                                                           \
    do {                                                                                           \
        if ((lvl) >= log_get_level())                                                              \
            log_write((lvl), __FILE__, __LINE__, __VA_ARGS__);                                     \
    } while (0)
#define LOGD(...) LOG_AT(LOG_DEBUG, __VA_ARGS__)
#define LOGI(...) LOG_AT(LOG_INFO, __VA_ARGS__)
#define LOGW(...) LOG_AT(LOG_WARN, __VA_ARGS__)
#define LOGE(...) LOG_AT(LOG_ERROR, __VA_ARGS__)

/* A rate limit for one kind of line; zero-initialise (or LOG_LIMIT_INIT) and keep it static or
 * in a long-lived struct. Any thread may use it: the state is two atomics, no lock. */
typedef struct {
    uint32_t interval_ms;     /* at most one line per interval; 0 = LOG_LIMIT_INTERVAL_DEFAULT_MS */
    _Atomic uint64_t next_ms; /* monotonic time before which lines are dropped */
    _Atomic uint64_t suppressed; /* lines dropped since the last one written */
} log_limit_t;

#define LOG_LIMIT_INTERVAL_DEFAULT_MS 10000u
#define LOG_LIMIT_INIT(ms)                                                                         \
    {                                                                                              \
        .interval_ms = (ms)                                                                        \
    }

/* Decides whether a line may be written at monotonic time now_ms. Returns true for the first
 * line of an interval and sets *suppressed to the number of lines refused since the previous
 * one written (the caller appends it to the line); returns false and counts the line otherwise.
 * When two threads race for the same interval exactly one wins. */
bool log_limit_allow(log_limit_t *lim, uint64_t now_ms, uint64_t *suppressed);

/* LOGW through a limiter: "msg (N similar lines suppressed)" when some were dropped. */
#define LOGW_LIMITED(lim, fmt, ...) LOG_LIMITED(LOG_WARN, lim, fmt, __VA_ARGS__)
#define LOG_LIMITED(lvl, lim, fmt, ...)                                                            \
    do {                                                                                           \
        uint64_t log_sup_;                                                                         \
        if ((lvl) >= log_get_level() && log_limit_allow((lim), log_now_ms(), &log_sup_)) {         \
            if (log_sup_ != 0)                                                                     \
                log_write((lvl), __FILE__, __LINE__, fmt " (%llu similar lines suppressed)",       \
                          __VA_ARGS__, (unsigned long long)log_sup_);                              \
            else                                                                                   \
                log_write((lvl), __FILE__, __LINE__, fmt, __VA_ARGS__);                            \
        }                                                                                          \
    } while (0)

/* The monotonic clock in milliseconds, for LOG_LIMITED (base/clock.h without the include). */
uint64_t log_now_ms(void);

/*
 * The request id of this thread's current work: every line it logs carries it ("request_id" in
 * JSON, "[id]" in text). The HTTP server sets it for each request (X-Request-Id), and work done
 * later for that request sets it again from where it was stored (an outgoing payment's worker,
 * a webhook delivery), so one id follows a payment from the admin call to its webhooks.
 * Thread-local; "" = none. Ids longer than LOG_REQUEST_ID_MAX or with characters outside
 * [A-Za-z0-9._:-] are refused (log_request_id_valid) and leave it unset.
 */
#define LOG_REQUEST_ID_MAX 64
bool log_request_id_valid(const char *id, size_t len);
void log_request_id_set(const char *id); /* NULL or "": none */
const char *log_request_id(void);        /* "" when none */

#endif
