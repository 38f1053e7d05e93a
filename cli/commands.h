/* The lavin subcommands. Each returns the process exit status:
 * 0 ok, 1 runtime failure, 2 bad usage or input. */
#ifndef LAVIN_CLI_COMMANDS_H
#define LAVIN_CLI_COMMANDS_H

#define LAVIN_EXIT_OK 0
#define LAVIN_EXIT_FAIL 1
#define LAVIN_EXIT_USAGE 2

#define CLI_TRY(expr)                \
    do {                             \
        int cli_try_r_ = (expr);     \
        if (cli_try_r_ < 0)          \
            return cli_try_r_;       \
    } while (0)

/* cli/: clients of the public API. */
int lavin_cmd_devices(int argc, char **argv);
int lavin_cmd_run(int argc, char **argv);
int lavin_cmd_video(int argc, char **argv);
int lavin_cmd_predict(int argc, char **argv);

/* devtools/ and bench/: developer commands over the internal headers
 * (checkpoint inspection and conversion, verification against the
 * reference, scoring, benchmarks). */
int lavin_cmd_debug(int argc, char **argv);
int lavin_cmd_inspect(int argc, char **argv);
int lavin_cmd_convert(int argc, char **argv);
int lavin_cmd_eval(int argc, char **argv);
int lavin_cmd_bench(int argc, char **argv);

#endif
