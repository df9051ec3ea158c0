/*
 * The partial payment decision's thread: the queue of packets handed over by the connector,
 * their events, and the polling of the cache for the wallet's answers (partial_decision.h).
 */
#include "payments/partial_decision.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "payments/incoming_payment.h"
#include "base/assert.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/uuid.h"

#define PD_KEY_PREFIX "partial_payment_decision:"
/* prefix, an incoming payment id, ':', a partial id of at most PD_PARTIAL_ID_MAX bytes */
#define PD_PARTIAL_ID_MAX 128
#define PD_KEY_MAX        (sizeof PD_KEY_PREFIX + LEDGER_ID_STR_LEN + 1 + PD_PARTIAL_ID_MAX)
/* the JSON value: success and a reason of at most PARTIAL_DECISION_REASON_MAX bytes, escaped */
#define PD_VALUE_MAX (64 + 6 * PARTIAL_DECISION_REASON_MAX)

#define PD_NO_RESPONSE "No response from receiving ASE"
#define PD_ERROR       "Error processing partial payment"

/* One packet waiting for its decision. */
typedef struct pd_req {
    struct pd_req *next;
    ledger_id_t account;
    char *data; /* valid UTF-8, len bytes */
    size_t len;
    int64_t expires_ms;
    int64_t deadline_ms; /* set once its event is recorded */
    char key[PD_KEY_MAX];
    connector_decided_fn done;
    void *op;
} pd_req_t;

struct partial_decision {
    partial_decision_config_t cfg;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pd_req_t *queued; /* handed over, event not recorded yet (newest first) */
    size_t count;     /* queued and waiting */
    bool stop;
    pthread_t thread;
};

/* ---- the wallet's answer in the cache ---- */

static int pd_key(char *out, size_t cap, const char *ip_id, const char *partial_id)
{
    if (strlen(partial_id) > PD_PARTIAL_ID_MAX)
        return -1;
    int n = snprintf(out, cap, PD_KEY_PREFIX "%s:%s", ip_id, partial_id);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* reason cut to at most max bytes at a UTF-8 character boundary, into out (max + 1 bytes). */
static void pd_cut(const char *reason, char *out, size_t max)
{
    size_t n = strlen(reason);
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)reason[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(out, reason, n);
    out[n] = '\0';
}

bool partial_decision_record(cache_t *cache, const char *ip_id, const char *partial_id,
                             bool success, const char *reason)
{
    char key[PD_KEY_MAX];
    if (!cache || pd_key(key, sizeof key, ip_id, partial_id) != 0)
        return false;
    json_t *v = json_pack("{s:b}", "success", success);
    if (reason) {
        char cut[PARTIAL_DECISION_REASON_MAX + 1];
        pd_cut(reason, cut, PARTIAL_DECISION_REASON_MAX);
        json_object_set_new(v, "reason", json_string(cut));
    }
    char *text = json_dumps(v, JSON_COMPACT);
    json_decref(v);
    cache_err_t err;
    bool ok = text &&
              cache_set(cache, key, text, strlen(text), PARTIAL_DECISION_TTL_MS, &err) == CACHE_OK;
    if (text && !ok)
        LOGW("partial payment decision: cache: %s", err.msg);
    free(text);
    return ok;
}

/* The answer for r, when there is one: *accept and the reason (Rafiki's defaults when the
 * wallet gave none) into reason. A value that is not Rafiki's JSON counts as none. */
static bool pd_answer(partial_decision_t *pd, const pd_req_t *r, bool *accept, char *reason,
                      size_t cap)
{
    char buf[PD_VALUE_MAX];
    size_t len;
    cache_err_t err;
    if (cache_get(pd->cfg.cache, r->key, buf, sizeof buf, &len, &err) != CACHE_OK)
        return false;
    json_t *v = json_loadb(buf, len, 0, NULL);
    json_t *success = json_object_get(v, "success");
    bool found = json_is_boolean(success);
    if (found) {
        *accept = json_is_true(success);
        const char *why = json_string_value(json_object_get(v, "reason"));
        if (!why || !why[0])
            why = *accept ? "Additional data approved" : "Additional data rejected";
        pd_cut(why, reason, cap - 1);
    }
    json_decref(v);
    return found;
}

/* ---- the thread ---- */

/* Node's Buffer.toString('utf8'): valid sequences kept, each invalid byte U+FFFD. out holds
 * 3 * len bytes; returns the length written. */
static size_t pd_utf8(const uint8_t *in, size_t len, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        uint8_t b = in[i];
        size_t n = b < 0x80             ? 1
                   : (b & 0xE0) == 0xC0 ? 2
                   : (b & 0xF0) == 0xE0 ? 3
                   : (b & 0xF8) == 0xF0 ? 4
                                        : 0;
        uint32_t cp = n == 1 ? b : n == 2 ? b & 0x1F : n == 3 ? b & 0x0F : b & 0x07;
        bool ok = n > 0 && i + n <= len;
        for (size_t k = 1; ok && k < n; k++) {
            ok = (in[i + k] & 0xC0) == 0x80;
            cp = (cp << 6) | (in[i + k] & 0x3F);
        }
        static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
        ok = ok && cp >= min[n] && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
        if (!ok) {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
            continue;
        }
        memcpy(out + o, in + i, n);
        o += n;
        i += n;
    }
    return o;
}

