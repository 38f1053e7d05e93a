/*
 * An in-context session: a task's example pairs, encoded once, and the
 * sampling settings; then any number of queries (pictures or clips) or a
 * prediction of future frames. The pipeline is the reference's
 * (docs/computation.md section 1): pictures resized to the model's size,
 * pairs and query encoded by the ST-VAE into the condition in1, tg1, ...,
 * inN, tgN, query, the target sampled by the J-DiT with guidance, decoded by
 * the ST-VAE and resized back.
 */
#ifndef LAVIN_SESSION_H
#define LAVIN_SESSION_H

#include <stdint.h>

#include "lavin/context.h"
#include "lavin/model.h"
#include "lavin/picture.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How a picture whose aspect is not the model's meets it. */
enum lavin_fit {
    LAVIN_FIT_STRETCH = 0, /* the whole picture resized to the model's size: the reference */
    LAVIN_FIT_PAD = 1,     /* aspect kept, black bars to the model's aspect first */
    LAVIN_FIT_CROP = 2,    /* aspect kept, centre cut to the model's aspect first */
};

enum lavin_vae_tiling {
    LAVIN_VAE_TILE_AUTO = 0, /* tile only where the estimated peak would pass half the free device memory */
    LAVIN_VAE_TILE_OFF = 1,  /* never */
    LAVIN_VAE_TILE_FIXED = 2 /* tiles of vae_tile pixels, chunks of vae_tile_frames (0: whole clips) */
};

/* The J-DiT's RoPE positions at a size the model was not trained at
 * (docs/computation.md section 2.5.1); at the anchor size every mode gives
 * the same answers. */
enum lavin_rope {
    /* Interpolate when the anchor is known (the J-DiT file's "lavin.size" or
     * rope_anchor_*) and the size is not it; else extrapolate. */
    LAVIN_ROPE_AUTO = 0,
    LAVIN_ROPE_EXTRAPOLATE = 1, /* integer patch positions at every size: the reference */
    LAVIN_ROPE_INTERPOLATE = 2  /* AS2DRoPE: row and column positions times anchor / size, per axis */
};

#define LAVIN_PAIRS_DEFAULT (-1) /* pairs: 4, as the reference */
#define LAVIN_PAIRS_ALL 0  /* pairs: every pair once, in name order */
#define LAVIN_MAX_PAIRS 64 /* most pairs drawn; LAVIN_PAIRS_ALL takes at most 4 * LAVIN_MAX_PAIRS */
#define LAVIN_MAX_BATCH 64 /* most queries sampled together */

typedef struct lavin_session_params {
    /* The example pairs from files: a folder of NAME_input.EXT /
     * NAME_target.EXT pictures (PNG, JPEG, WebP, BMP), or clips (MP4, MOV,
     * MKV, WebM, AVI) for clip sessions, matched by the text before the
     * first '_'; or a bundled context's name (depth, normal, segmentation,
     * edges, colorize, depth-clip). NULL: the pairs below, or none. */
    const char *context;
    /* Or pairs in memory: npairs pictures each (single-frame pairs only). */
    const lavin_picture *pair_inputs, *pair_targets;
    int npairs;
    /* The task that decodes answers: a name (lavin_task_info()); NULL takes
     * the context folder's name without a "-clip" suffix, and "raw" when
     * that is no task. */
    const char *task;
    /* Queries are clips of clip_frames frames (1 + 4k), and so are the
     * context's pairs (files read up to clip_frames frames); 0, the default
     * since API 1.4: the model's (lavin_model_info.clip_frames). */
    int clips;
    int clip_frames;
    /* The model's input size, multiples of lavin_model_info.size_multiple;
     * 0 x 0: the model's native size. */
    int width, height;
    enum lavin_fit fit;
    /* Answers at width x height instead of each query's own size. */
    int keep_model_size;
    /* Points of the sampler's time grid (n - 1 Euler steps): 20, 30 and 40
     * use the reference's grids, others a uniform one. 2..1000. */
    int steps;
    /* Classifier-free guidance scale; 1 turns it off. */
    float cfg;
    /* Pair draws, posterior samples and noise derive from it: the same
     * inputs and seed give the same answer on every device (docs/computation.md
     * section 5). */
    uint64_t seed;
    /* Pairs drawn at random with replacement from the files, as the
     * reference does: 1..LAVIN_MAX_PAIRS, LAVIN_PAIRS_DEFAULT or
     * LAVIN_PAIRS_ALL. */
    int pairs;
    enum lavin_vae_tiling vae_tiling;
    int vae_tile, vae_tile_frames;
    /* Most queries sampled together; 0: as many as half the free device
     * memory holds, at most 8. */
    int batch;
    /* Prediction: the last context_frames frames (1 + 4k) of the past
     * condition the J-DiT. */
    int context_frames;
    lavin_progress_fn progress;
    void *progress_user;
    /* RoPE positions at sizes other than the anchor, and the anchor: a size
     * the model was trained at, multiples of lavin_model_info.size_multiple;
     * 0 x 0: the model's native size. Extrapolation ignores the anchor. */
    enum lavin_rope rope;
    int rope_anchor_width, rope_anchor_height;
    int reserved_int; /* with the three above, 16 bytes taken from reserved on 32 and 64 bits */
    void *reserved[8 - 16 / sizeof(void *)];
} lavin_session_params;

