#!/bin/sh
# Prepares the GPU check (tools/gpu_check.sh) on the build machine: builds
# the release programs it runs and fills .gpu/ (git-ignored), which travels
# to the GPU machine at the same place in the checkout. That machine has no
# glslang, FFmpeg, Vulkan loader or meson, so .gpu/ holds the programs and
# the shared libraries they need beyond libm and libc:
#
#   bin/     test_ops, test_jdit, test_stvae, lavin-bench (stripped)
#   lib/     libvulkan.so.1, libcjson.so.1 (this machine's, Debian 12)
#   lib-fallback/  what the NVIDIA driver's Vulkan library itself loads
#            (glvnd's libGLdispatch and libGLX, libX11, libXext and theirs), which a
#            CUDA image may lack: gpu_check.sh uses each only where the
#            machine has none
#   layer/   the Khronos validation layer, its library xz-packed, and its
#            manifest pointing next to it
#   manifest.txt  source commit, build, every file's size and sha256, and
#            what the device tool would carry in all
#
# usage: tools/gpu_pack.sh [BUILD_DIR]   (default build-gpu)
# Then, on the GPU machine, from the repo root: bash tools/gpu_check.sh
set -eu
cd "$(dirname "$0")/.."
build=${1:-build-gpu}
programs="tests/test_ops tests/test_jdit tests/test_stvae bench/lavin-bench"
# What the GPU machine has; a program needing anything else could not start.
system_libs="libm.so.6 libc.so.6"
carried_libs="libvulkan.so.1 libcjson.so.1"
fallback_libs="libGLdispatch.so.0 libGLX.so.0 libEGL.so.1 libOpenGL.so.0 libGL.so.1 libX11.so.6 libXext.so.6 libxcb.so.1 libXau.so.6 libXdmcp.so.6 libbsd.so.0 libmd.so.0"

if [ -f "$build/build.ninja" ]; then
    meson configure "$build" -Dbuildtype=release -Dwerror=true
else
    meson setup "$build" --buildtype=release -Dwerror=true
fi
# shellcheck disable=SC2086
ninja -C "$build" $programs

rm -rf .gpu
mkdir -p .gpu/bin .gpu/lib .gpu/lib-fallback .gpu/layer
for p in $programs; do
    cp "$build/$p" .gpu/bin/
    strip --strip-unneeded ".gpu/bin/${p##*/}"
done

needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
for b in .gpu/bin/*; do
    for n in $(needed "$b"); do
        case " $system_libs $carried_libs " in
        *" $n "*) ;;
        *) echo "gpu_pack: $b needs $n, which the GPU machine lacks" >&2; exit 1 ;;
        esac
    done
done

# A library's file as the dynamic loader here finds it.
lib_file() { ldconfig -p | awk -v n="$1" '$1 == n && /x86-64/ { print $NF; exit }'; }
for n in $carried_libs; do
    f=$(lib_file "$n")
    [ -n "$f" ] || { echo "gpu_pack: $n not found here" >&2; exit 1; }
    cp -L "$f" ".gpu/lib/$n"
done
for n in $fallback_libs; do
    f=$(lib_file "$n")
    if [ -n "$f" ]; then cp -L "$f" ".gpu/lib-fallback/$n"; else echo "gpu_pack: no $n here (not carried)" >&2; fi
done

# The validation layer: the manifest's library_path made relative to the
# manifest, and the library packed (22 MB, 5 MB packed: the device tool
# carries 64 MiB in all, the repo included).
layer_json=''
for d in /usr/share/vulkan/explicit_layer.d /etc/vulkan/explicit_layer.d /usr/local/share/vulkan/explicit_layer.d; do
    [ -f "$d/VkLayer_khronos_validation.json" ] && { layer_json=$d/VkLayer_khronos_validation.json; break; }
done
layer_so=$(dirname "$(lib_file libvulkan.so.1)")/libVkLayer_khronos_validation.so
if [ -n "$layer_json" ] && [ -f "$layer_so" ] && command -v xz >/dev/null; then
    sed 's|"library_path" *: *"[^"]*"|"library_path": "./libVkLayer_khronos_validation.so"|' "$layer_json" \
        >.gpu/layer/VkLayer_khronos_validation.json
    xz -T2 -6 -c "$layer_so" >.gpu/layer/libVkLayer_khronos_validation.so.xz
else
    echo "gpu_pack: no validation layer here (vulkan-validationlayers, xz-utils): the check runs without it" >&2
    rmdir .gpu/layer
fi

# What the device tool sends: tracked and untracked-not-ignored files, and
# .gpu/ named in its carry.
total() { awk '{ s += $1 } END { print s + 0 }'; }
tree_bytes=$(git ls-files -z -c -o --exclude-standard | xargs -0 stat -c %s 2>/dev/null | total)
gpu_bytes=$(find .gpu -type f -exec stat -c %s {} + | total)
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
{
    echo "lavin GPU pack, made $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "source: $(git rev-parse --short HEAD) with $(git status --porcelain | wc -l) files changed or new"
    nv=no
    grep -q 'LAVIN_HAVE_GLSL_NV_COOPMAT 1' "$build/lavin_config.h" && nv=yes
    echo "build: $build (release, -Dwerror=true), $(glslangValidator --version 2>/dev/null | head -1)," \
        "NV cooperative-matrix shaders: $nv"
    echo "carried: tree $(mib "$tree_bytes") + .gpu $(mib "$gpu_bytes") = $(mib $((tree_bytes + gpu_bytes))) of 64 MiB"
    echo
    echo "files (bytes, sha256):"
    find .gpu -type f ! -name manifest.txt | sort | while read -r f; do
        printf '  %-52s %9s  %s\n' "$f" "$(stat -c %s "$f")" "$(sha256sum "$f" | cut -c1-64)"
    done
    echo
    echo "needs:"
    for b in .gpu/bin/*; do echo "  ${b##*/}: $(needed "$b" | tr '\n' ' ')"; done
} >.gpu/manifest.txt
cat .gpu/manifest.txt
if [ $((tree_bytes + gpu_bytes)) -gt $((60 * 1048576)) ]; then
    echo "gpu_pack: warning: $(mib $((tree_bytes + gpu_bytes))) to carry, at or over the device tool's 64 MiB;" \
        "the largest files that travel:" >&2
    git ls-files -z -c -o --exclude-standard | xargs -0 stat -c '%s %n' 2>/dev/null | sort -rn | head -3 |
        while read -r size name; do echo "  $(mib "$size")  $name" >&2; done
fi
echo
echo "Device command (from the repo root, .gpu carried): bash tools/gpu_check.sh"
