#!/usr/bin/env bash
# Committed throughput of one network shape with and without the certified state map, side by
# side (issue 18: "within 10% of the same load without it"). Two localnets made alike (4
# validators, same agencies, same heartbeat), the second with `custos-dev localnet init
# --test-state-map off` (TEST ONLY: its validators keep no map, every state_root is zero). They
# run in turn, never at once (they would share the cores), alternating, ROUNDS times each, each
# round under the same `custos-dev bench load`. Prints each run's committed events/s and node CPU per
# committed event, then the medians and their ratios. Everything lives in a temporary directory,
# removed afterwards. Prints figures; asserts nothing.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: scripts/bench-state-root.sh [--rounds N] [--rate R] [--duration S] [--batch B]
                                   [--port-base P] [--bin DIR]

  --rounds N     runs of each network, alternating (default 3)
  --rate R       events/s offered by custos-dev bench load (default 3000)
  --duration S   timed phase of each run in seconds (default 20)
  --batch B      events per POST /v1/batches (default 50)
  --port-base P  REST ports P..P+3 and P+100..P+103, peer ports P+50.. and P+150.. (default 21000)
  --bin DIR      where custos-dev and custos-node are (default build/bin)
EOF
}

rounds=3 rate=3000 duration=20 batch=50 port_base=21000 bin=build/bin
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds="$2"; shift 2 ;;
        --rate) rate="$2"; shift 2 ;;
        --duration) duration="$2"; shift 2 ;;
        --batch) batch="$2"; shift 2 ;;
        --port-base) port_base="$2"; shift 2 ;;
        --bin) bin="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "error: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
done
for n in "$rounds" "$rate" "$duration" "$batch" "$port_base"; do
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "error: options take positive whole numbers" >&2; exit 2; }
done
custos_dev="$bin/custos-dev"
[ -x "$custos_dev" ] && [ -x "$bin/custos-node" ] || { echo "error: no custos-dev or custos-node in $bin" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/custos-bench-state-root-XXXXXX")"
running=""
cleanup() {
    if [ -n "$running" ]; then kill -TERM "$running" 2>/dev/null || true; wait "$running" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

"$custos_dev" localnet init --dir "$work/with" --rest-port-base "$port_base" \
    --peer-port-base $((port_base + 50)) > /dev/null
"$custos_dev" localnet init --dir "$work/without" --rest-port-base $((port_base + 100)) \
    --peer-port-base $((port_base + 150)) --test-state-map off > /dev/null

# One run: start the network, wait for every node's /healthz, load it, stop it.
run_one() {
    local name="$1" base="$2" out="$work/$1-$3.txt"
    CUSTOS_TEST_WITHOUT_STATE_MAP=1 "$custos_dev" localnet run --dir "$work/$name" --no-demo \
        > "$work/$name-run.log" 2>&1 &
    running=$!
    local nodes="" i
    for i in 0 1 2 3; do nodes="$nodes${nodes:+,}http://127.0.0.1:$((base + i))"; done
    for _ in $(seq 1 600); do
        grep -q "nodes are healthy" "$work/$name-run.log" && break
        kill -0 "$running" 2>/dev/null || { cat "$work/$name-run.log" >&2; exit 1; }
        sleep 0.1
    done
    "$custos_dev" bench load --nodes "$nodes" --key "$work/$name/keys/NL-POL/custodian.key" \
        --rate "$rate" --duration "$duration" --batch "$batch" > "$out" 2>&1 || true
    kill -TERM "$running"
    wait "$running" || true
    running=""
    local committed cpu
    committed="$(sed -n 's/.*committed events\/s \([0-9]*\).*/\1/p' "$out")"
    cpu="$(sed -n 's/^node CPU per committed event: \([0-9]*\) us.*/\1/p' "$out")"
    if [ -z "$committed" ] || [ -z "$cpu" ]; then
        echo "$name round $3: no figures; the end of custos-dev bench load's output:" >&2
        tail -5 "$out" >&2
        return
    fi
    printf '%-8s round %s: committed %6s events/s, node CPU per committed event %5s us\n' \
        "$name" "$3" "${committed:-?}" "${cpu:-?}"
    echo "$committed $cpu" >> "$work/$name.figures"
}

echo "custos state map side by side: 4 validators, bench load --rate $rate --batch $batch" \
    "--duration $duration, $rounds rounds each, alternating (load average $(cut -d' ' -f1 /proc/loadavg))"
for round in $(seq 1 "$rounds"); do
    if [ $((round % 2)) -eq 1 ]; then order="with without"; else order="without with"; fi
    for name in $order; do
        if [ "$name" = with ]; then run_one with "$port_base" "$round"; else run_one without $((port_base + 100)) "$round"; fi
    done
done

median() { sort -n | awk '{v[NR]=$1} END {if (NR == 0) print 0; else if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
spread() { sort -n | awk 'NR==1{lo=$1} {hi=$1} END {print lo "-" hi}'; }
for name in with without; do
    c_med="$(awk '{print $1}' "$work/$name.figures" | median)"
    u_med="$(awk '{print $2}' "$work/$name.figures" | median)"
    printf '%-8s median committed %6s events/s (runs %s), median CPU per event %5s us (runs %s)\n' "$name" \
        "$c_med" "$(awk '{print $1}' "$work/$name.figures" | spread)" "$u_med" \
        "$(awk '{print $2}' "$work/$name.figures" | spread)"
    eval "c_$name=$c_med u_$name=$u_med"
done
awk -v cw="$c_with" -v co="$c_without" -v uw="$u_with" -v uo="$u_without" 'BEGIN {
    printf "with the map / without: committed events/s %.3f, node CPU per committed event %.3f\n",
        (co > 0 ? cw / co : 0), (uo > 0 ? uw / uo : 0) }'
