package io.sluice.replication.log;

import java.nio.ByteBuffer;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.apache.kafka.common.record.RecordBatch;

/**
 * The fixed 61-byte header of a Kafka v2 record batch, as stored in a segment's {@code .log} file.
 *
 * <pre>
 * bytes  field
 *  0- 7  baseOffset            int64  (assigned by the leader, outside the CRC)
 *  8-11  length                int32  bytes that follow this field (batch size = 12 + length)
 * 12-15  partitionLeaderEpoch  int32  (stamped by the leader, outside the CRC)
 * 16     magic                 int8   always 2
 * 17-20  crc                   uint32 CRC-32C of bytes 21..end
 * 21-22  attributes            int16  bits 0-2 compression, 3 timestamp type, 4 transactional, 5 control
 * 23-26  lastOffsetDelta       int32
 * 27-34  baseTimestamp         int64
 * 35-42  maxTimestamp          int64
 * 43-50  producerId            int64
 * 51-52  producerEpoch         int16
 * 53-56  baseSequence          int32
 * 57-60  recordCount           int32
 * 61-    records (possibly compressed)
 * </pre>
 *
 * <p>Immutable.
 *
 * @param position byte position of the batch in its segment file (-1 when not file-backed)
 */
public record BatchHeader(
        long position,
        long baseOffset,
        int sizeInBytes,
        int partitionLeaderEpoch,
        byte magic,
        short attributes,
        int lastOffsetDelta,
        long baseTimestamp,
        long maxTimestamp,
        long producerId,
        short producerEpoch,
        int baseSequence,
        int recordCount) {

    /** Size of the header in bytes. */
    public static final int SIZE = DefaultRecordBatch.RECORD_BATCH_OVERHEAD;
    /** Size of the base offset and length prefix that every batch starts with. */
    public static final int LOG_OVERHEAD = 12;

    private static final int TRANSACTIONAL_FLAG = 0x10;
    private static final int CONTROL_FLAG = 0x20;

    /** Parses a header from {@code buffer} at absolute index {@code at} without moving the buffer's position. */
    public static BatchHeader parse(ByteBuffer buffer, int at, long filePosition) {
        return new BatchHeader(
                filePosition,
                buffer.getLong(at),
                buffer.getInt(at + 8) + LOG_OVERHEAD,
                buffer.getInt(at + 12),
                buffer.get(at + 16),
                buffer.getShort(at + 21),
                buffer.getInt(at + 23),
                buffer.getLong(at + 27),
                buffer.getLong(at + 35),
                buffer.getLong(at + 43),
                buffer.getShort(at + 51),
                buffer.getInt(at + 53),
                buffer.getInt(at + 57));
    }

    public long lastOffset() {
        return baseOffset + lastOffsetDelta;
    }

    public long nextOffset() {
        return lastOffset() + 1;
    }

    public boolean isTransactional() {
        return (attributes & TRANSACTIONAL_FLAG) != 0;
    }

    public boolean isControl() {
        return (attributes & CONTROL_FLAG) != 0;
    }

    public boolean hasProducerId() {
        return producerId != RecordBatch.NO_PRODUCER_ID;
    }

    /** The sequence of the last record, wrapping like the producer does; -1 without a sequence. */
    public int lastSequence() {
        if (baseSequence == RecordBatch.NO_SEQUENCE) {
            return RecordBatch.NO_SEQUENCE;
        }
        return DefaultRecordBatch.incrementSequence(baseSequence, lastOffsetDelta);
    }
}