typedef struct lavin_session lavin_session;

/* Defaults as the reference: 4 pairs, 20 points, guidance 1.5, seed 0,
 * stretch, automatic VAE tiling, the model's clip length, 9 context frames;
 * LAVIN_ROPE_AUTO at the native size's anchor. */
LAVIN_API void lavin_session_params_default(lavin_session_params *p);

/* Reads and checks the pairs (every file before the model does any work),
 * finds the task and its palette, and encodes the pairs. Errors:
 * LAVIN_EINVAL (a bad value or name, a folder without pairs or with an
 * unmatched one, a size or RoPE anchor that is no multiple of the model's),
 * LAVIN_EIO/LAVIN_EFORMAT (an unreadable file), device errors,
 * LAVIN_ECANCELED. */
LAVIN_API int lavin_session_create(lavin_model *m, const lavin_session_params *params, lavin_session **out);
/* Does nothing when s or *s is NULL. */
LAVIN_API void lavin_session_destroy(lavin_session **s);

/* Reads and checks what lavin_session_create() would take from params,
 * without a model: the values, the pair files and the task's name (not the
 * size, which depends on the model). For programs that report bad input
 * before a model loads; the errors are lavin_session_create()'s. */
LAVIN_API int lavin_session_check(lavin_context *ctx, const lavin_session_params *params);

/* The task's name and the model's input size the session runs at. */
LAVIN_API const char *lavin_session_task(const lavin_session *s);
LAVIN_API void lavin_session_size(const lavin_session *s, int *width, int *height);
/* Frames per clip of a clip session: params.clip_frames, or the model's
 * when that is 0 (API 1.4). */
LAVIN_API int lavin_session_clip_frames(const lavin_session *s);

/* How many single pictures the next lavin_session_run() should hold to fill
 * the device: 1 before any has run, then as many as half the free device
 * memory holds at what one item took (at most params.batch, else 8). For
 * callers that read pictures as they go, such as video frames. */
LAVIN_API int lavin_session_batch_size(const lavin_session *s);

/* Answers n pictures (any size; their own sizes unless keep_model_size), in
 * batches of lavin_session_batch_size(); out[i] is filled for every i, or
 * for none on failure. Each answer is the same whatever batch it ran in. */
LAVIN_API int lavin_session_run(lavin_session *s, const lavin_picture *queries, int n, lavin_answer *out);

/* A clip session: answers one clip of n frames, 1 <= n <= clip_frames (a
 * short clip is filled up with copies of its last frame, whose answers are
 * dropped); out gets n answers. A longer video is better cut into clips
 * that share frames, the next put on the earlier one's scale with
 * lavin_answers_align(), as lavin video --clip does (cli/video_jobs.c). */
LAVIN_API int lavin_session_run_clip(lavin_session *s, const lavin_picture *frames, int n, lavin_answer *out);

/* Future frames: the last context_frames of the n past frames (fewer, 1 +
 * 4k, when there are fewer) condition the J-DiT after the pairs, if any; it
 * samples the latent frames that follow, decoded as the clip's
 * continuation. out gets `frames` answers, at the last past frame's size. */
LAVIN_API int lavin_session_predict(lavin_session *s, const lavin_picture *past, int n, int frames,
                                    lavin_answer *out);

#ifdef __cplusplus
}
#endif

#endif
