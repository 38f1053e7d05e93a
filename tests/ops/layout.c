#include <stdio.h>
#include <stdlib.h>

#include "tests/families.h"
#include "core/ops/layout.h"
#include "tests/ref/layout.h"

/* Every layout op is a pure copy (the time pool one exact rounding), so GPU
 * and reference must agree bit for bit: tolerance 0. */
#define EXACT 0.0

/* Fetches out and compares it with ref; frees nothing. */
static void compare(lt *t, const char *what, const lavin_tensor *out, const float *ref)
{
    float *got = lt_fetch(t, out);
    lt_check(t, what, lt_nerr(got, ref, (size_t)lavin_tensor_nelem(out)), EXACT);
    free(got);
}

static float *alloc_f(size_t n)
{
    float *p = malloc((n ? n : 1) * sizeof(float));
    if (!p) {
        fprintf(stderr, "out of host memory\n");
        exit(1);
    }
    return p;
}

static void concat_case(lt *t, int64_t B, int64_t La, int64_t Lb, int64_t D)
{
    lavin_context *ctx = t->ctx;
    size_t na = (size_t)(B * La * D), nb = (size_t)(B * Lb * D), nx = na + nb;
    int64_t nea[3] = { B, La, D }, neb[3] = { B, Lb, D }, nex[3] = { B, La + Lb, D };
    float *a = lt_random(t, na, -3, 3), *b = lt_random(t, nb, -3, 3), *x = lt_random(t, nx, -3, 3);
    float *ref = alloc_f(nx), *ra = alloc_f(na), *rb = alloc_f(nb);
    lavin_tensor ta = { 0 }, tb = { 0 }, tx = { 0 }, to = { 0 }, sa = { 0 }, sb = { 0 }, ua = { 0 }, ub = { 0 };
    char what[160];
    snprintf(what, sizeof(what), "concat_seq B %lld La %lld Lb %lld D %lld", (long long)B, (long long)La,
             (long long)Lb, (long long)D);
    int ret = lt_tensor(t, &ta, LAVIN_F32, 3, nea, a);
    if (ret >= 0)
        ret = lt_tensor(t, &tb, LAVIN_F32, 3, neb, b);
    if (ret >= 0)
        ret = lt_tensor(t, &tx, LAVIN_F32, 3, nex, x);
    if (ret >= 0)
        ret = lt_output(t, &to, 3, nex);
    if (ret >= 0)
        ret = lt_output(t, &sa, 3, nea);
    if (ret >= 0)
        ret = lt_output(t, &sb, 3, neb);
    if (ret >= 0)
        ret = lt_output(t, &ua, 3, nea);
    if (ret >= 0)
        ret = lt_output(t, &ub, 3, neb);
    if (!lt_ok(t, what, ret))
        goto out;
    lavin_ref_concat_seq(a, b, ref, (size_t)B, (size_t)La, (size_t)Lb, (size_t)D);
    if (lt_ok(t, what, lavin_op_concat_seq(ctx, &ta, &tb, &to)))
        compare(t, what, &to, ref);
    /* round trip: split what concat produced */
    snprintf(what, sizeof(what), "concat->split B %lld La %lld Lb %lld D %lld", (long long)B, (long long)La,
             (long long)Lb, (long long)D);
    if (lt_ok(t, what, lavin_op_split_seq(ctx, &to, &ua, &ub))) {
        compare(t, what, &ua, a);
        compare(t, what, &ub, b);
    }
    snprintf(what, sizeof(what), "split_seq B %lld La %lld Lb %lld D %lld", (long long)B, (long long)La,
             (long long)Lb, (long long)D);
    lavin_ref_split_seq(x, ra, rb, (size_t)B, (size_t)La, (size_t)Lb, (size_t)D);
    if (lt_ok(t, what, lavin_op_split_seq(ctx, &tx, &sa, &sb))) {
        compare(t, what, &sa, ra);
        compare(t, what, &sb, rb);
    }
out:
    lavin_tensor_free(ctx, &ta);
    lavin_tensor_free(ctx, &tb);
    lavin_tensor_free(ctx, &tx);
    lavin_tensor_free(ctx, &to);
    lavin_tensor_free(ctx, &sa);
    lavin_tensor_free(ctx, &sb);
    lavin_tensor_free(ctx, &ua);
    lavin_tensor_free(ctx, &ub);
    free(a);
    free(b);
    free(x);
    free(ref);
    free(ra);
    free(rb);
}

