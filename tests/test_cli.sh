#!/bin/sh
# The lavin command end to end: exit statuses (0 ok, 2 bad input), no output
# file on failure, inspect and convert round trips, debug jdit on a fixture.
# Usage: test_cli.sh LAVIN SOURCE_ROOT
lavin=$1
root=$2
fix=$root/tests/fixtures/jdit
. "$root/tests/cli_lib.sh"

echo "cli:"
expect 2 "no command" "$lavin"
expect 2 "unknown command" "$lavin" frobnicate
expect 0 "--help" "$lavin" --help
for c in devices inspect convert debug bench; do
    expect 0 "$c --help" "$lavin" $c --help
done
expect 0 "inspect a valid J-DiT" "$lavin" inspect "$fix/tiny.safetensors"
grep -q "verdict: valid J-DiT" "$tmp/out" && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "  FAIL no valid verdict"; }

head -c 1000 "$fix/tiny.safetensors" >"$tmp/truncated.safetensors"
expect 2 "inspect a truncated file" "$lavin" inspect "$tmp/truncated.safetensors"
one_line_naming truncated.safetensors
printf 'garbage' >"$tmp/garbage.bin"
expect 2 "inspect garbage" "$lavin" inspect "$tmp/garbage.bin"
one_line_naming garbage.bin
expect 2 "inspect a missing file" "$lavin" inspect "$tmp/nope.safetensors"

vae=$root/tests/data/models/stvae_tiny.pt
expect 0 "inspect an ST-VAE in the released .pt layout" "$lavin" inspect "$vae"
grep -q "verdict: valid ST-VAE" "$tmp/out" && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "  FAIL no valid ST-VAE verdict"; }
expect 0 "convert the .pt to safetensors" "$lavin" convert "$vae" -o "$tmp/vae.safetensors" --dtype f32
expect 0 "the converted ST-VAE is valid on its own metadata" "$lavin" inspect "$tmp/vae.safetensors"
grep -q "ST-VAE config (safetensors metadata)" "$tmp/out" && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "  FAIL config not carried into the metadata"; }
expect 2 "an ST-VAE against a wrong config" "$lavin" inspect --config "$root/tests/fixtures/jdit/tiny.json" "$vae"
expect 0 "convert to bf16" "$lavin" convert "$fix/tiny.safetensors" -o "$tmp/bf16.safetensors" --dtype bf16
expect 0 "the bf16 file is a valid J-DiT" "$lavin" inspect "$tmp/bf16.safetensors"
expect 2 "convert a truncated file" "$lavin" convert "$tmp/truncated.safetensors" -o "$tmp/never.safetensors"
if [ -e "$tmp/never.safetensors" ]; then failed=$((failed + 1)); echo "  FAIL partial output left"; else passed=$((passed + 1)); fi
expect 2 "convert with a bad dtype" "$lavin" convert "$fix/tiny.safetensors" -o "$tmp/x.safetensors" --dtype f8

# Weights with tensors the config does not expect: refused, unless
# --allow-missing (the model then takes what it needs).
expect 0 "convert two inputs into one" "$lavin" convert "$fix/tiny.safetensors" "$fix/forward.safetensors" -o "$tmp/both.safetensors"
expect 2 "convert refuses duplicate names" "$lavin" convert "$fix/tiny.safetensors" "$fix/tiny.safetensors" -o "$tmp/dup.safetensors"

expect 0 "debug jdit" "$lavin" debug jdit --model "$fix/tiny.safetensors" --in "$fix/forward.safetensors" --out "$tmp/v.safetensors"
expect 0 "inspect its output" "$lavin" inspect "$tmp/v.safetensors"
grep -q "^  v " "$tmp/out" && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "  FAIL no v in the output"; }
expect 2 "debug jdit with unexpected tensors in the weights" "$lavin" debug jdit --model "$tmp/both.safetensors" --config "$root/tests/fixtures/jdit/tiny.json" --in "$fix/forward.safetensors" --out "$tmp/v2.safetensors"
expect 0 "the same with --allow-missing" "$lavin" debug jdit --model "$tmp/both.safetensors" --config "$root/tests/fixtures/jdit/tiny.json" --in "$fix/forward.safetensors" --out "$tmp/v2.safetensors" --allow-missing
expect 2 "debug jdit with a missing input tensor" "$lavin" debug jdit --model "$fix/tiny.safetensors" --in "$fix/sample.safetensors" --out "$tmp/v3.safetensors"
one_line_naming sample.safetensors
if [ -e "$tmp/v3.safetensors" ]; then failed=$((failed + 1)); echo "  FAIL partial output left"; else passed=$((passed + 1)); fi
expect 0 "debug sample from a seed" "$lavin" debug sample --model "$fix/tiny.safetensors" --in "$fix/forward_tx2.safetensors" --out "$tmp/s1.safetensors" --seed 5 --steps 3
expect 0 "the same seed again" "$lavin" debug sample --model "$fix/tiny.safetensors" --in "$fix/forward_tx2.safetensors" --out "$tmp/s2.safetensors" --seed 5 --steps 3
cmp -s "$tmp/s1.safetensors" "$tmp/s2.safetensors" && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "  FAIL a seed does not give the same sample"; }
expect 0 "another seed" "$lavin" debug sample --model "$fix/tiny.safetensors" --in "$fix/forward_tx2.safetensors" --out "$tmp/s3.safetensors" --seed 6 --steps 3
cmp -s "$tmp/s1.safetensors" "$tmp/s3.safetensors" && { failed=$((failed + 1)); echo "  FAIL two seeds give one sample"; } || passed=$((passed + 1))
vfix=$root/tests/fixtures/stvae
expect 0 "debug vae-encode" "$lavin" debug vae-encode --model "$vfix/tiny.safetensors" --in "$vfix/encode_t5.safetensors" --out "$tmp/m.safetensors"
expect 0 "debug vae-decode" "$lavin" debug vae-decode --model "$vfix/tiny.safetensors" --in "$vfix/decode_t3.safetensors" --out "$tmp/d.safetensors"
expect 0 "debug vae-decode tiled" "$lavin" debug vae-decode --model "$vfix/tiny4.safetensors" --in "$vfix/tiny4_tiled_decode.safetensors" --out "$tmp/dt.safetensors" --vae-tile 32x5
expect 2 "debug vae-encode with a tile of 40" "$lavin" debug vae-encode --model "$vfix/tiny4.safetensors" --in "$vfix/tiny4_tiled_encode.safetensors" --out "$tmp/mt.safetensors" --vae-tile 40
expect 2 "debug vae-encode with --vae-tile 32x" "$lavin" debug vae-encode --model "$vfix/tiny4.safetensors" --in "$vfix/tiny4_tiled_encode.safetensors" --out "$tmp/mt.safetensors" --vae-tile 32x
expect 0 "inspect the decoded clip" "$lavin" inspect "$tmp/d.safetensors"
grep -q "video .*\[1, 3, 9, 16, 24\]" "$tmp/out" && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "  FAIL 3 latent frames did not decode to 9"; }
expect 2 "vae-encode with the J-DiT as the model" "$lavin" debug vae-encode --model "$fix/tiny.safetensors" --in "$vfix/encode_t5.safetensors" --out "$tmp/m2.safetensors"
one_line_naming tiny.safetensors
expect 2 "debug with no --out" "$lavin" debug jdit --model "$fix/tiny.safetensors" --in "$fix/forward.safetensors"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
