#!/usr/bin/env bash
# Sluice beside Apache Kafka 3.9 (ZooKeeper mode) on this machine. Builds Sluice, fetches the Kafka broker and tools
# from Maven Central, then runs, one system after the other on the same ports and disk, a ZooKeeper and 3 brokers
# (1 GiB heap and Kafka's G1 flags for both, checked on the processes' command lines) and drives each with Kafka's
# own clients:
#   a  ProducerPerformance acks=all, 1 KiB records, batch.size=65536 linger.ms=5 (6 partitions, RF 3, min ISR 2)
#   b  the same with acks=1          c  acks=all, 100 B records        f  (a) with compression.type=lz4
#   d  ConsumerPerformance, a consumer group reading (a)'s records from the start
#   e  EndToEndLatency, acks=all, 1 KiB records, 1 partition RF 3
#   g  1,000 partitions (RF 3, min ISR 2): 10 producers and 10 consumers of one group (ManyClients.java)
#   h  10,000 idle partitions (10 topics, RF 3): broker CPU at rest, then kill -9 of the controller's broker and the
#      time until every partition has a live leader again (ControllerFailover.java); the broker is restarted after
# Each system gets one cold pass and --passes warm passes of the steps on the same cluster (h after all the others).
# Per pass: records/s, MB/s, latency percentiles, CPU seconds of each broker (/proc) per GiB moved, GC pauses (GC
# log), the machine's idle share in the 2 s before the pass and the share of the machine other processes used during
# it (a pass is flagged 'busy' when either says something else was running). Prints a table per step with both
# systems and the ratio, and writes results.md, results.csv (summary), passes.csv (every pass) and chart.svg.
#
# Usage: deploy/bench/side-by-side.sh [--steps a,b,c,d,e,f,g,h] [--passes 3] [--only sluice|kafka] [--out DIR]
#          [--profile STEP[,STEP]] [--records 1000000] [--small-records 5000000] [--latency-records 10000]
#          [--many-records 500000] [--idle-partitions 10000] [--idle-seconds 30] [--scale F]
#          [--base-port 29092] [--zk-port 22181] [--no-build]
# --records: 1 KiB records of a, b, d, f; --small-records: 100 B records of c; --latency-records: e; --many-records:
# g (all producers together); --scale F multiplies all four. --profile records JFR on every broker during an extra
# pass of those steps (not counted in the results) and prints the hottest frames and allocation sites per system.
# Output: --out DIR (default deploy/bench/target/side-by-side-<timestamp>/).
set -euo pipefail
export LC_ALL=C

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=kafka-tools.sh
source "$ROOT/deploy/bench/kafka-tools.sh"

steps=a,b,c,d,e,f,g,h
passes=3
only=""
out=""
profile=""
records=1000000
small_records=5000000
latency_records=10000
many_records=500000
idle_partitions=10000
idle_seconds=30
scale=1
base_port=29092
zk_port=22181
build=yes

usage() { sed -n '2,28p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
die() {
  echo "side-by-side: $*" >&2
  exit 1
}
usage_error() {
  echo "side-by-side: $*" >&2
  echo "Run deploy/bench/side-by-side.sh --help for usage." >&2
  exit 2
}
need_value() { [[ $# -ge 2 && -n $2 ]] || usage_error "$1 needs a value"; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --steps) need_value "$@"; steps=$2; shift 2 ;;
    --passes) need_value "$@"; passes=$2; shift 2 ;;
    --only) need_value "$@"; only=$2; shift 2 ;;
    --out) need_value "$@"; out=$2; shift 2 ;;
    --profile) need_value "$@"; profile=$2; shift 2 ;;
    --records) need_value "$@"; records=$2; shift 2 ;;
    --small-records) need_value "$@"; small_records=$2; shift 2 ;;
    --latency-records) need_value "$@"; latency_records=$2; shift 2 ;;
    --many-records) need_value "$@"; many_records=$2; shift 2 ;;
    --idle-partitions) need_value "$@"; idle_partitions=$2; shift 2 ;;
    --idle-seconds) need_value "$@"; idle_seconds=$2; shift 2 ;;
    --scale) need_value "$@"; scale=$2; shift 2 ;;
    --base-port) need_value "$@"; base_port=$2; shift 2 ;;
    --zk-port) need_value "$@"; zk_port=$2; shift 2 ;;
    --no-build) build=no; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage_error "unknown argument '$1'" ;;
  esac
done

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
for pair in "passes:$passes" "records:$records" "small-records:$small_records" "latency-records:$latency_records" \
  "many-records:$many_records" "idle-partitions:$idle_partitions" "idle-seconds:$idle_seconds" \
  "base-port:$base_port" "zk-port:$zk_port"; do
  is_uint "${pair#*:}" || usage_error "--${pair%%:*} must be a non-negative integer, got '${pair#*:}'"
done
[[ $scale =~ ^[0-9]*\.?[0-9]+$ ]] || usage_error "--scale must be a positive number, got '$scale'"
scaled() { awk -v n="$1" -v f="$scale" -v min="$2" 'BEGIN { v = int(n * f + 0.5); if (v < min) v = min; print v }'; }
records=$(scaled "$records" 1)
small_records=$(scaled "$small_records" 1)
latency_records=$(scaled "$latency_records" 1)
many_records=$(scaled "$many_records" 10)
((idle_partitions >= 10 && idle_partitions % 10 == 0)) || usage_error "--idle-partitions must be a multiple of 10"

