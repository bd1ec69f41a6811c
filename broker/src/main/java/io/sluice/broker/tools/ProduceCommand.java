package io.sluice.broker.tools;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice-admin produce}: one record per input line (stdin or a file) through the stock producer, optionally
 * split into key and value at the first {@code --key-separator}, with fixed headers, acks, compression and a rate
 * limit. A progress line goes to stderr every {@value #PROGRESS_MS} ms on long inputs. Exit 1 when a record was not
 * acknowledged (the first error on stderr); reading stops at the first failure.
 *
 * <p>Single-threaded except for the producer's callbacks, which only update atomics.
 */
@Command(
        name = "produce",
        mixinStandardHelpOptions = true,
        description = "Writes one record per line of stdin (or --file) to a topic.")
final class ProduceCommand implements Callable<Integer> {
    static final long PROGRESS_MS = 2_000;
    private static final Set<String> ACKS = Set.of("all", "-1", "0", "1");
    private static final Set<String> COMPRESSION = Set.of("none", "gzip", "snappy", "lz4", "zstd");

    @Mixin
    AdminCli.GlobalOptions globals;

    @Spec
    CommandSpec spec;

    @Option(names = "--topic", paramLabel = "T", required = true, description = "Topic to write to.")
    String topic;

    @Option(names = "--file", paramLabel = "F", description = "Read lines from this file instead of stdin.")
    Path file;

    @Option(
            names = "--key-separator",
            paramLabel = "S",
            description = "Split each line at the first S into key and value (a line without S has no key).")
    String keySeparator;

    @Option(names = "--header", paramLabel = "K=V", description = "A header on every record (repeatable).")
    List<String> headers = List.of();

    @Option(names = "--acks", paramLabel = "all|1|0", defaultValue = "all", description = "Default: ${DEFAULT-VALUE}.")
    String acks;

    @Option(
            names = "--compression",
            paramLabel = "none|gzip|snappy|lz4|zstd",
            defaultValue = "none",
            description = "Default: ${DEFAULT-VALUE}.")
    String compression;

    @Option(names = "--rate", paramLabel = "N", description = "At most N records per second (default: unlimited).")
    Double rate;

    @Override
    public Integer call() throws UsageException, IOException {
        AdminCli root = AdminCli.root(spec);
        if (!ACKS.contains(acks)) {
            throw new UsageException("--acks must be one of all, 1, 0, got '" + acks + "'");
        }
        if (!COMPRESSION.contains(compression)) {
            throw new UsageException(
                    "--compression must be one of none, gzip, snappy, lz4, zstd, got '" + compression + "'");
        }
        if (rate != null && !(rate > 0)) {
            throw new UsageException("--rate must be positive, got " + rate);
        }
        if (keySeparator != null && keySeparator.isEmpty()) {
            throw new UsageException("--key-separator must not be empty");
        }
        List<Header> recordHeaders = new ArrayList<>();
        for (Map.Entry<String, String> h :
                AdminCli.keyValues("--header", headers).entrySet()) {
            recordHeaders.add(new RecordHeader(h.getKey(), h.getValue().getBytes(StandardCharsets.UTF_8)));
        }
        if (file != null && !Files.isReadable(file)) {
            throw new UsageException("--file " + file + " cannot be read");
        }
        int timeoutMs = root.timeoutMs();
        // the client properties of the run (--command-config / profile) first; this command's own settings win
        Properties props = root.clientConfig();
        props.put(ProducerConfig.ACKS_CONFIG, acks);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "sluice-admin-produce");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeoutMs);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, acks.equals("all") || acks.equals("-1"));

        AtomicLong acked = new AtomicLong();
        AtomicReference<Exception> failure = new AtomicReference<>();
        long sent = 0;
        long start = System.nanoTime();
        long lastProgress = start;
        double intervalNanos = rate == null ? 0 : 1e9 / rate;
        try (InputStream input = file == null ? root.in : Files.newInputStream(file);
                BufferedReader reader = new BufferedReader(new InputStreamReader(input, StandardCharsets.UTF_8));
                KafkaProducer<byte[], byte[]> producer =
                        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            String line;
            while (failure.get() == null && (line = reader.readLine()) != null) {
                if (rate != null) {
                    pace(start + (long) (sent * intervalNanos));
                }
                byte[] key = null;
                String value = line;
                if (keySeparator != null) {
                    int at = line.indexOf(keySeparator);
                    if (at >= 0) {
                        key = line.substring(0, at).getBytes(StandardCharsets.UTF_8);
                        value = line.substring(at + keySeparator.length());
                    }
                }
                producer.send(
                        new ProducerRecord<>(topic, null, key, value.getBytes(StandardCharsets.UTF_8), recordHeaders),
                        (metadata, e) -> {
                            if (e != null) {
                                failure.compareAndSet(null, e);
                            } else {
                                acked.incrementAndGet();
                            }
                        });
                sent++;
                long now = System.nanoTime();
                if (now - lastProgress >= PROGRESS_MS * 1_000_000) {
                    lastProgress = now;
                    root.err.printf(
                            "produce: %d records sent, %d acknowledged, %.0f records/s%n",
                            sent, acked.get(), sent / ((now - start) / 1e9));
                }
            }
            producer.flush();
        } catch (org.apache.kafka.common.KafkaException e) {
            failure.compareAndSet(null, e);
        }
        Exception error = failure.get();
        if (error != null) {
            root.err.println("sluice-admin: " + (sent - acked.get()) + " of " + sent
                    + " records were not acknowledged by " + topic + ": " + error);
            return AdminCli.EXIT_FAILED;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (root.json()) {
            root.out.println("{\"topic\":\"" + topic.replace("\"", "\\\"") + "\",\"records\":" + acked.get() + "}");
        } else {
            root.out.printf("Produced %d records to %s in %.1f s.%n", acked.get(), topic, seconds);
        }
        return AdminCli.EXIT_OK;
    }

    private static void pace(long dueNanos) {
        long wait = dueNanos - System.nanoTime();
        if (wait > 0) {
            try {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
