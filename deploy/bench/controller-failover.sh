#!/usr/bin/env bash
# Controller failover at scale, process level: a 3-broker cluster (bin/sluice-cluster) with 10 topics x 300
# partitions RF 3; each run kills -9 the controller's broker and times how long until clients see a live leader for
# all 3,000 partitions (deploy/bench/ControllerFailover.java polling Admin.describeTopics every 100 ms), then prints
# the new controller's "failover done" breakdown and brings the killed broker back for the next run.
# Usage: deploy/bench/controller-failover.sh [--runs 3] [--session-timeout-ms 6000] [--dir DIR]
#                                           [--base-port 39092] [--zk-port 32181]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS_DIR="$ROOT/deploy/bench/target/kafka-tools-3.9.2"
runs=3
session=6000
dir=/tmp/sluice-failover-bench
base_port=39092
zk_port=32181

usage() { sed -n '2,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --session-timeout-ms) session=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --base-port) base_port=$2; shift 2 ;;
    --zk-port) zk_port=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
if [[ ! -d $TOOLS_DIR/lib ]]; then
  echo "kafka-tools missing: run deploy/bench/kafka-perf.sh once (it fetches them into $TOOLS_DIR)" >&2
  exit 2
fi

cluster() { "$ROOT/bin/sluice-cluster" "$@" --dir "$dir"; }
bootstrap="127.0.0.1:$base_port,127.0.0.1:$((base_port + 1)),127.0.0.1:$((base_port + 2))"
probe() { java -cp "$TOOLS_DIR/lib/*" "$ROOT/deploy/bench/ControllerFailover.java" "$bootstrap" "$@"; }
trap 'cluster down >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT

rm -rf "$dir"
cluster up --base-port "$base_port" --zk-port "$zk_port" \
  --set log.segment.bytes=1048576 --set log.index.size.max.bytes=65536 \
  --set "zookeeper.session.timeout.ms=$session" >/dev/null
controller=$(probe create | tee /dev/stderr | sed -n 's/^controller //p')

for run in $(seq 1 "$runs"); do
  pid=$(<"$dir/broker-$controller.pid")
  start=$(python3 -c 'import time; print(time.monotonic_ns())')
  kill -9 "$pid"
  echo "run $run: killed controller broker $controller (pid $pid), session timeout $session ms"
  probe wait "$controller" "$start"
  grep -h "failover done" "$dir"/broker-*.log | sort | tail -1 || true
  cluster start "$controller" >/dev/null
  probe settle
  controller=$(probe controller | sed -n 's/^controller //p')
done
