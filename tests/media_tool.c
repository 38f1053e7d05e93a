/* What the shell tests need to look into pictures and videos without any
 * other tool:
 *   media_tool diff A B MAXDIFF MAXSHARE   same size, every sample within
 *       MAXDIFF and at most MAXSHARE of them differing at all
 *   media_tool probe VIDEO                 "FRAMES WxH NUM/DEN audio|none"
 *   media_tool size PICTURE                "WxH" */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/image.h"
#include "media/video.h"

static int diff(const char *a, const char *b, int maxdiff, double maxshare)
{
    char err[512];
    lavin_image x = { 0 }, y = { 0 };
    int ret = lavin_image_read(a, &x, err, sizeof(err));
    if (ret >= 0)
        ret = lavin_image_read(b, &y, err, sizeof(err));
    if (ret < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    size_t n = (size_t)x.width * x.height * 3, differ = 0;
    int worst = 0;
    if (x.width != y.width || x.height != y.height) {
        printf("sizes differ: %dx%d vs %dx%d\n", x.width, x.height, y.width, y.height);
        ret = -1;
    }
    for (size_t i = 0; ret >= 0 && i < n; i++) {
        int d = abs(((uint8_t *)x.data)[i] - ((uint8_t *)y.data)[i]);
        worst = d > worst ? d : worst;
        differ += d > 0;
    }
    if (ret >= 0)
        printf("max difference %d, %zu of %zu samples differ (%.4f%%)\n", worst, differ, n, 100.0 * differ / n);
    lavin_image_free(&x);
    lavin_image_free(&y);
    return ret < 0 || worst > maxdiff || differ > maxshare * n;
}

static int probe(const char *path)
{
    char err[512];
    lavin_video_reader *r = NULL;
    lavin_video_info info;
    lavin_image f = { 0 };
    if (lavin_video_open(path, &r, &info, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    int frames = 0, ret;
    while ((ret = lavin_video_read(r, &f, err, sizeof(err))) > 0)
        frames++;
    printf("%d %dx%d %d/%d %s\n", frames, info.width, info.height, info.fps_num, info.fps_den,
           info.has_audio ? "audio" : "none");
    lavin_image_free(&f);
    lavin_video_close(&r);
    if (ret < 0)
        fprintf(stderr, "%s\n", err);
    return ret < 0;
}

static int size(const char *path)
{
    char err[512];
    lavin_image x = { 0 };
    if (lavin_image_read(path, &x, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    printf("%dx%d\n", x.width, x.height);
    lavin_image_free(&x);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "size"))
        return size(argv[2]);
    if (argc == 6 && !strcmp(argv[1], "diff"))
        return diff(argv[2], argv[3], atoi(argv[4]), atof(argv[5]));
    if (argc == 3 && !strcmp(argv[1], "probe"))
        return probe(argv[2]);
    fprintf(stderr, "usage: media_tool diff A B MAXDIFF MAXSHARE | probe VIDEO | size PICTURE\n");
    return 2;
}
