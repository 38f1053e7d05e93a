/* Tasks and example pairs, on the host: target decoding (depth, normals,
 * segmentation palettes and labels), output paths, picture geometry for
 * --fit, and the discovery and drawing of pairs. Needs no GPU. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "incontext/frames.h"
#include "tasks/metrics.h"
#include "tasks/pairs.h"
#include "tasks/task.h"

static int passed, failed;

static int check(const char *what, int ok)
{
    passed += ok;
    failed += !ok;
    if (!ok)
        printf("FAIL %s\n", what);
    return ok;
}

static void fill(lavin_image *img, int w, int h, const uint8_t *rgb)
{
    char err[256];
    lavin_image_alloc(img, w, h, 3, 8, err, sizeof(err));
    for (int i = 0; i < w * h; i++)
        memcpy((uint8_t *)img->data + 3 * i, rgb, 3);
}

static void test_sibling(void)
{
    char out[64];
    lavin_task_sibling("dir/out.png", ".preview", out, sizeof(out));
    check("sibling before the extension", !strcmp(out, "dir/out.preview.png"));
    lavin_task_sibling("a.b/out", ".preview", out, sizeof(out));
    check("sibling without an extension", !strcmp(out, "a.b/out.preview"));
    check("sibling too long", lavin_task_sibling("x.png", ".preview", out, 8) < 0);
}

static void test_geometry(void)
{
    lavin_geometry g;
    lavin_geometry_make(45, 37, 32, 32, LAVIN_FIT_STRETCH, &g);
    check("stretch arranges nothing", g.aw == 45 && g.ah == 37 && g.x == 0 && g.y == 0);
    lavin_geometry_make(45, 37, 32, 32, LAVIN_FIT_PAD, &g);
    check("pad a wide picture", g.aw == 45 && g.ah == 45 && g.x == 0 && g.y == 4);
    lavin_geometry_make(37, 45, 64, 32, LAVIN_FIT_PAD, &g);
    check("pad a tall picture to 2:1", g.aw == 90 && g.ah == 45 && g.x == 26 && g.y == 0);
    lavin_geometry_make(45, 37, 32, 32, LAVIN_FIT_CROP, &g);
    check("crop a wide picture", g.aw == 37 && g.ah == 37 && g.x == 4 && g.y == 0);
    lavin_geometry_make(1, 100, 32, 32, LAVIN_FIT_CROP, &g);
    check("crop a 1-pixel-wide picture", g.aw == 1 && g.ah == 1 && g.x == 0 && g.y == 49);
    lavin_geometry_make(64, 32, 64, 32, LAVIN_FIT_PAD, &g);
    check("same aspect arranges nothing", g.aw == 64 && g.ah == 32 && g.x == 0 && g.y == 0);
}

/* Three class colours at 60, 30 and 9.9 % and a sprinkle of rare ones. */
static void test_palette(void)
{
    static const uint8_t cls[3][3] = { { 200, 10, 10 }, { 10, 200, 10 }, { 10, 10, 200 } };
    lavin_image t[2] = { { 0 }, { 0 } };
    char err[256];
    for (int k = 0; k < 2; k++) {
        lavin_image_alloc(&t[k], 100, 10, 3, 8, err, sizeof(err));
        for (int i = 0; i < 1000; i++) {
            uint8_t *p = (uint8_t *)t[k].data + 3 * i;
            int c = i < 600 ? 0 : i < 900 ? 1 : 2;
            memcpy(p, cls[c], 3);
            if (i % 500 == 499)
                p[0] = p[1] = p[2] = (uint8_t)(i / 7);
        }
    }
    lavin_palette pal;
    int ret = lavin_palette_from_targets(t, 2, &pal, err, sizeof(err));
    check("palette: three classes, most common first",
          ret == 0 && pal.n == 3 && !memcmp(pal.rgb[0], cls[0], 3) && !memcmp(pal.rgb[1], cls[1], 3) &&
              !memcmp(pal.rgb[2], cls[2], 3));

    /* Noisy model colours go to the nearest class. */
    lavin_image out = { 0 };
    static const uint8_t noisy[3] = { 30, 170, 40 };
    fill(&out, 3, 2, noisy);
    ret = lavin_segmentation_task.frame(&out, &pal, &t[1], err, sizeof(err));
    check("segmentation preview paints the nearest class", ret == 0 && !memcmp(t[1].data, cls[1], 3));
    lavin_palette none = { 0 };
    lavin_image_free(&t[1]);
    check("segmentation without a palette is refused",
          lavin_segmentation_task.frame(&out, &none, &t[1], err, sizeof(err)) < 0 && strstr(err, "palette"));
    lavin_image_free(&out);
    lavin_image_free(&t[0]);
    lavin_image_free(&t[1]);
}

