/* What the public API's files share: the model behind its handle, the one
 * way errors leave the library, and pictures to and from the internal
 * packed images. */
#ifndef LAVIN_API_API_H
#define LAVIN_API_API_H

#include "incontext/models.h"
#include "lavin/lavin.h"
#include "media/image.h"
#include "tasks/task.h"

struct lavin_model {
    lavin_context *ctx;
    lavin_models m;
    lavin_model_info info;
};

/* Every public function that fails returns through here: the context's
 * message goes to the log once, at LAVIN_LOG_ERROR. ret >= 0 passes. */
int lavin_api_return(lavin_context *ctx, int ret);

/* A caller's picture as a packed 8-bit RGB image (allocated): gray is
 * repeated, alpha dropped, 16-bit samples become round(v * 255 / 65535). */
int lavin_api_image_in(lavin_context *ctx, const lavin_picture *pic, const char *what, lavin_image *out);

/* The same without a copy when pic is already packed 8-bit RGB: out is
 * then a view of its samples and *view is 1 (out must not be freed). A
 * large photo is not held twice. */
int lavin_api_image_use(lavin_context *ctx, const lavin_picture *pic, const char *what, lavin_image *out, int *view);

/* The image handed over as a packed picture; img is left empty. */
void lavin_api_picture_out(lavin_image *img, lavin_picture *out);

/* A view of a packed 8-bit RGB picture as an image, without a copy; fails
 * for other pictures. */
int lavin_api_image_view(lavin_context *ctx, const lavin_picture *pic, lavin_image *view);

/* One output frame (8-bit RGB, taken over) decoded into an answer of task. */
int lavin_api_answer(lavin_context *ctx, const lavin_task *task, const lavin_palette *pal,
                     lavin_image *rgb, lavin_answer *out);

/* The session's context, and whether it is a clip session. */
lavin_context *lavin_api_session_context(const lavin_session *s, int *clips);

/* lavin_answer_free() on a[0..n); safe on a NULL array. */
void lavin_api_answers_free(lavin_answer *a, int n);

/* The same for the task and palette of the answer `like`. */
int lavin_api_answer_like(lavin_context *ctx, const lavin_answer *like, lavin_image *rgb, lavin_answer *out);

/* lavin_answers_align() with its easing chosen: fade 0 eases linearly to
 * none at a[n - 1]; fade in (0, 1) keeps the fit on the answers after the
 * shared ones by a factor (1 - fade) less each. The error is on the context
 * but not returned through lavin_api_return(). */
int lavin_api_answers_align(lavin_context *ctx, lavin_answer *a, int n, const lavin_answer *ref, int m, double fade);

#endif
