#!/usr/bin/env bash
# Produce/consume throughput, end-to-end latency and broker CPU per GiB against a running Sluice cluster,
# measured with the stock Kafka perf tools (org.apache.kafka:kafka-tools, fetched from Maven Central).
#
# Consumer throughput comes from deploy/bench/ConsumeThroughput.java (assign + seekToBeginning, no group).
# Usage: deploy/bench/kafka-perf.sh [--bootstrap-server H:P] [--dir CLUSTER_DIR] [--records N] [--record-size B]
#                                   [--acks all|1] [--partitions P] [--replication-factor R]
# Defaults: the cluster started by 'bin/sluice-cluster up' (its --dir default), 500000 records of 1024 bytes,
# acks=all, 6 partitions, RF 3 with min.insync.replicas=2.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=kafka-tools.sh
source "$ROOT/deploy/bench/kafka-tools.sh"

bootstrap=""
dir="$ROOT/.sluice/cluster"
records=500000
size=1024
acks=all
partitions=6
rf=3

usage() { sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --bootstrap-server) bootstrap=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --records) records=$2; shift 2 ;;
    --record-size) size=$2; shift 2 ;;
    --acks) acks=$2; shift 2 ;;
    --partitions) partitions=$2; shift 2 ;;
    --replication-factor) rf=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

[[ -n $bootstrap ]] || bootstrap=$(cluster_bootstrap "$dir") || exit 2
fetch_kafka_tools

# CPU seconds (user + system) of the cluster's broker processes, from /proc (pid files of bin/sluice-cluster).
broker_cpu_seconds() {
  local total=0 pidfile pid ticks
  ticks=$(getconf CLK_TCK)
  for pidfile in "$dir"/broker-*.pid; do
    [[ -f $pidfile ]] || continue
    pid=$(<"$pidfile")
    [[ -r /proc/$pid/stat ]] || continue
    total=$(awk -v t="$total" '{ print t + $14 + $15 }' "/proc/$pid/stat")
  done
  awk -v t="$total" -v hz="$ticks" 'BEGIN { printf "%.2f", t / hz }'
}

topic="perf-$(date +%s)"
echo "Creating $topic: $partitions partitions, RF $rf, min.insync.replicas=2" >&2
"$ROOT/bin/sluice-admin" --bootstrap-server "$bootstrap" topics create --topic "$topic" \
  --partitions "$partitions" --replication-factor "$rf" --config min.insync.replicas=2 >/dev/null

cpu_before=$(broker_cpu_seconds)
echo "== producer: $records records of $size bytes, acks=$acks" >&2
tools org.apache.kafka.tools.ProducerPerformance --topic "$topic" --num-records "$records" \
  --record-size "$size" --throughput -1 \
  --producer-props bootstrap.servers="$bootstrap" acks="$acks" linger.ms=5 batch.size=65536 | tail -1
cpu_after=$(broker_cpu_seconds)
awk -v a="$cpu_after" -v b="$cpu_before" -v n="$records" -v s="$size" 'BEGIN {
  gib = n * s / (1024 * 1024 * 1024); cpu = a - b;
  if (cpu > 0) printf "broker CPU: %.1f s for %.3f GiB produced = %.1f CPU-s/GiB (all brokers)\n", cpu, gib, cpu / gib;
  else print "broker CPU: not measured (no pid files of bin/sluice-cluster in --dir)" }'

echo "== consumer (assign, no group): the same $records records" >&2
tools "$ROOT/deploy/bench/ConsumeThroughput.java" "$bootstrap" "$topic" "$records"

echo "== end-to-end latency: 5000 records, acks=$acks" >&2
tools org.apache.kafka.tools.EndToEndLatency "$bootstrap" "$topic" 5000 "$acks" "$size" | tail -2
