#!/usr/bin/env bash
# Incremental fetch sessions (KIP-227) against sessionless fetching: a consumer of 1,000 partitions on an in-JVM
# broker, first with max.incremental.fetch.session.cache.slots=1000, then with 0 (every fetch full). Prints fetches,
# the consumer's bytes sent per request (all but a handful are Fetch), broker CPU seconds and the ratios.
# See io.sluice.broker.it.FetchSessionsBench.
# Prerequisite (once, from the repository root): mvn -DskipTests install (or a reactor build with test-compile)
# Usage: deploy/bench/fetch-sessions-bench.sh [-Dbench.partitions=1000] [-Dbench.seconds=20] [-Dbench.rate=200]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MODULE="$ROOT/broker"
CP_FILE="$MODULE/target/bench-classpath.txt"

if [[ ! -d "$MODULE/target/test-classes" || ! -d "$MODULE/target/classes" ]]; then
  echo "broker classes not built; run 'mvn -DskipTests install' in $ROOT first" >&2
  exit 1
fi

mvn -q -B -f "$ROOT/pom.xml" -pl broker dependency:build-classpath \
  -Dmdep.outputFile="$CP_FILE" -Dmdep.includeScope=test

# this checkout's modules ahead of the io.sluice jars the classpath names from the local repository
SIBLINGS="$ROOT/metadata/target/classes:$ROOT/controller/target/classes:$ROOT/replication/target/classes"
exec java -Xms1g -Xmx1g "$@" \
  -cp "$MODULE/target/test-classes:$MODULE/target/classes:$SIBLINGS:$(cat "$CP_FILE")" \
  io.sluice.broker.it.FetchSessionsBench
