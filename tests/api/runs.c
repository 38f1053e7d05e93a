/* Runs on lavin-tiny: the lavin command's answer through the API, two
 * sessions on one model, cancelling from the progress callbacks. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_test.h"

/* A progress callback that records what it sees and asks to stop at a
 * sampler step (cancel_sample >= 0) or during the weights' load. */
typedef struct recorder {
    int cancel_sample; /* < 0: never */
    int cancel_load;
    int calls, stages, bad;
    int sample_steps, max_sample_step;
    int stopped, stop_step;
    int calls_after_stop, stages_after_stop, max_step_after_stop;
    int first_step[4]; /* by stage, -1 before its first call */
    int stage_steps[4];
} recorder;

static void recorder_reset(recorder *r)
{
    int cs = r->cancel_sample, cl = r->cancel_load;
    memset(r, 0, sizeof(*r));
    r->cancel_sample = cs;
    r->cancel_load = cl;
    r->sample_steps = r->max_sample_step = r->stop_step = r->max_step_after_stop = -1;
    for (int i = 0; i < 4; i++)
        r->first_step[i] = r->stage_steps[i] = -1;
}

/* "stage first/steps" for each stage seen. */
static const char *stage_starts(const recorder *r, char *buf, size_t size)
{
    static const char *names[4] = { "load", "encode", "sample", "decode" };
    size_t len = 0;
    buf[0] = 0;
    for (int i = 0; i < 4 && len < size; i++)
        if (r->first_step[i] >= 0)
            len += (size_t)snprintf(buf + len, size - len, "%s%s from %d of %d", len ? ", " : "", names[i],
                                    r->first_step[i], r->stage_steps[i]);
    return buf;
}

static int record(void *user, const lavin_progress *p)
{
    recorder *r = user;
    r->calls++;
    int stage_ok = p->stage >= LAVIN_STAGE_LOAD && p->stage <= LAVIN_STAGE_DECODE;
    if (!stage_ok || p->step < 0 || p->step > p->steps)
        r->bad++;
    if (stage_ok && r->first_step[p->stage] < 0) {
        r->first_step[p->stage] = p->step;
        r->stage_steps[p->stage] = p->steps;
    }
    if (r->stopped) {
        r->calls_after_stop++;
        if (stage_ok)
            r->stages_after_stop |= 1 << p->stage;
        if (p->stage == LAVIN_STAGE_SAMPLE && p->step > r->max_step_after_stop)
            r->max_step_after_stop = p->step;
        return 1;
    }
    if (stage_ok)
        r->stages |= 1 << p->stage;
    if (p->stage == LAVIN_STAGE_SAMPLE) {
        r->sample_steps = p->steps;
        if (p->step > r->max_sample_step)
            r->max_sample_step = p->step;
        if (r->cancel_sample >= 0 && p->step >= r->cancel_sample) {
            r->stopped = 1;
            r->stop_step = p->step;
            return 1;
        }
    }
    if (r->cancel_load && p->stage == LAVIN_STAGE_LOAD && p->step >= 1) {
        r->stopped = 1;
        r->stop_step = p->step;
        return 1;
    }
    return 0;
}

static int answers_equal(const lavin_answer *a, const lavin_answer *b)
{
    if (a->kind != b->kind || a->width != b->width || a->height != b->height || a->channels != b->channels ||
        !a->values != !b->values || !a->picture.data || !b->picture.data ||
        a->picture.width != b->picture.width || a->picture.height != b->picture.height ||
        a->picture.channels != b->picture.channels || a->picture.depth != b->picture.depth)
        return 0;
    size_t n = (size_t)a->width * (size_t)a->height;
    if (a->values && memcmp(a->values, b->values, n * (size_t)a->channels * sizeof(float)))
        return 0;
    for (int y = 0; y < a->picture.height; y++)
        if (memcmp((const char *)a->picture.data + y * a->picture.stride,
                   (const char *)b->picture.data + y * b->picture.stride,
                   (size_t)a->picture.width * (size_t)a->picture.channels * (size_t)a->picture.depth / 8))
            return 0;
    return 1;
}