static void patch_case(lt *t, int64_t B, int64_t C, int64_t T, int64_t h, int64_t w, int64_t p)
{
    lavin_context *ctx = t->ctx;
    int64_t nev[5] = { B, C, T, h * p, w * p }, net[3] = { B, T * h * w, p * p * C };
    size_t n = lt_nelem(5, nev);
    float *v = lt_random(t, n, -2, 2), *k = lt_random(t, n, -2, 2), *ref = alloc_f(n);
    lavin_tensor tv = { 0 }, tk = { 0 }, ok = { 0 }, ov = { 0 }, back = { 0 };
    char what[160];
    snprintf(what, sizeof(what), "patchify [%lld,%lld,%lld,%lld,%lld] p %lld", (long long)nev[0],
             (long long)nev[1], (long long)nev[2], (long long)nev[3], (long long)nev[4], (long long)p);
    int ret = lt_tensor(t, &tv, LAVIN_F32, 5, nev, v);
    if (ret >= 0)
        ret = lt_tensor(t, &tk, LAVIN_F32, 3, net, k);
    if (ret >= 0)
        ret = lt_output(t, &ok, 3, net);
    if (ret >= 0)
        ret = lt_output(t, &ov, 5, nev);
    if (ret >= 0)
        ret = lt_output(t, &back, 5, nev);
    if (!lt_ok(t, what, ret))
        goto out;
    size_t sB = (size_t)B, sC = (size_t)C, sT = (size_t)T, sh = (size_t)h, sw = (size_t)w, sp = (size_t)p;
    lavin_ref_patchify(v, ref, sB, sC, sT, sh, sw, sp);
    if (lt_ok(t, what, lavin_op_patchify(ctx, &tv, (int)p, &ok)))
        compare(t, what, &ok, ref);
    if (lt_ok(t, "patchify->unpatchify round trip", lavin_op_unpatchify(ctx, &ok, (int)p, &back)))
        compare(t, "patchify->unpatchify round trip", &back, v);
    lavin_ref_unpatchify(k, ref, sB, sC, sT, sh, sw, sp);
    if (lt_ok(t, "unpatchify", lavin_op_unpatchify(ctx, &tk, (int)p, &ov)))
        compare(t, "unpatchify", &ov, ref);
out:
    lavin_tensor_free(ctx, &tv);
    lavin_tensor_free(ctx, &tk);
    lavin_tensor_free(ctx, &ok);
    lavin_tensor_free(ctx, &ov);
    lavin_tensor_free(ctx, &back);
    free(v);
    free(k);
    free(ref);
}

enum { RESIZE, UPSAMPLE, SPATIALNORM, TIME_POOL };
static const char *const video_names[] = { "resize_nearest", "upsample_stvae", "resize_spatialnorm", "time_pool" };