/* Records r's event and sets its key and deadline; false when it cannot be recorded. */
static bool pd_begin(partial_decision_t *pd, pd_req_t *r)
{
    char partial_id[UUID_STR_LEN + 1], ip_id[LEDGER_ID_STR_LEN + 1];
    uuid_v4(partial_id);
    ledger_id_t id;
    db_err_t err = {0};
    incoming_payment_result_t res = incoming_payment_partial_event(
        pd->cfg.wallet, r->account, partial_id, r->data, r->len, &id, &err);
    if (res != INCOMING_PAYMENT_OK) {
        LOGW("partial payment decision: %s %s", incoming_payment_result_str(res), err.msg);
        return false;
    }
    ledger_id_format(id, ip_id);
    if (pd_key(r->key, sizeof r->key, ip_id, partial_id) != 0)
        return false;
    int64_t now = clock_wall_ms();
    int64_t left = r->expires_ms - now - (int64_t)pd->cfg.margin_ms;
    int64_t wait = left < 0 ? 0 : left;
    if (wait > (int64_t)pd->cfg.max_wait_ms)
        wait = pd->cfg.max_wait_ms;
    r->deadline_ms = now + wait;
    return true;
}

/* Answers r and frees it; the caller has taken it off every list. */
static void pd_finish(partial_decision_t *pd, pd_req_t *r, bool accept, const char *reason)
{
    pthread_mutex_lock(&pd->mu);
    pd->count--;
    pthread_mutex_unlock(&pd->mu);
    r->done(r->op, accept, reason);
    free(r->data);
    free(r);
}

/* Records the events of the newly queued packets (oldest first) onto *waiting. */
static void pd_start_all(partial_decision_t *pd, pd_req_t *fresh, pd_req_t **waiting)
{
    pd_req_t *rev = NULL;
    while (fresh) {
        pd_req_t *n = fresh->next;
        fresh->next = rev;
        rev = fresh;
        fresh = n;
    }
    bool any = false;
    while (rev) {
        pd_req_t *n = rev->next;
        if (pd_begin(pd, rev)) {
            rev->next = *waiting;
            *waiting = rev;
            any = true;
        } else {
            pd_finish(pd, rev, false, PD_ERROR);
        }
        rev = n;
    }
    if (any && pd->cfg.webhooks)
        webhooks_wake(pd->cfg.webhooks);
}

