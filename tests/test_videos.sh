#!/bin/sh
# lavin video and predict on real-world videos the test makes itself
# (media_tool make): a variable frame rate MOV with PCM audio, a phone's
# rotated clip, audio and subtitles in several languages, an odd size; the
# output keeps every frame's time, stands upright, carries the streams its
# container holds, plays as 4:2:0; --frames-dir writes the answers as data;
# names lavin does not write are refused before the model loads.
# Usage: test_videos.sh LAVIN MEDIA_TOOL SOURCE_ROOT
lavin=$1
media=$2
root=$3
. "$root/tests/cli_lib.sh"

# The tiny random-weight models in the released layout, as test_pipeline.sh.
video() { "$lavin" video --model-dir "$model" --size 32x32 --steps 3 --pairs 1 --quiet "$@"; }
predict() { "$lavin" predict --model-dir "$model" --size 32x32 --steps 3 --quiet "$@"; }
png_depth() { od -An -tu1 -j24 -N2 "$1" | tr -s ' ' | sed 's/^ //'; }  # bit depth, colour type
has() { "$media" streams "$1" | grep -qx "$2"; }  # has FILE "TYPE CODEC LANGUAGE"

for k in vfr:mov phone:mp4 langs:mkv odd:mp4; do
    check "make ${k%%:*}.${k#*:}" "$media" make "${k%%:*}" "$tmp/${k%%:*}.${k#*:}"
done

echo "timing:"
expect 0 "VFR MOV (H.264 + PCM) to MP4" video --context depth --in "$tmp/vfr.mov" -o "$tmp/vfr.mp4"
"$media" times "$tmp/vfr.mov" >"$tmp/vfr.times"
check "every frame keeps its time" sh -c "'$media' times '$tmp/vfr.mp4' | cmp -s - '$tmp/vfr.times'"
check "the PCM audio became AAC, language kept" has "$tmp/vfr.mp4" "audio aac eng"
expect 0 "predict 3 frames after it" predict --in "$tmp/vfr.mov" --frames 3 --context-frames 5 -o "$tmp/next.mp4"
# the average frame lasts 1/8 s (20 frames in 2.5 s); the last input frame is at 2.3 s
printf '97/40\n51/20\n107/40\n' | cat "$tmp/vfr.times" - >"$tmp/next.times"
check "input times, then the timeline continues at the average rate" \
    sh -c "'$media' times '$tmp/next.mp4' | cmp -s - '$tmp/next.times'"
check "predict keeps the audio" has "$tmp/next.mp4" "audio aac eng"
expect 0 "predict --only-new" predict --in "$tmp/vfr.mov" --frames 3 --context-frames 5 --only-new -o "$tmp/new.mp4"
check "the new frames alone, from time 0" test "$("$media" times "$tmp/new.mp4" | tr '\n' ' ')" = "0/1 1/8 1/4 "
# 20 frames in overlapping clips, every half clip by default, the last on
# the last frames: 0-4, 2-6, ..., 14-18, 15-19; 0-8, 4-12, 8-16, 11-19;
# at stride 1, sixteen clips.
for T in 5 9; do
    expect 0 "clips of $T frames" video --context depth-clip --clip --clip-frames $T --in "$tmp/vfr.mov" \
        -o "$tmp/clips$T.mp4"
    check "each frame once, at its time" sh -c "'$media' times '$tmp/clips$T.mp4' | cmp -s - '$tmp/vfr.times'"
done
expect 0 "clips of 5 frames, one every frame" video --context depth-clip --clip --clip-frames 5 --clip-stride 1 \
    --in "$tmp/vfr.mov" -o "$tmp/clips1.mp4"
check "each frame once, at its time" sh -c "'$media' times '$tmp/clips1.mp4' | cmp -s - '$tmp/vfr.times'"
expect 2 "--clip-stride 5 for clips of 5 frames" video --context depth-clip --clip --clip-frames 5 --clip-stride 5 \
    --in "$tmp/vfr.mov" -o "$tmp/stride5.mp4"
check "says the strides it takes, writes nothing" sh -c "grep -q 'clip stride 5: 1 to 4' '$tmp/err' && test ! -e '$tmp/stride5.mp4'"
expect 2 "--clip-stride without --clip" video --context depth --clip-stride 2 --in "$tmp/vfr.mov" -o "$tmp/stride.mp4"
one_line_naming "clip-stride 2: only clips"
expect 0 "clips of the model's length" video --context depth-clip --clip --in "$tmp/vfr.mov" -o "$tmp/clips.mp4"
check "are nine frames: these models name none (lavin.clip_frames)" cmp -s "$tmp/clips.mp4" "$tmp/clips9.mp4"