/* The picture every answer has: 8-bit RGB at the answer's size, packed. */
static int answer_picture_ok(const lavin_answer *a)
{
    const lavin_picture *p = &a->picture;
    return p->data && p->width == a->width && p->height == a->height && p->channels == 3 && p->depth == 8 &&
           p->stride == (ptrdiff_t)a->width * 3;
}

void test_cancel_open(api_test *t)
{
    printf("cancelling the load:\n");
    recorder r = { .cancel_sample = -1, .cancel_load = 1 };
    recorder_reset(&r);
    lavin_model_params mp;
    lavin_model_params_default(&mp);
    mp.progress = record;
    mp.progress_user = &r;
    lavin_model *m = (lavin_model *)&r; /* not NULL: the call must clear it */
    int ret = lavin_model_open(t->ctx, &mp, &m);
    char starts[256];
    check(t, r.stopped, "lavin_model_open() reports LAVIN_STAGE_LOAD steps", "%d calls, stages 0x%x: %s", r.calls,
          r.stages, stage_starts(&r, starts, sizeof(starts)));
    check(t, r.first_step[LAVIN_STAGE_LOAD] == 0, "the load is reported when it starts (step 0)", "%s",
          stage_starts(&r, starts, sizeof(starts)));
    check(t, ret == LAVIN_ECANCELED && m == NULL, "cancelled during the load: LAVIN_ECANCELED, *out NULL",
          "returned %d (%s), out %s, stopped at tensor %d, %d calls after; \"%s\"", ret, lavin_strerror(ret),
          m ? "not NULL" : "NULL", r.stop_step, r.calls_after_stop, lavin_context_error(t->ctx));
    if (ret == 0 && m && m != (lavin_model *)&r)
        lavin_model_close(&m);
}

static void check_depth_answer(api_test *t, const lavin_answer *a, const char *what)
{
    int ok = a->kind == LAVIN_ANSWER_DEPTH && a->channels == 1 && a->values && !a->labels &&
             a->width == t->query.width && a->height == t->query.height && a->task && !strcmp(a->task, "depth") &&
             answer_picture_ok(a);
    int outside = 0;
    for (size_t i = 0; ok && i < (size_t)a->width * (size_t)a->height; i++)
        outside += !(a->values[i] >= 0.0f && a->values[i] <= 1.0f);
    check(t, ok && !outside, what, "kind %d, task %s, %dx%d (query %dx%d), %d channels, %d values outside [0, 1]",
          a->kind, a->task ? a->task : "(null)", a->width, a->height, t->query.width, t->query.height, a->channels,
          outside);
}

/* The depth PNG read back as 8-bit: each sample is the 16-bit value
 * round(v * 65535) scaled to 255, so within half a step of v * 255. */
static void check_depth_file(api_test *t, const lavin_answer *a, const char *path)
{
    lavin_picture p = { 0 };
    int ret = lavin_picture_read(t->ctx, path, &p);
    int ok = ret == 0 && p.width == a->width && p.height == a->height && p.channels == 3 && p.depth == 8;
    double worst = 0;
    int gray = 1;
    for (int y = 0; ok && y < p.height; y++)
        for (int x = 0; x < p.width; x++) {
            const uint8_t *s = (const uint8_t *)p.data + y * p.stride + x * 3;
            double d = fabs(s[0] - a->values[(size_t)y * (size_t)a->width + (size_t)x] * 255.0);
            worst = d > worst ? d : worst;
            gray = gray && s[0] == s[1] && s[1] == s[2];
        }
    check(t, ok && gray && worst <= 0.5 + 1e-3, "the depth PNG holds the answer's values",
          "%s; largest difference %.4f of 255%s", ret ? lavin_context_error(t->ctx) : "read back", worst,
          gray ? "" : ", not gray");
    lavin_picture_free(&p);
}

static void check_normal_answer(api_test *t, const lavin_answer *a)
{
    int ok = a->kind == LAVIN_ANSWER_NORMAL && a->channels == 3 && a->values && a->width == t->query.width &&
             a->height == t->query.height && a->task && !strcmp(a->task, "normal") && answer_picture_ok(a);
    double worst = 0;
    for (size_t i = 0; ok && i < (size_t)a->width * (size_t)a->height; i++) {
        const float *n = a->values + 3 * i;
        double d = fabs(sqrt((double)n[0] * n[0] + (double)n[1] * n[1] + (double)n[2] * n[2]) - 1.0);
        worst = d > worst || d != d ? d : worst;
    }
    check(t, ok && worst <= 1e-4, "session B's answer: unit normals",
          "kind %d, task %s, %dx%d, %d channels, largest | |n| - 1 | %.2g", a->kind, a->task ? a->task : "(null)",
          a->width, a->height, a->channels, worst);
}

