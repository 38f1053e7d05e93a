/* lavin_answers_align() against a least-squares fit computed here: clips of
 * depth answers put on the scale of the clip before on the shared frames,
 * easing back to their own by the last, on awkward sizes; a fit without a
 * positive scale only shifts; clamping keeps values in [0, 1] and equal to
 * the picture's luma; answers of absolute tasks are untouched; bad counts
 * and mismatched answers are refused. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api_test.h"

enum { W = 13, H = 7, PX = W * H };

static double luma(const uint8_t *p)
{
    return 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
}

/* A gray answer of kind k whose pixel i is round(255 * f(i)), values as
 * lavin decodes them (luma / 255). */
static void gray_answer(lavin_answer *a, enum lavin_answer_kind k, const double *v)
{
    *a = (lavin_answer){ .task = k == LAVIN_ANSWER_DEPTH ? "depth" : "edges", .kind = k, .width = W, .height = H,
                         .channels = 1 };
    a->values = malloc(PX * sizeof(float));
    a->picture = (lavin_picture){ W, H, 3, 8, 3 * W, malloc(3 * PX) };
    uint8_t *rgb = a->picture.data;
    for (int i = 0; i < PX; i++) {
        double c = v[i] < 0 ? 0 : v[i] > 1 ? 1 : v[i];
        memset(rgb + 3 * i, (int)lround(c * 255), 3);
        a->values[i] = (float)(luma(rgb + 3 * i) / 255.0);
    }
}

/* The answer is x's gray picture, unchanged. */
static int values_equal(const lavin_answer *a, const double *x)
{
    const uint8_t *rgb = a->picture.data;
    for (int i = 0; i < 3 * PX; i++)
        if (rgb[i] != lround(x[i / 3] * 255))
            return 0;
    return 1;
}

static int values_match_picture(const lavin_answer *a)
{
    const uint8_t *rgb = a->picture.data;
    for (int i = 0; i < PX; i++)
        if (fabs(a->values[i] - luma(rgb + 3 * i) / 255.0) > 1e-6 || a->values[i] < 0 || a->values[i] > 1)
            return 0;
    return 1;
}

/* n clips' worth of frames: x[f][i] in (0.15, 0.85), uneven. */
static void frames(double x[][PX], int n, unsigned seed)
{
    for (int f = 0; f < n; f++)
        for (int i = 0; i < PX; i++) {
            seed = seed * 1103515245u + 12345u;
            x[f][i] = 0.15 + 0.7 * (double)((seed >> 8) % 10007) / 10007.0;
        }
}

static void free_all(lavin_answer *a, int n)
{
    for (int i = 0; i < n; i++)
        lavin_answer_free(&a[i]);
}