/* x [B, C, ti, hi, wi] -> out [B, C, to, ho, wo] through one video op. */
static void video_case(lt *t, int op, int64_t B, int64_t C, const int64_t in[3], const int64_t outd[3])
{
    lavin_context *ctx = t->ctx;
    int64_t nei[5] = { B, C, in[0], in[1], in[2] }, neo[5] = { B, C, outd[0], outd[1], outd[2] };
    size_t ni = lt_nelem(5, nei), no = lt_nelem(5, neo), planes = (size_t)(B * C);
    size_t ti = (size_t)in[0], hi = (size_t)in[1], wi = (size_t)in[2];
    size_t to = (size_t)outd[0], ho = (size_t)outd[1], wo = (size_t)outd[2];
    float *x = lt_random(t, ni, -4, 4), *ref = alloc_f(no);
    lavin_tensor tx = { 0 }, tout = { 0 };
    char what[160];
    snprintf(what, sizeof(what), "%s [%lld,%lld,%zu,%zu,%zu] -> [%zu,%zu,%zu]", video_names[op], (long long)B,
             (long long)C, ti, hi, wi, to, ho, wo);
    int ret = lt_tensor(t, &tx, LAVIN_F32, 5, nei, x);
    if (ret >= 0)
        ret = lt_output(t, &tout, 5, neo);
    if (!lt_ok(t, what, ret))
        goto out;
    switch (op) {
    case RESIZE:
        ret = lavin_op_resize_nearest(ctx, &tx, &tout);
        lavin_ref_resize_nearest(x, ref, planes, ti, hi, wi, to, ho, wo);
        break;
    case UPSAMPLE:
        ret = lavin_op_upsample_stvae(ctx, &tx, &tout);
        lavin_ref_upsample_stvae(x, ref, planes, ti, hi, wi);
        break;
    case SPATIALNORM:
        ret = lavin_op_resize_spatialnorm(ctx, &tx, &tout);
        lavin_ref_resize_spatialnorm(x, ref, planes, ti, hi, wi, to, ho, wo);
        break;
    default:
        ret = lavin_op_time_pool(ctx, &tx, &tout);
        lavin_ref_time_pool(x, ref, planes, ti, hi * wi);
        break;
    }
    if (lt_ok(t, what, ret))
        compare(t, what, &tout, ref);
out:
    lavin_tensor_free(ctx, &tx);
    lavin_tensor_free(ctx, &tout);
    free(x);
    free(ref);
}

/* dst starts with random data, so frames the copy must leave alone are
 * checked too. same: dst is src itself (td must equal ts). */
static void copy_case(lt *t, int64_t B, int64_t C, int64_t ts, int64_t td, int64_t H, int64_t W, int64_t t0,
                      int64_t t1, int64_t n, int same)
{
    lavin_context *ctx = t->ctx;
    int64_t nes[5] = { B, C, ts, H, W }, ned[5] = { B, C, td, H, W };
    size_t ns = lt_nelem(5, nes), nd = lt_nelem(5, ned);
    float *s = lt_random(t, ns, -5, 5), *d = same ? s : lt_random(t, nd, -5, 5), *ref = alloc_f(nd);
    lavin_tensor tsrc = { 0 }, tdst = { 0 };
    char what[160];
    snprintf(what, sizeof(what), "copy_frames [%lld,%lld,%lld,%lld,%lld] %lld -> T %lld at %lld, %lld frames%s",
             (long long)B, (long long)C, (long long)ts, (long long)H, (long long)W, (long long)t0, (long long)td,
             (long long)t1, (long long)n, same ? " (in place)" : "");
    int ret = lt_tensor(t, &tsrc, LAVIN_F32, 5, nes, s);
    if (ret >= 0 && !same)
        ret = lt_tensor(t, &tdst, LAVIN_F32, 5, ned, d);
    if (!lt_ok(t, what, ret))
        goto out;
    for (size_t i = 0; i < nd; i++)
        ref[i] = d[i];
    lavin_ref_copy_frames(s, (size_t)ts, (size_t)t0, ref, (size_t)td, (size_t)t1, (size_t)n, (size_t)(B * C),
                          (size_t)(H * W));
    const lavin_tensor *dst = same ? &tsrc : &tdst;
    if (lt_ok(t, what, lavin_op_copy_frames(ctx, &tsrc, t0, dst, t1, n)))
        compare(t, what, dst, ref);
out:
    lavin_tensor_free(ctx, &tsrc);
    lavin_tensor_free(ctx, &tdst);
    free(s);
    if (!same)
        free(d);
    free(ref);
}

