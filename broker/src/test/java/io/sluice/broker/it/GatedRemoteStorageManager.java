package io.sluice.broker.it;

import io.sluice.replication.remote.FileSystemRemoteStorageManager;
import java.io.InputStream;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.server.log.remote.storage.LogSegmentData;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentMetadata;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentMetadata.CustomMetadata;
import org.apache.kafka.server.log.remote.storage.RemoteStorageException;
import org.apache.kafka.server.log.remote.storage.RemoteStorageManager;

/**
 * The filesystem RemoteStorageManager with a gate for tests: once {@link #holdAfter} is armed for a broker, that
 * broker's copies after the first {@code n} write their data and then wait (interruptibly) instead of returning, so the
 * segment stays {@code COPY_SEGMENT_STARTED} with its bytes in the remote tier, as when a leader dies in mid-copy.
 * Loaded by class name by every in-JVM broker of a test JVM; the gate is static, keyed by broker id.
 */
public final class GatedRemoteStorageManager implements RemoteStorageManager {
    private static final AtomicInteger HELD_BROKER = new AtomicInteger(-1);
    private static final AtomicInteger COPIES_LEFT = new AtomicInteger();
    private static volatile CountDownLatch held = new CountDownLatch(1);
    private static final CountDownLatch NEVER = new CountDownLatch(1);

    private final FileSystemRemoteStorageManager delegate = new FileSystemRemoteStorageManager();
    private volatile int brokerId = -1;

    /** Lets broker {@code broker} finish {@code copies} more copies, then holds its next one in mid-copy. */
    static void holdAfter(int broker, int copies) {
        held = new CountDownLatch(1);
        COPIES_LEFT.set(copies);
        HELD_BROKER.set(broker);
    }

    /** Whether a copy is being held. */
    static boolean holding() {
        return held.getCount() == 0;
    }

    static void reset() {
        HELD_BROKER.set(-1);
    }

    @Override
    public void configure(Map<String, ?> configs) {
        brokerId = Integer.parseInt(String.valueOf(configs.get("broker.id")));
        delegate.configure(configs);
    }

    @Override
    public Optional<CustomMetadata> copyLogSegmentData(RemoteLogSegmentMetadata metadata, LogSegmentData data)
            throws RemoteStorageException {
        Optional<CustomMetadata> custom = delegate.copyLogSegmentData(metadata, data);
        if (HELD_BROKER.get() == brokerId && COPIES_LEFT.getAndDecrement() <= 0) {
            held.countDown();
            try {
                NEVER.await(); // until the broker's halt interrupts its copier
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RemoteStorageException("copy interrupted", e);
            }
        }
        return custom;
    }

    @Override
    public InputStream fetchLogSegment(RemoteLogSegmentMetadata metadata, int startPosition)
            throws RemoteStorageException {
        return delegate.fetchLogSegment(metadata, startPosition);
    }

    @Override
    public InputStream fetchLogSegment(RemoteLogSegmentMetadata metadata, int startPosition, int endPosition)
            throws RemoteStorageException {
        return delegate.fetchLogSegment(metadata, startPosition, endPosition);
    }

    @Override
    public InputStream fetchIndex(RemoteLogSegmentMetadata metadata, IndexType indexType)
            throws RemoteStorageException {
        return delegate.fetchIndex(metadata, indexType);
    }

    @Override
    public void deleteLogSegmentData(RemoteLogSegmentMetadata metadata) throws RemoteStorageException {
        delegate.deleteLogSegmentData(metadata);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
