#!/usr/bin/env bash
# Idle cost of a cluster of real troupe-node processes on 127.0.0.1: starts N nodes (the first
# is every other's seed), waits (bounded) until every node has logged N-1 members up, then
# samples the processes' CPU time from /proc for SAMPLE seconds, and prints one JSON line:
#   {"bench": "cluster.idle", "nodes": N, "all_up_s": ..., "cpu_pct_total": ..., "cpu_pct_per_node": ...,
#    "rss_mib_total": ..., "detect_...": ...}
# Usage: bench/idle_cluster.sh N [SAMPLE_SECONDS]   (TROUPE_NODE: the binary; default build/tools/troupe-node;
# TROUPE_NODE_ARGS: extra flags for every node, e.g. "--profile aggressive")
# TROUPE_DETECT=0 skips the detection phase; TROUPE_KEEP_LOGS=1 keeps the nodes' logs.
# Every process it starts is killed on exit, whatever happens.
set -euo pipefail
n=${1:?usage: idle_cluster.sh N [SAMPLE_SECONDS]}
sample=${2:-10}
here=$(cd "$(dirname "$0")/.." && pwd)
node_bin=${TROUPE_NODE:-$here/build/tools/troupe-node}
base_port=${TROUPE_BASE_PORT:-17300}
logs=$(mktemp -d /tmp/idle_cluster.XXXXXX)
pids=()

cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ -n "${TROUPE_KEEP_LOGS:-}" ]; then echo "logs kept in $logs" >&2; else rm -rf "$logs"; fi
}
trap cleanup EXIT INT TERM

seed=tcp://127.0.0.1:$base_port
start=$(date +%s.%N)
for i in $(seq 1 "$n"); do
  port=$((base_port + i - 1))
  seeds=()
  [ "$i" -gt 1 ] && seeds=(--seeds "$seed")
  [ "$i" -eq 1 ] && seeds=(--http "127.0.0.1:$((base_port + 999))")  # n1's metrics: its traffic
  # shellcheck disable=SC2086
  "$node_bin" --name "n$i" --listen "tcp://127.0.0.1:$port" --cookie idle --log-level info \
    "${seeds[@]}" ${TROUPE_NODE_ARGS:-} >"$logs/n$i.log" 2>&1 &
  pids+=($!)
done

# All up: every node logged N-1 distinct members up (bounded: 60 s).
deadline=$(($(date +%s) + 60))
while :; do
  done_nodes=0
  for i in $(seq 1 "$n"); do
    c=$(grep -o "member 'n[0-9]*' is up" "$logs/n$i.log" 2>/dev/null | sort -u | wc -l || true)
    [ "$c" -ge $((n - 1)) ] && done_nodes=$((done_nodes + 1))
  done
  [ "$done_nodes" -eq "$n" ] && break
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "not all up after 60 s ($done_nodes of $n nodes see everyone)" >&2
    exit 1
  fi
  sleep 0.1
done
all_up=$(echo "$(date +%s.%N) - $start" | bc)
sleep 2  # let the joins' gossip settle

ticks() {  # utime + stime of every node, in clock ticks
  local t=0
  for p in "${pids[@]}"; do
    read -r -a f <"/proc/$p/stat"
    t=$((t + f[13] + f[14]))
  done
  echo "$t"
}
hz=$(getconf CLK_TCK)
metric() {  # metric NAME: n1's counter
  curl -s "http://127.0.0.1:$((base_port + 999))/metrics" | awk -v m="$1" '$1 == m {print $2}'
}
m0=$(metric troupe_messages_in_total); b0=$(metric troupe_bytes_in_total)
t0=$(ticks)
w0=$(date +%s.%N)
sleep "$sample"
t1=$(ticks)
w1=$(date +%s.%N)
m1=$(metric troupe_messages_in_total); b1=$(metric troupe_bytes_in_total)
rss_kb=0
for p in "${pids[@]}"; do
  r=$(awk '/VmRSS/ {print $2}' "/proc/$p/status")
  rss_kb=$((rss_kb + r))
done
lost=$(cat "$logs"/*.log | grep -c "considering it lost\|lost node" || true)
cpu=$(echo "scale=2; 100 * ($t1 - $t0) / $hz / ($w1 - $w0)" | bc)
per=$(echo "scale=2; $cpu / $n" | bc)
rss=$(echo "scale=1; $rss_kb / 1024" | bc)
msgs=$(echo "scale=1; (${m1:-0} - ${m0:-0}) / ($w1 - $w0)" | bc)
kbytes=$(echo "scale=1; (${b1:-0} - ${b0:-0}) / 1024 / ($w1 - $w0)" | bc)
printf '{"bench": "cluster.idle", "nodes": %d, "all_up_s": %.2f, "sample_s": %s, "cpu_pct_total": %s, "cpu_pct_per_node": %s, "rss_mib_total": %s, "losses_logged": %d, "n1_messages_in_per_s": %s, "n1_kib_in_per_s": %s}\n' \
  "$n" "$all_up" "$sample" "$cpu" "$per" "$rss" "$lost" "$msgs" "$kbytes"

# Detection: SIGKILL one node, then SIGSTOP another; how long until each other node logs the loss
# (from the signal, by the nodes' log stamps): the first (a watcher), the median and the last.
detect() {  # detect SIGNAL INDEX EXPECTED (how many nodes should log it)
  local sig=$1 victim=$2 expected=$3 since
  since=$(date +%s.%N)
  kill "-$sig" "${pids[$((victim - 1))]}"
  local until=$(($(date +%s) + 10))
  while :; do
    local seen=0
    for i in $(seq 1 "$n"); do
      [ "$i" -eq "$victim" ] && continue
      grep -q "lost node 'n$victim'" "$logs/n$i.log" && seen=$((seen + 1))
    done
    [ "$seen" -ge "$expected" ] && break
    [ "$(date +%s)" -ge "$until" ] && break
    sleep 0.1
  done
  python3 - "$logs" "$victim" "$since" "$sig" "$n" <<'PY'
import sys, glob, re, datetime, statistics
logs, victim, since, sig, n = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], int(sys.argv[5])
pat = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)\].*lost node 'n%s'" % victim)
ms, by_report = [], 0
for f in glob.glob(logs + "/n*.log"):
    if f.endswith("/n%s.log" % victim): continue
    for line in open(f, errors="replace"):
        m = pat.match(line)
        if m:
            t = datetime.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S.%f").timestamp()
            if t < since - 0.05: continue  # an earlier loss of it (a false alarm), not this one
            ms.append(round((t - since) * 1000))
            by_report += "reported lost" in line
            break
ms.sort()
print('{"bench": "cluster.detect_%s", "nodes": %d, "saw_loss": %d, "first_ms": %s, "median_ms": %s, "last_ms": %s, "by_report": %d}' % (
    sig.lower(), n, len(ms), ms[0] if ms else "null", statistics.median(ms) if ms else "null", ms[-1] if ms else "null", by_report))
PY
}
if [ "${TROUPE_DETECT:-1}" = 1 ] && [ "$n" -ge 3 ]; then
  detect KILL $((n / 2)) $((n - 1))
  detect STOP $((n / 2 + 1)) $((n - 2))
fi