/* One look at every waiting packet: answered, past its deadline, or still waiting. */
static void pd_poll_all(partial_decision_t *pd, pd_req_t **waiting, bool stopping)
{
    int64_t now = clock_wall_ms();
    for (pd_req_t **pp = waiting; *pp;) {
        pd_req_t *r = *pp;
        bool accept = false;
        char reason[PARTIAL_DECISION_REASON_MAX + 1];
        bool answered = pd_answer(pd, r, &accept, reason, sizeof reason);
        if (!answered && !stopping && now < r->deadline_ms) {
            pp = &r->next;
            continue;
        }
        *pp = r->next;
        pd_finish(pd, r, answered && accept, answered ? reason : PD_NO_RESPONSE);
    }
}

static void pd_wait(partial_decision_t *pd, bool waiting)
{
    if (!waiting) {
        pthread_cond_wait(&pd->cv, &pd->mu);
        return;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += PARTIAL_DECISION_POLL_MS * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    int rc = pthread_cond_timedwait(&pd->cv, &pd->mu, &ts);
    ASSERT(rc == 0 || rc == ETIMEDOUT);
}

static void *pd_thread(void *arg)
{
    partial_decision_t *pd = arg;
    pd_req_t *waiting = NULL;
    pthread_mutex_lock(&pd->mu);
    for (;;) {
        bool stop = pd->stop;
        pd_req_t *fresh = pd->queued;
        pd->queued = NULL;
        pthread_mutex_unlock(&pd->mu);
        pd_start_all(pd, fresh, &waiting);
        pd_poll_all(pd, &waiting, stop);
        pthread_mutex_lock(&pd->mu);
        if (stop && !pd->queued && !waiting)
            break;
        if (!pd->queued && !pd->stop)
            pd_wait(pd, waiting != NULL);
    }
    pthread_mutex_unlock(&pd->mu);
    return NULL;
}

/* ---- the connector's side ---- */

void partial_decision_ask(void *ctx, ledger_id_t account, const uint8_t *data, size_t len,
                          int64_t expires_at_ms, connector_decided_fn done, void *op)
{
    partial_decision_t *pd = ctx;
    if (len > PARTIAL_DECISION_DATA_MAX)
        len = PARTIAL_DECISION_DATA_MAX;
    pd_req_t *r = xcalloc(1, sizeof *r);
    r->account = account;
    r->data = xmalloc(3 * len + 1);
    r->len = pd_utf8(data, len, r->data);
    r->expires_ms = expires_at_ms;
    r->done = done;
    r->op = op;
    pthread_mutex_lock(&pd->mu);
    /* checked and queued under one lock: a stopping thread has answered all it will find */
    bool full = pd->stop || pd->count >= PARTIAL_DECISION_WAITING_MAX;
    if (!full) {
        pd->count++;
        r->next = pd->queued;
        pd->queued = r;
        pthread_cond_signal(&pd->cv);
    }
    pthread_mutex_unlock(&pd->mu);
    if (full) {
        free(r->data);
        free(r);
        done(op, false, PD_ERROR);
    }
}

partial_decision_t *partial_decision_start(const partial_decision_config_t *cfg)
{
    ASSERT(cfg->wallet && cfg->cache);
    partial_decision_t *pd = xcalloc(1, sizeof *pd);
    pd->cfg = *cfg;
    pthread_mutex_init(&pd->mu, NULL);
    pthread_cond_init(&pd->cv, NULL);
    if (pthread_create(&pd->thread, NULL, pd_thread, pd) != 0) {
        pthread_mutex_destroy(&pd->mu);
        pthread_cond_destroy(&pd->cv);
        free(pd);
        return NULL;
    }
    return pd;
}

void partial_decision_stop(partial_decision_t *pd)
{
    if (!pd)
        return;
    pthread_mutex_lock(&pd->mu);
    pd->stop = true;
    pthread_cond_signal(&pd->cv);
    pthread_mutex_unlock(&pd->mu);
    pthread_join(pd->thread, NULL);
    pthread_mutex_destroy(&pd->mu);
    pthread_cond_destroy(&pd->cv);
    free(pd);
}
