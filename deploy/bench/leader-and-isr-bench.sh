#!/usr/bin/env bash
# Broker side of a controller failover at scale: the time one broker takes to apply the new controller's
# LeaderAndIsr for 3,000 partitions (RF 3, one of three brokers dead) over real logs. See LeaderAndIsrBench.
# Prerequisite (once, from the repository root): mvn -DskipTests install
# Usage: deploy/bench/leader-and-isr-bench.sh [extra JVM options, e.g. -Dbench.partitions=6000 -Dbench.dir=/mnt/disk/bench
#        -XX:StartFlightRecording=filename=lai.jfr,settings=profile]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MODULE="$ROOT/replication"
CP_FILE="$MODULE/target/bench-classpath.txt"

if [[ ! -d "$MODULE/target/test-classes" || ! -d "$MODULE/target/classes" ]]; then
  echo "replication classes not built; run 'mvn -DskipTests install' in $ROOT first" >&2
  exit 1
fi

mvn -q -B -f "$ROOT/pom.xml" -pl replication dependency:build-classpath \
  -Dmdep.outputFile="$CP_FILE" -Dmdep.includeScope=test

exec java -Xms1g -Xmx1g \
  -Dbench.dir="$MODULE/target/leader-and-isr-bench" \
  "$@" \
  -cp "$MODULE/target/test-classes:$MODULE/target/classes:$(cat "$CP_FILE")" \
  io.sluice.replication.partition.LeaderAndIsrBench