IFS=, read -r -a step_list <<<"$steps"
for s in "${step_list[@]}"; do
  [[ $s =~ ^[a-h]$ ]] || usage_error "unknown step '$s' in --steps (steps are a to h)"
done
has_step() { [[ ,$steps, == *,$1,* ]]; }
profile_list=()
if [[ -n $profile ]]; then
  IFS=, read -r -a profile_list <<<"$profile"
  for s in "${profile_list[@]}"; do
    has_step "$s" || usage_error "--profile $s: step $s is not among --steps $steps"
  done
fi
case $only in
  "") systems=(sluice kafka) ;;
  sluice | kafka) systems=("$only") ;;
  *) usage_error "--only takes sluice or kafka, got '$only'" ;;
esac

out=${out:-$ROOT/deploy/bench/target/side-by-side-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out/logs"
out=$(cd "$out" && pwd)
work=$out/work
classes=$ROOT/deploy/bench/target/side-by-side-classes
brokers=3
bootstrap="127.0.0.1:$base_port,127.0.0.1:$((base_port + 1)),127.0.0.1:$((base_port + 2))"
java_bin=${JAVA_HOME:+$JAVA_HOME/bin/}java
hz=$(getconf CLK_TCK)
ncpu=$(nproc)

# The JVM flags of both systems' brokers: the heap and performance options of Kafka's kafka-run-class /
# kafka-server-start, which bin/sluice-broker uses by default (less kafka-run-class's -server: 64-bit JVMs have no
# other VM). Checked on every broker's command line.
KAFKA_HEAP_OPTS="-Xmx1G -Xms1G"
KAFKA_JVM_PERFORMANCE_OPTS="-XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true"
# Busy flag: less idle than this before a pass, or more than this share used by other processes during it.
BUSY_IDLE_BELOW=0.80
BUSY_OTHERS_ABOVE=0.20
# How long h waits for the restarted broker to register, then to be back in every ISR, before it gives up on the
# remaining passes.
SETTLE_SECONDS=300

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# ---------------------------------------------------------------- processes

# Processes are started detached (their own session, not children of this shell) with their pid in a file under
# $work; they are only ever signalled by that pid. A zombie counts as gone.
alive() { [[ -r /proc/$1/stat ]] && [[ $(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) != Z ]]; }

stop_pid() { # PID LABEL
  local pid=$1 deadline
  alive "$pid" || return 0
  kill -CONT "$pid" 2>/dev/null || true
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + 90))
  while alive "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
  if alive "$pid"; then
    log "$2 (pid $pid) did not stop within 90 s; SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while alive "$pid"; do sleep 0.1; done
  fi
}

# Stops every process this run started (brokers before ZooKeeper) and removes the system's data.
stop_system() { # SYSTEM
  local sysdir=$work/$1 f
  [[ -d $sysdir ]] || return 0
  for f in "$sysdir"/broker-*.pid "$sysdir"/zk.pid; do
    [[ -f $f ]] || continue
    stop_pid "$(<"$f")" "$1 $(basename "$f" .pid)"
    rm -f "$f"
  done
  rm -rf "$sysdir/zookeeper" "$sysdir"/broker-*/data
}

