/*
 * Logging: one line per call, written with a single write(2) so lines from threads never
 * interleave. Plain format: "2026-11-25T20:00:00.123Z INFO file.c:12 message". JSON format:
 * {"ts":"…","level":"info","src":"file.c:12","msg":"…"}.
 */
#include "base/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/limits.h"

static _Atomic int g_level = LOG_INFO;
static _Atomic int g_json = 0;
/* log_request_id_set: the current request of this thread ("" = none) */
static _Thread_local char tls_request_id[LOG_REQUEST_ID_MAX + 1];

void log_set_level(log_level_t level)
{
    g_level = (int)level;
}

log_level_t log_get_level(void)
{
    return (log_level_t)g_level;
}

void log_set_json(int json)
{
    g_json = json ? 1 : 0;
}

int log_level_parse(const char *s, log_level_t *out)
{
    static const char *names[] = {"debug", "info", "warn", "error", "off"};
    for (int i = 0; i <= LOG_OFF; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (log_level_t)i;
            return 0;
        }
    }
    return -1;
}

static const char *level_name(log_level_t l)
{
    switch (l) {
    case LOG_DEBUG:
        return "debug";
    case LOG_INFO:
        return "info";
    case LOG_WARN:
        return "warn";
    case LOG_ERROR:
        return "error";
    default:
        return "off";
    }
}

/* Append s to line as JSON string content, escaping quotes, backslashes and controls. */
static size_t json_escape(char *out, size_t cap, const char *s)
{
    size_t o = 0;
    for (; *s && o + 7 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c < 0x20) {
            o += (size_t)snprintf(out + o, cap - o, "\\u%04x", c);
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
    return o;
}

void log_write(log_level_t level, const char *file, int line, const char *fmt, ...)
{
    char msg[LOG_LINE_MAX_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);

    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[96];
    snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;

    char out[LOG_LINE_MAX_LEN * 2 + 128];
    int n;
    const char *rid = tls_request_id; /* only [A-Za-z0-9._:-]: nothing to escape */
    if (g_json) {
        char esc[LOG_LINE_MAX_LEN * 2];
        json_escape(esc, sizeof esc, msg);
        n = snprintf(out, sizeof out,
                     "{\"ts\":\"%s\",\"level\":\"%s\",\"src\":\"%s:%d\",%s%s%s\"msg\":\"%s\"}\n",
                     when, level_name(level), base, line, rid[0] ? "\"request_id\":\"" : "", rid,
                     rid[0] ? "\"," : "", esc);
    } else {
        n = snprintf(out, sizeof out, "%s %-5s %s:%d %s%s%s%s\n", when, level_name(level), base,
                     line, rid[0] ? "[" : "", rid, rid[0] ? "] " : "", msg);
    }
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof out ? (size_t)n : sizeof out - 1;
    ssize_t w = write(STDERR_FILENO, out, len);
    (void)w;
}

bool log_request_id_valid(const char *id, size_t len)
{
    if (len == 0 || len > LOG_REQUEST_ID_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-'))
            return false;
    }
    return true;
}

void log_request_id_set(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || !log_request_id_valid(id, n)) {
        tls_request_id[0] = '\0';
        return;
    }
    memcpy(tls_request_id, id, n + 1);
}

const char *log_request_id(void)
{
    return tls_request_id;
}

uint64_t log_now_ms(void)
{
    return clock_mono_ms();
}

bool log_limit_allow(log_limit_t *lim, uint64_t now_ms, uint64_t *suppressed)
{
    uint64_t interval = lim->interval_ms ? lim->interval_ms : LOG_LIMIT_INTERVAL_DEFAULT_MS;
    uint64_t next = atomic_load_explicit(&lim->next_ms, memory_order_relaxed);
    /* The compare-and-swap picks one writer per interval among racing threads; a loser counts
     * its line as suppressed like any other line inside the interval. */
    if (now_ms >= next &&
        atomic_compare_exchange_strong_explicit(&lim->next_ms, &next, now_ms + interval,
                                                memory_order_relaxed, memory_order_relaxed)) {
        *suppressed = atomic_exchange_explicit(&lim->suppressed, 0, memory_order_relaxed);
        return true;
    }
    atomic_fetch_add_explicit(&lim->suppressed, 1, memory_order_relaxed);
    return false;
}
