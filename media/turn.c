#include <string.h>

#include "media/turn.h"

int lavin_turn_any(const lavin_turn *t)
{
    return t->swap || t->flip_u || t->flip_v;
}

void lavin_turn_apply(const lavin_turn *t, const lavin_image *src, lavin_image *dst)
{
    /* In tiles, so that a turn's reads down the stored columns stay in cache. */
    enum { TILE = 64 };
    const uint8_t *s = src->data;
    uint8_t *d = dst->data;
    int sw = src->width, sh = src->height, w = dst->width, h = dst->height;
    for (int ty = 0; ty < h; ty += TILE)
        for (int tx = 0; tx < w; tx += TILE)
            for (int y = ty; y < h && y < ty + TILE; y++)
                for (int x = tx; x < w && x < tx + TILE; x++) {
                    int u = t->swap ? y : x, v = t->swap ? x : y;
                    u = t->flip_u ? sw - 1 - u : u;
                    v = t->flip_v ? sh - 1 - v : v;
                    memcpy(d + ((size_t)y * (size_t)w + (size_t)x) * 3, s + ((size_t)v * (size_t)sw + (size_t)u) * 3,
                           3);
                }
}