cleanup() {
  local status=$? s
  trap - EXIT INT TERM
  for s in sluice kafka; do stop_system "$s" 2>/dev/null || true; done
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

detach() { # PIDFILE LOGFILE COMMAND...
  local pidfile=$1 logfile=$2
  shift 2
  (
    setsid "$@" >>"$logfile" 2>&1 </dev/null &
    echo $! >"$pidfile"
  )
}

zk_4lw() {
  local reply
  exec 3<>"/dev/tcp/127.0.0.1/$zk_port" || return 1
  printf '%s' "$1" >&3
  reply=$(timeout 5 cat <&3) || true
  exec 3<&-
  printf '%s' "$reply"
}
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
registered_ids() {
  zk_4lw dump 2>/dev/null | sed -n 's#^[[:space:]]*/brokers/ids/\([0-9][0-9]*\)[[:space:]]*$#\1#p' | sort -n | uniq
}

log_tail() {
  [[ -f $1 ]] || return 0
  echo "---- last lines of $1 ----" >&2
  tail -n 30 "$1" >&2
  echo "----" >&2
}

start_zookeeper() { # SYSTEM
  local sysdir=$work/$1 deadline
  port_in_use "$zk_port" && die "port $zk_port (ZooKeeper) is already in use"
  detach "$sysdir/zk.pid" "$sysdir/zookeeper.log" env SLUICE_HOME="$ROOT" SLUICE_HEAP_OPTS=-Xmx512m \
    "$ROOT/bin/sluice-zookeeper" --port "$zk_port" --dir "$sysdir/zookeeper"
  deadline=$((SECONDS + 120))
  until [[ $(zk_4lw ruok 2>/dev/null) == imok ]]; do
    alive "$(<"$sysdir/zk.pid")" || { log_tail "$sysdir/zookeeper.log"; die "ZooKeeper exited during startup"; }
    ((SECONDS < deadline)) || { log_tail "$sysdir/zookeeper.log"; die "ZooKeeper not up after 120 s"; }
    sleep 0.2
  done
}

write_broker_config() { # SYSTEM ID
  local conf=$work/$1/broker-$2/server.properties
  mkdir -p "$work/$1/broker-$2/data"
  {
    echo "# Written by deploy/bench/side-by-side.sh: the defaults of $1 but for what a local 3-broker cluster needs."
    echo "broker.id=$2"
    echo "listeners=PLAINTEXT://127.0.0.1:$((base_port + $2 - 1))"
    echo "log.dirs=$work/$1/broker-$2/data"
    echo "zookeeper.connect=127.0.0.1:$zk_port"
    echo "offsets.topic.replication.factor=3"
    # Sluice serves Prometheus metrics on 9404 by default: one port per broker on one machine
    [[ $1 == kafka ]] || echo "metrics.port=$((base_port + 1000 + $2 - 1))"
  } >"$conf"
}

start_broker() { # SYSTEM ID
  local sysdir=$work/$1 id=$2 conf gc
  conf=$sysdir/broker-$id/server.properties
  gc="-Xlog:gc:file=$sysdir/broker-$id-gc.log:uptime,level,tags:filecount=0"
  port_in_use "$((base_port + id - 1))" && die "port $((base_port + id - 1)) (broker $id) is already in use"
  if [[ $1 == sluice ]]; then
    # the launcher's own heap and GC defaults: nothing inherited from the caller's environment
    detach "$sysdir/broker-$id.pid" "$sysdir/broker-$id.log" env -u SLUICE_HEAP_OPTS -u SLUICE_JVM_OPTS \
      -u SLUICE_DEFAULT_HEAP_OPTS -u SLUICE_GC_LOG_DIR -u SLUICE_LOG_CONFIG -u SLUICE_CLASSPATH \
      SLUICE_HOME="$ROOT" SLUICE_OPTS="$gc" "$ROOT/bin/sluice-broker" "$conf"
  else
    # shellcheck disable=SC2086 # the option strings are lists of flags
    detach "$sysdir/broker-$id.pid" "$sysdir/broker-$id.log" "$java_bin" $KAFKA_HEAP_OPTS \
      $KAFKA_JVM_PERFORMANCE_OPTS "$gc" "-Dkafka.logs.dir=$sysdir" "-Dlog4j.configuration=file:$sysdir/log4j.properties" \
      -cp "$KAFKA_BROKER_DIR/lib/*" kafka.Kafka "$conf"
  fi
}

await_registered() { # SYSTEM ID...
  local sysdir=$work/$1 deadline=$((SECONDS + 180)) id ids missing
  shift
  while true; do
    ids=" $(registered_ids | tr '\n' ' ') "
    missing=""
    for id in "$@"; do
      [[ $ids == *" $id "* ]] || missing+=" $id"
      if ! alive "$(<"$sysdir/broker-$id.pid")"; then
        log_tail "$sysdir/broker-$id.log"
        die "broker $id exited during startup"
      fi
    done
    [[ -z $missing ]] && return 0
    if ((SECONDS >= deadline)); then
      for id in $missing; do log_tail "$sysdir/broker-$id.log"; done
      die "brokers$missing not registered after 180 s"
    fi
    sleep 0.5
  done
}

broker_pid() { cat "$work/$1/broker-$2.pid"; }

# Waits up to SETTLE_SECONDS for a restarted broker (which loads every log first) to register again.
await_restarted() { # SYSTEM ID
  local deadline=$((SECONDS + SETTLE_SECONDS))
  until [[ " $(registered_ids | tr '\n' ' ') " == *" $2 "* ]]; do
    alive "$(broker_pid "$1" "$2")" || { log_tail "$work/$1/broker-$2.log"; die "broker $2 exited while restarting"; }
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

# The heap, GC and performance flags on a process's command line, normalised (sizes in lower case, the GC log's
# file name left out), one per line, sorted.
jvm_flags_of() { # PID
  tr '\0' '\n' <"/proc/$1/cmdline" | grep -E '^-(Xm[sx]|XX:|Xlog:|Djava\.awt\.headless)' |
    sed -E 's#^(-Xlog:gc:file=)[^:]*#\1<file>#; s/^(-Xm[sx][0-9]+)[gG]$/\1g/' | sort
}
expected_flags() {
  # shellcheck disable=SC2086
  printf '%s\n' $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS "-Xlog:gc:file=<file>:uptime,level,tags:filecount=0" |
    sed -E 's/^(-Xm[sx][0-9]+)[gG]$/\1g/' | sort
}

check_jvm_flags() { # SYSTEM
  local id pid
  for ((id = 1; id <= brokers; id++)); do
    pid=$(broker_pid "$1" "$id")
    if ! diff <(expected_flags) <(jvm_flags_of "$pid") >"$work/flags.diff"; then
      cat "$work/flags.diff" >&2
      die "$1 broker $id (pid $pid) does not run with the JVM flags of the other system (diff above: < expected, > found)"
    fi
  done
  jvm_flags_of "$(broker_pid "$1" 1)" | tr '\n' ' ' >"$out/jvm-flags-$1.txt"
  log "$1 brokers run with: $(<"$out/jvm-flags-$1.txt")"
}

start_system() { # SYSTEM
  local sysdir=$work/$1 id
  rm -rf "$sysdir"
  mkdir -p "$sysdir"
  if [[ $1 == kafka ]]; then
    cat >"$sysdir/log4j.properties" <<'LOG4J'
# INFO to standard output (the broker's log file), like Sluice's built-in logging; ZooKeeper client at WARN.
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.org.apache.zookeeper=WARN
LOG4J
  fi
  log "Starting $1: ZooKeeper on 127.0.0.1:$zk_port, brokers on $bootstrap (data under $sysdir)"
  start_zookeeper "$1"
  for ((id = 1; id <= brokers; id++)); do
    write_broker_config "$1" "$id"
    start_broker "$1" "$id"
  done
  await_registered "$1" $(seq 1 "$brokers")
  bench_admin await-brokers "$brokers" || die "the $1 cluster did not come up (logs in $sysdir)"
  check_jvm_flags "$1"
}

# ---------------------------------------------------------------- clients

client_cp="$classes:$TOOLS_DIR/lib/*"
client() { "$java_bin" -Xmx1g -cp "$client_cp" "$@"; }
bench_admin() { client BenchAdmin "$bootstrap" "$@" 2>>"$out/logs/admin.log"; }
failover_tool() { # [-Dkey=value...] ARGS... (the h topics: 10 topics of idle_partitions / 10 partitions)
  local props=()
  while [[ ${1:-} == -D* ]]; do props+=("$1"); shift; done
  client -Dfailover.topics=10 -Dfailover.partitions=$((idle_partitions / 10)) "${props[@]}" ControllerFailover \
    "$bootstrap" "$@"
}

producer_perf() { # TOPIC RECORDS SIZE ACKS [extra producer props...]
  local topic=$1 n=$2 size=$3 acks=$4
  shift 4
  client org.apache.kafka.tools.ProducerPerformance --topic "$topic" --num-records "$n" --record-size "$size" \
    --throughput -1 --producer-props bootstrap.servers="$bootstrap" acks="$acks" linger.ms=5 batch.size=65536 "$@"
}

# ---------------------------------------------------------------- measurement

declare -A R=()
declare -A CPU0=() GC0=()
M0_BUSY=0 M0_TOTAL=0 CH0=0 T0=0 ZK0=0

ticks_of() { # PID: user + system clock ticks, 0 when gone
  if alive "$1"; then awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; else echo 0; fi
}
machine_ticks() { awk '/^cpu / { busy = $2 + $3 + $4 + $7 + $8 + $9; print busy, busy + $5 + $6; exit }' /proc/stat; }
# CPU seconds of this shell's finished children (the clients), from the times builtin, into CHILD_S. Must run in
# this shell, not in a command substitution (a subshell has no finished children of its own).
children_seconds() {
  times >"$work/times"
  CHILD_S=$(awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, p, "m"); sub("s", "", p[2]); t += p[1] * 60 + p[2] }
    printf "%.2f", t }' "$work/times")
}
gc_lines() { if [[ -f $1 ]]; then wc -l <"$1"; else echo 0; fi; }

