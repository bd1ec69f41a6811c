#!/usr/bin/env bash
# Transactional producer throughput, Sluice beside Apache Kafka 3.9 (ZooKeeper mode) on this machine. Starts both
# systems at once (each a ZooKeeper and 3 brokers with the same heap and G1 flags, on their own ports and data
# directories), then runs Kafka's ProducerPerformance with --transactional-id and --transaction-duration-ms against
# them in alternation, round after round (A B, B A, A B, ...), so that the noise of a shared machine falls on both
# alike. One warm-up run per system is not counted. Prints every run, the median records/s and p99 latency of each
# system and the ratios of the medians (Sluice / Kafka), and writes them to runs.csv and summary.txt.
#
# Usage: deploy/bench/txn-side-by-side.sh [--rounds 5] [--records 200000] [--record-size 1024]
#          [--transaction-duration-ms 100] [--partitions 6] [--out DIR] [--no-build] [--sluice-home DIR]
# Each run: a fresh topic (--partitions, RF 3, min.insync.replicas=2), acks=all, linger.ms=5, batch.size=65536,
# a transactional.id of its own. Output: --out DIR (default deploy/bench/target/txn-side-by-side-<timestamp>/).
# --sluice-home DIR runs the Sluice brokers from DIR/libs/* (a staged build) instead of this checkout's build.
set -euo pipefail
export LC_ALL=C

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=kafka-tools.sh
source "$ROOT/deploy/bench/kafka-tools.sh"

rounds=5
records=200000
size=1024
txn_ms=100
partitions=6
out=""
build=yes
sluice_home=$ROOT

usage() { sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
die() {
  echo "txn-side-by-side: $*" >&2
  exit 1
}
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --records) records=$2; shift 2 ;;
    --record-size) size=$2; shift 2 ;;
    --transaction-duration-ms) txn_ms=$2; shift 2 ;;
    --partitions) partitions=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --no-build) build=no; shift ;;
    --sluice-home) sluice_home=$2; build=no; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
for v in "$rounds" "$records" "$size" "$txn_ms" "$partitions"; do
  [[ $v =~ ^[1-9][0-9]*$ ]] || die "counts must be positive integers, got '$v'"
done

