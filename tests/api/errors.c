/* Messages: the log callback gets the library's lines and nothing reaches
 * stdout or stderr; the command line's bad inputs are refused through the
 * API with the same line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_test.h"

/* What a log callback saw, by phase. */
enum { PHASE_START, PHASE_OPEN, PHASE_PAIRS, PHASE_RUN, PHASE_FAIL, PHASE_END, PHASES };

typedef struct log_record {
    int phase;
    int count[PHASES][4];
    int bad_level, newline, empty;
    char first_info[3][256];
    int ninfo;
    char last_error[1024];
} log_record;

static void record_log(void *user, enum lavin_log_level level, const char *message)
{
    log_record *r = user;
    if ((int)level < 0 || level > LAVIN_LOG_DEBUG) {
        r->bad_level++;
        return;
    }
    r->count[r->phase][level]++;
    if (!message || !*message) {
        r->empty++;
        return;
    }
    if (strchr(message, '\n'))
        r->newline++;
    if (level == LAVIN_LOG_INFO && r->ninfo < 3)
        snprintf(r->first_info[r->ninfo++], sizeof(r->first_info[0]), "%s", message);
    if (level == LAVIN_LOG_ERROR)
        snprintf(r->last_error, sizeof(r->last_error), "%s", message);
}

static int redirect(int fd, const char *path)
{
    int saved = dup(fd), f = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (saved < 0 || f < 0 || dup2(f, fd) < 0) {
        if (f >= 0)
            close(f);
        if (saved >= 0)
            close(saved);
        return -1;
    }
    close(f);
    return saved;
}

static void restore(int fd, int saved)
{
    if (saved >= 0) {
        dup2(saved, fd);
        close(saved);
    }
}