static int open_session(api_test *t, const char *context, int steps, recorder *r, lavin_session **s)
{
    lavin_session_params sp;
    lavin_session_params_default(&sp);
    sp.context = context;
    sp.pairs = 2;
    sp.steps = steps;
    sp.seed = 0;
    sp.cfg = 1.5f;
    sp.progress = r ? record : NULL;
    sp.progress_user = r;
    *s = NULL;
    int ret = lavin_session_create(t->model, &sp, s);
    int w = 0, h = 0;
    if (ret == 0)
        lavin_session_size(*s, &w, &h);
    const char *task = ret == 0 ? lavin_session_task(*s) : NULL;
    char what[128];
    snprintf(what, sizeof(what), "a \"%s\" session on the shared model: task %s, 128x128", context, context);
    check(t, ret == 0 && *s && task && !strcmp(task, context) && w == 128 && h == 128, what, "%s",
          ret ? lavin_context_error(t->ctx) : task ? task : "(no task)");
    return ret;
}

static void parity(api_test *t, const lavin_answer *a)
{
    char cli[4096], api[4096], cli_prev[4096], api_prev[4096], err[4096], line[1024];
    tmp_path(t, "cli.png", cli, sizeof(cli));
    tmp_path(t, "api.png", api, sizeof(api));
    tmp_path(t, "cli.preview.png", cli_prev, sizeof(cli_prev));
    tmp_path(t, "api.preview.png", api_prev, sizeof(api_prev));
    tmp_path(t, "cli.err", err, sizeof(err));
    const char *argv[] = { "lavin", "run", "--context", "depth", "--pairs", "2", "--steps", "6", "--query",
                           t->query_path, "-o", cli, "--quiet", NULL };
    int status = run_cli(t, argv, err);
    file_line(err, "", line, sizeof(line));
    check(t, status == 0, "lavin run --context depth --pairs 2 --steps 6", "exit %d %s", status, line);
    int ret = lavin_answer_write(t->ctx, a, api);
    check(t, ret == 0, "lavin_answer_write() of the depth answer", "%s", ret ? lavin_context_error(t->ctx) : "");
    if (status != 0 || ret != 0)
        return;
    int same = files_equal(cli, api), same_prev = files_equal(cli_prev, api_prev);
    check(t, same == 1, "the API's depth PNG is the command line's, byte for byte", "%ld and %ld bytes%s",
          file_size(cli), file_size(api), same < 0 ? ", missing" : same ? "" : ", differ");
    check(t, same_prev == 1, "and so is its .preview.png", "%ld and %ld bytes%s", file_size(cli_prev),
          file_size(api_prev), same_prev < 0 ? ", missing" : same_prev ? "" : ", differ");
    check_depth_file(t, a, api);
}

