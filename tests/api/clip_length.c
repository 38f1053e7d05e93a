/* A model's clip length (lavin_model_info.clip_frames, from the J-DiT
 * file's "lavin.clip_frames") and what clip sessions take from it:
 * lavin-tiny's 5 by default, the caller's length when it names one, 5
 * still after lavin convert makes a GGUF file of it, 9 for a file without
 * the key, and 9 with a warning naming the file for a value that is no clip
 * length. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_test.h"

#define TINY_KEY "\"lavin.clip_frames\":\"5\""

/* lavin-tiny's J-DiT with the metadata text TINY_KEY replaced by with (the
 * same length, so that no offset moves), written to tmp/name into out. */
static int patched_copy(api_test *t, const char *with, const char *name, char *out, size_t size)
{
    char from[4096];
    snprintf(from, sizeof(from), "%s/models/lavin-tiny/lavin_dit.safetensors", t->root);
    tmp_path(t, name, out, size);
    FILE *f = fopen(from, "rb");
    long n = f && !fseek(f, 0, SEEK_END) ? ftell(f) : -1;
    char *data = n > 8 ? malloc((size_t)n) : NULL;
    int ok = data && !fseek(f, 0, SEEK_SET) && fread(data, 1, (size_t)n, f) == (size_t)n;
    if (f)
        fclose(f);
    /* The key lies in the JSON header, which is well inside the file. */
    char *at = NULL;
    for (long i = 8; ok && i + (long)strlen(TINY_KEY) < n && i < 65536 && !at; i++)
        if (!memcmp(data + i, TINY_KEY, strlen(TINY_KEY)))
            at = data + i;
    if (at && strlen(with) == strlen(TINY_KEY)) {
        memcpy(at, with, strlen(with));
        FILE *o = fopen(out, "wb");
        ok = o && fwrite(data, 1, (size_t)n, o) == (size_t)n;
        ok = (o && !fclose(o)) && ok;
    } else {
        ok = 0;
    }
    free(data);
    return ok ? 0 : -1;
}

/* info.clip_frames of lavin-tiny with the J-DiT file dit; -1 when it does
 * not open. */
static int opened_length(api_test *t, const char *dit)
{
    char vae[4096];
    snprintf(vae, sizeof(vae), "%s/models/lavin-tiny/stvae.safetensors", t->root);
    lavin_model_params mp;
    lavin_model_params_default(&mp);
    mp.dit = dit;
    mp.vae = vae;
    lavin_model *m = NULL;
    lavin_model_info info = { 0 };
    t->last_warning[0] = 0;
    if (lavin_model_open(t->ctx, &mp, &m) < 0)
        return -1;
    lavin_model_get_info(m, &info);
    lavin_model_close(&m);
    return info.clip_frames;
}

/* opened_length() of lavin-tiny's J-DiT patched to carry with. */
static int patched_length(api_test *t, const char *with, const char *name)
{
    char dit[4096];
    if (patched_copy(t, with, name, dit, sizeof(dit)) < 0)
        return -1;
    int n = opened_length(t, dit);
    remove(dit);
    return n;
}

static void files_say(api_test *t)
{
    char dit[4096], gguf[4096], err[4096];
    snprintf(dit, sizeof(dit), "%s/models/lavin-tiny/lavin_dit.safetensors", t->root);
    tmp_path(t, "tiny.gguf", gguf, sizeof(gguf));
    tmp_path(t, "convert.err", err, sizeof(err));
    const char *const argv[] = { "lavin", "convert", dit, "-o", gguf, "--dtype", "f16", NULL };
    int n = run_cli(t, argv, err) == 0 ? opened_length(t, gguf) : -1;
    check(t, n == 5, "lavin convert's GGUF file keeps the 5 frames", "%d", n);
    remove(gguf);
    n = patched_length(t, "\"lavin.clip_frames\":\"9\"", "nine.safetensors");
    check(t, n == 9 && !t->last_warning[0], "a J-DiT file saying 9 frames gives 9", "%d", n);
    n = patched_length(t, "\"lavin.clip_framez\":\"5\"", "none.safetensors");
    check(t, n == 9 && !t->last_warning[0], "a J-DiT file without lavin.clip_frames gives 9", "%d", n);
    n = patched_length(t, "\"lavin.clip_frames\":\"7\"", "seven.safetensors");
    check(t, n == 9 && strstr(t->last_warning, "seven.safetensors") && strstr(t->last_warning, "lavin.clip_frames"),
          "7 frames (no 1 + 4k) gives 9 and a warning naming the file", "%d, \"%s\"", n, t->last_warning);
}

/* A depth-clip session at 32x32 with frames frames per clip (0: the model's). */
static lavin_session *clip_session(api_test *t, int frames, int *ret)
{
    lavin_session_params sp;
    lavin_session_params_default(&sp);
    sp.context = "depth-clip";
    sp.clips = 1;
    sp.clip_frames = frames;
    sp.pairs = 1;
    sp.steps = 2;
    sp.width = sp.height = 32;
    lavin_session *s = NULL;
    *ret = lavin_session_create(t->model, &sp, &s);
    return s;
}

static void sessions_take(api_test *t)
{
    lavin_model_info info;
    lavin_model_get_info(t->model, &info);
    check(t, info.clip_frames == 5, "lavin-tiny's clips are 5 frames (lavin.clip_frames)", "%d", info.clip_frames);
    lavin_session_params sp;
    lavin_session_params_default(&sp);
    check(t, sp.clip_frames == 0, "sessions default to the model's clip length", "%d", sp.clip_frames);
    sp.context = "depth-clip";
    sp.clips = 1;
    int ret = lavin_session_check(t->ctx, &sp);
    check(t, ret == 0, "lavin_session_check() takes the model's length unknown", "%s",
          ret ? lavin_context_error(t->ctx) : "");

    lavin_session *s = clip_session(t, 0, &ret);
    check(t, s && lavin_session_clip_frames(s) == 5, "a clip session takes the model's 5 frames", "%d",
          s ? lavin_session_clip_frames(s) : ret);
    lavin_picture frames[6];
    lavin_answer out[6];
    for (int i = 0; i < 6; i++)
        frames[i] = t->query;
    ret = s ? lavin_session_run_clip(s, frames, 6, out) : -100;
    check(t, ret == LAVIN_EINVAL && strstr(lavin_context_error(t->ctx), "1 to 5 frames"),
          "six frames are one too many for it", "%s", lavin_context_error(t->ctx));
    ret = s ? lavin_session_run_clip(s, frames, 5, out) : -100;
    check(t, ret == 0 && out[4].width == t->query.width, "five frames are one clip", "%s",
          ret ? lavin_context_error(t->ctx) : "");
    for (int i = 0; ret == 0 && i < 5; i++)
        lavin_answer_free(&out[i]);
    lavin_session_destroy(&s);

    s = clip_session(t, 9, &ret);
    check(t, s && lavin_session_clip_frames(s) == 9, "a session naming 9 frames keeps them", "%d",
          s ? lavin_session_clip_frames(s) : ret);
    lavin_session_destroy(&s);
    s = clip_session(t, 3, &ret);
    check(t, !s && ret == LAVIN_EINVAL && strstr(lavin_context_error(t->ctx), "1 + 4k"),
          "3 frames are refused: a clip has 1 + 4k", "%s", lavin_context_error(t->ctx));
    lavin_session_destroy(&s);
}

void test_clip_length(api_test *t)
{
    printf("clip length:\n");
    sessions_take(t);
    files_say(t);
}
