/* lavin-bench: `lavin bench` as a program of its own. The lavin command
 * links FFmpeg for its media; the benchmarks need only the Vulkan loader and
 * cJSON, so this one runs on a machine that has nothing else (the GPU check,
 * tools/gpu_pack.sh and tools/gpu_check.sh). */
#include "bench/bench.h"

int main(int argc, char **argv)
{
    return lavin_cmd_bench(argc, argv);
}
