package io.sluice.controller.election;

import io.sluice.metadata.zk.ControllerEpochZNode;
import io.sluice.metadata.zk.ControllerZNode;
import io.sluice.metadata.zk.Versioned;
import io.sluice.metadata.zk.ZkNode;
import io.sluice.metadata.zk.ZkStore;
import io.sluice.metadata.zk.ZkStoreException;
import io.sluice.metadata.zk.ZkTransaction;
import java.time.Clock;
import java.util.Optional;
import org.apache.zookeeper.CreateMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One broker's candidacy for controller. An election is one ZooKeeper multi: create the ephemeral {@code /controller}
 * naming this broker and compare-and-set {@code /controller_epoch} from {@code e} (read at version {@code v}) to
 * {@code e+1} (or create it with epoch 1 if it does not exist yet). Only this compare-and-set confers authority; the
 * winner keeps the new zkVersion of {@code /controller_epoch} and checks it in every write.
 *
 * <p>On {@code NODEEXISTS} or {@code BADVERSION} the elector re-reads: if {@code /controller} is this broker's, owned by
 * this session, and the epoch is {@code e+1}, an earlier attempt of this very multi succeeded and its response was lost
 * (Curator retries after a connection loss), so it won; otherwise another broker is controller.
 *
 * <p>Concurrency: stateless apart from its collaborators; called from the controller event thread only.
 */
public final class ControllerElector {
    private static final Logger log = LoggerFactory.getLogger(ControllerElector.class);

    private final ZkStore store;
    private final int brokerId;
    private final Clock clock;

    public ControllerElector(ZkStore store, int brokerId, Clock clock) {
        this.store = store;
        this.brokerId = brokerId;
        this.clock = clock;
    }

    /**
     * Tries to become controller.
     *
     * @return the lease if this broker won, empty if another broker is controller
     * @throws ZkStoreException on a connection problem (the outcome is re-checked by the next attempt)
     */
    public Optional<ControllerLease> tryElect() {
        Optional<Integer> current = store.controllerId();
        if (current.isPresent()) {
            if (current.get() == brokerId && ownsControllerZNode()) {
                log.warn("[Controller {}] /controller already names this broker and session; re-electing", brokerId);
            } else {
                return Optional.empty();
            }
        }
        Optional<Versioned<Integer>> epoch = store.controllerEpoch();
        int newEpoch = epoch.map(v -> v.value() + 1).orElse(ControllerEpochZNode.INITIAL_EPOCH + 1);
        ZkTransaction tx = store.transaction();
        if (current.isEmpty()) {
            tx.create(ControllerZNode.PATH, ControllerZNode.encode(brokerId, clock.millis()), CreateMode.EPHEMERAL);
        } else {
            tx.check(ControllerZNode.PATH, -1);
        }
        if (epoch.isPresent()) {
            tx.setData(
                    ControllerEpochZNode.PATH,
                    ControllerEpochZNode.encode(newEpoch),
                    epoch.get().zkVersion());
        } else {
            tx.create(ControllerEpochZNode.PATH, ControllerEpochZNode.encode(newEpoch), CreateMode.PERSISTENT);
        }
        try {
            tx.commit();
            int zkVersion = store.controllerEpoch()
                    .filter(v -> v.value() == newEpoch)
                    .map(Versioned::zkVersion)
                    .orElseThrow(() -> new IllegalStateException("/controller_epoch moved right after election"));
            log.info(
                    "[Controller {}] elected controller with epoch {} (epoch zkVersion {})",
                    brokerId,
                    newEpoch,
                    zkVersion);
            return Optional.of(new ControllerLease(brokerId, newEpoch, zkVersion));
        } catch (ZkStoreException e) {
            if (!(e.isNodeExists() || e.isBadVersion())) {
                throw e;
            }
            return lostResponse(newEpoch);
        }
    }

    /** After NODEEXISTS/BADVERSION: did an earlier attempt of our multi succeed? */
    private Optional<ControllerLease> lostResponse(int newEpoch) {
        Optional<Versioned<Integer>> epoch = store.controllerEpoch();
        if (ownsControllerZNode() && epoch.isPresent() && epoch.get().value() == newEpoch) {
            log.info(
                    "[Controller {}] election response was lost but the multi succeeded: controller with epoch {}",
                    brokerId,
                    newEpoch);
            return Optional.of(
                    new ControllerLease(brokerId, newEpoch, epoch.get().zkVersion()));
        }
        log.info(
                "[Controller {}] lost the election (controller is {})",
                brokerId,
                store.controllerId().map(String::valueOf).orElse("none"));
        return Optional.empty();
    }

    /** Whether {@code /controller} names this broker and is owned by this client's current session. */
    public boolean ownsControllerZNode() {
        Optional<ZkNode> node = store.get(ControllerZNode.PATH);
        if (node.isEmpty()) {
            return false;
        }
        return ControllerZNode.decode(node.get().data()) == brokerId
                && node.get().ephemeralOwner() == sessionId();
    }

    /** The controller id, with a one-shot watch on {@code /controller} that runs {@code onChange}. */
    public Optional<Integer> watchController(Runnable onChange) {
        return store.watchData(ControllerZNode.PATH, onChange).map(n -> ControllerZNode.decode(n.data()));
    }

    /** Deletes {@code /controller} if this session owns it (on a clean shutdown of the controller). */
    public void release() {
        Optional<ZkNode> node = store.get(ControllerZNode.PATH);
        if (node.isPresent()
                && ControllerZNode.decode(node.get().data()) == brokerId
                && node.get().ephemeralOwner() == sessionId()) {
            try {
                store.delete(ControllerZNode.PATH, node.get().zkVersion());
                log.info("[Controller {}] released /controller", brokerId);
            } catch (ZkStoreException e) {
                if (!e.isNoNode() && !e.isBadVersion()) {
                    throw e;
                }
            }
        }
    }

    private long sessionId() {
        try {
            return store.curator().getZookeeperClient().getZooKeeper().getSessionId();
        } catch (Exception e) {
            throw new ZkStoreException("Cannot read the session id", null, ControllerZNode.PATH, -1, e);
        }
    }
}
