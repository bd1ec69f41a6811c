#!/usr/bin/env bash
# Leader-append validation benchmark (JMH): BatchValidator.validateAndAssign on 16 KiB producer batches of 100 B and
# 1 KiB records, uncompressed and compressed. See replication/src/test/java/.../log/BatchValidatorBench.java.
# Builds the replication module and its tests with the reactor first (nothing is installed).
# Usage: deploy/bench/validate-bench.sh [JMH options, e.g. -p shape=lz4-100 -prof gc -rf json -rff out.json]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MODULE="$ROOT/replication"
CP_FILE="$MODULE/target/bench-classpath.txt"

mvn -q -B -f "$ROOT/pom.xml" -pl replication -am -DskipTests test-compile dependency:build-classpath \
  -Dmdep.outputFile="$CP_FILE" -Dmdep.includeScope=test

exec java -cp "$MODULE/target/test-classes:$MODULE/target/classes:$(cat "$CP_FILE")" \
  org.openjdk.jmh.Main BatchValidatorBench "$@"
