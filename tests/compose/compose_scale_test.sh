#!/usr/bin/env bash
# The compose --scale test: one service (docker-compose.scale.yml), N replicas seeded by the
# service's DNS name (dns:troupe:7100), must form an N-node cluster. Then one replica is killed —
# its name no longer resolves, and a lookup of it hangs for seconds on Docker's internal DNS —
# and messages between two survivors must not be delayed: calls relayed by one node's admin to
# an echo on the other (troupectl), and node-to-node round trips (ping_pong), measured for 6 s
# before the kill and 12 s after it under the same load. It prints the slowest call, the p99 and
# the slowest round trip before and after, and fails if one took more than 3 s (a stalled
# transport waits ~10 s; a loaded machine takes up to ~0.7 s to run a troupectl) or failed, or
# if the two survivors ever lost each other. Last, the
# service is scaled up by one and every replica must see the new one (found by re-resolution).
# Everything it made — containers, network, image — is removed on exit, pass or fail.
#
#   tests/compose/compose_scale_test.sh BUILD_DIR [REPLICAS]
#
# Exit status: 0 passed, 1 failed, 77 skipped (no Docker engine or no compose here).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: compose_scale_test.sh BUILD_DIR [REPLICAS]}" && pwd)
replicas=${2:-3}

source "$here/tests/compose/find_compose.sh"  # sets compose_cmd, or skips

run_id="$$-$RANDOM"
project="troupescale${run_id//-/x}"
tag="troupe-test:scale-$run_id"
export TROUPE_IMAGE=$tag
export TROUPE_COOKIE="test-$(od -An -tx8 -N8 /dev/urandom | tr -d ' ')"
export TROUPE_SEEDS_REFRESH_MS=1000
compose() { "${compose_cmd[@]}" -f "$here/docker-compose.scale.yml" -p "$project" "$@"; }
replicas_running() { docker ps -q --filter "label=com.docker.compose.project=$project" --filter "label=com.docker.compose.service=troupe"; }

t0=$SECONDS
phase_start=$SECONDS
phase() { printf '[%3ds] %s (previous phase: %ds)\n' $((SECONDS - t0)) "$*" $((SECONDS - phase_start)); phase_start=$SECONDS; }
fail() { echo "FAILED: $*"; exit 1; }