void test_logging(api_test *t)
{
    printf("logging:\n");
    char out_path[4096], err_path[4096], nope[4096], missing[4096], query_path[4096];
    tmp_path(t, "log.stdout", out_path, sizeof(out_path));
    tmp_path(t, "log.stderr", err_path, sizeof(err_path));
    tmp_path(t, "nope/", nope, sizeof(nope));
    tmp_path(t, "missing.png", missing, sizeof(missing));
    snprintf(query_path, sizeof(query_path), "%s/examples/scene.png", t->root);
    log_record r;
    memset(&r, 0, sizeof(r));
    int ret_ctx, ret_open = -100, ret_pairs = -100, ret_run = -100, ret_fail = -100, ret_read = -100;
    unsigned verr = 0;
    char fail_msg[1024] = "", fail_log[1024] = "", read_msg[1024] = "", err[1024] = "", read_log[1024] = "";

    /* From here to restore() nothing may print. */
    fflush(stdout);
    fflush(stderr);
    int saved_out = redirect(1, out_path), saved_err = redirect(2, err_path);
    lavin_context_params p;
    lavin_context_params_default(&p);
    p.validation = !getenv("LAVIN_TEST_NO_VALIDATION");
    p.log = record_log;
    p.log_user = &r;
    p.log_level = LAVIN_LOG_INFO;
    lavin_context *ctx = NULL;
    lavin_model *m = NULL;
    lavin_session *s = NULL;
    lavin_picture q = { 0 };
    lavin_answer a = { 0 };
    ret_ctx = lavin_context_create(&ctx, &p);
    if (ret_ctx == 0) {
        r.phase = PHASE_OPEN;
        lavin_model_params mp;
        lavin_model_params_default(&mp);
        ret_open = lavin_model_open(ctx, &mp, &m);
        if (ret_open < 0)
            snprintf(err, sizeof(err), "%s", lavin_context_error(ctx));
    }
    if (m) {
        r.phase = PHASE_PAIRS;
        lavin_session_params sp;
        lavin_session_params_default(&sp);
        sp.context = "depth";
        sp.pairs = 1;
        sp.steps = 2;
        ret_pairs = lavin_session_create(m, &sp, &s);
        if (ret_pairs < 0)
            snprintf(err, sizeof(err), "%s", lavin_context_error(ctx));
    }
    if (s) {
        r.phase = PHASE_RUN;
        ret_run = lavin_picture_read(ctx, query_path, &q);
        if (ret_run == 0)
            ret_run = lavin_session_run(s, &q, 1, &a);
        if (ret_run < 0)
            snprintf(err, sizeof(err), "%s", lavin_context_error(ctx));
    }
    if (m) {
        r.phase = PHASE_FAIL;
        lavin_session_params sp;
        lavin_session_params_default(&sp);
        sp.context = nope;
        lavin_session *never = NULL;
        ret_fail = lavin_session_create(m, &sp, &never);
        snprintf(fail_msg, sizeof(fail_msg), "%s", lavin_context_error(ctx));
        snprintf(fail_log, sizeof(fail_log), "%s", r.last_error);
        r.last_error[0] = 0;
        lavin_session_destroy(&never);
        lavin_picture none = { 0 };
        ret_read = lavin_picture_read(ctx, missing, &none);
        snprintf(read_msg, sizeof(read_msg), "%s", lavin_context_error(ctx));
        snprintf(read_log, sizeof(read_log), "%s", r.last_error);
        lavin_picture_free(&none);
    }
    r.phase = PHASE_END;
    lavin_answer_free(&a);
    lavin_picture_free(&q);
    lavin_session_destroy(&s);
    lavin_model_close(&m);
    verr = lavin_validation_errors(ctx);
    lavin_context_destroy(&ctx);
    fflush(stdout);
    fflush(stderr);
    restore(1, saved_out);
    restore(2, saved_err);

    check(t, saved_out >= 0 && saved_err >= 0, "stdout and stderr redirected to files", NULL);
    check(t, ret_ctx == 0 && ret_open == 0 && ret_pairs == 0 && ret_run == 0,
          "open, session and run with a log callback at LAVIN_LOG_INFO", "context %d, open %d, session %d, run %d %s",
          ret_ctx, ret_open, ret_pairs, ret_run, err);
    check(t, r.count[PHASE_OPEN][LAVIN_LOG_INFO] > 0, "INFO lines while the model opens", "%d: %s",
          r.count[PHASE_OPEN][LAVIN_LOG_INFO], r.first_info[0]);
    check(t, r.count[PHASE_PAIRS][LAVIN_LOG_INFO] > 0, "INFO lines while the pairs are encoded", "%d",
          r.count[PHASE_PAIRS][LAVIN_LOG_INFO]);
    int errors_before = 0;
    for (int ph = PHASE_START; ph < PHASE_FAIL; ph++)
        errors_before += r.count[ph][LAVIN_LOG_ERROR];
    check(t, errors_before == 0, "no ERROR lines while everything works", "%d", errors_before);
    check(t, ret_fail < 0 && r.count[PHASE_FAIL][LAVIN_LOG_ERROR] >= 1 && ret_read == LAVIN_EIO &&
                 *fail_msg && !strcmp(fail_log, fail_msg) && *read_msg && !strcmp(read_log, read_msg),
          "failures: the ERROR line is lavin_context_error()",
          "session %d \"%s\" logged \"%s\"; read %d \"%s\" logged \"%s\"", ret_fail, fail_msg, fail_log, ret_read,
          read_msg, read_log);
    check(t, !r.newline && !r.empty && !r.bad_level, "log lines are single lines with a level",
          "%d with a newline, %d empty, %d bad levels", r.newline, r.empty, r.bad_level);
    long out_size = file_size(out_path), err_size = file_size(err_path);
    char first[512] = "";
    file_line(err_size > 0 ? err_path : out_path, "", first, sizeof(first));
    check(t, out_size == 0, "nothing reached stdout", "%ld bytes %s", out_size, out_size ? first : "");
    file_line(err_path, "", first, sizeof(first));
    check(t, err_size == 0, "nothing reached stderr", "%ld bytes %s", err_size, err_size ? first : "");
    check(t, verr == 0, "no validation errors on the logging context", "%u", verr);
}

/* The lavin command with args (then -o OUT --quiet and cheap settings)
 * against the API's return and message. */
static void compare(api_test *t, const char *what, const char *const *args, int api_ret)
{
    char api_msg[2048], out[4096], err[4096], cli_msg[2048];
    snprintf(api_msg, sizeof(api_msg), "%s", lavin_context_error(t->ctx));
    tmp_path(t, "bad.png", out, sizeof(out));
    tmp_path(t, "bad.err", err, sizeof(err));
    const char *argv[24] = { "lavin", "run" };
    int n = 2;
    for (int i = 0; args[i] && n < 16; i++)
        argv[n++] = args[i];
    const char *tail[] = { "-o", out, "--quiet", "--pairs", "2", "--steps", "4", NULL };
    for (int i = 0; tail[i]; i++)
        argv[n++] = tail[i];
    argv[n] = NULL;
    int status = run_cli(t, argv, err);
    int found = file_line(err, "lavin run: ", cli_msg, sizeof(cli_msg));
    int api_ok = api_ret == LAVIN_EINVAL || api_ret == LAVIN_EFORMAT || api_ret == LAVIN_EIO;
    int ok = status == 2 && found == 0 && api_ok && !strcmp(cli_msg, api_msg);
    check(t, ok, what, "%s%s%s", ok ? lavin_strerror(api_ret) : "(see below)", ok ? ": " : "", ok ? api_msg : "");
    if (!ok) {
        printf("       cli: exit %d, \"%s\"%s\n", status, cli_msg, found ? " (no 'lavin run: ' line)" : "");
        printf("       api: %d (%s), \"%s\"\n", api_ret, lavin_strerror(api_ret), api_msg);
    }
}

