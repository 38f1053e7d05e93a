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
 * dropped); out gets n answers. A longer video is better answered through a
 * clip stream (below), as lavin video --clip does. */
LAVIN_API int lavin_session_run_clip(lavin_session *s, const lavin_picture *frames, int n, lavin_answer *out);

/* A clip session's answers for a video of any length, frame by frame, in
 * overlapping clips (since API 1.5). Clips of T = lavin_session_clip_frames()
 * frames start every `stride` frames, so neighbours share T - stride frames.
 * Each clip is put on the scale of the answers so far with the fit of
 * lavin_answers_align() on the frames it shares with them, kept in full
 * there and fading by 1/16 per frame after them (so over a long video the
 * scale follows the clips' own rather than drifting), then averaged into
 * them with the weight min(j + 1, T - j) at its frame j: a frame's answer
 * is the weighted average of every clip over it (overlap-add; labels take
 * the clip of the highest weight, the later of equals), so consecutive
 * answers change little where one clip gives way to the next, and each
 * frame is sampled about T / stride times. The video's last clip is its
 * last T frames; a video shorter than T is one clip.
 *
 * Push the frames in order (copied; all of one size), then NULL for the
 * end; after each push, pull the answers it made ready, in frame order,
 * until lavin_clip_stream_pull() returns 0. Answers are at the frames' size
 * (the session's with keep_model_size) and carry their frame's pts. */
typedef struct lavin_clip_stream lavin_clip_stream;

/* stride: 1 .. T - 1 (1 when T is 1); 0: (T - 1) / 2, at least 1 (two
 * frames for lavin-tiny's five-frame clips: about twice the J-DiT passes
 * of clips that share one frame, which is stride T - 1). Returns 0,
 * LAVIN_EINVAL for a picture session or a stride out of range, or
 * LAVIN_ENOMEM. */
LAVIN_API int lavin_clip_stream_open(lavin_session *s, int stride, lavin_clip_stream **out);
LAVIN_API void lavin_clip_stream_close(lavin_clip_stream **c);

/* Takes one frame, or with frame NULL ends the video, and runs the clip
 * that is then due, if any. Returns 1 when a clip ran, 0 when none did,
 * LAVIN_EINVAL when answers wait to be pulled, after the end, or for a
 * frame of another size (the stream goes on), or the clip's error
 * (lavin_session_run_clip(); the stream then refuses more). */
LAVIN_API int lavin_clip_stream_push(lavin_clip_stream *c, const lavin_picture *frame, int64_t pts);

/* The next frame's answer and the pts pushed with it (pts may be NULL):
 * returns 1, or 0 when no answer is ready (more frames or the end must be
 * pushed first; after the end, every answer was pulled), or a negative
 * error (LAVIN_ENOMEM). The caller frees the answer. */
LAVIN_API int lavin_clip_stream_pull(lavin_clip_stream *c, lavin_answer *out, int64_t *pts);

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
