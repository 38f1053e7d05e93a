/* Still images through FFmpeg: any format it decodes comes in as RGB 8-bit;
 * PNG goes out, 8- or 16-bit, gray or RGB. */
#ifndef LAVIN_MEDIA_IMAGE_H
#define LAVIN_MEDIA_IMAGE_H

#include <stddef.h>

#include "lavin/context.h"

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
 * (BT.601 unless the file says otherwise). On failure img is zeroed. */
int lavin_image_read(const char *path, lavin_image *img, char *err, size_t err_size);
/* PNG, 8- or 16-bit, gray or RGB, as img says; temp file in the same folder
 * + rename, so a failed write leaves nothing behind. */
int lavin_image_write_png(const char *path, const lavin_image *img, char *err, size_t err_size);

#endif
