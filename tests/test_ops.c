/* Runs every op family against its plain-C reference on the selected device,
 * with the validation layer on; any validation error fails the run.
 * Usage: test_ops [--verbose] [--seed N] [FAMILY-SUBSTRING] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/context.h"
#include "core/mma.h"
#include "tests/families.h"

static const struct {
    const char *name;
    void (*run)(lt *t);
    int mma; /* has kernels on the matrix-tile layer */
} families[] = {
    { "elementwise", lt_family_elementwise, 0 },
    { "matmul", lt_family_matmul, 1 },
    { "attention", lt_family_attention, 1 },
    { "conv", lt_family_conv, 0 },
    { "layout", lt_family_layout, 0 },
    { "norm", lt_family_norm, 0 },
    { "tile", lt_family_tile, 0 },
    { "resample", lt_family_resample, 0 },
    { "quant", lt_family_quant, 1 },
};

int main(int argc, char **argv)
{
    lt t = { .rng = 20261124 };
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--verbose"))
            t.verbose = 1;
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            t.rng = strtoull(argv[++i], NULL, 0);
        else
            t.filter = argv[i];
    }
    lavin_context_params p;
    lavin_context_params_default(&p);
    p.validation = !getenv("LAVIN_TEST_NO_VALIDATION");
    char err[512];
    if (lavin_context_open(&t.ctx, &p, err, sizeof(err)) < 0) {
        fprintf(stderr, "test_ops: %s\n", err);
        return 1;
    }
    printf("device: %s (validation %s, matrix tiles: %s)\n", lavin_context_device(t.ctx)->name,
           p.validation ? "on" : "off", lavin_mma_name(t.ctx->mma));
    /* Every family runs with each device class's f32 kernels; the families
     * with 16-bit kernels also run them on the emulated matrix-tile layer,
     * and on the device's cooperative matrices where it has them. */
    struct {
        enum lavin_kernels kernels;
        enum lavin_mma mma;
        const char *suffix;
    } variants[] = {
        { LAVIN_KERNELS_GPU, LAVIN_MMA_NONE, "" },
        { LAVIN_KERNELS_CPU, LAVIN_MMA_NONE, " (cpu kernels)" },
        { LAVIN_KERNELS_GPU, LAVIN_MMA_EMULATED, " (f16, emulated tiles)" },
        { LAVIN_KERNELS_GPU, t.ctx->mma, " (f16, cooperative matrices)" },
    };
    size_t nvariants = t.ctx->mma == LAVIN_MMA_NONE ? 3 : 4;
    for (size_t k = 0; k < nvariants; k++) {
        t.ctx->kernels = variants[k].kernels;
        t.ctx->mma = variants[k].mma;
        for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
            char name[64];
            snprintf(name, sizeof(name), "%s%s", families[i].name, variants[k].suffix);
            if ((variants[k].mma != LAVIN_MMA_NONE && !families[i].mma) || !lt_enabled(&t, name))
                continue;
            lt_family_begin(&t, name);
            families[i].run(&t);
            lt_family_end(&t);
        }
    }
    unsigned verr = lavin_validation_errors(t.ctx);
    lavin_context_destroy(&t.ctx);
    if (verr) {
        printf("validation: %u errors\n", verr);
        t.failed++;
    }
    printf("%d passed, %d failed\n", t.passed, t.failed);
    return t.failed ? 1 : 0;
}
