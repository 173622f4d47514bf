# Sourced by the compose tests: skips the test (exit 77, which ctest reports as skipped) where
# no Docker engine answers or no compose is installed, else sets `compose_cmd` to the compose
# command there is (`docker compose`, or the older `docker-compose`).
if ! docker info >/dev/null 2>&1; then
  echo "SKIPPED: no Docker engine answers here (docker info failed); the compose test needs one"
  exit 77
fi
if docker compose version >/dev/null 2>&1; then
  compose_cmd=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  compose_cmd=(docker-compose)
else
  echo "SKIPPED: neither 'docker compose' nor 'docker-compose' is installed"
  exit 77
fi
