#!/usr/bin/env bash
# The Docker Swarm test: deploys deploy/swarm/troupe-stack.yml (3 replicas of one service that
# find each other through tasks.troupe) with an image built offline from BUILD_DIR, and checks:
#   1. the 3 tasks form a 3-node cluster;
#   2. `docker service scale` to 5: every task sees 5 members up; a second global child is
#      started on a new task;
#   3. back to 3: the removed tasks drain (SIGTERM) and leave; every task sees 3 up, and both
#      children run on running tasks (the second one handed on by the drain);
#   4. a global child started with troupectl survives the scaling, and when the task running it
#      is killed, it moves to another node (seen with `troupectl children` from a survivor).
# If this engine is in no swarm, the test makes a single-node one and leaves it afterwards (only
# then); the stack, its network and the image are removed on exit, pass or fail.
#
#   tests/scenario/swarm_test.sh BUILD_DIR
#
# Exit status: 0 passed, 1 failed, 77 skipped (no Docker engine, a swarm worker, or
# `docker swarm init` not possible here).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: swarm_test.sh BUILD_DIR}" && pwd)

if ! docker info >/dev/null 2>&1; then
  echo "SKIPPED: no Docker engine answers here (docker info failed); the swarm test needs one"
  exit 77
fi

run_id="$$-$RANDOM"
stack="troupeswarm${run_id//-/x}"
service="${stack}_troupe"
tag="troupe-test:swarm-$run_id"
export TROUPE_IMAGE=$tag
export TROUPE_COOKIE="test-$(od -An -tx8 -N8 /dev/urandom | tr -d ' ')"
export TROUPE_SEEDS_REFRESH_MS=1000 TROUPE_DRAIN_TIMEOUT_MS=5000

t0=$SECONDS
phase_start=$SECONDS
phase() { printf '[%3ds] %s (previous phase: %ds)\n' $((SECONDS - t0)) "$*" $((SECONDS - phase_start)); phase_start=$SECONDS; }
fail() { echo "FAILED: $*"; exit 1; }

made_swarm=0
deployed=0
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  echo "--- teardown"
  if [ $deployed = 1 ]; then
    [ $status -eq 0 ] || docker service logs --no-task-ids --tail 20 "$service" 2>/dev/null || true
    docker stack rm "$stack" >/dev/null 2>&1 || true
    # stack rm returns at once; the tasks and the network go away after it.
    local deadline=$((SECONDS + 40))
    while [ $SECONDS -lt $deadline ]; do
      [ -z "$(docker ps -aq --filter "label=com.docker.stack.namespace=$stack")" ] &&
        [ -z "$(docker network ls -q --filter "label=com.docker.stack.namespace=$stack")" ] && break
      sleep 0.5
    done
  fi
  docker image rm -f "$tag" >/dev/null 2>&1 || true
  if [ $made_swarm = 1 ]; then
    if docker swarm leave --force >/dev/null 2>&1; then rm -f "$marker"
    else echo "could not leave the swarm this test made"; status=1; fi
  fi
  local left
  left=$(docker ps -aq --filter "label=com.docker.stack.namespace=$stack"
         docker network ls -q --filter "label=com.docker.stack.namespace=$stack"; docker image ls -q "$tag")
  [ -z "$left" ] || { echo "teardown left: $left"; status=1; }
  echo "swarm test took $((SECONDS - t0)) s in all"
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A run killed before its teardown (ctest's timeout) leaves this marker: the swarm it made is
# still there, and is this test's to leave, so later runs still leave the engine as they found it.
marker=$build/swarm_test.made-swarm
if [ -f "$marker" ] && [ "$(docker info --format '{{.Swarm.LocalNodeState}}')" = active ] &&
   [ -z "$(docker service ls -q 2>/dev/null | head -1)" ]; then
  echo "leaving the swarm an interrupted run of this test made"
  docker swarm leave --force >/dev/null 2>&1 || true
fi
rm -f "$marker"
state=$(docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}')
case $state in
  "active true") echo "this engine is a swarm manager already: deploying there" ;;
  active*) echo "SKIPPED: this engine is a swarm worker, and stack deploy needs a manager"; exit 77 ;;
  *)
    if ! out=$(docker swarm init 2>&1); then
      addr=$(ip -4 -o addr show scope global 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | head -1)
      if [ -z "$addr" ] || ! out=$(docker swarm init --advertise-addr "$addr" 2>&1); then
        echo "SKIPPED: 'docker swarm init' is not possible here: $out"
        exit 77
      fi
    fi
    made_swarm=1
    : >"$marker"
    echo "made a single-node swarm (it is left at the end)" ;;
esac

