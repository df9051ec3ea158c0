/*
 * The rafiki binary: `rafiki serve` runs the components, `rafiki migrate` prepares the
 * database, `rafiki version` and `rafiki help` say what this is. Configuration comes from the
 * environment (see config.c), optionally seeded from --env-file FILE.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "base/env.h"
#include "base/log.h"
#include "cmd/cmd.h"

#define RAFIKI_VERSION "0.1.0"

static void usage(FILE *f)
{
    fprintf(f, "usage: rafiki [--env-file FILE] COMMAND\n"
               "\n"
               "commands:\n"
               "  serve     run the connector, account service and APIs (default: one process,\n"
               "            SQLite at DATABASE_URL=sqlite:./data/rafiki.db, in-process cache)\n"
               "            --components backend|auth|all  run only these roles (default all)\n"
               "  migrate   create or upgrade the database schema, then exit\n"
               "  playground  two wallets (Cloud Nine Wallet, USD; Happy Life Bank, EUR) peered\n"
               "            on this machine, seeded with users and money; `playground demo` pays\n"
               "            bob from alice across currencies\n"
               "  admin     the admin API from a shell: rafiki admin --help\n"
               "  version   print the version\n"
               "  help      this text\n"
               "\n"
               "Configuration is read from environment variables; see docs/CONFIG.md.\n");
}

int main(int argc, char **argv)
{
    int i = 1;
    while (i < argc && strncmp(argv[i], "--", 2) == 0) {
        if (strcmp(argv[i], "--env-file") == 0 && i + 1 < argc) {
            env_err_t err;
            if (env_load_file(argv[i + 1], &err) != ENV_OK) {
                fprintf(stderr, "rafiki: %s\n", err.msg);
                return 2;
            }
            i += 2;
        } else if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "rafiki: unknown option %s\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    const char *cmd = i < argc ? argv[i] : "help";
    signal(SIGPIPE, SIG_IGN);

    if (strcmp(cmd, "serve") == 0)
        return cmd_serve(argc - i, argv + i);
    if (strcmp(cmd, "migrate") == 0)
        return cmd_migrate(argc - i, argv + i);
    if (strcmp(cmd, "playground") == 0)
        return cmd_playground(argc - i, argv + i);
    if (strcmp(cmd, "admin") == 0)
        return cmd_admin(argc - i, argv + i);
    if (strcmp(cmd, "version") == 0) {
        printf("rafiki %s\n", RAFIKI_VERSION);
        return 0;
    }
    if (strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "rafiki: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}
