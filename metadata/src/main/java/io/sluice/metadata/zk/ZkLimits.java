package io.sluice.metadata.zk;

import java.nio.charset.StandardCharsets;

/**
 * ZooKeeper's packet limit and the sizes Sluice keeps its writes to.
 *
 * <p>ZooKeeper refuses any packet longer than {@code jute.maxbuffer} (default {@value #DEFAULT_JUTE_MAX_BUFFER}
 * bytes, just under 1 MiB) in a way a client cannot tell from a network failure: the server closes the connection (it
 * logs "Len error"), the client sees {@code CONNECTIONLOSS}, Curator re-sends the same request after reconnecting and
 * the connection drops again until the retries run out. The client enforces the same limit on what it reads, so a
 * znode written just under the limit can still be impossible to read back. Nothing in the answer says that the
 * request's own size was the cause, so Sluice never sends such a request: {@link ZkTransaction} and {@link ZkStore}
 * estimate every write's packet size from its paths and data (an over-estimate by a few dozen bytes per operation) and
 * refuse one above {@link #MAX_REQUEST_BYTES} before sending it ({@link ZkStoreException#isRejectedLocally()}),
 * leaving the connection untouched.
 *
 * <p>The limit is read from the {@code jute.maxbuffer} system property of this JVM, as the ZooKeeper client reads it;
 * an ensemble running with a larger one needs the same value on the brokers' command line to use it.
 */
public final class ZkLimits {
    /** ZooKeeper's default {@code jute.maxbuffer}: 0xfffff. */
    public static final int DEFAULT_JUTE_MAX_BUFFER = 0xfffff;

    /** {@code jute.maxbuffer} as this JVM's ZooKeeper client sees it. */
    public static final int JUTE_MAX_BUFFER = Integer.getInteger("jute.maxbuffer", DEFAULT_JUTE_MAX_BUFFER);

    /**
     * The largest estimated request Sluice sends: {@code jute.maxbuffer} less 4 KiB, so that the answer to reading back
     * a znode of that size (its data, stat and headers) also stays under the client's limit.
     */
    public static final int MAX_REQUEST_BYTES = JUTE_MAX_BUFFER - 4096;

    /**
     * The largest topic assignment znode ({@code /brokers/topics/T}) the controller writes: half of
     * {@code jute.maxbuffer}, about 30,000 partitions at replication factor 3. Half, because every broker and the
     * controller read the znode whole on each change and failover, and the znode is rewritten whole by each
     * CreatePartitions.
     */
    public static final int MAX_TOPIC_ZNODE_BYTES = JUTE_MAX_BUFFER / 2;

    /**
     * Bytes per operation on top of its path and data: the multi header (9), the request's fixed fields (version,
     * flags, lengths: up to 20) and an open ACL (about 30), rounded up.
     */
    static final int OPERATION_OVERHEAD_BYTES = 64;

    /** Bytes of a request on top of its operations: length prefix, request header, multi end marker, rounded up. */
    static final int REQUEST_OVERHEAD_BYTES = 64;

    private ZkLimits() {}

    /** The estimated bytes one operation on {@code path} (already namespaced) with {@code data} adds to a request. */
    static long operationBytes(String path, byte[] data) {
        return OPERATION_OVERHEAD_BYTES
                + (long) path.getBytes(StandardCharsets.UTF_8).length
                + (data == null ? 0 : data.length);
    }

    /** {@code path} as the server sees it: prefixed with the client's namespace (chroot), if any. */
    static String namespaced(String namespace, String path) {
        return namespace == null || namespace.isEmpty() ? path : "/" + namespace + path;
    }
}
