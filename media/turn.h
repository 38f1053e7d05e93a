/* Turning a stored picture upright: what EXIF orientations and display
 * matrices say, as one transform for stills and video frames. */
#ifndef LAVIN_MEDIA_TURN_H
#define LAVIN_MEDIA_TURN_H

#include "media/image.h"

/* The upright pixel (x, y) is the stored one at column u, row v, where
 * (u, v) is (x, y), or (y, x) when swap, then mirrored across the stored
 * columns (flip_u) or rows (flip_v). */
typedef struct lavin_turn {
    int swap, flip_u, flip_v;
} lavin_turn;

/* True when t changes anything. */
int lavin_turn_any(const lavin_turn *t);

/* src (stored, 8-bit RGB) upright into dst, which has the upright size
 * (width and height exchanged when swap). */
void lavin_turn_apply(const lavin_turn *t, const lavin_image *src, lavin_image *dst);

#endif
