package io.sluice.chaos.fault;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Simulates the loss of a killed broker's unflushed page cache: cuts bytes off the tail of the active (highest base
 * offset) segment of one workload partition in its log directory. Stateless.
 */
final class SegmentTail {
    private static final Logger log = LoggerFactory.getLogger(SegmentTail.class);

    private SegmentTail() {}

    /** Cuts up to {@code bytes} (never more than the segment holds) and returns what was done, as fault params. */
    static Map<String, String> cut(FaultContext ctx, int broker, int partitionChoice, int bytes) throws IOException {
        List<TopicPartition> partitions = ctx.partitions();
        TopicPartition tp = partitions.get(partitionChoice % partitions.size());
        Path dir = ctx.cluster().dataDir(broker).resolve(tp.topic() + "-" + tp.partition());
        if (!Files.isDirectory(dir)) {
            return Map.of("truncated", "no log directory " + dir);
        }
        Path active;
        try (Stream<Path> files = Files.list(dir)) {
            active = files.filter(p -> p.getFileName().toString().endsWith(".log"))
                    .max(Comparator.comparing(p -> p.getFileName().toString()))
                    .orElse(null);
        }
        if (active == null) {
            return Map.of("truncated", "no segment in " + dir);
        }
        try (FileChannel ch = FileChannel.open(active, StandardOpenOption.WRITE)) {
            long size = ch.size();
            long cut = Math.min(size, bytes);
            ch.truncate(size - cut);
            ch.force(true);
            log.info("cut {} of {} bytes off {} of broker {}", cut, size, active, broker);
            return Map.of(
                    "partition", tp.topic() + "-" + tp.partition(),
                    "segment", active.getFileName().toString(),
                    "truncatedBytes", Long.toString(cut),
                    "segmentBytes", Long.toString(size));
        }
    }
}
