/* The command line's context, model and session: the environment and the
 * options mapped onto the public API's parameters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/infer.h"

static int env_flag(const char *name)
{
    const char *v = getenv(name);
    return v && *v && strcmp(v, "0") != 0;
}

/* $LAVIN_CACHE_DIR (empty: no cache), else $XDG_CACHE_HOME/lavin, else
 * ~/.cache/lavin. */
static const char *cache_dir(char *buf, size_t size)
{
    const char *v = getenv("LAVIN_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (v)
        snprintf(buf, size, "%s", v);
    else if (xdg && *xdg)
        snprintf(buf, size, "%s/lavin", xdg);
    else if (home && *home)
        snprintf(buf, size, "%s/.cache/lavin", home);
    else
        buf[0] = 0;
    return buf;
}

int infer_context(const infer_opts *o, const char *cmd, infer_session *s)
{
    memset(s, 0, sizeof(*s));
    cli_progress_init(&s->progress, o->quiet, o->verbose);
    lavin_context_params cp;
    lavin_context_params_default(&cp);
    cp.device = o->device ? o->device : getenv("LAVIN_DEVICE");
    cp.validation = env_flag("LAVIN_VALIDATE");
    cp.profile = env_flag("LAVIN_PROFILE");
    cp.memory_limit = o->memory_limit;
    cp.precision = o->precision;
    cp.cache_dir = cache_dir(s->cache_dir, sizeof(s->cache_dir));
    cp.contexts_dir = getenv("LAVIN_CONTEXTS");
    cp.log = cli_log;
    cp.log_user = &s->progress;
    cp.log_level = LAVIN_LOG_INFO;
    if (lavin_context_create(&s->ctx, &cp) < 0) {
        fprintf(stderr, "lavin %s: out of host memory\n", cmd);
        return LAVIN_EXIT_FAIL;
    }
    return -1;
}

void infer_model_params(infer_opts *o)
{
    const char *env = getenv("LAVIN_MODEL_DIR");
    o->model.dir = o->model_dir ? o->model_dir : env && *env ? env : NULL;
    o->model.dit = o->dit;
    o->model.vae = o->vae;
    o->model.dit_config = o->dit_config;
    o->model.vae_config = o->vae_config;
}

int infer_open(infer_opts *o, infer_session *s)
{
    infer_model_params(o);
    o->session.context = o->context;
    o->session.task = o->task;
    o->session.progress = cli_progress_step;
    o->session.progress_user = &s->progress;
    /* Bad pairs are reported before a model loads. */
    int ret = lavin_session_check(s->ctx, &o->session);
    if (ret >= 0)
        ret = lavin_model_open(s->ctx, &o->model, &s->model);
    if (ret >= 0)
        ret = lavin_session_create(s->model, &o->session, &s->s);
    return ret;
}

void infer_close(infer_session *s)
{
    cli_progress_done(&s->progress);
    lavin_session_destroy(&s->s);
    lavin_model_close(&s->model);
    if (s->ctx && env_flag("LAVIN_PROFILE")) {
        size_t len = lavin_profile_report(s->ctx, NULL, 0);
        char *table = malloc(len + 1);
        if (table && lavin_profile_report(s->ctx, table, len + 1))
            fputs(table, stderr);
        free(table);
    }
    lavin_context_destroy(&s->ctx);
}
