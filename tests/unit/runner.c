/*
 * Linked into every unit test binary: LeakSanitizer checks each test's process, not Criterion's
 * runner. Criterion runs every test in a child process of its runner; the runner itself runs
 * no code of ours, and Criterion 2.4's runner leaks a block of its own (48 bytes, allocated in
 * libcriterion) now and then when the machine is loaded, which failed `make check` with nothing
 * of ours at fault. The runner's pid is noted in the environment by the first process (the
 * runner) before main; its children inherit the note, so in them the check stays on.
 *
 * Threads: runs before main and at exit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define RUNNER_PID_ENV "RAFIKI_TEST_RUNNER_PID"

__attribute__((constructor)) static void runner_note(void)
{
    if (getenv(RUNNER_PID_ENV))
        return;
    char pid[24];
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    setenv(RUNNER_PID_ENV, pid, 1);
}

int __lsan_is_turned_off(void);

/* Asked by LeakSanitizer at exit: off in the runner only. */
int __lsan_is_turned_off(void)
{
    const char *s = getenv(RUNNER_PID_ENV);
    return s && strtol(s, NULL, 10) == (long)getpid();
}
