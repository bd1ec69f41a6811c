package io.sluice.replication.log;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.CloseableIterator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Throughput of {@link BatchValidator#validateAndAssign} (what a leader append checks before writing) on producer
 * batches as the Java producer sends them by default: 16 KiB of records ({@code batch.size}), keys of 10 bytes, values
 * of JSON-like text that compresses about as log data does, one header. Reported per batch and, with {@code -prof
 * gc}, per byte allocated. Run with {@code deploy/bench/validate-bench.sh}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class BatchValidatorBench {
    private static final int BATCH_BYTES = 16 * 1024;

    /** Codec and record value size: {@code none-100}, {@code none-1024}, {@code lz4-100}, {@code lz4-1024}, .... */
    @Param({"none-100", "none-1024", "lz4-100", "lz4-1024", "zstd-1024"})
    public String shape;

    private final BufferSupplier buffers = BufferSupplier.create();
    private MemoryRecords records;
    private int maxMessageBytes;

    @Setup
    public void setUp() {
        String[] parts = shape.split("-");
        CompressionType codec = CompressionType.forName(parts[0]);
        int valueBytes = Integer.parseInt(parts[1]);
        Random random = new Random(42);
        MemoryRecordsBuilder builder = MemoryRecords.builder(
                ByteBuffer.allocate(4 * BATCH_BYTES),
                RecordBatch.MAGIC_VALUE_V2,
                Compression.of(codec).build(),
                TimestampType.CREATE_TIME,
                0L);
        long timestamp = 1_700_000_000_000L;
        int uncompressed = 0;
        for (int i = 0; uncompressed < BATCH_BYTES; i++) {
            byte[] key = String.format("user-%05d", random.nextInt(100_000)).getBytes(StandardCharsets.UTF_8);
            byte[] value = jsonLike(random, valueBytes);
            builder.append(timestamp + i, key, value, new org.apache.kafka.common.header.Header[] {
                new org.apache.kafka.common.header.internals.RecordHeader(
                        "trace", "abc123".getBytes(StandardCharsets.UTF_8))
            });
            uncompressed += key.length + value.length + 30;
        }
        records = builder.build();
        maxMessageBytes = LogConfig.DEFAULT_MAX_MESSAGE_BYTES;
    }

    @Benchmark
    public Object validateAndAssign() {
        return BatchValidator.validateAndAssign(records, 1_000L, 7, maxMessageBytes);
    }

    /**
     * The alternative to {@link RecordWalker}: the CRC, then kafka-clients' own record iteration as Kafka's
     * LogValidator does it (uncompressed: {@code DefaultRecord} objects with key and value slices; compressed: the
     * iterator that skips keys and values), checking offsets and collecting the max timestamp.
     */
    @Benchmark
    public long kafkaRecordIterator() {
        long maxTimestamp = RecordBatch.NO_TIMESTAMP;
        for (MutableRecordBatch batch : records.batches()) {
            batch.ensureValid();
            try (CloseableIterator<Record> it =
                    batch.isCompressed() ? batch.skipKeyValueIterator(buffers) : batch.streamingIterator(buffers)) {
                long expected = batch.baseOffset();
                while (it.hasNext()) {
                    Record record = it.next();
                    if (record.offset() != expected++) {
                        throw new IllegalStateException("offset " + record.offset());
                    }
                    maxTimestamp = Math.max(maxTimestamp, record.timestamp());
                }
            }
        }
        return maxTimestamp;
    }

    private static byte[] jsonLike(Random random, int size) {
        String[] words = {"event", "click", "view", "user", "session", "page", "checkout", "cart", "item", "price"};
        StringBuilder sb = new StringBuilder(size + 32);
        sb.append('{');
        while (sb.length() < size - 1) {
            sb.append('"')
                    .append(words[random.nextInt(words.length)])
                    .append("\":")
                    .append(random.nextInt(100_000))
                    .append(',');
        }
        sb.setLength(size - 1);
        sb.append('}');
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
