/* The audio, subtitle and data streams of a source file carried into a
 * video lavin writes, in step with its frames: copied as they are where the
 * container holds their codec, re-encoded for it where it does not (audio,
 * text subtitles), dropped otherwise, with one log line naming the dropped
 * and one naming the re-encoded. */
#ifndef LAVIN_MEDIA_STREAMS_H
#define LAVIN_MEDIA_STREAMS_H

#include <stddef.h>
#include <stdint.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "core/log.h"
#include "media/container.h"

typedef struct lavin_streams lavin_streams;

/* Opens src and adds an output stream to out (before its header is
 * written) for each stream kept. out_path names the output in messages.
 * Errors name src (unreadable) or out_path (an encoder that would not open). */
int lavin_streams_open(const char *src, AVFormatContext *out, const char *out_path, const lavin_container *c,
                       const lavin_logger *log, lavin_streams **ss, char *err, size_t err_size);
/* Writes the kept streams' packets up to time `until` (in tb): called after
 * each video packet, so the file stays interleaved and only a few packets
 * are ever held. */
int lavin_streams_write_until(lavin_streams *ss, int64_t until, AVRational tb, char *err, size_t err_size);
/* Writes the rest and drains the encoders. */
int lavin_streams_finish(lavin_streams *ss, char *err, size_t err_size);
/* Safe on NULL. */
void lavin_streams_free(lavin_streams **ss);

/* Audio re-encoding (media/streams_audio.c): decoded frames of any format,
 * rate and layout resampled for the encoder and cut into its frame size. */
typedef struct lavin_audio_recoder lavin_audio_recoder;

/* A decoder for `in` and the first of `encoders` this FFmpeg has, set up
 * for the muxer `out` (its global-header flag); *enc is the encoder, whose
 * parameters become the output stream's. Returns 0, or an AVERROR
 * (AVERROR_ENCODER_NOT_FOUND / AVERROR_DECODER_NOT_FOUND when there is none). */
int lavin_audio_recoder_open(const AVStream *in, const char *const *encoders, int nencoders,
                             const AVFormatContext *out, lavin_audio_recoder **r, AVCodecContext **enc);
/* Sends one packet of the source stream (NULL: the end, which drains
 * everything) and hands every encoded packet, in the encoder's time base,
 * to emit. Returns 0 or an AVERROR. */
int lavin_audio_recoder_send(lavin_audio_recoder *r, const AVPacket *pkt,
                             int (*emit)(void *user, AVPacket *pkt), void *user);
void lavin_audio_recoder_free(lavin_audio_recoder **r);

#endif
