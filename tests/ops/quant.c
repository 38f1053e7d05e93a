/* The quantized weight dtypes (Q8_0, Q4_0): core/quant.c's host conversion
 * against the reference and against the bounds its rounding promises, the
 * block bookkeeping of tensors, the ops that must refuse blocks, and the
 * matmul reading blocks in place against f32 math on the dequantized
 * weights. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/half.h"
#include "core/ops/elementwise.h"
#include "core/ops/matmul.h"
#include "core/ops/matmul_mma.h"
#include "core/quant.h"
#include "core/transfer.h"
#include "tests/families.h"
#include "tests/ref/matmul.h"
#include "tests/ref/quant.h"

static const lavin_dtype qdts[] = { LAVIN_Q8_0, LAVIN_Q4_0 };

/* Rows of blocks that reach each rule of the quantizers. */
enum { ROW_UNIFORM, ROW_MAGNITUDES, ROW_ZERO, ROW_HUGE, ROW_NEG_MAX, ROW_TIE, NROWS };
static const char *const row_names[] = {
    "uniform", "block magnitudes 1e-6..1e2", "all zero", "one huge value", "negative max", "tied max",
};
#define BLOCKS 9
#define ROW_N (BLOCKS * LAVIN_QK)

static void make_row(lt *t, int kind, float *x)
{
    for (int i = 0; i < ROW_N; i++)
        x[i] = lt_uniform(t, -1, 1);
    for (int b = 0; b < BLOCKS; b++) {
        float *v = x + b * LAVIN_QK;
        switch (kind) {
        case ROW_MAGNITUDES: /* down to f16-subnormal scales */
            for (int j = 0; j < LAVIN_QK; j++)
                v[j] *= powf(10.0f, (float)(b - 6));
            break;
        case ROW_ZERO:
            memset(v, 0, LAVIN_QK * sizeof(float));
            break;
        case ROW_HUGE: /* everything else rounds to 0 (Q8_0) or 8 (Q4_0) */
            for (int j = 0; j < LAVIN_QK; j++)
                v[j] *= 1e-2f;
            v[(b * 7) % LAVIN_QK] = b % 2 ? 30000.0f : -30000.0f;
            break;
        case ROW_NEG_MAX:
            v[(b * 5 + 3) % LAVIN_QK] = -1.5f;
            break;
        case ROW_TIE: /* the first one sets the sign of Q4_0's d */
            v[b] = b % 2 ? 1.25f : -1.25f;
            v[b + 16] = -v[b];
            break;
        default:
            break;
        }
    }
}

static float scale_of(const uint8_t *block)
{
    return lavin_f16_to_f32((uint16_t)(block[0] | (block[1] << 8)));
}

/* The q of element j of a block: what w = d * q multiplies. */
static int q_of(lavin_dtype dt, const uint8_t *block, int j)
{
    if (dt == LAVIN_Q8_0)
        return (int8_t)block[2 + j];
    return (j < 16 ? block[2 + j] & 15 : block[2 + j - 16] >> 4) - 8;
}

/* Checks one block of lavin's output against what ggml computes for it:
 * the scale bits, and each element within half a step d of its source (a
 * whole step where Q4_0 clips x / d = 8 to 7) plus what storing d as f16
 * moved q * d. Returns the worst error over its bound (<= 1 passes). */
static double block_error(lavin_dtype dt, const float *x, const uint8_t *block, int *scale_bits_ok)
{
    float amax = 0.0f, m = 0.0f;
    for (int j = 0; j < LAVIN_QK; j++)
        if (fabsf(x[j]) > amax) {
            amax = fabsf(x[j]);
            m = x[j];
        }
    float d = dt == LAVIN_Q8_0 ? amax / 127.0f : m / -8.0f;
    uint16_t bits = (uint16_t)(block[0] | (block[1] << 8));
    *scale_bits_ok = bits == lavin_f32_to_f16(d);
    double d16 = scale_of(block), worst = 0.0;
    for (int j = 0; j < LAVIN_QK; j++) {
        int q = q_of(dt, block, j);
        int clipped = dt == LAVIN_Q4_0 && d != 0.0f && (double)x[j] / d > 7.5;
        double bound = fabs(d) * (clipped ? 1.0 : 0.5) + fabs((double)d - d16) * abs(q) +
                       1e-6 * (fabs(x[j]) + fabs(d16) * abs(q)) + 1e-30;
        double err = fabs((double)x[j] - d16 * q) / bound;
        if (err > worst)
            worst = err;
    }
    return worst;
}

