#!/usr/bin/env bash
# Multi-process test of `custos-dev localnet`: init a 4-validator localnet with one observer in a temp
# dir, run it in the background, wait for /healthz on every node, check that the demo item's trail
# (register, offer, accept) is committed on EVERY validator, that the observer follows them and
# serves the trail read once a validator has recorded it, then SIGTERM the runner and check it and all its
# custos-node children have exited; a missing or malformed localnet.json is refused with one error
# line naming the field. Usage: localnet_test.sh BIN_DIR (holding custos-dev, custos and
# custos-node).
set -uo pipefail

BIN_DIR=${1:?usage: localnet_test.sh BIN_DIR}
CUSTOS="$BIN_DIR/custos"
CUSTOS_DEV="$BIN_DIR/custos-dev"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/custos-localnet-test.XXXXXX")
NET="$WORK/net"
# Ports away from the default 8081.. / 26657.. (a developer's `make run` may hold those), varied by
# PID so two build trees can run the test at once: REST on the first five ports of a 10-port slot
# (four validators, one observer), peers on the last five, all in 20000..23999, below Linux's ephemeral range (32768..), where an
# outgoing connection's local port could already hold a peer port we are about to listen on.
REST_BASE=$((20000 + ($$ % 400) * 10))
PEER_BASE=$((REST_BASE + 5))
RUN_PID=""
CHILDREN=""

fail() {
    echo "FAIL: $*" >&2
    echo "--- runner output ---" >&2
    cat "$WORK/run.log" >&2 2>/dev/null
    for log in "$NET"/node*/node.log; do
        echo "--- $log (last 30 lines) ---" >&2
        tail -n 30 "$log" >&2 2>/dev/null
    done
    exit 1
}