# The machine's idle share over 2 s.
idle_share() {
  local b0 t0 b1 t1
  read -r b0 t0 < <(machine_ticks)
  sleep 2
  read -r b1 t1 < <(machine_ticks)
  awk -v b="$((b1 - b0))" -v t="$((t1 - t0))" 'BEGIN { printf "%.3f", (t > 0 ? 1 - b / t : 0) }'
}

measure_begin() { # SYSTEM
  local id
  for ((id = 1; id <= brokers; id++)); do
    CPU0[$id]=$(ticks_of "$(broker_pid "$1" "$id")")
    GC0[$id]=$(gc_lines "$work/$1/broker-$id-gc.log")
  done
  ZK0=$(ticks_of "$(<"$work/$1/zk.pid")")
  read -r M0_BUSY M0_TOTAL < <(machine_ticks)
  children_seconds
  CH0=$CHILD_S
  T0=$(date +%s.%N)
}

# Fills R with the window's CPU seconds per broker, GC pauses and the share of the machine others used.
measure_end() { # SYSTEM
  local id t1 busy total ch1 zk1 cpu gcfile total_cpu=0 pauses=0 pause_ms=0 max_ms=0 p s m
  t1=$(date +%s.%N)
  for ((id = 1; id <= brokers; id++)); do
    cpu=$(awk -v a="$(ticks_of "$(broker_pid "$1" "$id")")" -v b="${CPU0[$id]}" -v hz="$hz" \
      'BEGIN { printf "%.2f", (a - b) / hz }')
    R[cpu_s_b$id]=$cpu
    total_cpu=$(awk -v a="$total_cpu" -v b="$cpu" 'BEGIN { printf "%.2f", a + b }')
    gcfile=$work/$1/broker-$id-gc.log
    if [[ -f $gcfile ]]; then
      read -r p s m < <(tail -n +"$((GC0[$id] + 1))" "$gcfile" | awk '/ Pause / && $NF ~ /ms$/ {
          v = $NF; sub("ms", "", v); n++; s += v; if (v > m) m = v } END { printf "%d %.1f %.1f\n", n, s, m }')
      pauses=$((pauses + p))
      pause_ms=$(awk -v a="$pause_ms" -v b="$s" 'BEGIN { printf "%.1f", a + b }')
      max_ms=$(awk -v a="$max_ms" -v b="$m" 'BEGIN { printf "%.1f", (b > a ? b : a) }')
    fi
  done
  zk1=$(ticks_of "$(<"$work/$1/zk.pid")")
  read -r busy total < <(machine_ticks)
  children_seconds
  ch1=$CHILD_S
  R[window_s]=$(awk -v a="$t1" -v b="$T0" 'BEGIN { printf "%.2f", a - b }')
  R[cpu_s_total]=$total_cpu
  R[gc_pauses]=$pauses
  R[gc_pause_ms]=$pause_ms
  R[gc_max_pause_ms]=$max_ms
  R[client_cpu_s]=$(awk -v a="$ch1" -v b="$CH0" 'BEGIN { printf "%.2f", a - b }')
  # the machine's busy time in the window less what the brokers, ZooKeeper and the clients used, as a share of
  # the machine (all cores) over the window
  R[others_share]=$(awk -v busy="$((busy - M0_BUSY))" -v all="$((total - M0_TOTAL))" -v hz="$hz" \
    -v brokers="$total_cpu" -v zk="$((zk1 - ZK0))" -v clients="${R[client_cpu_s]}" 'BEGIN {
      if (all <= 0) { print "0.000"; exit }
      others = busy / hz - brokers - zk / hz - clients; if (others < 0) others = 0
      printf "%.3f", others / (all / hz) }')
}

