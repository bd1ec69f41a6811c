package io.sluice.metadata.zk;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.api.transaction.CuratorTransactionResult;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.data.Stat;

/**
 * A ZooKeeper multi-operation built step by step and committed atomically: all operations apply or none does.
 * A controller write is a transaction that starts with {@link #check} on {@code /controller_epoch}
 * ({@link ZkStore#fencedTransaction(int)}).
 *
 * <p>{@link #commit()} waits for the answer; {@link #commitAsync()} sends the multi and returns at once, so a caller
 * can have several transactions in flight on one session. ZooKeeper applies the requests of one session in the
 * order they were sent and group-commits its log, so pipelined transactions share the server's fsyncs instead of
 * waiting for one each. Every transaction is still atomic on its own: pipelining never joins two of them.
 *
 * <p>Size: the transaction keeps an estimate of its packet ({@link ZkLimits}); one above
 * {@link ZkLimits#MAX_REQUEST_BYTES} is refused by {@link #commit()} and {@link #commitAsync()} without being sent
 * ({@link ZkStoreException#isRejectedLocally()}), since ZooKeeper would answer it by closing the connection.
 *
 * <p>Not thread-safe: build and commit it on one thread. A transaction can be committed once.
 */
public final class ZkTransaction {

    /** The kind of one operation. */
    public enum OpType {
        CHECK,
        CREATE,
        SET_DATA,
        DELETE
    }

    /**
     * The outcome of one operation of a committed transaction.
     *
     * @param type the operation
     * @param path the path it applied to
     * @param stat the resulting stat for {@code SET_DATA} (its {@code getVersion()} is the new zkVersion) and
     *     {@code CREATE}; {@code null} otherwise
     */
    public record Result(OpType type, String path, Stat stat) {}

    private final CuratorFramework client;
    private final List<CuratorOp> ops = new ArrayList<>();
    private final List<OpType> types = new ArrayList<>();
    private final List<String> paths = new ArrayList<>();
    private long estimatedBytes = ZkLimits.REQUEST_OVERHEAD_BYTES;
    private boolean committed;

    ZkTransaction(CuratorFramework client) {
        this.client = client;
    }

    /** Requires {@code path} to have data version {@code expectedVersion}. */
    public ZkTransaction check(String path, int expectedVersion) {
        return add(
                OpType.CHECK,
                path,
                null,
                () -> client.transactionOp()
                        .check()
                        .withVersion(expectedVersion)
                        .forPath(path));
    }

    /** Creates {@code path} (its parent must exist). */
    public ZkTransaction create(String path, byte[] data, CreateMode mode) {
        return add(
                OpType.CREATE,
                path,
                data,
                () -> client.transactionOp().create().withMode(mode).forPath(path, data));
    }

    /** Sets the data of {@code path} if its version is {@code expectedVersion} ({@code -1} matches any). */
    public ZkTransaction setData(String path, byte[] data, int expectedVersion) {
        return add(
                OpType.SET_DATA,
                path,
                data,
                () -> client.transactionOp()
                        .setData()
                        .withVersion(expectedVersion)
                        .forPath(path, data));
    }

    /** Deletes {@code path} if its version is {@code expectedVersion} ({@code -1} matches any). */
    public ZkTransaction delete(String path, int expectedVersion) {
        return add(
                OpType.DELETE,
                path,
                null,
                () -> client.transactionOp()
                        .delete()
                        .withVersion(expectedVersion)
                        .forPath(path));
    }

    public int size() {
        return ops.size();
    }

    /** The estimated size of this transaction's request packet in bytes (an over-estimate; see {@link ZkLimits}). */
    public long estimatedBytes() {
        return estimatedBytes;
    }

    /**
     * Whether one more operation on {@code path} with {@code data} keeps this transaction's estimated request within
     * {@link ZkLimits#MAX_REQUEST_BYTES}, so that callers splitting a large batch into transactions can start a new one
     * before this one would be refused.
     */
    public boolean fits(String path, byte[] data) {
        return estimatedBytes + ZkLimits.operationBytes(ZkLimits.namespaced(client.getNamespace(), path), data)
                <= ZkLimits.MAX_REQUEST_BYTES;
    }

    /**
     * Commits all operations atomically.
     *
     * @return one result per operation, in order
     * @throws ZkStoreException if any operation fails (nothing is applied); {@link ZkStoreException#failedOperation()}
     *     is the index of the operation that failed and {@link ZkStoreException#code()} its error
     */
    public List<Result> commit() {
        markCommitted();
        checkSize();
        List<CuratorTransactionResult> results;
        try {
            results = client.transaction().forOperations(ops);
        } catch (KeeperException e) {
            throw failure(e);
        } catch (Exception e) {
            throw ZkStoreException.wrap("transaction on", paths.toString(), e);
        }
        return toResults(KeeperException.Code.OK.intValue(), results);
    }

