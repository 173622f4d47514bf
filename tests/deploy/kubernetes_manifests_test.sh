#!/usr/bin/env bash
# Runs kubernetes_manifests_test.py with a Python that has kubernetes-validate (tools/setup.sh
# installs it from PyPI). Exit 77 (skipped) with a message where none has it.
#   tests/deploy/kubernetes_manifests_test.sh SOURCE_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
for py in python3 /usr/bin/python3; do
  if command -v "$py" >/dev/null && "$py" -c 'import kubernetes_validate, yaml' 2>/dev/null; then
    exec "$py" "$here/kubernetes_manifests_test.py" "${1:?usage: kubernetes_manifests_test.sh SOURCE_DIR [BUILD_DIR]}" "${@:2}"
  fi
done
echo "SKIPPED: no python3 here can import kubernetes_validate (tools/setup.sh installs kubernetes-validate)"
exit 77
