#!/usr/bin/env bash
# Installs every build, test and benchmark dependency of Troupe on Debian 12.
# Idempotent and non-interactive: safe to run again; it installs only what is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git dpkg-dev ccache
  libzmq3-dev cppzmq-dev libsodium-dev libmsgpack-cxx-dev libboost-dev libboost-system-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libspdlog-dev libfmt-dev libcli11-dev nlohmann-json3-dev
  libjemalloc-dev  # troupe-node and the benchmarks use jemalloc (cmake/fast_malloc.cmake)
  clang-16 libclang-rt-16-dev python3-zmq python3-msgpack
  iproute2 iptables procps python3 python3-pip python3-yaml
  chromium  # headless, for the live cluster page test (tests/integration/live_page_test.cpp)
  prometheus  # promtool, which checks /metrics (ManagementEndpointTest.MetricsPassPromtoolCheckMetrics)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
fi
# The Kubernetes manifests (deploy/kubernetes) are validated offline against the API schemas
# by tests/deploy: kubernetes-validate, from PyPI (Debian has no package of it).
if ! python3 -c 'import kubernetes_validate' 2>/dev/null; then
  python3 -m pip install --quiet kubernetes-validate </dev/null 2>/dev/null ||
    python3 -m pip install --quiet --break-system-packages kubernetes-validate </dev/null ||
    echo "troupe: kubernetes-validate could not be installed; the Kubernetes manifest test will say so and be skipped"
fi
echo "troupe: dependencies ready"
