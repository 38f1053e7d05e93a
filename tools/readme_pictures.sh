#!/usr/bin/env bash
# Refreshes the README's pictures: from what `tools/quickstart.sh run` wrote,
# the depth preview of examples/scene.png and every fourth frame of the
# flythrough and of its per-frame depth video as one strip each; then, with
# lavin-tiny through build/cli/lavin, the flythrough's clip depth (`lavin
# video --clip`) beside its exact depth (rendered again from its seed), and
# the frames `lavin predict` continues its first nine frames with beside the
# true ones. Needs the ffmpeg CLI and Debian's python3 with numpy.
set -euo pipefail
cd "$(dirname "$0")/.."
out=examples/readme
lavin=${LAVIN:-build/cli/lavin}
mkdir -p "$out"
for f in examples/scene.depth.preview.png examples/flythrough.depth.mp4 "$lavin"; do
    [ -e "$f" ] || { echo "tools/readme_pictures.sh: $f is missing; run tools/quickstart.sh run first" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp examples/scene.depth.preview.png "$out/scene.depth.png"
strip() {  # strip VIDEO PNG [COUNT SELECT]: frames 0, 4, 8, 12, 16 (or COUNT SELECTed ones) side by side at 128x128
    ffmpeg -v error -y -i "$1" -vf "select='${4:-not(mod(n\,4))}',scale=128:128:flags=area,tile=${3:-5}x1" \
        -frames:v 1 -update 1 "$2"
}
strip examples/flythrough.mp4 "$out/flythrough.png"
strip examples/flythrough.depth.mp4 "$out/flythrough.depth.png"

"$lavin" video --context depth-clip --clip --pairs 2 --in examples/flythrough.mp4 -o "$tmp/clip.mp4" --quiet
strip "$tmp/clip.mp4" "$out/flythrough.depth-clip.png"
/usr/bin/python3 - "$tmp/truth" <<'EOF'
import os, sys
sys.path.insert(0, os.getcwd())
from PIL import Image
from tools.render import EXAMPLE_FLYTHROUGH_SEED, depth_window, flythrough
from tools.render.make_contexts import FLY_FRAMES, SIZE
os.makedirs(sys.argv[1])
for i, d in enumerate(depth_window(flythrough(EXAMPLE_FLYTHROUGH_SEED, FLY_FRAMES, SIZE)["z"])):
    Image.fromarray(d).save(os.path.join(sys.argv[1], f"{i:03d}.png"))
EOF
ffmpeg -v error -y -framerate 8 -i "$tmp/truth/%03d.png" -c:v png "$tmp/truth.mkv"
strip "$tmp/truth.mkv" "$out/flythrough.depth-truth.png"

# The first nine frames, continued by eight: frames 9, 11, 13 and 16.
ffmpeg -v error -y -i examples/flythrough.mp4 -frames:v 9 -c:v libx264 -crf 12 -pix_fmt yuv420p "$tmp/past.mp4"
"$lavin" predict --in "$tmp/past.mp4" --frames 8 --only-new -o "$tmp/next.mp4" --quiet
strip "$tmp/next.mp4" "$out/flythrough.predicted.png" 4 "eq(n\,0)+eq(n\,2)+eq(n\,4)+eq(n\,7)"
strip examples/flythrough.mp4 "$out/flythrough.future.png" 4 "eq(n\,9)+eq(n\,11)+eq(n\,13)+eq(n\,16)"
strip examples/flythrough.mp4 "$out/flythrough.last.png" 1 "eq(n\,8)"
echo "wrote $out: scene.depth.png, flythrough{,.depth,.depth-clip,.depth-truth,.predicted,.future,.last}.png"
