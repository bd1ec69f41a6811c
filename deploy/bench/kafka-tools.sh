# Sourced by the bench scripts: the stock Kafka tools (org.apache.kafka:kafka-tools, the release of the pinned
# kafka-clients, fetched from Maven Central on first use), the Apache Kafka broker of the same release (for the
# side-by-side benchmark) and the addresses of a bin/sluice-cluster cluster.
# Needs ROOT (the checkout) set by the caller.

KAFKA_TOOLS_VERSION=3.9.2
TOOLS_DIR="$ROOT/deploy/bench/target/kafka-tools-$KAFKA_TOOLS_VERSION"
KAFKA_BROKER_VERSION=${KAFKA_BROKER_VERSION:-3.9.2}
KAFKA_BROKER_DIR="$ROOT/deploy/bench/target/kafka-broker-$KAFKA_BROKER_VERSION"

# Resolves the given dependencies (groupId:artifactId:version ...) with Maven into DIR/lib once, through a
# throwaway pom in DIR.
fetch_with_maven() { # DIR G:A:V ...
  local dir=$1 gav deps=""
  shift
  [[ -d $dir/lib ]] && return 0
  mkdir -p "$dir"
  for gav in "$@"; do
    IFS=: read -r g a v <<<"$gav"
    deps+="    <dependency><groupId>$g</groupId><artifactId>$a</artifactId><version>$v</version></dependency>
"
  done
  cat >"$dir/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>io.sluice.bench</groupId><artifactId>$(basename "$dir")-fetch</artifactId><version>1</version>
  <dependencies>
$deps  </dependencies>
</project>
POM
  if ! mvn -B -ntp -q -f "$dir/pom.xml" dependency:copy-dependencies -DoutputDirectory="$dir/lib.partial"; then
    echo "could not resolve $* from Maven Central (see the Maven output above)" >&2
    return 1
  fi
  mv "$dir/lib.partial" "$dir/lib"
}

# Fetches kafka-tools and its dependencies into $TOOLS_DIR/lib once.
fetch_kafka_tools() {
  [[ -d $TOOLS_DIR/lib ]] && return 0
  echo "Fetching kafka-tools $KAFKA_TOOLS_VERSION into $TOOLS_DIR ..." >&2
  fetch_with_maven "$TOOLS_DIR" "org.apache.kafka:kafka-tools:$KAFKA_TOOLS_VERSION" "org.slf4j:slf4j-nop:2.0.17"
}

# Fetches the Apache Kafka broker (org.apache.kafka:kafka_2.13, ZooKeeper mode) with the log4j binding of its binary
# distribution into $KAFKA_BROKER_DIR/lib once.
fetch_kafka_broker() {
  [[ -d $KAFKA_BROKER_DIR/lib ]] && return 0
  echo "Fetching the Apache Kafka $KAFKA_BROKER_VERSION broker into $KAFKA_BROKER_DIR ..." >&2
  fetch_with_maven "$KAFKA_BROKER_DIR" "org.apache.kafka:kafka_2.13:$KAFKA_BROKER_VERSION" \
    "org.slf4j:slf4j-reload4j:1.7.36" "ch.qos.reload4j:reload4j:1.2.25"
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
