/* Plain-C reference for attention: the softmax over every key, in double. */
#ifndef LAVIN_TESTS_REF_ATTENTION_H
#define LAVIN_TESTS_REF_ATTENTION_H

#include <stddef.h>

/* q, out: [B, L, H, hd]; k, v: [B, L, Hkv, hd]; head h reads kv head
 * h / (H / Hkv). */
void lavin_ref_attention(const float *q, const float *k, const float *v, float *out, size_t B, size_t L,
                         size_t H, size_t Hkv, size_t hd);

#endif
