package io.sluice.broker.it;

import io.sluice.broker.server.BrokerServer;
import io.sluice.replication.log.FileSlice;
import io.sluice.replication.log.LogManager;
import io.sluice.replication.log.UnifiedLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;

/**
 * Reads a (compacted) partition as key/value pairs, through a consumer or straight from one replica's log, and looks at
 * its segment files on disk ({@code <log.dir>/<topic>-<partition>/<20-digit base offset>.log}).
 *
 * <p>Concurrency: stateless.
 */
final class CompactedLogs {
    private CompactedLogs() {}

    /** One record: key and value as strings, the value null for a tombstone. */
    record Entry(long offset, String key, String value) {}

    /** Every record of {@code tp} from the log start to the end offset consumers see, through {@code consumer}. */
    static List<Entry> consume(KafkaConsumer<byte[], byte[]> consumer, TopicPartition tp) {
        consumer.assign(List.of(tp));
        consumer.seekToBeginning(List.of(tp));
        long end = consumer.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
        List<Entry> out = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (consumer.position(tp, Duration.ofSeconds(30)) < end) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("could not read " + tp + " up to " + end + " within 60 s");
            }
            for (ConsumerRecord<byte[], byte[]> r :
                    consumer.poll(Duration.ofMillis(200)).records(tp)) {
                out.add(new Entry(r.offset(), string(r.key()), string(r.value())));
            }
        }
        return out;
    }

    /** Every record of {@code tp} in {@code broker}'s own replica, from its log start up to its high watermark. */
    static List<Entry> replica(BrokerServer broker, TopicPartition tp) {
        UnifiedLog log = broker.logManager()
                .getLog(tp)
                .orElseThrow(() -> new IllegalStateException("broker " + broker.brokerId() + " has no log " + tp));
        long end = ReplicationReplicas.highWatermark(broker, tp);
        List<Entry> out = new ArrayList<>();
        long offset = log.logStartOffset();
        while (offset < end) {
            FileSlice slice = log.read(offset, 1 << 20, end).records();
            if (slice.isEmpty()) {
                break;
            }
            MemoryRecords records;
            try {
                records = slice.readRecords();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            long next = offset;
            for (MutableRecordBatch batch : records.batches()) {
                for (Record r : batch) {
                    if (r.offset() >= offset && r.offset() < end) {
                        out.add(new Entry(r.offset(), bytes(r.key()), bytes(r.value())));
                    }
                }
                next = Math.max(next, batch.nextOffset());
            }
            if (next == offset) {
                break;
            }
            offset = next;
        }
        return out;
    }

    /** The last value of each key in {@code entries} (null for a key whose last record is a tombstone). */
    static Map<String, String> latest(List<Entry> entries) {
        Map<String, String> out = new HashMap<>();
        for (Entry e : entries) {
            out.put(e.key(), e.value());
        }
        return out;
    }

    /** The directory of {@code tp} on broker {@code id}. */
    static Path partitionDir(InJvmCluster cluster, int id, TopicPartition tp) {
        return cluster.dataDir(id).resolve(LogManager.logDirName(tp));
    }

    /** The total size of the {@code .log} segment files in {@code dir}. */
    static long segmentBytes(Path dir) {
        return files(dir).stream()
                .filter(p -> p.getFileName().toString().endsWith(".log"))
                .mapToLong(CompactedLogs::size)
                .sum();
    }

    /** The base offset of the newest segment in {@code dir} (the active one), from the file names. */
    static long activeSegmentBaseOffset(Path dir) {
        return files(dir).stream()
                .map(p -> p.getFileName().toString())
                .filter(n -> n.endsWith(".log"))
                .mapToLong(n -> Long.parseLong(n.substring(0, n.length() - ".log".length())))
                .max()
                .orElse(-1);
    }

    /** The names of the files in {@code dir}. */
    static List<String> fileNames(Path dir) {
        return files(dir).stream().map(p -> p.getFileName().toString()).toList();
    }

    private static List<Path> files(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        } catch (IOException e) {
            return List.of(); // a file renamed or deleted while listing: the caller looks again
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0; // deleted meanwhile
        }
    }

    private static String string(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    private static String bytes(ByteBuffer b) {
        if (b == null) {
            return null;
        }
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return new String(a, StandardCharsets.UTF_8);
    }
}
