#!/bin/sh
# Real-world pictures through lavin run (issue 17): a large photo with an
# EXIF orientation answered upright under a device memory limit far below
# its float32 size, answers written in the format their name says, and
# names of other formats refused before any model work.
# Usage: test_photos.sh LAVIN MEDIA_TOOL SOURCE_ROOT
lavin=$1
media=$2
root=$3
. "$root/tests/cli_lib.sh"
fix=$root/tests/fixtures/pipeline

# $model (tests/cli_lib.sh) holds the tiny random-weight test models.
mkdir -p "$tmp/empty"
run() { "$lavin" run --model-dir "$model" --size 32x32 --steps 3 --pairs 1 --quiet "$@"; }
magic() { head -c 4 "$1" | od -An -tx1 | tr -d ' \n'; }

echo "a large photo:"
# Stored 6000x4500 with orientation 6, so upright 4500x6000: 309 MiB as
# float32, which went to the device whole before; in strips the whole run
# fits in 40 MiB of device memory.
check "make a 6000x4500 JPEG, EXIF orientation 6" "$media" photo 6000 4500 6 "$tmp/photo.jpg"
expect 0 "run under --memory-limit 40M" run --context "$fix/context" --query "$tmp/photo.jpg" --task raw \
    --memory-limit 40M -o "$tmp/photo.png"
check "the answer is upright at the photo's size, 4500x6000" test "$("$media" size "$tmp/photo.png")" = 4500x6000

echo "output formats:"
expect 0 "depth as TIFF" run --context depth --query "$fix/query.png" -o "$tmp/d.tif"
check "d.tif is a TIFF" test "$(magic "$tmp/d.tif")" = 49492a00
check "of the query's size" test "$("$media" size "$tmp/d.tif")" = 45x37
check "its preview is d.preview.tif, a TIFF too" test "$(magic "$tmp/d.preview.tif")" = 49492a00
expect 0 "segmentation as .TIFF" run --context segmentation --query "$fix/query.png" -o "$tmp/s.TIFF"
check "s.TIFF and s.preview.TIFF" test -s "$tmp/s.TIFF" -a -s "$tmp/s.preview.TIFF"
expect 0 "raw as .Png" run --context "$fix/context" --query "$fix/query.png" --task raw -o "$tmp/r.Png"
check "r.Png is a PNG" test "$(magic "$tmp/r.Png")" = 89504e47
# A model folder without its files: the name must be refused before the
# model is looked for, so the error is about the name.
for name in x.jpg x.webp x.txt noext; do
    expect 2 "-o $name refused" "$lavin" run --model-dir "$tmp/empty" --context "$fix/context" \
        --query "$fix/query.png" -o "$tmp/$name"
    one_line_naming "$name"
    check "it says which formats are written" grep -q "PNG (.png) or TIFF (.tif, .tiff)" "$tmp/err"
    no_file "$tmp/$name"
done
ls "$tmp" | grep -q '\.tmp' && { failed=$((failed + 1)); echo "  FAIL temp files left behind"; }

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
