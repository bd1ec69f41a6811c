package io.sluice.broker.group.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.broker.group.CommittedOffset;
import io.sluice.broker.group.LoadedPartition;
import io.sluice.broker.group.StoredGroup;
import io.sluice.broker.group.StoredMember;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class LogGroupStoreTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final long COMMIT_TIMEOUT_MS = 5_000L;
    private static final int PARTITION = 3;
    private static final TopicPartition ORDERS_0 = new TopicPartition("orders", 0);
    private static final TopicPartition ORDERS_1 = new TopicPartition("orders", 1);
    private static final TopicPartition AUDIT_0 = new TopicPartition("audit", 0);

    private final InMemoryOffsetsLog offsetsLog = new InMemoryOffsetsLog(10);
    private final LogGroupStore store =
            new LogGroupStore(1, offsetsLog, Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC), COMMIT_TIMEOUT_MS);

    static StoredGroup group(String id, int generation) {
        return new StoredGroup(
                id,
                "consumer",
                generation,
                Optional.of("range"),
                Optional.of("member-a"),
                NOW - 10,
                List.of(
                        new StoredMember(
                                "member-a",
                                Optional.empty(),
                                "client-a",
                                "/10.0.0.1",
                                60_000,
                                45_000,
                                new byte[] {1, 2, 3},
                                new byte[] {4, 5}),
                        new StoredMember(
                                "member-b",
                                Optional.of("instance-b"),
                                "client-b",
                                "/10.0.0.2",
                                30_000,
                                10_000,
                                new byte[0],
                                new byte[] {9})));
    }

    static CommittedOffset offset(long offset, int leaderEpoch) {
        return new CommittedOffset(offset, leaderEpoch, "meta-" + offset, NOW, -1L);
    }

    private static Errors await(java.util.concurrent.CompletableFuture<Errors> f) throws Exception {
        return f.get(5, TimeUnit.SECONDS);
    }

    @Test
    void groupsAndOffsetsReadBackAfterReplay() throws Exception {
        StoredGroup empty = new StoredGroup("idle", "", 0, Optional.empty(), Optional.empty(), NOW - 5, List.of());
        assertThat(await(store.storeGroup(PARTITION, group("g1", 7)))).isEqualTo(Errors.NONE);
        assertThat(await(store.storeGroup(PARTITION, empty))).isEqualTo(Errors.NONE);
        Map<TopicPartition, CommittedOffset> committed = new LinkedHashMap<>();
        committed.put(ORDERS_0, offset(42, 5));
        committed.put(ORDERS_1, offset(7, -1));
        assertThat(await(store.storeOffsets(PARTITION, "g1", committed))).isEqualTo(Errors.NONE);

        LoadedPartition loaded = store.load(PARTITION);

        assertThat(loaded.groups()).containsOnlyKeys("g1", "idle");
        assertThat(loaded.groups().get("g1")).usingRecursiveComparison().isEqualTo(group("g1", 7));
        assertThat(loaded.groups().get("idle")).usingRecursiveComparison().isEqualTo(empty);
        assertThat(loaded.offsets()).isEqualTo(Map.of("g1", committed));
        assertThat(store.load(PARTITION + 1).groups()).isEmpty();
        assertThat(store.partitionCount()).isEqualTo(10);
    }

    @Test
    void theLatestRecordPerKeyWinsAndTombstonesRemoveKeys() throws Exception {
        await(store.storeGroup(PARTITION, group("g1", 1)));
        await(store.storeGroup(PARTITION, group("g1", 2)));
        await(store.storeGroup(PARTITION, group("g2", 1)));
        await(store.storeOffsets(PARTITION, "g1", Map.of(ORDERS_0, offset(1, 0), ORDERS_1, offset(2, 0))));
        await(store.storeOffsets(PARTITION, "g1", Map.of(ORDERS_0, offset(10, 1))));
        await(store.storeOffsets(PARTITION, "g2", Map.of(AUDIT_0, offset(3, 0))));
        await(store.storeOffsets(PARTITION, "g3", Map.of(AUDIT_0, offset(4, 0))));

        assertThat(await(store.delete(PARTITION, "g1", List.of(ORDERS_1), false)))
                .isEqualTo(Errors.NONE);
        assertThat(await(store.delete(PARTITION, "g2", List.of(AUDIT_0), true))).isEqualTo(Errors.NONE);
        // tombstones for keys that were never written are harmless
        await(store.delete(PARTITION, "never", List.of(ORDERS_0), true));

        LoadedPartition loaded = store.load(PARTITION);
        assertThat(loaded.groups()).containsOnlyKeys("g1");
        assertThat(loaded.groups().get("g1").generationId()).isEqualTo(2);
        assertThat(loaded.offsets())
                .isEqualTo(Map.of("g1", Map.of(ORDERS_0, offset(10, 1)), "g3", Map.of(AUDIT_0, offset(4, 0))));

        // written again after its tombstone, a key is back
        await(store.storeOffsets(PARTITION, "g2", Map.of(AUDIT_0, offset(5, 2))));
        assertThat(store.load(PARTITION).offsets().get("g2")).isEqualTo(Map.of(AUDIT_0, offset(5, 2)));
    }

    @Test
    void eachWriteIsOneUncompressedV2BatchStampedWithTheClock() throws Exception {
        await(store.storeOffsets(PARTITION, "g1", Map.of(ORDERS_0, offset(1, 0), ORDERS_1, offset(2, 0))));
        await(store.delete(PARTITION, "g1", List.of(ORDERS_0, ORDERS_1), true));

        List<MemoryRecords> written = offsetsLog.batches(PARTITION);
        assertThat(written).hasSize(2);
        List<RecordBatch> batches = List.of(
                written.get(0).batches().iterator().next(),
                written.get(1).batches().iterator().next());
        assertThat(written.get(0).batches()).hasSize(1);
        assertThat(batches.get(0).countOrNull()).isEqualTo(2);
        assertThat(batches.get(1).countOrNull()).isEqualTo(3);
        for (RecordBatch batch : batches) {
            assertThat(batch.magic()).isEqualTo(RecordBatch.MAGIC_VALUE_V2);
            assertThat(batch.compressionType()).isEqualTo(CompressionType.NONE);
            assertThat(batch.timestampType()).isEqualTo(TimestampType.CREATE_TIME);
            assertThat(batch.maxTimestamp()).isEqualTo(NOW);
            assertThat(batch.producerId()).isEqualTo(RecordBatch.NO_PRODUCER_ID);
            batch.forEach(r -> assertThat(r.hasKey()).isTrue());
        }
        batches.get(1).forEach(r -> assertThat(r.hasValue()).isFalse());
        assertThat(offsetsLog.timeouts()).containsExactly(COMMIT_TIMEOUT_MS, COMMIT_TIMEOUT_MS);
        // nothing to write: no append at all
        assertThat(await(store.storeOffsets(PARTITION, "g1", Map.of()))).isEqualTo(Errors.NONE);
        assertThat(offsetsLog.timeouts()).hasSize(2);
    }

    @Test
    void keysAndValuesHaveKafkasLayout() {
        HexFormat hex = HexFormat.of();
        // offset-commit key v1: version, "g", "t", partition 2
        assertThat(hex.formatHex(GroupRecordCodec.offsetKey("g", new TopicPartition("t", 2))))
                .isEqualTo("0001" + "000167" + "000174" + "00000002");
        // group key v2: version, "g"
        assertThat(hex.formatHex(GroupRecordCodec.groupKey("g"))).isEqualTo("0002" + "000167");
        // offset value v3: version, offset 16, leader epoch 4, metadata "m", commit timestamp 255
        assertThat(hex.formatHex(GroupRecordCodec.offsetValue(new CommittedOffset(16, 4, "m", 255, -1))))
                .isEqualTo("0003" + "0000000000000010" + "00000004" + "00016d" + "00000000000000ff");
        // offset value v1 when an expiry is given: version, offset, metadata "", commit 1, expire 2
        assertThat(hex.formatHex(GroupRecordCodec.offsetValue(new CommittedOffset(16, -1, "", 1, 2))))
                .isEqualTo("0001" + "0000000000000010" + "0000" + "0000000000000001" + "0000000000000002");
        // group value v3 without members: version, "consumer", generation 1, null protocol, null leader, ts 3, 0
        StoredGroup empty = new StoredGroup("g", "consumer", 1, Optional.empty(), Optional.empty(), 3, List.of());
        assertThat(hex.formatHex(GroupRecordCodec.groupValue(empty)))
                .isEqualTo("0003" + "0008" + hex.formatHex("consumer".getBytes(StandardCharsets.US_ASCII)) + "00000001"
                        + "ffff" + "ffff" + "0000000000000003" + "00000000");
    }

    @Test
    void anExpiryTimestampIsKeptAndTheLeaderEpochReadsBackAsNone() throws Exception {
        CommittedOffset withExpiry = new CommittedOffset(9, -1, "x", NOW, NOW + 60_000);
        await(store.storeOffsets(PARTITION, "g1", Map.of(ORDERS_0, withExpiry)));
        assertThat(store.load(PARTITION).offsets().get("g1")).isEqualTo(Map.of(ORDERS_0, withExpiry));
    }

    @Test
    void olderKafkaValueVersionsAreRead() throws Exception {
        // group value v0: no rebalance timeout (reads as the session timeout), no state timestamp, no instance id
        ByteBuffer groupV0 = ByteBuffer.allocate(256);
        groupV0.putShort((short) 0);
        putString(groupV0, "consumer");
        groupV0.putInt(4);
        putString(groupV0, "range");
        putString(groupV0, "m1");
        groupV0.putInt(1);
        putString(groupV0, "m1");
        putString(groupV0, "client");
        putString(groupV0, "/host");
        groupV0.putInt(25_000);
        groupV0.putInt(2).put(new byte[] {7, 8});
        groupV0.putInt(1).put(new byte[] {6});
        groupV0.flip();
        // offset value v0: offset, metadata, commit timestamp
        ByteBuffer offsetV0 = ByteBuffer.allocate(64);
        offsetV0.putShort((short) 0).putLong(33);
        putString(offsetV0, "md");
        offsetV0.putLong(NOW - 1).flip();
        // offset-commit key v0 has the v1 layout
        ByteBuffer keyV0 = ByteBuffer.wrap(GroupRecordCodec.offsetKey("old", ORDERS_1));
        keyV0.putShort(0, (short) 0);
        offsetsLog.appendRaw(
                PARTITION,
                MemoryRecords.withRecords(
                        Compression.NONE,
                        new SimpleRecord(NOW, GroupRecordCodec.groupKey("old"), bytes(groupV0)),
                        new SimpleRecord(NOW, bytes(keyV0), bytes(offsetV0))));

        LoadedPartition loaded = store.load(PARTITION);

        StoredGroup old = loaded.groups().get("old");
        assertThat(old.generationId()).isEqualTo(4);
        assertThat(old.protocolName()).contains("range");
        assertThat(old.currentStateTimestampMs()).isEqualTo(-1L);
        StoredMember member = old.members().get(0);
        assertThat(member.rebalanceTimeoutMs()).isEqualTo(25_000);
        assertThat(member.sessionTimeoutMs()).isEqualTo(25_000);
        assertThat(member.groupInstanceId()).isEmpty();
        assertThat(member.subscription()).containsExactly(7, 8);
        assertThat(member.assignment()).containsExactly(6);
        assertThat(loaded.offsets().get("old"))
                .isEqualTo(Map.of(ORDERS_1, new CommittedOffset(33, -1, "md", NOW - 1, -1)));
    }

    @Test
    void anUnknownKeyVersionFailsTheLoadNamingPartitionAndOffset() throws Exception {
        await(store.storeGroup(PARTITION, group("g1", 1)));
        ByteBuffer key =
                ByteBuffer.allocate(5).putShort((short) 5).putShort((short) 1).put((byte) 'x');
        key.flip();
        offsetsLog.appendRaw(
                PARTITION,
                MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(NOW, bytes(key), new byte[] {1})));

        assertThatThrownBy(() -> store.load(PARTITION))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("offset 1 of __consumer_offsets-3")
                .hasMessageContaining("unknown key version 5");
    }

    @Test
    void aTruncatedOrUnknownValueFailsTheLoad() throws Exception {
        byte[] value = GroupRecordCodec.groupValue(group("g1", 1));
        byte[] truncated = java.util.Arrays.copyOf(value, value.length - 3);
        offsetsLog.appendRaw(
                PARTITION,
                MemoryRecords.withRecords(
                        Compression.NONE, new SimpleRecord(NOW, GroupRecordCodec.groupKey("g1"), truncated)));
        assertThatThrownBy(() -> store.load(PARTITION))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("offset 0 of __consumer_offsets-3");

        byte[] futureOffset = GroupRecordCodec.offsetValue(offset(1, 1));
        futureOffset[1] = 9;
        offsetsLog.appendRaw(
                PARTITION + 1,
                MemoryRecords.withRecords(
                        Compression.NONE,
                        new SimpleRecord(NOW, GroupRecordCodec.offsetKey("g1", ORDERS_0), futureOffset)));
        assertThatThrownBy(() -> store.load(PARTITION + 1))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("unknown offset value version 9");
    }

    @Test
    void controlBatchesAreSkipped() throws Exception {
        await(store.storeOffsets(PARTITION, "g1", Map.of(ORDERS_0, offset(1, 0))));
        offsetsLog.appendRaw(
                PARTITION,
                MemoryRecords.withEndTransactionMarker(
                        1L, NOW, 0, 77L, (short) 0, new EndTransactionMarker(ControlRecordType.COMMIT, 0)));
        assertThat(store.load(PARTITION).offsets()).isEqualTo(Map.of("g1", Map.of(ORDERS_0, offset(1, 0))));
    }

    @Test
    void transactionalOffsetsCountAtACommitMarkerAreDroppedAtAnAbortAndStayPendingWithoutOne() throws Exception {
        await(store.storeOffsets(PARTITION, "g1", Map.of(ORDERS_0, offset(1, 0), ORDERS_1, offset(1, 0))));
        await(store.storeTransactionalOffsets(PARTITION, "g1", 500L, (short) 2, Map.of(ORDERS_0, offset(10, 0))));
        await(store.storeTransactionalOffsets(PARTITION, "g1", 600L, (short) 0, Map.of(ORDERS_1, offset(20, 0))));
        await(store.storeTransactionalOffsets(PARTITION, "g2", 700L, (short) 1, Map.of(AUDIT_0, offset(30, 0))));

        LoadedPartition beforeMarkers = store.load(PARTITION);
        assertThat(beforeMarkers.offsets())
                .isEqualTo(Map.of("g1", Map.of(ORDERS_0, offset(1, 0), ORDERS_1, offset(1, 0))));
        assertThat(beforeMarkers.pendingTransactionalOffsets())
                .isEqualTo(Map.of(
                        500L, Map.of("g1", Map.of(ORDERS_0, offset(10, 0))),
                        600L, Map.of("g1", Map.of(ORDERS_1, offset(20, 0))),
                        700L, Map.of("g2", Map.of(AUDIT_0, offset(30, 0)))));

        offsetsLog.appendRaw(
                PARTITION,
                MemoryRecords.withEndTransactionMarker(
                        1L, NOW, 0, 500L, (short) 2, new EndTransactionMarker(ControlRecordType.COMMIT, 0)));
        offsetsLog.appendRaw(
                PARTITION,
                MemoryRecords.withEndTransactionMarker(
                        1L, NOW, 0, 600L, (short) 0, new EndTransactionMarker(ControlRecordType.ABORT, 0)));
        LoadedPartition afterMarkers = store.load(PARTITION);
        assertThat(afterMarkers.offsets())
                .isEqualTo(Map.of("g1", Map.of(ORDERS_0, offset(10, 0), ORDERS_1, offset(1, 0))));
        assertThat(afterMarkers.pendingTransactionalOffsets())
                .isEqualTo(Map.of(700L, Map.of("g2", Map.of(AUDIT_0, offset(30, 0)))));

        RecordBatch written =
                offsetsLog.batches(PARTITION).get(1).batches().iterator().next();
        assertThat(written.isTransactional()).isTrue();
        assertThat(written.producerId()).isEqualTo(500L);
        assertThat(written.producerEpoch()).isEqualTo((short) 2);
        assertThat(written.baseSequence()).isZero();
    }

    @Test
    void anAppendErrorReachesTheCaller() throws Exception {
        offsetsLog.failAppendsWith(Errors.NOT_ENOUGH_REPLICAS);
        assertThat(await(store.storeGroup(PARTITION, group("g1", 1)))).isEqualTo(Errors.NOT_ENOUGH_REPLICAS);
        assertThat(await(store.storeOffsets(PARTITION, "g1", Map.of(ORDERS_0, offset(1, 0)))))
                .isEqualTo(Errors.NOT_ENOUGH_REPLICAS);
        assertThat(store.load(PARTITION).groups()).isEmpty();
    }

    private static void putString(ByteBuffer buffer, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        buffer.putShort((short) bytes.length).put(bytes);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }
}