/* lavin_session_create() on the shared model with the context, task and
 * size of a case; a session that opens is closed. */
static int try_session(api_test *t, const char *context, const char *task, int size)
{
    lavin_session_params sp;
    lavin_session_params_default(&sp);
    sp.context = context;
    sp.task = task;
    sp.width = sp.height = size;
    sp.pairs = 2;
    sp.steps = 4;
    lavin_session *s = NULL;
    int ret = lavin_session_create(t->model, &sp, &s);
    lavin_session_destroy(&s);
    return ret;
}

static int try_read(api_test *t, const char *path)
{
    lavin_picture p = { 0 };
    int ret = lavin_picture_read(t->ctx, path, &p);
    lavin_picture_free(&p);
    return ret;
}

static int try_model(api_test *t, const char *dir)
{
    lavin_model_params mp;
    lavin_model_params_default(&mp);
    mp.dir = dir;
    lavin_model *m = NULL;
    int ret = lavin_model_open(t->ctx, &mp, &m);
    lavin_model_close(&m);
    return ret;
}

void test_bad_inputs(api_test *t)
{
    printf("bad inputs, as the command line refuses them:\n");
    char nope[4096], half[4096], unmatched[4096], garbage[4096], missing[4096], empty[4096], from[4096], to[4096];
    const char *q = t->query_path;
    tmp_path(t, "nope/", nope, sizeof(nope));
    tmp_path(t, "half", half, sizeof(half));
    tmp_path(t, "unmatched", unmatched, sizeof(unmatched));
    tmp_path(t, "q.png", garbage, sizeof(garbage));
    tmp_path(t, "missing.png", missing, sizeof(missing));
    tmp_path(t, "empty", empty, sizeof(empty));

    /* A folder with one input alone; one with a pair and an input alone. */
    int made = mkdir(half, 0777) == 0 && mkdir(unmatched, 0777) == 0 && mkdir(empty, 0777) == 0;
    snprintf(from, sizeof(from), "%s/contexts/depth/scene01_input.png", t->root);
    tmp_path(t, "half/scene01_input.png", to, sizeof(to));
    made = made && copy_file(from, to) == 0;
    tmp_path(t, "unmatched/scene01_input.png", to, sizeof(to));
    made = made && copy_file(from, to) == 0;
    snprintf(from, sizeof(from), "%s/contexts/depth/scene01_target.png", t->root);
    tmp_path(t, "unmatched/scene01_target.png", to, sizeof(to));
    made = made && copy_file(from, to) == 0;
    snprintf(from, sizeof(from), "%s/contexts/depth/scene02_input.png", t->root);
    tmp_path(t, "unmatched/scene02_input.png", to, sizeof(to));
    made = made && copy_file(from, to) == 0;
    FILE *f = fopen(garbage, "wb");
    uint32_t x = 12345;
    for (int i = 0; f && i < 600; i++) {
        x = x * 1103515245u + 12345u;
        fputc((int)(x >> 24), f);
    }
    made = made && f && fclose(f) == 0;
    if (!check(t, made, "broken inputs made in the scratch folder", "%s", t->tmp))
        return;

    int ret = try_session(t, nope, NULL, 0);
    compare(t, "a context folder that does not exist", (const char *[]){ "--context", nope, "--query", q, NULL },
            ret);
    ret = try_session(t, "no-such-context", NULL, 0);
    compare(t, "a context name neither folder nor bundled",
            (const char *[]){ "--context", "no-such-context", "--query", q, NULL }, ret);
    ret = try_session(t, half, NULL, 0);
    compare(t, "a folder with only an input", (const char *[]){ "--context", half, "--query", q, NULL }, ret);
    ret = try_session(t, unmatched, NULL, 0);
    compare(t, "a folder with a pair and an input without its target",
            (const char *[]){ "--context", unmatched, "--query", q, NULL }, ret);
    ret = try_read(t, garbage);
    compare(t, "a corrupt query picture", (const char *[]){ "--context", "depth", "--query", garbage, NULL }, ret);
    ret = try_read(t, missing);
    compare(t, "a missing query file", (const char *[]){ "--context", "depth", "--query", missing, NULL }, ret);
    ret = try_session(t, "depth", NULL, 100);
    compare(t, "a size that is not a multiple of 16 (100x100)",
            (const char *[]){ "--context", "depth", "--query", q, "--size", "100x100", NULL }, ret);
    ret = try_session(t, "depth", "no-such-task", 0);
    compare(t, "an unknown task",
            (const char *[]){ "--context", "depth", "--query", q, "--task", "no-such-task", NULL }, ret);
    ret = try_model(t, empty);
    compare(t, "a model folder without its files",
            (const char *[]){ "--context", "depth", "--query", q, "--model-dir", empty, NULL }, ret);
}
