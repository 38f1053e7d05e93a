#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tasks/metrics.h"

static double luma(const uint8_t *p)
{
    return 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
}

static const uint8_t *px(const lavin_image *img, size_t i)
{
    return (const uint8_t *)img->data + 3 * i;
}

double lavin_metric_depth_absrel(const lavin_image *pred, const float *depth)
{
    size_t n = (size_t)pred->width * pred->height, count = 0;
    double sp = 0, sq = 0, spp = 0, spq = 0, qmin = INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (!(depth[i] > 0) || !isfinite(depth[i]))
            continue;
        double p = luma(px(pred, i)) / 255.0, q = 1.0 / depth[i];
        sp += p;
        sq += q;
        spp += p * p;
        spq += p * q;
        qmin = q < qmin ? q : qmin;
        count++;
    }
    if (!count)
        return NAN;
    double det = count * spp - sp * sp;
    double s = det > 1e-12 ? (count * spq - sp * sq) / det : 0.0;
    double t = (sq - s * sp) / count;
    double err = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(depth[i] > 0) || !isfinite(depth[i]))
            continue;
        double a = s * luma(px(pred, i)) / 255.0 + t;
        a = a > 0.1 * qmin ? a : 0.1 * qmin;
        err += fabs(1.0 / a - depth[i]) / depth[i];
    }
    return err / count;
}

static void normal(const uint8_t *p, double *v)
{
    double len = 0;
    for (int c = 0; c < 3; c++) {
        v[c] = p[c] / 255.0 * 2 - 1;
        len += v[c] * v[c];
    }
    len = sqrt(len);
    for (int c = 0; c < 3; c++)
        v[c] = len > 1e-9 ? v[c] / len : c == 2;
}

double lavin_metric_normal_degrees(const lavin_image *pred, const lavin_image *truth)
{
    size_t n = (size_t)pred->width * pred->height, count = 0;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *t = px(truth, i);
        if (t[0] == 128 && t[1] == 128 && t[2] == 255)
            continue;
        double a[3], b[3];
        normal(px(pred, i), a);
        normal(t, b);
        double dot = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
        sum += acos(dot > 1 ? 1 : dot < -1 ? -1 : dot) * 180.0 / M_PI;
        count++;
    }
    return count ? sum / count : NAN;
}

double lavin_metric_miou(const lavin_image *pred, const lavin_image *truth, const lavin_palette *pal)
{
    size_t n = (size_t)pred->width * pred->height;
    double inter[LAVIN_PALETTE_MAX] = { 0 }, uni[LAVIN_PALETTE_MAX] = { 0 };
    for (size_t i = 0; i < n; i++) {
        int a = lavin_palette_nearest(pal, px(pred, i)), b = lavin_palette_nearest(pal, px(truth, i));
        uni[a]++;
        if (a == b)
            inter[a]++;
        else
            uni[b]++;
    }
    double sum = 0;
    int classes = 0;
    for (int c = 0; c < pal->n; c++)
        if (uni[c] > 0) {
            sum += inter[c] / uni[c];
            classes++;
        }
    return classes ? sum / classes : NAN;
}

/* Whether an edge of img lies within radius of pixel (x, y). */
static int near_edge(const uint8_t *edge, int w, int h, int x, int y, int radius)
{
    for (int dy = -radius; dy <= radius; dy++)
        for (int dx = -radius; dx <= radius; dx++) {
            int xx = x + dx, yy = y + dy;
            if (xx >= 0 && yy >= 0 && xx < w && yy < h && edge[(size_t)yy * w + xx])
                return 1;
        }
    return 0;
}

double lavin_metric_edge_f1(const lavin_image *pred, const lavin_image *truth, int radius)
{
    int w = pred->width, h = pred->height;
    size_t n = (size_t)w * h;
    uint8_t *ep = malloc(2 * n);
    if (!ep)
        return NAN;
    uint8_t *et = ep + n;
    size_t np = 0, nt = 0, hit_p = 0, hit_t = 0;
    for (size_t i = 0; i < n; i++) {
        np += ep[i] = luma(px(pred, i)) >= 128;
        nt += et[i] = luma(px(truth, i)) >= 128;
    }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            hit_p += ep[i] && near_edge(et, w, h, x, y, radius);
            hit_t += et[i] && near_edge(ep, w, h, x, y, radius);
        }
    free(ep);
    if (!np && !nt)
        return 1.0;
    if (!np || !nt)
        return 0.0;
    double p = (double)hit_p / np, r = (double)hit_t / nt;
    return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
}