/* The quantized bytes of special blocks, as ggml writes them. */
static int special_ok(lavin_dtype dt, int kind, const float *x, const uint8_t *q)
{
    size_t bb = lavin_dtype_block_bytes(dt);
    for (int b = 0; b < BLOCKS; b++) {
        const uint8_t *blk = q + (size_t)b * bb;
        const float *v = x + b * LAVIN_QK;
        for (int j = 0; j < LAVIN_QK; j++) {
            int qj = q_of(dt, blk, j);
            if (kind == ROW_ZERO && (qj != 0 || blk[0] != 0 || blk[1] != (dt == LAVIN_Q8_0 ? 0x00 : 0x80)))
                return 0; /* Q4_0's d is 0 / -8 = -0 */
            if (kind == ROW_HUGE && fabsf(v[j]) == 30000.0f &&
                qj != (dt == LAVIN_Q8_0 ? (v[j] > 0 ? 127 : -127) : -8))
                return 0;
            if (kind == ROW_NEG_MAX && v[j] == -1.5f && qj != (dt == LAVIN_Q8_0 ? -127 : -8))
                return 0;
            if (kind == ROW_TIE && fabsf(v[j]) == 1.25f && dt == LAVIN_Q4_0 && qj != (j == b ? -8 : 7))
                return 0;
        }
        if (kind == ROW_NEG_MAX && dt == LAVIN_Q4_0 && !(scale_of(blk) > 0.0f))
            return 0;
    }
    return 1;
}

static void round_trip(lt *t)
{
    float x[ROW_N], back[ROW_N], ref_back[ROW_N];
    uint8_t q[BLOCKS * 34], ref[BLOCKS * 34];
    for (size_t di = 0; di < 2; di++) {
        lavin_dtype dt = qdts[di];
        size_t bytes = BLOCKS * lavin_dtype_block_bytes(dt);
        for (int kind = 0; kind < NROWS; kind++) {
            char what[120];
            snprintf(what, sizeof(what), "%s row: %s", lavin_dtype_name(dt), row_names[kind]);
            make_row(t, kind, x);
            if (!lt_ok(t, what, lavin_quantize_row(dt, x, q, ROW_N)))
                continue;
            lavin_ref_quantize(dt, x, ref, ROW_N);
            lt_check(t, "  bytes as the reference writes them", memcmp(q, ref, bytes) ? 1.0 : 0.0, 0.0);
            double worst = 0.0;
            int scales_ok = 1;
            for (int b = 0; b < BLOCKS; b++) {
                int ok;
                double e = block_error(dt, x + b * LAVIN_QK, q + (size_t)b * lavin_dtype_block_bytes(dt), &ok);
                worst = e > worst ? e : worst;
                scales_ok &= ok;
            }
            lt_check(t, "  scales as ggml computes them", scales_ok ? 0.0 : 1.0, 0.0);
            lt_check(t, "  elements within the rounding bound", worst, 1.0);
            lt_check(t, "  special blocks' bytes", special_ok(dt, kind, x, q) ? 0.0 : 1.0, 0.0);
            lavin_dequantize_row(dt, q, back, ROW_N);
            lavin_ref_dequantize(dt, ref, ref_back, ROW_N);
            lt_check(t, "  dequantized as the reference", memcmp(back, ref_back, sizeof(back)) ? 1.0 : 0.0, 0.0);
        }
    }
    /* not a whole number of blocks, not a quantized dtype */
    lt_check(t, "quantize_row of 33 elements fails",
             lavin_quantize_row(LAVIN_Q8_0, x, q, 33) == LAVIN_EINVAL ? 0.0 : 1.0, 0.0);
    lt_check(t, "quantize_row to f16 fails", lavin_quantize_row(LAVIN_F16, x, q, 32) == LAVIN_EINVAL ? 0.0 : 1.0,
             0.0);
}

