package io.sluice.broker.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.broker.it.Clients;
import io.sluice.broker.it.InJvmCluster;
import io.sluice.broker.metrics.LatencyHistograms;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The observability pack against real scrapes: after a produce/consume run on two brokers (so that replication meters
 * exist), Produce and Fetch p50/p99 computed from the exposed buckets as {@code histogram_quantile} does, and every
 * metric named by the Grafana dashboard, the alert rules and the Kafka-name recording rules present in the scrapes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ObservabilityPackIT {
    private static final Logger log = LoggerFactory.getLogger(ObservabilityPackIT.class);
    private static final String TOPIC = "observed";
    private static final int RECORDS = 2_000;
    /** Series that Prometheus itself adds to every scrape. */
    private static final Set<String> PROMETHEUS_SERIES = Set.of("up");

    private InJvmCluster cluster;
    private Exposition scrape;

    @BeforeAll
    void runTrafficAndScrape() throws Exception {
        cluster = InJvmCluster.start(2, Map.of());
        cluster.admin()
                .createTopics(List.of(new NewTopic(TOPIC, 2, (short) 2)))
                .all()
                .get(30, TimeUnit.SECONDS);
        for (int p = 0; p < 2; p++) {
            cluster.awaitLeader(new TopicPartition(TOPIC, p));
            cluster.awaitIsr(new TopicPartition(TOPIC, p), 2);
        }
        produce();
        assertThat(consume()).isEqualTo(RECORDS);
        // the per-partition log gauges follow the hosted logs every few seconds
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    scrape = scrapeAll();
                    assertThat(scrape.samples("sluice_log_size_bytes", l -> TOPIC.equals(l.get("topic"))))
                            .hasSize(4);
                });
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private Exposition scrapeAll() {
        return Exposition.union(List.of(
                Exposition.parse(cluster.registry(1).scrape()),
                Exposition.parse(cluster.registry(2).scrape())));
    }

    @Test
    void produceAndFetchPercentilesComeFromTheExposedBuckets() {
        Map<String, double[]> figures = new LinkedHashMap<>();
        for (String api : List.of("Produce", "Fetch")) {
            TreeMap<Double, Double> buckets =
                    scrape.buckets("sluice_network_request_latency_seconds", l -> api.equals(l.get("api")));
            List<Double> expectedBounds = new ArrayList<>();
            for (Duration d : LatencyHistograms.BUCKETS) {
                expectedBounds.add(d.toNanos() / 1e9);
            }
            expectedBounds.add(Double.POSITIVE_INFINITY);
            assertThat(buckets.keySet()).as("%s bucket bounds", api).containsExactlyElementsOf(expectedBounds);
            double previous = 0;
            for (double count : buckets.values()) {
                assertThat(count).as("%s buckets are cumulative", api).isGreaterThanOrEqualTo(previous);
                previous = count;
            }
            double total = scrape.sum("sluice_network_request_latency_seconds_count", l -> api.equals(l.get("api")));
            assertThat(buckets.lastEntry().getValue()).isEqualTo(total).isPositive();

            double p50 = Exposition.histogramQuantile(0.5, buckets);
            double p99 = Exposition.histogramQuantile(0.99, buckets);
            double max =
                    scrape.samples("sluice_network_request_latency_seconds_max", l -> api.equals(l.get("api"))).stream()
                            .mapToDouble(Exposition.Sample::value)
                            .max()
                            .orElseThrow();
            // the quantile lies in the bucket of the slowest request at most
            double maxBucket = buckets.ceilingKey(max);
            assertThat(p50).as("%s p50", api).isPositive().isLessThanOrEqualTo(p99);
            assertThat(p99).as("%s p99", api).isLessThanOrEqualTo(maxBucket);
            figures.put(api, new double[] {total, p50, p99, max});
        }
        figures.forEach((api, f) -> log.info(
                "{}: {} requests, p50 {} ms, p99 {} ms (max {} ms)",
                api,
                (long) f[0],
                String.format("%.2f", f[1] * 1000),
                String.format("%.2f", f[2] * 1000),
                String.format("%.0f", f[3] * 1000)));
        // consumer long polls wait up to fetch.max.wait.ms (500 ms) and follower fetches up to
        // replica.fetch.wait.max.ms
        assertThat(Exposition.histogramQuantile(
                        0.99,
                        scrape.buckets(
                                "sluice_network_request_queue_time_seconds", l -> "Produce".equals(l.get("api")))))
                .isGreaterThanOrEqualTo(0);
    }

    @Test
    void theDashboardParsesAndNamesOnlyScrapedMetrics() throws Exception {
        JsonNode dashboard =
                new ObjectMapper().readTree(RepoFiles.read("deploy/observability/grafana/sluice-dashboard.json"));
        assertThat(dashboard.path("uid").asText()).isNotEmpty();
        List<String> exprs = new ArrayList<>();
        int panels = 0;
        for (JsonNode panel : dashboard.path("panels")) {
            assertThat(panel.path("gridPos").isObject())
                    .as("panel %s", panel.path("title"))
                    .isTrue();
            if (panel.path("type").asText().equals("row")) {
                continue;
            }
            panels++;
            assertThat(panel.path("targets").size())
                    .as("panel %s has queries", panel.path("title"))
                    .isPositive();
            panel.path("targets").forEach(t -> exprs.add(t.path("expr").asText()));
        }
        dashboard
                .path("templating")
                .path("list")
                .forEach(v -> exprs.add(v.path("query").path("query").asText()));
        assertThat(panels).isGreaterThanOrEqualTo(10);
        assertThat(exprs)
                .anySatisfy(e -> assertThat(e)
                        .contains("histogram_quantile(0.99")
                        .contains("sluice_network_request_latency_seconds_bucket"));
        assertNamesAreScraped("dashboard", exprs);
    }

    @Test
    void everyAlertAndRecordingRuleNamesScrapedMetrics() {
        for (String file :
                List.of("deploy/observability/sluice-alerts.yml", "deploy/observability/kafka-compat-rules.yml")) {
            Map<String, Object> rules = DockerComposeFileTest.map(YamlFiles.parse(RepoFiles.read(file)));
            List<String> exprs = new ArrayList<>();
            for (Object group : DockerComposeFileTest.list(rules.get("groups"))) {
                for (Object rule : DockerComposeFileTest.list(
                        DockerComposeFileTest.map(group).get("rules"))) {
                    Map<String, Object> r = DockerComposeFileTest.map(rule);
                    String expr = String.valueOf(r.get("expr"));
                    assertThat(PromQlNames.of(expr))
                            .as("%s rule %s names a metric", file, r.getOrDefault("alert", r.get("record")))
                            .isNotEmpty();
                    exprs.add(expr);
                }
            }
            assertThat(exprs).as(file).hasSizeGreaterThanOrEqualTo(8);
            assertNamesAreScraped(file, exprs);
        }
    }

    private void assertNamesAreScraped(String what, List<String> exprs) {
        Set<String> scraped = scrape.names();
        Set<String> named = new TreeSet<>();
        for (String expr : exprs) {
            named.addAll(PromQlNames.of(expr));
        }
        named.removeAll(PROMETHEUS_SERIES);
        log.info("{} names {} metrics: {}", what, named.size(), named);
        assertThat(named).as("metrics named by %s", what).isNotEmpty();
        assertThat(scraped).as("scrape holds every metric %s names", what).containsAll(named);
    }

    private void produce() throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < RECORDS; i++) {
                acks.add(producer.send(new ProducerRecord<>(
                        TOPIC, Integer.toString(i).getBytes(StandardCharsets.UTF_8), new byte[100])));
                if (i % 100 == 99) {
                    producer.flush(); // many Produce requests, so the percentiles rest on more than a few samples
                }
            }
            for (Future<RecordMetadata> ack : acks) {
                ack.get(30, TimeUnit.SECONDS);
            }
        }
    }

    private int consume() {
        return Clients.consumeFromStart(
                cluster.bootstrapServers(),
                List.of(new TopicPartition(TOPIC, 0), new TopicPartition(TOPIC, 1)),
                RECORDS);
    }
}
