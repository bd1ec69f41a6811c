package io.sluice.broker.api.handlers;

import static io.sluice.broker.api.handlers.ProduceHandlerTest.TP;
import static io.sluice.broker.api.handlers.ProduceHandlerTest.partition;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.api.handlers.ProduceHandlerTest.LocalLeader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Produce v0-v2 from old producers: messages of magic 0 and 1 stored as batches of magic 2. */
@Timeout(30)
class LegacyProduceTest extends LocalLeaderTest {

    @ParameterizedTest
    @EnumSource(
            value = CompressionType.class,
            names = {"NONE", "GZIP", "SNAPPY", "LZ4"})
    void magicOneMessagesAreStoredAsOneBatchOfMagicTwoWithTheProducersCodec(CompressionType codec) throws Exception {
        leader = new LocalLeader(dir, LocalLeader.CONFIG, List.of(ProduceHandlerTest.BROKER));
        MemoryRecords legacy = legacy(RecordBatch.MAGIC_VALUE_V1, codec, 5_000L, "a", "b", "c");

        PartitionProduceResponse p = partition(leader.produce((short) 2, (short) 1, TP, legacy));

        assertThat(p.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(p.baseOffset()).isZero();
        List<RecordBatch> batches = storedBatches();
        assertThat(batches).singleElement().satisfies(b -> {
            assertThat(b.magic()).isEqualTo(RecordBatch.MAGIC_VALUE_V2);
            assertThat(b.compressionType()).isEqualTo(codec);
            assertThat(b.baseOffset()).isZero();
            assertThat(b.lastOffset()).isEqualTo(2L);
            assertThat(b.timestampType()).isEqualTo(TimestampType.CREATE_TIME);
        });
        List<Record> stored = records(batches);
        assertThat(stored).extracting(r -> text(r.value())).containsExactly("a", "b", "c");
        assertThat(stored).extracting(r -> text(r.key())).containsExactly("k-0", "k-1", "k-2");
        assertThat(stored).extracting(Record::timestamp).containsExactly(5_000L, 5_001L, 5_002L);
        assertThat(stored).extracting(Record::offset).containsExactly(0L, 1L, 2L);
    }

    @Test
    void magicZeroMessagesAtProduceV0HaveNoTimestampAndFollowTheLogEnd() throws Exception {
        leader = new LocalLeader(dir, LocalLeader.CONFIG, List.of(ProduceHandlerTest.BROKER));
        leader.produce((short) 11, (short) 1, TP, ProduceHandlerTest.batch(100L, "modern"));

        PartitionProduceResponse p = partition(leader.produce(
                (short) 0, (short) 1, TP, legacy(RecordBatch.MAGIC_VALUE_V0, CompressionType.GZIP, 0L, "x", "y")));

        assertThat(p.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(p.baseOffset()).isEqualTo(1L);
        List<Record> stored = records(storedBatches());
        assertThat(stored).extracting(r -> text(r.value())).containsExactly("modern", "x", "y");
        assertThat(stored.subList(1, 3)).extracting(Record::timestamp).containsOnly(RecordBatch.NO_TIMESTAMP);
    }

    @Test
    void aMessageWithABadCrcIsCorruptAndNothingIsStored() throws Exception {
        leader = new LocalLeader(dir, LocalLeader.CONFIG, List.of(ProduceHandlerTest.BROKER));
        MemoryRecords legacy = legacy(RecordBatch.MAGIC_VALUE_V1, CompressionType.NONE, 1L, "a", "b");
        ByteBuffer bytes = legacy.buffer();
        int last = bytes.limit() - 1;
        bytes.put(last, (byte) (bytes.get(last) ^ 0x5a)); // the last value byte of the second message

        PartitionProduceResponse p =
                partition(leader.produce((short) 2, (short) 1, TP, MemoryRecords.readableRecords(bytes)));

        assertThat(p.errorCode()).isEqualTo(Errors.CORRUPT_MESSAGE.code());
        assertThat(leader.logEndOffset()).isZero();
    }

    @Test
    void aCompressedMessageWhosePayloadIsNotMessagesIsCorrupt() throws Exception {
        leader = new LocalLeader(dir, LocalLeader.CONFIG, List.of(ProduceHandlerTest.BROKER));
        // a gzip wrapper around bytes that are no gzip stream, with a correct CRC over them
        MemoryRecords wrapper = MemoryRecords.withRecords(
                RecordBatch.MAGIC_VALUE_V1,
                0L,
                Compression.NONE,
                TimestampType.CREATE_TIME,
                new SimpleRecord(1L, null, "not gzip at all".getBytes(StandardCharsets.UTF_8)));
        ByteBuffer bytes = wrapper.buffer();
        int attributes = 12 + 4 + 1; // offset, size, crc, magic
        bytes.put(attributes, CompressionType.GZIP.id);
        org.apache.kafka.common.record.LegacyRecord message = new org.apache.kafka.common.record.LegacyRecord(
                bytes.duplicate().position(12).slice());
        bytes.putInt(12, (int) message.computeChecksum());

        PartitionProduceResponse p =
                partition(leader.produce((short) 2, (short) 1, TP, MemoryRecords.readableRecords(bytes)));

        assertThat(p.errorCode()).isEqualTo(Errors.CORRUPT_MESSAGE.code());
        assertThat(leader.logEndOffset()).isZero();
    }

    @Test
    void oldFormatMessagesAtProduceV3AreStillRefused() throws Exception {
        leader = new LocalLeader(dir, LocalLeader.CONFIG, List.of(ProduceHandlerTest.BROKER));

        PartitionProduceResponse p = partition(leader.produce(
                (short) 3, (short) 1, TP, legacy(RecordBatch.MAGIC_VALUE_V1, CompressionType.NONE, 1L, "a")));

        assertThat(p.errorCode()).isEqualTo(Errors.INVALID_RECORD.code());
        assertThat(leader.logEndOffset()).isZero();
    }

    @Test
    void aDecompressionBombIsMessageTooLargeWithoutFillingTheHeap() throws Exception {
        leader = new LocalLeader(dir, LocalLeader.CONFIG, List.of(ProduceHandlerTest.BROKER));
        byte[] zeros = new byte[8 << 20];
        SimpleRecord[] many = new SimpleRecord[9];
        for (int i = 0; i < many.length; i++) {
            many[i] = new SimpleRecord(1L, null, zeros);
        }
        MemoryRecords bomb = MemoryRecords.withRecords(
                RecordBatch.MAGIC_VALUE_V1, 0L, Compression.gzip().build(), TimestampType.CREATE_TIME, many);
        assertThat(bomb.sizeInBytes()).isLessThan(1 << 20);

        PartitionProduceResponse p = partition(leader.produce((short) 2, (short) 1, TP, bomb));

        assertThat(p.errorCode()).isEqualTo(Errors.MESSAGE_TOO_LARGE.code());
        assertThat(leader.logEndOffset()).isZero();
    }

    private static MemoryRecords legacy(byte magic, CompressionType codec, long timestamp, String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(
                    timestamp + i,
                    ("k-" + i).getBytes(StandardCharsets.UTF_8),
                    values[i].getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(magic, 0L, Compression.of(codec).build(), TimestampType.CREATE_TIME, records);
    }

    private List<RecordBatch> storedBatches() throws IOException {
        List<RecordBatch> batches = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir.resolve(TP.topic() + "-" + TP.partition()))) {
            for (Path segment :
                    files.filter(f -> f.toString().endsWith(".log")).sorted().toList()) {
                MemoryRecords.readableRecords(ByteBuffer.wrap(Files.readAllBytes(segment)))
                        .batches()
                        .forEach(batches::add);
            }
        }
        return batches;
    }

    private static List<Record> records(List<RecordBatch> batches) {
        List<Record> records = new ArrayList<>();
        for (RecordBatch b : batches) {
            b.forEach(records::add);
        }
        return records;
    }

    private static String text(ByteBuffer bytes) {
        return StandardCharsets.UTF_8.decode(bytes.duplicate()).toString();
    }
}
