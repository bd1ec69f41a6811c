package io.sluice.broker.group.store;

import io.sluice.broker.group.CommittedOffset;
import io.sluice.broker.group.GroupStore;
import io.sluice.broker.group.LoadedPartition;
import io.sluice.broker.group.OffsetsLog;
import io.sluice.broker.group.OffsetsTopic;
import io.sluice.broker.group.StoredGroup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link GroupStore} over an {@link OffsetsLog}: each write is one uncompressed v2 record batch (CreateTime = the
 * injected clock, no producer id) appended with {@code acks=all} and {@code offsets.commit.timeout.ms}; a load replays
 * the partition and keeps the latest record per key, a tombstone (null value) removing the key.
 *
 * <h2>Record format</h2>
 *
 * Kafka's layout, so that Kafka tooling reads the topic. Every key and value starts with an int16 version. Strings
 * are an int16 byte length then UTF-8 bytes (length -1 = null, only where marked nullable); byte arrays are an int32
 * length then the bytes; arrays are an int32 count then the elements; all integers big-endian.
 *
 * <pre>
 * offset-commit key (written as v1; v0 is read, same layout)
 *   0  int16  version = 1
 *   2  string group id          (2 + g bytes)
 *   .  string topic             (2 + t bytes)
 *   .  int32  partition
 *
 * group key
 *   0  int16  version = 2
 *   2  string group id
 *
 * offset-commit value (v3 written; v1 when the commit has an explicit expiry; v0-v3 read)
 *   v3: int16 version=3 | int64 offset | int32 leader epoch (-1 = none) | string metadata | int64 commit timestamp
 *   v1: int16 version=1 | int64 offset | string metadata | int64 commit timestamp | int64 expire timestamp
 *   v0, v2: int16 version | int64 offset | string metadata | int64 commit timestamp
 *   (v1 has no leader epoch: it only stores commits of OffsetCommit v1, which carries none; it reads back as -1)
 *
 * group value (v3 written; v0-v3 read)
 *   int16  version = 3
 *   string protocol type        ("" for a group that only commits offsets)
 *   int32  generation
 *   string protocol name        nullable (null while the group is empty)
 *   string leader member id     nullable
 *   int64  current state timestamp   (v2+; -1 when absent)
 *   int32  member count, then per member:
 *     string member id
 *     string group instance id  nullable (v3+)
 *     string client id
 *     string client host
 *     int32  rebalance timeout ms      (v1+; v0 reads the session timeout)
 *     int32  session timeout ms
 *     bytes  subscription       (int32 length + bytes)
 *     bytes  assignment         (int32 length + bytes)
 *
 * tombstone: the key above with a null value
 * </pre>
 *
 * Other key versions (Kafka's transaction and new-protocol records, 3+) are not written by Sluice; a load that meets
 * one fails with an {@link IOException} naming the partition and offset rather than silently dropping state.
 *
 * <p>Offsets of a transaction (TxnOffsetCommit) are offset-commit records in a transactional batch of the producer
 * (its id and epoch, the next sequence number of that producer on the partition), as Kafka writes them. A load keeps
 * them aside per producer until the producer's control batch: COMMIT applies them at that point of the log, ABORT
 * drops them; those still without a marker at the end are returned as pending.
 *
 * <p>Thread-safety: stateless apart from its immutable collaborators; safe from any thread.
 */
public final class LogGroupStore implements GroupStore {
    private static final Logger log = LoggerFactory.getLogger(LogGroupStore.class);

    private final OffsetsLog offsetsLog;
    private final Clock clock;
    private final long commitTimeoutMs;
    private final String logPrefix;

    /**
     * @param commitTimeoutMs {@code offsets.commit.timeout.ms}: how long an append waits for the ISR
     * @param clock stamps the CreateTime of written batches
     */
    public LogGroupStore(int brokerId, OffsetsLog offsetsLog, Clock clock, long commitTimeoutMs) {
        this.offsetsLog = Objects.requireNonNull(offsetsLog, "offsetsLog");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (commitTimeoutMs <= 0) {
            throw new IllegalArgumentException("commitTimeoutMs must be positive, got " + commitTimeoutMs);
        }
        this.commitTimeoutMs = commitTimeoutMs;
        this.logPrefix = "[GroupStore broker=" + brokerId + "]";
    }

    @Override
    public int partitionCount() {
        return offsetsLog.partitionCount();
    }

    @Override
    public CompletableFuture<Errors> storeGroup(int partition, StoredGroup group) {
        return append(
                partition,
                List.of(new SimpleRecord(
                        clock.millis(),
                        GroupRecordCodec.groupKey(group.groupId()),
                        GroupRecordCodec.groupValue(group))));
    }

    @Override
    public CompletableFuture<Errors> storeOffsets(
            int partition, String groupId, Map<TopicPartition, CommittedOffset> offsets) {
        long now = clock.millis();
        List<SimpleRecord> records = new ArrayList<>(offsets.size());
        offsets.forEach((tp, offset) -> records.add(
                new SimpleRecord(now, GroupRecordCodec.offsetKey(groupId, tp), GroupRecordCodec.offsetValue(offset))));
        return append(partition, records);
    }

    @Override
    public CompletableFuture<Errors> storeTransactionalOffsets(
            int partition,
            String groupId,
            long producerId,
            short producerEpoch,
            Map<TopicPartition, CommittedOffset> offsets) {
        if (offsets.isEmpty()) {
            return CompletableFuture.completedFuture(Errors.NONE);
        }
        long now = clock.millis();
        SimpleRecord[] records = offsets.entrySet().stream()
                .map(e -> new SimpleRecord(
                        now,
                        GroupRecordCodec.offsetKey(groupId, e.getKey()),
                        GroupRecordCodec.offsetValue(e.getValue())))
                .toArray(SimpleRecord[]::new);
        // the sequence read and the append (which validates it) must not interleave with another of this producer
        synchronized (this) {
            int sequence = offsetsLog.nextSequence(partition, producerId, producerEpoch);
            MemoryRecords batch = MemoryRecords.withTransactionalRecords(
                    Compression.NONE, producerId, producerEpoch, sequence, records);
            try {
                return offsetsLog.append(partition, batch, commitTimeoutMs);
            } catch (RuntimeException e) {
                log.warn(
                        "{} transactional append to {}-{} failed: {}",
                        logPrefix,
                        OffsetsTopic.NAME,
                        partition,
                        e.toString());
                return CompletableFuture.completedFuture(Errors.forException(e));
            }
        }
    }

    @Override
    public CompletableFuture<Errors> delete(
            int partition, String groupId, Collection<TopicPartition> offsets, boolean group) {
        long now = clock.millis();
        List<SimpleRecord> records = new ArrayList<>(offsets.size() + 1);
        for (TopicPartition tp : offsets) {
            records.add(new SimpleRecord(now, GroupRecordCodec.offsetKey(groupId, tp), null));
        }
        if (group) {
            records.add(new SimpleRecord(now, GroupRecordCodec.groupKey(groupId), null));
        }
        return append(partition, records);
    }

    private CompletableFuture<Errors> append(int partition, List<SimpleRecord> records) {
        if (records.isEmpty()) {
            return CompletableFuture.completedFuture(Errors.NONE);
        }
        MemoryRecords batch = MemoryRecords.withRecords(
                RecordBatch.MAGIC_VALUE_V2,
                0L,
                Compression.NONE,
                TimestampType.CREATE_TIME,
                records.toArray(SimpleRecord[]::new));
        try {
            return offsetsLog.append(partition, batch, commitTimeoutMs);
        } catch (RuntimeException e) {
            log.warn("{} append to {}-{} failed: {}", logPrefix, OffsetsTopic.NAME, partition, e.toString());
            return CompletableFuture.completedFuture(Errors.forException(e));
        }
    }

    @Override
    public LoadedPartition load(int partition) throws IOException {
        Map<String, StoredGroup> groups = new HashMap<>();
        Map<String, Map<TopicPartition, CommittedOffset>> offsets = new HashMap<>();
        Map<Long, Map<String, Map<TopicPartition, CommittedOffset>>> pending = new HashMap<>();
        long[] records = new long[1];
        long end;
        try {
            end = offsetsLog.read(partition, batch -> {
                if (batch.isControlBatch()) {
                    completeTransaction(batch, pending, offsets);
                    return;
                }
                for (Record record : batch) {
                    if (batch.isTransactional()) {
                        applyTransactional(partition, batch.producerId(), record, pending);
                    } else {
                        apply(partition, record, groups, offsets);
                    }
                    records[0]++;
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        Map<String, Map<TopicPartition, CommittedOffset>> frozen = new HashMap<>();
        offsets.forEach((group, byPartition) -> frozen.put(group, Map.copyOf(byPartition)));
        log.info(
                "{} loaded {}-{} up to offset {}: {} records, {} groups, offsets of {} groups",
                logPrefix,
                OffsetsTopic.NAME,
                partition,
                end,
                records[0],
                groups.size(),
                frozen.size());
        Map<Long, Map<String, Map<TopicPartition, CommittedOffset>>> open = new HashMap<>();
        pending.forEach((producerId, byGroup) -> {
            Map<String, Map<TopicPartition, CommittedOffset>> copy = new HashMap<>();
            byGroup.forEach((group, byPartition) -> copy.put(group, Map.copyOf(byPartition)));
            open.put(producerId, Map.copyOf(copy));
        });
        if (!open.isEmpty()) {
            log.info(
                    "{} {}-{} holds offsets of {} transactions without a marker yet",
                    logPrefix,
                    OffsetsTopic.NAME,
                    partition,
                    open.size());
        }
        return new LoadedPartition(groups, frozen, open);
    }

    /** A control batch: its producer's pending transactional offsets are applied (COMMIT) or dropped (ABORT). */
    private static void completeTransaction(
            RecordBatch batch,
            Map<Long, Map<String, Map<TopicPartition, CommittedOffset>>> pending,
            Map<String, Map<TopicPartition, CommittedOffset>> offsets) {
        Map<String, Map<TopicPartition, CommittedOffset>> byGroup = pending.remove(batch.producerId());
        if (byGroup == null) {
            return;
        }
        java.util.Iterator<Record> it = batch.iterator();
        if (it.hasNext() && ControlRecordType.parse(it.next().key()) == ControlRecordType.COMMIT) {
            byGroup.forEach((group, byPartition) ->
                    offsets.computeIfAbsent(group, g -> new LinkedHashMap<>()).putAll(byPartition));
        }
    }

    private static void applyTransactional(
            int partition,
            long producerId,
            Record record,
            Map<Long, Map<String, Map<TopicPartition, CommittedOffset>>> pending) {
        if (!record.hasKey() || !record.hasValue()) {
            throw unreadable(partition, record.offset(), "transactional record without a key or a value");
        }
        try {
            GroupRecordCodec.Key key = GroupRecordCodec.readKey(record.key());
            if (!(key instanceof GroupRecordCodec.OffsetKey offsetKey)) {
                throw unreadable(partition, record.offset(), "transactional record that is not an offset commit");
            }
            pending.computeIfAbsent(producerId, id -> new HashMap<>())
                    .computeIfAbsent(offsetKey.groupId(), g -> new LinkedHashMap<>())
                    .put(offsetKey.topicPartition(), GroupRecordCodec.readOffsetValue(record.value()));
        } catch (GroupRecordCodec.MalformedRecordException e) {
            throw unreadable(partition, record.offset(), e.getMessage());
        }
    }

    private static void apply(
            int partition,
            Record record,
            Map<String, StoredGroup> groups,
            Map<String, Map<TopicPartition, CommittedOffset>> offsets) {
        if (!record.hasKey()) {
            throw unreadable(partition, record.offset(), "record without a key");
        }
        try {
            GroupRecordCodec.Key key = GroupRecordCodec.readKey(record.key());
            ByteBuffer value = record.hasValue() ? record.value() : null;
            if (key instanceof GroupRecordCodec.OffsetKey offsetKey) {
                if (value == null) {
                    Map<TopicPartition, CommittedOffset> byPartition = offsets.get(offsetKey.groupId());
                    if (byPartition != null) {
                        byPartition.remove(offsetKey.topicPartition());
                        if (byPartition.isEmpty()) {
                            offsets.remove(offsetKey.groupId());
                        }
                    }
                } else {
                    offsets.computeIfAbsent(offsetKey.groupId(), g -> new LinkedHashMap<>())
                            .put(offsetKey.topicPartition(), GroupRecordCodec.readOffsetValue(value));
                }
            } else if (key instanceof GroupRecordCodec.GroupKey groupKey) {
                if (value == null) {
                    groups.remove(groupKey.groupId());
                } else {
                    groups.put(groupKey.groupId(), GroupRecordCodec.readGroupValue(groupKey.groupId(), value));
                }
            }
        } catch (GroupRecordCodec.MalformedRecordException e) {
            throw unreadable(partition, record.offset(), e.getMessage());
        }
    }

    private static UncheckedIOException unreadable(int partition, long offset, String why) {
        return new UncheckedIOException(new IOException("cannot read the record at offset " + offset + " of "
                + OffsetsTopic.NAME + "-" + partition + ": " + why));
    }
}
