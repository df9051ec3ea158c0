/*
 * Logging with levels, to stderr, as plain text or one JSON object a line (LOG_FORMAT=json).
 * Thread-safe: each line is one write(2). Never pass a secret to these macros.
 */
#ifndef RAFIKI_BASE_LOG_H
#define RAFIKI_BASE_LOG_H

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

#endif
