#!/bin/sh
# lavin run, video and predict end to end on tiny random-weight models: the
# whole image pipeline against the PyTorch reference's output
# (tools/reference/make_pipeline_fixtures.py), every task's files, per-frame
# and clip video, prediction, MP4 properties, and every bad input.
# Usage: test_pipeline.sh LAVIN MEDIA_TOOL SOURCE_ROOT
lavin=$1
media=$2
root=$3
. "$root/tests/cli_lib.sh"
fix=$root/tests/fixtures/pipeline

run() { "$lavin" run --model-dir "$model" --size 32x32 --steps 5 --quiet "$@"; }
video() { "$lavin" video --model-dir "$model" --size 32x32 --steps 3 --pairs 1 --quiet "$@"; }
predict() { "$lavin" predict --model-dir "$model" --size 32x32 --steps 3 --quiet "$@"; }
png_depth() { od -An -tu1 -j24 -N2 "$1" | tr -s ' ' | sed 's/^ //'; }  # bit depth, colour type

echo "pipeline against the reference:"
expect 0 "run at the model's size" run --context "$fix/context" --query "$fix/query.png" --pairs 2 --seed 7 --steps 20 \
    --task raw --keep-model-size -o "$tmp/model.png"
check "output matches expected_model.png" "$media" diff "$tmp/model.png" "$fix/expected_model.png" 1 0.02
"$media" diff "$tmp/model.png" "$fix/expected_model.png" 255 1
expect 0 "run, resized back to the query's size" run --context "$fix/context" --query "$fix/query.png" \
    --pairs 2 --seed 7 --steps 20 --task raw -o "$tmp/back.png"
check "output matches expected.png" "$media" diff "$tmp/back.png" "$fix/expected.png" 1 0.02
"$media" diff "$tmp/back.png" "$fix/expected.png" 255 1

echo "run:"
for c in run video predict; do
    expect 0 "$c --help" "$lavin" $c --help
done
expect 0 "same seed, same output" run --context "$fix/context" --query "$fix/query.png" --pairs 2 --seed 7 --steps 20 \
    --task raw -o "$tmp/again.png"
check "identical" cmp "$tmp/back.png" "$tmp/again.png"
expect 0 "another seed" run --context "$fix/context" --query "$fix/query.png" --seed 8 --task raw -o "$tmp/s8.png"
check "differs" sh -c "! cmp -s '$tmp/back.png' '$tmp/s8.png'"
expect 0 "--memory-limit 1G" run --context "$fix/context" --query "$fix/query.png" --pairs 2 --seed 7 --steps 20 \
    --task raw --memory-limit 1G -o "$tmp/limited.png"
check "a limit that fits changes nothing" cmp "$tmp/back.png" "$tmp/limited.png"
expect 1 "--memory-limit 64K is too little" run --context "$fix/context" --query "$fix/query.png" \
    --memory-limit 64K -o "$tmp/tiny-limit.png"
one_line_naming "limit"
check "no output under a failed limit" test ! -e "$tmp/tiny-limit.png"
expect 2 "--memory-limit without a size" run --context "$fix/context" --query "$fix/query.png" \
    --memory-limit lots -o "$tmp/x.png"
expect 0 "--pairs all" run --context "$fix/context" --query "$fix/query.png" --pairs all --task raw -o "$tmp/all.png"
expect 0 "two queries into a folder" run --context "$fix/context" --query "$fix/query.png" \
    --query "$fix/context/alpha_input.png" --batch 2 -o "$tmp/many"
check "one file per query" test -s "$tmp/many/query.png" -a -s "$tmp/many/alpha_input.png"
expect 0 "the same queries one at a time" run --context "$fix/context" --query "$fix/query.png" \
    --query "$fix/context/alpha_input.png" --batch 1 -o "$tmp/single"
check "a batch gives what single queries give" cmp "$tmp/many/alpha_input.png" "$tmp/single/alpha_input.png"
for fit in pad crop; do
    expect 0 "--fit $fit" run --context "$fix/context" --query "$fix/query.png" --fit $fit -o "$tmp/$fit.png"
