# Shared by the shell tests: a temp folder, counters and checks. Source it
# after setting lavin and root.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

wait_for() {  # wait_for PID SECONDS CMD...: until CMD succeeds, PID has ended or SECONDS have passed
    wait_pid=$1 wait_left=$(($2 * 5))
    shift 2
    while ! "$@" && [ "$wait_left" -gt 0 ] && kill -0 "$wait_pid" 2>/dev/null; do
        sleep 0.2
        wait_left=$((wait_left - 1))
    done
}

nonempty() { [ -n "$(ls -A "$1")" ]; }

expect() {  # expect STATUS DESCRIPTION CMD...
    want=$1 what=$2
    shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    if [ "$got" = "$want" ]; then
        passed=$((passed + 1))
        echo "  ok   $what"
    else
        failed=$((failed + 1))
        echo "  FAIL $what: exit $got, wanted $want"
        sed 's/^/       /' "$tmp/err" | head -5
    fi
}

one_line_naming() {  # the error is one line and names the file
    if [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "$1" "$tmp/err"; then
        passed=$((passed + 1))
        echo "  ok   one-line error naming $1"
    else
        failed=$((failed + 1))
        echo "  FAIL error is not one line naming $1:"
        sed 's/^/       /' "$tmp/err" | head -5
    fi
}

check() {  # check DESCRIPTION CMD...: passes when CMD succeeds
    what=$1
    shift
    if "$@" >/dev/null 2>&1; then
        passed=$((passed + 1))
        echo "  ok   $what"
    else
        failed=$((failed + 1))
        echo "  FAIL $what"
    fi
}

no_file() {  # no_file PATH: a failed command left nothing behind
    check "no output file left: $(basename "$1")" test ! -e "$1"
}

# A model folder in the released layout holding the tiny random-weight test
# models, at $tmp/model (set as $model); needs $root.
model=$tmp/model
mkdir -p "$model"
cp "$root/tests/fixtures/jdit/tiny.safetensors" "$model/lavin_dit.safetensors"
cp "$root/tests/fixtures/jdit/tiny.json" "$model/lavin_dit.json"
cp "$root/tests/fixtures/stvae/tiny4.safetensors" "$model/stvae.safetensors"
