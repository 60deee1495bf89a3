#!/usr/bin/env bash
# Installs (if missing) and starts Debian's redis-server on 127.0.0.1:6379 for the Redis store tests.
# Idempotent: does nothing when a Redis already answers there. Exits non-zero when none answers within 10 s.
# Afterwards run the tests with REQUIRE_REDIS=1, so that a missing Redis fails tests/store/redis.test.ts instead of
# skipping it.
set -euo pipefail

PORT="${REDIS_PORT:-6379}"
SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; fi

ping_redis() {
  if command -v redis-cli >/dev/null 2>&1; then
    [ "$(redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null || true)" = "PONG" ]
  else
    # No client yet: speak the protocol through bash's /dev/tcp.
    { exec 3<>"/dev/tcp/127.0.0.1/$PORT"; } 2>/dev/null || return 1
    printf 'PING\r\n' >&3
    local reply=""
    read -r -t 2 reply <&3 || true
    exec 3>&- 3<&-
    [ "${reply%$'\r'}" = "+PONG" ]
  fi
}

if ping_redis; then
  echo "redis.sh: redis already answers on 127.0.0.1:$PORT"
  exit 0
fi

if ! command -v redis-server >/dev/null 2>&1; then
  echo "redis.sh: installing redis-server (apt-get)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends redis-server >/dev/null
fi

# No persistence: the tests' data is throw-away. The package's own service (systemd) is not used: CI has none.
redis-server --port "$PORT" --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
  --logfile "${TMPDIR:-/tmp}/redis-ci-$PORT.log"

for _ in $(seq 1 50); do
  if ping_redis; then
    echo "redis.sh: $(redis-server --version | cut -d' ' -f1-3) answers on 127.0.0.1:$PORT"
    exit 0
  fi
  sleep 0.2
done
echo "redis.sh: redis-server did not answer on 127.0.0.1:$PORT within 10 s; log:" >&2
tail -n 20 "${TMPDIR:-/tmp}/redis-ci-$PORT.log" >&2 || true
exit 1
