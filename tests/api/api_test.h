/* What the public API test's parts share: the tally, the checks, the
 * command line and the files of one run. Only the public headers. */
#ifndef LAVIN_TEST_API_H
#define LAVIN_TEST_API_H

#include <stddef.h>

#include "lavin/lavin.h"
#include "lavin/media.h"

typedef struct api_test {
    int passed, failed;
    const char *lavin; /* the lavin command */
    const char *root;  /* the source tree */
    char tmp[4096];    /* a scratch folder, removed at the end */
    lavin_context *ctx;
    lavin_model *model; /* lavin-tiny on ctx */
    lavin_picture query; /* examples/scene.png */
    char query_path[4096];
    char last_warning[1024]; /* the context's last LAVIN_LOG_WARN line */
} api_test;

/* One line per check: ok or FAIL, what, and a detail (printf-style, may be
 * NULL). Returns ok. */
int check(api_test *t, int ok, const char *what, const char *detail, ...)
    __attribute__((format(printf, 4, 5)));

/* A context as the tests want it: validation unless
 * LAVIN_TEST_NO_VALIDATION, the log lines at WARN and above printed, the
 * last warning kept in t. */
void api_context_params(lavin_context_params *p, api_test *t);

/* Runs the lavin command with argv (argv[0] is ignored and NULL-terminated),
 * stdout to /dev/null and stderr to err_path. Returns the exit status, or
 * -1 when it did not exit normally. */
int run_cli(api_test *t, const char *const *argv, const char *err_path);

/* The line of a file that starts with prefix, without it and without the
 * newline, into out; 0 when found, else -1 (out gets the file's first line). */
int file_line(const char *path, const char *prefix, char *out, size_t size);

/* Byte-identical files: 1 if equal, 0 if not, -1 if either is unreadable. */
int files_equal(const char *a, const char *b);

/* Size of a file, -1 if it cannot be read. */
long file_size(const char *path);

int copy_file(const char *from, const char *to);

/* tmp/name into out. */
void tmp_path(const api_test *t, const char *name, char *out, size_t size);

/* The parts. */
void test_hygiene(api_test *t);
void test_cancel_open(api_test *t);
void test_runs(api_test *t);
void test_logging(api_test *t);
void test_bad_inputs(api_test *t);
void test_rope(api_test *t);
void test_align(api_test *t);
void test_clip_length(api_test *t);
void test_clip_stream(api_test *t);

#endif