void test_runs(api_test *t)
{
    printf("sessions:\n");
    recorder r = { .cancel_sample = -1 };
    recorder_reset(&r);
    lavin_session *sa = NULL, *sb = NULL;
    if (open_session(t, "depth", 6, &r, &sa) < 0 || open_session(t, "normal", 5, NULL, &sb) < 0) {
        lavin_session_destroy(&sa);
        lavin_session_destroy(&sb);
        return;
    }
    check(t, lavin_session_batch_size(sa) == 1, "lavin_session_batch_size() is 1 before any run", "%d",
          lavin_session_batch_size(sa));

    /* A, B, A. */
    lavin_answer a1 = { 0 }, b = { 0 }, a2 = { 0 };
    recorder_reset(&r);
    int ret = lavin_session_run(sa, &t->query, 1, &a1);
    check(t, ret == 0, "session A answers scene.png", "%s", ret ? lavin_context_error(t->ctx) : "");
    char starts[256];
    check(t, ret == 0 && !r.bad && r.sample_steps == 5 && r.max_sample_step == 5 &&
                 (r.stages & (1 << LAVIN_STAGE_SAMPLE | 1 << LAVIN_STAGE_DECODE)) ==
                     (1 << LAVIN_STAGE_SAMPLE | 1 << LAVIN_STAGE_DECODE),
          "its progress: 5 sampler steps of 5 for 6 points, then the decode",
          "%d calls, stages 0x%x, sample steps %d of %d, %d inconsistent", r.calls, r.stages, r.max_sample_step,
          r.sample_steps, r.bad);
    check(t, r.first_step[LAVIN_STAGE_ENCODE] == 0 && r.first_step[LAVIN_STAGE_SAMPLE] == 0 &&
                 r.first_step[LAVIN_STAGE_DECODE] == 0,
          "each stage is reported when it starts (step 0)", "%s", stage_starts(&r, starts, sizeof(starts)));
    if (ret == 0) {
        check_depth_answer(t, &a1, "a depth answer: 1 channel in [0, 1] at the query's size");
        parity(t, &a1);
    }
    ret = lavin_session_run(sb, &t->query, 1, &b);
    check(t, ret == 0, "session B (normal) answers it next", "%s", ret ? lavin_context_error(t->ctx) : "");
    if (ret == 0)
        check_normal_answer(t, &b);
    ret = lavin_session_run(sa, &t->query, 1, &a2);
    check(t, ret == 0 && a1.values && answers_equal(&a1, &a2), "session A again: the same answer as before B",
          "%s", ret ? lavin_context_error(t->ctx) : "");

    /* Cancelling at the first sampler step. */
    printf("cancelling a run:\n");
    lavin_answer c;
    memset(&c, 0x5a, sizeof(c));
    r.cancel_sample = 1;
    recorder_reset(&r);
    ret = lavin_session_run(sa, &t->query, 1, &c);
    check(t, ret == LAVIN_ECANCELED, "asked to stop at sampler step 1: LAVIN_ECANCELED",
          "returned %d (%s); \"%s\"", ret, lavin_strerror(ret), lavin_context_error(t->ctx));
    check(t, r.stopped && r.max_step_after_stop <= r.stop_step + 1, "the sampler stopped within one step",
          "asked at step %d of %d; %d calls after, highest sample step after %d, stages after 0x%x", r.stop_step,
          r.sample_steps, r.calls_after_stop, r.max_step_after_stop, r.stages_after_stop);
    check(t, c.values == NULL && c.labels == NULL && c.picture.data == NULL, "the answer is zeroed",
          "values %p, labels %p, picture %p", (void *)c.values, (void *)c.labels, c.picture.data);
    if (ret == 0 || (c.values == NULL && c.labels == NULL && c.picture.data == NULL))
        lavin_answer_free(&c);
    r.cancel_sample = -1;
    recorder_reset(&r);
    lavin_answer a3 = { 0 };
    ret = lavin_session_run(sa, &t->query, 1, &a3);
    check(t, ret == 0 && answers_equal(&a1, &a3), "the session works after it: the same answer again", "%s",
          ret ? lavin_context_error(t->ctx) : "");

    /* Two queries in one call: each answer as alone. */
    lavin_picture two[2] = { t->query, t->query };
    lavin_answer pair[2] = { { 0 }, { 0 } };
    ret = lavin_session_run(sa, two, 2, pair);
    check(t, ret == 0 && answers_equal(&a1, &pair[0]) && answers_equal(&a1, &pair[1]),
          "two queries in one call: the answer alone, twice", "%s (batch size now %d)",
          ret ? lavin_context_error(t->ctx) : "", lavin_session_batch_size(sa));
    lavin_answer_free(&pair[0]);
    lavin_answer_free(&pair[1]);

    lavin_answer_free(&a1);
    check(t, a1.values == NULL && a1.picture.data == NULL, "lavin_answer_free() zeroes the answer", NULL);
    lavin_answer_free(&a2);
    lavin_answer_free(&a3);
    lavin_answer_free(&b);
    lavin_session_destroy(&sa);
    lavin_session_destroy(&sb);
    check(t, sa == NULL && sb == NULL, "lavin_session_destroy() clears the pointers", NULL);
}