COLUMNS_CSV="system,step,pass,kind,flag,records,bytes,seconds,records_per_s,mb_per_s,lat_avg_ms,lat_p50_ms,lat_p95_ms,lat_p99_ms,lat_p999_ms,lat_max_ms,consume_records_per_s,consume_mb_per_s,e2e_p50_ms,e2e_p99_ms,rebalance_ms,cpu_s_b1,cpu_s_b2,cpu_s_b3,cpu_s_total,cpu_s_per_gib,idle_cpu_pct_per_broker,failover_ms,settle_ms,create_ms,gc_pauses,gc_pause_ms,gc_max_pause_ms,idle_before,others_share,client_cpu_s,window_s"

write_row() {
  local col line="" first=yes
  IFS=, read -r -a cols <<<"$COLUMNS_CSV"
  for col in "${cols[@]}"; do
    if [[ $first == yes ]]; then first=no; else line+=,; fi
    line+=${R[$col]:-}
  done
  echo "$line" >>"$out/passes.csv"
}

# Parses the summary line of ProducerPerformance into R.
parse_producer_perf() { # FILE
  local line
  line=$(grep ' records sent, ' "$1" | tail -1) || return 1
  read -r 'R[records]' 'R[records_per_s]' 'R[mb_per_s]' 'R[lat_avg_ms]' 'R[lat_max_ms]' 'R[lat_p50_ms]' \
    'R[lat_p95_ms]' 'R[lat_p99_ms]' 'R[lat_p999_ms]' < <(awk -F', ' '{
      split($1, a, " "); split($2, b, "[ (]+"); split($3, c, " "); split($4, d, " ")
      split($5, e, " "); split($6, f, " "); split($7, g, " "); split($8, h, " ")
      print a[1], b[1], b[3], c[1], d[1], e[1], f[1], g[1], h[1] }' <<<"$line")
  R[seconds]=$(awk -v n="${R[records]}" -v r="${R[records_per_s]}" 'BEGIN { printf "%.3f", (r > 0 ? n / r : 0) }')
}

