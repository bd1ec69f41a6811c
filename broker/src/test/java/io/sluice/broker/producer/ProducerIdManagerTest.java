package io.sluice.broker.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.broker.testing.EmbeddedZooKeeper;
import io.sluice.metadata.model.ProducerIdBlock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class ProducerIdManagerTest {
    @TempDir
    Path dataDir;

    private final ExecutorService io = Executors.newFixedThreadPool(2);

    @AfterEach
    void stop() {
        io.shutdownNow();
    }

    private static long next(ProducerIdManager manager) {
        return manager.nextProducerId()
                .toCompletableFuture()
                .orTimeout(10, TimeUnit.SECONDS)
                .join();
    }

    @Test
    void twoBrokersNeverHandOutTheSameIdAcrossSeveralBlocks() throws Exception {
        try (EmbeddedZooKeeper zk = new EmbeddedZooKeeper(dataDir.toFile())) {
            ProducerIdManager first = ProducerIdManager.zooKeeper(1, zk.newSession(), io);
            ProducerIdManager second = ProducerIdManager.zooKeeper(2, zk.newSession(), io);
            List<CompletableFuture<List<Long>>> runs = new ArrayList<>();
            for (ProducerIdManager manager : List.of(first, second)) {
                runs.add(CompletableFuture.supplyAsync(() -> {
                    List<Long> ids = new ArrayList<>();
                    for (int i = 0; i < 3500; i++) {
                        ids.add(next(manager));
                    }
                    return ids;
                }));
            }
            Set<Long> all = new HashSet<>();
            int total = 0;
            for (CompletableFuture<List<Long>> run : runs) {
                List<Long> ids = run.get(50, TimeUnit.SECONDS);
                total += ids.size();
                all.addAll(ids);
                assertThat(ids).isSorted();
            }
            assertThat(total).isEqualTo(7000);
            assertThat(all).hasSize(7000);
            assertThat(all).allMatch(id -> id >= 0);
        }
    }

    @Test
    void prefetchesTheNextBlockWhenNinetyPercentIsUsed() {
        AtomicInteger claims = new AtomicInteger();
        ProducerIdManager manager = new ProducerIdManager(
                1,
                (broker, size) -> new ProducerIdBlock(broker, (long) claims.getAndIncrement() * size, size),
                10,
                Runnable::run);

        for (int i = 0; i < 8; i++) {
            assertThat(next(manager)).isEqualTo(i);
        }
        assertThat(claims.get()).isEqualTo(1);
        assertThat(next(manager)).isEqualTo(8);
        assertThat(claims.get()).isEqualTo(2);
        assertThat(next(manager)).isEqualTo(9);
        assertThat(next(manager)).isEqualTo(10);
        assertThat(claims.get()).isEqualTo(2);
    }

    @Test
    void aFailedClaimFailsTheWaitersAndIsRetriedByTheNextCall() {
        AtomicInteger claims = new AtomicInteger();
        ProducerIdManager manager = new ProducerIdManager(
                1,
                (broker, size) -> {
                    if (claims.getAndIncrement() == 0) {
                        throw new IllegalStateException("ZooKeeper unavailable");
                    }
                    return new ProducerIdBlock(broker, 5000, size);
                },
                10,
                io);

        assertThatThrownBy(() -> next(manager)).isInstanceOf(CompletionException.class);
        assertThat(next(manager)).isEqualTo(5000);
    }
}
