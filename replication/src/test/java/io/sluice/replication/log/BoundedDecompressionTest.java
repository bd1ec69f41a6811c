package io.sluice.replication.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Compressed batches that claim or expand to far more than they hold are refused without the heap paying for the
 * claim: the bytes this thread allocates during the validation (measured with {@code
 * com.sun.management.ThreadMXBean}) stay a small fraction of what was claimed. The first validation of each kind is a
 * warm-up (class loading, the per-thread decompression buffers); the second is measured.
 */
@Timeout(120)
class BoundedDecompressionTest {
    private static final int MAX_MESSAGE_BYTES = LogConfig.DEFAULT_MAX_MESSAGE_BYTES;
    private static final int GIB = 1 << 30;
    /** Far below every claim here (1 GiB; bombs of 80 MiB), far above the codecs' buffers (at most a 4 MiB lz4 block). */
    private static final long ALLOCATION_BOUND = 8L << 20;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void aRecordClaimingAGigabyteIsRefusedWithoutAllocatingIt(CompressionType codec) {
        MemoryRecords claim = MalformedBatches.hugeClaim(codec, GIB);

        long allocated = allocatedWhileRefusing(claim, InvalidRecordException.class);

        assertThat(allocated).as("bytes allocated refusing a 1 GiB claim").isLessThan(ALLOCATION_BOUND);
    }

    @ParameterizedTest
    @EnumSource(
            value = CompressionType.class,
            names = {"GZIP", "LZ4", "ZSTD"})
    void aDecompressionBombStopsAtTheBoundWithoutAllocating(CompressionType codec) {
        // 80 records of 1 MiB of zeros: honest lengths, 80 MiB decompressed, beyond the 64 MiB bound
        MemoryRecords bomb = MalformedBatches.bomb(codec, 80, 1 << 20);
        assertThat(bomb.sizeInBytes()).as("compressed size").isLessThan(MAX_MESSAGE_BYTES);

        long allocated = allocatedWhileRefusing(bomb, RecordTooLargeException.class);

        assertThat(allocated).as("bytes allocated refusing an 80 MiB bomb").isLessThan(ALLOCATION_BOUND);
    }

    @Test
    void aBombJustUnderTheBoundIsAcceptedWithoutAllocating() {
        MemoryRecords bomb = MalformedBatches.bomb(CompressionType.ZSTD, 60, 1 << 20);
        BatchValidator.validateAndAssign(copy(bomb), 0, 0, MAX_MESSAGE_BYTES);

        long before = THREADS.getCurrentThreadAllocatedBytes();
        BatchValidator.validateAndAssign(copy(bomb), 0, 0, MAX_MESSAGE_BYTES);
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;

        assertThat(allocated).as("bytes allocated validating 60 MiB of records").isLessThan(ALLOCATION_BOUND);
    }

    @Test
    void snappyBlocksClaimingHugeSizesAreCorruptBeforeSnappyAllocates() {
        // a raw snappy block whose uncompressed length claims 1 GiB
        MemoryRecords raw = snappy(new MalformedBatches.Bytes()
                .raw(0x80, 0x80, 0x80, 0x80, 0x04)
                .raw(0, 1, 2, 3)
                .toArray());
        // an xerial stream whose first chunk claims 500 MB
        MemoryRecords chunk =
                snappy(xerial().putInt(500_000_000).put(new byte[8]).array());
        // an xerial chunk of 9 bytes whose block claims 1 GiB uncompressed
        MemoryRecords block = snappy(xerial().putInt(9)
                .put(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x04, 0, 1, 2, 3})
                .array());

        for (MemoryRecords records : new MemoryRecords[] {raw, chunk, block}) {
            long allocated = allocatedWhileRefusing(records, CorruptRecordException.class);
            assertThat(allocated).as("bytes allocated refusing a snappy claim").isLessThan(ALLOCATION_BOUND);
        }
    }

    private static ByteBuffer xerial() {
        ByteBuffer b = ByteBuffer.allocate(16 + 4 + 9);
        b.put(new byte[] {(byte) 0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0})
                .putInt(1)
                .putInt(1);
        return b;
    }

    private static MemoryRecords snappy(byte[] payload) {
        return MalformedBatches.rawBatch(CompressionType.SNAPPY, 1, 0, payload);
    }

    private static long allocatedWhileRefusing(MemoryRecords records, Class<? extends RuntimeException> expected) {
        assertThatThrownBy(() -> BatchValidator.validateAndAssign(copy(records), 0, 0, MAX_MESSAGE_BYTES))
                .isInstanceOf(expected);
        MemoryRecords measured = copy(records);
        long before = THREADS.getCurrentThreadAllocatedBytes();
        RuntimeException refusal = null;
        try {
            BatchValidator.validateAndAssign(measured, 0, 0, MAX_MESSAGE_BYTES);
        } catch (RuntimeException e) {
            refusal = e;
        }
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        assertThat(refusal).isInstanceOf(expected);
        return allocated;
    }

    private static MemoryRecords copy(MemoryRecords records) {
        ByteBuffer copy = ByteBuffer.allocate(records.sizeInBytes());
        copy.put(records.buffer()).flip();
        return MemoryRecords.readableRecords(copy);
    }
}
