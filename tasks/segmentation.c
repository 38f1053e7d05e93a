/* Segmentation: targets paint each class in one colour. The palette is read
 * from the context's own targets, so a user's context with other classes
 * works as well as the bundled one; labels are palette indices, most common
 * colour first. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "tasks/task.h"

#define TABLE_BITS 16
#define MIN_SHARE 0.002

typedef struct {
    uint32_t key; /* rgb + 1; 0 = empty */
    uint32_t count;
} slot;

static void count(slot *table, const uint8_t *p)
{
    uint32_t key = ((uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2]) + 1;
    uint32_t h = (key * 2654435761u) >> (32 - TABLE_BITS);
    /* Bounded probing: once a neighbourhood is full, rare colours are dropped. */
    for (int i = 0; i < 64; i++, h = (h + 1) & ((1u << TABLE_BITS) - 1)) {
        if (table[h].key == key || !table[h].key) {
            table[h].key = key;
            table[h].count++;
            return;
        }
    }
}

static int by_count(const void *a, const void *b)
{
    const slot *x = a, *y = b;
    return x->count != y->count ? (x->count < y->count) - (x->count > y->count) : (x->key > y->key) - (x->key < y->key);
}

int lavin_palette_from_targets(const lavin_image *targets, int n, lavin_palette *pal, char *err, size_t en)
{
    slot *table = calloc((size_t)1 << TABLE_BITS, sizeof(*table));
    if (!table)
        return lavin_err_buf(err, en, LAVIN_ENOMEM, "out of host memory");
    double total = 0;
    for (int i = 0; i < n; i++) {
        size_t px = (size_t)targets[i].width * (size_t)targets[i].height;
        for (size_t k = 0; k < px; k++)
            count(table, (const uint8_t *)targets[i].data + 3 * k);
        total += (double)px;
    }
    qsort(table, (size_t)1 << TABLE_BITS, sizeof(*table), by_count);
    pal->n = 0;
    for (size_t i = 0; i < (size_t)1 << TABLE_BITS && pal->n < LAVIN_PALETTE_MAX; i++) {
        if (!table[i].key || table[i].count < MIN_SHARE * total)
            break;
        uint32_t rgb = table[i].key - 1;
        pal->rgb[pal->n][0] = (uint8_t)(rgb >> 16);
        pal->rgb[pal->n][1] = (uint8_t)(rgb >> 8);
        pal->rgb[pal->n][2] = (uint8_t)rgb;
        pal->n++;
    }
    free(table);
    return 0;
}

int lavin_palette_nearest(const lavin_palette *pal, const uint8_t *p)
{
    int best = 0;
    long best_d = -1;
    for (int i = 0; i < pal->n; i++) {
        long d = 0;
        for (int c = 0; c < 3; c++)
            d += (long)(p[c] - pal->rgb[i][c]) * (p[c] - pal->rgb[i][c]);
        if (best_d < 0 || d < best_d) {
            best = i;
            best_d = d;
        }
    }
    return best;
}

static int labels(const lavin_image *rgb, const lavin_palette *pal, lavin_image *out, char *err, size_t n)
{
    if (!pal || pal->n == 0)
        return lavin_err_buf(err, n, LAVIN_EINVAL, "segmentation: the context's targets have no palette colours "
                             "(each class must be painted in one exact colour)");
    LAVIN_TRY(lavin_image_alloc(out, rgb->width, rgb->height, 1, 8, err, n));
    for (size_t i = 0; i < (size_t)rgb->width * (size_t)rgb->height; i++)
        ((uint8_t *)out->data)[i] = (uint8_t)lavin_palette_nearest(pal, (const uint8_t *)rgb->data + 3 * i);
    return 0;
}

static int preview(const lavin_image *rgb, const lavin_palette *pal, lavin_image *out, char *err, size_t n)
{
    lavin_image lab = { 0 };
    int ret = labels(rgb, pal, &lab, err, n);
    if (ret >= 0)
        ret = lavin_image_alloc(out, rgb->width, rgb->height, 3, 8, err, n);
    for (size_t i = 0; ret >= 0 && i < (size_t)rgb->width * (size_t)rgb->height; i++)
        memcpy((uint8_t *)out->data + 3 * i, pal->rgb[((uint8_t *)lab.data)[i]], 3);
    lavin_image_free(&lab);
    return ret;
}

static int write(const lavin_image *rgb, const lavin_palette *pal, const char *path, char *err, size_t n)
{
    lavin_image lab = { 0 };
    LAVIN_TRY(labels(rgb, pal, &lab, err, n));
    return lavin_task_write_pair(&lab, preview, rgb, pal, path, err, n);
}

const lavin_task lavin_segmentation_task = {
    "segmentation", "semantic labels: 8-bit PNG of palette indices (the context's target colours, most common "
    "first) and a coloured preview", write, preview, LAVIN_ANSWER_LABELS,
};