done
check "pad keeps the query's size" test "$("$media" size "$tmp/pad.png")" = 45x37
check "crop gives the centre's size" test "$("$media" size "$tmp/crop.png")" = 37x37
check "--keep-model-size" test "$("$media" size "$tmp/model.png")" = 32x32
check "stretch gives the query's size" test "$("$media" size "$tmp/back.png")" = 45x37
expect 0 "depth task" run --context depth --query "$root/examples/scene.png" -o "$tmp/depth.png"
check "depth is 16-bit gray" test "$(png_depth "$tmp/depth.png")" = "16 0"
check "depth preview" test -s "$tmp/depth.preview.png"
expect 0 "normal task" run --context normal --query "$root/examples/scene.png" -o "$tmp/normal.png"
check "normals are 16-bit RGB" test "$(png_depth "$tmp/normal.png")" = "16 2"
expect 0 "segmentation task" run --context segmentation --query "$root/examples/scene.png" -o "$tmp/seg.png"
check "labels are 8-bit gray" test "$(png_depth "$tmp/seg.png")" = "8 0"
check "segmentation preview" test -s "$tmp/seg.preview.png"
expect 0 "edges task" run --context edges --query "$root/examples/scene.png" -o "$tmp/edges.png"
check "edges are 8-bit gray" test "$(png_depth "$tmp/edges.png")" = "8 0"

echo "video:"
clip=$root/examples/flythrough.mp4
expect 0 "per frame" video --context depth --in "$clip" -o "$tmp/depth.mp4"
ref=$("$media" probe "$clip" | cut -d' ' -f1,2,3)
shape=$("$media" probe "$tmp/depth.mp4" | cut -d' ' -f1,2,3)
check "frame count, size and rate kept ($shape)" test "$ref" = "$shape"
expect 0 "clip mode" video --context depth-clip --clip --clip-frames 5 --in "$clip" -o "$tmp/clip.mp4"
shape=$("$media" probe "$tmp/clip.mp4" | cut -d' ' -f1,2,3)
check "clip mode keeps frames, size and rate ($shape)" test "$ref" = "$shape"
expect 2 "clip frames not 1 + 4k" video --context depth-clip --clip --clip-frames 4 --in "$clip" -o "$tmp/c4.mp4"
no_file "$tmp/c4.mp4"

echo "predict:"
frames=$(echo "$ref" | cut -d' ' -f1)
expect 0 "4 frames after the clip" predict --in "$clip" --frames 4 --context-frames 5 -o "$tmp/next.mp4"
check "input + 4 frames" test "$("$media" probe "$tmp/next.mp4" | cut -d' ' -f1)" = "$((frames + 4))"
expect 0 "--only-new" predict --in "$clip" --frames 3 --context-frames 5 --only-new -o "$tmp/new.mp4"
check "3 new frames" test "$("$media" probe "$tmp/new.mp4" | cut -d' ' -f1)" = "3"
expect 0 "--frames-dir without -o" predict --in "$clip" --frames 3 --context-frames 5 --frames-dir "$tmp/next"
check "exactly 3 PNGs, from 000000" test "$(ls "$tmp/next" | tr '\n' ' ')" = "000000.png 000001.png 000002.png "
size=$(echo "$ref" | cut -d' ' -f2)
check "at the input's size ($size)" test "$("$media" size "$tmp/next/000002.png")" = "$size"
check "8-bit RGB, as run writes raw answers" test "$(png_depth "$tmp/next/000000.png")" = "8 2"
expect 0 "-o and --frames-dir" predict --in "$clip" --frames 3 --context-frames 5 --only-new -o "$tmp/both.mp4" \
    --frames-dir "$tmp/both"
check "the video has the 3 new frames" test "$("$media" probe "$tmp/both.mp4" | cut -d' ' -f1)" = "3"
check "and the folder the same frames" sh -c "ls '$tmp/both' | wc -l | grep -qx 3 && cmp '$tmp/next/000002.png' \
    '$tmp/both/000002.png'"
: >"$tmp/a-file"
expect 2 "--frames-dir names a file" predict --in "$clip" --frames 2 --context-frames 5 -o "$tmp/nf.mp4" \
    --frames-dir "$tmp/a-file"
one_line_naming a-file
no_file "$tmp/nf.mp4"
check "the file is left as it was" test -f "$tmp/a-file" -a ! -s "$tmp/a-file"
mkdir -p "$tmp/blocked/000001.png"
expect 2 "a frame that cannot be written" predict --in "$clip" --frames 3 --context-frames 5 \
    --frames-dir "$tmp/blocked" -o "$tmp/bl.mp4"
