#!/usr/bin/env bash
# The docker compose test: builds the image (tools/docker/build-image, from the binaries in
# BUILD_DIR), brings up docker-compose.yml (three nodes and the demos), checks cross-node
# messages (the ping-pong and chat demos, and a call relayed by one node's admin to a process
# on another), kills the container that runs the key-value store, and checks that the store
# moves and answers by name with its data. Everything it made — containers, network, image —
# is removed on exit, pass or fail. Prints how long each phase took.
#
#   tests/compose/compose_test.sh BUILD_DIR
#
# Exit status: 0 passed, 1 failed, 77 skipped (no Docker engine or no compose here).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: compose_test.sh BUILD_DIR}" && pwd)

source "$here/tests/compose/find_compose.sh"  # sets compose_cmd, or skips

run_id="$$-$RANDOM"
project="troupetest${run_id//-/x}"
tag="troupe-test:$run_id"
export TROUPE_IMAGE=$tag
export TROUPE_COOKIE="test-$(od -An -tx8 -N8 /dev/urandom | tr -d ' ')"
export TROUPE_LOG_LEVEL=warn
compose() { "${compose_cmd[@]}" -f "$here/docker-compose.yml" -p "$project" "$@"; }
# The plain docker CLI where it can do the job: docker-compose v1 takes a second or two to start.
container() { docker ps -aq --filter "label=com.docker.compose.project=$project" --filter "label=com.docker.compose.service=$1"; }
up_log=$(mktemp)

t0=$SECONDS
phase_start=$SECONDS
phase() { printf '[%3ds] %s (previous phase: %ds)\n' $((SECONDS - t0)) "$*" $((SECONDS - phase_start)); phase_start=$SECONDS; }
fail() { echo "FAILED: $*"; exit 1; }

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  echo "--- teardown"
  if [ $status -ne 0 ]; then
    compose logs --no-color --tail 30 2>/dev/null || true
  fi
  compose down --volumes --remove-orphans --timeout 0 >/dev/null 2>&1 || true
  docker image rm -f "$tag" >/dev/null 2>&1 || true
  rm -f "$up_log"
  # Nothing of this run may be left behind.
  local left
  left=$(docker ps -aq --filter "label=com.docker.compose.project=$project"; docker network ls -q --filter "name=${project}_"
         docker image ls -q "$tag")
  [ -z "$left" ] || { echo "teardown left: $left"; status=1; }
  echo "compose test took $((SECONDS - t0)) s in all"
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

phase "building the image $tag from $build"
"$here/tools/docker/build-image" --build-dir "$build" --skip-build --tag "$tag"

# A free /24 for the private network: a random one, another if the engine says it overlaps.
phase "starting the cluster (project $project)"
up=0
for _ in 1 2 3 4 5; do
  export TROUPE_NET="10.77.$((RANDOM % 200 + 40))"
  if compose up -d >"$up_log" 2>&1; then up=1; break; fi
  grep -qi "overlap" "$up_log" || { cat "$up_log"; fail "docker compose up"; }
  compose down --volumes --timeout 0 >/dev/null 2>&1 || true
done
[ $up = 1 ] || fail "no free subnet for the private network"
net=$TROUPE_NET
ctl() {  # ctl NODE_INDEX ARGS...: troupectl inside node NODE_INDEX's container, against itself
  local i=$1; shift
  docker exec "$(container "n$i")" troupectl --node "tcp://$net.1$i:7100" --listen "tcp://$net.1$i:*" "$@"
}

phase "nodes healthy; checking the ping-pong and chat demos"
for d in demo-ping demo-chat; do
  code=$(timeout 60 docker wait "$(container $d)") || fail "$d did not finish"
  [ "$code" = 0 ] || { docker logs "$(container $d)"; fail "$d exited with $code"; }
done
docker logs "$(container demo-ping)" 2>&1 | grep "node to node"
# grep, not grep -q: -q stops reading at the first match, docker logs then dies of SIGPIPE, and
# pipefail turns that into a failed check (it failed CI so once).
docker logs "$(container demo-chat)" 2>&1 | grep "every bot answered" >/dev/null || fail "the chat demo's bots did not answer"

phase "a call from n1's admin to an echo on n2 (a message across containers)"
echo_pid=$(ctl 2 spawn echo) || fail "spawn echo on n2"
reply=$(ctl 1 call "$echo_pid" '"across containers"') || fail "call from n1 to $echo_pid"
[ "$reply" = 'troupe.text "across containers"' ] || fail "unexpected reply: $reply"
echo "  n1 -> $echo_pid: $reply"

phase "waiting for the key-value store to be placed"
kv=$(container demo-kv)
owner=""
for _ in $(seq 300); do
  owner=$(docker logs "$kv" 2>&1 | sed -n 's/.*now kill node \(n[0-9]\).*/\1/p')
  [ -n "$owner" ] && break
  sleep 0.1
done
[ -n "$owner" ] || { docker logs "$kv"; fail "the kv demo did not report where the store runs"; }
echo "  the store runs on $owner"

phase "docker kill of $owner"
docker kill "$(container "$owner")" >/dev/null
killed_at=$SECONDS
code=$(timeout 60 docker wait "$kv") || fail "the kv demo did not see the store move"
docker logs "$kv" 2>&1 | sed -n '/moved/,$p'
[ "$code" = 0 ] || fail "the kv demo exited with $code"

phase "the store answers by name from a survivor"
survivor=1
[ "$owner" = n1 ] && survivor=2
where=$(ctl $survivor whereis kv) || fail "whereis kv"
case $where in "<$owner."*) fail "kv is still registered on $owner: $where" ;; esac
reply=$(ctl $survivor call kv --type demo.kv.get --args '["visits"]') || fail "call kv by name"
echo "  kv is $where; get visits -> $reply"
[[ $reply == 'demo.kv.reply ["visits",5,true,"n'*'",true]' ]] || fail "unexpected reply: $reply"
[[ $reply != *"\"$owner\""* ]] || fail "kv still answers from $owner"
echo "  moved and answered $((SECONDS - killed_at)) s after the kill"
phase "passed"
