#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/batch_runner.h"
#include "cli/batch_video.h"
#include "cli/commands.h"
#include "cli/outputs.h"
#include "cli/signals.h"

enum job_kind { JOB_PICTURE, JOB_VIDEO, JOB_PREDICT };
static const char *const kind_names[] = { "picture", "video", "predict" };

/* Another try may succeed where the device or memory failed; bad input and
 * options fail the same way every time. Files that cannot be read or
 * written (LAVIN_EIO) count as bad input: the codes do not tell a full disk
 * from a missing file. */
static int retryable(int err)
{
    return err == LAVIN_EDEVMEM || err == LAVIN_EDEVLOST || err == LAVIN_EVULKAN || err == LAVIN_ENODEV ||
           err == LAVIN_ENOMEM || err == LAVIN_ECANCELED;
}

static void stop(batch_runner *r, int status, const char *message)
{
    if (r->stop_status >= 0)
        return;
    r->stop_status = status;
    snprintf(r->stop_message, sizeof(r->stop_message), "%s", message);
}

/* The job's failed event and count, without a line on stderr. */
static void record_failure(batch_runner *r, const batch_job *j, const char *message, int retry)
{
    batch_events_failed(r->events, j, message, retry);
    if (retry)
        r->counts.retry++;
    else
        r->counts.bad++;
}

/* A signal stops the batch; the shell sees the process end by it. */
static void stop_interrupted(batch_runner *r)
{
    stop(r, 128 + cli_interrupted(), "interrupted; nothing unfinished was left behind");
}

int batch_runner_stopped(batch_runner *r)
{
    /* A signal between two jobs stops the batch as one during a job does. */
    if (cli_interrupted())
        stop_interrupted(r);
    return r->stop_status >= 0;
}

static void fail(batch_runner *r, const batch_job *j, int err, int retry, const char *message)
{
    if (err == LAVIN_ECANCELED && cli_interrupted()) {
        /* The batch's last line says it once. */
        record_failure(r, j, "interrupted", 1);
        stop_interrupted(r);
        return;
    }
    record_failure(r, j, message, retry);
    cli_progress_done(&r->is.progress);
    if (j->line)
        fprintf(stderr, "lavin batch: job %d (line %d): %s\n", j->index, j->line, message);
    else
        fprintf(stderr, "lavin batch: job %d: %s\n", j->index, message);
    /* Nothing more runs on a device that is gone. */
    if (err == LAVIN_EDEVLOST || err == LAVIN_ENODEV)
        stop(r, BATCH_EXIT_RETRY, message);
}

static void fail_ctx(batch_runner *r, const batch_job *j, int err)
{
    fail(r, j, err, retryable(err), err == LAVIN_ENOMEM ? "out of host memory" : lavin_context_error(r->is.ctx));
}

/* The batch's progress line: which jobs of the shard run, how many failed,
 * and the time left at the pace of the jobs done so far. */
static void set_label(batch_runner *r, const batch_pending *first, int n, const char *what)
{
    const batch_counts *c = &r->counts;
    char failed[32] = "", eta[48] = "";
    if (c->bad + c->retry)
        snprintf(failed, sizeof(failed), ", %d failed", c->bad + c->retry);
    int left = c->jobs - c->done - c->skipped - c->bad - c->retry;
    if (c->done)
        snprintf(eta, sizeof(eta), ", %.0f s left", (batch_now() - r->first_start) / c->done * left);
    const char *in = first->job->in, *base = strrchr(in, '/');
    if (n == 1)
        snprintf(r->label, sizeof(r->label), "[%d/%d%s%s] %.32s: %s", first->position, c->jobs, failed, eta,
                 base ? base + 1 : in, what);
    else
        snprintf(r->label, sizeof(r->label), "[%d-%d/%d%s%s] %s", first->position, first[n - 1].position, c->jobs,
                 failed, eta, what);
    cli_progress_begin(&r->is.progress, r->label);
}

/* The library's progress: the job's events, and the command's progress line
 * (which also cancels once a signal asked to stop). */