/* Sizes, views and reshapes count blocks; other ops refuse them. */
static void tensors(lt *t)
{
    lavin_context *ctx = t->ctx;
    int sizes_ok = lavin_dtype_block(LAVIN_Q8_0) == 32 && lavin_dtype_block(LAVIN_Q4_0) == 32 &&
                   lavin_dtype_block(LAVIN_F16) == 1 && lavin_dtype_block_bytes(LAVIN_Q8_0) == 34 &&
                   lavin_dtype_block_bytes(LAVIN_Q4_0) == 18 && lavin_dtype_block_bytes(LAVIN_F32) == 4 &&
                   lavin_dtype_size(LAVIN_Q8_0) == 0 && lavin_dtype_size(LAVIN_BF16) == 2 &&
                   !strcmp(lavin_dtype_name(LAVIN_Q8_0), "q8_0") &&
                   !strcmp(lavin_dtype_name(LAVIN_Q4_0), "q4_0") && lavin_dtype_row_bytes(LAVIN_Q4_0, 96) == 54;
    lt_check(t, "dtype block sizes and names", sizes_ok ? 0.0 : 1.0, 0.0);

    lavin_tensor q = { 0 }, q8 = { 0 }, b = { 0 }, v, f = { 0 }, o = { 0 }, o3 = { 0 };
    int64_t n33[2] = { 3, 33 }, n64[2] = { 3, 64 }, n16[2] = { 12, 16 }, n2[2] = { 2, 64 }, n6[2] = { 6, 32 };
    int64_t nb[1] = { 32 }, n3[2] = { 3, 3 };
    lt_rejects(t, "q8_0 tensor with a last dimension of 33", lavin_tensor_alloc(ctx, &q, LAVIN_Q8_0, 2, n33));
    int ok = lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &q, LAVIN_Q4_0, 2, n64)) &&
             lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &q8, LAVIN_Q8_0, 2, n64)) &&
             lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &b, LAVIN_Q8_0, 1, nb)) &&
             lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &f, LAVIN_F32, 2, n64)) &&
             lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &o, LAVIN_F32, 2, n64)) &&
             lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &o3, LAVIN_F32, 2, n3));
    if (!ok) {
        lavin_tensor *all[] = { &q, &q8, &b, &f, &o, &o3 };
        for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
            lavin_tensor_free(ctx, all[i]);
        return;
    }
    lt_check(t, "q4_0 [3, 64] spans 6 blocks of 18 bytes", fabs((double)lavin_tensor_bytes(&q) - 108.0), 0.0);
    lt_rejects(t, "q4_0 view splitting a block", lavin_tensor_view(ctx, &q, 16, 2, n2, &v));
    lt_rejects(t, "q4_0 view of rows of 16", lavin_tensor_view(ctx, &q, 0, 2, n16, &v));
    if (lt_ok(t, "q4_0 view at a block", lavin_tensor_view(ctx, &q, 64, 2, n2, &v)))
        lt_check(t, "  starts 2 blocks in and spans 4",
                 fabs((double)(v.mem.offset - q.mem.offset) - 36.0) + fabs((double)v.mem.size - 72.0), 0.0);
    if (lt_ok(t, "q4_0 reshape to [6, 32]", lavin_tensor_reshape(ctx, &q, 2, n6, &v)))
        lt_check(t, "  keeps its bytes", fabs((double)lavin_tensor_bytes(&v) - 108.0), 0.0);
    lt_rejects(t, "add of q8_0 tensors", lavin_op_add(ctx, &q8, &q8, &o));
    lt_rejects(t, "mul by a q4_0 vector", lavin_op_mul(ctx, &f, &q, &o));
    lt_rejects(t, "silu of a q8_0 tensor", lavin_op_silu(ctx, &q8, &o));
    lt_rejects(t, "matmul of a q8_0 input", lavin_op_matmul(ctx, &q8, &q8, NULL, &o));
    lt_rejects(t, "matmul into a q8_0 output", lavin_op_matmul(ctx, &f, &q8, NULL, &q8));
    lt_rejects(t, "matmul with a q8_0 bias", lavin_op_matmul(ctx, &f, &q8, &b, &o3));
    lavin_tensor *all[] = { &q, &q8, &b, &f, &o, &o3 };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        lavin_tensor_free(ctx, all[i]);
}

