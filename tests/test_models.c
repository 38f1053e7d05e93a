/* Model configs and manifests: the C manifests against lists written from
 * the official modules (tools/reference/manifest.py), config parsing, and
 * inference from shapes. Needs no GPU. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkpoint/checkpoint.h"
#include "jdit/jdit_manifest.h"
#include "stvae/stvae_config.h"

#ifndef MANIFESTS
#define MANIFESTS "tests/data/models"
#endif
#ifndef FIXTURES
#define FIXTURES "tests/fixtures/jdit"
#endif

typedef struct {
    int passed, failed;
} tally;

static void report(tally *t, int ok, const char *what, const char *detail)
{
    ok ? t->passed++ : t->failed++;
    printf("  %s %-56s %s\n", ok ? "ok  " : "FAIL", what, detail ? detail : "");
}

/* The expected list: "name d0,d1,..." lines. */
typedef struct {
    char (*lines)[160];
    int n, cap, mismatches;
    char first_bad[200];
} listing;

static void collect(void *user, const char *name, int ndim, const int64_t *shape)
{
    listing *l = user;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 256;
        l->lines = realloc(l->lines, (size_t)l->cap * sizeof(*l->lines));
    }
    int len = snprintf(l->lines[l->n], sizeof(l->lines[0]), "%s ", name);
    for (int i = 0; i < ndim && len < (int)sizeof(l->lines[0]); i++)
        len += snprintf(l->lines[l->n] + len, sizeof(l->lines[0]) - (size_t)len, "%s%lld", i ? "," : "",
                        (long long)shape[i]);
    l->n++;
}

static int cmp_line(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void compare_manifest(tally *t, const char *file)
{
    char path[512], line[512], kind[16] = "", json[400] = "", err[256];
    snprintf(path, sizeof(path), "%s/%s", MANIFESTS, file);
    FILE *f = fopen(path, "r");
    listing want = { 0 }, got = { 0 };
    if (!f || !fgets(line, sizeof(line), f) || sscanf(line, "# %15s %399[^\n]", kind, json) != 2) {
        report(t, 0, file, "cannot read the header");
        if (f)
            fclose(f);
        return;
    }
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = 0;
        if (!*line)
            continue;
        if (want.n == want.cap) {
            want.cap = want.cap ? 2 * want.cap : 256;
            want.lines = realloc(want.lines, (size_t)want.cap * sizeof(*want.lines));
        }
        snprintf(want.lines[want.n++], sizeof(want.lines[0]), "%.159s", line);
    }
    fclose(f);
    int ret;
    if (!strcmp(kind, "jdit")) {
        lavin_jdit_config cfg;
        lavin_jdit_config_preset(&cfg);
        if ((ret = lavin_jdit_config_parse(json, file, &cfg, NULL, err, sizeof(err))) >= 0)
            lavin_jdit_manifest(&cfg, collect, &got);
    } else {
        lavin_stvae_config cfg;
        lavin_stvae_config_preset(&cfg);
        if ((ret = lavin_stvae_config_parse(json, file, &cfg, NULL, err, sizeof(err))) >= 0)
            lavin_stvae_manifest(&cfg, collect, &got);
    }
    int same = ret >= 0 && want.n == got.n;
    if (same) {
        qsort(want.lines, (size_t)want.n, sizeof(want.lines[0]), cmp_line);
        qsort(got.lines, (size_t)got.n, sizeof(got.lines[0]), cmp_line);
        for (int i = 0; i < want.n && same; i++)
            if (strcmp(want.lines[i], got.lines[i])) {
                snprintf(err, sizeof(err), "expected %.100s, made %.100s", want.lines[i], got.lines[i]);
                same = 0;
            }
    } else if (ret >= 0) {
        snprintf(err, sizeof(err), "%d tensors expected, %d made", want.n, got.n);
    }
    char what[128];
    snprintf(what, sizeof(what), "manifest %s (%d tensors)", file, want.n);
    report(t, same, what, same ? NULL : err);
    free(want.lines);
    free(got.lines);
}