static int on_progress(void *user, const lavin_progress *p)
{
    batch_runner *r = user;
    if (batch_events_progress_due(r->events, p)) {
        if (r->current)
            batch_events_progress(r->events, r->current, p);
        /* Pictures answered together: each is its own job of one item. */
        lavin_progress one = *p;
        one.first = 0;
        one.count = one.total = 1;
        for (int i = p->first; !r->current && i < p->first + p->count && i < r->npending; i++)
            batch_events_progress(r->events, r->pending[i].job, &one);
    }
    return cli_progress_step(&r->is.progress, p);
}

int batch_runner_open(batch_runner *r, const infer_opts *base, char **base_args, int nbase, int force,
                      batch_events *events)
{
    memset(r, 0, sizeof(*r));
    r->base = *base;
    r->base_args = base_args;
    r->nbase = nbase;
    r->force = force;
    r->events = events;
    r->stop_status = -1;
    return infer_context(&r->base, "batch", &r->is);
}

static void no_usage(FILE *f)
{
    (void)f;
}

/* The command line's job options, then the job's own: lavin run's parser
 * and checks for both. A bad option gets the parser's one line on stderr;
 * each is tried alone first so that the event names it. */
static int job_options(batch_runner *r, const batch_job *j, infer_opts *o, char *msg, size_t n)
{
    char cmd[64];
    snprintf(cmd, sizeof(cmd), "batch: job %d", j->index);
    for (int a = 0; a < j->nargs;) {
        int pair = a + 1 < j->nargs && strncmp(j->args[a + 1], "--", 2);
        char *one[] = { cmd, j->args[a], pair ? j->args[a + 1] : NULL };
        if (infer_start(pair ? 3 : 2, one, cmd, no_usage, o) >= 0) {
            snprintf(msg, n, "bad value for \"%s\": %s (see lavin run --help)", j->args[a] + 2,
                     pair ? j->args[a + 1] : "(none)");
            return LAVIN_EINVAL;
        }
        a += pair ? 2 : 1;
    }
    int argc = 1 + r->nbase + j->nargs;
    char **argv = malloc((size_t)argc * sizeof(*argv));
    if (!argv)
        return snprintf(msg, n, "out of host memory"), LAVIN_ENOMEM;
    argv[0] = cmd;
    memcpy(argv + 1, r->base_args, (size_t)r->nbase * sizeof(*argv));
    memcpy(argv + 1 + r->nbase, j->args, (size_t)j->nargs * sizeof(*argv));
    int status = infer_start(argc, argv, cmd, no_usage, o);
    free(argv);
    if (status >= 0)
        return snprintf(msg, n, "bad options (see lavin run --help)"), LAVIN_EINVAL;
    return 0;
}

/* Every folder above path's file, made when missing: a manifest may name
 * outputs in folders of their own. */
static void make_folders(const char *path)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", path);
    for (char *c = dir + 1; *c; c++)
        if (*c == '/') {
            *c = 0;
            if (mkdir(dir, 0777) < 0 && errno != EEXIST)
                return;
            *c = '/';
        }
}

/* What lavin run, video and predict check before any work: the job's kind,
 * an output format lavin writes, no output that is an input (the query, a
 * pair, a model file), and a folder to write in. */
static int job_check(batch_runner *r, infer_opts *o, enum job_kind kind, char *msg, size_t n)
{
    lavin_context *ctx = r->is.ctx;
    if (kind != JOB_PREDICT && !o->context)
        return snprintf(msg, n, "no context (give \"context\", or --context for every job)"), LAVIN_EINVAL;
    if (kind == JOB_PREDICT && o->session.keep_model_size && !o->only_new)
        return snprintf(msg, n, "keep-model-size needs only-new (the input keeps its own size)"), LAVIN_EINVAL;
    int ret = kind == JOB_PICTURE ? lavin_picture_format_check(ctx, o->out) : lavin_video_format_check(ctx, o->out);
    if (ret < 0)
        return snprintf(msg, n, "%s", lavin_context_error(ctx)), ret;
    cli_files in = { 0 }, out = { 0 };
    ret = o->in ? cli_files_add(&in, o->in) : 0;
    if (ret == 0)
        ret = cli_files_add_model_and_context(&in, o);
    if (ret == 0)
        ret = kind == JOB_PICTURE ? cli_files_add_answer(&out, o->out) : cli_files_add(&out, o->out);
    if (ret < 0)
        snprintf(msg, n, "%s: too many files or too long a path", o->out);
    if (ret == 0)
        ret = cli_outputs_check(&in, &out, msg, n);
    if (ret == 0) {
        make_folders(o->out);
        ret = cli_output_folder_check(o->out, msg, n);
    }
    cli_files_free(&in);
    cli_files_free(&out);
    return ret < 0 ? LAVIN_EINVAL : 0;
}

