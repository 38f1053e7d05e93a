#include <stdlib.h>
#include <string.h>

#include "jdit/jdit_manifest.h"

static void emit(lavin_manifest_fn fn, void *user, const char *name, int64_t d0, int64_t d1)
{
    int64_t shape[2] = { d0, d1 };
    fn(user, name, d1 ? 2 : 1, shape);
}

void lavin_jdit_manifest(const lavin_jdit_config *cfg, lavin_manifest_fn fn, void *user)
{
    lavin_jdit_dims d;
    if (lavin_jdit_dims_from_config(cfg->hidden_size, cfg->depth, cfg->num_heads, cfg->kv_group,
                                    cfg->in_channels, cfg->patch_size, &d) < 0)
        return;
    int64_t D = d.hidden, pc = (int64_t)d.patch * d.patch * d.channels;
    int64_t qw = (int64_t)d.heads * d.head_dim, kw = (int64_t)d.kv_heads * d.head_dim;
    char name[128];
    static const char *const emb[2] = { "cond_embedder", "x_embedder" };
    for (int s = 0; s < 2; s++) {
        snprintf(name, sizeof(name), "%s.0.weight", emb[s]);
        emit(fn, user, name, D, pc);
        snprintf(name, sizeof(name), "%s.0.bias", emb[s]);
        emit(fn, user, name, D, 0);
        snprintf(name, sizeof(name), "%s.1.weight", emb[s]);
        emit(fn, user, name, D, 0);
        snprintf(name, sizeof(name), "%s.1.bias", emb[s]);
        emit(fn, user, name, D, 0);
    }
    emit(fn, user, "prompt_embed", 1, D);
    emit(fn, user, "answer_embed", 1, D);
    emit(fn, user, "t_embedder.mlp.0.weight", D, 256);
    emit(fn, user, "t_embedder.mlp.0.bias", D, 0);
    emit(fn, user, "t_embedder.mlp.2.weight", D, D);
    emit(fn, user, "t_embedder.mlp.2.bias", D, 0);
    emit(fn, user, "final_layer.linear.weight", pc, D);
    emit(fn, user, "final_layer.linear.bias", pc, 0);
    emit(fn, user, "final_layer.adaLN_modulation.1.weight", D, D);
    emit(fn, user, "final_layer.adaLN_modulation.1.bias", D, 0);
    static const struct {
        const char *fmt;
        int rows, cols;  /* 0 D, 1 q width, 2 kv width, 3 MLP, 4 4D, -1 none */
    } per_stream[] = {
        { "joint_attn.%s_q.weight", 1, 0 },      { "joint_attn.%s_k.weight", 2, 0 },
        { "joint_attn.%s_v.weight", 2, 0 },      { "joint_attn.%s_qnorm.weight", 1, -1 },
        { "joint_attn.%s_knorm.weight", 2, -1 }, { "joint_attn.%s_proj.weight", 0, 1 },
        { "%s_mlp.gate_proj.weight", 3, 0 },     { "%s_mlp.up_proj.weight", 3, 0 },
        { "%s_mlp.down_proj.weight", 0, 3 },     { "%s_modulation.1.weight", 4, 0 },
        { "%s_modulation.1.bias", 4, -1 },
    };
    const int64_t size[5] = { D, qw, kw, d.mlp, 4 * D };
    for (int b = 0; b < d.depth; b++)
        for (int s = 0; s < 2; s++)
            for (size_t i = 0; i < sizeof(per_stream) / sizeof(per_stream[0]); i++) {
                char part[96];
                snprintf(part, sizeof(part), per_stream[i].fmt, s ? "x" : "cond");
                snprintf(name, sizeof(name), "blocks.%d.%s", b, part);
                emit(fn, user, name, size[per_stream[i].rows],
                     per_stream[i].cols < 0 ? 0 : size[per_stream[i].cols]);
            }
}

static void list(const void *cfg, lavin_manifest_fn fn, void *user)
{
    lavin_jdit_manifest(cfg, fn, user);
}

int lavin_jdit_check(const lavin_jdit_config *cfg, const lavin_checkpoint *ck, const lavin_logger *log,
                     lavin_manifest_report *r)
{
    return lavin_manifest_check(list, cfg, ck, log, r);
}
