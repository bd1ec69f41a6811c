#!/usr/bin/env bash
# The lifecycle soak (deploy/bench/LifecycleSoak.java): for a given time, repeats create topic -> produce/consume with
# acks=all -> delete -> re-create (same and new names) -> add partitions -> change configs -> quick segment rolls ->
# retention deletions -> restart a broker, and checks the cluster after every cycle (full ISRs, no ERROR line in the
# broker logs, /health and fetcher metrics, files on disk consistent with the logs). Stops at the first failed check.
#
# Usage: deploy/bench/lifecycle-soak.sh [--dir CLUSTER_DIR] [--minutes 30] [--records 20000] [--restart-every 3]
#                                       [--seed S] [--start [--base-port P] [--zk-port P]]
# --start brings up a new 3-broker cluster in CLUSTER_DIR for the soak (retention checked every 5 s so that it runs
# within each cycle; ports as bin/sluice-cluster up takes them) and stops it at the end; without it the soak uses the
# running cluster of 'bin/sluice-cluster up'.
# Exit code 0 when every check passed after every cycle, 1 otherwise.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=kafka-tools.sh
source "$ROOT/deploy/bench/kafka-tools.sh"

dir="$ROOT/.sluice/cluster"
minutes=30
records=20000
restart_every=3
seed=$RANDOM
start=no
up_ports=()

usage() { sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --dir) dir=$2; shift 2 ;;
    --minutes) minutes=$2; shift 2 ;;
    --records) records=$2; shift 2 ;;
    --restart-every) restart_every=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --start) start=yes; shift ;;
    --base-port | --zk-port) up_ports+=("$1" "$2"); shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

fetch_kafka_tools
if [[ $start == yes ]]; then
  "$ROOT/bin/sluice-cluster" up --dir "$dir" "${up_ports[@]}" --set log.retention.check.interval.ms=5000
  trap '"$ROOT/bin/sluice-cluster" down --dir "$dir" >/dev/null' EXIT
fi
[[ -f $dir/cluster.env ]] || { echo "no cluster in $dir: start one with bin/sluice-cluster up, or pass --start" >&2; exit 2; }
echo "Lifecycle soak: $minutes min, $records records per topic per cycle, restart every $restart_every cycles, seed $seed" >&2
tools -Dsluice.home="$ROOT" "$ROOT/deploy/bench/LifecycleSoak.java" "$dir" "$minutes" "$records" "$restart_every" "$seed"