typedef struct {
    int64_t M, N, K;
    lavin_dtype xdt, wdt;
    int bdt;      /* -1: no bias */
    int64_t off;  /* the weight view's offset in elements: 0 or a block, for rows 2 bytes off a word */
} qmm_case;

/* w quantized into a view off elements into a larger tensor (a random block
 * before and after); ref_w gets the weights that view holds. */
static int quant_weight(lt *t, const qmm_case *c, lavin_tensor *base, lavin_tensor *view, float *ref_w)
{
    size_t n = (size_t)(c->N * c->K), total = n + (size_t)c->off + LAVIN_QK;
    float *data = lt_random(t, total, -1, 1);
    /* rows of different magnitudes, so the blocks' scales differ */
    for (size_t i = 0; i < n; i++)
        data[c->off + (int64_t)i] *= 0.25f + (float)((i / (size_t)c->K) % 7);
    size_t bytes = lavin_dtype_row_bytes(c->wdt, (int64_t)total);
    uint8_t *q = malloc(bytes);
    int64_t ne = (int64_t)total, nw[2] = { c->N, c->K };
    int ret = q ? lavin_quantize_row(c->wdt, data, q, (int64_t)total) : LAVIN_ENOMEM;
    if (ret >= 0) {
        lavin_ref_dequantize(c->wdt, q + lavin_dtype_row_bytes(c->wdt, c->off), ref_w, n);
        ret = lavin_tensor_alloc(t->ctx, base, c->wdt, 1, &ne);
    }
    if (ret >= 0)
        ret = lavin_tensor_upload(t->ctx, base, q, bytes);
    if (ret >= 0)
        ret = lavin_tensor_view(t->ctx, base, c->off, 2, nw, view);
    free(q);
    free(data);
    return ret;
}

/* ||got - ref|| over ||sum_k |x| |w| + |bias|||: the f32 sums' rounding is
 * relative to the terms' magnitudes, so a product that cancels to almost
 * nothing (one output of random signs) is judged by those, not by its value. */
static double scaled_error(const float *got, const float *ref, const float *absref, size_t n)
{
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < n; i++) {
        num += ((double)got[i] - ref[i]) * ((double)got[i] - ref[i]);
        den += (double)absref[i] * absref[i];
    }
    return sqrt(num / den);
}

static float *absolute(const float *v, size_t n)
{
    float *a = malloc(n * sizeof(float));
    for (size_t i = 0; a && i < n; i++)
        a[i] = fabsf(v[i]);
    return a;
}

