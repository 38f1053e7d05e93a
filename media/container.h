/* The containers lavin writes, chosen by the output's extension, and the
 * encoders each gets: for its video, and for the streams of a source file
 * it cannot hold as they are. */
#ifndef LAVIN_MEDIA_CONTAINER_H
#define LAVIN_MEDIA_CONTAINER_H

#include <stddef.h>

#include <libavcodec/avcodec.h>

typedef struct lavin_container {
    const char *ext;      /* ".mp4" */
    const char *muxer;    /* FFmpeg's name: "mp4" */
    const char *name;     /* for messages: "MP4" */
    const char *video[2]; /* video encoders, preferred first */
    const char *audio[2]; /* audio encoders for audio the container cannot hold */
    const char *text;     /* the encoder for text subtitles it cannot hold */
} lavin_container;

/* The container path's extension names and the first of its video encoders
 * this FFmpeg has (or `encoder`, when not NULL: one of the container's).
 * Errors name the file: LAVIN_EINVAL for another extension or encoder,
 * LAVIN_EUNSUPPORTED when FFmpeg has none of the encoders. */
int lavin_container_for(const char *path, const char *encoder, const lavin_container **c, const AVCodec **video,
                        char *err, size_t err_size);

#endif
