#!/usr/bin/env bash
# Storage engine benchmark: log append vs a plain FileChannel.write loop (16 KiB and 64 KiB batches of 1 KiB
# records), transferTo read-back, and offset lookup cost at 10^3..10^7 records.
# Prerequisite (once, from the repository root): mvn -DskipTests install
# Usage: deploy/bench/log-bench.sh [extra JVM options, e.g. -Dbench.bytes=268435456 -Dbench.dir=/mnt/disk/bench]
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

BENCH_DIR_DEFAULT="$MODULE/target/log-bench"
exec java -Xms1g -Xmx1g \
  -Dbench.dir="$BENCH_DIR_DEFAULT" \
  "$@" \
  -cp "$MODULE/target/test-classes:$MODULE/target/classes:$(cat "$CP_FILE")" \
  io.sluice.replication.log.LogBench
