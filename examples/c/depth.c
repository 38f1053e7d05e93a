/*
 * depth: a first lavin program. It answers one picture with the bundled
 * "depth" context on the bundled model, lavin-tiny, prints the range of the
 * depth values and writes the answer's files:
 *     cc depth.c $(pkg-config --cflags --libs lavin) -o depth
 *     ./depth scene.png depth.png    (writes depth.png and depth.preview.png)
 */
#include <stdio.h>

#include <lavin/lavin.h>
#include <lavin/media.h>

/* The library never prints; its warnings come here. Errors come too, but
 * main prints those once, from lavin_context_error(), when it gives up. */
static void log_line(void *user, enum lavin_log_level level, const char *message)
{
    (void)user;
    if (level != LAVIN_LOG_ERROR)
        fprintf(stderr, "lavin: %s\n", message);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s PICTURE OUTPUT.png\n", argv[0]);
        return 1;
    }
    /* Params structs are filled by their *_default() first. The context
     * holds the log, the last error and, once a model needs it, the device. */
    lavin_context_params cp;
    lavin_context_params_default(&cp);
    cp.log = log_line;
    lavin_context *ctx = NULL;
    if (lavin_context_create(&ctx, &cp) < 0) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    /* The free functions take NULL and zeroed objects, so one exit path,
     * `done`, serves every failure. */
    lavin_model *model = NULL;
    lavin_session *session = NULL;
    lavin_picture picture = {0}; /* filled by lavin_picture_read() */
    lavin_answer answer = {0};   /* filled by lavin_session_run() */
    int status = 1;
    /* No folder and no files: the bundled lavin-tiny. */
    lavin_model_params mp;
    lavin_model_params_default(&mp);
    if (lavin_model_open(ctx, &mp, &model) < 0)
        goto done;
    /* A session encodes the task's example pairs once: two drawn from the
     * bundled context "depth", whose name is also the task's. */
    lavin_session_params sp;
    lavin_session_params_default(&sp);
    sp.context = "depth";
    sp.pairs = 2;
    if (lavin_session_create(model, &sp, &session) < 0)
        goto done;
    /* Then any number of queries: here one picture, answered at its size. */
    if (lavin_picture_read(ctx, argv[1], &picture) < 0 || lavin_session_run(session, &picture, 1, &answer) < 0)
        goto done;
    /* A depth answer holds one float per pixel: inverse depth in [0, 1], near = 1. */
    float lo = answer.values[0], hi = answer.values[0];
    for (size_t i = 1; i < (size_t)answer.width * (size_t)answer.height; i++) {
        lo = answer.values[i] < lo ? answer.values[i] : lo;
        hi = answer.values[i] > hi ? answer.values[i] : hi;
    }
    printf("%s: %dx%d, depth %.4f to %.4f\n", argv[1], answer.width, answer.height, lo, hi);
    if (lavin_answer_write(ctx, &answer, argv[2]) == 0)
        status = 0;
done:
    if (status)
        fprintf(stderr, "%s\n", lavin_context_error(ctx));
    lavin_answer_free(&answer);
    lavin_picture_free(&picture);
    lavin_session_destroy(&session);
    lavin_model_close(&model);
    lavin_context_destroy(&ctx);
    return status;
}
