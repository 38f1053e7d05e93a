#!/bin/sh
# Builds the libFuzzer targets with clang (ASan + UBSan) in their own build
# folder and runs each on a copy of tests/data/fuzz for SECONDS (default 60).
# Any crash, leak, sanitizer report or timeout fails the run; the input that
# caused it is kept under BUILD/fuzz-artifacts/.
#
# usage: tools/fuzz.sh [SECONDS]    (FUZZ_BUILD_DIR overrides build-fuzz)
set -eu

secs=${1:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}

if [ ! -f "$build/build.ninja" ]; then
    CC=clang meson setup "$build" "$root" -Dfuzz=true -Dbuildtype=debugoptimized -Db_ndebug=false
fi
ninja -C "$build" fuzz/fuzz_safetensors fuzz/fuzz_torchzip fuzz/fuzz_gguf

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"

status=0
for target in safetensors torchzip gguf; do
    mkdir -p "$work/$target"
    cp "$root/tests/data/fuzz/$target/"* "$work/$target/"
    echo "== fuzz_$target for ${secs}s"
    if ! "$build/fuzz/fuzz_$target" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
            -print_final_stats=1 -artifact_prefix="$artifacts/$target-" "$work/$target" \
            >"$work/$target.log" 2>&1; then
        tail -n 60 "$work/$target.log"
        echo "fuzz_$target: FAILED; reproducer in $artifacts/" >&2
        status=1
    else
        grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$work/$target.log" || true
    fi
done
exit $status
