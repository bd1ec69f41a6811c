#!/usr/bin/env bash
# Container health check without curl or nc: bash's /dev/tcp only.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: healthcheck.sh broker [METRICS_PORT]     GET /health on 127.0.0.1 (default port 9404); healthy on 200
       healthcheck.sh zookeeper [CLIENT_PORT]   ZooKeeper 'ruok' four-letter word (default 2181); healthy on imok

Exit codes: 0 healthy, 1 unhealthy or unreachable, 2 usage error.
USAGE
}

[[ $# -ge 1 ]] || { usage >&2; exit 2; }
host=${HEALTHCHECK_HOST:-127.0.0.1}
case $1 in
  broker)
    port=${2:-9404}
    exec 3<>"/dev/tcp/$host/$port" || exit 1
    printf 'GET /health HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n' "$host" >&3
    status_line=$(timeout 5 head -n 1 <&3 || true)
    exec 3<&-
    [[ $status_line =~ ^HTTP/[0-9.]+\ 200 ]] || { echo "unhealthy: ${status_line:-no answer}" >&2; exit 1; }
    ;;
  zookeeper)
    port=${2:-2181}
    exec 3<>"/dev/tcp/$host/$port" || exit 1
    printf 'ruok' >&3
    reply=$(timeout 5 head -c 4 <&3 || true)
    exec 3<&-
    [[ $reply == imok ]] || { echo "unhealthy: ${reply:-no answer}" >&2; exit 1; }
    ;;
  --help | -h) usage ;;
  *) usage >&2; exit 2 ;;
esac
