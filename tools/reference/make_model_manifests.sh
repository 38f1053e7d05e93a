#!/bin/sh
# Regenerates tests/data/models/*.manifest from the reference modules: the
# first line of each holds the config, the rest are "name d0,d1,..." lines in
# state-dict order.
# usage: tools/reference/make_model_manifests.sh REPO [OUT_DIR]
set -eu
repo=$1
out=${2:-$(dirname "$0")/../../tests/data/models}
gen=$(dirname "$0")/manifest.py
one() {
    { printf '# %s %s\n' "$2" "$3"; /usr/bin/python3 "$gen" "$repo" "$2" "$3"; } > "$out/$1.manifest"
}
one jdit_released jdit '{"hidden_size": 2304, "depth": 22, "num_heads": 32, "kv_group": 4, "in_channels": 16, "patch_size": [2, 2]}'
one jdit_tiny jdit '{"hidden_size": 144, "depth": 2, "num_heads": 2, "kv_group": 2, "in_channels": 4, "patch_size": [2, 2]}'
one jdit_tiny_mha jdit '{"hidden_size": 96, "depth": 1, "num_heads": 4, "kv_group": 1, "in_channels": 16, "patch_size": [2, 2]}'
one stvae_released stvae '{"block_out_channels": [128, 256, 256, 512], "layers_per_block": 3, "latent_channels": 16, "norm_num_groups": 32, "temporal_compression_ratio": 4}'
one stvae_tiny stvae '{"block_out_channels": [32, 64], "layers_per_block": 1, "latent_channels": 4, "norm_num_groups": 32, "temporal_compression_ratio": 2}'
one stvae_tiny3 stvae '{"block_out_channels": [32, 32, 64], "layers_per_block": 2, "latent_channels": 8, "norm_num_groups": 8, "temporal_compression_ratio": 4}'
one stvae_tiny4 stvae '{"block_out_channels": [32, 32, 64, 64], "layers_per_block": 1, "latent_channels": 16, "norm_num_groups": 8, "temporal_compression_ratio": 4}'
