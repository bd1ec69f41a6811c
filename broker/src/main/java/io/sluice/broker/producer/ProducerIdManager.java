package io.sluice.broker.producer;

import io.sluice.metadata.model.ProducerIdBlock;
import io.sluice.metadata.zk.ZkStore;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands out cluster-unique producer ids (docs/design.md#producer-id-blocks) from blocks of {@link ProducerIdBlock#DEFAULT_BLOCK_SIZE}
 * claimed through a {@link ProducerIdBlockSource}. When 90% of the current block is used, the next block is claimed
 * in the background on the I/O executor, so callers normally get an id without waiting; a caller finding both blocks
 * used up waits (asynchronously) for the claim in progress. No id is ever handed out twice, and ids of a block that is
 * not used up when the broker stops are simply skipped.
 *
 * <p>Concurrency: thread-safe; the block state is guarded by the manager's monitor, which is never held across the
 * blocking claim (that runs on the executor). Returned stages complete on the caller's thread (fast path) or on the
 * executor.
 */
public final class ProducerIdManager {
    private static final Logger log = LoggerFactory.getLogger(ProducerIdManager.class);
    private static final int ZK_CLAIM_ATTEMPTS = 10;

    private final int brokerId;
    private final ProducerIdBlockSource source;
    private final int blockSize;
    private final Executor ioExecutor;
    private final String logPrefix;

    // guarded by this
    private ProducerIdBlock current;
    private long nextId;
    private ProducerIdBlock prefetched;
    private boolean fetching;
    private CompletableFuture<ProducerIdBlock> inFlight;

    /**
     * @param ioExecutor runs the blocking claims (the broker's request handler pool)
     */
    public ProducerIdManager(int brokerId, ProducerIdBlockSource source, int blockSize, Executor ioExecutor) {
        if (blockSize <= 0) {
            throw new IllegalArgumentException("blockSize must be positive, was " + blockSize);
        }
        this.brokerId = brokerId;
        this.source = Objects.requireNonNull(source, "source");
        this.blockSize = blockSize;
        this.ioExecutor = Objects.requireNonNull(ioExecutor, "ioExecutor");
        this.logPrefix = "[ProducerIdManager broker=" + brokerId + "]";
    }

    /** Blocks of 1000 claimed from ZooKeeper. */
    public static ProducerIdManager zooKeeper(int brokerId, ZkStore store, Executor ioExecutor) {
        return new ProducerIdManager(
                brokerId,
                ProducerIdBlockSource.zooKeeper(store, ZK_CLAIM_ATTEMPTS),
                ProducerIdBlock.DEFAULT_BLOCK_SIZE,
                ioExecutor);
    }

    /**
     * The next producer id. Fails (exceptionally) if claiming a block fails; the next call tries again.
     */
    public CompletionStage<Long> nextProducerId() {
        CompletableFuture<ProducerIdBlock> wait;
        synchronized (this) {
            if ((current == null || nextId > current.lastProducerId()) && prefetched != null) {
                current = prefetched;
                nextId = current.firstProducerId();
                prefetched = null;
            }
            if (current != null && nextId <= current.lastProducerId()) {
                long id = nextId++;
                long used = nextId - current.firstProducerId();
                if (prefetched == null && !fetching && used * 10 >= (long) current.size() * 9) {
                    startFetch();
                }
                return CompletableFuture.completedFuture(id);
            }
            wait = fetching ? inFlight : startFetch();
        }
        return wait.thenCompose(block -> nextProducerId());
    }

    /** Starts a background claim; the returned stage completes after the block has been recorded. */
    private CompletableFuture<ProducerIdBlock> startFetch() {
        fetching = true;
        CompletableFuture<ProducerIdBlock> claim = CompletableFuture.supplyAsync(
                        () -> source.claim(brokerId, blockSize), ioExecutor)
                .whenComplete(this::onClaimed);
        if (fetching) {
            inFlight = claim;
        }
        return claim;
    }

    private synchronized void onClaimed(ProducerIdBlock block, Throwable failure) {
        fetching = false;
        inFlight = null;
        if (failure != null) {
            log.warn("{} could not claim a producer id block: {}", logPrefix, failure.toString());
            return;
        }
        log.info("{} claimed producer ids {}..{}", logPrefix, block.firstProducerId(), block.lastProducerId());
        prefetched = block;
    }
}
