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

packages=(meson ninja-build pkg-config gcc glslang-tools libvulkan-dev
          vulkan-validationlayers libcjson-dev libavformat-dev libavcodec-dev libavutil-dev
          libswscale-dev libswresample-dev)
if [ "$mode" = test ]; then
    packages+=(clang libclang-rt-14-dev python3-numpy python3-pil)
fi
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# lavapipe, the CPU's Vulkan device: Mesa 25 from Debian's bookworm-backports
# runs lavin about 1.7x faster than Debian 12's Mesa 22 (bench/README.md).
# LAVIN_MESA=debian keeps Debian 12's own Mesa, which works, only slower.
mesa_version=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
backports=0
if [ "${LAVIN_MESA:-backports}" = debian ]; then
    [ -n "$mesa_version" ] || missing+=(mesa-vulkan-drivers)
elif ! dpkg --compare-versions "${mesa_version:-0}" ge 25; then
    backports=1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
if [ $backports = 1 ] && ! grep -rqs '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "adding Debian's bookworm-backports to apt's sources, for Mesa 25"
    echo "deb http://deb.debian.org/debian bookworm-backports main" |
        $sudo tee /etc/apt/sources.list.d/bookworm-backports.list >/dev/null
fi
if [ ${#missing[@]} -gt 0 ] || [ $backports = 1 ]; then
    want=("${missing[@]}")
    [ $backports = 0 ] || want+=("mesa-vulkan-drivers (bookworm-backports)")
    echo "installing: ${want[*]}"
    $sudo apt-get update -q
    if [ ${#missing[@]} -gt 0 ]; then
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
    if [ $backports = 1 ]; then
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends \
            -t bookworm-backports mesa-vulkan-drivers
    fi
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
