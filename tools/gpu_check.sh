#!/bin/bash
# The GPU check (issue 19): lavin's tests and benchmarks on an NVIDIA GPU and
# the same cases in PyTorch on the same GPU, in one table. It runs on a GPU
# machine that has no glslang, FFmpeg, Vulkan loader, build tools or
# network, from the repo root of a checkout that carries .gpu/ (made by
# tools/gpu_pack.sh on the build machine, at the same place in the checkout).
#
# usage: tools/gpu_check.sh [--smoke] [--peak TFLOPS] [--budget SECONDS] [OUTDIR]
#   OUTDIR    where everything goes (default $OUT, else ./gpu-check-out), four
#             files: gpu_check.md (the table), gpu_check.log (every step's
#             output), lavin_bench.txt, torch.json
#   --smoke   the smallest shapes, to try the script on lavapipe (minutes)
#   --peak    the device's dense f16 peak in TFLOP/s for the table's "of peak"
#             column (default 989: H100/H200 SXM)
#   --budget  seconds for all steps together (default 450, 900 with --smoke);
#             each step's own timeout is cut to what is left, and a step that
#             would get under 5 s is skipped
#
# Each step has its own timeout and the check goes on after a failure. The
# steps come in the order of what matters most, so that a run cut short
# still has the main figures: the cooperative-matrix kernels' tests, lavin's
# f16 ops, PyTorch, lavin's f16 sampler step, lavin's f32 figures, then the
# rest of the tests.
set -u
cd "$(dirname "$0")/.." || exit 2
root=$PWD
smoke=0 peak=989 budget='' out=''
while [ $# -gt 0 ]; do
    case $1 in
    --smoke) smoke=1 ;;
    --peak) peak=${2:?--peak needs a value}; shift ;;
    --budget) budget=${2:?--budget needs a value}; shift ;;
    -h | --help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "gpu_check: bad argument '$1' (see --help)" >&2; exit 2 ;;
    *) out=$1 ;;
    esac
    shift
done
out=${out:-${OUT:-$root/gpu-check-out}}
mkdir -p "$out" && out=$(cd "$out" && pwd) || exit 2
log=$out/gpu_check.log bench=$out/lavin_bench.txt
rm -f "$out/gpu_check.md" "$out/torch.json"
: >"$log"
: >"$bench"
start=$(date +%s)
budget=${budget:-$([ $smoke = 1 ] && echo 900 || echo 450)}
deadline=$((start + budget))
gpu=$root/.gpu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

