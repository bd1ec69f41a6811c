package io.sluice.metadata.zk;

import java.util.Optional;
import org.apache.zookeeper.KeeperException;

/**
 * A ZooKeeper operation failed. Carries the ZooKeeper error code (absent when the caller was interrupted or the
 * failure was not a ZooKeeper error), the path, and for a transaction the index of the operation that failed.
 *
 * <p>A request refused on this side before it was sent ({@link #isRejectedLocally()}: an invalid path, a packet above
 * {@link ZkLimits#MAX_REQUEST_BYTES}) failed for its own content: nothing was written, the connection and session are
 * unaffected, and sending it again would fail again.
 */
public class ZkStoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient KeeperException.Code code;
    private final String path;
    private final int failedOperation;
    private final boolean rejectedLocally;

    public ZkStoreException(
            String message, KeeperException.Code code, String path, int failedOperation, Throwable cause) {
        this(message, code, path, failedOperation, false, cause);
    }

    /** A failure with {@code message} that keeps everything else of {@code cause} (code, path, operation, kind). */
    protected ZkStoreException(String message, ZkStoreException cause) {
        this(message, cause.code, cause.path, cause.failedOperation, cause.rejectedLocally, cause);
    }

    private ZkStoreException(
            String message,
            KeeperException.Code code,
            String path,
            int failedOperation,
            boolean rejectedLocally,
            Throwable cause) {
        super(message, cause);
        this.code = code;
        this.path = path;
        this.failedOperation = failedOperation;
        this.rejectedLocally = rejectedLocally;
    }

    /** A request refused before it was sent, for its own content (see {@link #isRejectedLocally()}). */
    public static ZkStoreException rejectedLocally(String message, String path, Throwable cause) {
        return new ZkStoreException(message, null, path, -1, true, cause);
    }

    /** The ZooKeeper error code, empty for interruption and non-ZooKeeper failures. */
    public Optional<KeeperException.Code> code() {
        return Optional.ofNullable(code);
    }

    /** The path the failed operation was on, if known. */
    public Optional<String> path() {
        return Optional.ofNullable(path);
    }

    /** For a transaction, the index of the operation that failed; {@code -1} otherwise or if unknown. */
    public int failedOperation() {
        return failedOperation;
    }

    /** A conditional write or check found another zkVersion. */
    public boolean isBadVersion() {
        return code == KeeperException.Code.BADVERSION;
    }

    public boolean isNodeExists() {
        return code == KeeperException.Code.NODEEXISTS;
    }

    public boolean isNoNode() {
        return code == KeeperException.Code.NONODE;
    }

    /**
     * The request never left this client because of its own content: an invalid path (a name with a control
     * character, say) or an estimated size above {@link ZkLimits#MAX_REQUEST_BYTES}. Nothing was written and the
     * connection is fine; this is the request's fault, not ZooKeeper's.
     */
    public boolean isRejectedLocally() {
        return rejectedLocally;
    }

    /** The session expired or the connection was lost: the outcome of a write is unknown. */
    public boolean isConnectionProblem() {
        return code == KeeperException.Code.CONNECTIONLOSS
                || code == KeeperException.Code.SESSIONEXPIRED
                || code == KeeperException.Code.OPERATIONTIMEOUT;
    }

    static ZkStoreException wrap(String operation, String path, Exception e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
            return new ZkStoreException(operation + " " + path + " interrupted", null, path, -1, e);
        }
        if (e instanceof IllegalArgumentException) {
            // the client validates paths (and other arguments) before sending: the request's own fault
            return rejectedLocally(operation + " " + path + " refused: " + e.getMessage(), path, e);
        }
        if (e instanceof KeeperException ke) {
            String p = ke.getPath() != null ? ke.getPath() : path;
            return new ZkStoreException(operation + " " + p + " failed: " + ke.code(), ke.code(), p, -1, e);
        }
        return new ZkStoreException(operation + " " + path + " failed: " + e, null, path, -1, e);
    }
}
