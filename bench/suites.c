#include "bench/bench.h"

const lavin_bench_suite_fn lavin_bench_suite[] = {
    lavin_bench_matmul,
    lavin_bench_attention,
    lavin_bench_conv,
    lavin_bench_sampler,
    lavin_bench_stvae,
    lavin_bench_elementwise,
    lavin_bench_norm,
    lavin_bench_quant,
};
const size_t lavin_bench_suite_count = sizeof(lavin_bench_suite) / sizeof(lavin_bench_suite[0]);
