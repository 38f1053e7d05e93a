#include <stdio.h>
#include <string.h>

#include <libavutil/log.h>

#include "cli/batch.h"
#include "cli/commands.h"
#include "cli/signals.h"
#include "lavin/lavin.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
} commands[] = {
    { "run", lavin_cmd_run, "run an in-context task on pictures (example pairs + queries)" },
    { "video", lavin_cmd_video, "run an in-context task on every frame or clip of a video" },
    { "predict", lavin_cmd_predict, "predict the frames that follow a video" },
    { "batch", lavin_cmd_batch, "run many jobs (a manifest or a glob) with one loaded model, in shards" },
    { "eval", lavin_cmd_eval, "score an answer against the exact target (depth, normal, segmentation, edges)" },
    { "devices", lavin_cmd_devices, "list Vulkan devices and the features lavin uses" },
    { "inspect", lavin_cmd_inspect, "list a checkpoint's tensors, config and validity" },
    { "convert", lavin_cmd_convert, "write checkpoints as one safetensors or GGUF file (--dtype, q8_0, q4_0)" },
    { "debug", lavin_cmd_debug, "run a model on tensors from a file (jdit, sample, vae-encode, vae-decode)" },
    { "bench", lavin_cmd_bench, "benchmark the ops at the model's shapes (lavin bench ops)" },
};

static void usage(FILE *f)
{
    fprintf(f, "usage: lavin COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\n'lavin COMMAND --help' describes a command.\n");
}

int main(int argc, char **argv)
{
    /* FFmpeg's demuxers log through process-wide state only; the library
     * reports every failure itself, so the command keeps stderr to one line. */
    av_log_set_level(AV_LOG_QUIET);
    if (argc < 2) {
        usage(stderr);
        return LAVIN_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return LAVIN_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("lavin %s\n", lavin_version());
        return LAVIN_EXIT_OK;
    }
    cli_signals_install();
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (!strcmp(argv[1], commands[i].name)) {
            int status = commands[i].run(argc - 1, argv + 1);
            cli_signals_reraise();
            return status;
        }
    fprintf(stderr, "lavin: unknown command '%s' (see 'lavin --help')\n", argv[1]);
    return LAVIN_EXIT_USAGE;
}
