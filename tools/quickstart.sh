#!/usr/bin/env bash
# The README's two quick-start commands:
#   tools/quickstart.sh run    install what is missing, build, and run lavin-tiny on the
#                              bundled examples: depth of a picture and of a video
#   tools/quickstart.sh test   install what is missing, build, run every test
# Works on a fresh Debian 12 machine as root or through sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
case "$mode" in
run|test) ;;
*) echo "usage: tools/quickstart.sh run|test" >&2; exit 2 ;;
esac

packages=(meson ninja-build pkg-config gcc glslang-tools libvulkan-dev mesa-vulkan-drivers
          vulkan-validationlayers libcjson-dev libavformat-dev libavcodec-dev libavutil-dev
          libswscale-dev libswresample-dev)
if [ "$mode" = test ]; then
    packages+=(clang libclang-rt-14-dev python3-numpy)
fi
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    echo "installing: ${missing[*]}"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

[ -f build/build.ninja ] || meson setup build -Dwerror=true
ninja -C build

if [ "$mode" = run ]; then
    build/cli/lavin run --context depth --pairs 2 --query examples/scene.png -o examples/scene.depth.png
    build/cli/lavin video --context depth --pairs 2 --in examples/flythrough.mp4 -o examples/flythrough.depth.mp4
    echo "lavin-tiny wrote examples/scene.depth.png (16-bit depth), examples/scene.depth.preview.png"
    echo "and examples/flythrough.depth.mp4, from the depth pairs in contexts/depth"
    exit 0
fi

meson test -C build --num-processes 1 --verbose
if [ -x tools/fuzz.sh ]; then
    tools/fuzz.sh "${LAVIN_FUZZ_SECONDS:-60}"
fi
