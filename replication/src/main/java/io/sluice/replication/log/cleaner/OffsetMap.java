package io.sluice.replication.log.cleaner;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A bounded map from record key to the latest offset seen for it, as Kafka's cleaner keeps it: each key is reduced to
 * its 16-byte MD5 digest, so memory does not depend on key sizes.
 *
 * <p>Layout of the backing buffer: {@code slots} entries of 24 bytes, bytes 0-15 the digest, bytes 16-23 the offset;
 * an all-zero entry is empty. Open addressing with linear probing from the slot named by the digest's first 4
 * bytes. The map holds at most {@code slots * loadFactor} keys ({@link #capacity()}); a digest collision (two keys
 * with one MD5, practically impossible) would make the older key's records look superseded.
 *
 * <p>Concurrency: not thread-safe; each cleaner thread owns one map and reuses it for every log.
 */
final class OffsetMap {

    private static final int HASH_SIZE = 16;
    private static final int ENTRY_SIZE = HASH_SIZE + 8;

    private final ByteBuffer bytes;
    private final int slots;
    private final int capacity;
    private final MessageDigest digest;
    private final byte[] hash = new byte[HASH_SIZE];
    private int entries;
    private long latestOffset = -1L;
    private long lookups;
    private long probes;

    OffsetMap(int memoryBytes, double loadFactor) {
        if (memoryBytes < ENTRY_SIZE * 2) {
            throw new IllegalArgumentException("offset map needs at least " + ENTRY_SIZE * 2 + " bytes");
        }
        this.slots = memoryBytes / ENTRY_SIZE;
        this.capacity = Math.max(1, (int) (slots * loadFactor));
        this.bytes = ByteBuffer.allocate(slots * ENTRY_SIZE);
        try {
            this.digest = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is required by every Java platform", e);
        }
    }

    /** The number of keys the map accepts. */
    int capacity() {
        return capacity;
    }

    int size() {
        return entries;
    }

    boolean isFull() {
        return entries >= capacity;
    }

    /** The largest offset put since the last {@link #clear()}, or -1. */
    long latestOffset() {
        return latestOffset;
    }

    /** Average slots probed per lookup, for the cleaner's statistics. */
    double collisionRate() {
        return lookups == 0 ? 0 : (double) (probes - lookups) / lookups;
    }

    /** Records {@code offset} as the latest for {@code key}; the map must not be {@link #isFull() full}. */
    void put(ByteBuffer key, long offset) {
        hashInto(key);
        int slot = findSlot();
        int at = slot * ENTRY_SIZE;
        if (isEmptyAt(at)) {
            if (entries >= capacity) {
                throw new IllegalStateException("offset map is full (" + entries + " keys)");
            }
            bytes.put(at, hash);
            entries++;
        }
        bytes.putLong(at + HASH_SIZE, offset);
        latestOffset = Math.max(latestOffset, offset);
    }

    /** The latest offset of {@code key}, or -1 when absent. */
    long get(ByteBuffer key) {
        hashInto(key);
        int at = findSlot() * ENTRY_SIZE;
        return isEmptyAt(at) ? -1L : bytes.getLong(at + HASH_SIZE);
    }

    void clear() {
        java.util.Arrays.fill(bytes.array(), (byte) 0);
        entries = 0;
        latestOffset = -1L;
        lookups = 0;
        probes = 0;
    }

    /** The slot holding the current hash, or the empty slot where it belongs. */
    private int findSlot() {
        lookups++;
        int slot = Math.floorMod(
                (hash[0] & 0xff) << 24 | (hash[1] & 0xff) << 16 | (hash[2] & 0xff) << 8 | (hash[3] & 0xff), slots);
        while (true) {
            probes++;
            int at = slot * ENTRY_SIZE;
            if (isEmptyAt(at) || sameHashAt(at)) {
                return slot;
            }
            slot = slot + 1 == slots ? 0 : slot + 1;
        }
    }

    private boolean isEmptyAt(int at) {
        return bytes.getLong(at) == 0 && bytes.getLong(at + 8) == 0 && bytes.getLong(at + HASH_SIZE) == 0;
    }

    private boolean sameHashAt(int at) {
        for (int i = 0; i < HASH_SIZE; i++) {
            if (bytes.get(at + i) != hash[i]) {
                return false;
            }
        }
        return true;
    }

    private void hashInto(ByteBuffer key) {
        digest.reset();
        digest.update(key.duplicate());
        try {
            digest.digest(hash, 0, HASH_SIZE);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException(e);
        }
    }
}
