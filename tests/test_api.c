/* The public API alone (lavin/lavin.h and lavin/media.h, the shared
 * library): versions and NULL safety, one model shared by sessions, parity
 * with the lavin command, cancelling, logging, clip answers aligned, clip streams, and
 * the command line's bad inputs refused with its messages.
 * Usage: test_api LAVIN SOURCE_ROOT */
#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api/api_test.h"

extern char **environ;

int check(api_test *t, int ok, const char *what, const char *detail, ...)
{
    char buf[1024] = "";
    if (detail) {
        va_list ap;
        va_start(ap, detail);
        vsnprintf(buf, sizeof(buf), detail, ap);
        va_end(ap);
    }
    if (ok)
        t->passed++;
    else
        t->failed++;
    printf("  %s %-62s %s\n", ok ? "ok  " : "FAIL", what, buf);
    fflush(stdout);
    return ok;
}

static void print_log(void *user, enum lavin_log_level level, const char *message)
{
    api_test *t = user;
    if (level <= LAVIN_LOG_WARN)
        printf("       log %s: %s\n", level == LAVIN_LOG_ERROR ? "error" : "warn", message);
    if (level == LAVIN_LOG_WARN)
        snprintf(t->last_warning, sizeof(t->last_warning), "%s", message);
}

void api_context_params(lavin_context_params *p, api_test *t)
{
    lavin_context_params_default(p);
    p->validation = !getenv("LAVIN_TEST_NO_VALIDATION");
    p->log = print_log;
    p->log_user = t;
}

int run_cli(api_test *t, const char *const *argv, const char *err_path)
{
    int n = 0;
    while (argv[n])
        n++;
    char **args = calloc((size_t)n + 1, sizeof(*args));
    if (!args)
        return -1;
    args[0] = (char *)t->lavin;
    for (int i = 1; i < n; i++)
        args[i] = (char *)argv[i];
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    fflush(stdout);
    pid_t pid;
    int ret = posix_spawn(&pid, t->lavin, &fa, NULL, args, environ), status = 0;
    posix_spawn_file_actions_destroy(&fa);
    free(args);
    if (ret != 0)
        return -1;
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int file_line(const char *path, const char *prefix, char *out, size_t size)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    int found = -1, first = 1;
    out[0] = 0;
    while (f && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = 0;
        if (!strncmp(line, prefix, strlen(prefix))) {
            snprintf(out, size, "%s", line + strlen(prefix));
            found = 0;
            break;
        }
        if (first)
            snprintf(out, size, "%s", line);
        first = 0;
    }
    if (f)
        fclose(f);
    return found;
}

static unsigned char *slurp(const char *path, long *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *buf = NULL;
    long n = 0;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}

int files_equal(const char *a, const char *b)
{
    long na, nb;
    unsigned char *x = slurp(a, &na), *y = slurp(b, &nb);
    int ret = !x || !y ? -1 : na == nb && !memcmp(x, y, (size_t)na);
    free(x);
    free(y);
    return ret;
}

long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

int copy_file(const char *from, const char *to)
{
    long n;
    unsigned char *buf = slurp(from, &n);
    FILE *f = buf ? fopen(to, "wb") : NULL;
    int ok = f && fwrite(buf, 1, (size_t)n, f) == (size_t)n;
    if (f && fclose(f) != 0)
        ok = 0;
    free(buf);
    return ok ? 0 : -1;
}

void tmp_path(const api_test *t, const char *name, char *out, size_t size)
{
    snprintf(out, size, "%s/%s", t->tmp, name);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Each of the calls documented as safe on NULL (or on a zeroed struct),
 * in a child of its own so that a crash is one failed check naming it. */
static void ctx_null(void) { lavin_context *p = NULL; lavin_context_destroy(&p); }
static void ctx_null_ptr(void) { lavin_context_destroy(NULL); }
static void model_null(void) { lavin_model *p = NULL; lavin_model_close(&p); }
static void model_null_ptr(void) { lavin_model_close(NULL); }
static void session_null(void) { lavin_session *p = NULL; lavin_session_destroy(&p); }
static void session_null_ptr(void) { lavin_session_destroy(NULL); }
static void video_in_null(void) { lavin_video_input *p = NULL; lavin_video_input_close(&p); }
static void video_in_null_ptr(void) { lavin_video_input_close(NULL); }
static void video_out_null(void) { lavin_video_output *p = NULL; lavin_video_output_abort(&p); }
static void video_out_null_ptr(void) { lavin_video_output_abort(NULL); }
static void zeroed_picture(void) { lavin_picture p = { 0 }; lavin_picture_free(&p); }
static void zeroed_answer(void) { lavin_answer a = { 0 }; lavin_answer_free(&a); }

static void null_safety(api_test *t)
{
    static const struct {
        const char *name;
        void (*fn)(void);
        int null_itself;
    } calls[] = {
        { "lavin_context_destroy(&null)", ctx_null, 0 },       { "lavin_context_destroy(NULL)", ctx_null_ptr, 1 },
        { "lavin_model_close(&null)", model_null, 0 },         { "lavin_model_close(NULL)", model_null_ptr, 1 },
        { "lavin_session_destroy(&null)", session_null, 0 },   { "lavin_session_destroy(NULL)", session_null_ptr, 1 },
        { "lavin_video_input_close(&null)", video_in_null, 0 },
        { "lavin_video_input_close(NULL)", video_in_null_ptr, 1 },
        { "lavin_video_output_abort(&null)", video_out_null, 0 },
        { "lavin_video_output_abort(NULL)", video_out_null_ptr, 1 },
        { "lavin_picture_free(zeroed)", zeroed_picture, 0 },  { "lavin_answer_free(zeroed)", zeroed_answer, 0 },
    };
    for (int null_itself = 0; null_itself < 2; null_itself++) {
        char bad[1024] = "";
        size_t len = 0;
        for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
            if (calls[i].null_itself != null_itself)
                continue;
            fflush(stdout);
            pid_t pid = fork();
            if (pid == 0) {
                calls[i].fn();
                _exit(0);
            }
            int status = 0;
            if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0)
                continue;
            len += (size_t)snprintf(bad + len, sizeof(bad) - len, "%s%s (%s %d)", len ? ", " : "", calls[i].name,
                                    WIFSIGNALED(status) ? "signal" : "exit",
                                    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
            if (len >= sizeof(bad))
                len = sizeof(bad) - 1;
        }
        check(t, !*bad,
              null_itself ? "destroy and close are safe on NULL itself"
                          : "destroy and close are safe on a pointer to NULL, frees on zeroed structs",
              "%s", bad);
    }
}