void test_align(api_test *t)
{
    enum { N = 5, M = 2 };
    double x[N][PX], y[N][PX];
    lavin_answer a[N], ref[M];
    frames(x, N, 7);
    /* The earlier clip saw the shared frames on another scale: y = 0.55 x + 0.3. */
    for (int f = 0; f < N; f++)
        for (int i = 0; i < PX; i++)
            y[f][i] = 0.55 * x[f][i] + 0.3;
    for (int f = 0; f < N; f++)
        gray_answer(&a[f], LAVIN_ANSWER_DEPTH, x[f]);
    for (int f = 0; f < M; f++)
        gray_answer(&ref[f], LAVIN_ANSWER_DEPTH, y[f]);
    /* The expected answer: the fit over the shared frames' decoded values. */
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int f = 0; f < M; f++)
        for (int i = 0; i < PX; i++) {
            double u = a[f].values[i], v = ref[f].values[i];
            sx += u, sy += v, sxx += u * u, sxy += u * v;
        }
    double c = (double)M * PX, s = (sxy / c - sx / c * sy / c) / (sxx / c - sx / c * sx / c), sh = sy / c - s * sx / c;
    double worst = 0;
    int ret = lavin_answers_align(t->ctx, a, N, ref, M), consistent = 1;
    for (int f = 0; f < N; f++) {
        double w = f < M ? 0 : (double)(f - M + 1) / (N - M), sf = s + (1 - s) * w, tf = sh * (1 - w);
        consistent &= values_match_picture(&a[f]);
        for (int i = 0; i < PX; i++)
            worst = fmax(worst, fabs(a[f].values[i] - (sf * round(x[f][i] * 255) / 255 + tf)));
    }
    check(t, ret == 0 && fabs(s - 0.55) < 0.01 && worst <= 0.5 / 255 + 1e-6,
          "align: depth clips on the earlier clip's scale, easing back, 13x7", "scale %.4f, worst %.5f", s, worst);
    check(t, values_equal(&a[N - 1], x[N - 1]), "align: the last answer keeps its own scale", NULL);
    check(t, consistent, "align: values stay the picture's luma / 255, in [0, 1]", NULL);
    free_all(a, N);

    /* Shifted past 1: clamped. An inverted fit shifts only. */
    for (int f = 0; f < N; f++)
        gray_answer(&a[f], LAVIN_ANSWER_DEPTH, x[f]);
    for (int i = 0; i < PX; i++)
        y[0][i] = 1.2 - x[0][i];
    lavin_answer_free(&ref[0]);
    gray_answer(&ref[0], LAVIN_ANSWER_DEPTH, y[0]);
    double mean_a = 0, mean_r = 0;
    for (int i = 0; i < PX; i++)
        mean_a += a[0].values[i] / PX, mean_r += ref[0].values[i] / PX;
    uint8_t before[3 * PX];
    memcpy(before, a[3].picture.data, sizeof(before));
    ret = lavin_answers_align(t->ctx, a, N, ref, 1);
    worst = 0;
    for (int i = 0; i < 3 * PX; i++) {
        double want = fmin(255, fmax(0, before[i] + 255 * (mean_r - mean_a) / 4)); /* a[3]: 3/4 of the way back */
        worst = fmax(worst, fabs(((uint8_t *)a[3].picture.data)[i] - want));
    }
    check(t, ret == 0 && worst <= 0.5 + 1e-9 && values_match_picture(&a[3]),
          "align: an inverted fit shifts only, by the means' difference", "worst %.3f of 255", worst);
    free_all(a, N);

    /* Absolute answers are left as they are; nothing shared changes nothing. */
    gray_answer(&a[0], LAVIN_ANSWER_EDGES, x[0]);
    gray_answer(&a[1], LAVIN_ANSWER_EDGES, y[1]);
    memcpy(before, a[0].picture.data, sizeof(before));
    ret = lavin_answers_align(t->ctx, a, 1, &a[1], 1);
    check(t, ret == 0 && !memcmp(before, a[0].picture.data, sizeof(before)), "align: edges are absolute, untouched",
          NULL);
    free_all(a, 2);
    gray_answer(&a[0], LAVIN_ANSWER_DEPTH, x[0]);
    memcpy(before, a[0].picture.data, sizeof(before));
    ret = lavin_answers_align(t->ctx, a, 1, NULL, 0);
    check(t, ret == 0 && !memcmp(before, a[0].picture.data, sizeof(before)), "align: no shared frame, no change",
          NULL);

    /* Refused: more shared than answers, another kind, another size. */
    check(t, lavin_answers_align(t->ctx, a, 1, ref, 2) == LAVIN_EINVAL && strstr(lavin_context_error(t->ctx), "2"),
          "align: 2 shared of 1 answer refused", "%s", lavin_context_error(t->ctx));
    gray_answer(&a[1], LAVIN_ANSWER_EDGES, x[1]);
    check(t, lavin_answers_align(t->ctx, a, 1, &a[1], 1) == LAVIN_EINVAL, "align: answers of two kinds refused", "%s",
          lavin_context_error(t->ctx));
    a[1].kind = LAVIN_ANSWER_DEPTH;
    a[1].width = 7;
    a[1].height = 13;
    check(t, lavin_answers_align(t->ctx, a, 1, &a[1], 1) == LAVIN_EINVAL, "align: answers of two sizes refused", "%s",
          lavin_context_error(t->ctx));
    free_all(a, 2);
    free_all(ref, M);
}
