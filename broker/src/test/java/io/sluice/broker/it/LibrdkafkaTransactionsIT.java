package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * librdkafka's transactional producer and read_committed consumer (through Debian's {@code python3-confluent-kafka};
 * kcat has no transactional mode) against one broker: a committed and an aborted transaction, of which the
 * read_committed consumer sees exactly the committed records. Skipped when the package is not installed.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class LibrdkafkaTransactionsIT {
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    private static final String SCRIPT = """
            import sys
            from confluent_kafka import Consumer, Producer, TopicPartition
            bootstrap, topic = sys.argv[1], sys.argv[2]
            p = Producer({'bootstrap.servers': bootstrap, 'transactional.id': 'rdkafka-txn'})
            p.init_transactions(30)
            p.begin_transaction()
            for i in range(10):
                p.produce(topic, value=('committed-%d' % i).encode(), partition=0)
            p.commit_transaction(30)
            p.begin_transaction()
            for i in range(5):
                p.produce(topic, value=('aborted-%d' % i).encode(), partition=0)
            p.flush(30)
            p.abort_transaction(30)
            c = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'rdkafka-txn-reader',
                          'isolation.level': 'read_committed', 'enable.partition.eof': True,
                          'auto.offset.reset': 'earliest'})
            c.assign([TopicPartition(topic, 0, 0)])
            values = []
            while True:
                m = c.poll(20)
                if m is None:
                    sys.exit('no end of partition within 20 s')
                if m.error():
                    if m.error().code() == -191:  # _PARTITION_EOF
                        break
                    sys.exit(str(m.error()))
                values.append(m.value().decode())
            c.close()
            print('\\n'.join(values))
            """;

    @Test
    void aLibrdkafkaTransactionalProducerAndReadCommittedConsumerWork(@TempDir Path dir) throws Exception {
        assumeTrue(hasConfluentKafka(), "python3-confluent-kafka (librdkafka's Python binding) is not installed");
        Path script = dir.resolve("txn.py");
        Files.writeString(script, SCRIPT, StandardCharsets.UTF_8);
        try (InJvmCluster cluster = InJvmCluster.start(
                1,
                Map.of(
                        "transaction.state.log.num.partitions", "1",
                        "transaction.state.log.min.isr", "1",
                        "offsets.topic.num.partitions", "1",
                        "offsets.topic.replication.factor", "1"))) {
            cluster.createTopicAndAwaitFullIsr("rdkafka-txn", 1, 1, Map.of());
            Process process = new ProcessBuilder(
                            PYTHON.toString(), script.toString(), cluster.bootstrapServers(), "rdkafka-txn")
                    .redirectErrorStream(true)
                    .start();
            boolean ended = process.waitFor(75, TimeUnit.SECONDS);
            if (!ended) {
                process.destroyForcibly();
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(ended).as("script ended; output:%n%s", output).isTrue();
            assertThat(process.exitValue()).as("exit code; output:%n%s", output).isZero();
            List<String> lines = output.lines()
                    .filter(l -> l.startsWith("committed-") || l.startsWith("aborted-"))
                    .toList();
            assertThat(lines)
                    .containsExactly(
                            "committed-0",
                            "committed-1",
                            "committed-2",
                            "committed-3",
                            "committed-4",
                            "committed-5",
                            "committed-6",
                            "committed-7",
                            "committed-8",
                            "committed-9");
        }
    }

    private static boolean hasConfluentKafka() throws IOException, InterruptedException {
        if (!Files.isExecutable(PYTHON)) {
            return false;
        }
        Process probe = new ProcessBuilder(PYTHON.toString(), "-c", "import confluent_kafka")
                .redirectErrorStream(true)
                .start();
        return probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0;
    }
}