# Parses the result lines (RESULT key=value ...) of the bench programs into R.
parse_result() { # FILE
  local kv pairs
  grep -q '^RESULT ' "$1" || return 1
  read -r -a pairs < <(grep '^RESULT ' "$1" | tail -1 | sed 's/^RESULT //')
  for kv in "${pairs[@]}"; do
    R[${kv%%=*}]=${kv#*=}
  done
}

# ---------------------------------------------------------------- steps

topic_of() { echo "sbs-$1-p$2"; } # STEP PASS
TOPIC_CONFIG=(min.insync.replicas=2)
a_done_in_pass=""

# Runs the step's client in the measured window. STEP PASS FILE_PREFIX; returns non-zero when the client failed.
body_a() { producer_perf "$(topic_of a "$2")" "$records" 1024 all >"$3.out" 2>"$3.err" && parse_producer_perf "$3.out" && a_done_in_pass=$2; }
body_b() { producer_perf "$(topic_of b "$2")" "$records" 1024 1 >"$3.out" 2>"$3.err" && parse_producer_perf "$3.out"; }
body_c() { producer_perf "$(topic_of c "$2")" "$small_records" 100 all >"$3.out" 2>"$3.err" && parse_producer_perf "$3.out"; }
body_f() { producer_perf "$(topic_of f "$2")" "$records" 1024 all compression.type=lz4 >"$3.out" 2>"$3.err" && parse_producer_perf "$3.out"; }

body_d() {
  local line
  client org.apache.kafka.tools.ConsumerPerformance --bootstrap-server "$bootstrap" --topic "$(topic_of a "$2")" \
    --messages "$records" --group "sbs-d-p$2-$RANDOM" --timeout 60000 >"$3.out" 2>"$3.err" || return 1
  # start.time, end.time, MB, MB.sec, nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
  line=$(grep -E '^[0-9]{4}-' "$3.out" | tail -1) || return 1
  read -r 'R[records]' 'R[rebalance_ms]' 'R[seconds]' 'R[mb_per_s]' 'R[records_per_s]' < <(awk -F', *' '{
    printf "%d %d %.3f %s %s\n", $5, $7, $8 / 1000, $9, $10 }' <<<"$line")
  ((R[records] >= records)) || { echo "consumed ${R[records]} of $records records" >>"$3.err"; return 1; }
}

body_e() {
  client org.apache.kafka.tools.EndToEndLatency "$bootstrap" "$(topic_of e "$2")" "$latency_records" all 1024 \
    >"$3.out" 2>"$3.err" || return 1
  R[records]=$latency_records
  R[lat_avg_ms]=$(sed -n 's/^Avg latency: \([0-9.]*\) ms.*/\1/p' "$3.out")
  read -r 'R[lat_p50_ms]' 'R[lat_p99_ms]' 'R[lat_p999_ms]' < <(sed -n \
    's/^Percentiles: 50th = \([0-9.]*\), 99th = \([0-9.]*\), 99.9th = \([0-9.]*\).*/\1 \2 \3/p' "$3.out")
  [[ -n ${R[lat_avg_ms]} && -n ${R[lat_p99_ms]:-} ]]
}

body_g() {
  client ManyClients "$bootstrap" "$(topic_of g "$2")" 10 10 "$many_records" 1024 acks=all linger.ms=5 \
    batch.size=65536 >"$3.out" 2>"$3.err" && parse_result "$3.out"
}

# Unmeasured preparation of a step in a pass: its topic (and for d, (a)'s records when (a) did not run).
setup_step() { # STEP PASS FILE_PREFIX
  case $1 in
    a | b | c | f) bench_admin create "$(topic_of "$1" "$2")" 6 3 "${TOPIC_CONFIG[@]}" ;;
    e) bench_admin create "$(topic_of e "$2")" 1 3 ;;
    g) bench_admin create "$(topic_of g "$2")" 1000 3 "${TOPIC_CONFIG[@]}" ;;
    d)
      if [[ $a_done_in_pass != "$2" ]]; then
        log "  (d needs (a)'s records: producing them first, unmeasured)"
        bench_admin create "$(topic_of a "$2")" 6 3 "${TOPIC_CONFIG[@]}"
        producer_perf "$(topic_of a "$2")" "$records" 1024 all >"$3.setup.out" 2>"$3.setup.err" ||
          die "producing (a)'s records for d failed (see $3.setup.err)"
        a_done_in_pass=$2
      fi
      ;;
  esac
}

# Bytes the step moved through the brokers (produced payload; d: consumed; g: produced + consumed).
bytes_of_step() { # STEP
  case $1 in
    a | b | f | d) echo $((R[records] * 1024)) ;;
    c) echo $((R[records] * 100)) ;;
    e) echo $((latency_records * 1024)) ;;
    g) echo $((2 * R[bytes])) ;;
  esac
}

# CPU clock ticks (user + system) of every thread of the SYSTEM's brokers: lines "broker|tid|name|ticks".
thread_ticks() { # SYSTEM
  local id pid t stat rest f
  for ((id = 1; id <= brokers; id++)); do
    pid=$(broker_pid "$1" "$id")
    for t in /proc/"$pid"/task/*; do
      stat=$(<"$t/stat") 2>/dev/null || continue
      rest=${stat##*) }
      read -r -a f <<<"$rest"
      echo "$id|${t##*/}|$(<"$t/comm")|$((f[11] + f[12]))"
    done 2>/dev/null
  done
}

# The share of the brokers' CPU (user + system, from /proc) each group of threads used between two thread_ticks
# snapshots; thread names (the first 15 characters of the Java name) grouped with their digits replaced by #.
thread_cpu_table() { # BEFORE AFTER
  awk -F'|' -v hz="$hz" 'NR == FNR { before[$1 "|" $2] = $4; next }
    { d = $4 - before[$1 "|" $2]; name = $3; gsub(/[0-9]+/, "#", name); cpu[name] += d; total += d }
    END {
      printf "==== CPU of the broker threads (user + system, from /proc): %.1f s in all\n", total / hz; fflush()
      for (n in cpu) if (cpu[n] > 0) printf "%6.1f%%  %7.2f s  %s\n", 100 * cpu[n] / total, cpu[n] / hz, n | "sort -rn | head -n 25"
    }' "$1" "$2"
}

