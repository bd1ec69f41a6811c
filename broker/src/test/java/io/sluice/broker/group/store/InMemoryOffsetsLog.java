package io.sluice.broker.group.store;

import io.sluice.broker.group.OffsetsLog;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.RecordBatch;

/**
 * An {@link OffsetsLog} in memory: appended batches get consecutive offsets per partition; an append error can be
 * set for the next appends. Records every append's timeout.
 *
 * <p>Thread-safety: all methods synchronized.
 */
final class InMemoryOffsetsLog implements OffsetsLog {
    private final int partitions;
    private final Map<Integer, List<MemoryRecords>> logs = new HashMap<>();
    private final Map<Integer, Long> nextOffsets = new HashMap<>();
    private final List<Long> timeouts = new ArrayList<>();
    private Errors appendError = Errors.NONE;

    InMemoryOffsetsLog(int partitions) {
        this.partitions = partitions;
    }

    synchronized void failAppendsWith(Errors error) {
        appendError = error;
    }

    synchronized List<Long> timeouts() {
        return List.copyOf(timeouts);
    }

    synchronized List<MemoryRecords> batches(int partition) {
        return List.copyOf(logs.getOrDefault(partition, List.of()));
    }

    /** Appends raw bytes as they are (for records the store would never write). */
    synchronized void appendRaw(int partition, MemoryRecords records) {
        append(partition, records, 1L);
    }

    @Override
    public int partitionCount() {
        return partitions;
    }

    @Override
    public synchronized CompletableFuture<Errors> append(int partition, MemoryRecords records, long timeoutMs) {
        timeouts.add(timeoutMs);
        if (appendError != Errors.NONE) {
            return CompletableFuture.completedFuture(appendError);
        }
        List<MemoryRecords> log = logs.computeIfAbsent(partition, p -> new ArrayList<>());
        long next = nextOffsets.getOrDefault(partition, 0L);
        ByteBuffer copy = ByteBuffer.allocate(records.sizeInBytes());
        copy.put(records.buffer().duplicate());
        copy.flip();
        MemoryRecords stored = MemoryRecords.readableRecords(copy);
        for (MutableRecordBatch batch : stored.batches()) {
            int count = (int) (batch.lastOffset() - batch.baseOffset() + 1);
            batch.setLastOffset(next + count - 1);
            next += count;
        }
        log.add(stored);
        nextOffsets.put(partition, next);
        return CompletableFuture.completedFuture(Errors.NONE);
    }

    @Override
    public synchronized long read(int partition, Consumer<RecordBatch> visitor) {
        long end = 0;
        for (MemoryRecords records : logs.getOrDefault(partition, List.of())) {
            for (RecordBatch batch : records.batches()) {
                visitor.accept(batch);
                end = batch.nextOffset();
            }
        }
        return end;
    }
}
