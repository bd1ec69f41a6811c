package io.sluice.replication.remote;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.replication.epoch.EpochEntry;
import io.sluice.replication.remote.RemoteLogDecisions.LocalSegment;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentId;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class RemoteLogDecisionsTest {
    private static final TopicIdPartition TIP = new TopicIdPartition(Uuid.randomUuid(), 0, "t");
    private static final long NOW = 1_000_000L;

    private static final List<LocalSegment> LOCAL = List.of(
            new LocalSegment(0, 10, 100),
            new LocalSegment(10, 20, 100),
            new LocalSegment(20, 30, 100),
            new LocalSegment(30, 35, 50)); // active

    @Test
    void copiesRolledSegmentsWhollyBelowTheBoundOnceInOrder() {
        assertThat(RemoteLogDecisions.segmentsToCopy(LOCAL, -1, 35))
                .extracting(LocalSegment::baseOffset)
                .containsExactly(0L, 10L, 20L);
        // the high watermark inside the third segment: it waits
        assertThat(RemoteLogDecisions.segmentsToCopy(LOCAL, -1, 25))
                .extracting(LocalSegment::baseOffset)
                .containsExactly(0L, 10L);
        // already copied up to 19: only the third
        assertThat(RemoteLogDecisions.segmentsToCopy(LOCAL, 19, 35))
                .extracting(LocalSegment::baseOffset)
                .containsExactly(20L);
        // a new leader whose segments start below the copied offset copies the one holding the next offset
        assertThat(RemoteLogDecisions.segmentsToCopy(LOCAL, 14, 35))
                .extracting(LocalSegment::baseOffset)
                .containsExactly(10L, 20L);
        // never the active segment, never an empty one
        assertThat(RemoteLogDecisions.segmentsToCopy(
                        List.of(new LocalSegment(0, 0, 0), new LocalSegment(0, 5, 9)), -1, 99))
                .isEmpty();
    }

    private static RemoteLogSegmentMetadata remote(long start, long end, int size, long maxTs) {
        return new RemoteLogSegmentMetadata(
                RemoteLogSegmentId.generateNew(TIP), start, end, maxTs, 1, NOW, size, Map.of(0, start));
    }

    @Test
    void totalRetentionDeletesTheOldestRemoteSegments() {
        List<RemoteLogSegmentMetadata> remote = List.of(
                remote(0, 9, 100, NOW - 5000), remote(10, 19, 100, NOW - 4000), remote(20, 29, 100, NOW - 1000));
        assertThat(RemoteLogDecisions.segmentsToDelete(remote, -1, -1, 50, 0, NOW))
                .isEmpty();
        // 300 remote + 50 local-only, 200 allowed: 150 over, one segment of 100 goes (two would undershoot)
        assertThat(RemoteLogDecisions.segmentsToDelete(remote, -1, 200, 50, 0, NOW))
                .extracting(RemoteLogSegmentMetadata::startOffset)
                .containsExactly(0L);
        assertThat(RemoteLogDecisions.segmentsToDelete(remote, 3000, -1, 50, 0, NOW))
                .extracting(RemoteLogSegmentMetadata::startOffset)
                .containsExactly(0L, 10L);
        // below the log start offset (DeleteRecords)
        assertThat(RemoteLogDecisions.segmentsToDelete(remote, -1, -1, 0, 20, NOW))
                .extracting(RemoteLogSegmentMetadata::startOffset)
                .containsExactly(0L, 10L);
        // the walk stops at the first kept segment
        List<RemoteLogSegmentMetadata> youngFirst = List.of(remote(0, 9, 100, NOW), remote(10, 19, 100, NOW - 5000));
        assertThat(RemoteLogDecisions.segmentsToDelete(youngFirst, 3000, -1, 0, 0, NOW))
                .isEmpty();
    }

    @Test
    void segmentEpochsAndCheckpointCoverTheSegment() {
        List<EpochEntry> history = List.of(new EpochEntry(0, 0), new EpochEntry(2, 15), new EpochEntry(5, 40));
        assertThat(RemoteLogDecisions.segmentEpochs(history, 10, 20, 9))
                .containsExactly(Map.entry(0, 10L), Map.entry(2, 15L));
        assertThat(RemoteLogDecisions.segmentEpochs(history, 20, 30, 9)).containsExactly(Map.entry(2, 20L));
        assertThat(RemoteLogDecisions.segmentEpochs(List.of(), 20, 30, 9)).containsExactly(Map.entry(9, 20L));
        String checkpoint = StandardCharsets.UTF_8
                .decode(RemoteLogDecisions.epochCheckpoint(history, 20))
                .toString();
        assertThat(checkpoint).isEqualTo("0\n2\n0 0\n2 15\n");
    }
}