static void config_parsing(tally *t)
{
    char err[256];
    lavin_jdit_config j;
    lavin_jdit_config_preset(&j);
    int ret = lavin_jdit_config_parse("{\"depth\": 3, \"colour\": \"blue\"}", "cfg.json", &j, NULL, err, sizeof(err));
    report(t, ret == 0 && j.depth == 3 && j.hidden_size == 2304 && j.num_heads == 32,
           "missing keys keep the preset, unknown keys are ignored", NULL);
    ret = lavin_jdit_config_parse("{\"num_heads\": \"many\"}", "cfg.json", &j, NULL, err, sizeof(err));
    report(t, ret == LAVIN_EFORMAT && strstr(err, "num_heads") && strstr(err, "cfg.json"),
           "a wrong type names the key and the file", err);
    ret = lavin_jdit_config_parse("{\"patch_size\": [2, 4]}", "cfg.json", &j, NULL, err, sizeof(err));
    report(t, ret == LAVIN_EFORMAT && strstr(err, "patch_size"), "a non-square patch is refused", err);
    ret = lavin_jdit_config_parse("[1, 2]", "cfg.json", &j, NULL, err, sizeof(err));
    report(t, ret == LAVIN_EFORMAT, "a config that is not an object is refused", err);
    lavin_stvae_config v;
    lavin_stvae_config_preset(&v);
    ret = lavin_stvae_config_parse("{\"block_out_channels\": [32, 48], \"norm_num_groups\": 16}", "v.json", &v,
                                   NULL, err, sizeof(err));
    report(t, ret == 0 && v.nblocks == 2 && v.block_out_channels[1] == 48 && v.layers_per_block == 3,
           "ST-VAE config over the preset", NULL);
    ret = lavin_stvae_config_parse("{\"block_out_channels\": [30]}", "v.json", &v, NULL, err, sizeof(err));
    report(t, ret == LAVIN_EFORMAT && strstr(err, "norm_num_groups"), "channels must divide into groups", err);
    ret = lavin_stvae_config_parse("{\"block_out_channels\": 64}", "v.json", &v, NULL, err, sizeof(err));
    report(t, ret == LAVIN_EFORMAT && strstr(err, "block_out_channels"), "a wrong type names the key", err);
}

/* A J-DiT saved without its config: the shapes give all but the head count. */
static void inference(tally *t)
{
    lavin_checkpoint *ck, *bare;
    char err[512], path[] = "/tmp/lavin-models-XXXXXX";
    int fd = mkstemp(path);
    if (fd >= 0)
        close(fd);
    if (lavin_checkpoint_open(FIXTURES "/tiny.safetensors", &ck, err, sizeof(err)) < 0) {
        report(t, 0, "open the tiny J-DiT", err);
        return;
    }
    size_t n = lavin_checkpoint_count(ck);
    lavin_ckpt_tensor *ts = malloc(n * sizeof(*ts));
    for (size_t i = 0; i < n; i++)
        ts[i] = *lavin_checkpoint_tensor(ck, i);
    int ret = lavin_safetensors_write(path, ts, n, NULL, NULL, 0, err, sizeof(err));
    free(ts);
    lavin_checkpoint_close(&ck);
    if (ret < 0 || lavin_checkpoint_open(path, &bare, err, sizeof(err)) < 0) {
        report(t, 0, "write the J-DiT without metadata", err);
        remove(path);
        return;
    }
    lavin_jdit_config cfg;
    const char *origin;
    ret = lavin_jdit_config_find(bare, NULL, &cfg, &origin, NULL, err, sizeof(err));
    report(t, ret == 0 && !strcmp(origin, "inferred from shapes") && cfg.hidden_size == 72 && cfg.depth == 2 &&
                  cfg.in_channels == 16 && cfg.num_heads == 1 && cfg.kv_group == 2,
           "config inferred from shapes, heads from head dim 72", origin);
    lavin_manifest_report r;
    cfg.num_heads = 2;
    ret = lavin_jdit_check(&cfg, bare, NULL, &r);
    report(t, ret == 0 && r.expected == 62, "the tiny J-DiT matches its manifest", NULL);
    cfg.depth = 3;
    ret = lavin_jdit_check(&cfg, bare, NULL, &r);
    report(t, ret == LAVIN_EFORMAT && r.missing == 22 && r.unexpected == 0 && r.misshaped == 0,
           "a deeper config finds one block's 22 tensors missing", NULL);
    cfg.depth = 1;
    cfg.hidden_size = 144;
    ret = lavin_jdit_check(&cfg, bare, NULL, &r);
    report(t, ret == LAVIN_EFORMAT && r.unexpected == 22 && r.misshaped > 0,
           "another width finds mis-shaped and unexpected tensors", NULL);
    lavin_stvae_config v;
    ret = lavin_stvae_config_find(bare, NULL, &v, &origin, NULL, err, sizeof(err));
    report(t, ret == LAVIN_EFORMAT && strstr(err, "ST-VAE"), "a J-DiT is not taken for an ST-VAE", err);
    lavin_checkpoint_close(&bare);
    remove(path);
}

int main(void)
{
    tally t = { 0, 0 };
    printf("models:\n");
    static const char *const files[] = {
        "jdit_released.manifest", "jdit_tiny.manifest", "jdit_tiny_mha.manifest",
        "stvae_released.manifest", "stvae_tiny.manifest", "stvae_tiny3.manifest",
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        compare_manifest(&t, files[i]);
    config_parsing(&t);
    inference(&t);
    printf("%d passed, %d failed\n", t.passed, t.failed);
    return t.failed ? 1 : 0;
}
