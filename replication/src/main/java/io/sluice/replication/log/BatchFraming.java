package io.sluice.replication.log;

import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.apache.kafka.common.record.LegacyRecord;
import org.apache.kafka.common.record.RecordBatch;

/**
 * Checks that a buffer of record batches is made of whole batches, reading only each batch's length and magic, before
 * anything iterates the batches with kafka-clients (whose iterator adds the 12-byte log overhead to the length field
 * in 32-bit arithmetic: a length near 2^31 wraps negative and surfaces as an {@link IllegalArgumentException} from
 * {@code ByteBuffer.limit}, which a broker would answer with {@code UNKNOWN_SERVER_ERROR}).
 *
 * <p>Per batch ({@code 12 + length} bytes, see {@link BatchHeader}): at least the 12-byte prefix present; a magic in
 * 0..2; a length of at least a v0 record's overhead, and for magic 2 at least the v2 header; the whole batch within the
 * buffer. The batches must cover the buffer exactly: trailing bytes that do not make a whole batch are corrupt too.
 * Every violation is a {@link CorruptRecordException} ({@code CORRUPT_MESSAGE}). Sizes are computed in 64-bit
 * arithmetic, so no length field can overflow.
 *
 * <p>Stateless and thread-safe; reads the buffer by absolute index and never moves its position.
 */
public final class BatchFraming {
    private static final int LENGTH_OFFSET = 8;
    private static final int MAGIC_OFFSET = 16;

    private BatchFraming() {}

    /**
     * Checks the framing of the batches in {@code buffer} between its position and limit.
     *
     * @return the number of batches
     * @throws CorruptRecordException if the bytes are not a sequence of whole batches
     */
    public static int check(ByteBuffer buffer) {
        int start = buffer.position();
        int limit = buffer.limit();
        long at = start;
        int batches = 0;
        while (at < limit) {
            long remaining = limit - at;
            if (remaining < BatchHeader.LOG_OVERHEAD + 5) {
                throw new CorruptRecordException(remaining + " bytes after " + batches + " whole batch(es) at byte "
                        + (at - start) + " do not make a record batch");
            }
            int i = (int) at;
            long length = buffer.getInt(i + LENGTH_OFFSET);
            byte magic = buffer.get(i + MAGIC_OFFSET);
            if (magic < RecordBatch.MAGIC_VALUE_V0 || magic > RecordBatch.CURRENT_MAGIC_VALUE) {
                throw new CorruptRecordException(
                        "record batch at byte " + (at - start) + " has invalid magic " + magic);
            }
            long minLength = magic >= RecordBatch.MAGIC_VALUE_V2
                    ? DefaultRecordBatch.RECORD_BATCH_OVERHEAD - BatchHeader.LOG_OVERHEAD
                    : LegacyRecord.RECORD_OVERHEAD_V0;
            if (length < minLength) {
                throw new CorruptRecordException("record batch at byte " + (at - start) + " has length " + length
                        + ", less than the minimum " + minLength + " for magic " + magic);
            }
            long size = BatchHeader.LOG_OVERHEAD + length;
            if (size > remaining) {
                throw new CorruptRecordException("record batch at byte " + (at - start) + " claims " + size
                        + " bytes but only " + remaining + " remain");
            }
            at += size;
            batches++;
        }
        return batches;
    }
}
