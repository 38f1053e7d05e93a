/* lavin/media.h over the internal FFmpeg readers and writers: the same
 * files, with errors on the caller's context. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/context.h"
#include "core/error.h"
#include "lavin/media.h"
#include "media/video.h"

struct lavin_video_input {
    lavin_context *ctx;
    lavin_video_reader *r;
};

struct lavin_video_output {
    lavin_context *ctx;
    lavin_video_writer *w;
};

int lavin_picture_read(lavin_context *ctx, const char *path, lavin_picture *out)
{
    lavin_image img;
    char err[1024];
    memset(out, 0, sizeof(*out));
    int ret = lavin_err_onto(ctx, lavin_image_read(path, &img, err, sizeof(err)), err);
    if (ret >= 0)
        lavin_api_picture_out(&img, out);
    return lavin_api_return(ctx, ret);
}

int lavin_picture_format_check(lavin_context *ctx, const char *path)
{
    char err[1024];
    return lavin_api_return(ctx, lavin_err_onto(ctx, lavin_image_format_check(path, err, sizeof(err)), err));
}

int lavin_picture_write_png(lavin_context *ctx, const char *path, const lavin_picture *pic)
{
    char err[1024];
    int packed = pic->data && pic->stride == (ptrdiff_t)pic->width * pic->channels * (pic->depth / 8);
    lavin_image img = { pic->width, pic->height, pic->channels, pic->depth, pic->data };
    int ret = packed ? lavin_err_onto(ctx, lavin_image_write_png(path, &img, err, sizeof(err)), err)
                     : lavin_err(ctx, LAVIN_EINVAL, "%s: only packed pictures are written", path);
    return lavin_api_return(ctx, ret);
}

int lavin_video_input_open(lavin_context *ctx, const char *path, lavin_video_input **out, lavin_video_info *info)
{
    char err[1024];
    *out = NULL;
    lavin_video_input *in = calloc(1, sizeof(*in));
    if (!in)
        return lavin_api_return(ctx, lavin_err(ctx, LAVIN_ENOMEM, "out of host memory"));
    in->ctx = ctx;
    int ret = lavin_err_onto(ctx, lavin_video_open(path, &in->r, info, err, sizeof(err)), err);
    if (ret < 0) {
        free(in);
        return lavin_api_return(ctx, ret);
    }
    *out = in;
    return 0;
}

int lavin_video_input_read(lavin_video_input *in, lavin_picture *frame, int64_t *pts)
{
    char err[1024];
    lavin_image img = { frame->width, frame->height, frame->channels, frame->depth, frame->data };
    int ret = lavin_err_onto(in->ctx, lavin_video_read(in->r, &img, pts, err, sizeof(err)), err);
    if (ret > 0)
        lavin_api_picture_out(&img, frame);
    return lavin_api_return(in->ctx, ret);
}

void lavin_video_input_close(lavin_video_input **in)
{
    if (!in || !*in)
        return;
    lavin_video_close(&(*in)->r);
    free(*in);
    *in = NULL;
}

int lavin_video_format_check(lavin_context *ctx, const char *path)
{
    char err[1024];
    return lavin_api_return(ctx, lavin_err_onto(ctx, lavin_video_container_check(path, err, sizeof(err)), err));
}

void lavin_video_output_params_default(lavin_video_output_params *p)
{
    memset(p, 0, sizeof(*p));
    p->fps_num = 30;
    p->fps_den = 1;
}

int lavin_video_output_open(lavin_context *ctx, const char *path, const lavin_video_output_params *p,
                            lavin_video_output **out)
{
    char err[1024];
    *out = NULL;
    lavin_video_output *o = calloc(1, sizeof(*o));
    if (!o)
        return lavin_api_return(ctx, lavin_err(ctx, LAVIN_ENOMEM, "out of host memory"));
    o->ctx = ctx;
    /* the dropped streams' line goes to the caller's log, as a warning */
    int ret = lavin_err_onto(ctx, lavin_video_writer_open(path, p, &ctx->log, &o->w, err, sizeof(err)), err);
    if (ret < 0) {
        free(o);
        return lavin_api_return(ctx, ret);
    }
    *out = o;
    return 0;
}

int lavin_video_output_write(lavin_video_output *out, const lavin_picture *frame, int64_t pts)
{
    char err[1024];
    lavin_image packed = { 0 };
    int ret = lavin_api_image_in(out->ctx, frame, "video frame", &packed);
    if (ret >= 0)
        ret = lavin_err_onto(out->ctx, lavin_video_write(out->w, &packed, pts, err, sizeof(err)), err);
    lavin_image_free(&packed);
    return lavin_api_return(out->ctx, ret);
}

int lavin_video_output_finish(lavin_video_output **out)
{
    char err[1024];
    if (!out || !*out)
        return LAVIN_EINVAL; /* no context to hold a message */
    lavin_context *ctx = (*out)->ctx;
    int ret = lavin_err_onto(ctx, lavin_video_writer_finish(&(*out)->w, err, sizeof(err)), err);
    lavin_video_writer_abort(&(*out)->w);
    free(*out);
    *out = NULL;
    return lavin_api_return(ctx, ret);
}

void lavin_video_output_abort(lavin_video_output **out)
{
    if (!out || !*out)
        return;
    lavin_video_writer_abort(&(*out)->w);
    free(*out);
    *out = NULL;
}
