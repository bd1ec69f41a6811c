#!/usr/bin/env bash
# Exactly-once consume-transform-produce at full scale: runs ExactlyOnceCopyIT (broker module) with 100,000 input
# records instead of the suite's 20,000. Two competing transactional copiers (stock Java clients, one consumer group)
# copy the input topic while the leaders of an input partition, an output partition, __transaction_state and
# __consumer_offsets are each stopped abruptly and restarted; the output read with read_committed must hold every
# input value exactly once, and a zombie copier paused past its transaction timeout must fail to commit.
#
# Usage: deploy/bench/eos-copy.sh [--records 100000]
# The test's log (phase times, commits, aborts) is in broker/target/failsafe-reports/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
records=100000
while [[ $# -gt 0 ]]; do
  case $1 in
    --records) records=$2; shift 2 ;;
    -h | --help) sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
[[ $records =~ ^[1-9][0-9]*$ ]] || { echo "--records must be a positive integer" >&2; exit 2; }

cd "$ROOT"
exec mvn -B -ntp -pl broker -am verify -Dit.test=ExactlyOnceCopyIT -Dtest=none \
  -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false \
  -Dsluice.eos.records="$records" -Djunit.jupiter.execution.timeout.mode=disabled