# JFR on every broker of SYSTEM during the measured window of a profiled pass: the JDK's "profile" settings with
# Java method samples every millisecond (its 10 ms gives too few samples for a pass of seconds).
jfr_start() { # SYSTEM
  local id jdk_home
  mkdir -p "$out/profile"
  jdk_home=$(dirname "$(dirname "$(readlink -f "$(command -v "$java_bin")")")")
  sed '/<event name="jdk.ExecutionSample">/,/<\/event>/ s#<setting name="period"[^>]*>[^<]*<#<setting name="period">1 ms<#' \
    "$jdk_home/lib/jfr/profile.jfc" >"$out/profile/sampling.jfc"
  for ((id = 1; id <= brokers; id++)); do
    jcmd "$(broker_pid "$1" "$id")" JFR.start name=side-by-side settings="$out/profile/sampling.jfc" >/dev/null ||
      die "jcmd JFR.start failed on $1 broker $id"
  done
  thread_ticks "$1" >"$out/profile/threads-before"
}
jfr_stop() { # SYSTEM STEP
  local id files=() summary=$out/profile/$1-$2.txt
  thread_ticks "$1" >"$out/profile/threads-after"
  for ((id = 1; id <= brokers; id++)); do
    jcmd "$(broker_pid "$1" "$id")" JFR.dump name=side-by-side filename="$out/profile/$1-$2-broker-$id.jfr" >/dev/null
    jcmd "$(broker_pid "$1" "$id")" JFR.stop name=side-by-side >/dev/null
    files+=("$out/profile/$1-$2-broker-$id.jfr")
  done
  {
    echo "Profile of $1, step $2 (all $brokers brokers)"
    echo
    thread_cpu_table "$out/profile/threads-before" "$out/profile/threads-after"
    echo
    client JfrSummary "JFR of $1, step $2" 25 "${files[@]}" 2>&1 || echo "JfrSummary failed"
  } >"$summary"
  rm -f "$out/profile/threads-before" "$out/profile/threads-after"
  cat "$summary"
}

is_profiled() { [[ ,$profile, == *,$1,* ]]; }

run_step() { # SYSTEM STEP PASS KIND
  local sys=$1 step=$2 pass=$3 kind=$4 prefix ok=yes
  prefix=$out/logs/$sys-$step-p$pass
  R=([system]=$sys [step]=$step [pass]=$pass [kind]=$kind)
  setup_step "$step" "$pass" "$prefix"
  R[idle_before]=$(idle_share)
  [[ $kind == profile ]] && jfr_start "$sys"
  measure_begin "$sys"
  "body_$step" "$sys" "$pass" "$prefix" || ok=no
  measure_end "$sys"
  [[ $kind == profile ]] && jfr_stop "$sys" "$step"
  R[seconds]=${R[seconds]:-${R[window_s]}}
  if [[ $ok == yes ]]; then
    R[bytes]=$(bytes_of_step "$step")
    R[cpu_s_per_gib]=$(awk -v c="${R[cpu_s_total]}" -v b="${R[bytes]}" 'BEGIN { printf "%.1f", (b > 0 ? c / (b / 1073741824) : 0) }')
    R[flag]=$(busy_flag)
    log "  $sys $step pass $pass ($kind): $(pass_summary)"
  else
    R[flag]=failed
    log "  $sys $step pass $pass: the client FAILED; last lines of $prefix.err:"
    tail -n 8 "$prefix.err" | sed 's/^/    /' >&2
  fi
  write_row
}

# One line of the pass's figures for the progress log.
pass_summary() {
  local k
  for k in records_per_s mb_per_s consume_mb_per_s lat_avg_ms lat_p99_ms e2e_p99_ms rebalance_ms \
    idle_cpu_pct_per_broker failover_ms settle_ms create_ms cpu_s_total cpu_s_per_gib gc_pauses gc_pause_ms \
    idle_before others_share flag; do
    [[ -n ${R[$k]:-} ]] && printf '%s ' "$k=${R[$k]}"
  done
  echo
}

busy_flag() {
  awk -v i="${R[idle_before]}" -v o="${R[others_share]}" -v mi="$BUSY_IDLE_BELOW" -v mo="$BUSY_OTHERS_ABOVE" \
    'BEGIN { if (i < mi || o > mo) print "busy" }'
}

# h: 10 topics of idle_partitions / 10 partitions (created once, in the cold pass); per pass the brokers' CPU over
# idle_seconds at rest, then kill -9 of the controller's broker, the time until every partition has a live leader,
# the broker's restart and the time until every ISR is full again.
run_idle_pass() { # SYSTEM PASS KIND
  local sys=$1 pass=$2 kind=$3 prefix controller id
  prefix=$out/logs/$sys-h-p$pass
  R=([system]=$sys [step]=h [pass]=$pass [kind]=$kind)
  if [[ $pass == 0 ]]; then
    log "  h: creating 10 topics x $((idle_partitions / 10)) partitions, RF 3"
    if ! failover_tool create >"$prefix.create.out" 2>"$prefix.create.err"; then
      log "  h: creating the $sys h topics failed; no h passes for $sys:"
      grep -v '^[[:space:]]*at ' "$prefix.create.err" | tail -n 3 | sed 's/^/    /' >&2
      R[flag]=failed
      write_row
      return 1
    fi
    parse_result "$prefix.create.out"
  fi
  sleep 10 # let the creation's aftermath (fetcher start, checkpoints) pass
  R[idle_before]=$(idle_share)
  [[ $kind == profile ]] && jfr_start "$sys"
  measure_begin "$sys"
  sleep "$idle_seconds"
  measure_end "$sys"
  [[ $kind == profile ]] && jfr_stop "$sys" h
  R[seconds]=${R[window_s]}
  R[idle_cpu_pct_per_broker]=$(awk -v c="${R[cpu_s_total]}" -v s="${R[window_s]}" -v n="$brokers" \
    'BEGIN { printf "%.2f", 100 * c / s / n }')
  controller=$(bench_admin controller)
  is_uint "$controller" || die "no controller id from the $sys cluster (got '$controller')"
  log "  h: killing the controller's broker $controller (pid $(broker_pid "$sys" "$controller"))"
  if failover_tool kill "$controller" "$(broker_pid "$sys" "$controller")" >"$prefix.out" 2>"$prefix.err"; then
    parse_result "$prefix.out"
  else
    R[flag]=failed
    tail -n 8 "$prefix.err" >&2
  fi
  while alive "$(broker_pid "$sys" "$controller")"; do sleep 0.1; done
  start_broker "$sys" "$controller"
  if ! await_restarted "$sys" "$controller"; then
    log "  h: the restarted $sys broker $controller did not register within $SETTLE_SECONDS s (loading its logs)"
    R[flag]=unsettled
    log "  $sys h pass $pass ($kind): $(pass_summary)"
    write_row
    return 1
  fi
  if failover_tool -Dfailover.giveUpSeconds=$SETTLE_SECONDS settle >"$prefix.settle.out" 2>"$prefix.settle.err"; then
    parse_result "$prefix.settle.out"
  else
    log "  h: the ISRs of the $sys h topics were not full again $SETTLE_SECONDS s after broker $controller registered:"
    grep -v '^[[:space:]]*at ' "$prefix.settle.err" | tail -n 3 | sed 's/^/    /' >&2
    R[flag]=unsettled
  fi
  [[ -n ${R[flag]:-} ]] || R[flag]=$(busy_flag)
  log "  $sys h pass $pass ($kind): $(pass_summary)"
  write_row
  [[ ${R[flag]} != unsettled ]]
}

