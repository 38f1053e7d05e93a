#!/usr/bin/env bash
# Refreshes the README's pictures from what `tools/quickstart.sh run` wrote:
# the depth preview of examples/scene.png, and every fourth frame of the
# flythrough and of its depth video as one strip each. Needs the ffmpeg CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
out=examples/readme
mkdir -p "$out"
for f in examples/scene.depth.preview.png examples/flythrough.depth.mp4; do
    [ -f "$f" ] || { echo "tools/readme_pictures.sh: $f is missing; run tools/quickstart.sh run first" >&2; exit 1; }
done
cp examples/scene.depth.preview.png "$out/scene.depth.png"
strip() {  # strip VIDEO PNG: frames 0, 4, 8, 12, 16 side by side at 128x128
    ffmpeg -v error -y -i "$1" -vf "select='not(mod(n\,4))',scale=128:128:flags=area,tile=5x1" \
        -frames:v 1 -update 1 "$2"
}
strip examples/flythrough.mp4 "$out/flythrough.png"
strip examples/flythrough.depth.mp4 "$out/flythrough.depth.png"
echo "wrote $out/scene.depth.png, $out/flythrough.png, $out/flythrough.depth.png"
