package io.sluice.replication.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.replication.log.MalformedBatches.Shape;
import java.io.File;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Leader appends of batches that are malformed inside their records, each with a CRC that matches: every one is
 * refused with Kafka's exception, the log end stays where it was, the request's bytes are untouched, and the log
 * takes the next valid batch at the next offset.
 */
@Timeout(120)
class RecordValidationTest {
    private static final TopicPartition TP = new TopicPartition("walked", 0);

    @TempDir
    Path tmp;

    @RegisterExtension
    final LogFixture logs = new LogFixture(1, MalformedBatches.BASE_TIMESTAMP);

    private UnifiedLog open(LogConfig config) {
        File dir = tmp.resolve("walked-0").toFile();
        UnifiedLog log = logs.open(dir, TP, config, 0, true);
        return log;
    }

    static Stream<Arguments> shapesAndCodecs() {
        List<Arguments> all = new ArrayList<>();
        for (Shape shape : Shape.values()) {
            for (CompressionType codec : CompressionType.values()) {
                all.add(Arguments.of(shape, codec));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("shapesAndCodecs")
    void malformedRecordsAreRefusedAndNothingIsAppended(Shape shape, CompressionType codec) {
        UnifiedLog log = open(LogConfig.defaults());
        log.appendAsLeader(MalformedBatches.valid(codec, "a", "b"), 3);
        MemoryRecords bad = MalformedBatches.of(shape, codec);
        bad.firstBatch().ensureValid();
        byte[] before = bytes(bad);

        Class<? extends RuntimeException> expected = codec != CompressionType.NONE && shape.corruptWhenCompressed()
                ? CorruptRecordException.class
                : InvalidRecordException.class;
        assertThatThrownBy(() -> log.appendAsLeader(bad, 3)).isInstanceOf(expected);

        assertThat(log.logEndOffset()).as("log end").isEqualTo(2);
        assertThat(bytes(bad)).as("the refused request's bytes").isEqualTo(before);
        assertThat(log.appendAsLeader(MalformedBatches.valid(codec, "c"), 3).firstOffset())
                .isEqualTo(2);
        assertThat(values(log)).containsExactly("a", "b", "c");
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void wellFormedBatchesOfEveryCodecAndShapeOfRecordPass(CompressionType codec) {
        UnifiedLog log = open(LogConfig.defaults());
        Compression compression = Compression.of(codec).build();
        byte[] big = new byte[200_000];
        MemoryRecords mixed = MemoryRecords.withRecords(
                compression,
                new SimpleRecord(1L, (byte[]) null, (byte[]) null),
                new SimpleRecord(2L, new byte[0], new byte[0]),
                new SimpleRecord(
                        3L, "k".getBytes(StandardCharsets.UTF_8), big, new Header[] {new RecordHeader("h", null)}),
                new SimpleRecord(
                        -1L, "k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8), new Header[] {
                            new RecordHeader("", new byte[0]), new RecordHeader("x", new byte[300])
                        }));
        MemoryRecords handEncoded = MalformedBatches.valid(codec, "a".repeat(5_000), "", "c");

        assertThat(log.appendAsLeader(mixed, 1).lastOffset()).isEqualTo(3);
        assertThat(log.appendAsLeader(handEncoded, 1).lastOffset()).isEqualTo(6);
        assertThat(log.appendAsLeader(Batches.batch(compression, 10L, 500, "many"), 1)
                        .lastOffset())
                .isEqualTo(506);
    }

    @Test
    void aBatchMaxTimestampThatIsNotItsLargestRecordTimestampIsCorrectedAsKafkaDoes() {
        UnifiedLog log = open(LogConfig.defaults());
        ByteBuffer lying =
                MalformedBatches.valid(CompressionType.LZ4, "a", "b", "c").buffer();
        lying.putLong(35, 42L); // max timestamp
        MemoryRecords records = MalformedBatches.withCrcRecomputed(lying);

        LogAppendInfo info = log.appendAsLeader(records, 1);

        RecordBatch stored = records.firstBatch();
        stored.ensureValid();
        assertThat(stored.maxTimestamp()).isEqualTo(MalformedBatches.BASE_TIMESTAMP + 2);
        assertThat(info.maxTimestamp()).isEqualTo(MalformedBatches.BASE_TIMESTAMP + 2);
    }

    @Test
    void aProducerMayNotSetLogAppendTime() {
        UnifiedLog log = open(LogConfig.defaults());
        ByteBuffer batch = MalformedBatches.valid(CompressionType.NONE, "a").buffer();
        batch.putShort(21, (short) (batch.getShort(21) | 0x08));

        assertThatThrownBy(() -> log.appendAsLeader(MalformedBatches.withCrcRecomputed(batch), 1))
                .isInstanceOf(InvalidTimestampException.class);
        assertThat(log.logEndOffset()).isZero();
    }

    @Test
    void aNegativeBaseSequenceWithAProducerIdIsInvalid() {
        UnifiedLog log = open(LogConfig.defaults());
        ByteBuffer batch = MalformedBatches.valid(CompressionType.NONE, "a").buffer();
        batch.putLong(43, 7L); // producer id; base sequence stays -1

        assertThatThrownBy(() -> log.appendAsLeader(MalformedBatches.withCrcRecomputed(batch), 1))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("Invalid sequence number");
    }

    @Test
    void anUnknownCompressionCodecIsCorrupt() {
        UnifiedLog log = open(LogConfig.defaults());
        ByteBuffer batch = MalformedBatches.valid(CompressionType.NONE, "a").buffer();
        batch.putShort(21, (short) 5);

        assertThatThrownBy(() -> log.appendAsLeader(MalformedBatches.withCrcRecomputed(batch), 1))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("compression codec id 5");
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void aCompactedLogRefusesAKeylessRecordInAnyCodec(CompressionType codec) {
        UnifiedLog log = open(LogConfig.defaults().withCleanupPolicy(true, false));
        MemoryRecords keyless = MemoryRecords.withRecords(
                Compression.of(codec).build(),
                new SimpleRecord(1L, "k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8)),
                new SimpleRecord(2L, null, "v".getBytes(StandardCharsets.UTF_8)));

        assertThatThrownBy(() -> log.appendAsLeader(keyless, 1))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("Compacted topic cannot accept message without key");
        assertThat(log.logEndOffset()).isZero();
    }

    @ParameterizedTest
    @ValueSource(ints = {0x7fffffff, 0x7ffffff5, 0x7ffff000, Integer.MIN_VALUE, -1, 3})
    void aBatchLengthThatOverflowsOrUnderflowsIsCorrupt(int length) {
        UnifiedLog log = open(LogConfig.defaults());
        MemoryRecords records = MalformedBatches.withBatchLength(length);

        assertThatThrownBy(() -> log.appendAsLeader(records, 1)).isInstanceOf(CorruptRecordException.class);
        assertThatThrownBy(() -> log.appendAsFollower(records)).isInstanceOf(CorruptRecordException.class);
        assertThat(log.logEndOffset()).isZero();
    }

    private static byte[] bytes(MemoryRecords records) {
        ByteBuffer buffer = records.buffer();
        byte[] out = new byte[buffer.remaining()];
        buffer.get(out);
        return out;
    }

    private static List<String> values(UnifiedLog log) {
        List<String> values = new ArrayList<>();
        for (Batches.Read read : Batches.readAll(log, 0, log.logEndOffset(), 1 << 20)) {
            values.add(read.value());
        }
        return values;
    }
}