cleanup() {
    if [ -n "$RUN_PID" ] && kill -0 "$RUN_PID" 2>/dev/null; then kill -KILL "$RUN_PID" 2>/dev/null; fi
    for pid in $CHILDREN; do kill -KILL "$pid" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT

# Polls "$@" (a command) every 0.5 s until it succeeds or $1 seconds pass.
wait_for() {
    local seconds=$1
    shift
    local deadline=$((SECONDS + seconds))
    until "$@"; do
        [ $SECONDS -ge $deadline ] && return 1
        sleep 0.5
    done
}

"$CUSTOS_DEV" localnet init --dir "$NET" --validators 4 --observers 1 --rest-port-base "$REST_BASE" --peer-port-base "$PEER_BASE" \
    > "$WORK/init.log" 2>&1 || { cat "$WORK/init.log" >&2; fail "localnet init failed"; }
[ -f "$NET/genesis.json" ] || fail "init wrote no genesis"
[ -f "$NET/node4/observer.key" ] || fail "init wrote no observer key"
grep -q '"observers"' "$NET/node0/config.json" || fail "validator 0's config does not list the observer"
# With the observer's public names (its reads relayed must be signed for one of them).
grep -q "\"127.0.0.1:$((REST_BASE + 4))\"" "$NET/node0/config.json" ||
    fail "validator 0's config does not list the observer's rest_public_names"
if grep -q "$(sed -n 's/.*"public_key": *"\([0-9a-f]*\)".*/\1/p' "$NET/node4/observer.key.pub")" "$NET/genesis.json"; then
    fail "the observer's key is in the genesis"
fi
for role in custodian prosecutor auditor admin; do
    [ -f "$NET/keys/NL-POL/$role.key" ] || fail "no $role key for NL-POL"
done
[ "$(stat -c %a "$NET/keys/NL-POL/custodian.key")" = "600" ] || fail "officer key is not mode 0600"
# A second init must refuse rather than overwrite keys.
if "$CUSTOS_DEV" localnet init --dir "$NET" > /dev/null 2>&1; then fail "a second init did not refuse"; fi

# A missing or malformed localnet.json: one line "error: ..." naming the file (and the field at
# fault), exit 1, before any node starts.
BAD="$WORK/bad"
mkdir -p "$BAD"
bad_layout() {  # $1: what the error must name; the layout (if any) is in $BAD/localnet.json.
    local status
    "$CUSTOS_DEV" localnet run --dir "$BAD" > "$WORK/bad.out" 2> "$WORK/bad.err"
    status=$?
    [ "$status" -eq 1 ] || fail "localnet run on a bad layout ($1) exited $status"
    [ "$(wc -l < "$WORK/bad.err")" -eq 1 ] && grep -q "^error: .*$1" "$WORK/bad.err" ||
        fail "localnet run on a bad layout: expected one error line naming '$1', got: $(cat "$WORK/bad.err")"
    [ ! -s "$WORK/bad.out" ] || fail "localnet run on a bad layout printed: $(cat "$WORK/bad.out")"
}
bad_layout "cannot read $BAD/localnet.json"
echo '{"chain_id": "custos-localnet", "agencies": ["NL-POL"' > "$BAD/localnet.json"
bad_layout "localnet.json: "
sed 's/"rest": "127.0.0.1:[0-9]*"/"rest": 8081/' "$NET/localnet.json" > "$BAD/localnet.json"
bad_layout "localnet.json nodes\[0\].rest: must be a string"
sed 's/"rest": "127.0.0.1:[0-9]*"/"rest": "127.0.0.1:65536"/' "$NET/localnet.json" > "$BAD/localnet.json"
bad_layout "localnet.json nodes\[0\].rest: must be HOST:PORT"
grep -v '"chain_id"' "$NET/localnet.json" > "$BAD/localnet.json"
bad_layout "localnet.json chain_id: missing"

"$CUSTOS_DEV" localnet run --dir "$NET" > "$WORK/run.log" 2>&1 &
RUN_PID=$!

healthy() {
    for i in 0 1 2 3 4; do
        curl -sf --max-time 1 "http://127.0.0.1:$((REST_BASE + i))/healthz" > /dev/null || return 1
    done
}
wait_for 40 healthy || fail "not every node answered /healthz"
CHILDREN=$(pgrep -P "$RUN_PID" | tr '\n' ' ')
[ "$(echo $CHILDREN | wc -w)" -eq 5 ] || fail "expected 5 custos-node children, found: $CHILDREN"

# The trail on node i holds all three demo events (committed only: trails list committed events).
trail_complete() {
    local body
    # Reads are signed (RFC 9421): through the CLI, with the receiving agency's custodian key.
    body=$("$CUSTOS" trail EXHIBIT-DEMO-0001 --json --node "http://127.0.0.1:$((REST_BASE + $1))" \
        --key "$NET/keys/DE-BKA/custodian.key" 2>/dev/null) || return 1
    for kind in '"register"' '"transfer.offer"' '"transfer.accept"' '"custodian": "DE-BKA"'; do
        grep -q -- "$kind" <<< "$body" || return 1
    done
}
for i in 0 1 2 3; do
    wait_for 40 trail_complete "$i" || fail "node $i does not serve the complete demo trail"
done
# The observer follows (same height as validator 0 at some point) and serves the trail read once
# a validator has recorded it in the consultation log (the read relay).
same_height() {
    local ours theirs
    ours=$(curl -sf --max-time 1 "http://127.0.0.1:$((REST_BASE + 4))/metrics" | sed -n 's/^custos_height //p')
    theirs=$(curl -sf --max-time 1 "http://127.0.0.1:$REST_BASE/metrics" | sed -n 's/^custos_height //p')
    [ -n "$ours" ] && [ "$ours" -ge 3 ] && [ "$ours" = "$theirs" ]
}
wait_for 40 same_height || fail "the observer does not follow the validators"
"$CUSTOS" trail EXHIBIT-DEMO-0001 --json --node "http://127.0.0.1:$((REST_BASE + 4))" \
    --key "$NET/keys/DE-BKA/custodian.key" > "$WORK/observer_trail.log" 2>&1 ||
    fail "the observer did not serve the trail: $(cat "$WORK/observer_trail.log")"
grep -q "transfer.accept" "$WORK/observer_trail.log" || fail "the observer's trail is not the demo's: $(cat "$WORK/observer_trail.log")"
relayed=$(curl -sf --max-time 2 "http://127.0.0.1:$((REST_BASE + 4))/metrics" | sed -n 's/^custos_reads_relayed_total //p')
[ "${relayed:-0}" -ge 1 ] || fail "the observer served a trail no validator recorded (custos_reads_relayed_total ${relayed:-none})"
grep -q "demo done" "$WORK/run.log" || fail "the runner did not report the demo done"

kill -TERM "$RUN_PID"
# A watchdog SIGKILLs a runner that has not exited 20 s after SIGTERM (its status then shows it).
(sleep 20; kill -KILL "$RUN_PID" 2>/dev/null) &
WATCHDOG=$!
wait "$RUN_PID"
STATUS=$?
kill "$WATCHDOG" 2>/dev/null
RUN_PID=""
[ "$STATUS" -eq 0 ] || fail "the runner exited with status $STATUS after SIGTERM (137: killed by the watchdog)"
for pid in $CHILDREN; do
    if kill -0 "$pid" 2>/dev/null; then fail "custos-node $pid still running after the runner exited"; fi
done
grep -q "^stopped" "$WORK/run.log" || fail "the runner did not report stopping"
echo "localnet test passed: 4 validators and an observer healthy, demo trail committed on all validators, the observer follows and serves the trail read a validator recorded, clean stop"
