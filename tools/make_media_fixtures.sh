#!/bin/sh
# Recreates the small media fixtures under tests/data/media with the ffmpeg CLI.
# usage: tools/make_media_fixtures.sh [OUT_DIR]
set -eu
out=${1:-$(dirname "$0")/../tests/data/media}
mkdir -p "$out"
ff() { ffmpeg -hide_banner -loglevel error -y "$@"; }
# 33x17 testsrc still: odd size, smooth and sharp content
ff -f lavfi -i "testsrc=size=33x17:rate=1" -frames:v 1 -q:v 2 "$out/tiny.jpg"
ff -f lavfi -i "testsrc=size=33x17:rate=1" -frames:v 1 -c:v libwebp -lossless 1 "$out/tiny.webp"
# the same picture losslessly, to check the lossy decoders against
ff -f lavfi -i "testsrc=size=33x17:rate=1" -frames:v 1 "$out/tiny_ref.png"
# 1 s of 64x48 video at 10 fps with a 440 Hz AAC track
ff -f lavfi -i "testsrc=size=64x48:rate=10" -f lavfi -i "sine=frequency=440:sample_rate=22050" \
   -t 1 -c:v libx264 -pix_fmt yuv420p -crf 30 -c:a aac -b:a 32k -shortest "$out/av.mp4"
# audio only
ff -f lavfi -i "sine=frequency=440:sample_rate=22050" -t 0.5 -c:a aac -b:a 32k "$out/audio_only.m4a"
# index first (faststart), so a cut inside the media data still opens
ff -f lavfi -i "testsrc=size=64x48:rate=10" -t 1 -c:v libx264 -pix_fmt yuv420p -crf 30 \
   -movflags +faststart "$out/faststart.mp4"
# the reference picture as RGBA 16-bit, gray+alpha and palette PNGs
ff -i "$out/tiny_ref.png" -pix_fmt rgba64be "$out/tiny_rgba64.png"
ff -i "$out/tiny_ref.png" -pix_fmt ya8 "$out/tiny_ya8.png"
ff -i "$out/tiny_ref.png" -pix_fmt pal8 "$out/tiny_pal8.png"
# what ffmpeg writes when a filter leaves no frame to encode: an MP4 with no samples
ff -i "$out/av.mp4" -vf "trim=start_frame=1000" -c:v libx264 -an "$out/no_frames.mp4"
