/* The RoPE modes of a session (docs/computation.md section 2.5.1) on
 * lavin-tiny: at the anchor every mode answers as the reference does, bit
 * for bit; elsewhere interpolation changes the answer; bad modes and anchors
 * are refused with one line, by the API and the command line alike. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_test.h"

/* The depth answer's values to examples/scene.png at size x size, 2 pairs
 * and 2 points (one guided step: enough for the positions to matter).
 * Returns a malloc'ed copy, or NULL after a failed check. */
static float *depth_at(api_test *t, int size, enum lavin_rope rope, int anchor, size_t *n)
{
    lavin_session_params sp;
    lavin_session_params_default(&sp);
    sp.context = "depth";
    sp.pairs = 2;
    sp.steps = 2;
    sp.width = sp.height = size;
    sp.rope = rope;
    sp.rope_anchor_width = sp.rope_anchor_height = anchor;
    lavin_session *s = NULL;
    lavin_answer a = { 0 };
    int ret = lavin_session_create(t->model, &sp, &s);
    if (ret == 0)
        ret = lavin_session_run(s, &t->query, 1, &a);
    float *copy = NULL;
    *n = ret == 0 ? (size_t)a.width * (size_t)a.height * (size_t)a.channels : 0;
    if (ret == 0 && (copy = malloc(*n * sizeof(float))) != NULL)
        memcpy(copy, a.values, *n * sizeof(float));
    char what[128];
    snprintf(what, sizeof(what), "a depth answer at %dx%d, rope %d, anchor %d", size, size, (int)rope, anchor);
    check(t, copy != NULL, what, "%s", ret ? lavin_context_error(t->ctx) : "");
    lavin_answer_free(&a);
    lavin_session_destroy(&s);
    return copy;
}

static int same(const float *a, const float *b, size_t n)
{
    return a && b && !memcmp(a, b, n * sizeof(float));
}

static void modes_at_anchor(api_test *t)
{
    size_t n, n1, n2;
    float *ext = depth_at(t, 128, LAVIN_ROPE_EXTRAPOLATE, 0, &n);
    float *aut = depth_at(t, 128, LAVIN_ROPE_AUTO, 0, &n1);
    float *itp = depth_at(t, 128, LAVIN_ROPE_INTERPOLATE, 0, &n2);
    check(t, same(ext, aut, n) && n1 == n, "at the native size, auto answers as extrapolate, bit for bit", NULL);
    check(t, same(ext, itp, n) && n2 == n, "at the native size, interpolate answers as extrapolate, bit for bit",
          NULL);
    free(ext);
    free(aut);
    free(itp);

    /* 160x160 is 10x10 tokens against the anchor's 8x8. */
    ext = depth_at(t, 160, LAVIN_ROPE_EXTRAPOLATE, 0, &n);
    itp = depth_at(t, 160, LAVIN_ROPE_INTERPOLATE, 0, &n1);
    check(t, n1 == n, "the same answer size in both modes", "%zu and %zu values", n, n1);
    float *own = depth_at(t, 160, LAVIN_ROPE_INTERPOLATE, 160, &n2);
    aut = depth_at(t, 160, LAVIN_ROPE_AUTO, 0, &n1);
    check(t, ext && itp && !same(ext, itp, n), "at 160x160, interpolation changes the answer", NULL);
    check(t, same(itp, aut, n) && n1 == n, "at 160x160, lavin-tiny (its size in its file) auto interpolates", NULL);
    check(t, same(ext, own, n) && n2 == n, "interpolating to an anchor of the size itself is extrapolation", NULL);
    free(ext);
    free(aut);
    free(itp);
    free(own);
}

static void refusals(api_test *t)
{
    lavin_session_params sp;
    lavin_session_params_default(&sp);
    sp.context = "depth";
    sp.rope = (enum lavin_rope)3;
    int ret = lavin_session_check(t->ctx, &sp);
    check(t, ret == LAVIN_EINVAL && strstr(lavin_context_error(t->ctx), "rope 3"), "rope 3 is refused", "%s",
          lavin_context_error(t->ctx));
    sp.rope = LAVIN_ROPE_INTERPOLATE;
    sp.rope_anchor_width = 128;
    ret = lavin_session_check(t->ctx, &sp);
    check(t, ret == LAVIN_EINVAL && strstr(lavin_context_error(t->ctx), "128x0"), "a RoPE anchor of 128x0 is refused",
          "%s", lavin_context_error(t->ctx));

    /* Not a multiple of 16: the model's refusal, which the command line
     * prints as it is. */
    sp.rope_anchor_width = sp.rope_anchor_height = 100;
    lavin_session *s = NULL;
    ret = lavin_session_create(t->model, &sp, &s);
    lavin_session_destroy(&s);
    char api_msg[1024], err[4096], out[4096], line[1024];
    snprintf(api_msg, sizeof(api_msg), "%s", lavin_context_error(t->ctx));
    tmp_path(t, "rope.png", out, sizeof(out));
    tmp_path(t, "rope.err", err, sizeof(err));
    const char *bad_anchor[] = { "lavin", "run", "--context", "depth", "--query", t->query_path, "--rope",
                                 "interpolate", "--rope-anchor", "100", "-o", out, "--quiet", NULL };
    int status = run_cli(t, bad_anchor, err);
    int found = file_line(err, "lavin run: ", line, sizeof(line));
    check(t, ret == LAVIN_EINVAL && status == 2 && found == 0 && !strcmp(line, api_msg),
          "a RoPE anchor of 100: the API's line is the command's", "exit %d, \"%s\"; API %d \"%s\"", status, line,
          ret, api_msg);

    const char *bad_mode[] = { "lavin", "run", "--context", "depth", "--query", t->query_path, "--rope", "sideways",
                               "-o", out, "--quiet", NULL };
    status = run_cli(t, bad_mode, err);
    found = file_line(err, "lavin run: ", line, sizeof(line));
    check(t, status == 2 && found == 0 && strstr(line, "--rope") && strstr(line, "sideways"),
          "lavin run --rope sideways: exit 2 and one line", "exit %d, \"%s\"", status, line);
}

void test_rope(api_test *t)
{
    printf("RoPE modes:\n");
    modes_at_anchor(t);
    refusals(t);
}
