#!/usr/bin/env bash
# Repeated perf-tool passes against one topic name, deleted and re-created before every pass, as test suites, CI
# pipelines and the stock perf scripts do. Each pass runs the stock ProducerPerformance four times (acks=all and
# acks=1, records of 1 KiB and 100 B, lz4) and counts what was not acknowledged and every exception it printed;
# after each pass the brokers' logs (bin/sluice-cluster's DIR/broker-N.log) are searched for ERROR lines.
#
# Usage: deploy/bench/recreate-passes.sh [--dir CLUSTER_DIR] [--bootstrap-server H:P] [--passes 5]
#                                        [--records 1000000] [--topic bench] [--file-delete-delay-ms MS]
# Defaults: the cluster of 'bin/sluice-cluster up', 5 passes, 1,000,000 records per run, topic 'bench' with 6
# partitions, RF 3, min.insync.replicas=2 and the broker's file.delete.delay.ms. Exit code 0 when every record of
# every run was acknowledged and no broker logged an ERROR, 1 otherwise.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=kafka-tools.sh
source "$ROOT/deploy/bench/kafka-tools.sh"

bootstrap=""
dir="$ROOT/.sluice/cluster"
passes=5
records=1000000
topic=bench
delete_delay=""

usage() { sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --bootstrap-server) bootstrap=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --passes) passes=$2; shift 2 ;;
    --records) records=$2; shift 2 ;;
    --topic) topic=$2; shift 2 ;;
    --file-delete-delay-ms) delete_delay=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ -n $bootstrap ]] || bootstrap=$(cluster_bootstrap "$dir") || exit 2
fetch_kafka_tools

admin() { "$ROOT/bin/sluice-admin" --bootstrap-server "$bootstrap" --timeout-ms 30000 "$@"; }

topic_exists() { admin topics list | grep -qx "$topic"; }

recreate_topic() {
  if topic_exists; then
    admin topics delete --topic "$topic" >/dev/null
    local deadline=$((SECONDS + 120))
    while topic_exists; do
      ((SECONDS < deadline)) || { echo "topic $topic still listed 120 s after its deletion" >&2; return 1; }
      sleep 0.5
    done
  fi
  local configs=(--config min.insync.replicas=2)
  [[ -z $delete_delay ]] || configs+=(--config "file.delete.delay.ms=$delete_delay")
  # a broker may still be finishing the previous incarnation's deletion: retry briefly
  local attempt
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    admin topics create --topic "$topic" --partitions 6 --replication-factor 3 "${configs[@]}" >/dev/null 2>&1 && return 0
    sleep 1
  done
  admin topics create --topic "$topic" --partitions 6 --replication-factor 3 "${configs[@]}" >/dev/null
}

# ERROR lines in the brokers' logs after the line counts recorded in log_lines.
declare -A log_lines=()
mark_logs() {
  local f
  for f in "$dir"/broker-*.log; do
    [[ -f $f ]] && log_lines[$f]=$(wc -l <"$f")
  done
}
new_error_lines() {
  local f
  for f in "$dir"/broker-*.log; do
    [[ -f $f ]] || continue
    tail -n +"$((${log_lines[$f]:-0} + 1))" "$f" | grep -E '^[^ ]+ ERROR |Exception in thread' | sed "s|^|$(basename "$f"): |" || true
  done
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
printf '%-5s %-5s %-6s %-10s %-12s %-10s %-12s %s\n' pass acks bytes sent "not acked" exceptions "max lat ms" "records/s"
for ((pass = 1; pass <= passes; pass++)); do
  mark_logs
  recreate_topic
  for acks in all 1; do
    for size in 1024 100; do
      set +e
      tools org.apache.kafka.tools.ProducerPerformance --topic "$topic" --num-records "$records" \
        --record-size "$size" --throughput -1 \
        --producer-props bootstrap.servers="$bootstrap" acks="$acks" compression.type=lz4 linger.ms=5 \
        >"$work/out" 2>"$work/err"
      status=$?
      set -e
      summary=$(grep ' records sent, ' "$work/out" | tail -1 || true)
      sent=$(awk '{print $1}' <<<"$summary")
      sent=${sent:-0}
      rate=$(awk -F', ' '{print $2}' <<<"$summary" | awk '{print $1}')
      max=$(awk -F', ' '{print $5}' <<<"$summary" | awk '{print $1}')
      exceptions=$(grep -c 'Exception' "$work/err" || true)
      missing=$((records - sent))
      printf '%-5s %-5s %-6s %-10s %-12s %-10s %-12s %s\n' "$pass" "$acks" "$size" "$sent" "$missing" \
        "$exceptions" "${max:--}" "${rate:--}"
      if ((status != 0 || missing != 0 || exceptions != 0)); then
        failures=$((failures + 1))
        echo "  ProducerPerformance exit $status; first lines of its stderr:" >&2
        head -n 5 "$work/err" | sed 's/^/    /' >&2
      fi
    done
  done
  errors=$(new_error_lines)
  if [[ -n $errors ]]; then
    failures=$((failures + 1))
    echo "  broker ERROR lines during pass $pass:" >&2
    head -n 20 <<<"$errors" | sed 's/^/    /' >&2
  fi
done

if ((failures == 0)); then
  echo "All $passes passes clean: every record acknowledged, no exception, no broker ERROR line."
else
  echo "$failures problem(s) in $passes passes (details above)." >&2
  exit 1
fi
