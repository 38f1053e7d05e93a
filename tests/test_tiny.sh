#!/bin/sh
# lavin-tiny, the default model, on held-out scenes (tests/data/tiny, written
# by tools/render/make_eval.py): each task's answer, given that task's
# bundled context pairs, must score past a floor set well clear of the
# trivial baseline; and the same queries answered with another task's pairs
# must score worse, because the pairs, not the model, decide the task.
# Usage: test_tiny.sh LAVIN SOURCE_ROOT
lavin=$1
root=$2
. "$root/tests/cli_lib.sh"
data=$root/tests/data/tiny
scenes=$(cd "$data" && ls eval??.png | sed "s/\.png\$//")
unset LAVIN_MODEL_DIR

# No model flags: the default model and its native size.
answer() {  # answer CONTEXT OUTDIR
    set --  run --context "$1" --task raw --pairs 2 --steps 20 --seed 0 --quiet -o "$2"
    for s in $scenes; do
        set -- "$@" --query "$data/$s.png"
    done
    "$lavin" "$@"
}

truth() {  # truth TASK SCENE
    if [ "$1" = depth ]; then echo "$data/$2_depth.safetensors"; else echo "$data/$2_$1.png"; fi
}

mean_score() {  # mean_score TASK DIR|baseline
    ctx=""
    [ "$1" = segmentation ] && ctx="--context segmentation"
    for s in $scenes; do
        if [ "$2" = baseline ]; then
            "$lavin" eval --task "$1" --truth "$(truth "$1" "$s")" --baseline $ctx
        else
            "$lavin" eval --task "$1" --truth "$(truth "$1" "$s")" --pred "$2/$s.png" $ctx
        fi
    done | awk '{ s += $2; n++ } END { if (n) printf "%.4f\n", s / n; else print "none" }'
}

# better A B LOWER: A is better than B (1: lower is better).
better() { awk -v a="$1" -v b="$2" -v low="$3" 'BEGIN { exit !(low ? a < b : a > b) }'; }

echo "answers (2 pairs, 20 points, seed 0):"
for context in depth normal segmentation edges; do
    expect 0 "the $context pairs answer" answer "$context" "$tmp/$context"
done

# task, floor, lower-is-better, the task whose pairs give the wrong answer.
# The floors sit between the trivial baseline and what the shipped model
# scored here on lavapipe (2026-11-30, J-DiT step 12606, 8 scenes): depth
# AbsRel 0.176 (baseline 0.420), normal 23.1 degrees (37.5), segmentation
# mIoU 0.373 (0.122), edge F1 0.604 (0). Raise them as the model improves.
while read -r task floor low other; do
    [ -n "$task" ] || continue
    echo "$task:"
    own=$(mean_score "$task" "$tmp/$task")
    wrong=$(mean_score "$task" "$tmp/$other")
    base=$(mean_score "$task" baseline)
    echo "       score $own, with the $other pairs $wrong, trivial baseline $base, floor $floor"
    check "$task beats its floor" better "$own" "$floor" "$low"
    check "$task floor is clear of the trivial baseline" better "$floor" "$base" "$low"
    check "the $other pairs give a worse $task answer" better "$own" "$wrong" "$low"
done <<TASKS
depth 0.26 1 normal
normal 30 1 depth
segmentation 0.26 0 edges
edges 0.40 0 segmentation
TASKS

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