lookup_log=$(mktemp)
pings_log=$(mktemp)
lookup_pid=
pings_pid=
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  echo "--- teardown"
  [ -z "$lookup_pid" ] || kill "$lookup_pid" 2>/dev/null || true
  [ -z "$pings_pid" ] || kill "$pings_pid" 2>/dev/null || true
  if [ $status -ne 0 ]; then
    compose logs --no-color --tail 30 2>/dev/null || true
  fi
  compose down --volumes --remove-orphans --timeout 0 >/dev/null 2>&1 || true
  docker image rm -f "$tag" >/dev/null 2>&1 || true
  rm -f "$lookup_log" "$pings_log"
  local left
  left=$(docker ps -aq --filter "label=com.docker.compose.project=$project"; docker network ls -q --filter "name=${project}_"
         docker image ls -q "$tag")
  [ -z "$left" ] || { echo "teardown left: $left"; status=1; }
  echo "compose scale test took $((SECONDS - t0)) s in all"
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ctl() {  # ctl CONTAINER ARGS...: troupectl inside CONTAINER, against its own node
  local c=$1; shift
  docker exec "$c" troupectl --node tcp://127.0.0.1:7100 --timeout-ms 3000 "$@"
}
up_count() { ctl "$1" members 2>/dev/null | awk '$NF ~ /^[0-9]+$/ && / up /' | wc -l; }
node_name() { docker inspect -f '{{.Config.Hostname}}' "$1"; }
# Waits until every running replica sees N members up; 30 s at most.
wait_all_see() {
  local want=$1 deadline=$((SECONDS + 30)) c ok
  while [ $SECONDS -lt $deadline ]; do
    ok=1
    for c in $(replicas_running); do [ "$(up_count "$c")" = "$want" ] || { ok=0; break; }; done
    [ $ok = 1 ] && return 0
    sleep 0.2
  done
  for c in $(replicas_running); do echo "  $(node_name "$c") sees:"; ctl "$c" members || true; done
  return 1
}
now_ms() { date +%s%3N; }
# Calls the echo ECHO_PID through node A's admin COUNT times (or for SECONDS when COUNT is 0);
# prints "calls failed max_ms".
calls() {
  local a=$1 echo_pid=$2 count=$3 seconds=${4:-0} n=0 failed=0 max=0 start end
  local until=$((SECONDS + seconds))
  while { [ "$count" -gt 0 ] && [ $n -lt "$count" ]; } || { [ "$count" = 0 ] && [ $SECONDS -lt $until ]; }; do
    start=$(now_ms)
    ctl "$a" call "$echo_pid" '"ping"' >/dev/null 2>&1 || failed=$((failed + 1))
    end=$(now_ms)
    [ $((end - start)) -le $max ] || max=$((end - start))
    n=$((n + 1))
  done
  echo "$n $failed $max"
}
ip_of() { docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$1"; }
# Node-to-node round trips from A's node to B's: ping_pong (in the image) run inside A's container
# as a hidden node, 2000 pings a run, runs back to back for SECONDS (at least one). Prints
# "runs failed max_us p99_us" — the slowest single round trip of all runs, and the highest p99.
pings() {
  local a=$1 b=$2 seconds=$3 runs=0 failed=0 max=0 p99=0 out run_max run_p99
  local a_ip b_ip until=$((SECONDS + seconds))
  a_ip=$(ip_of "$a") b_ip=$(ip_of "$b")
  while [ $runs = 0 ] || [ $SECONDS -lt $until ]; do
    out=$(docker exec -e TROUPE_DEMO_LISTEN=tcp://0.0.0.0:7200 -e "TROUPE_DEMO_ADVERTISE=tcp://$a_ip:7200" "$a" \
            ping_pong --nodes "tcp://$a_ip:7100,tcp://$b_ip:7100" --from "$(node_name "$a")" --to "$(node_name "$b")" \
            --count 2000 2>&1) || failed=$((failed + 1))
    run_max=$(sed -n 's/.*(node to node).* max *\([0-9]*\)\.[0-9] us.*/\1/p' <<<"$out")
    [ -n "$run_max" ] || { failed=$((failed + 1)); run_max=0; }
    [ "$run_max" -le $max ] || max=$run_max
    run_p99=$(sed -n 's/.*(node to node).* p99 *\([0-9]*\)\.[0-9] us.*/\1/p' <<<"$out")
    [ "${run_p99:-0}" -le $p99 ] || p99=$run_p99
    runs=$((runs + 1))
  done
  echo "$runs $failed $max $p99"
}

phase "building the image $tag from $build"
"$here/tools/docker/build-image" --build-dir "$build" --skip-build --tag "$tag"

phase "starting $replicas replicas of one service (project $project), seeded by dns:troupe:7100"
compose up -d --scale "troupe=$replicas" >/dev/null 2>&1 || { compose up -d --scale "troupe=$replicas"; fail "docker compose up"; }
mapfile -t nodes < <(replicas_running)
[ ${#nodes[@]} = "$replicas" ] || fail "${#nodes[@]} containers running, not $replicas"
wait_all_see "$replicas" || fail "the replicas did not form a $replicas-node cluster"
formed=$((SECONDS - phase_start))
echo "  every replica sees $replicas members up, ${formed} s after 'up' returned"
for c in "${nodes[@]}"; do echo "  $(node_name "$c")"; done

victim=${nodes[0]} a=${nodes[1]} b=${nodes[2]}
victim_name=$(node_name "$victim") a_name=$(node_name "$a") b_name=$(node_name "$b")
phase "for 6 s before the kill: calls from $a_name's admin to an echo on $b_name, and round trips between the two"
echo_pid=$(ctl "$b" spawn echo) || fail "spawn echo on $b_name"
# The same load as after the kill (calls and ping_pong side by side), so the figures compare.
pings "$a" "$b" 6 >"$pings_log" &
pings_pid=$!
read -r n before_failed before_max < <(calls "$a" "$echo_pid" 0 6)
wait "$pings_pid" || true
pings_pid=
read -r before_runs before_ping_failed before_ping_max before_p99 <"$pings_log"
[ "$before_failed" = 0 ] || fail "$before_failed of $n calls failed before the kill"
[ "$before_ping_failed" = 0 ] || fail "ping_pong from $a_name to $b_name failed before the kill"
echo "  $n calls, slowest ${before_max} ms (each is a troupectl process: start, handshake, call, exit)"
echo "  $before_runs runs of 2000 node-to-node round trips, highest p99 ${before_p99} us, slowest ${before_ping_max} us"

phase "docker kill of $victim_name; calls between the survivors for 12 s"
docker kill "$victim" >/dev/null
# Shows the hazard is real: a lookup of the dead replica's name (by libzmq, in a troupectl of its
# own) hangs for seconds. The nodes never look it up.
( s=$(now_ms); docker exec "$a" troupectl --node "tcp://$victim_name:7100" --timeout-ms 1000 members >/dev/null 2>&1 || true
  echo $(( $(now_ms) - s )) >"$lookup_log" ) &
lookup_pid=$!
pings "$a" "$b" 12 >"$pings_log" &
pings_pid=$!
read -r n after_failed after_max < <(calls "$a" "$echo_pid" 0 12)
wait "$lookup_pid" || true
lookup_pid=
wait "$pings_pid" || true
pings_pid=
read -r runs after_ping_failed after_ping_max after_p99 <"$pings_log"
lookup_ms=$(cat "$lookup_log")
echo "  $n calls, $after_failed failed, slowest ${after_max} ms (before the kill: ${before_max} ms)"
echo "  $runs runs of 2000 node-to-node round trips, $after_ping_failed failed, highest p99 ${after_p99} us, slowest ${after_ping_max} us" \
     "(before: p99 ${before_p99} us, slowest ${before_ping_max} us)"
echo "  meanwhile a lookup of the dead replica's name ($victim_name) took ${lookup_ms} ms"
[ "$after_failed" = 0 ] || fail "$after_failed calls between the survivors failed after the kill"
[ "$after_max" -lt 3000 ] || fail "a call between the survivors took ${after_max} ms after the kill"
[ "$after_ping_failed" = 0 ] || fail "$after_ping_failed ping_pong runs between the survivors failed after the kill"
[ "$after_ping_max" -lt 3000000 ] || fail "a round trip between the survivors took ${after_ping_max} us after the kill"
for pair in "$a:$b_name" "$b:$a_name"; do
  c=${pair%%:*} other=${pair#*:}
  ! docker logs "$c" 2>&1 | grep "lost node '$other'" >/dev/null || fail "$(node_name "$c") lost $other after the kill"
done
echo "  neither survivor lost the other"
ctl "$a" members 2>/dev/null | grep "^$victim_name .* down " >/dev/null || { ctl "$a" members || true; fail "$a_name does not see $victim_name down"; }
lost_line=$(docker logs "$a" 2>&1 | grep -m1 "lost node '$victim_name'" || true)
echo "  $a_name sees $victim_name down: ${lost_line:-(no log line)}"

phase "scaling to $((replicas + 1)) replicas: the new ones are found through the name"
docker rm -f "$victim" >/dev/null  # so that compose starts new replicas rather than restarting this one
compose up -d --no-recreate --scale "troupe=$((replicas + 1))" >/dev/null 2>&1 || fail "docker compose up --scale troupe=$((replicas + 1))"
[ "$(replicas_running | wc -l)" = $((replicas + 1)) ] || fail "not $((replicas + 1)) replicas running"
wait_all_see $((replicas + 1)) || fail "the cluster did not grow to $((replicas + 1)) members up"
echo "  every replica sees $((replicas + 1)) members up, $((SECONDS - phase_start)) s after scaling"
phase "passed"
echo "figures: formed in ${formed} s; slowest survivor call before the kill ${before_max} ms, after it ${after_max} ms;" \
     "node-to-node round trips before p99 ${before_p99} us / slowest ${before_ping_max} us, after p99 ${after_p99} us / slowest ${after_ping_max} us;" \
     "dead name lookup ${lookup_ms} ms"