/* The session options with the pointers taken out, compared byte for byte
 * (the struct is zeroed by lavin_session_params_default(), padding too), so
 * that options added to the library later tell sessions apart as well. */
static void session_params(const infer_opts *o, lavin_session_params *p)
{
    memcpy(p, &o->session, sizeof(*p));
    p->context = p->task = NULL;
    p->pair_inputs = p->pair_targets = NULL;
    p->progress = NULL;
    p->progress_user = NULL;
}

static int same_name(const char *a, const char *b)
{
    return a && b ? !strcmp(a, b) : a == b;
}

static void drop(batch_cached *c)
{
    lavin_session_destroy(&c->s);
    free(c->context);
    free(c->task);
    c->context = c->task = NULL;
}

/* The model, on the first job that needs one, from the command line's
 * options. */
static int open_model(batch_runner *r)
{
    infer_model_params(&r->base);
    return lavin_model_open(r->is.ctx, &r->base.model, &r->is.model);
}

static batch_cached *free_slot(batch_runner *r)
{
    batch_cached *lru = NULL;
    for (int i = 0; i < BATCH_SESSIONS; i++) {
        batch_cached *c = &r->sessions[i];
        if (!c->s)
            return c;
        if (c != r->pending_session && (!lru || c->used < lru->used))
            lru = c;
    }
    drop(lru);
    return lru;
}

/* The session for the job's options: kept from an earlier job, or made
 * (its pairs read, checked and encoded), after the model on the first. */
static int session_for(batch_runner *r, infer_opts *o, batch_cached **out)
{
    lavin_session_params key;
    session_params(o, &key);
    for (int i = 0; i < BATCH_SESSIONS; i++) {
        batch_cached *c = &r->sessions[i];
        if (c->s && !memcmp(&c->params, &key, sizeof(key)) && same_name(c->context, o->context) &&
            same_name(c->task, o->task)) {
            c->used = ++r->uses;
            *out = c;
            return 0;
        }
    }
    o->session.context = o->context;
    o->session.task = o->task;
    o->session.progress = on_progress;
    o->session.progress_user = r;
    int ret = lavin_session_check(r->is.ctx, &o->session);
    if (ret < 0)
        return ret;
    if (!r->is.model) {
        ret = open_model(r);
        if (ret < 0) {
            stop(r, infer_exit_code(ret) == LAVIN_EXIT_USAGE ? LAVIN_EXIT_USAGE : BATCH_EXIT_RETRY,
                 lavin_context_error(r->is.ctx));
            return ret;
        }
    }
    batch_cached *c = free_slot(r);
    memcpy(&c->params, &key, sizeof(key));
    c->context = o->context ? strdup(o->context) : NULL;
    c->task = o->task ? strdup(o->task) : NULL;
    if ((o->context && !c->context) || (o->task && !c->task)) {
        drop(c);
        return LAVIN_ENOMEM;
    }
    ret = lavin_session_create(r->is.model, &o->session, &c->s);
    if (ret < 0) {
        drop(c);
        return ret;
    }
    c->used = ++r->uses;
    *out = c;
    return 0;
}

void batch_runner_flush(batch_runner *r)
{
    int n = r->npending, ret;
    if (!n)
        return;
    lavin_picture pics[LAVIN_MAX_BATCH];
    lavin_answer out[LAVIN_MAX_BATCH];
    for (int i = 0; i < n; i++)
        pics[i] = r->pending[i].picture;
    set_label(r, r->pending, n, "picture");
    r->current = NULL;
    /* Kept pictures of a batch a signal stops end as interrupted, like the one running. */
    ret = cli_interrupted() ? LAVIN_ECANCELED : lavin_session_run(r->pending_session->s, pics, n, out);
    cli_progress_done(&r->is.progress);
    for (int i = 0; i < n; i++)
        lavin_picture_free(&r->pending[i].picture);
    for (int i = 0; i < n; i++) {
        const batch_job *j = r->pending[i].job;
        if (ret < 0) {
            fail_ctx(r, j, ret);
            continue;
        }
        int w = lavin_answer_write(r->is.ctx, &out[i], j->out);
        if (w < 0)
            fail_ctx(r, j, w);
        else {
            r->counts.done++;
            batch_events_done(r->events, j, batch_now() - r->pending[i].start);
        }
        lavin_answer_free(&out[i]);
    }
    r->npending = 0;
    r->pending_session = NULL;
}