echo "rotation:"
expect 0 "a phone's clip turned a quarter" video --context depth --in "$tmp/phone.mp4" -o "$tmp/phone.depth.mp4"
check "upright, 32x48" test "$("$media" probe "$tmp/phone.depth.mp4" | cut -d' ' -f1,2)" = "12 32x48"
check "stored upright: no display matrix needed" has "$tmp/phone.depth.mp4" "video h264 32x48 yuv420p"
expect 0 "as one clip longer than the video" video --context depth-clip --clip --clip-frames 13 --in "$tmp/phone.mp4" \
    -o "$tmp/phone.clip.mp4"
check "the clip filled up, 12 frames written" test "$("$media" probe "$tmp/phone.clip.mp4" | cut -d' ' -f1,2)" = "12 32x48"

echo "streams:"
expect 0 "two audio languages and subtitles to MP4" video --context depth --in "$tmp/langs.mkv" -o "$tmp/langs.mp4"
check "English audio as AAC" has "$tmp/langs.mp4" "audio aac eng"
check "French audio as AAC" has "$tmp/langs.mp4" "audio aac fra"
check "German subtitles as mov_text" has "$tmp/langs.mp4" "subtitle mov_text ger"
expect 0 "the same to WebM" video --context depth --in "$tmp/langs.mkv" -o "$tmp/langs.webm"
check "VP9" has "$tmp/langs.webm" "video vp9 48x32 yuv420p"
check "Opus, both languages" sh -c "'$media' streams '$tmp/langs.webm' | grep -c '^audio opus \(eng\|fra\)$' | grep -qx 2"
check "WebVTT subtitles" has "$tmp/langs.webm" "subtitle webvtt ger"

echo "sizes:"
expect 0 "33x17" video --context depth --in "$tmp/odd.mp4" -o "$tmp/odd.depth.mp4"
check "written 4:2:0 at 34x18" has "$tmp/odd.depth.mp4" "video h264 34x18 yuv420p"

echo "frames as data:"
expect 0 "--frames-dir without -o" video --context depth --in "$tmp/vfr.mov" --frames-dir "$tmp/frames"
check "one PNG a frame, from 000000" test -s "$tmp/frames/000000.png" -a -s "$tmp/frames/000019.png" \
    -a ! -e "$tmp/frames/000020.png"
check "depth at 16 bits" test "$(png_depth "$tmp/frames/000007.png")" = "16 0"
check "with its preview" test -s "$tmp/frames/000007.preview.png"
expect 0 "--frames-dir with -o" video --context normal --in "$tmp/odd.mp4" --frames-dir "$tmp/normals" \
    -o "$tmp/normals.mkv"
check "normals at 16 bits, the input's size" test "$(png_depth "$tmp/normals/000005.png")" = "16 2" \
    -a "$("$media" size "$tmp/normals/000005.png")" = "33x17"
check "and the video" has "$tmp/normals.mkv" "video h264 34x18 yuv420p"
expect 2 "neither -o nor --frames-dir" video --context depth --in "$tmp/vfr.mov"
expect 2 "--frames-dir without a folder" video --context depth --in "$tmp/vfr.mov" --frames-dir
expect 2 "--frames-dir in a missing folder" video --context depth --in "$tmp/vfr.mov" --frames-dir "$tmp/no/such"
one_line_naming "no/such"

echo "containers:"
# an empty model folder: a name refused up front never gets that far
mkdir -p "$tmp/empty"
expect 2 "video to .avi" "$lavin" video --model-dir "$tmp/empty" --context depth --in "$tmp/vfr.mov" -o "$tmp/x.avi"
one_line_naming "x.avi"
check "the error lists what lavin writes" grep -q ".mp4, .mov, .mkv or .webm" "$tmp/err"
no_file "$tmp/x.avi"
expect 2 "predict to .gif" "$lavin" predict --model-dir "$tmp/empty" --in "$tmp/vfr.mov" --frames 2 -o "$tmp/x.gif"
one_line_naming "x.gif"
expect 2 "the input as the output" video --context depth --in "$tmp/vfr.mov" -o "$tmp/vfr.mov"
one_line_naming "vfr.mov"
check "the input is untouched" sh -c "'$media' times '$tmp/vfr.mov' | cmp -s - '$tmp/vfr.times'"
ls -a "$tmp" | grep -q '\.tmp-' && { failed=$((failed + 1)); echo "  FAIL temp files left behind"; }

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