static void test_normals(void)
{
    /* A tilted normal decoded, renormalised and re-encoded at 8 bits. */
    static const uint8_t tilted[3] = { 200, 90, 220 };
    lavin_image in = { 0 }, out = { 0 };
    char err[256];
    fill(&in, 2, 3, tilted);
    int ret = lavin_normal_task.frame(&in, NULL, &out, err, sizeof(err));
    double v[3], len = 0;
    for (int c = 0; ret == 0 && c < 3; c++) {
        v[c] = ((uint8_t *)out.data)[c] / 255.0 * 2 - 1;
        len += v[c] * v[c];
    }
    check("normals come out unit length", ret == 0 && fabs(sqrt(len) - 1) < 0.01);
    double raw[3] = { 200 / 255.0 * 2 - 1, 90 / 255.0 * 2 - 1, 220 / 255.0 * 2 - 1 };
    double rl = sqrt(raw[0] * raw[0] + raw[1] * raw[1] + raw[2] * raw[2]);
    check("normals keep their direction", ret == 0 && fabs(v[0] - raw[0] / rl) < 0.01 &&
                                              fabs(v[1] - raw[1] / rl) < 0.01 && fabs(v[2] - raw[2] / rl) < 0.01);
    lavin_image_free(&in);
    lavin_image_free(&out);
}

static void test_depth(void)
{
    static const uint8_t grey[3] = { 77, 77, 77 };
    lavin_image in = { 0 }, y = { 0 };
    char err[256];
    fill(&in, 5, 1, grey);
    int ret = lavin_task_luma(&in, 16, &y, err, sizeof(err));
    check("depth keeps a gray level at 16 bits (v * 257)", ret == 0 && ((uint16_t *)y.data)[4] == 77 * 257);
    lavin_image_free(&in);
    lavin_image_free(&y);
}

static void touch(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f)
        fclose(f);
}

static void test_pairs(void)
{
    char dir[] = "/tmp/lavin-pairs-XXXXXX", err[512], path[600];
    if (!check("temp folder", mkdtemp(dir) != NULL))
        return;
    const char *names[] = { "b_x_input.jpg", "b_target.png", "a_input.png", "a_target.PNG", "notes.txt",
                            "c_input.png" };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        touch(dir, names[i]);
    lavin_pairs p;
    int ret = lavin_pairs_scan(dir, LAVIN_PAIRS_IMAGES, &p, err, sizeof(err));
    check("an unmatched input is named", ret < 0 && strstr(err, "c_input.png") && strstr(err, "no target"));
    snprintf(path, sizeof(path), "%s/c_input.png", dir);
    unlink(path);
    ret = lavin_pairs_scan(dir, LAVIN_PAIRS_IMAGES, &p, err, sizeof(err));
    check("two pairs, by name", ret == 0 && p.n == 2 && !strcmp(p.v[0].name, "a") && !strcmp(p.v[1].name, "b") &&
                                    strstr(p.v[1].input, "b_x_input.jpg"));
    int idx[64], idx2[64];
    if (ret == 0) {
        int n = lavin_pairs_choose(&p, 64, 7, idx), in_range = n == 64, both = 0;
        lavin_pairs_choose(&p, 64, 7, idx2);
        for (int i = 0; i < 64; i++) {
            in_range &= idx[i] >= 0 && idx[i] < 2 && idx[i] == idx2[i];
            both |= 1 << idx[i];
        }
        check("draws are in range, repeatable and use both pairs", in_range && both == 3);
        check("--pairs all takes each once in order",
              lavin_pairs_choose(&p, 0, 7, idx) == 2 && idx[0] == 0 && idx[1] == 1);
        lavin_pairs_free(&p);
    }
    ret = lavin_pairs_scan(dir, LAVIN_PAIRS_CLIPS, &p, err, sizeof(err));
    check("no clip pairs in a folder of pictures", ret < 0 && strstr(err, "no NAME_input/NAME_target"));
    touch(dir, "a_more_input.png");
    ret = lavin_pairs_scan(dir, LAVIN_PAIRS_IMAGES, &p, err, sizeof(err));
    check("a pair named twice", ret < 0 && strstr(err, "two input files"));
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        unlink(path);
    }
    snprintf(path, sizeof(path), "%s/a_more_input.png", dir);
    unlink(path);
    rmdir(dir);
    check("a missing folder", lavin_pairs_dir("/nonexistent/ctx/", NULL, path, sizeof(path), err, sizeof(err)) < 0 &&
                                  strstr(err, "/nonexistent/ctx/"));
    check("an unknown bundled name", lavin_pairs_dir("no-such-task", NULL, path, sizeof(path), err, sizeof(err)) < 0 &&
                                         strstr(err, "no-such-task"));
}