out=${out:-$ROOT/deploy/bench/target/txn-side-by-side-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$out/work
java_bin=${JAVA_HOME:+$JAVA_HOME/bin/}java
HEAP="-Xmx1G -Xms1G"
JVM="-XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true"
declare -A BASE_PORT=([sluice]=39092 [kafka]=49092)
declare -A ZK_PORT=([sluice]=32181 [kafka]=42181)

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
alive() { [[ -r /proc/$1/stat ]] && [[ $(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) != Z ]]; }
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
bootstrap_of() { local p=${BASE_PORT[$1]}; echo "127.0.0.1:$p,127.0.0.1:$((p + 1)),127.0.0.1:$((p + 2))"; }

# Every process is started detached with its pid in a file under $work and only ever signalled by that pid.
detach() { # PIDFILE LOGFILE COMMAND...
  local pidfile=$1 logfile=$2
  shift 2
  (
    setsid "$@" >>"$logfile" 2>&1 </dev/null &
    echo $! >"$pidfile"
  )
}
stop_pid() {
  local pid=$1 deadline
  alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + 60))
  while alive "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
  if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
}
cleanup() {
  local status=$? f
  trap - EXIT INT TERM
  for f in "$work"/*/broker-*.pid "$work"/*/zk.pid; do
    [[ -f $f ]] && stop_pid "$(<"$f")"
  done
  rm -rf "$work"/*/zookeeper "$work"/*/broker-*/data
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_system() { # SYSTEM
  local sys=$1 dir=$work/$1 id port deadline
  mkdir -p "$dir"
  for port in "${ZK_PORT[$sys]}" "${BASE_PORT[$sys]}" "$((BASE_PORT[$sys] + 1))" "$((BASE_PORT[$sys] + 2))"; do
    port_in_use "$port" && die "port $port is already in use"
  done
  detach "$dir/zk.pid" "$dir/zookeeper.log" env SLUICE_HOME="$sluice_home" SLUICE_HEAP_OPTS=-Xmx512m \
    "$ROOT/bin/sluice-zookeeper" --port "${ZK_PORT[$sys]}" --dir "$dir/zookeeper"
  deadline=$((SECONDS + 120))
  until port_in_use "${ZK_PORT[$sys]}"; do
    ((SECONDS < deadline)) || die "$sys ZooKeeper not up after 120 s ($dir/zookeeper.log)"
    sleep 0.2
  done
  cat >"$dir/log4j.properties" <<'LOG4J'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.org.apache.zookeeper=WARN
LOG4J
  for id in 1 2 3; do
    mkdir -p "$dir/broker-$id/data"
    {
      echo "broker.id=$id"
      echo "listeners=PLAINTEXT://127.0.0.1:$((BASE_PORT[$sys] + id - 1))"
      echo "log.dirs=$dir/broker-$id/data"
      echo "zookeeper.connect=127.0.0.1:${ZK_PORT[$sys]}"
      echo "offsets.topic.replication.factor=3"
      echo "transaction.state.log.replication.factor=3"
      echo "transaction.state.log.min.isr=2"
      [[ $sys == kafka ]] || echo "metrics.port=$((BASE_PORT[$sys] + 1000 + id - 1))"
    } >"$dir/broker-$id/server.properties"
    if [[ $sys == sluice ]]; then
      detach "$dir/broker-$id.pid" "$dir/broker-$id.log" env -u SLUICE_JVM_OPTS -u SLUICE_CLASSPATH \
        SLUICE_HOME="$sluice_home" SLUICE_HEAP_OPTS="$HEAP" "$ROOT/bin/sluice-broker" "$dir/broker-$id/server.properties"
    else
      # shellcheck disable=SC2086 # flag lists
      detach "$dir/broker-$id.pid" "$dir/broker-$id.log" "$java_bin" $HEAP $JVM "-Dkafka.logs.dir=$dir" \
        "-Dlog4j.configuration=file:$dir/log4j.properties" -cp "$KAFKA_BROKER_DIR/lib/*" kafka.Kafka \
        "$dir/broker-$id/server.properties"
    fi
  done
}

# Creates a topic, retrying while the cluster is still coming up.
create_topic() { # SYSTEM TOPIC
  local deadline=$((SECONDS + 180))
  until tools org.apache.kafka.tools.TopicCommand --bootstrap-server "$(bootstrap_of "$1")" --create --topic "$2" \
    --partitions "$partitions" --replication-factor 3 --config min.insync.replicas=2 >>"$out/admin.log" 2>&1; do
    ((SECONDS < deadline)) || die "cannot create $2 on $1 (see $out/admin.log and $work/$1/)"
    sleep 1
  done
}

# One ProducerPerformance run; prints "records_per_s p99_ms" and appends the summary line to the run log.
run_once() { # SYSTEM LABEL N
  local sys=$1 label=$2 n=$3 topic line
  topic="txn-$label-$sys"
  create_topic "$sys" "$topic"
  line=$(tools org.apache.kafka.tools.ProducerPerformance --topic "$topic" --num-records "$n" --record-size "$size" \
    --throughput -1 --transactional-id "txn-bench-$label-$sys" --transaction-duration-ms "$txn_ms" \
    --producer-props bootstrap.servers="$(bootstrap_of "$sys")" acks=all linger.ms=5 batch.size=65536 \
    2>>"$out/clients.log" | tail -1)
  echo "$sys $label: $line" >>"$out/runs.log"
  [[ $line == *"records/sec"* ]] || die "$sys run $label printed no summary: '$line' (see $out/clients.log)"
  awk -F', ' '{ split($1, a, " "); split($2, b, " "); for (i = 1; i <= NF; i++) if ($i ~ /99th$/) { split($i, c, " "); p = c[1] }
    print b[1], p }' <<<"$line"
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

if [[ $build == yes ]]; then
  log "Building Sluice (mvn -B -ntp -q -DskipTests package) ..."
  (cd "$ROOT" && mvn -B -ntp -q -DskipTests package) || die "the Sluice build failed"
fi
fetch_kafka_tools || die "could not fetch kafka-tools $KAFKA_TOOLS_VERSION"
fetch_kafka_broker || die "could not fetch the Apache Kafka $KAFKA_BROKER_VERSION broker"

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
log "Starting Sluice on $(bootstrap_of sluice) and Apache Kafka $KAFKA_BROKER_VERSION on $(bootstrap_of kafka) (data under $work)"
start_system sluice
start_system kafka
for sys in sluice kafka; do
  log "warm-up on $sys (not counted)"
  run_once "$sys" warmup "$((records / 4 > 1000 ? records / 4 : 1000))" >/dev/null
done

echo "system,round,records_per_s,p99_ms" >"$out/runs.csv"
for ((r = 1; r <= rounds; r++)); do
  if ((r % 2)); then order=(sluice kafka); else order=(kafka sluice); fi
  for sys in "${order[@]}"; do
    read -r rps p99 < <(run_once "$sys" "r$r" "$records")
    [[ -n ${p99:-} ]] || die "round $r on $sys failed (see $out/runs.log, $out/clients.log)"
    log "round $r $sys: $rps records/s, p99 $p99 ms"
    echo "$sys,$r,$rps,$p99" >>"$out/runs.csv"
  done
done

{
  echo "Transactional ProducerPerformance, $records records of $size B, --transaction-duration-ms $txn_ms, $partitions partitions RF 3, acks=all, $rounds interleaved rounds; $(nproc) CPUs, load average at the start $load_before, at the end $(cut -d' ' -f1-3 /proc/loadavg)"
  for sys in sluice kafka; do
    m_rps=$(awk -F, -v s="$sys" '$1 == s { print $3 }' "$out/runs.csv" | median)
    m_p99=$(awk -F, -v s="$sys" '$1 == s { print $4 }' "$out/runs.csv" | median)
    echo "$sys median: $m_rps records/s, p99 $m_p99 ms"
    declare "M_RPS_$sys=$m_rps" "M_P99_$sys=$m_p99"
  done
  awk -v a="$M_RPS_sluice" -v b="$M_RPS_kafka" -v c="$M_P99_sluice" -v d="$M_P99_kafka" 'BEGIN {
    printf "ratio of medians (Sluice / Kafka): records/s %.2f, p99 latency %.2f\n", a / b, (d > 0 ? c / d : 0) }'
} | tee "$out/summary.txt"
echo "Runs: $out/runs.csv, $out/runs.log"