    /**
     * Sends the transaction in the background and returns at once. The future completes on the ZooKeeper event thread
     * with one result per operation, or exceptionally with a {@link ZkStoreException} carrying the failed operation's
     * index and code (nothing applied), exactly as {@link #commit()} would throw. Curator retries a background
     * operation after a connection loss under its retry policy, as it does a foreground one.
     */
    public CompletableFuture<List<Result>> commitAsync() {
        markCommitted();
        CompletableFuture<List<Result>> future = new CompletableFuture<>();
        try {
            checkSize();
        } catch (ZkStoreException e) {
            future.completeExceptionally(e);
            return future;
        }
        try {
            client.transaction()
                    .inBackground((c, event) -> {
                        try {
                            future.complete(toResults(event.getResultCode(), event.getOpResults()));
                        } catch (RuntimeException e) {
                            future.completeExceptionally(e);
                        }
                    })
                    .forOperations(ops);
        } catch (Exception e) {
            future.completeExceptionally(ZkStoreException.wrap("transaction on", paths.toString(), e));
        }
        return future;
    }

    private void markCommitted() {
        if (committed) {
            throw new IllegalStateException("Transaction already committed");
        }
        if (ops.isEmpty()) {
            throw new IllegalStateException("Empty transaction");
        }
        committed = true;
    }

    private void checkSize() {
        if (estimatedBytes > ZkLimits.MAX_REQUEST_BYTES) {
            throw ZkStoreException.rejectedLocally(
                    "Transaction of " + ops.size() + " operations (first on " + paths.get(0) + ") is about "
                            + estimatedBytes + " bytes, above the " + ZkLimits.MAX_REQUEST_BYTES
                            + "-byte request limit derived from jute.maxbuffer=" + ZkLimits.JUTE_MAX_BUFFER
                            + "; not sent, since ZooKeeper would close the connection",
                    paths.get(0),
                    null);
        }
    }

    /** Maps a multi's answer to results, or throws for the first failed operation (or the overall code). */
    private List<Result> toResults(int rc, List<CuratorTransactionResult> results) {
        if (results != null) {
            for (int i = 0; i < results.size(); i++) {
                int err = results.get(i).getError();
                if (err != KeeperException.Code.OK.intValue()
                        && err != KeeperException.Code.RUNTIMEINCONSISTENCY.intValue()) {
                    throw operationFailed(i, KeeperException.Code.get(err), null);
                }
            }
        }
        if (rc != KeeperException.Code.OK.intValue() || results == null || results.size() != ops.size()) {
            KeeperException.Code code = KeeperException.Code.get(rc);
            return failWith(code == KeeperException.Code.OK ? null : code);
        }
        List<Result> out = new ArrayList<>(results.size());
        for (int i = 0; i < results.size(); i++) {
            out.add(new Result(types.get(i), paths.get(i), results.get(i).getResultStat()));
        }
        return out;
    }

    private List<Result> failWith(KeeperException.Code code) {
        throw new ZkStoreException("Transaction on " + paths + " failed: " + code, code, null, -1, null);
    }

    private ZkStoreException operationFailed(int i, KeeperException.Code code, Throwable cause) {
        return new ZkStoreException(
                "Transaction failed at operation " + i + " (" + types.get(i) + " " + paths.get(i) + "): " + code,
                code,
                paths.get(i),
                i,
                cause);
    }

    private ZkStoreException failure(KeeperException e) {
        List<OpResult> results = e.getResults();
        if (results != null) {
            for (int i = 0; i < results.size(); i++) {
                if (results.get(i) instanceof OpResult.ErrorResult err) {
                    KeeperException.Code code = KeeperException.Code.get(err.getErr());
                    if (code != KeeperException.Code.OK && code != KeeperException.Code.RUNTIMEINCONSISTENCY) {
                        return operationFailed(i, code, e);
                    }
                }
            }
        }
        return new ZkStoreException("Transaction on " + paths + " failed: " + e.code(), e.code(), e.getPath(), -1, e);
    }

    @FunctionalInterface
    private interface OpFactory {
        CuratorOp make() throws Exception;
    }

    private ZkTransaction add(OpType type, String path, byte[] data, OpFactory factory) {
        if (committed) {
            throw new IllegalStateException("Transaction already committed");
        }
        try {
            ops.add(factory.make());
        } catch (Exception e) {
            throw ZkStoreException.wrap("prepare " + type, path, e);
        }
        types.add(type);
        paths.add(path);
        estimatedBytes += ZkLimits.operationBytes(ZkLimits.namespaced(client.getNamespace(), path), data);
        return this;
    }
}
