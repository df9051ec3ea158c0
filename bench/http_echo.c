/*
 * HTTP server throughput: our server with a POST /echo route, loaded by wrk (2 threads,
 * 64 keep-alive connections, 10 s, 200-byte bodies). Prints requests/s, p50/p99 latency and the
 * server's RSS (the server runs in this process). Prints a skip line when wrk is not installed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/log.h"
#include "http/server.h"

static http_handler_result_t echo(http_req_t *req, void *user)
{
    (void)user;
    slice_t b = http_req_body(req);
    http_respond(req, 200, "application/octet-stream", b.ptr, b.len);
    return HTTP_DONE;
}

static const char lua[] = "wrk.method = \"POST\"\n"
                          "wrk.body = string.rep(\"x\", 200)\n"
                          "wrk.headers[\"Content-Type\"] = \"application/octet-stream\"\n";

static bool wrk_found(void)
{
    const char *path = getenv("PATH");
    if (path == NULL)
        return false;
    char dir[4096];
    const char *p = path;
    while (*p) {
        const char *colon = strchr(p, ':');
        size_t n = colon ? (size_t)(colon - p) : strlen(p);
        if (n < sizeof dir - 5) {
            memcpy(dir, p, n);
            memcpy(dir + n, "/wrk", 5);
            if (access(dir, X_OK) == 0)
                return true;
        }
        p += n + (colon ? 1 : 0);
    }
    return false;
}

/* Runs wrk and returns its stdout (NUL-terminated, malloc'd), or NULL. */
static char *run_wrk(const char *script, const char *url)
{
    int fds[2];
    if (pipe(fds) != 0)
        return NULL;
    pid_t pid = fork();
    if (pid < 0)
        return NULL;
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execlp("wrk", "wrk", "-t2", "-c64", "-d10s", "--latency", "-s", script, url, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    size_t cap = 8192, len = 0;
    char *out = malloc(cap);
    for (;;) {
        if (len + 1 == cap) {
            cap *= 2;
            out = realloc(out, cap);
        }
        ssize_t n = read(fds[0], out + len, cap - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    out[len] = '\0';
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "wrk failed:\n%s\n", out);
        free(out);
        return NULL;
    }
    return out;
}

/* The number after label on its line, scaled to milliseconds by its unit (us, ms, s). */
static double wrk_value_ms(const char *out, const char *label)
{
    const char *p = strstr(out, label);
    if (p == NULL)
        return -1;
    p += strlen(label);
    char *end;
    double v = strtod(p, &end);
    if (strncmp(end, "us", 2) == 0)
        return v / 1000.0;
    if (strncmp(end, "ms", 2) == 0)
        return v;
    if (end[0] == 's')
        return v * 1000.0;
    return v;
}

static long rss_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, field, strlen(field)) == 0)
            kb = strtol(line + strlen(field), NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

int main(void)
{
    if (!wrk_found()) {
        printf("http echo 200B POST: skipped (wrk not installed)\n");
        return 0;
    }
    log_set_level(LOG_WARN);
    http_server_t *s = http_server_new(NULL);
    if (s == NULL || http_server_route(s, "POST", "/echo", echo, NULL, 0) != 0 ||
        http_server_start(s) != 0) {
        fprintf(stderr, "cannot start the server\n");
        return 1;
    }
    char script[] = "/tmp/http_echo_XXXXXX.lua";
    int fd = mkstemps(script, 4);
    if (fd < 0 || write(fd, lua, sizeof lua - 1) != (ssize_t)(sizeof lua - 1)) {
        fprintf(stderr, "cannot write the wrk script\n");
        return 1;
    }
    close(fd);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/echo", (unsigned)http_server_port(s));
    long rss_before = rss_kb("VmRSS:");
    char *out = run_wrk(script, url);
    unlink(script);
    if (out == NULL)
        return 1;
    const char *rps = strstr(out, "Requests/sec:");
    double reqs = rps ? strtod(rps + strlen("Requests/sec:"), NULL) : -1;
    printf("http echo 200B POST: %.0f req/s p50 %.3f ms p99 %.3f ms\n", reqs,
           wrk_value_ms(out, "50%"), wrk_value_ms(out, "99%"));
    printf("http echo server RSS: %ld KiB before, %ld KiB after, peak %ld KiB\n", rss_before,
           rss_kb("VmRSS:"), rss_kb("VmHWM:"));
    const char *warn[] = {strstr(out, "Socket errors:"), strstr(out, "Non-2xx")};
    for (size_t i = 0; i < 2; i++)
        if (warn[i] != NULL)
            printf("http echo warning: %.*s\n", (int)strcspn(warn[i], "\n"), warn[i]);
    free(out);
    http_server_free(s);
    return 0;
}
