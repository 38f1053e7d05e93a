#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "media/container.h"
#include "media/video.h"

static const lavin_container containers[] = {
    { ".mp4", "mp4", "MP4", { "libx264", "mpeg4" }, { "aac", NULL }, "mov_text" },
    { ".mov", "mov", "MOV", { "libx264", "mpeg4" }, { "aac", NULL }, "mov_text" },
    { ".mkv", "matroska", "MKV", { "libx264", "mpeg4" }, { "aac", NULL }, "subrip" },
    { ".webm", "webm", "WebM", { "libvpx-vp9", "libvpx" }, { "libopus", "libvorbis" }, "webvtt" },
};

int lavin_container_for(const char *path, const char *encoder, const lavin_container **c, const AVCodec **video,
                        char *err, size_t err_size)
{
    const char *slash = strrchr(path, '/'), *dot = strrchr(slash ? slash : path, '.');
    *c = NULL;
    *video = NULL;
    for (size_t i = 0; dot && i < sizeof(containers) / sizeof(containers[0]); i++)
        if (!strcasecmp(dot, containers[i].ext))
            *c = &containers[i];
    if (!*c)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL,
                             "%s: lavin writes videos named .mp4, .mov, .mkv or .webm", path);
    const char *const *names = (*c)->video;
    if (encoder && strcmp(encoder, names[0]) && strcmp(encoder, names[1]))
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "%s: %s takes %s or %s, not %s", path, (*c)->name,
                             names[0], names[1], encoder);
    for (int i = 0; i < 2 && !*video; i++)
        if (!encoder || !strcmp(encoder, names[i]))
            *video = avcodec_find_encoder_by_name(names[i]);
    if (!*video)
        return lavin_err_buf(err, err_size, LAVIN_EUNSUPPORTED, "%s: this FFmpeg has no %s encoder for %s%s", path,
                             encoder ? encoder : !strcmp((*c)->muxer, "webm") ? "VP9 or VP8 (libvpx)"
                                                                              : "libx264 or mpeg4",
                             (*c)->name, !strcmp((*c)->muxer, "webm") ? "; write .mp4, .mov or .mkv" : "");
    return 0;
}

int lavin_video_container_check(const char *path, char *err, size_t err_size)
{
    const lavin_container *c;
    const AVCodec *video;
    if (!path)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "video write: no path");
    return lavin_container_for(path, NULL, &c, &video, err, err_size);
}
