/* Still images through FFmpeg: any format it decodes comes in as RGB 8-bit,
 * upright; PNG or TIFF goes out, 8- or 16-bit, gray or RGB. */
#ifndef LAVIN_MEDIA_IMAGE_H
#define LAVIN_MEDIA_IMAGE_H

#include <stddef.h>

#include "lavin/context.h"

/* Keeps every size computation well inside int and size_t. */
#define LAVIN_IMAGE_MAX_SIDE 65536

typedef struct lavin_image {
    int width, height;
    int channels;  /* 1 (gray) or 3 (RGB), interleaved */
    int depth;     /* 8 or 16 bits per sample; 16-bit samples are uint16_t in host order */
    void *data;    /* width * height * channels samples, rows packed, top row first */
} lavin_image;

/* Zero-filled samples. img is overwritten, not freed first. */
int lavin_image_alloc(lavin_image *img, int width, int height, int channels, int depth, char *err,
                      size_t err_size);
/* Safe on a zeroed or freed image. */
void lavin_image_free(lavin_image *img);
/* Any still-image format FFmpeg decodes (PNG incl. 16-bit/gray/alpha/palette,
 * JPEG, WebP, BMP...) as RGB 8-bit, alpha dropped. Packed gray/RGB sources
 * (with or without alpha, palette) are converted here exactly: 16-bit samples
 * become round(v * 255 / 65535); YUV and other formats go through swscale
 * (BT.601 unless the file says otherwise). A picture with an EXIF
 * orientation (JPEG, WebP) is turned upright, as viewers show it: 6 (a
 * quarter turn clockwise) makes a stored 160x96 picture 96x160. On failure
 * img is zeroed. */
int lavin_image_read(const char *path, lavin_image *img, char *err, size_t err_size);
/* 0 when the name says a format pictures are written in: .png or .tif/.tiff
 * (any case), else LAVIN_EINVAL with a line naming the file and the formats. */
int lavin_image_format_check(const char *path, char *err, size_t err_size);
/* 8- or 16-bit, gray or RGB, as img says, in the format the name says
 * (lavin_image_format_check); temp file in the same folder + rename, so a
 * failed write leaves nothing behind. */
int lavin_image_write(const char *path, const lavin_image *img, char *err, size_t err_size);

/* Files that appear together or not at all: each is staged (encoded and
 * written to a temporary file beside path, *tmp naming it), then all are
 * committed (renamed into place) or discarded. A failed commit removes its
 * temporary file; discard is safe on a NULL *tmp. */
int lavin_image_stage(const char *path, const lavin_image *img, char **tmp, char *err, size_t err_size);
int lavin_image_commit(char **tmp, const char *path, char *err, size_t err_size);
void lavin_image_discard(char **tmp);
/* The same as PNG, whatever the name. */
int lavin_image_write_png(const char *path, const lavin_image *img, char *err, size_t err_size);

#endif