static void run_video(batch_runner *r, const batch_job *j, const infer_opts *o, enum job_kind kind,
                      lavin_session *s, double start)
{
    char msg[1024] = "";
    batch_pending one = { .job = j, .position = r->position };
    set_label(r, &one, 1, kind == JOB_PREDICT ? "predict" : o->session.clips ? "clip" : "frame");
    r->current = j;
    int ret = kind == JOB_PREDICT ? batch_predict_run(r->is.ctx, s, &r->is.progress, o, msg, sizeof(msg))
                                  : batch_video_run(r->is.ctx, s, &r->is.progress, o, msg, sizeof(msg));
    r->current = NULL;
    cli_progress_done(&r->is.progress);
    if (ret < 0)
        fail(r, j, ret, retryable(ret), msg);
    else {
        r->counts.done++;
        batch_events_done(r->events, j, batch_now() - start);
    }
}

static int output_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

void batch_runner_job(batch_runner *r, const batch_job *j)
{
    r->position++;
    if (j->error) {
        fail(r, j, LAVIN_EINVAL, 0, j->error);
        return;
    }
    char msg[1024] = "";
    infer_opts o;
    int ret = job_options(r, j, &o, msg, sizeof(msg));
    if (ret < 0) {
        /* The parser has said which option, on stderr. */
        cli_progress_done(&r->is.progress);
        record_failure(r, j, msg, ret == LAVIN_ENOMEM);
        return;
    }
    enum job_kind kind = o.frames ? JOB_PREDICT : batch_is_video(o.in) ? JOB_VIDEO : JOB_PICTURE;
    if (kind == JOB_PREDICT && !o.task)
        o.task = "raw";
    if ((ret = job_check(r, &o, kind, msg, sizeof(msg))) < 0) {
        fail(r, j, ret, 0, msg);
        return;
    }
    /* Outputs are written whole or not at all, so one that is there is done. */
    if (!r->force && output_exists(o.out)) {
        r->counts.skipped++;
        batch_events_skipped(r->events, j);
        return;
    }
    /* A picture is read before the model or the pairs do any work for it. */
    lavin_picture pic = { 0 };
    if (kind == JOB_PICTURE && (ret = lavin_picture_read(r->is.ctx, o.in, &pic)) < 0) {
        fail_ctx(r, j, ret);
        return;
    }
    batch_cached *c = NULL;
    if ((ret = session_for(r, &o, &c)) < 0) {
        lavin_picture_free(&pic);
        fail_ctx(r, j, ret);
        return;
    }
    if (r->npending && (kind != JOB_PICTURE || c != r->pending_session ||
                        r->npending >= lavin_session_batch_size(c->s)))
        batch_runner_flush(r);
    /* A signal during those pictures leaves this job unreached. */
    if (batch_runner_stopped(r)) {
        lavin_picture_free(&pic);
        return;
    }
    /* Its work begins: the model and the pairs are ready, earlier pictures answered. */
    double start = batch_now();
    if (!r->first_start)
        r->first_start = start;
    batch_events_started(r->events, j, kind_names[kind]);
    if (kind != JOB_PICTURE) {
        run_video(r, j, &o, kind, c->s, start);
        return;
    }
    r->pending[r->npending++] = (batch_pending){ .job = j, .picture = pic, .start = start, .position = r->position };
    r->pending_session = c;
}

void batch_runner_close(batch_runner *r)
{
    for (int i = 0; i < r->npending; i++)
        lavin_picture_free(&r->pending[i].picture);
    r->npending = 0;
    for (int i = 0; i < BATCH_SESSIONS; i++)
        drop(&r->sessions[i]);
    infer_close(&r->is);
}
