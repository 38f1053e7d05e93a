#!/bin/sh
# GGUF files end to end: lavin-tiny converted to every dtype, inspected,
# its metadata kept, found by --model-dir and run; the f16 file answers exactly as the
# safetensors one, q8_0 and q4_0 close to it; convert's refusals; every
# truncation of a small file and a few lying headers give exit 2 and one
# line from lavin inspect.
# Usage: test_gguf.sh LAVIN MEDIA_TOOL SOURCE_ROOT
lavin=$1
media=$2
root=$3
. "$root/tests/cli_lib.sh"
unset LAVIN_MODEL_DIR
tiny=$root/models/lavin-tiny
scene=$root/tests/data/tiny/eval00.png

has() {  # has DESCRIPTION PATTERN: the last command's stdout has a line matching PATTERN
    check "$1" grep -q "$2" "$tmp/out"
}

echo "convert lavin-tiny:"
for dt in f32 f16 bf16 q8_0 q4_0; do
    expect 0 "to $dt GGUF" "$lavin" convert "$tiny/lavin_dit.safetensors" -o "$tmp/$dt.gguf" --dtype "$dt"
    expect 0 "inspect the $dt file" "$lavin" inspect "$tmp/$dt.gguf"
    has "its config from the GGUF metadata" "^J-DiT config (GGUF metadata)"
    has "its clip length, as lavin-tiny's file says" "^metadata: lavin.clip_frames 5$"
    has "a valid J-DiT" "^verdict: valid J-DiT"
    echo "       $dt: $(wc -c <"$tmp/$dt.gguf") bytes; $(grep '^bytes by type' "$tmp/out")"
done
expect 0 "inspect the q8_0 file again" "$lavin" inspect "$tmp/q8_0.gguf"
has "the blocks' down projections are q8_0" "blocks.3.x_mlp.down_proj.weight *q8_0"
has "a row of 144 stays f16, saying why" \
    "gate_proj.weight *f16 .*(not quantized: row of 144 is not a whole number of 32-element blocks)"
has "the final layer stays f16, saying why" "final_layer.adaLN_modulation.1.weight *f16 .*(not quantized: the final layer)"
has "bytes by type" "^bytes by type: f16 [0-9]* (98 tensors) q8_0 [0-9]* (8 tensors)"
expect 0 "GGUF to GGUF without --dtype" "$lavin" convert "$tmp/q8_0.gguf" -o "$tmp/again.gguf"
check "is the same file, reasons and all" cmp "$tmp/q8_0.gguf" "$tmp/again.gguf"
expect 0 "q8_0 GGUF back to f16 safetensors" "$lavin" convert "$tmp/q8_0.gguf" -o "$tmp/back.safetensors" --dtype f16
expect 0 "which is a valid J-DiT" "$lavin" inspect "$tmp/back.safetensors"
has "with its native size" "^metadata: lavin.size 128x128$"
has "and its clip length" "^metadata: lavin.clip_frames 5$"

echo "convert refuses:"
expect 2 "q8_0 into safetensors" "$lavin" convert "$tiny/lavin_dit.safetensors" -o "$tmp/x.safetensors" --dtype q8_0
no_file "$tmp/x.safetensors"
expect 2 "q8_0 tensors into safetensors without --dtype" "$lavin" convert "$tmp/q8_0.gguf" -o "$tmp/x.safetensors"
no_file "$tmp/x.safetensors"
expect 2 "the ST-VAE into GGUF" "$lavin" convert "$tiny/stvae.safetensors" -o "$tmp/vae.gguf"
one_line_naming vae.gguf
no_file "$tmp/vae.gguf"
cp "$tmp/q8_0.gguf" "$tmp/self.gguf"
expect 2 "writing over its input" "$lavin" convert "$tmp/self.gguf" -o "$tmp/self.gguf" --dtype q4_0
check "the input is untouched" cmp "$tmp/q8_0.gguf" "$tmp/self.gguf"

