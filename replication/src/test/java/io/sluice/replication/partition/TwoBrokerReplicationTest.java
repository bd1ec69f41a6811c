package io.sluice.replication.partition;

import static io.sluice.replication.partition.TestRecords.idempotent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.replication.log.UnifiedLog;
import io.sluice.testsupport.ManualClock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A leader and a follower broker wired through an in-memory fetch path, with the real fetcher threads. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TwoBrokerReplicationTest {
    private static final TopicPartition TP = new TopicPartition("orders", 0);

    @TempDir
    Path dir1;

    @TempDir
    Path dir2;

    private final ManualClock clock = new ManualClock();
    private final ControllerStub controller = new ControllerStub(true);
    private TestBroker leader;
    private TestBroker follower;

    @BeforeEach
    void setUp() {
        leader = new TestBroker(1, dir1, clock, controller, TestBroker.UNREACHABLE);
        follower = new TestBroker(
                2, dir2, clock, controller, id -> new InMemoryLeaderEndpoint(id, () -> leader.replicaManager));
    }

    @AfterEach
    void tearDown() {
        follower.close();
        leader.close();
    }

    @Test
    void acksAllCompletesThroughRealFollowerFetchesAndBothLogsAreByteIdentical() throws IOException {
        assertThat(leader.leaderAndIsr(TP, 1, 1, List.of(1, 2), List.of(1, 2), 0, 2))
                .isEqualTo(Errors.NONE);
        assertThat(follower.leaderAndIsr(TP, 1, 1, List.of(1, 2), List.of(1, 2), 0, 2))
                .isEqualTo(Errors.NONE);

        List<CompletableFuture<AppendResult>> sends = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            sends.add(leader.produce(TP, idempotent(11L, (short) 0, 2 * i, "k" + i, "v" + i), -1, 60_000L));
        }
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> {
                    clock.advance(20);
                    return sends.stream().allMatch(CompletableFuture::isDone);
                });
        for (int i = 0; i < 20; i++) {
            AppendResult result = sends.get(i).join();
            assertThat(result.error()).isEqualTo(Errors.NONE);
            assertThat(result.baseOffset()).isEqualTo(2L * i);
        }

        Partition leaderPartition = leader.partition(TP);
        Partition followerPartition = follower.partition(TP);
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> {
                    clock.advance(20);
                    return followerPartition.highWatermark() == 40;
                });
        assertThat(leaderPartition.highWatermark()).isEqualTo(40);
        assertThat(followerPartition.logEndOffset()).isEqualTo(40);
        assertThat(leaderPartition.state().isr()).containsExactly(1, 2);
        assertThat(bytes(followerPartition.replicaLog().log()))
                .isEqualTo(bytes(leaderPartition.replicaLog().log()));
        assertThat(followerPartition.replicaLog().epochCache().epochEntries())
                .isEqualTo(leaderPartition.replicaLog().epochCache().epochEntries());
        assertThat(followerPartition.replicaLog().producerCount()).isEqualTo(1);
    }

    @Test
    void followerCatchesUpAndIsAddedBackToTheIsr() {
        assertThat(leader.leaderAndIsr(TP, 1, 1, List.of(1), List.of(1, 2), 0, 1))
                .isEqualTo(Errors.NONE);
        for (int i = 0; i < 5; i++) {
            assertThat(leader.produceNow(TP, TestRecords.plain("v" + i), 1).error())
                    .isEqualTo(Errors.NONE);
        }
        assertThat(follower.leaderAndIsr(TP, 1, 1, List.of(1), List.of(1, 2), 0, 1))
                .isEqualTo(Errors.NONE);

        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> {
                    clock.advance(20);
                    return leader.partition(TP).state().isr().contains(2);
                });
        assertThat(controller.requests()).isNotEmpty();
        assertThat(follower.partition(TP).logEndOffset()).isEqualTo(5);
    }

    @Test
    void aFollowerServesConsumersThatMayReadFromFollowersBelowItsOwnHighWatermark() {
        assertThat(leader.leaderAndIsr(TP, 1, 1, List.of(1, 2), List.of(1, 2), 0, 2))
                .isEqualTo(Errors.NONE);
        assertThat(follower.leaderAndIsr(TP, 1, 1, List.of(1, 2), List.of(1, 2), 0, 2))
                .isEqualTo(Errors.NONE);
        for (int i = 0; i < 5; i++) {
            assertThat(leader.produceNow(TP, TestRecords.plain("v" + i), 1).error())
                    .isEqualTo(Errors.NONE);
        }
        Partition followerPartition = follower.partition(TP);
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> {
                    clock.advance(20);
                    return followerPartition.highWatermark() == 5;
                });

        ReadResult leaderOnly = followerPartition.fetchRecords(0L, 1 << 20, FetchIsolation.HIGH_WATERMARK, 1, -1);
        ReadResult fromFollower =
                followerPartition.fetchRecords(0L, 1 << 20, FetchIsolation.HIGH_WATERMARK, 1, -1, false);
        ReadResult staleEpoch =
                followerPartition.fetchRecords(0L, 1 << 20, FetchIsolation.HIGH_WATERMARK, 0, -1, false);
        ReadResult pastTheEnd =
                followerPartition.fetchRecords(9L, 1 << 20, FetchIsolation.HIGH_WATERMARK, 1, -1, false);

        assertThat(leaderOnly.error()).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
        assertThat(fromFollower.error()).isEqualTo(Errors.NONE);
        assertThat(fromFollower.highWatermark()).isEqualTo(5L);
        assertThat(fromFollower.bytes()).isGreaterThan(0);
        assertThat(staleEpoch.error()).isEqualTo(Errors.FENCED_LEADER_EPOCH);
        assertThat(pastTheEnd.error()).isEqualTo(Errors.OFFSET_OUT_OF_RANGE);
    }

    private static byte[] bytes(UnifiedLog log) throws IOException {
        ByteBuffer buffer = log.read(0L, Integer.MAX_VALUE, log.logEndOffset())
                .records()
                .readRecords()
                .buffer();
        byte[] out = new byte[buffer.remaining()];
        buffer.get(out);
        return out;
    }
}
