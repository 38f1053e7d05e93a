/* Checkpoint readers and the safetensors writer; needs no GPU.
 * usage: test_io DATA_DIR [-v] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/io/io_test.h"

int iot_check(iot *t, const char *what, int ok)
{
    return scratch_check(&t->tally, what, ok);
}

const char *iot_tmp(iot *t, const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", t->tmp_dir, name);
    return buf;
}

const char *iot_data(iot *t, const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", t->data_dir, name);
    return buf;
}

int iot_no_leftovers(iot *t, const char *bad)
{
    return !scratch_count(t->tmp_dir, ".tmp") && !scratch_count(t->tmp_dir, bad);
}

int iot_rejects_truncations(iot *t, const char *path, const char *cut_name)
{
    char cut[256];
    iot_tmp(t, cut_name, cut, sizeof(cut));
    size_t size;
    uint8_t *raw = iot_read(path, &size);
    int all = raw != NULL;
    for (size_t n = 1; raw && n < size; n++) {
        iot_write(cut, raw, n);
        lavin_checkpoint *ck = NULL;
        char err[512] = "";
        int r = lavin_checkpoint_open(cut, &ck, err, sizeof(err));
        if (r >= 0 || ck || strncmp(err, cut, strlen(cut)) || strchr(err, '\n')) {
            printf("     cut at %zu: %d %s\n", n, r, err);
            all = 0;
        }
        lavin_checkpoint_close(&ck);
    }
    free(raw);
    return all;
}

int iot_write(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int bad = size && fwrite(data, 1, size, f) != size;
    return fclose(f) || bad ? -1 : 0;
}

uint8_t *iot_read(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = NULL;
    long n = -1;
    if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0 && !fseek(f, 0, SEEK_SET)) {
        buf = malloc((size_t)n + 1);
        if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    *size = buf ? (size_t)n : 0;
    return buf;
}

int iot_rejects(iot *t, const char *what, const char *path, int code, const char *needle)
{
    lavin_checkpoint *ck = NULL;
    char err[512] = "";
    int r = lavin_checkpoint_open(path, &ck, err, sizeof(err));
    int ok = r < 0 && !ck && (!code || r == code) && !strchr(err, '\n') &&
             !strncmp(err, path, strlen(path)) && (!needle || strstr(err, needle));
    if (!ok || t->tally.verbose)
        printf("     %s -> %d: %s\n", what, r, err);
    lavin_checkpoint_close(&ck);
    return iot_check(t, what, ok);
}

int main(int argc, char **argv)
{
    iot t = { 0 };
    t.data_dir = argc > 1 ? argv[1] : "tests/data/io";
    t.tally.verbose = argc > 2 && !strcmp(argv[2], "-v");
    snprintf(t.tmp_dir, sizeof(t.tmp_dir), "/tmp/lavin_test_io_XXXXXX");
    if (!mkdtemp(t.tmp_dir)) {
        perror("mkdtemp");
        return 1;
    }
    iot_safetensors(&t);
    iot_torchzip(&t);
    iot_gguf(&t);
    scratch_remove(t.tmp_dir);
    printf("%d passed, %d failed\n", t.tally.passed, t.tally.failed);
    return t.tally.failed ? 1 : 0;
}
