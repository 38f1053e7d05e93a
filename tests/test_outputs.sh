#!/bin/sh
# What the command writes never destroys what it reads, is checked before
# any model work, and a signal leaves nothing behind.
# Usage: test_outputs.sh LAVIN SOURCE_ROOT
lavin=$1
root=$2
. "$root/tests/cli_lib.sh"

run() { "$lavin" run --model-dir "$model" --size 32x32 --steps 3 --pairs 1 --quiet "$@"; }
q=$tmp/q
mkdir -p "$q/a" "$q/b"
for f in photo1.png photo2.png a/x.png b/x.png x.png x.preview.png; do
    cp "$root/examples/scene.png" "$q/$f"
done
sum() { cat "$q/photo1.png" "$q/photo2.png" "$q/a/x.png" "$q/b/x.png" | cksum; }
before=$(sum)

echo "outputs never overwrite inputs:"
expect 2 "-o is the query" run --context depth --query "$q/photo1.png" -o "$q/photo1.png"
one_line_naming "would overwrite the input"
expect 2 "-o names the query another way" run --context depth --query "$q/photo1.png" -o "$q/a/../photo1.png"
one_line_naming "would overwrite the input"
ln -s "$q/photo1.png" "$q/link.png"
expect 2 "-o is a link to the query" run --context depth --query "$q/photo1.png" -o "$q/link.png"
expect 2 "several queries into their own folder" run --context depth --query "$q/photo1.png" \
    --query "$q/photo2.png" -o "$q"
one_line_naming "would overwrite the input"
expect 2 "-o inside the context folder" run --context "$root/contexts/depth" --query "$q/photo1.png" \
    -o "$root/contexts/depth/$(ls "$root/contexts/depth" | grep _input | head -n 1)"
expect 2 "-o is a model file" run --context depth --query "$q/photo1.png" -o "$model/stvae.safetensors"
expect 2 "two queries of one name" run --context depth --query "$q/a/x.png" --query "$q/b/x.png" -o "$tmp/two"
one_line_naming "two answers"
check "the folder for them was not made" test ! -e "$tmp/two"
expect 2 "an answer's preview is another's data" run --context depth --query "$q/x.png" --query "$q/x.preview.png" \
    -o "$tmp/prev"
check "the inputs are untouched" test "$(sum)" = "$before"

echo "the files of one answer appear together or not at all:"
mkdir -p "$tmp/pair/d.preview.png/in-the-way"
expect 2 "the preview cannot be put in place" run --context depth --query "$q/photo1.png" -o "$tmp/pair/d.png"
one_line_naming "d.preview.png"
check "so the data file is not there either" test ! -e "$tmp/pair/d.png"
check "and no temporary file is left" test -z "$(ls -A "$tmp/pair" | grep -v d.preview.png)"

echo "output folders are checked before the model loads:"
expect 2 "missing output folder" "$lavin" run --model-dir "$tmp/nomodel" --context depth --query "$q/photo1.png" \
    -o "$tmp/no/such/out.png"
one_line_naming "does not exist"
if [ "$(id -u)" != 0 ]; then
    mkdir "$tmp/ro" && chmod 555 "$tmp/ro"
    expect 2 "read-only output folder" run --context depth --query "$q/photo1.png" -o "$tmp/ro/out.png"
    one_line_naming "cannot write"
fi

echo "signals leave nothing behind:"
for sig in INT TERM; do
    out=$tmp/sig-$sig
    mkdir -p "$out"
    "$lavin" video --context depth --pairs 1 --steps 20 --in "$root/examples/flythrough.mp4" -o "$out/v.mp4" \
        --quiet 2>"$tmp/err" &
    pid=$!
    # Once the unfinished output exists, so that there is something to clean.
    wait_for "$pid" 300 nonempty "$out"
    check "video: an unfinished file while it runs" test -n "$(ls -A "$out")"
    kill -s "$sig" "$pid"
    wait "$pid"
    status=$?
    check "video: SIG$sig ends it by that signal (status $status)" test "$status" -gt 128
    check "video: SIG$sig leaves no file" test -z "$(ls -A "$out")"
    # Steps enough to be sampling still when the signal comes (20 take 2 s).
    "$lavin" run --context depth --pairs 1 --steps 1000 --query "$q/photo1.png" -o "$out/d.png" --quiet \
        2>"$tmp/err" &
    pid=$!
    sleep 2
    kill -s "$sig" "$pid"
    wait "$pid"
    status=$?
    check "run: SIG$sig ends it by that signal (status $status)" test "$status" -gt 128
    check "run: SIG$sig leaves no file" test -z "$(ls -A "$out")"
done

frames=$tmp/sig-frames/f
mkdir -p "$tmp/sig-frames"
"$lavin" video --context depth --pairs 1 --steps 20 --in "$root/examples/flythrough.mp4" --frames-dir "$frames" \
    --quiet 2>"$tmp/err" &
pid=$!
wait_for "$pid" 300 test -e "$frames/000000.png"
check "video --frames-dir: a frame written while it runs" test -e "$frames/000000.png"
kill -s INT "$pid"
wait "$pid"
check "video --frames-dir: SIGINT takes back its frames and folder" test -z "$(ls -A "$tmp/sig-frames")"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
