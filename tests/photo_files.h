/* Test pictures written the way cameras and phones write them, made by
 * the tests themselves with FFmpeg's encoders: a JPEG or WebP whose
 * stored pixels are turned by an EXIF orientation tag. */
#ifndef LAVIN_TESTS_PHOTO_FILES_H
#define LAVIN_TESTS_PHOTO_FILES_H

#include <stddef.h>

#include "media/image.h"

/* Colours of the three marked corners of photo_pattern(): the stored
 * picture's top left, top right and bottom left. */
extern const unsigned char photo_marks[3][3];

/* A gray gradient with a coloured square in three corners (side: a sixth
 * of the shorter side, at least 1). img is allocated, 8-bit RGB. */
int photo_pattern(lavin_image *img, int width, int height);

/* An EXIF segment's TIFF body: IFD0 holding only tag 0x0112 (orientation)
 * = orientation, little- or big-endian. Returns its size (26 bytes). */
size_t photo_exif_tiff(unsigned char *out, int orientation, int big_endian);

/* A baseline JPEG (4:2:0, quality scale 2) of an 8-bit RGB picture, with an
 * EXIF APP1 segment right after SOI when orientation > 0. Returns 0, or -1
 * with a line in err. */
int photo_write_jpeg(const char *path, const lavin_image *rgb, int orientation, int big_endian, char *err,
                     size_t err_size);

/* A lossless WebP in the extended layout (VP8X, the image, then an EXIF
 * chunk of orientation). Returns 0, 1 when this FFmpeg has no WebP encoder,
 * or -1 with a line in err. */
int photo_write_webp(const char *path, const lavin_image *rgb, int orientation, char *err, size_t err_size);

#endif