say() { echo "gpu_check: $*"; echo "gpu_check: $*" >>"$log"; }
# The file of a library as the dynamic loader would find it: LD_LIBRARY_PATH,
# then its cache.
find_lib() {
    local d
    for d in ${LD_LIBRARY_PATH//:/ }; do
        [ -e "$d/$1" ] && { echo "$d/$1"; return; }
    done
    ldconfig -p 2>/dev/null | awk -v n="$1" '$1 == n && /x86-64/ { print $NF; exit }'
}
has_lib() { [ -n "$(find_lib "$1")" ]; }

# --- what the machine has and lacks ------------------------------------------
missing=()
chmod +x "$gpu"/bin/* 2>/dev/null # in case the copy to this machine dropped the mode
[ -x "$gpu/bin/lavin-bench" ] || missing+=(".gpu/ (run tools/gpu_pack.sh on the build machine, carry .gpu)")
export LD_LIBRARY_PATH="$gpu/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LAVIN_TEST_FIXTURES=$root/tests/fixtures

# The NVIDIA Vulkan driver: its manifest in the loader's usual folders, else
# where the container runtime mounts the driver.
icd=''
for d in /etc/vulkan/icd.d /usr/share/vulkan/icd.d /usr/local/etc/vulkan/icd.d /usr/local/share/vulkan/icd.d; do
    for f in "$d"/nvidia*.json; do
        [ -f "$f" ] && { icd=$f; break 2; }
    done
done
if [ -z "$icd" ] && [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
    icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
    export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd
fi
if [ -n "$icd" ]; then
    # A bare library name is looked up by the dynamic loader: add the driver's
    # folder when ldconfig does not know it.
    lib=$(sed -n 's/.*"library_path" *: *"\([^"]*\)".*/\1/p' "$icd" | head -1)
    if [ -n "$lib" ] && [ "${lib#*/}" = "$lib" ] && ! has_lib "$lib"; then
        for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu; do
            [ -e "$d/$lib" ] && { export LD_LIBRARY_PATH=$LD_LIBRARY_PATH:$d; break; }
        done
    fi
    # What that library loads in turn (X11 and glvnd client libraries, which
    # a CUDA image may lack): Debian 12's copies, each only where the
    # machine has none.
    if [ -d "$gpu/lib-fallback" ]; then
        mkdir -p "$tmp/fallback"
        for f in "$gpu"/lib-fallback/*; do
            has_lib "${f##*/}" || ln -s "$f" "$tmp/fallback/${f##*/}"
        done
        export LD_LIBRARY_PATH=$LD_LIBRARY_PATH:$tmp/fallback
    fi
    libfile=$lib
    [ "${lib#*/}" = "$lib" ] && libfile=$(find_lib "$lib")
    if [ -n "$libfile" ]; then
        unmet=$(ldd "$libfile" 2>/dev/null | awk '/not found/ { printf "%s%s", sep, $1; sep = ", " }')
        [ -n "$unmet" ] && missing+=("$lib needs $unmet")
    else
        missing+=("$lib, the driver library $icd names")
    fi
elif [ $smoke = 0 ]; then
    missing+=("NVIDIA Vulkan ICD (no nvidia*.json in the usual folders or /usr/local/nvidia)")
fi

# The Khronos validation layer carried in .gpu/layer (its library xz-packed).
if [ -f "$gpu/layer/VkLayer_khronos_validation.json" ]; then
    mkdir -p "$tmp/layer"
    cp "$gpu/layer/VkLayer_khronos_validation.json" "$tmp/layer/"
    so=$tmp/layer/libVkLayer_khronos_validation.so
    if [ -f "$gpu/layer/libVkLayer_khronos_validation.so.xz" ]; then
        xz -dc "$gpu/layer/libVkLayer_khronos_validation.so.xz" >"$so" 2>/dev/null ||
            python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' \
                "$gpu/layer/libVkLayer_khronos_validation.so.xz" "$so" || rm -f "$so"
    elif [ -f "$gpu/layer/libVkLayer_khronos_validation.so" ]; then
        cp "$gpu/layer/libVkLayer_khronos_validation.so" "$so"
    fi
fi
if [ -s "$tmp/layer/libVkLayer_khronos_validation.so" ]; then
    export VK_LAYER_PATH=$tmp/layer
else
    export LAVIN_TEST_NO_VALIDATION=1
    missing+=("validation layer (tests run without it)")
fi

# A python3 with torch: the image's, else Debian's here.
py=''
for p in ${PYTHON:-} python3 /usr/bin/python3; do
    "$p" -c 'import torch' >/dev/null 2>&1 && { py=$p; break; }
done
[ -n "$py" ] || missing+=("python3 with torch (PyTorch steps skipped)")
pyany=${py:-python3}
if ! command -v nvidia-smi >/dev/null && [ $smoke = 0 ]; then missing+=("nvidia-smi"); fi
command -v timeout >/dev/null || { echo "gpu_check: missing: timeout (coreutils)" >&2; exit 2; }

# Whether Vulkan sees the device, and the precision lavin takes on it.
if [ -x "$gpu/bin/lavin-bench" ]; then
    probe=$(timeout 60 "$gpu/bin/lavin-bench" ops --precision f16 --filter "no case is called this" 2>&1 | head -3)
    case $probe in
    device:*)
        seen=${probe%%$'\n'*}
        case $seen in
        *llvmpipe* | *SwiftShader*) [ $smoke = 0 ] && missing+=("a GPU: lavin sees only a CPU device") ;;
        esac
        ;;
    *) missing+=("a Vulkan device for lavin (${probe//$'\n'/ })") ;;
    esac
fi
if [ ${#missing[@]} -gt 0 ]; then
    say "missing: $(printf '%s; ' "${missing[@]}" | sed 's/; $//')"
else
    say "nothing missing (ICD ${icd:-default}, validation layer carried, $py)"
fi
[ -n "${seen:-}" ] && say "lavin sees $seen"
{
    echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), budget ${budget} s, smoke $smoke"
    echo "host: $(uname -srm)"
    [ -f "$gpu/manifest.txt" ] && sed -n '1,3p' "$gpu/manifest.txt"
    echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
    echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-} VK_LAYER_PATH=${VK_LAYER_PATH:-}"
} >>"$log"

