package io.sluice.broker.tools;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.broker.it.InJvmCluster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code sluice-admin} end to end on three in-JVM brokers, through its entry point: 100,000 lines produced from stdin
 * are all consumed back by a group, which then shows lag 0 (and the full lag after {@code groups reset-offsets
 * --to-earliest --execute}, not after the dry run); {@code configs alter} / {@code describe} round-trip a topic config;
 * {@code cluster health --exit-when-healthy} exits 0, and
 * after a broker is killed and the ISRs shrink, {@code cluster health} exits 1 naming the broker and the
 * under-replicated partitions.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AdminCliIT {
    private static final String TOPIC = "lines";
    private static final int PARTITIONS = 3;
    private static final int LINES = 100_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private InJvmCluster cluster;

    @BeforeEach
    void start() throws Exception {
        cluster = InJvmCluster.start(3, Map.of("offsets.topic.num.partitions", "3"));
        cluster.createTopicAndAwaitFullIsr(TOPIC, PARTITIONS, 3, Map.of("min.insync.replicas", "2"));
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private record Result(int code, String out, String err) {}

    private Result cli(InputStream in, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = AdminCli.run(
                args,
                in,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                KafkaClusterAdmin::connect,
                Map.of(AdminCli.BOOTSTRAP_ENV, cluster.bootstrapServers()));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Result cli(String... args) {
        return cli(InputStream.nullInputStream(), args);
    }

    @Test
    void producesConsumesDescribesTheGroupAndJudgesHealth() throws Exception {
        StringBuilder input = new StringBuilder();
        for (int i = 0; i < LINES; i++) {
            input.append("k")
                    .append(i % 97)
                    .append(':')
                    .append("line-")
                    .append(i)
                    .append('\n');
        }
        Result produced = cli(
                new ByteArrayInputStream(input.toString().getBytes(StandardCharsets.UTF_8)),
                "produce",
                "--topic",
                TOPIC,
                "--key-separator",
                ":",
                "--header",
                "source=it");
        assertThat(produced.code()).as(produced.err()).isZero();
        assertThat(produced.out()).startsWith("Produced " + LINES + " records to " + TOPIC);

        Result consumed = cli(
                "consume",
                "--topic",
                TOPIC,
                "--group",
                "g",
                "--from-beginning",
                "--max-messages",
                String.valueOf(LINES),
                "--timeout-ms",
                "20000",
                "--format",
                "%k %v %h");
        assertThat(consumed.code()).as(consumed.err()).isZero();
        List<String> lines = consumed.out().lines().toList();
        assertThat(lines).hasSize(LINES);
        Set<String> distinct = new HashSet<>(lines);
        assertThat(distinct).hasSize(LINES).contains("k0 line-0 source=it", "k89 line-99999 source=it");
        assertThat(consumed.err()).contains("Processed a total of " + LINES + " messages");

        Result described = cli("groups", "describe", "--group", "g", "--json");
        assertThat(described.code()).as(described.err()).isZero();
        JsonNode group = JSON.readTree(described.out());
        assertThat(group.get("lag").asLong()).isZero();
        assertThat(group.get("partitions")).hasSize(PARTITIONS);
        long committed = 0;
        for (JsonNode p : group.get("partitions")) {
            assertThat(p.get("lag").asLong()).isZero();
            assertThat(p.get("committed").asLong()).isEqualTo(p.get("end").asLong());
            committed += p.get("committed").asLong();
        }
        assertThat(committed).isEqualTo(LINES);
        Result text = cli("groups", "describe", "--group", "g");
        assertThat(text.out()).contains("Lag: 0").contains("COMMITTED");

        Result plan = cli("groups", "reset-offsets", "--group", "g", "--topic", TOPIC, "--to-earliest");
        assertThat(plan.code()).as(plan.err()).isZero();
        assertThat(plan.out()).contains("Dry run");
        assertThat(JSON.readTree(cli("groups", "describe", "--group", "g", "--json")
                                .out())
                        .get("lag")
                        .asLong())
                .isZero();
        Result reset = cli("groups", "reset-offsets", "--group", "g", "--all-topics", "--to-earliest", "--execute");
        assertThat(reset.code()).as(reset.err()).isZero();
        assertThat(JSON.readTree(cli("groups", "describe", "--group", "g", "--json")
                                .out())
                        .get("lag")
                        .asLong())
                .isEqualTo(LINES);
        assertThat(cli("groups", "list").out()).contains("g");

        Result altered = cli("configs", "alter", "--topic", TOPIC, "--set", "retention.ms=3600000");
        assertThat(altered.code()).as(altered.err()).isZero();
        Result configs = cli("configs", "describe", "--topic", TOPIC);
        assertThat(configs.code()).as(configs.err()).isZero();
        assertThat(configs.out()).containsPattern("retention\\.ms\\s+3600000").contains("min.insync.replicas");

        Result healthy = cli("cluster", "health", "--exit-when-healthy", "--timeout", "30s");
        assertThat(healthy.code()).as(healthy.out() + healthy.err()).isZero();
        assertThat(healthy.out()).startsWith("HEALTHY");

        cluster.kill(3);
        for (int p = 0; p < PARTITIONS; p++) {
            cluster.awaitIsr(new TopicPartition(TOPIC, p), 2);
        }
        Result hurt = cli("cluster", "health");
        assertThat(hurt.code()).as(hurt.out() + hurt.err()).isEqualTo(AdminCli.EXIT_FAILED);
        assertThat(hurt.out())
                .startsWith("UNHEALTHY")
                .contains("broker 3 is not registered")
                .contains(TOPIC + "-0 is under-replicated");
    }
}