echo "--model-dir and answers (1 scene, 2 pairs, 10 points):"
answer() {  # answer OUT [MODEL FLAGS]
    out=$1
    shift
    "$lavin" run "$@" --context depth --task raw --query "$scene" --pairs 2 --steps 10 --seed 0 --quiet -o "$out"
}
expect 0 "the bundled f16 safetensors" answer "$tmp/ref.png"
for dt in f16 q8_0 q4_0; do
    mkdir -p "$tmp/m_$dt"
    cp "$tmp/$dt.gguf" "$tmp/m_$dt/lavin_dit.gguf"
    cp "$tiny/stvae.safetensors" "$tmp/m_$dt/"
    expect 0 "a folder with lavin_dit.gguf ($dt)" answer "$tmp/$dt.png" --model-dir "$tmp/m_$dt"
    echo "       $dt against f16 safetensors: $("$media" diff "$tmp/ref.png" "$tmp/$dt.png" 255 1)"
done
check "the f16 GGUF answers exactly as the safetensors" cmp "$tmp/ref.png" "$tmp/f16.png"
check "q8_0 within 2 of 255, on under 10% of the samples" "$media" diff "$tmp/ref.png" "$tmp/q8_0.png" 2 0.1
check "q4_0 within 12 of 255" "$media" diff "$tmp/ref.png" "$tmp/q4_0.png" 12 1
printf 'garbage' >"$tmp/m_q8_0/lavin_dit.safetensors"
expect 0 "lavin_dit.gguf goes before lavin_dit.safetensors" answer "$tmp/both.png" --model-dir "$tmp/m_q8_0"
check "and a warning says so" grep -q "both there; using the GGUF" "$tmp/err"
cp "$tiny/lavin_dit.safetensors" "$tmp/m_q8_0/lavin_dit.safetensors"
printf 'GGUF' >"$tmp/m_q8_0/lavin_dit.gguf"
expect 2 "a broken lavin_dit.gguf is not passed over" answer "$tmp/broken.png" --model-dir "$tmp/m_q8_0"
check "the error names it" grep -q "^lavin run: .*/lavin_dit.gguf: header: truncated" "$tmp/err"

echo "hostile files (exit 2, one line naming the file):"
small=$root/tests/data/io/kinds.gguf
size=$(wc -c <"$small")
bad=0
# Every cut in the first 256 bytes (the header, the metadata, the tensor
# infos), then every 37th byte and the last: test_io checks every cut in
# process, this checks the command's exit and line for each kind of place.
for n in $(seq 1 255) $(seq 256 37 $((size - 2))) $((size - 1)); do
    head -c "$n" "$small" >"$tmp/cut.gguf"
    "$lavin" inspect "$tmp/cut.gguf" >/dev/null 2>"$tmp/err"
    status=$?
    if [ "$status" != 2 ] || [ "$(wc -l <"$tmp/err")" -ne 1 ] || ! grep -q "cut.gguf" "$tmp/err"; then
        [ "$bad" -eq 0 ] && echo "       cut at $n: exit $status: $(cat "$tmp/err")"
        bad=$((bad + 1))
    fi
done
check "truncations of kinds.gguf ($size bytes)" test "$bad" -eq 0
patch() {  # patch NAME OFFSET OCTAL-BYTES...: a copy of kinds.gguf with bytes replaced at OFFSET
    name=$1 offset=$2
    shift 2
    cp "$small" "$tmp/$name.gguf"
    printf "$(printf '\\%s' "$@")" | dd of="$tmp/$name.gguf" bs=1 seek="$offset" conv=notrunc 2>/dev/null
}
patch version2 4 002
patch tensors 8 377 377 377 377 377 377 377 177
patch keylength 24 377 377 377 377 377 377 377 000
patch valuetype 52 015
patch badutf8 64 377
for f in version2 tensors keylength valuetype badutf8; do
    expect 2 "kinds.gguf with a bad $f" "$lavin" inspect "$tmp/$f.gguf"
    one_line_naming "$f.gguf"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
