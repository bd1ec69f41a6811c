package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * librdkafka clients (kcat, confluent-kafka-python) compress what they send to Sluice: librdkafka enables gzip, snappy
 * and lz4 only for brokers that advertise Produce v0, zstd for Produce v7 and Fetch v10. Each client produces with
 * each codec; the batches on the broker's disk must carry that codec, and kcat must read every value back. Skips,
 * saying so, where the machine has neither client ({@code .ci/run} installs both on Debian when it runs as root).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LibrdkafkaCompressionIT {
    private static final int RECORDS = 200;
    /** Debian's interpreter, where python3-confluent-kafka installs, ahead of any other python3 on the PATH. */
    private static final String PYTHON =
            Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";

    private static InJvmCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = InJvmCluster.start(1, Map.of());
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "snappy", "lz4", "zstd"})
    void kcatBatchesAreStoredWithTheirCodec(String codec) throws Exception {
        assumeTrue(onPath("kcat"), "kcat is not installed (Debian package kcat); librdkafka compression not checked");
        TopicPartition tp = topic("kcat-" + codec);
        String input = values(codec).stream().collect(Collectors.joining("\n", "", "\n"));

        Run produce = run(
                input,
                "kcat",
                "-b",
                cluster.bootstrapServers(),
                "-P",
                "-t",
                tp.topic(),
                "-p",
                "0",
                "-z",
                codec,
                "-X",
                "linger.ms=50");

        assertThat(produce.exit()).as(produce.output()).isZero();
        assertStoredWith(tp, codec);
        assertThat(readWithKcat(tp)).containsExactlyElementsOf(values(codec));
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "snappy", "lz4", "zstd"})
    void confluentKafkaPythonBatchesAreStoredWithTheirCodec(String codec) throws Exception {
        assumeTrue(
                run("", PYTHON, "-c", "import confluent_kafka").exit() == 0,
                "python3-confluent-kafka is not installed; librdkafka compression from Python not checked");
        TopicPartition tp = topic("python-" + codec);
        String script = String.join(
                "\n",
                "import sys",
                "from confluent_kafka import Producer",
                "p = Producer({'bootstrap.servers': sys.argv[1], 'compression.type': sys.argv[3],"
                        + " 'linger.ms': 50, 'enable.idempotence': True})",
                "failed = []",
                "for line in sys.stdin.read().splitlines():",
                "    p.produce(sys.argv[2], value=line.encode(), partition=0,"
                        + " on_delivery=lambda err, msg: failed.append(err) if err else None)",
                "p.flush(60)",
                "sys.exit(1 if failed or len(p) else 0)");
        String input = values(codec).stream().collect(Collectors.joining("\n", "", "\n"));

        Run produce = run(input, PYTHON, "-c", script, cluster.bootstrapServers(), tp.topic(), codec);

        assertThat(produce.exit()).as(produce.output()).isZero();
        assertStoredWith(tp, codec);
        if (onPath("kcat")) {
            assertThat(readWithKcat(tp)).containsExactlyElementsOf(values(codec));
        }
    }

    private static TopicPartition topic(String name) throws Exception {
        cluster.admin()
                .createTopics(List.of(new NewTopic(name, 1, (short) 1)))
                .all()
                .get(30, TimeUnit.SECONDS);
        TopicPartition tp = new TopicPartition(name, 0);
        cluster.awaitLeader(tp);
        return tp;
    }

    private static List<String> values(String codec) {
        return IntStream.range(0, RECORDS)
                .mapToObj(i -> codec + "-value-" + i + "-" + "x".repeat(64))
                .toList();
    }

    private static void assertStoredWith(TopicPartition tp, String codec) throws IOException {
        List<RecordBatch> batches = new ArrayList<>();
        Path partitionDir = cluster.dataDir(1).resolve(tp.topic() + "-" + tp.partition());
        try (Stream<Path> files = Files.list(partitionDir)) {
            for (Path segment :
                    files.filter(f -> f.toString().endsWith(".log")).sorted().toList()) {
                MemoryRecords.readableRecords(ByteBuffer.wrap(Files.readAllBytes(segment)))
                        .batches()
                        .forEach(batches::add);
            }
        }
        long records = batches.stream()
                .mapToLong(b -> b.lastOffset() - b.baseOffset() + 1)
                .sum();
        assertThat(records).as("records on disk").isEqualTo(RECORDS);
        assertThat(batches)
                .as("batches on disk")
                .allSatisfy(b -> assertThat(b.compressionType()).isEqualTo(CompressionType.forName(codec)));
    }

    private static List<String> readWithKcat(TopicPartition tp) throws Exception {
        Run read = run(
                "",
                "kcat",
                "-b",
                cluster.bootstrapServers(),
                "-C",
                "-t",
                tp.topic(),
                "-p",
                "0",
                "-o",
                "beginning",
                "-e",
                "-q");
        assertThat(read.exit()).as(read.output()).isZero();
        return read.output().lines().filter(l -> !l.isEmpty()).toList();
    }

    private static boolean onPath(String command) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    private record Run(int exit, String output) {}

    private static Run run(String stdin, String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().close();
            byte[] output = process.getInputStream().readAllBytes();
            assertThat(process.waitFor(90, TimeUnit.SECONDS))
                    .as("%s finished", command[0])
                    .isTrue();
            return new Run(process.exitValue(), new String(output, StandardCharsets.UTF_8));
        } finally {
            process.destroyForcibly();
        }
    }
}
