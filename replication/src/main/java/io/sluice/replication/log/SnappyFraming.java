package io.sluice.replication.log;

import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.CorruptRecordException;

/**
 * Checks the framing of a snappy-compressed batch payload before snappy-java's {@code SnappyInputStream} reads it,
 * because that stream allocates what the payload claims: a buffer of each chunk's declared size (up to 512 MiB) and
 * one of each chunk's declared uncompressed length (up to 2 GiB).
 *
 * <p>Two layouts are accepted, as {@code SnappyInputStream} reads them:
 *
 * <pre>
 * xerial stream:  magic (8 bytes: 0x82 'SNAPPY' 0x00), version (int32), compatible version (int32),
 *                 then chunks: size (int32, big-endian) and that many bytes of one raw snappy block;
 *                 a chunk position may instead hold another 16-byte magic header (concatenated streams)
 * raw block:      the whole payload is one snappy block
 * </pre>
 *
 * A snappy block starts with its uncompressed length as a little-endian base-128 varint (at most 5 bytes). Checks:
 * every chunk lies within the payload, a concatenated header is whole, and every block's uncompressed length is at most
 * {@value #MAX_RATIO} times its compressed size (snappy's densest element, a 3-byte copy of 64 bytes, expands 21.3
 * times). Every violation is a {@link CorruptRecordException}.
 *
 * <p>Stateless and thread-safe; reads by absolute index.
 */
final class SnappyFraming {
    /** An upper bound on the expansion of a snappy block. */
    static final int MAX_RATIO = 32;

    private static final byte[] MAGIC = {(byte) 0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
    private static final int HEADER_SIZE = MAGIC.length + 2 * Integer.BYTES;
    private static final int MAGIC_HEAD = ByteBuffer.wrap(MAGIC).getInt();

    private SnappyFraming() {}

    /** Checks {@code payload} between its position and limit. */
    static void check(ByteBuffer payload) {
        int start = payload.position();
        int end = payload.limit();
        if (end - start < HEADER_SIZE || !hasMagic(payload, start)) {
            checkBlock(payload, start, end);
            return;
        }
        int at = start + HEADER_SIZE;
        while (at < end) {
            if (end - at < Integer.BYTES) {
                throw corrupt((end - at) + " bytes after the last chunk do not make a chunk header");
            }
            int size = payload.getInt(at);
            if (size == MAGIC_HEAD) {
                if (end - at < HEADER_SIZE || !hasMagic(payload, at)) {
                    throw corrupt("a concatenated stream header at byte " + (at - start) + " is incomplete");
                }
                at += HEADER_SIZE;
                continue;
            }
            at += Integer.BYTES;
            if (size <= 0 || size > end - at) {
                throw corrupt("a chunk at byte " + (at - start - Integer.BYTES) + " claims " + size + " bytes but "
                        + (end - at) + " remain");
            }
            checkBlock(payload, at, at + size);
            at += size;
        }
    }

    private static void checkBlock(ByteBuffer payload, int start, int end) {
        long length = 0;
        int at = start;
        for (int shift = 0; ; shift += 7) {
            if (at >= end || shift > 28) {
                throw corrupt("a block at byte " + start + " has no valid uncompressed length");
            }
            int b = payload.get(at++) & 0xff;
            length |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
        }
        long compressed = end - start;
        if (length > compressed * MAX_RATIO) {
            throw corrupt("a block of " + compressed + " bytes claims to decompress to " + length + " bytes");
        }
    }

    private static boolean hasMagic(ByteBuffer payload, int at) {
        for (int i = 0; i < MAGIC.length; i++) {
            if (payload.get(at + i) != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    private static CorruptRecordException corrupt(String what) {
        return new CorruptRecordException("snappy payload of a record batch is corrupt: " + what);
    }
}
