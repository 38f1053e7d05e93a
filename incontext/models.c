#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "jdit/jdit_config.h"
#include "jdit/jdit_manifest.h"
#include "incontext/models.h"
#include "stvae/stvae_config.h"

static int refuse(const char *path, int checked, const lavin_manifest_report *r, const char *origin,
                  int allow_missing, char *err, size_t n)
{
    if (checked >= 0 || allow_missing)
        return 0;
    return lavin_err_buf(err, n, LAVIN_EFORMAT,
                         "%s: %d missing, %d unexpected, %d mis-shaped tensors for its config (from %s); "
                         "--allow-missing loads it anyway", path, r->missing, r->unexpected, r->misshaped, origin);
}

static int open_files(const lavin_models_params *p, lavin_models *m, lavin_jdit_dims *dims,
                      lavin_stvae_config *vcfg, char *err, size_t n)
{
    lavin_manifest_report r;
    const char *origin;
    if (p->dit) {
        lavin_jdit_config cfg;
        LAVIN_TRY(lavin_checkpoint_open(p->dit, &m->dit_file, err, n));
        LAVIN_TRY(lavin_jdit_config_find(m->dit_file, p->dit_config, &cfg, &origin, err, n));
        LAVIN_TRY(lavin_jdit_config_dims(&cfg, dims, err, n));
        LAVIN_TRY(refuse(p->dit, lavin_jdit_check(&cfg, m->dit_file, stderr, &r), &r, origin, p->allow_missing, err,
                         n));
    }
    if (p->vae) {
        LAVIN_TRY(lavin_checkpoint_open(p->vae, &m->vae_file, err, n));
        LAVIN_TRY(lavin_stvae_config_find(m->vae_file, p->vae_config, vcfg, &origin, err, n));
        LAVIN_TRY(refuse(p->vae, lavin_stvae_check(vcfg, m->vae_file, stderr, &r), &r, origin, p->allow_missing,
                         err, n));
    }
    if (p->dit && p->vae && dims->channels != vcfg->latent_channels)
        return lavin_err_buf(err, n, LAVIN_EFORMAT, "%s has %d latent channels but %s expects %d", p->vae,
                             vcfg->latent_channels, p->dit, dims->channels);
    return 0;
}

static int load(const lavin_models_params *p, lavin_models *m, const lavin_jdit_dims *dims,
                const lavin_stvae_config *vcfg)
{
    if (p->dit) {
        LAVIN_TRY(lavin_weights_load(m->ctx, m->dit_file, p->weights_dtype, &m->dit_w));
        LAVIN_TRY(lavin_jdit_create(m->ctx, dims, m->dit_w, &m->jdit));
    }
    if (p->vae) {
        LAVIN_TRY(lavin_weights_load(m->ctx, m->vae_file, p->weights_dtype, &m->vae_w));
        LAVIN_TRY(lavin_stvae_create(m->ctx, vcfg, m->vae_w, &m->vae));
    }
    return 0;
}

int lavin_models_open(const lavin_models_params *p, lavin_models *m, char *err, size_t n)
{
    lavin_jdit_dims dims = { 0 };
    lavin_stvae_config vcfg;
    memset(m, 0, sizeof(*m));
    memset(&vcfg, 0, sizeof(vcfg));
    int ret = open_files(p, m, &dims, &vcfg, err, n);
    if (ret >= 0) {
        lavin_context_params cp;
        lavin_context_params_default(&cp);
        cp.device = p->device;
        cp.memory_limit = p->memory_limit;
        ret = lavin_context_create(&m->ctx, &cp, err, n);
    }
    if (ret >= 0 && (ret = load(p, m, &dims, &vcfg)) < 0)
        snprintf(err, n, "%s", lavin_context_error(m->ctx));
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
    lavin_context_destroy(&m->ctx);
    lavin_checkpoint_close(&m->vae_file);
    lavin_checkpoint_close(&m->dit_file);
}