# Containers of the service's running tasks, and the node name (host name) of each.
tasks_running() { docker ps -q --filter "label=com.docker.swarm.service.name=$service"; }
node_name() { docker inspect -f '{{.Config.Hostname}}' "$1"; }
ctl() {  # ctl CONTAINER ARGS...: troupectl inside CONTAINER, against its own node
  local c=$1; shift
  docker exec "$c" troupectl --node tcp://127.0.0.1:7100 --timeout-ms 3000 "$@"
}
up_count() { ctl "$1" members 2>/dev/null | awk '$NF ~ /^[0-9]+$/ && / up /' | wc -l; }
# Waits until N tasks run and each sees N members up; 60 s at most.
wait_cluster() {
  local want=$1 deadline=$((SECONDS + 60)) c ok
  while [ $SECONDS -lt $deadline ]; do
    ok=0
    if [ "$(tasks_running | wc -l)" = "$want" ]; then
      ok=1
      for c in $(tasks_running); do [ "$(up_count "$c")" = "$want" ] || { ok=0; break; }; done
    fi
    [ $ok = 1 ] && return 0
    sleep 0.3
  done
  for c in $(tasks_running); do echo "  $(node_name "$c") sees:"; ctl "$c" members || true; done
  return 1
}
child_node() { ctl "$1" children 2>/dev/null | awk -v id="${2:-swarm-w1}" '$1 == id {print $2}'; }

phase "building the image $tag from $build"
"$here/tools/docker/build-image" --build-dir "$build" --skip-build --tag "$tag"

phase "docker stack deploy of 3 replicas (stack $stack)"
deployed=1
deploy_out=$(docker stack deploy --resolve-image never -c "$here/deploy/swarm/troupe-stack.yml" "$stack" 2>&1) ||
  { echo "$deploy_out"; fail "docker stack deploy"; }
wait_cluster 3 || fail "the 3 tasks did not form a 3-node cluster"
first_three=$(for c in $(tasks_running); do node_name "$c"; done | sort)
echo "  3 tasks, each sees 3 members up: $(tr '\n' ' ' <<<"$first_three")"

phase "a global child, started with troupectl"
first=$(tasks_running | head -1)
ctl "$first" start-child --id swarm-w1 counter >/dev/null || fail "start-child"
owner=""
for _ in $(seq 100); do owner=$(child_node "$first"); [ -n "$owner" ] && break; sleep 0.1; done
[ -n "$owner" ] || fail "the child does not run anywhere"
echo "  swarm-w1 runs on $owner"

phase "docker service scale to 5"
docker service scale --detach "$service=5" >/dev/null 2>&1 || fail "docker service scale $service=5"
wait_cluster 5 || fail "the cluster did not grow to 5 members up"
at_five=$(for c in $(tasks_running); do node_name "$c"; done | sort)
echo "  5 tasks, each sees 5 members up: $(tr '\n' ' ' <<<"$at_five")"
# A child on the new tasks, so that scaling down has one to hand on.
newcomers=$(comm -13 <(echo "$first_three") <(echo "$at_five"))
ctl "$first" start-child --id swarm-w2 counter --prefer $newcomers >/dev/null || fail "start-child swarm-w2"
w2=""
for _ in $(seq 100); do w2=$(child_node "$first" swarm-w2); grep -qx -- "$w2" <<<"$newcomers" && break; sleep 0.1; done
grep -qx -- "$w2" <<<"$newcomers" || fail "swarm-w2 runs on '$w2', not on a new task ($newcomers)"
echo "  swarm-w2 runs on $w2"

phase "docker service scale back to 3 (the removed tasks drain, then leave)"
docker service scale --detach "$service=3" >/dev/null 2>&1 || fail "docker service scale $service=3"
wait_cluster 3 || fail "the cluster did not shrink to 3 members up"
survivor=$(tasks_running | head -1)
owner=$(child_node "$survivor")
running=$(for c in $(tasks_running); do node_name "$c"; done)
grep -qx "$owner" <<<"$running" || fail "swarm-w1 is on '$owner', which is not a running task ($running)"
echo "  3 tasks, each sees 3 members up; swarm-w1 runs on $owner"
w2_now=$(child_node "$survivor" swarm-w2)
grep -qx -- "$w2_now" <<<"$running" || fail "swarm-w2 is on '$w2_now', which is not a running task ($running)"
echo "  swarm-w2: $w2 -> $w2_now"
for gone in $(comm -23 <(echo "$at_five") <(sort <<<"$running")); do
  state=$(ctl "$survivor" members | awk -v n="$gone" '$1 == n {print $3}')
  [ "$state" = left ] || fail "$gone was scaled away but is '$state', not 'left' (drained)"
  echo "  $gone: left (drained on SIGTERM)"
done

phase "docker kill of the task running swarm-w1 ($owner)"
victim=""
for c in $(tasks_running); do [ "$(node_name "$c")" = "$owner" ] && victim=$c; done
[ -n "$victim" ] || fail "no container for $owner"
observer=""
for c in $(tasks_running); do [ "$c" != "$victim" ] && observer=$c; done
docker kill "$victim" >/dev/null
killed=$SECONDS
moved=""
deadline=$((SECONDS + 30))
others=$(for c in $(tasks_running); do [ "$c" = "$victim" ] || node_name "$c"; done)
while [ $SECONDS -lt $deadline ]; do
  moved=$(child_node "$observer")
  grep -qx -- "$moved" <<<"$others" && break  # on a survivor ("(not running)" while it moves)
  moved=""
  sleep 0.1
done
[ -n "$moved" ] || { ctl "$observer" children || true; fail "swarm-w1 did not move off $owner to a survivor"; }
echo "  swarm-w1 moved from $owner to $moved within $((SECONDS - killed)) s ($(node_name "$observer")'s view)"
ctl "$observer" children
phase "passed"
