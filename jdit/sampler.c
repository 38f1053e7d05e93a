#include <string.h>

#include "core/ops/elementwise.h"
#include "core/ops/layout.h"
#include "jdit/sampler.h"
#include "core/stream.h"
#include "core/transfer.h"

static const float grid20[20] = {
    0.0000f, 0.0056f, 0.0111f, 0.0167f, 0.0222f, 0.0278f, 0.0333f, 0.0389f, 0.0444f, 0.0500f,
    0.0524f, 0.0730f, 0.1148f, 0.1777f, 0.2618f, 0.3671f, 0.4936f, 0.6412f, 0.8100f, 1.0000f,
};
static const float grid30[30] = {
    0.0000f, 0.0036f, 0.0071f, 0.0107f, 0.0143f, 0.0179f, 0.0214f, 0.0250f, 0.0286f, 0.0321f,
    0.0357f, 0.0393f, 0.0429f, 0.0464f, 0.0500f, 0.0511f, 0.0600f, 0.0779f, 0.1049f, 0.1410f,
    0.1862f, 0.2403f, 0.3036f, 0.3759f, 0.4573f, 0.5477f, 0.6472f, 0.7557f, 0.8733f, 1.0000f,
};
static const float grid40[40] = {
    0.0000f, 0.0026f, 0.0053f, 0.0079f, 0.0105f, 0.0132f, 0.0158f, 0.0184f, 0.0211f, 0.0237f,
    0.0263f, 0.0289f, 0.0316f, 0.0342f, 0.0368f, 0.0395f, 0.0421f, 0.0447f, 0.0474f, 0.0500f,
    0.0506f, 0.0555f, 0.0655f, 0.0804f, 0.1004f, 0.1253f, 0.1553f, 0.1902f, 0.2302f, 0.2752f,
    0.3251f, 0.3801f, 0.4401f, 0.5051f, 0.5750f, 0.6500f, 0.7300f, 0.8150f, 0.9050f, 1.0000f,
};

int lavin_time_grid(int n, float *grid)
{
    if (n < 2 || n > LAVIN_GRID_MAX)
        return LAVIN_EINVAL;
    const float *fixed = n == 20 ? grid20 : n == 30 ? grid30 : n == 40 ? grid40 : NULL;
    for (int i = 0; i < n; i++)
        grid[i] = fixed ? fixed[i] : (float)i / (float)(n - 1);
    return 0;
}

int lavin_jdit_null_condition(lavin_context *ctx, const lavin_tensor *cond, lavin_tensor *out)
{
    int64_t ne[5];
    memcpy(ne, cond->ne, sizeof(ne));
    ne[2] = 2;
    LAVIN_TRY(lavin_tensor_alloc(ctx, out, LAVIN_F32, 5, ne));
    LAVIN_TRY(lavin_tensor_fill(ctx, out, 0));
    return lavin_op_copy_frames(ctx, cond, (int)cond->ne[2] - 1, out, 1, 1);
}

int lavin_jdit_sample(lavin_jdit *m, const lavin_tensor *x, const lavin_tensor *cond,
                      const lavin_tensor *cond_null, const lavin_sample_params *p)
{
    lavin_context *ctx = lavin_jdit_context(m);
    float grid[LAVIN_GRID_MAX];
    int n = p->grid_points ? p->grid_points : 20;
    if (lavin_time_grid(n, grid) < 0)
        return lavin_err(ctx, LAVIN_EINVAL, "steps: %d time points is outside 2..%d", n, LAVIN_GRID_MAX);
    if (x->ndim != 5 || x->ne[0] < 1 || x->ne[0] > LAVIN_SAMPLE_MAX_BATCH)
        return lavin_err(ctx, LAVIN_EINVAL, "sample: x must be [B, C, T, H, W] with B in 1..%d",
                         LAVIN_SAMPLE_MAX_BATCH);
    float t[LAVIN_SAMPLE_MAX_BATCH];
    lavin_tensor v, made_null = { 0 };
    int ret = lavin_tensor_alloc(ctx, &v, LAVIN_F32, 5, x->ne);
    if (ret < 0)
        return ret;
    int guided = p->cfg != 1.0f;
    if (guided && !cond_null) {
        ret = lavin_jdit_null_condition(ctx, cond, &made_null);
        cond_null = &made_null;
    }
    for (int k = 0; k + 1 < n && ret >= 0; k++) {
        float dt = grid[k + 1] - grid[k];
        for (int64_t b = 0; b < x->ne[0]; b++)
            t[b] = grid[k];
        ret = guided ? lavin_jdit_forward_cfg(m, x, t, cond, cond_null, p->cfg, &v)
                     : lavin_jdit_forward(m, x, t, cond, &v);
        if (ret >= 0)
            ret = lavin_op_axpby(ctx, 1.0f, x, dt, &v, x);
        if (ret >= 0 && p->progress && (ret = lavin_stream_sync(ctx)) >= 0 && p->progress(p->user, k + 1, n - 1))
            ret = lavin_err(ctx, LAVIN_ECANCELED, "canceled");
    }
    if (ret >= 0)
        ret = lavin_stream_sync(ctx);
    lavin_tensor_free(ctx, &v);
    lavin_tensor_free(ctx, &made_null);
    return ret;
}
