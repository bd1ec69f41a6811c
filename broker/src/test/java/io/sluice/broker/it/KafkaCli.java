package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The stock Kafka command-line tools (from {@code org.apache.kafka:kafka-tools} and, for the Scala ones still in
 * Kafka's core jar, {@code kafka_2.13}; the release of the pinned kafka-clients), each run as its main class in a
 * {@link ChildJvm}, the way {@code bin/kafka-*.sh} runs them.
 *
 * <p>Concurrency: stateless.
 */
final class KafkaCli {
    /** {@code kafka-consumer-groups.sh}. */
    static final String CONSUMER_GROUPS = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand";
    /** {@code kafka-console-consumer.sh} (moved from {@code kafka.tools} to the tools module in 3.8). */
    static final String CONSOLE_CONSUMER = "org.apache.kafka.tools.consumer.ConsoleConsumer";
    /** {@code kafka-topics.sh}. */
    static final String TOPICS = "org.apache.kafka.tools.TopicCommand";

    /** {@code kafka-acls.sh} (Scala, in Kafka's core jar in 3.9: {@link #coreClassPath}). */
    static final String ACLS = "kafka.admin.AclCommand";
    /** {@code kafka-configs.sh} (Scala, in Kafka's core jar in 3.9: {@link #coreClassPath}). */
    static final String CONFIGS = "kafka.admin.ConfigCommand";

    /** Written by the {@code sluice-kafka-core-cli} module: the class path of Kafka's core jar and its dependencies. */
    private static final String CORE_CLASS_PATH_RESOURCE = "/kafka-core-cli.classpath";

    private KafkaCli() {}

    /** How a tool ended and what it printed. */
    record Result(String command, int exitCode, String stdout, String stderr) {
        /** Asserts exit code 0 and returns this. */
        Result assertSuccess() {
            assertThat(exitCode)
                    .as("exit code of %s%nstdout:%n%s%nstderr:%n%s", command, stdout, stderr)
                    .isZero();
            return this;
        }

        /** The non-blank lines of stdout, trimmed. */
        List<String> lines() {
            return stdout.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        }
    }

    /** Runs {@code tool} with {@code args} and waits at most {@code limit} for it to end (killing it if it does not). */
    static Result run(Path dir, Duration limit, String tool, String... args) throws IOException, InterruptedException {
        try (ChildJvm jvm = ChildJvm.start(dir, tool, List.of(args))) {
            int exit = jvm.awaitExit(limit);
            String command = tool.substring(tool.lastIndexOf('.') + 1) + " " + String.join(" ", args);
            return new Result(command, exit, jvm.stdout(), jvm.stderr());
        }
    }

    /**
     * The class path of Kafka's core jar and its dependencies, which the {@code sluice-kafka-core-cli} module resolves
     * at build time, for running {@link #ACLS} and {@link #CONFIGS} in a child JVM ({@link KafkaToolShell}): Kafka's
     * server classes stay off the broker's class path.
     */
    static String coreClassPath() throws IOException {
        try (InputStream in = KafkaCli.class.getResourceAsStream(CORE_CLASS_PATH_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(CORE_CLASS_PATH_RESOURCE
                        + " is not on the test class path: build the sluice-kafka-core-cli module (-am)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
    }

    /**
     * Parses the whitespace-aligned tables the tools print (e.g. {@code kafka-consumer-groups --describe}): every line
     * whose first word is {@code firstHeader} starts a table, its words name the columns, and the following non-blank
     * lines are its rows, one value per column. Returns every row of every table as column → value.
     */
    static List<Map<String, String>> table(String stdout, String firstHeader) {
        List<Map<String, String>> rows = new ArrayList<>();
        List<String> header = null;
        for (String line : stdout.lines().toList()) {
            String[] words = line.strip().split("\\s+");
            if (line.isBlank()) {
                header = null;
            } else if (words[0].equals(firstHeader)) {
                header = Arrays.asList(words);
            } else if (header != null) {
                assertThat(words)
                        .as("row %s of a table with columns %s", line, header)
                        .hasSameSizeAs(header);
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 0; i < words.length; i++) {
                    row.put(header.get(i), words[i]);
                }
                rows.add(row);
            }
        }
        return rows;
    }
}