static void bad_shapes(lt *t)
{
    lavin_context *ctx = t->ctx;
    enum { A, AB, B_, X, XL, H16, A2, BD, V, TOK, TOKC, V3, UP, UPT, UPH, UP1, Z1, Z2C, POOL, POOLH, D2, NT };
    static const int64_t shapes[NT][5] = {
        [A] = { 2, 3, 8 }, [AB] = { 3, 3, 8 }, [B_] = { 2, 5, 8 }, [X] = { 2, 8, 8 }, [XL] = { 2, 9, 8 }, [H16] = { 2, 3, 8 },
        [A2] = { 6, 8 }, [BD] = { 2, 5, 7 },
        [V] = { 1, 4, 3, 6, 5 },          /* W 5 not divisible by 2 */
        [TOK] = { 1, 3 * 3 * 2, 16 },     /* the tokens of V3 with p 2 */
        [TOKC] = { 1, 3 * 3 * 2, 12 },    /* C 3 tokens against a C 4 video */
        [V3] = { 1, 4, 3, 6, 4 },
        [UP] = { 1, 4, 5, 6, 4 },         /* correct upsample of V3 */
        [UPT] = { 1, 4, 6, 12, 8 },       /* T 6 instead of 5 */
        [UPH] = { 1, 4, 5, 12, 9 },       /* W not doubled */
        [UP1] = { 1, 4, 2, 12, 8 },       /* a T 1 input must stay T 1 */
        [Z1] = { 1, 4, 1, 3, 2 },         /* one zq frame for an odd-T f */
        [Z2C] = { 1, 5, 2, 3, 2 },        /* channels differ */
        [POOL] = { 1, 4, 3, 6, 4 },       /* V3 pooled must have 2 frames, not 3 */
        [POOLH] = { 1, 4, 2, 6, 5 },
        [D2] = { 1, 4, 9, 6, 5 },
    };
    static const int ndims[NT] = { 3, 3, 3, 3, 3, 3, 2, 3, 5, 3, 3, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5 };
    lavin_tensor ts[NT] = { { 0 } };
    int ret = 0;
    for (int i = 0; i < NT && ret >= 0; i++)
        ret = lavin_tensor_alloc(ctx, &ts[i], i == H16 ? LAVIN_F16 : LAVIN_F32, ndims[i], shapes[i]);
    if (!lt_ok(t, "alloc", ret))
        goto out;
    lavin_tensor v1 = { 0 };
    int64_t nev1[5] = { 1, 4, 1, 3, 2 };
    if (!lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &v1, LAVIN_F32, 5, nev1)))
        goto out;
    lt_rejects(t, "concat_seq with batch 3 vs 2", lavin_op_concat_seq(ctx, &ts[AB], &ts[B_], &ts[X]));
    lt_rejects(t, "concat_seq with widths 8 and 7", lavin_op_concat_seq(ctx, &ts[A], &ts[BD], &ts[X]));
    lt_rejects(t, "concat_seq into L 9 for 3 + 5", lavin_op_concat_seq(ctx, &ts[A], &ts[B_], &ts[XL]));
    lt_rejects(t, "concat_seq of an f16 tensor", lavin_op_concat_seq(ctx, &ts[H16], &ts[B_], &ts[X]));
    lt_rejects(t, "split_seq of L 9 into 3 + 5", lavin_op_split_seq(ctx, &ts[XL], &ts[A], &ts[B_]));
    lt_rejects(t, "split_seq with a 2-D part", lavin_op_split_seq(ctx, &ts[X], &ts[A2], &ts[B_]));
    lt_rejects(t, "patchify W 5 by 2", lavin_op_patchify(ctx, &ts[V], 2, &ts[TOK]));
    lt_rejects(t, "patchify with p 0", lavin_op_patchify(ctx, &ts[V3], 0, &ts[TOK]));
    lt_rejects(t, "patchify into tokens of width 12 for C 4", lavin_op_patchify(ctx, &ts[V3], 2, &ts[TOKC]));
    lt_rejects(t, "patchify into a 5-D output", lavin_op_patchify(ctx, &ts[V3], 2, &ts[UP]));
    lt_rejects(t, "unpatchify width 12 into C 4", lavin_op_unpatchify(ctx, &ts[TOKC], 2, &ts[V3]));
    lt_rejects(t, "unpatchify with p 3", lavin_op_unpatchify(ctx, &ts[TOK], 3, &ts[V3]));
    lt_rejects(t, "resize_nearest of a 3-D tensor", lavin_op_resize_nearest(ctx, &ts[A], &ts[V3]));
    lt_rejects(t, "resize_nearest with channels 4 -> 5", lavin_op_resize_nearest(ctx, &ts[V3], &ts[Z2C]));
    lt_rejects(t, "upsample_stvae T 3 -> 6", lavin_op_upsample_stvae(ctx, &ts[V3], &ts[UPT]));
    lt_rejects(t, "upsample_stvae W 4 -> 9", lavin_op_upsample_stvae(ctx, &ts[V3], &ts[UPH]));
    lt_rejects(t, "upsample_stvae T 1 -> 2", lavin_op_upsample_stvae(ctx, &v1, &ts[UP1]));
    lt_rejects(t, "resize_spatialnorm of 1 zq frame to T 3", lavin_op_resize_spatialnorm(ctx, &ts[Z1], &ts[V3]));
    lt_rejects(t, "resize_spatialnorm with channels 5 -> 4", lavin_op_resize_spatialnorm(ctx, &ts[Z2C], &ts[V3]));
    lt_rejects(t, "time_pool T 3 -> 3", lavin_op_time_pool(ctx, &ts[V3], &ts[POOL]));
    lt_rejects(t, "time_pool with W 4 -> 5", lavin_op_time_pool(ctx, &ts[V3], &ts[POOLH]));
    lt_rejects(t, "copy_frames past src's end", lavin_op_copy_frames(ctx, &ts[V3], 1, &ts[UP], 0, 3));
    lt_rejects(t, "copy_frames past dst's end", lavin_op_copy_frames(ctx, &ts[V3], 0, &ts[UP], 3, 3));
    lt_rejects(t, "copy_frames at t1 -1", lavin_op_copy_frames(ctx, &ts[V3], 0, &ts[UP], -1, 1));
    lt_rejects(t, "copy_frames of -1 frames", lavin_op_copy_frames(ctx, &ts[V3], 0, &ts[UP], 0, -1));
    lt_rejects(t, "copy_frames with H 6 -> 12", lavin_op_copy_frames(ctx, &ts[V3], 0, &ts[UPT], 0, 1));
    lt_rejects(t, "copy_frames overlapping in place", lavin_op_copy_frames(ctx, &ts[D2], 0, &ts[D2], 2, 3));
    lt_rejects(t, "copy_frames of an f16 tensor", lavin_op_copy_frames(ctx, &ts[H16], 0, &ts[UP], 0, 1));
    lavin_tensor_free(ctx, &v1);
