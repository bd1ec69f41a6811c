package io.sluice.replication.remote;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import org.apache.kafka.common.record.Records;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentMetadata;
import org.apache.kafka.server.log.remote.storage.RemoteStorageException;
import org.apache.kafka.server.log.remote.storage.RemoteStorageManager;
import org.apache.kafka.server.log.remote.storage.RemoteStorageManager.IndexType;

/**
 * Reads record batches of a remote segment: the start position from the segment's offset index (Kafka's format, 8
 * bytes per entry: 4-byte offset relative to the segment's base, 4-byte file position, big-endian), then whole batches
 * from the segment stream.
 *
 * <p>Stateless.
 */
final class RemoteSegmentReader {
    /** Where the magic byte sits in a batch, and the last offset delta of a v2 batch. */
    private static final int MAGIC_OFFSET = 16;

    private static final int LAST_OFFSET_DELTA_OFFSET = 23;

    private RemoteSegmentReader() {}

    /**
     * The file position of the last indexed batch at or below {@code offset} in the remote segment, 0 when the index
     * has none (or is missing).
     */
    static int positionOf(RemoteStorageManager rsm, RemoteLogSegmentMetadata segment, long offset)
            throws RemoteStorageException, IOException {
        byte[] index;
        try (InputStream in = rsm.fetchIndex(segment, IndexType.OFFSET)) {
            index = in.readAllBytes();
        }
        return positionIn(ByteBuffer.wrap(index), segment.startOffset(), offset);
    }

    /** {@link #positionOf} over the bytes of an offset index whose base offset is {@code baseOffset}. */
    static int positionIn(ByteBuffer index, long baseOffset, long offset) {
        int position = 0;
        int lastPosition = -1;
        while (index.remaining() >= 8) {
            long entryOffset = baseOffset + index.getInt();
            int entryPosition = index.getInt();
            if (entryPosition <= lastPosition || entryOffset > offset) {
                break; // past the target, or the zero-filled tail of a preallocated index
            }
            position = entryPosition;
            lastPosition = entryPosition;
        }
        return position;
    }

    /**
     * Whole batches from {@code in} (positioned at a batch boundary): skips those ending below {@code offset}, then
     * collects batches while they fit {@code maxBytes}, the first one always.
     */
    static ByteBuffer readBatches(InputStream in, long offset, int maxBytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] header = new byte[Records.LOG_OVERHEAD];
        while (true) {
            if (!readFully(in, header, 0, header.length)) {
                break;
            }
            ByteBuffer h = ByteBuffer.wrap(header);
            long baseOffset = h.getLong(0);
            int length = h.getInt(Records.SIZE_OFFSET);
            if (length <= 0) {
                break;
            }
            byte[] batch = new byte[Records.LOG_OVERHEAD + length];
            System.arraycopy(header, 0, batch, 0, header.length);
            if (!readFully(in, batch, header.length, length)) {
                break;
            }
            ByteBuffer b = ByteBuffer.wrap(batch);
            long lastOffset = b.get(MAGIC_OFFSET) >= 2 && batch.length >= LAST_OFFSET_DELTA_OFFSET + 4
                    ? baseOffset + b.getInt(LAST_OFFSET_DELTA_OFFSET)
                    : baseOffset;
            if (lastOffset < offset) {
                continue;
            }
            if (out.size() > 0 && out.size() + batch.length > maxBytes) {
                break;
            }
            out.write(batch);
            if (out.size() >= maxBytes) {
                break;
            }
        }
        return ByteBuffer.wrap(out.toByteArray());
    }

    private static boolean readFully(InputStream in, byte[] buffer, int from, int length) throws IOException {
        int read = 0;
        while (read < length) {
            int n = in.read(buffer, from + read, length - read);
            if (n < 0) {
                return false;
            }
            read += n;
        }
        return true;
    }
}
