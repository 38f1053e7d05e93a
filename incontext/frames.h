/* Pictures in and out of the model (docs/computation.md sections 1.2 and 1.7): host
 * 8-bit RGB frames to [-1, 1] device video, and the decoder's output back to
 * 8-bit frames at the size of the input. The host only rearranges bytes; the
 * resampling and the value mapping run as device ops, on a strip of a large
 * picture's rows at a time (5.7), so that neither memory grows with it. */
#ifndef LAVIN_INCONTEXT_FRAMES_H
#define LAVIN_INCONTEXT_FRAMES_H

#include "media/image.h"
#include "core/tensor.h"
#include "lavin/session.h"

typedef enum lavin_fit lavin_fit; /* lavin/session.h */

/* Where a picture of width x height went: it was placed in (pad) or cut
 * from (crop) an arranged picture of aw x ah at (x, y), and that was resized
 * to the model's size. */
typedef struct lavin_geometry {
    int width, height, aw, ah, x, y;
    lavin_fit fit;
} lavin_geometry;

void lavin_geometry_make(int width, int height, int model_w, int model_h, lavin_fit fit, lavin_geometry *g);

/* Frame t of video [1, 3, T, H, W] <- img, as the reference prepares it:
 * bicubic antialiased resize of the 8-bit values, rounded back to 8-bit
 * values, then v / 255 * 2 - 1. */
int lavin_frame_upload(lavin_context *ctx, const lavin_image *img, lavin_fit fit, const lavin_tensor *video,
                       int64_t t);

/* Frame t of the decoder output [1, 3, T, H, W] -> 8-bit RGB, truncated as
 * the reference does, then resized back to the picture g describes (its
 * size, or the crop's) unless keep_model_size. out is allocated. */
int lavin_frame_download(lavin_context *ctx, const lavin_tensor *video, int64_t t, const lavin_geometry *g,
                         int keep_model_size, lavin_image *out);

#endif
