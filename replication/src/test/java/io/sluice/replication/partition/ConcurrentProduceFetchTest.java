package io.sluice.replication.partition;

import static io.sluice.replication.partition.TestRecords.plain;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.testsupport.ManualClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Producers with acks=all, a simulated follower and a high-watermark observer on separate threads: every produce
 * completes, offsets are unique and the high watermark only rises.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConcurrentProduceFetchTest {
    private static final TopicPartition TP = new TopicPartition("orders", 0);
    private static final int PRODUCERS = 4;
    private static final int BATCHES = 150;

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock();
    private TestBroker broker;
    private ExecutorService pool;

    @BeforeEach
    void setUp() {
        broker = new TestBroker(1, dir, clock, new ControllerStub(true), TestBroker.UNREACHABLE);
        pool = Executors.newFixedThreadPool(PRODUCERS + 2);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        pool.shutdownNow();
        pool.awaitTermination(10, TimeUnit.SECONDS);
        broker.close();
    }

    @Test
    void acksAllProducesCompleteWithUniqueOffsetsAndMonotonicHighWatermark() throws Exception {
        broker.leaderAndIsr(TP, 1, 1, List.of(1, 2), List.of(1, 2), 0, 2);
        Partition p = broker.partition(TP);
        ConcurrentLinkedQueue<CompletableFuture<AppendResult>> sends = new ConcurrentLinkedQueue<>();
        AtomicBoolean done = new AtomicBoolean();
        List<String> violations = new ArrayList<>();

        pool.submit(() -> {
            long last = -1;
            while (!done.get()) {
                long hw = p.highWatermark();
                if (hw < last) {
                    synchronized (violations) {
                        violations.add("HW went from " + last + " to " + hw);
                    }
                }
                last = hw;
            }
        });
        pool.submit(() -> {
            long offset = 0;
            while (!done.get()) {
                ReadResult r = broker.followerFetch(TP, 2, offset);
                offset = nextOffset(r, offset);
            }
        });
        List<CompletableFuture<?>> producers = new ArrayList<>();
        for (int t = 0; t < PRODUCERS; t++) {
            int id = t;
            producers.add(CompletableFuture.runAsync(
                    () -> {
                        for (int i = 0; i < BATCHES; i++) {
                            sends.add(broker.produce(TP, plain("p" + id + "-" + i, "x"), -1, 60_000L));
                        }
                    },
                    pool));
        }
        CompletableFuture.allOf(producers.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(30)).until(() -> sends.stream().allMatch(CompletableFuture::isDone));
        done.set(true);

        Set<Long> offsets = new HashSet<>();
        for (CompletableFuture<AppendResult> send : sends) {
            AppendResult result = send.join();
            assertThat(result.error()).isEqualTo(Errors.NONE);
            assertThat(offsets.add(result.baseOffset())).isTrue();
        }
        assertThat(offsets).hasSize(PRODUCERS * BATCHES);
        assertThat(p.logEndOffset()).isEqualTo(2L * PRODUCERS * BATCHES);
        assertThat(p.highWatermark()).isEqualTo(p.logEndOffset());
        assertThat(violations).isEmpty();
    }

    private static long nextOffset(ReadResult r, long offset) {
        if (r.records().isEmpty() || r.bytes() == 0) {
            return offset;
        }
        try {
            long next = offset;
            for (RecordBatch batch : r.records().get().readRecords().batches()) {
                next = batch.nextOffset();
            }
            return next;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
