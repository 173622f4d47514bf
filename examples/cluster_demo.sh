#!/usr/bin/env bash
# The cluster demo (what tools/demo runs): three troupe-node processes on 127.0.0.1, the three
# demos against them (ping-pong, a chat room, a key-value store under the global supervisor),
# then the node running the store is killed and the store moves. Every process it starts is
# stopped when it exits, whatever happens (trap EXIT).
#
#   examples/cluster_demo.sh [BUILD_DIR]      # binaries from BUILD_DIR (default: build)
#
# Environment: TROUPE_DEMO_PROFILE (failure detection: default ~0.65 s, or aggressive ~0.2 s),
# TROUPE_DEMO_PINGS (pings per measurement, default 2000).
# Exit status 0 when every step did what it should (the scenario test relies on it).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$here/build}" && pwd)
node_bin=$build/tools/troupe-node
ctl_bin=$build/tools/troupectl
demos=$build/examples
profile=${TROUPE_DEMO_PROFILE:-default}
pings=${TROUPE_DEMO_PINGS:-2000}
for b in "$node_bin" "$ctl_bin" "$demos/ping_pong" "$demos/chat_room" "$demos/kv_failover"; do
  [ -x "$b" ] || { echo "cluster_demo: $b is missing (build it first, or run tools/demo)" >&2; exit 2; }
done

run=$(mktemp -d "${TMPDIR:-/tmp}/troupe-demo.XXXXXX")
node_pids=()
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  for p in "${node_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  # A stopping node first hands its global children on (drain); give them a few seconds.
  for _ in $(seq 50); do
    local alive=0
    for p in "${node_pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for p in "${node_pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$run"
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

section() { printf '\n\033[1m== %s ==\033[0m\n' "$*"; }
indent() { sed 's/^/  /'; }

# 7101-7103 when free (the README's examples use them), else three free ports.
read -r -a ports < <(python3 - <<'EOF'
import socket
def free(p):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); return True
    except OSError:
        return False
    finally:
        s.close()
if all(free(p) for p in (7101, 7102, 7103)):
    print(7101, 7102, 7103)
else:
    socks = [socket.socket() for _ in range(3)]
    for s in socks: s.bind(("127.0.0.1", 0))
    print(*[s.getsockname()[1] for s in socks])
    for s in socks: s.close()
EOF
)
names=(n1 n2 n3)
addrs=()
for i in 0 1 2; do addrs+=("tcp://127.0.0.1:${ports[$i]}"); done
all_addrs=$(IFS=,; echo "${addrs[*]}")
cookie="demo-$(od -An -tx8 -N8 /dev/urandom | tr -d ' ')"
export TROUPE_COOKIE=$cookie

section "1. a cluster of three troupe-node processes on 127.0.0.1 (failure detection: $profile)"
for i in 0 1 2; do
  seeds=$(for j in 0 1 2; do if [ $j != $i ]; then printf '%s,' "${addrs[$j]}"; fi; done)
  "$node_bin" --name "${names[$i]}" --listen "${addrs[$i]}" --seeds "${seeds%,}" --profile "$profile" \
    --log-level warn >"$run/${names[$i]}.out" 2>"$run/${names[$i]}.log" &
  node_pids+=($!)
  disown $!  # no "Killed" notice from bash when step 4 kills it
  echo $! >"$run/${names[$i]}.pid"
done
deadline=$((SECONDS + 15))
for i in 0 1 2; do
  until grep -q "ready on" "$run/${names[$i]}.out" 2>/dev/null; do
    kill -0 "${node_pids[$i]}" 2>/dev/null || { echo "node ${names[$i]} died:"; cat "$run/${names[$i]}.log"; exit 1; }
    [ $SECONDS -lt $deadline ] || { echo "node ${names[$i]} did not start"; exit 1; }
    sleep 0.05
  done
  echo "  ${names[$i]}: process ${node_pids[$i]}, ${addrs[$i]}"
done
# member_states ADDR: "name state" per member, as the node at ADDR sees them.
member_states() {
  "$ctl_bin" --node "$1" members --json 2>/dev/null |
    python3 -c 'import json, sys; [print(m["name"], m["state"]) for m in json.load(sys.stdin)]' 2>/dev/null || true
}
members_up() { member_states "$1" | grep -c ' up$' || true; }
until [ "$(members_up "${addrs[0]}")" = 3 ]; do
  [ $SECONDS -lt $deadline ] || { echo "the nodes did not see each other"; exit 1; }
  sleep 0.1
done
echo "  the members, as n1 sees them (troupectl --node ${addrs[0]} members):"
"$ctl_bin" --node "${addrs[0]}" members | indent | indent

section "2. ping-pong: a process on one node calls an echo on another, $pings times in a row"
"$demos/ping_pong" --nodes "$all_addrs" --count "$pings" | tee "$run/ping_pong.txt" | indent

section "3. a chat room over process groups: a bot on each node, and this demo as 'alice'"
"$demos/chat_room" --nodes "$all_addrs" | indent

section "4. a key-value store under the global supervisor, and the loss of its node"
"$demos/kv_failover" --nodes "$all_addrs" --kill-cmd "kill -KILL \$(cat $run/{node}.pid)" | tee "$run/kv.txt" | indent
killed=$(sed -n 's/.*moved: it ran on \([^,]*\),.*/\1/p' "$run/kv.txt")
survivor=""
for i in 0 1 2; do if [ "${names[$i]}" != "$killed" ]; then survivor=${addrs[$i]}; break; fi; done
echo "  the members after the kill (troupectl --node $survivor members):"
deadline=$((SECONDS + 10))
until member_states "$survivor" | grep -qx "$killed down"; do
  [ $SECONDS -lt $deadline ] || { echo "  $killed is not reported down"; exit 1; }
  sleep 0.1
done
"$ctl_bin" --node "$survivor" members | indent | indent

section "done"
p50=$(sed -n 's/.*(node to node).*p50 *\([0-9.]*\) us.*p99 *\([0-9.]*\) us.*/p50 \1 us, p99 \2 us/p' "$run/ping_pong.txt")
failover=$(sed -n 's/.*failover: \([0-9]*\) ms.*/\1 ms/p' "$run/kv.txt")
echo "  round trip node to node: $p50"
echo "  failover of the store: $failover (the loss is detected, then the survivors wait a takeover grace"
echo "  so that a node cut off, rather than dead, has surely stopped its copy; docs/global_supervisor.md)"
echo "  stopping the remaining nodes and removing $run"
