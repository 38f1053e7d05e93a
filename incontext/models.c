#include <stdio.h>
#include <string.h>

#include "checkpoint/checkpoint.h"
#include "core/context.h"
#include "core/error.h"
#include "incontext/models.h"
#include "jdit/jdit_config.h"
#include "jdit/jdit_manifest.h"
#include "stvae/stvae_config.h"

static int refuse(lavin_context *ctx, const char *path, int checked, const lavin_manifest_report *r,
                  const char *origin, int allow_missing)
{
    if (checked >= 0 || allow_missing)
        return 0;
    return lavin_err(ctx, LAVIN_EFORMAT,
                     "%s: %d missing, %d unexpected, %d mis-shaped tensors for its config (from %s); "
                     "--allow-missing loads it anyway", path, r->missing, r->unexpected, r->misshaped, origin);
}

static int open_files(lavin_context *ctx, const lavin_models_params *p, lavin_models *m, lavin_jdit_dims *dims,
                      lavin_stvae_config *vcfg)
{
    lavin_manifest_report r;
    const char *origin;
    char err[1024] = "";
    if (p->dit) {
        lavin_jdit_config cfg;
        LAVIN_TRY(lavin_err_onto(ctx, lavin_checkpoint_open(p->dit, &m->dit_file, err, sizeof(err)), err));
        LAVIN_TRY(lavin_err_onto(ctx, lavin_jdit_config_find(m->dit_file, p->dit_config, &cfg, &origin, &ctx->log, err,
                                                   sizeof(err)), err));
        LAVIN_TRY(lavin_err_onto(ctx, lavin_jdit_config_dims(&cfg, dims, err, sizeof(err)), err));
        LAVIN_TRY(refuse(ctx, p->dit, lavin_jdit_check(&cfg, m->dit_file, &ctx->log, &r), &r, origin,
                         p->allow_missing));
    }
    if (p->vae) {
        LAVIN_TRY(lavin_err_onto(ctx, lavin_checkpoint_open(p->vae, &m->vae_file, err, sizeof(err)), err));
        LAVIN_TRY(lavin_err_onto(ctx, lavin_stvae_config_find(m->vae_file, p->vae_config, vcfg, &origin, &ctx->log, err,
                                                    sizeof(err)), err));
        LAVIN_TRY(refuse(ctx, p->vae, lavin_stvae_check(vcfg, m->vae_file, &ctx->log, &r), &r, origin,
                         p->allow_missing));
    }
    if (p->dit && p->vae && dims->channels != vcfg->latent_channels)
        return lavin_err(ctx, LAVIN_EFORMAT, "%s has %d latent channels but %s expects %d", p->vae,
                         vcfg->latent_channels, p->dit, dims->channels);
    return 0;
}

static int load(const lavin_models_params *p, lavin_models *m, const lavin_jdit_dims *dims,
                const lavin_stvae_config *vcfg)
{
    if (p->dit) {
        LAVIN_TRY(lavin_weights_load(m->ctx, m->dit_file, p->weights_dtype, p->step, p->user, &m->dit_w));
        LAVIN_TRY(lavin_jdit_create(m->ctx, dims, m->dit_w, &m->jdit));
    }
    if (p->vae) {
        LAVIN_TRY(lavin_weights_load(m->ctx, m->vae_file, p->weights_dtype, p->step, p->user, &m->vae_w));
        LAVIN_TRY(lavin_stvae_create(m->ctx, vcfg, m->vae_w, &m->vae));
    }
    return 0;
}

int lavin_models_open(lavin_context *ctx, const lavin_models_params *p, lavin_models *m)
{
    lavin_jdit_dims dims = { 0 };
    lavin_stvae_config vcfg;
    memset(m, 0, sizeof(*m));
    memset(&vcfg, 0, sizeof(vcfg));
    m->ctx = ctx;
    int ret = open_files(ctx, p, m, &dims, &vcfg);
    if (ret >= 0)
        ret = lavin_context_start(ctx);
    if (ret >= 0)
        ret = load(p, m, &dims, &vcfg);
    if (ret < 0)
        lavin_models_close(m);
    return ret;
}

void lavin_models_close(lavin_models *m)
{
    lavin_stvae_destroy(&m->vae);
    lavin_jdit_destroy(&m->jdit);
    if (m->ctx) {
        lavin_weights_free(m->ctx, &m->vae_w);
        lavin_weights_free(m->ctx, &m->dit_w);
    }
    lavin_checkpoint_close(&m->vae_file);
    lavin_checkpoint_close(&m->dit_file);
    m->ctx = NULL;
}