one_line_naming 000001.png
check "takes back the frames before it" test "$(ls "$tmp/blocked")" = 000001.png
no_file "$tmp/bl.mp4"
expect 2 "--frames-dir in a missing folder" predict --in "$clip" --frames 2 --frames-dir "$tmp/no/such"
one_line_naming "no/such"
no_file "$tmp/no"
expect 2 "neither -o nor --frames-dir" predict --in "$clip" --frames 2
expect 2 "--frames-dir without a folder" predict --in "$clip" --frames 2 --frames-dir

echo "audio:"
audio=$root/tests/data/media/av.mp4
expect 0 "per-frame video keeps the audio" video --context depth --in "$audio" -o "$tmp/av.mp4"
check "audio kept" sh -c "'$media' probe '$tmp/av.mp4' | grep -q audio"

echo "eval:"
truth=$root/examples/truth
expect 0 "eval the truth against itself" "$lavin" eval --task normal --truth "$truth/scene_normal.png" \
    --pred "$truth/scene_normal.png"
check "0 degrees" grep -q "^degrees 0.000000" "$tmp/out"
expect 0 "eval a baseline" "$lavin" eval --task segmentation --truth "$truth/scene_segmentation.png" --baseline \
    --context segmentation
check "an mIoU below 1" sh -c "grep -q '^miou 0\.' '$tmp/out'"
expect 2 "eval depth against a picture" "$lavin" eval --task depth --truth "$truth/scene_depth.png" --baseline
one_line_naming scene_depth.png
expect 2 "eval sizes that differ" "$lavin" eval --task edges --truth "$truth/scene_edges.png" --pred "$tmp/back.png"
one_line_naming back.png

echo "bad input:"
expect 2 "missing context folder" run --context "$tmp/nope/" --query "$fix/query.png" -o "$tmp/x.png"
one_line_naming nope
no_file "$tmp/x.png"
expect 2 "unknown bundled context" run --context nosuchtask --query "$fix/query.png" -o "$tmp/x.png"
mkdir -p "$tmp/half"
cp "$fix/context/alpha_input.png" "$tmp/half/alpha_input.png"
expect 2 "unmatched pair" run --context "$tmp/half" --query "$fix/query.png" -o "$tmp/x.png"
one_line_naming alpha_input.png
mkdir -p "$tmp/empty"
expect 2 "no pairs" run --context "$tmp/empty" --query "$fix/query.png" -o "$tmp/x.png"
printf 'not a picture' >"$tmp/text.png"
expect 2 "unreadable query" run --context "$fix/context" --query "$tmp/text.png" -o "$tmp/x.png"
one_line_naming text.png
expect 2 "missing query" run --context "$fix/context" --query "$tmp/none.png" -o "$tmp/x.png"
one_line_naming none.png
mkdir -p "$tmp/badpair"
cp "$fix/context/alpha_input.png" "$tmp/badpair/a_input.png"
cp "$tmp/text.png" "$tmp/badpair/a_target.png"
expect 2 "unreadable example" run --context "$tmp/badpair" --query "$fix/query.png" -o "$tmp/x.png"
one_line_naming a_target.png
expect 2 "size not a multiple of 16" run --context "$fix/context" --query "$fix/query.png" --size 30x30 -o "$tmp/x.png"
expect 2 "model folder without the files" "$lavin" run --model-dir "$tmp/empty" --context "$fix/context" \
    --query "$fix/query.png" -o "$tmp/x.png"
one_line_naming lavin_dit.safetensors
no_file "$tmp/x.png"
head -c 4000 "$clip" >"$tmp/truncated.mp4"
expect 2 "truncated MP4" video --context depth --in "$tmp/truncated.mp4" -o "$tmp/t.mp4"
no_file "$tmp/t.mp4"
printf 'garbage garbage garbage' >"$tmp/garbage.mp4"
expect 2 "garbage MP4" video --context depth --in "$tmp/garbage.mp4" -o "$tmp/g.mp4"
one_line_naming garbage.mp4
no_file "$tmp/g.mp4"
expect 2 "no video stream" video --context depth --in "$root/tests/data/media/audio_only.m4a" -o "$tmp/a.mp4"
one_line_naming audio_only.m4a
no_file "$tmp/a.mp4"
expect 2 "zero frames" predict --in "$root/tests/data/media/no_frames.mp4" --frames 2 -o "$tmp/z.mp4"
no_file "$tmp/z.mp4"
expect 2 "--pairs 0" run --context "$fix/context" --query "$fix/query.png" --pairs 0 -o "$tmp/x.png"
expect 2 "unknown option" run --frobnicate
ls "$tmp" | grep -q '\.tmp' && { failed=$((failed + 1)); echo "  FAIL temp files left behind"; }

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
