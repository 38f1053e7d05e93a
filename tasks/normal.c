/* Surface normals: targets encode camera-space unit normals (x right, y up,
 * z toward the viewer) as RGB = (n / 2 + 0.5) * 255. The model's colours are
 * decoded, renormalised to unit length and written at 16 bits. */
#include <math.h>

#include "core/error.h"
#include "tasks/task.h"

void lavin_normal_unit(const uint8_t *rgb, double *v)
{
    double len = 0;
    for (int c = 0; c < 3; c++) {
        v[c] = rgb[c] / 255.0 * 2.0 - 1.0;
        len += v[c] * v[c];
    }
    len = sqrt(len);
    for (int c = 0; c < 3; c++)
        v[c] = len > 1e-6 ? v[c] / len : c == 2;
}

static int decode(const lavin_image *rgb, int depth, lavin_image *out, char *err, size_t n)
{
    LAVIN_TRY(lavin_image_alloc(out, rgb->width, rgb->height, 3, depth, err, n));
    double max = depth == 16 ? 65535.0 : 255.0, v[3];
    for (size_t i = 0; i < (size_t)rgb->width * (size_t)rgb->height; i++) {
        lavin_normal_unit((const uint8_t *)rgb->data + 3 * i, v);
        for (int c = 0; c < 3; c++) {
            double q = floor((v[c] * 0.5 + 0.5) * max + 0.5);
            if (depth == 16)
                ((uint16_t *)out->data)[3 * i + c] = (uint16_t)q;
            else
                ((uint8_t *)out->data)[3 * i + c] = (uint8_t)q;
        }
    }
    return 0;
}

static int frame(const lavin_image *rgb, const lavin_palette *pal, lavin_image *out, char *err, size_t n)
{
    (void)pal;
    return decode(rgb, 8, out, err, n);
}

static int write(const lavin_image *rgb, const lavin_palette *pal, const char *path, char *err, size_t n)
{
    (void)pal;
    lavin_image img = { 0 };
    int ret = decode(rgb, 16, &img, err, n);
    if (ret >= 0)
        ret = lavin_image_write(path, &img, err, n);
    lavin_image_free(&img);
    return ret;
}

const lavin_task lavin_normal_task = {
    "normal", "surface normals: 16-bit RGB PNG of unit camera-space normals, (n / 2 + 0.5) * 65535", write, frame,
    LAVIN_ANSWER_NORMAL,
};
