#!/usr/bin/env bash
# Many partitions at rest and a broker rejoining their ISRs, process level: a 3-broker cluster (bin/sluice-cluster)
# with --partitions (10,000) partitions RF 3 in 10 topics. Prints the brokers' CPU at rest over --idle-seconds (from
# /proc, per broker), then per run kill -9s a broker that is not the controller, waits until the controller has
# dropped it from the ISRs, starts it again and prints how long it took to register (loading its logs) and then until
# every ISR is full again (deploy/bench/ControllerFailover.java polling Admin.describeTopics).
# Usage: deploy/bench/isr-rejoin.sh [--partitions 10000] [--runs 1] [--idle-seconds 30] [--dir DIR]
#                                  [--base-port 38092] [--zk-port 38181] [--keep] [--jfr DIR]
# --keep leaves the cluster's data in DIR (stopped) and a later run with the same DIR reuses its topics, so that two
# builds can be compared on the same partitions: SLUICE_HOME=/other/checkout deploy/bench/isr-rejoin.sh --keep.
# --runs 0 measures only the CPU at rest. --jfr DIR records JFR (the JDK's profile settings) on every broker during the
# window at rest into DIR/broker-N.jfr.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SLUICE_HOME=${SLUICE_HOME:-$ROOT}
TOOLS_DIR="$ROOT/deploy/bench/target/kafka-tools-3.9.2"
partitions=10000
runs=1
idle=30
dir=/tmp/sluice-isr-rejoin-bench
base_port=38092
zk_port=38181
keep=no
jfr=""

usage() { sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --partitions) partitions=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --idle-seconds) idle=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --base-port) base_port=$2; shift 2 ;;
    --zk-port) zk_port=$2; shift 2 ;;
    --keep) keep=yes; shift ;;
    --jfr) jfr=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
((partitions >= 10 && partitions % 10 == 0)) || { echo "--partitions must be a multiple of 10" >&2; exit 2; }
if [[ ! -d $TOOLS_DIR/lib ]]; then
  echo "kafka-tools missing: run deploy/bench/kafka-perf.sh once (it fetches them into $TOOLS_DIR)" >&2
  exit 2
fi

cluster() { "$SLUICE_HOME/bin/sluice-cluster" "$@" --dir "$dir"; }
bootstrap="127.0.0.1:$base_port,127.0.0.1:$((base_port + 1)),127.0.0.1:$((base_port + 2))"
probe() {
  java -Dfailover.topics=10 -Dfailover.partitions=$((partitions / 10)) -Dfailover.giveUpSeconds=1800 \
    -cp "$TOOLS_DIR/lib/*" "$ROOT/deploy/bench/ControllerFailover.java" "$bootstrap" "$@"
}
now_ms() { date +%s%3N; }
# user + system CPU ticks of a process (fields 14 and 15 of /proc/PID/stat, after the command name)
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
finish() {
  cluster down >/dev/null 2>&1 || true
  [[ $keep == yes ]] || rm -rf "$dir"
}
trap finish EXIT

reuse=no
if [[ $keep == yes && -f $dir/cluster.env && -d $dir/zookeeper ]]; then
  reuse=yes
else
  rm -rf "$dir"
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); build: $SLUICE_HOME"
cluster up --base-port "$base_port" --zk-port "$zk_port" --timeout 900 >/dev/null
if [[ $reuse == no ]]; then
  start=$(now_ms)
  probe create | grep -v '^controller'
  echo "created 10 topics x $((partitions / 10)) partitions RF 3 in $(($(now_ms) - start)) ms"
else
  start=$(now_ms)
  probe settle >/dev/null
  echo "reused the topics in $dir; every ISR full $(($(now_ms) - start)) ms after the brokers registered"
fi

sleep 10 # the aftermath of creation or startup (fetchers, checkpoints)
declare -A before
for i in 1 2 3; do before[$i]=$(cpu_ticks "$(<"$dir/broker-$i.pid")"); done
if [[ -n $jfr ]]; then
  mkdir -p "$jfr"
  for i in 1 2 3; do
    jcmd "$(<"$dir/broker-$i.pid")" JFR.start name=rest settings=profile "filename=$(readlink -f "$jfr")/broker-$i.jfr" \
      "duration=${idle}s" >/dev/null
  done
fi
t0=$(now_ms)
sleep "$idle"
elapsed=$(($(now_ms) - t0))
hz=$(getconf CLK_TCK)
total=0
line=""
for i in 1 2 3; do
  ticks=$(($(cpu_ticks "$(<"$dir/broker-$i.pid")") - before[$i]))
  total=$((total + ticks))
  line+=" broker $i $(awk -v t="$ticks" -v h="$hz" -v e="$elapsed" 'BEGIN { printf "%.1f%%", 100 * t / h / (e / 1000) }'),"
done
echo "CPU at rest over $((elapsed / 1000)) s (share of one core):${line%,}; mean $(awk -v t="$total" -v h="$hz" \
  -v e="$elapsed" 'BEGIN { printf "%.1f%%", 100 * t / h / (e / 1000) / 3 }'); load average $(cut -d' ' -f1-3 /proc/loadavg)"

for run in $(seq 1 "$runs"); do
  controller=$(probe controller | sed -n 's/^controller //p')
  victim=1
  [[ $controller == 1 ]] && victim=2
  pid=$(<"$dir/broker-$victim.pid")
  kill -9 "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  echo "run $run: killed broker $victim (pid $pid; controller $controller); waiting until it has left every ISR"
  probe left "$victim" | grep -v '^RESULT'
  start=$(now_ms)
  cluster start "$victim" --timeout 900 >/dev/null
  registered=$(($(now_ms) - start))
  probe settle | grep -v '^RESULT'
  echo "run $run: broker $victim registered $registered ms after its start (loading its logs), every ISR full" \
    "$(($(now_ms) - start)) ms after its start; load average $(cut -d' ' -f1-3 /proc/loadavg)"
done
