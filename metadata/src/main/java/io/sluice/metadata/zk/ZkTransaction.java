package io.sluice.metadata.zk;

import java.util.ArrayList;
import java.util.List;
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
    private boolean committed;

    ZkTransaction(CuratorFramework client) {
        this.client = client;
    }

    /** Requires {@code path} to have data version {@code expectedVersion}. */
    public ZkTransaction check(String path, int expectedVersion) {
        return add(
                OpType.CHECK,
                path,
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
                () -> client.transactionOp().create().withMode(mode).forPath(path, data));
    }

    /** Sets the data of {@code path} if its version is {@code expectedVersion} ({@code -1} matches any). */
    public ZkTransaction setData(String path, byte[] data, int expectedVersion) {
        return add(
                OpType.SET_DATA,
                path,
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
                () -> client.transactionOp()
                        .delete()
                        .withVersion(expectedVersion)
                        .forPath(path));
    }

    public int size() {
        return ops.size();
    }

    /**
     * Commits all operations atomically.
     *
     * @return one result per operation, in order
     * @throws ZkStoreException if any operation fails (nothing is applied); {@link ZkStoreException#failedOperation()}
     *     is the index of the operation that failed and {@link ZkStoreException#code()} its error
     */
    public List<Result> commit() {
        if (committed) {
            throw new IllegalStateException("Transaction already committed");
        }
        if (ops.isEmpty()) {
            throw new IllegalStateException("Empty transaction");
        }
        committed = true;
        List<CuratorTransactionResult> results;
        try {
            results = client.transaction().forOperations(ops);
        } catch (KeeperException e) {
            throw failure(e);
        } catch (Exception e) {
            throw ZkStoreException.wrap("transaction on", paths.toString(), e);
        }
        List<Result> out = new ArrayList<>(results.size());
        for (int i = 0; i < results.size(); i++) {
            CuratorTransactionResult r = results.get(i);
            if (r.getError() != 0) {
                KeeperException.Code code = KeeperException.Code.get(r.getError());
                throw new ZkStoreException(
                        "Transaction failed at operation " + i + " (" + types.get(i) + " " + paths.get(i) + "): "
                                + code,
                        code,
                        paths.get(i),
                        i,
                        null);
            }
            out.add(new Result(types.get(i), paths.get(i), r.getResultStat()));
        }
        return out;
    }

    private ZkStoreException failure(KeeperException e) {
        List<OpResult> results = e.getResults();
        if (results != null) {
            for (int i = 0; i < results.size(); i++) {
                if (results.get(i) instanceof OpResult.ErrorResult err) {
                    KeeperException.Code code = KeeperException.Code.get(err.getErr());
                    if (code != KeeperException.Code.OK && code != KeeperException.Code.RUNTIMEINCONSISTENCY) {
                        return new ZkStoreException(
                                "Transaction failed at operation " + i + " (" + types.get(i) + " " + paths.get(i)
                                        + "): " + code,
                                code,
                                paths.get(i),
                                i,
                                e);
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

    private ZkTransaction add(OpType type, String path, OpFactory factory) {
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
        return this;
    }
}