void test_hygiene(api_test *t)
{
    printf("hygiene:\n");
    const char *v = lavin_version();
    check(t, v && *v, "lavin_version() is not empty", "%s", v ? v : "(null)");
    unsigned api = lavin_api_version();
    check(t, api >> 16 == LAVIN_API_VERSION_MAJOR, "lavin_api_version() has this header's major", "0x%x", api);
    const char *e = lavin_strerror(LAVIN_ECANCELED);
    check(t, e && *e, "lavin_strerror(LAVIN_ECANCELED) is not empty", "%s", e ? e : "(null)");
    int all = 1;
    for (int err = LAVIN_OK; err >= LAVIN_ECANCELED; err--)
        all = all && lavin_strerror(err) && *lavin_strerror(err);
    check(t, all, "every error code has a description", NULL);
    const char *name = NULL, *summary = NULL;
    int ntasks = 0;
    while (ntasks < 64 && lavin_task_info(ntasks, &name, &summary) == 0)
        ntasks++;
    check(t, ntasks >= 5 && lavin_task_info(ntasks, &name, &summary) == LAVIN_EINVAL,
          "lavin_task_info() lists the tasks, then LAVIN_EINVAL", "%d tasks", ntasks);
    null_safety(t);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: test_api LAVIN SOURCE_ROOT\n");
        return 2;
    }
    api_test t = { .lavin = argv[1], .root = argv[2] };
    /* The command line should find what the library finds by default. */
    unsetenv("LAVIN_MODEL_DIR");
    unsetenv("LAVIN_CONTEXTS");
    const char *base = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(t.tmp, sizeof(t.tmp), "%s/lavin_test_api.XXXXXX", base);
    if (!mkdtemp(t.tmp)) {
        fprintf(stderr, "test_api: cannot make a temporary folder in %s\n", base);
        return 1;
    }
    printf("api:\n");
    test_hygiene(&t);

    lavin_context_params p;
    api_context_params(&p, &t);
    int ret = lavin_context_create(&t.ctx, &p);
    check(&t, ret == 0 && t.ctx, "a context", "%s", ret ? lavin_strerror(ret) : "");
    if (t.ctx) {
        snprintf(t.query_path, sizeof(t.query_path), "%s/examples/scene.png", t.root);
        ret = lavin_picture_read(t.ctx, t.query_path, &t.query);
        check(&t, ret == 0 && t.query.data && t.query.channels == 3 && t.query.depth == 8,
              "examples/scene.png read as 8-bit RGB", "%s", ret ? lavin_context_error(t.ctx) : "");
        test_cancel_open(&t);
        test_align(&t);
        lavin_model_params mp;
        lavin_model_params_default(&mp);
        ret = lavin_model_open(t.ctx, &mp, &t.model);
        check(&t, ret == 0 && t.model, "lavin-tiny opens by default", "%s", ret ? lavin_context_error(t.ctx) : "");
        if (t.model) {
            lavin_model_info info;
            memset(&info, 0, sizeof(info));
            lavin_model_get_info(t.model, &info);
            check(&t, info.width == 128 && info.height == 128 && info.latent_channels == 16 && info.dit_params > 0 &&
                          info.vae_params > 0 && info.size_multiple == 16,
                  "lavin_model_get_info(): 128x128, 16 latent channels",
                  "%dx%d, latent %d, J-DiT %lld, ST-VAE %lld parameters, multiple %d", info.width, info.height,
                  info.latent_channels, (long long)info.dit_params, (long long)info.vae_params, info.size_multiple);
            check(&t, lavin_model_context(t.model) == t.ctx, "lavin_model_context() is the context", NULL);
        }
        if (t.model && t.query.data) {
            test_runs(&t);
            test_bad_inputs(&t);
            test_rope(&t);
            test_clip_length(&t);
            test_clip_stream(&t);
        }
        lavin_model_close(&t.model);
        check(&t, t.model == NULL, "lavin_model_close() clears the pointer", NULL);
        unsigned verr = lavin_validation_errors(t.ctx);
        check(&t, verr == 0, "no validation errors", "%u", verr);
        lavin_picture_free(&t.query);
        lavin_context_destroy(&t.ctx);
        check(&t, t.ctx == NULL, "lavin_context_destroy() clears the pointer", NULL);
    }
    test_logging(&t);

    if (t.failed)
        printf("(files kept in %s)\n", t.tmp);
    else
        nftw(t.tmp, remove_one, 16, FTW_DEPTH | FTW_PHYS);
    printf("%d passed, %d failed\n", t.passed, t.failed);
    return t.failed ? 1 : 0;
}