static void test_metrics(void)
{
    enum { W = 24, H = 16 };
    char err[256];
    lavin_image a = { 0 }, b = { 0 };
    float depth[W * H];
    lavin_image_alloc(&a, W, H, 3, 8, err, sizeof(err));
    lavin_image_alloc(&b, W, H, 3, 8, err, sizeof(err));
    uint8_t *pa = a.data, *pb = b.data;

    /* Depth: a prediction that is any scale and shift of the true inverse
     * depth scores (almost) 0; a flat one does not. The top rows are sky. */
    for (int i = 0; i < W * H; i++) {
        depth[i] = i < 2 * W ? INFINITY : 2.0f + (float)(i % W) * 0.25f + (float)(i / W) * 0.1f;
        memset(pa + 3 * i, i < 2 * W ? 0 : (int)(40 + 400.0 / depth[i]), 3);
        memset(pb + 3 * i, 128, 3);
    }
    double good = lavin_metric_depth_absrel(&a, depth), flat = lavin_metric_depth_absrel(&b, depth);
    check("depth AbsRel of an aligned prediction is small", good < 0.01);
    check("depth AbsRel of a flat prediction is not", flat > 0.1 && flat < 1);

    /* Normals: sky pixels are skipped; facing +z vs facing +x is 90 degrees. */
    for (int i = 0; i < W * H; i++) {
        const uint8_t sky[3] = { 128, 128, 255 }, front[3] = { 128, 128, 255 }, side[3] = { 255, 128, 128 };
        memcpy(pb + 3 * i, i < W ? sky : side, 3);
        memcpy(pa + 3 * i, i < W ? side : front, 3);
    }
    check("normals 90 degrees apart", fabs(lavin_metric_normal_degrees(&a, &b) - 90.0) < 0.5);
    check("normals agree with themselves", lavin_metric_normal_degrees(&b, &b) < 1e-6);

    /* Segmentation: two classes; the prediction gets the left half of class 1 wrong. */
    lavin_palette pal = { 2, { { 255, 0, 0 }, { 0, 0, 255 } } };
    for (int i = 0; i < W * H; i++) {
        int x = i % W, cls = x >= W / 2;
        memcpy(pb + 3 * i, pal.rgb[cls], 3);
        memcpy(pa + 3 * i, pal.rgb[x >= W / 4], 3);
    }
    /* class 0: inter W/4, union W/2; class 1: inter W/2, union 3W/4. */
    check("mIoU", fabs(lavin_metric_miou(&a, &b, &pal) - (0.5 + 2.0 / 3.0) / 2) < 1e-9);
    check("mIoU of the truth is 1", lavin_metric_miou(&b, &b, &pal) == 1.0);

    /* Edges: a vertical line, predicted one pixel off. */
    for (int i = 0; i < W * H; i++) {
        memset(pb + 3 * i, i % W == 10 ? 255 : 0, 3);
        memset(pa + 3 * i, i % W == 11 ? 255 : 0, 3);
    }
    check("edge F1 within tolerance", lavin_metric_edge_f1(&a, &b, 2) == 1.0);
    check("edge F1 without tolerance", lavin_metric_edge_f1(&a, &b, 0) == 0.0);
    memset(pa, 0, (size_t)W * H * 3);
    check("no predicted edges scores 0", lavin_metric_edge_f1(&a, &b, 2) == 0.0);
    lavin_image_free(&a);
    lavin_image_free(&b);
}

int main(void)
{
    test_metrics();
    test_sibling();
    test_geometry();
    test_palette();
    test_normals();
    test_depth();
    test_pairs();
    printf("tasks: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}
