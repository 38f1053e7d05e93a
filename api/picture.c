#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/error.h"

void lavin_picture_free(lavin_picture *pic)
{
    if (!pic)
        return;
    free(pic->data);
    memset(pic, 0, sizeof(*pic));
}

static uint8_t sample8(const uint8_t *row, int x, int c, int channels, int depth)
{
    if (depth == 8)
        return row[x * channels + c];
    uint16_t v;
    memcpy(&v, row + 2 * (x * channels + c), 2);
    return (uint8_t)((v * 255u + 32767u) / 65535u);
}

int lavin_api_image_in(lavin_context *ctx, const lavin_picture *pic, const char *what, lavin_image *out)
{
    memset(out, 0, sizeof(*out));
    if (!pic || !pic->data || pic->width <= 0 || pic->height <= 0 || pic->channels < 1 || pic->channels > 4 ||
        pic->channels == 2 || (pic->depth != 8 && pic->depth != 16) ||
        pic->stride < (ptrdiff_t)pic->width * pic->channels * (pic->depth / 8))
        return lavin_err(ctx, LAVIN_EINVAL, "%s: not a picture (%dx%d, %d channels, %d bits, stride %td)", what,
                         pic ? pic->width : 0, pic ? pic->height : 0, pic ? pic->channels : 0, pic ? pic->depth : 0,
                         pic ? pic->stride : 0);
    char err[256];
    if (lavin_image_alloc(out, pic->width, pic->height, 3, 8, err, sizeof(err)) < 0)
        return lavin_err(ctx, LAVIN_EINVAL, "%s: %s", what, err);
    uint8_t *dst = out->data;
    for (int y = 0; y < pic->height; y++) {
        const uint8_t *row = (const uint8_t *)pic->data + (ptrdiff_t)y * pic->stride;
        for (int x = 0; x < pic->width; x++, dst += 3)
            for (int c = 0; c < 3; c++)
                dst[c] = sample8(row, x, pic->channels < 3 ? 0 : c, pic->channels, pic->depth);
    }
    return 0;
}

int lavin_api_image_use(lavin_context *ctx, const lavin_picture *pic, const char *what, lavin_image *out, int *view)
{
    *view = pic && pic->data && pic->channels == 3 && pic->depth == 8 && pic->width > 0 && pic->height > 0 &&
            pic->width <= LAVIN_IMAGE_MAX_SIDE && pic->height <= LAVIN_IMAGE_MAX_SIDE &&
            pic->stride == (ptrdiff_t)pic->width * 3;
    if (!*view)
        return lavin_api_image_in(ctx, pic, what, out);
    *out = (lavin_image){ pic->width, pic->height, 3, 8, pic->data };
    return 0;
}

void lavin_api_picture_out(lavin_image *img, lavin_picture *out)
{
    *out = (lavin_picture){ img->width, img->height, img->channels, img->depth,
                            (ptrdiff_t)img->width * img->channels * (img->depth / 8), img->data };
    memset(img, 0, sizeof(*img));
}

int lavin_api_image_view(lavin_context *ctx, const lavin_picture *pic, lavin_image *view)
{
    if (!pic->data || pic->channels != 3 || pic->depth != 8 || pic->stride != (ptrdiff_t)pic->width * 3)
        return lavin_err(ctx, LAVIN_EINVAL, "expected a packed 8-bit RGB picture");
    *view = (lavin_image){ pic->width, pic->height, 3, 8, pic->data };
    return 0;
}
