#include <stdio.h>
#include <string.h>

#include "jdit/jdit_quant.h"

/* The modulation Linears are quantized too: they are more than a quarter
 * of the released model's weights, and the forward pass reads them whole or
 * as four [D, D] views that start at whole rows, hence at whole blocks. The
 * final layer, the embeddings, the timestep MLP, norms and biases are under
 * 0.4% of the weights and stay 16-bit. bench/README.md ("Quantized
 * weights") has what either choice costs in bytes and in accuracy. */
const char *lavin_jdit_quant_keep(const char *name, int ndim, const int64_t *shape, char *buf, size_t size)
{
    size_t len = strlen(name);
    if (ndim == 1)
        return len > 5 && !strcmp(name + len - 5, ".bias") ? "a bias" : "a norm weight";
    if (ndim != 2)
        return "not a matrix";
    if (!strncmp(name, "final_layer.", 12))
        return "the final layer";
    if (strstr(name, "embed"))
        return "an embedding";
    if (strncmp(name, "blocks.", 7))
        return "not a Linear weight of a J-DiT block";
    if (shape[1] % LAVIN_QK) {
        snprintf(buf, size, "row of %lld is not a whole number of %d-element blocks", (long long)shape[1],
                 LAVIN_QK);
        return buf;
    }
    return NULL;
}

lavin_dtype lavin_jdit_quant_dtype(lavin_dtype dtype, const char *name, int ndim, const int64_t *shape)
{
    char why[96];
    if (!lavin_dtype_is_quantized(dtype) || !lavin_jdit_quant_keep(name, ndim, shape, why, sizeof(why)))
        return dtype;
    return LAVIN_F16;
}
