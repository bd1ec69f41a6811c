package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Prometheus endpoint of a running broker shows the documented metrics with plausible values after traffic. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@SluiceCluster(start = false)
class MetricsEndpointIT {
    private static final String TOPIC = "metered";
    private static final int RECORDS = 2_000;
    private static final int VALUE_BYTES = 100;

    private InJvmCluster cluster;

    @Test
    void scrapeAfterAProduceAndConsumeRun() throws Exception {
        int metricsPort = freePort();
        cluster = InJvmCluster.start(1, Map.of("metrics.port", Integer.toString(metricsPort)));
        cluster.admin()
                .createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1)))
                .all()
                .get(30, TimeUnit.SECONDS);
        cluster.awaitLeader(new TopicPartition(TOPIC, 0));
        cluster.awaitLeader(new TopicPartition(TOPIC, 1));
        assertThat(cluster.broker(1).metricsPort()).isEqualTo(metricsPort);

        produce();
        int consumed = consume();
        assertThat(consumed).isEqualTo(RECORDS);

        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> health = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/health"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"UP\"");

        String scrape = http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(value(scrape, "sluice_network_request_latency_seconds_count", "api=\"Produce\""))
                .isPositive();
        assertThat(value(scrape, "sluice_network_request_latency_seconds_count", "api=\"Fetch\""))
                .isPositive();
        assertThat(value(scrape, "sluice_broker_topic_bytes_in_bytes_total", "topic=\"" + TOPIC + "\""))
                .isGreaterThanOrEqualTo((double) RECORDS * VALUE_BYTES);
        assertThat(value(scrape, "sluice_broker_topic_messages_in_total", "topic=\"" + TOPIC + "\""))
                .isEqualTo(RECORDS);
        assertThat(value(scrape, "sluice_broker_topic_bytes_out_bytes_total", "fetcher=\"consumer\""))
                .isGreaterThanOrEqualTo((double) RECORDS * VALUE_BYTES);
        // histogram buckets for histogram_quantile (the quantiles themselves: ObservabilityPackIT)
        assertThat(value(scrape, "sluice_network_request_latency_seconds_bucket", "api=\"Produce\",le=\"+Inf\""))
                .isEqualTo(value(scrape, "sluice_network_request_latency_seconds_count", "api=\"Produce\""));
        assertThat(value(scrape, "sluice_network_request_queue_time_seconds_bucket", "api=\"Fetch\",le=\"+Inf\""))
                .isPositive();
        assertThat(value(scrape, "sluice_log_dir_free_bytes", "")).isPositive();
        assertThat(value(scrape, "sluice_log_dir_size_bytes", ""))
                .isGreaterThanOrEqualTo((double) RECORDS * VALUE_BYTES);
        assertThat(value(scrape, "sluice_network_bytes_in_bytes_total", "")).isPositive();
        assertThat(value(scrape, "sluice_replica_manager_leaders", "")).isEqualTo(2);
        assertThat(value(scrape, "sluice_replica_manager_under_replicated_partitions", ""))
                .isZero();
        assertThat(value(scrape, "sluice_controller_active", "")).isEqualTo(1);
        assertThat(value(scrape, "sluice_controller_epoch", "")).isGreaterThanOrEqualTo(1);
        assertThat(value(scrape, "sluice_controller_offline_partitions", "")).isZero();
        // one reaper per purgatory: Produce, Fetch, DeleteRecords
        assertThat(value(scrape, "sluice_thread_alive", "kind=\"purgatory_reaper\""))
                .isEqualTo(3);
        assertThat(value(scrape, "sluice_thread_alive", "kind=\"controller_event\""))
                .isEqualTo(1);
        assertThat(value(scrape, "sluice_thread_alive", "kind=\"scheduler\"")).isGreaterThanOrEqualTo(2);
        assertThat(value(scrape, "sluice_thread_dead", "")).isZero();
        assertThat(value(scrape, "sluice_replica_fetcher_failed_partitions", ""))
                .isZero();
        assertThat(value(scrape, "sluice_scheduler_task_failures_total", "")).isZero();
        assertThat(scrape)
                .contains("sluice_purgatory_size")
                .contains("sluice_replica_manager_isr_shrinks_total")
                .contains("jvm_gc_")
                .contains("jvm_memory_used_bytes");
    }

    private void produce() throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < RECORDS; i++) {
                acks.add(producer.send(new ProducerRecord<>(
                        TOPIC, Integer.toString(i).getBytes(StandardCharsets.UTF_8), new byte[VALUE_BYTES])));
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

    /** The sum of the samples of {@code name} whose labels contain {@code labelFragment}. */
    private static double value(String scrape, String name, String labelFragment) {
        Pattern line = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$", Pattern.MULTILINE);
        Matcher m = line.matcher(scrape);
        double sum = 0;
        boolean found = false;
        while (m.find()) {
            String labels = m.group(1) == null ? "" : m.group(1);
            if (labels.contains(labelFragment)) {
                sum += Double.parseDouble(m.group(2));
                found = true;
            }
        }
        assertThat(found).as("metric %s{%s} in the scrape", name, labelFragment).isTrue();
        return sum;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
