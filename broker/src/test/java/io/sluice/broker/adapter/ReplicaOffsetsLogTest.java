package io.sluice.broker.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.broker.group.CommittedOffset;
import io.sluice.broker.group.LoadedPartition;
import io.sluice.broker.group.OffsetsTopic;
import io.sluice.broker.group.StoredGroup;
import io.sluice.broker.group.store.LogGroupStore;
import io.sluice.broker.metadata.MetadataCache;
import io.sluice.broker.testing.ControlRequests;
import io.sluice.broker.testing.LocalReplicaManager;
import io.sluice.replication.log.LogConfig;
import io.sluice.replication.log.LogManager;
import io.sluice.replication.log.UnifiedLog;
import io.sluice.replication.partition.ReplicaManager;
import io.sluice.replication.partition.TopicSettings;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.message.LeaderAndIsrRequestData.LeaderAndIsrPartitionState;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ReplicaOffsetsLog} over a real {@link ReplicaManager} and {@link LogManager} in a temp dir (broker 1, no
 * peers reachable): appends go through the leader path with acks=all, reads replay every segment.
 */
@Timeout(60)
class ReplicaOffsetsLogTest {
    private static final int BROKER = 1;
    private static final Uuid OFFSETS_ID = Uuid.fromString("AAAAAAAAAAAAAAAAAAAAEg");
    private static final int CONFIGURED_PARTITIONS = 50;
    /** Small segments, so a load crosses many of them. */
    private static final LogConfig CONFIG =
            LogConfig.defaults().withSegmentBytes(2048).withMaxIndexSize(64 * 1024);

    @TempDir
    Path dir;

    private LocalReplicaManager local;
    private LogManager logManager;
    private ReplicaManager replicaManager;
    private final MetadataCache cache = new MetadataCache(BROKER, "cluster");
    private ReplicaOffsetsLog offsetsLog;

    @BeforeEach
    void start() {
        local = new LocalReplicaManager(BROKER, dir, CONFIG);
        logManager = local.logManager;
        replicaManager = local.replicaManager;
        offsetsLog = new ReplicaOffsetsLog(BROKER, replicaManager, logManager, cache, CONFIGURED_PARTITIONS);
    }

    @AfterEach
    void stop() throws InterruptedException {
        local.close();
    }

    private void lead(int partition, List<Integer> replicas) {
        LeaderAndIsrPartitionState state = new LeaderAndIsrPartitionState()
                .setTopicName(OffsetsTopic.NAME)
                .setPartitionIndex(partition)
                .setLeader(BROKER)
                .setLeaderEpoch(3)
                .setIsr(replicas)
                .setReplicas(replicas)
                .setPartitionEpoch(1);
        Map<TopicPartition, Errors> result = replicaManager.becomeLeaderOrFollower(
                1, List.of(state), Map.of(OffsetsTopic.NAME, OFFSETS_ID), topic -> new TopicSettings(1, CONFIG));
        assertThat(result).containsEntry(new TopicPartition(OffsetsTopic.NAME, partition), Errors.NONE);
    }

    private static Errors await(CompletableFuture<Errors> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aStoreOverTheReplicaLogReadsBackEveryCommitAcrossSegments() throws Exception {
        lead(7, List.of(BROKER));
        LogGroupStore store = new LogGroupStore(BROKER, offsetsLog, Clock.systemUTC(), 5_000L);
        TopicPartition orders = new TopicPartition("orders", 0);
        int commits = 200;
        for (int i = 1; i <= commits; i++) {
            CommittedOffset offset = new CommittedOffset(i, 2, "m", 1_000L + i, -1L);
            assertThat(await(store.storeOffsets(7, "g" + (i % 10), Map.of(orders, offset))))
                    .isEqualTo(Errors.NONE);
        }
        StoredGroup group = new StoredGroup("g1", "consumer", 4, Optional.of("range"), Optional.empty(), 5L, List.of());
        assertThat(await(store.storeGroup(7, group))).isEqualTo(Errors.NONE);
        assertThat(await(store.delete(7, "g0", List.of(orders), false))).isEqualTo(Errors.NONE);
        UnifiedLog log =
                logManager.getLog(new TopicPartition(OffsetsTopic.NAME, 7)).orElseThrow();
        assertThat(log.numberOfSegments()).isGreaterThan(5);

        List<Long> baseOffsets = new ArrayList<>();
        long end = offsetsLog.read(7, batch -> baseOffsets.add(batch.baseOffset()));
        assertThat(end).isEqualTo(log.logEndOffset()).isEqualTo(commits + 2L);
        assertThat(baseOffsets).hasSize(commits + 2);
        for (int i = 0; i < baseOffsets.size(); i++) {
            assertThat(baseOffsets.get(i)).isEqualTo((long) i);
        }

        LoadedPartition loaded = store.load(7);
        assertThat(loaded.offsets()).hasSize(9).doesNotContainKey("g0");
        // the latest commit of g3 is i = 193
        assertThat(loaded.offsets().get("g3").get(orders).offset()).isEqualTo(193L);
        assertThat(loaded.groups()).containsOnlyKeys("g1");
        assertThat(loaded.groups().get("g1").generationId()).isEqualTo(4);
    }

    @Test
    void anAppendWaitsForTheIsrLikeAcksAll() throws Exception {
        lead(2, List.of(BROKER, 2));
        MemoryRecords records =
                MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(1L, new byte[] {1}, new byte[] {2}));
        // broker 2 never fetches: the high watermark cannot pass the batch
        assertThat(await(offsetsLog.append(2, records, 200L))).isEqualTo(Errors.REQUEST_TIMED_OUT);
        // the batch is in the leader's log all the same, and a load reads up to the log end
        List<RecordBatch> read = new ArrayList<>();
        assertThat(offsetsLog.read(2, read::add)).isEqualTo(1L);
        assertThat(read).hasSize(1);
    }

    @Test
    void aPartitionThisBrokerDoesNotHostIsNotLeaderOrFollower() throws Exception {
        MemoryRecords records =
                MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(1L, new byte[] {1}, new byte[] {2}));
        assertThat(await(offsetsLog.append(4, records, 1_000L))).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
        assertThatThrownBy(() -> offsetsLog.read(4, batch -> {})).isInstanceOf(NotLeaderOrFollowerException.class);
    }

    @Test
    void anEmptyPartitionReadsNothing() throws Exception {
        lead(0, List.of(BROKER));
        List<RecordBatch> read = new ArrayList<>();
        assertThat(offsetsLog.read(0, read::add)).isZero();
        assertThat(read).isEmpty();
    }

    @Test
    void thePartitionCountIsTheTopicsOnceKnownElseTheConfiguredOne() {
        assertThat(offsetsLog.partitionCount()).isEqualTo(CONFIGURED_PARTITIONS);
        ControlRequests.UpdateMetadataBuilder update =
                ControlRequests.updateMetadata(1, 1).broker(BROKER, 9092, Optional.empty());
        for (int p = 0; p < 3; p++) {
            update.partition(OffsetsTopic.NAME, OFFSETS_ID, p, BROKER, List.of(BROKER));
        }
        cache.update(update.build());
        assertThat(offsetsLog.partitionCount()).isEqualTo(3);
    }
}
