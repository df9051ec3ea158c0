/*
 * Raw loopback connections for tests that need requests a well-behaved client cannot send
 * (trickled heads, headers without their body). Static helpers: include in one test file each.
 */
#ifndef RAFIKI_TESTS_RAW_CONN_H
#define RAFIKI_TESTS_RAW_CONN_H

#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "base/clock.h"

/* A TCP connection to the server on port from the loopback address src ("127.0.0.1", "127.0.0.2").
 */
static int raw_dial(uint16_t port, const char *src)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert(fd >= 0);
    struct sockaddr_in from = {.sin_family = AF_INET};
    inet_pton(AF_INET, src, &from.sin_addr);
    cr_assert_eq(bind(fd, (struct sockaddr *)&from, sizeof from), 0, "bind %s", src);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

static void raw_send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return; /* the server may have closed */
        p += w;
        n -= (size_t)w;
    }
}

/* True when the server has closed fd (end of stream or reset) within wait_ms. */
static bool raw_closed_within(int fd, unsigned wait_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    uint64_t end = clock_mono_ms() + wait_ms;
    char buf[4096];
    for (uint64_t now = clock_mono_ms(); now < end; now = clock_mono_ms()) {
        if (poll(&p, 1, (int)(end - now)) <= 0)
            return false;
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n == 0 || (n < 0 && errno == ECONNRESET))
            return true;
        if (n < 0)
            return false;
    }
    return false;
}

/* Sends req and reads the answer until the peer closes or the JSON error body is complete. */
static void raw_exchange(int fd, const char *req, size_t len, char *out, size_t cap)
{
    raw_send_all(fd, req, len);
    struct timeval tv = {2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    size_t got = 0;
    out[0] = '\0';
    while (got + 1 < cap) {
        ssize_t n = recv(fd, out + got, cap - 1 - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
        out[got] = '\0';
        if (strstr(out, "}}") != NULL || strstr(out, "\r\n\r\nok") != NULL)
            break;
    }
}

/* Sends the head of an upload whose body never comes; the answer must start with status_line
 * ("HTTP/1.1 401") and contain needle, and the server must then close the connection rather
 * than wait for the body. */
static void raw_expect_early_answer(uint16_t port, const char *head, const char *status_line,
                                    const char *needle)
{
    int fd = raw_dial(port, "127.0.0.1");
    char resp[4096];
    raw_exchange(fd, head, strlen(head), resp, sizeof resp);
    cr_assert(strncmp(resp, status_line, strlen(status_line)) == 0, "got: %s", resp);
    cr_assert(strstr(resp, needle) != NULL, "got: %s", resp);
    cr_assert(raw_closed_within(fd, 2000), "the connection waits for a body never read");
    close(fd);
}

#endif