out:
    for (int i = 0; i < NT; i++)
        lavin_tensor_free(ctx, &ts[i]);
}

void lt_family_layout(lt *t)
{
    static const int64_t concat[][4] = {
        { 1, 1, 1, 1 }, { 2, 3, 5, 7 }, { 1, 257, 13, 3 }, { 3, 1, 1000, 5 }, { 2, 10, 18, 72 },
    };
    for (size_t i = 0; i < sizeof(concat) / sizeof(concat[0]); i++)
        concat_case(t, concat[i][0], concat[i][1], concat[i][2], concat[i][3]);

    static const int64_t patch[][6] = {
        { 1, 1, 1, 1, 1, 1 }, { 1, 16, 1, 4, 4, 2 }, { 2, 3, 5, 3, 7, 2 }, { 1, 5, 9, 2, 3, 3 },
        { 2, 16, 2, 1, 1, 2 }, { 1, 7, 3, 5, 2, 1 }, { 1, 16, 3, 13, 11, 2 },
    };
    for (size_t i = 0; i < sizeof(patch) / sizeof(patch[0]); i++)
        patch_case(t, patch[i][0], patch[i][1], patch[i][2], patch[i][3], patch[i][4], patch[i][5]);

    /* {op, B, C, in T H W, out T H W} */
    static const int64_t video[][8] = {
        { 1, 1, 1, 1, 1, 3, 5, 7 },   { 2, 3, 5, 7, 9, 3, 4, 5 },    { 1, 2, 2, 2, 2, 5, 3, 82 },
        { 1, 1, 9, 13, 11, 9, 13, 11 }, { 1, 2, 3, 5, 6, 6, 10, 12 }, { 2, 1, 7, 2, 3, 2, 94, 110 },
    };
    /* PyTorch's float rule, not the integer floor(41 * 2 / 82) = 1 */
    lt_check(t, "nearest index 41 of 2 -> 82 is 0", (double)lavin_ref_nearest_index(41, 2, 82), EXACT);
    for (size_t i = 0; i < sizeof(video) / sizeof(video[0]); i++)
        video_case(t, RESIZE, video[i][0], video[i][1], &video[i][2], &video[i][5]);

    static const int64_t ups[][5] = {
        { 1, 1, 1, 1, 1 }, { 2, 3, 1, 5, 7 }, { 1, 2, 2, 3, 4 }, { 1, 5, 3, 7, 5 }, { 2, 2, 5, 4, 3 },
        { 1, 3, 9, 5, 6 },
    };
    for (size_t i = 0; i < sizeof(ups) / sizeof(ups[0]); i++) {
        int64_t T = ups[i][2], out[3] = { T > 1 ? 2 * T - 1 : 1, 2 * ups[i][3], 2 * ups[i][4] };
        video_case(t, UPSAMPLE, ups[i][0], ups[i][1], &ups[i][2], out);
    }

    /* {B, C, zq T H W, f T H W} */
    static const int64_t sn[][8] = {
        { 1, 3, 1, 3, 5, 1, 24, 40 }, { 2, 2, 2, 3, 5, 3, 7, 11 }, { 1, 4, 3, 2, 2, 5, 16, 16 },
        { 1, 2, 5, 3, 3, 9, 6, 6 },   { 1, 3, 2, 4, 3, 2, 8, 6 },  { 1, 2, 3, 5, 5, 2, 5, 5 },
        { 1, 2, 2, 2, 3, 9, 4, 6 },   { 2, 1, 5, 3, 4, 3, 5, 7 },
    };
    for (size_t i = 0; i < sizeof(sn) / sizeof(sn[0]); i++)
        video_case(t, SPATIALNORM, sn[i][0], sn[i][1], &sn[i][2], &sn[i][5]);

    static const int64_t pool[][5] = {
        { 1, 1, 1, 1, 1 }, { 2, 3, 2, 5, 7 }, { 1, 4, 3, 6, 5 }, { 1, 2, 5, 13, 3 }, { 2, 3, 9, 4, 4 },
        { 1, 1, 4, 1, 257 },
    };
    for (size_t i = 0; i < sizeof(pool) / sizeof(pool[0]); i++) {
        int64_t out[3] = { (pool[i][2] + 1) / 2, pool[i][3], pool[i][4] };
        video_case(t, TIME_POOL, pool[i][0], pool[i][1], &pool[i][2], out);
    }

    copy_case(t, 2, 3, 5, 9, 4, 7, 1, 3, 3, 0);
    copy_case(t, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0);
    copy_case(t, 1, 2, 3, 2, 5, 5, 1, 0, 2, 0);
    copy_case(t, 3, 2, 9, 9, 3, 5, 0, 5, 4, 1);
    copy_case(t, 1, 2, 5, 5, 3, 3, 2, 2, 0, 0);
    /* over 65535 workgroups of 256: the launch folds into x * y groups */
    copy_case(t, 1, 1, 2, 3, 2053, 8209, 1, 2, 1, 0);
    bad_shapes(t);
}
