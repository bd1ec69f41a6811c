# Sourced by the bench scripts: the stock Kafka tools (org.apache.kafka:kafka-tools, the release of the pinned
# kafka-clients, fetched from Maven Central on first use) and the addresses of a bin/sluice-cluster cluster.
# Needs ROOT (the checkout) set by the caller.

KAFKA_TOOLS_VERSION=3.9.2
TOOLS_DIR="$ROOT/deploy/bench/target/kafka-tools-$KAFKA_TOOLS_VERSION"

# Fetches kafka-tools and its dependencies into $TOOLS_DIR/lib once.
fetch_kafka_tools() {
  [[ -d $TOOLS_DIR/lib ]] && return 0
  echo "Fetching kafka-tools $KAFKA_TOOLS_VERSION into $TOOLS_DIR ..." >&2
  mkdir -p "$TOOLS_DIR"
  cat >"$TOOLS_DIR/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>io.sluice.bench</groupId><artifactId>kafka-tools-fetch</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId>
      <version>$KAFKA_TOOLS_VERSION</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-nop</artifactId><version>2.0.17</version></dependency>
  </dependencies>
</project>
POM
  mvn -B -ntp -q -f "$TOOLS_DIR/pom.xml" dependency:copy-dependencies -DoutputDirectory="$TOOLS_DIR/lib"
}

# Runs a Java main class or single-file program with the kafka-tools class path; the clients' WARN and ERROR lines
# go to stderr (kafka-tools logs through reload4j).
tools() {
  fetch_kafka_tools
  if [[ ! -f $TOOLS_DIR/log4j.properties ]]; then
    cat >"$TOOLS_DIR/log4j.properties" <<'PROPS'
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=%d{ISO8601} %-5p [%t] %c{1} - %m%n
PROPS
  fi
  java -Xmx1g -Dlog4j.configuration="file:$TOOLS_DIR/log4j.properties" -cp "$TOOLS_DIR/lib/*" "$@"
}

# Prints the bootstrap servers of the bin/sluice-cluster cluster in directory $1.
cluster_bootstrap() {
  local cluster_dir=$1 list="" i
  if [[ ! -f $cluster_dir/cluster.env ]]; then
    echo "no cluster in $cluster_dir: start one with bin/sluice-cluster up, or pass --bootstrap-server" >&2
    return 2
  fi
  # shellcheck disable=SC1091
  source "$cluster_dir/cluster.env"
  for ((i = 0; i < SLUICE_CLUSTER_BROKERS; i++)); do
    list+="${list:+,}127.0.0.1:$((SLUICE_CLUSTER_BASE_PORT + i))"
  done
  echo "$list"
}