run_system() { # SYSTEM
  local sys=$1 pass kind step topics
  start_system "$sys"
  for ((pass = 0; pass <= passes; pass++)); do
    kind=warm
    ((pass == 0)) && kind=cold
    for step in "${step_list[@]}"; do
      [[ $step == h ]] && continue
      log "$sys: step $step, pass $pass ($kind)"
      run_step "$sys" "$step" "$pass" "$kind"
    done
    delete_pass_topics "$pass"
  done
  if ((${#profile_list[@]} > 0)); then
    pass=P
    for step in "${step_list[@]}"; do
      [[ $step == h ]] && continue
      is_profiled "$step" || continue
      log "$sys: step $step, profiled pass"
      run_step "$sys" "$step" "$pass" profile
    done
    delete_pass_topics "$pass"
  fi
  if has_step h; then
    for ((pass = 0; pass <= passes; pass++)); do
      kind=warm
      ((pass == 0)) && kind=cold
      log "$sys: step h, pass $pass ($kind)"
      if ! run_idle_pass "$sys" "$pass" "$kind"; then
        log "$sys: skipping the remaining passes of h"
        break
      fi
    done
    if is_profiled h && [[ ${R[flag]} != unsettled && ${R[flag]} != failed ]]; then
      log "$sys: step h, profiled pass"
      run_idle_pass "$sys" P profile || true
    fi
  fi
  log "Stopping $sys"
  stop_system "$sys"
}

delete_pass_topics() { # PASS
  local topics=() s
  for s in a b c e f g; do topics+=("$(topic_of "$s" "$1")"); done
  bench_admin delete "${topics[@]}" || die "deleting the topics of pass $1 failed (see $out/logs/admin.log)"
}

# ---------------------------------------------------------------- main

if [[ $build == yes ]]; then
  log "Building Sluice (mvn -B -ntp -q -DskipTests package) ..."
  (cd "$ROOT" && mvn -B -ntp -q -DskipTests package) || die "the Sluice build failed"
fi
fetch_kafka_tools || die "could not fetch kafka-tools $KAFKA_TOOLS_VERSION"
if [[ " ${systems[*]} " == *" kafka "* ]]; then
  fetch_kafka_broker || die "could not fetch the Apache Kafka $KAFKA_BROKER_VERSION broker"
fi
mkdir -p "$classes"
javac -nowarn -encoding UTF-8 -d "$classes" -cp "$TOOLS_DIR/lib/*" "$ROOT"/deploy/bench/{BenchAdmin,ManyClients,ControllerFailover,JfrSummary,SideBySideReport}.java ||
  die "compiling the bench programs failed"
# 10,000 partitions keep about as many files open per broker
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

echo "$COLUMNS_CSV" >"$out/passes.csv"
{
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "sluice_commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "kafka_version=$KAFKA_BROKER_VERSION"
  echo "tools_version=$KAFKA_TOOLS_VERSION"
  echo "java=$("$java_bin" -version 2>&1 | head -1)"
  echo "cpus=$ncpu"
  echo "memory=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  echo "steps=$steps"
  echo "passes=$passes"
  echo "records=$records"
  echo "small_records=$small_records"
  echo "latency_records=$latency_records"
  echo "many_records=$many_records"
  echo "idle_partitions=$idle_partitions"
  echo "idle_seconds=$idle_seconds"
  echo "busy_idle_below=$BUSY_IDLE_BELOW"
  echo "busy_others_above=$BUSY_OTHERS_ABOVE"
  echo "jvm_flags=$KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS"
} >"$out/meta.env"

for sys in "${systems[@]}"; do
  run_system "$sys"
done

client -Dsun.stdout.encoding=UTF-8 SideBySideReport "$out"
echo
echo "Results: $out/results.md, $out/results.csv, $out/passes.csv, $out/chart.svg"
