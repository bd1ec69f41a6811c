package io.sluice.broker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.broker.server.BrokerServer;
import io.sluice.replication.fetcher.FollowerPartition;
import io.sluice.replication.fetcher.InitialFetchState;
import io.sluice.replication.fetcher.ReplicaFetcherManager;
import io.sluice.replication.log.FileSlice;
import io.sluice.replication.log.UnifiedLog;
import io.sluice.replication.partition.Partition;
import io.sluice.replication.partition.PartitionState;
import io.sluice.replication.partition.ReplicaManager;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;

/**
 * Looks at and pokes one broker's replicas from a test: their logs' bytes below an offset, and a test-only pause of a
 * follower's fetching.
 *
 * <p>Pausing removes the partitions from the broker's replica fetcher manager (reached by reflection: production code
 * has no reason to expose it), exactly what a new LeaderAndIsr does before it adds them back; resuming adds them
 * again from the leader and epoch the replica currently follows. A LeaderAndIsr that arrives meanwhile adds them back
 * on its own, as in production.
 *
 * <p>Concurrency: stateless; call from the test thread.
 */
final class ReplicationReplicas {
    private ReplicationReplicas() {}

    /** Stops {@code broker} fetching these partitions (it stays a follower, in the ISR until it lags too long). */
    static void pauseFetching(BrokerServer broker, Collection<TopicPartition> tps) {
        fetcherManager(broker).removeFetcherForPartitions(tps);
    }

    /** Makes {@code broker} fetch these partitions again from the leader it follows. */
    static void resumeFetching(BrokerServer broker, Collection<TopicPartition> tps) {
        Map<FollowerPartition, InitialFetchState> fetch = new LinkedHashMap<>();
        for (TopicPartition tp : tps) {
            Partition p = partition(broker, tp);
            PartitionState s = p.state();
            if (s.leaderId() >= 0 && s.leaderId() != broker.brokerId()) {
                fetch.put(p, new InitialFetchState(s.leaderId(), s.leaderEpoch()));
            }
        }
        fetcherManager(broker).addFetcherForPartitions(fetch);
    }

    private static ReplicaFetcherManager fetcherManager(BrokerServer broker) {
        try {
            Field field = ReplicaManager.class.getDeclaredField("fetcherManager");
            field.setAccessible(true);
            return (ReplicaFetcherManager) field.get(broker.replicaManager());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot reach the replica fetcher manager of " + broker, e);
        }
    }

    static Partition partition(BrokerServer broker, TopicPartition tp) {
        return broker.replicaManager()
                .partition(tp)
                .orElseThrow(() -> new IllegalStateException("broker " + broker.brokerId() + " has no " + tp));
    }

    static long highWatermark(BrokerServer broker, TopicPartition tp) {
        return partition(broker, tp).highWatermark();
    }

    static long logEndOffset(BrokerServer broker, TopicPartition tp) {
        return partition(broker, tp).logEndOffset();
    }

    static int leaderEpoch(BrokerServer broker, TopicPartition tp) {
        return partition(broker, tp).leaderEpoch();
    }

    /**
     * The bytes of the record batches of {@code tp} on {@code broker} from the log start up to {@code endOffset}
     * (exclusive, on a batch boundary), read from the segment files.
     */
    static byte[] logBytes(BrokerServer broker, TopicPartition tp, long endOffset) {
        UnifiedLog log = broker.logManager()
                .getLog(tp)
                .orElseThrow(() -> new IllegalStateException("broker " + broker.brokerId() + " has no log " + tp));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long offset = log.logStartOffset();
        while (offset < endOffset) {
            FileSlice slice = log.read(offset, 1 << 20, endOffset).records();
            if (slice.isEmpty()) {
                break;
            }
            try {
                MemoryRecords records = slice.readRecords();
                long next = offset;
                for (MutableRecordBatch batch : records.batches()) {
                    next = batch.nextOffset();
                }
                ByteBuffer bytes = records.buffer();
                out.write(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
                offset = next;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        assertThat(offset)
                .as("batches of %s on broker %d read up to %d", tp, broker.brokerId(), endOffset)
                .isEqualTo(endOffset);
        return out.toByteArray();
    }

    /**
     * Waits until every running broker holds {@code tp} up to the leader's log end with the high watermark there, then
     * asserts that their logs are byte-identical; returns the common end offset.
     */
    static long awaitIdenticalReplicas(InJvmCluster cluster, TopicPartition tp) {
        int leader = cluster.awaitLeader(tp);
        long end = await().atMost(InJvmCluster.WAIT).until(() -> converged(cluster, tp), e -> e >= 0);
        byte[] leaderBytes = logBytes(cluster.broker(leader), tp, end);
        for (int id : cluster.brokerIds()) {
            assertThat(logBytes(cluster.broker(id), tp, end))
                    .as("bytes of %s below %d on broker %d equal the leader %d's", tp, end, id, leader)
                    .isEqualTo(leaderBytes);
        }
        return end;
    }

    /** The common log end offset and high watermark of {@code tp} on every running broker, or -1. */
    private static long converged(InJvmCluster cluster, TopicPartition tp) {
        long end = -1;
        for (int id : cluster.brokerIds()) {
            BrokerServer b = cluster.broker(id);
            if (!b.isRunning() || b.replicaManager().partition(tp).isEmpty()) {
                return -1;
            }
            long leo = logEndOffset(b, tp);
            if (highWatermark(b, tp) != leo || (end >= 0 && end != leo)) {
                return -1;
            }
            end = leo;
        }
        return end;
    }

    /** The partitions {@code broker} hosts of {@code topic}. */
    static List<TopicPartition> hosted(BrokerServer broker, String topic) {
        return broker.replicaManager().partitions().stream()
                .map(Partition::topicPartition)
                .filter(tp -> tp.topic().equals(topic))
                .toList();
    }
}