# --- steps --------------------------------------------------------------------
# step NAME TIMEOUT DEST COMMAND...: runs COMMAND under timeout, cut to the
# budget left; its output goes to the log, and its stdout also to DEST
# unless DEST is -. One line per step on stdout and in the log.
step() {
    local name=$1 limit=$2 dest=$3 rc status
    shift 3
    local left=$((deadline - $(date +%s) - 10))
    [ "$limit" -gt "$left" ] && limit=$left
    if [ "$limit" -lt 5 ]; then
        echo "== step $name: skipped (time budget spent)" >>"$log"
        say "$name: skipped (time budget spent)"
        return
    fi
    echo "== $name (timeout ${limit} s): $*" >>"$log"
    local t0 off
    t0=$(date +%s%N)
    off=$(stat -c %s "$log")
    if [ "$dest" = - ]; then
        timeout -k 5 "$limit" "$@" >>"$log" 2>&1
        rc=$?
    else
        timeout -k 5 "$limit" "$@" 2>>"$log" | tee -a "$dest" >>"$log"
        rc=${PIPESTATUS[0]}
    fi
    case $rc in
    0) status=ok ;;
    124 | 137) status="timed out after ${limit} s" ;;
    *) status="failed (exit $rc)" ;;
    esac
    # A test's closing tally, else a failure's last line, says more than a code.
    local tally
    tally=$(tail -c +$((off + 1)) "$log" | grep -E '^[0-9]+ passed, [0-9]+ failed|^validation: ' | tr '\n' ' ')
    if [ -n "$tally" ]; then
        status="$status: ${tally% }"
    elif [ "$rc" != 0 ]; then
        tally=$(tail -c +$((off + 1)) "$log" | grep -v '^\s*$' | tail -1 | cut -c1-200)
        [ -n "$tally" ] && status="$status: $tally"
    fi
    local ds=$((($(date +%s%N) - t0) / 100000000))
    echo "== step $name: $status, $((ds / 10)).$((ds % 10)) s" >>"$log"
    say "$name: $status ($((ds / 10)).$((ds % 10)) s)"
}

# The cases: bench/gpu_torch.py lists them for both sides.
if [ $smoke = 1 ]; then
    sm=--smoke size=() secs_ops=0.1 reps_step=1 rest=layout scale=3
else
    sm='' size=(--full) secs_ops=0.25 reps_step=3 rest='' scale=1
fi
ops=$("$pyany" bench/gpu_torch.py filter ops $sm)
steps=$("$pyany" bench/gpu_torch.py filter sampler $sm)
lb=("$gpu/bin/lavin-bench" ops "${size[@]}")

[ $smoke = 0 ] && step "nvidia-smi" 10 - nvidia-smi
step "test_ops cooperative (f16 kernels on cooperative matrices)" $((45 * scale)) - "$gpu/bin/test_ops" cooperative
step "lavin-bench ops f16" $((60 * scale)) "$bench" "${lb[@]}" --precision f16 --seconds $secs_ops --filter "$ops"
if [ -n "$py" ]; then
    step "pytorch" $((90 * scale)) - env PYTHONUNBUFFERED=1 "$py" bench/gpu_torch.py run "$out" $sm
else
    echo "== step pytorch: skipped (no python3 with torch)" >>"$log"
    say "pytorch: skipped (no python3 with torch)"
fi
step "lavin-bench sampler f16" $((90 * scale)) "$bench" "${lb[@]}" --precision f16 --reps $reps_step --filter "$steps"
step "lavin-bench ops f32" $((60 * scale)) "$bench" "${lb[@]}" --precision f32 --seconds $secs_ops --filter "$ops"
step "lavin-bench sampler f32" $((90 * scale)) "$bench" "${lb[@]}" --precision f32 --reps 1 --filter "$steps"
step "test_ops${rest:+ $rest}" $((150 * scale)) - "$gpu/bin/test_ops" $rest
step "test_jdit" $((60 * scale)) - "$gpu/bin/test_jdit"
step "test_stvae" $((60 * scale)) - "$gpu/bin/test_stvae"

# --- the table ----------------------------------------------------------------
echo "== table" >>"$log"
if timeout 60 "$pyany" bench/gpu_torch.py table "$out" --peak "$peak" $sm >"$tmp/table" 2>>"$log"; then
    echo
    cat "$tmp/table"
else
    say "table: failed (see $log)"
fi
# The device tool brings back files up to 16 MiB: a log swollen by
# validation messages keeps its first and last 6 MiB.
if [ "$(stat -c %s "$log")" -gt $((15 * 1048576)) ]; then
    { head -c $((6 * 1048576)) "$log"; printf '\n[... cut ...]\n'; tail -c $((6 * 1048576)) "$log"; } >"$tmp/log"
    mv "$tmp/log" "$log"
fi
say "done in $(($(date +%s) - start)) s; output in $out"
