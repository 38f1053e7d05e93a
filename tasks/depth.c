/* Depth: the context's targets are gray pictures of normalised inverse depth
 * (near bright). The data keeps that value at 16 bits; the preview maps it
 * through a perceptually ordered colour ramp. */
#include <string.h>

#include "core/error.h"
#include "tasks/task.h"

/* Anchors of a magma-like ramp, dark (far) to light (near). */
static const uint8_t ramp[9][3] = {
    { 0, 0, 4 },       { 28, 16, 68 },    { 79, 18, 123 },   { 129, 37, 129 },  { 181, 54, 122 },
    { 229, 80, 100 },  { 251, 135, 97 },  { 254, 194, 135 }, { 252, 253, 191 },
};

static void colour(int v, uint8_t *out)
{
    int seg = v * 8 / 256, rem = v * 8 - seg * 256;
    for (int c = 0; c < 3; c++)
        out[c] = (uint8_t)((ramp[seg][c] * (256 - rem) + ramp[seg + 1][c] * rem + 128) / 256);
}

static int preview(const lavin_image *rgb, const lavin_palette *pal, lavin_image *out, char *err, size_t n)
{
    (void)pal;
    return lavin_task_map_luma(rgb, colour, out, err, n);
}

static int write(const lavin_image *rgb, const lavin_palette *pal, const char *path, char *err, size_t n)
{
    lavin_image y = { 0 };
    LAVIN_TRY(lavin_task_luma(rgb, 16, &y, err, n));
    return lavin_task_write_pair(&y, preview, rgb, pal, path, err, n);
}

const lavin_task lavin_depth_task = {
    "depth", "relative depth: 16-bit grayscale PNG (normalised inverse depth, near bright) and a colour preview",
    write, preview, LAVIN_ANSWER_DEPTH,
};
