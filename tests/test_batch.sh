#!/bin/sh
# lavin batch: shards that split a manifest exactly, resuming after a
# signal without redoing anything, bad jobs among good ones, events as JSON
# lines, shards from Slurm's and Kubernetes' variables, the exit statuses,
# the RoPE options as job keys.
# Usage: test_batch.sh LAVIN SOURCE_ROOT
lavin=$1
root=$2
. "$root/tests/cli_lib.sh"

# Nothing here runs under a scheduler, whatever the environment says.
unset SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_MIN SLURM_ARRAY_TASK_STEP SLURM_ARRAY_TASK_COUNT JOB_COMPLETION_INDEX
batch() { "$lavin" batch --model-dir "$model" --size 32x32 --steps 3 --pairs 1 --quiet "$@"; }

in=$tmp/in
mkdir -p "$in"
for i in 1 2 3 4 5; do
    cp "$root/examples/scene.png" "$in/scene$i.png"
done
cp "$root/examples/coffee.jpg" "$in/coffee.jpg"
manifest() {  # manifest OUT_DIR: one job per picture of $in, in name order
    for f in "$in"/*; do
        name=$(basename "$f")
        printf '{"context": "depth", "in": "%s", "out": "%s/%s.png"}\n' "$f" "$1" "${name%.*}"
    done
}

# events FILE CHECK...: the events are JSON lines, and each named check holds:
#   terminal=N  N jobs, each with exactly one of done, skipped or failed
#   done=A,B    the jobs done are exactly these; skipped=..., failed=... alike
#   end=S       the last line is the end event with status S
events() {
    python3 - "$@" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
terminal = {}
for e in lines:
    if e["event"] in ("done", "skipped", "failed"):
        terminal.setdefault(e["job"], []).append(e["event"])
for check in sys.argv[2:]:
    key, want = check.split("=")
    if key == "terminal":
        assert len(terminal) == int(want) and all(len(v) == 1 for v in terminal.values()), terminal
    elif key == "end":
        assert lines[-1]["event"] == "end" and lines[-1]["status"] == int(want), lines[-1]
    else:
        jobs = sorted(j for j, v in terminal.items() if v[0] == key)
        assert jobs == sorted(int(x) for x in want.split(",") if x), (key, jobs)
EOF
}

echo "two shards make exactly the whole:"
manifest "$tmp/whole" >"$tmp/m.jsonl"
manifest "$tmp/shards" >"$tmp/ms.jsonl"
expect 0 "the whole manifest" batch "$tmp/m.jsonl" --events "$tmp/whole.ev"
expect 0 "shard 0/2" batch "$tmp/ms.jsonl" --shard 0/2 --events "$tmp/s0.ev"
expect 0 "shard 1/2" batch "$tmp/ms.jsonl" --shard 1/2 --events "$tmp/s1.ev"
check "shard 0 did the even jobs, each once" events "$tmp/s0.ev" terminal=3 done=0,2,4 end=0
check "shard 1 did the odd jobs, each once" events "$tmp/s1.ev" terminal=3 done=1,3,5 end=0
check "the whole did every job once" events "$tmp/whole.ev" terminal=6 done=0,1,2,3,4,5 end=0
sums() { (cd "$1" && cksum *.png | awk '{print $1, $2, $3}'); }
check "the shards' outputs are the whole's, byte for byte" test "$(sums "$tmp/shards")" = "$(sums "$tmp/whole")"
check "twelve files: six answers and their previews" test "$(ls "$tmp/shards" | wc -l)" -eq 12

echo "shards from a scheduler's variables:"
for v in "SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=2" \
         "SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_COUNT=2" \
         "SLURM_ARRAY_TASK_ID=10 SLURM_ARRAY_TASK_MIN=5 SLURM_ARRAY_TASK_STEP=5 SLURM_ARRAY_TASK_COUNT=2" \
         "JOB_COMPLETION_INDEX=1 --shards 2"; do
    rm -rf "$tmp/env" "$tmp/env.ev"
    manifest "$tmp/env" >"$tmp/me.jsonl"
    envs=${v%--shards*}
    args=$(echo "$v" | grep -o -- '--shards.*')
    expect 0 "$v" env $envs "$lavin" batch "$tmp/me.jsonl" --model-dir "$model" --size 32x32 --steps 3 --pairs 1 \
        --quiet --events "$tmp/env.ev" $args
    check "  is shard 1 of 2" events "$tmp/env.ev" terminal=3 done=1,3,5
done
expect 2 "JOB_COMPLETION_INDEX without --shards" env JOB_COMPLETION_INDEX=0 "$lavin" batch "$tmp/me.jsonl"
one_line_naming "completions"
expect 2 "a Slurm index outside the array" env SLURM_ARRAY_TASK_ID=7 SLURM_ARRAY_TASK_COUNT=2 "$lavin" batch \
    "$tmp/me.jsonl"
expect 0 "--shard wins over the environment" env SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=2 "$lavin" batch \
    "$tmp/me.jsonl" --shard 0/2 --model-dir "$model" --size 32x32 --steps 3 --pairs 1 --quiet --events "$tmp/env0.ev"
check "  it ran the even jobs" events "$tmp/env0.ev" done=0,2,4

echo "a batch stopped by SIGTERM resumes without redoing anything:"
out=$tmp/kill
"$lavin" batch --model-dir "$model" --size 32x32 --steps 120 --pairs 1 --batch 1 --quiet --context depth \
    --in "$in" --out-dir "$out" --events "$tmp/kill1.ev" 2>"$tmp/err" &
pid=$!
wait_for "$pid" 120 test -e "$out/coffee.png"
kill -s TERM "$pid"
wait "$pid"
status=$?
check "it ends by the signal (status $status)" test "$status" -eq 143
finished=$(ls "$out" | grep -v preview | wc -l)
check "some jobs finished, not all ($finished)" test "$finished" -ge 1 -a "$finished" -lt 6
check "every answer there is whole: no temporary file, each with its preview" \
    test "$(ls -A "$out" | wc -l)" -eq $((2 * finished))
check "the events say interrupted" events "$tmp/kill1.ev" end=143
inodes() { (cd "$1" && ls -i *.png | head -n "$2"); }  # a file written again is a new file (rename)
before=$(inodes "$out" $((2 * finished)))
expect 0 "started again" "$lavin" batch --model-dir "$model" --size 32x32 --steps 120 --pairs 1 --quiet \
    --context depth --in "$in" --out-dir "$out" --events "$tmp/kill2.ev"
done_before=$(python3 -c "import json,sys; print(','.join(str(e['job']) for e in map(json.loads, open(sys.argv[1]))
    if e['event'] == 'done'))" "$tmp/kill1.ev")
check "it skipped the $finished jobs done before and did the rest" events "$tmp/kill2.ev" terminal=6 \
    skipped="$done_before"
check "all six answers are there" test "$(ls "$out" | grep -v preview | wc -l)" -eq 6
check "the earlier answers were not written again" test "$(inodes "$out" $((2 * finished)))" = "$before"

echo "bad jobs among good ones:"
mixed=$tmp/mixed
cat >"$tmp/bad.jsonl" <<EOF
{"context": "depth", "in": "$in/scene1.png", "out": "$mixed/a/one.png"}
{"context": "depth", "in": "$in/missing.png", "out": "$mixed/missing.png"}
not json

{"context": "depth", "in": "$in/scene2.png", "out": "$mixed/two.png", "steps": 1}
{"context": "depth", "in": "$in/scene3.png", "out": "$mixed/three.png", "seed": 5}
{"context": "depth", "in": "$in/scene4.png", "out": "$mixed/a/one.png"}
{"context": "no-such-context", "in": "$in/scene4.png", "out": "$mixed/four.png"}
{"context": "depth", "in": "$in/scene5.png", "out": "$in/scene5.png"}
{"context": "depth", "in": "$root/examples/flythrough.mp4", "out": "$mixed/fly.mp4", "steps": 2}
{"in": "$root/examples/flythrough.mp4", "out": "$mixed/next.mp4", "frames": 4, "context-frames": 5}
EOF
expect 3 "status 3: some jobs had bad input" batch "$tmp/bad.jsonl" --events "$tmp/bad.ev"
check "the good ones were done, every job ended once" events "$tmp/bad.ev" terminal=10 done=0,4,8,9 \
    failed=1,2,3,5,6,7 end=3
for f in a/one.png three.png fly.mp4 next.mp4; do
    check "  $f written" test -s "$mixed/$f"
done
run() { "$lavin" run --model-dir "$model" --size 32x32 --steps 3 --pairs 1 --quiet --context depth "$@"; }
run --query "$in/scene3.png" --seed 5 -o "$tmp/seed5.png" && run --query "$in/scene1.png" -o "$tmp/seed0.png"
check "  a job's own seed is honoured: lavin run's answer, byte for byte" cmp "$mixed/three.png" "$tmp/seed5.png"
check "  and the default seed's answer too" cmp "$mixed/a/one.png" "$tmp/seed0.png"
no_file "$mixed/missing.png"
no_file "$mixed/two.png"
check "a stderr line names the missing input" grep -q "missing.png" "$tmp/err"
expect 3 "again: the good ones are skipped, the bad ones fail again" batch "$tmp/bad.jsonl" --events "$tmp/bad2.ev"
check "  skipped, not redone" events "$tmp/bad2.ev" terminal=10 skipped=0,4,8,9 done=
expect 3 "--force redoes them" batch "$tmp/bad.jsonl" --force --events "$tmp/bad3.ev"
check "  done again" events "$tmp/bad3.ev" done=0,4,8,9

echo "the RoPE options are job keys:"
printf '{"context": "depth", "in": "%s", "out": "%s/rope.png", "rope": "interpolate", "rope-anchor": "64x64"}\n{"context": "depth", "in": "%s", "out": "%s/bad.png", "rope": "sideways"}\n' \
    "$in/scene1.png" "$tmp/rope" "$in/scene1.png" "$tmp/rope" >"$tmp/rope.jsonl"
expect 3 "a job with rope and rope-anchor, and one with a bad rope" batch "$tmp/rope.jsonl" --events "$tmp/rope.ev"
check "  the first was done, the second failed" events "$tmp/rope.ev" done=0 failed=1
run --query "$in/scene1.png" --rope interpolate --rope-anchor 64x64 -o "$tmp/rope_run.png"
check "  lavin run's answer with the same options, byte for byte" cmp "$tmp/rope/rope.png" "$tmp/rope_run.png"
check "  not the default RoPE's answer" sh -c '! cmp -s "$1" "$2"' sh "$tmp/rope/rope.png" "$tmp/seed0.png"

echo "a failure another try may mend: status 4"
printf '{"context": "depth", "in": "%s", "out": "%s/small.png"}\n{"context": "depth", "in": "%s", "out": "%s/big.png", "size": "512x512"}\n' \
    "$in/scene1.png" "$tmp/mem" "$in/scene2.png" "$tmp/mem" >"$tmp/mem.jsonl"
expect 4 "out of device memory in one job" batch "$tmp/mem.jsonl" --memory-limit 32M --vae-tile off \
    --events "$tmp/mem.ev"
check "  the other job was done; the failure says retry" python3 -c "import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
assert [e['job'] for e in ev if e['event'] == 'done'] == [0]
assert [(e['job'], e['retry']) for e in ev if e['event'] == 'failed'] == [(1, True)]" "$tmp/mem.ev"

echo "usage:"
expect 2 "neither a manifest nor --in" "$lavin" batch --context depth
expect 2 "--in without --out-dir" "$lavin" batch --context depth --in "$in"
expect 2 "-o is not a batch option" "$lavin" batch "$tmp/m.jsonl" -o "$tmp/x.png"
expect 2 "a manifest that is not there" "$lavin" batch "$tmp/none.jsonl"
one_line_naming "none.jsonl"
expect 2 "a bad --shard" "$lavin" batch "$tmp/m.jsonl" --shard 2/2
expect 2 "an events file that cannot be written" "$lavin" batch "$tmp/m.jsonl" --events "$tmp/no/such/ev"
expect 0 "--events - writes JSON lines on stdout" batch "$tmp/m.jsonl" --events -
check "  one terminal event per job" events "$tmp/out" terminal=6 skipped=0,1,2,3,4,5 end=0

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
