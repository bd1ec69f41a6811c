package io.sluice.replication.fetcher;

import io.sluice.replication.epoch.EpochEndOffset;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.SimpleRecord;

/**
 * A partition log held in memory for fetcher tests: whole record batches with their leader epochs, an epoch cache with
 * the semantics of {@code LeaderEpochCache.endOffsetFor}, a log start offset and a high watermark. Truncation works
 * on batch boundaries. Thread-safe: every method is synchronized.
 */
final class InMemoryLog {

    /** One stored batch. */
    record StoredBatch(long baseOffset, long lastOffset, int epoch, MemoryRecords records) {}

    private final List<StoredBatch> batches = new ArrayList<>();
    private final TreeMap<Integer, Long> epochStarts = new TreeMap<>();
    private long logStartOffset;
    private long logEndOffset;
    private long highWatermark;

    /** Appends {@code count} records as one batch written by the leader at {@code epoch}; the HW follows the LEO. */
    synchronized void appendAsLeader(int epoch, int count) {
        SimpleRecord[] records = new SimpleRecord[count];
        for (int i = 0; i < count; i++) {
            long offset = logEndOffset + i;
            records[i] = new SimpleRecord(
                    offset,
                    ("k" + offset).getBytes(StandardCharsets.UTF_8),
                    ("v" + offset).getBytes(StandardCharsets.UTF_8));
        }
        append(MemoryRecords.withRecords(logEndOffset, Compression.NONE, epoch, records));
        highWatermark = logEndOffset;
    }

    /** Appends batches as received (offsets and epochs kept); each must start at the log end offset. */
    synchronized long append(MemoryRecords records) {
        for (MutableRecordBatch batch : records.batches()) {
            batch.ensureValid();
            if (batch.baseOffset() != logEndOffset) {
                throw new IllegalStateException(
                        "Batch at " + batch.baseOffset() + " does not start at the log end offset " + logEndOffset);
            }
            ByteBuffer copy = ByteBuffer.allocate(batch.sizeInBytes());
            batch.writeTo(copy);
            copy.flip();
            int epoch = batch.partitionLeaderEpoch();
            if (epochStarts.isEmpty() || epoch > epochStarts.lastKey()) {
                epochStarts.put(epoch, batch.baseOffset());
            }
            batches.add(new StoredBatch(
                    batch.baseOffset(), batch.lastOffset(), epoch, MemoryRecords.readableRecords(copy)));
            logEndOffset = batch.lastOffset() + 1;
        }
        return logEndOffset;
    }

    /** Whole batches from the one holding {@code fetchOffset}, the first always, the rest while within maxBytes. */
    synchronized MemoryRecords read(long fetchOffset, int maxBytes) {
        List<StoredBatch> selected = new ArrayList<>();
        int size = 0;
        for (StoredBatch batch : batches) {
            if (batch.lastOffset() < fetchOffset) {
                continue;
            }
            int batchSize = batch.records().sizeInBytes();
            if (!selected.isEmpty() && size + batchSize > maxBytes) {
                break;
            }
            selected.add(batch);
            size += batchSize;
        }
        if (selected.isEmpty()) {
            return MemoryRecords.EMPTY;
        }
        ByteBuffer buffer = ByteBuffer.allocate(size);
        for (StoredBatch batch : selected) {
            buffer.put(batch.records().buffer().duplicate());
        }
        buffer.flip();
        return MemoryRecords.readableRecords(buffer);
    }

    synchronized void truncateTo(long offset) {
        if (offset >= logEndOffset) {
            return;
        }
        batches.removeIf(b -> b.lastOffset() >= offset);
        logEndOffset = batches.isEmpty()
                ? Math.max(logStartOffset, offset)
                : batches.get(batches.size() - 1).lastOffset() + 1;
        epochStarts.values().removeIf(start -> start >= offset);
        highWatermark = Math.min(highWatermark, logEndOffset);
    }

    synchronized void truncateFullyAndStartAt(long offset) {
        batches.clear();
        epochStarts.clear();
        logStartOffset = offset;
        logEndOffset = offset;
        highWatermark = offset;
    }

    /** As {@code LeaderEpochCache.endOffsetFor}. */
    synchronized EpochEndOffset endOffsetFor(int epoch) {
        if (epoch == EpochEndOffset.UNDEFINED_EPOCH) {
            return EpochEndOffset.UNDEFINED;
        }
        if (!epochStarts.isEmpty() && epochStarts.lastKey() == epoch) {
            return new EpochEndOffset(epoch, logEndOffset);
        }
        Map.Entry<Integer, Long> higher = epochStarts.higherEntry(epoch);
        if (higher == null) {
            return EpochEndOffset.UNDEFINED;
        }
        Map.Entry<Integer, Long> floor = epochStarts.floorEntry(epoch);
        return floor == null
                ? new EpochEndOffset(epoch, higher.getValue())
                : new EpochEndOffset(floor.getKey(), higher.getValue());
    }

    synchronized OptionalInt latestEpoch() {
        return epochStarts.isEmpty() ? OptionalInt.empty() : OptionalInt.of(epochStarts.lastKey());
    }

    synchronized long logStartOffset() {
        return logStartOffset;
    }

    synchronized long logEndOffset() {
        return logEndOffset;
    }

    synchronized long highWatermark() {
        return highWatermark;
    }

    synchronized void setHighWatermark(long highWatermark) {
        this.highWatermark = highWatermark;
    }

    /** The (base offset, last offset, epoch) of every batch, for comparing logs. */
    synchronized List<List<Long>> layout() {
        List<List<Long>> layout = new ArrayList<>();
        for (StoredBatch b : batches) {
            layout.add(List.of(b.baseOffset(), b.lastOffset(), (long) b.epoch()));
        }
        return layout;
    }

    synchronized Map<Integer, Long> epochs() {
        return new TreeMap<>(epochStarts);
    }
}