static void run_matmul(lt *t, const qmm_case *c)
{
    lavin_context *ctx = t->ctx;
    static const char *const bnames[] = { "f32", "f16", "bf16" };
    size_t M = (size_t)c->M, N = (size_t)c->N, K = (size_t)c->K;
    float *x = lt_random(t, M * K, -2, 2), *b = lt_random(t, N, -1, 1);
    float *w = malloc(N * K * sizeof(float)), *ref = malloc(M * N * sizeof(float));
    char what[160];
    snprintf(what, sizeof(what), "M %zu N %zu K %zu x %s w %s bias %s w off %lld", M, N, K,
             lavin_dtype_name(c->xdt), lavin_dtype_name(c->wdt), c->bdt < 0 ? "none" : bnames[c->bdt],
             (long long)c->off);
    int64_t nx[2] = { c->M, c->K }, nb[1] = { c->N }, no[2] = { c->M, c->N };
    lavin_tensor xt = { 0 }, wb = { 0 }, wv, bt = { 0 }, ot = { 0 };
    lt_round_to(x, M * K, c->xdt);
    if (c->bdt >= 0)
        lt_round_to(b, N, (lavin_dtype)c->bdt);
    int ret = w && ref ? quant_weight(t, c, &wb, &wv, w) : LAVIN_ENOMEM;
    if (ret >= 0)
        ret = lt_tensor(t, &xt, c->xdt, 2, nx, x);
    if (ret >= 0 && c->bdt >= 0)
        ret = lt_tensor(t, &bt, (lavin_dtype)c->bdt, 1, nb, b);
    if (ret >= 0)
        ret = lt_output(t, &ot, 2, no);
    if (ret >= 0)
        ret = lavin_op_matmul(ctx, &xt, &wv, c->bdt >= 0 ? &bt : NULL, &ot);
    if (lt_ok(t, what, ret)) {
        /* The dequantized weights are exact in f32 (an 11-bit scale times an
         * integer under 2^8), x and bias already hold their dtype's values:
         * only the order of the f32 sums differs from the reference. */
        float *ax = absolute(x, M * K), *aw = absolute(w, N * K), *ab = absolute(b, N);
        float *absref = malloc(M * N * sizeof(float)), *got = lt_fetch(t, &ot);
        double err = NAN;
        /* The matrix-tile kernel rounds x and the dequantized weights to f16
         * as it stages them; their products stay exact in f32. */
        if (lavin_matmul_mma_suits(ctx, c->M)) {
            lt_round_to(x, M * K, LAVIN_F16);
            lt_round_to(w, N * K, LAVIN_F16);
        }
        if (ax && aw && ab && absref && got) {
            lavin_ref_matmul(x, w, c->bdt >= 0 ? b : NULL, ref, M, N, K);
            lavin_ref_matmul(ax, aw, c->bdt >= 0 ? ab : NULL, absref, M, N, K);
            err = scaled_error(got, ref, absref, M * N);
        }
        lt_check(t, what, err, LT_TOL_F32);
        free(ax);
        free(aw);
        free(ab);
        free(absref);
        free(got);
    }
    lavin_tensor_free(ctx, &xt);
    lavin_tensor_free(ctx, &wb);
    lavin_tensor_free(ctx, &bt);
    lavin_tensor_free(ctx, &ot);
    free(x);
    free(w);
    free(b);
    free(ref);
}

void lt_family_quant(lt *t)
{
    round_trip(t);
    tensors(t);
    /* one row and a few, rows past a 16-row tile and a 128-row one; columns
     * around the CPU kernel's 32 and the GPU kernel's 64- and 128-wide tiles;
     * K of 1, 3 (odd: rows alternate word alignment), 5 and 72 blocks */
    static const int64_t Ms[] = { 1, 3, 17, 130 }, Ns[] = { 1, 5, 33, 67 }, Ks[] = { 32, 96, 160, 2304 };
    int i = 0;
    for (int mi = 0; mi < 4; mi++)
        for (int ni = 0; ni < 4; ni++)
            for (int ki = 0; ki < 4; ki++)
                for (int di = 0; di < 4; di++, i++) {
                    qmm_case c = {
                        .M = Ms[mi], .N = Ns[ni], .K = Ks[ki],
                        .xdt = di / 2 ? LAVIN_F16 : LAVIN_F32, .wdt = qdts[di % 2],
                        .bdt = (i / 4 + di) % 4 - 1, .off = (i / 16 + di) % 2 * LAVIN_QK,
                    };
                    run_matmul(t, &c);
                }
}
