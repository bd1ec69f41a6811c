package io.sluice.broker.control;

import io.sluice.broker.group.OffsetsPartitionListener;
import io.sluice.broker.group.OffsetsTopic;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.LeaderAndIsrRequestData.LeaderAndIsrPartitionState;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ReplicaControl} that, after its delegate applied a LeaderAndIsr or StopReplica request, tells an
 * {@link OffsetsPartitionListener} (the group coordinator) which partitions of {@value OffsetsTopic#NAME} this broker
 * now leads and which it no longer leads:
 *
 * <ul>
 *   <li>LeaderAndIsr, result {@code NONE}, leader = this broker → {@code onElection(partition, leaderEpoch)};
 *   <li>LeaderAndIsr, result {@code NONE}, another leader (or none) → {@code onResignation(partition, leaderEpoch)};
 *   <li>StopReplica (stop or delete), result {@code NONE} → {@code onResignation(partition, empty)}.
 * </ul>
 *
 * Partitions whose result is an error (a stale epoch, not a replica, a storage error) changed nothing and are not
 * reported. Calls follow the order of the partitions in the request. Like Kafka, a resignation is reported for every
 * follower transition, whether or not this broker led the partition before; the listener ignores what it does not
 * hold. A listener that throws is logged and does not change the request's answer.
 *
 * <p>Concurrency: stateless; runs on the thread applying the control request, under the control-request lock held by
 * the handlers, so listener calls are serialized and in request order.
 */
public final class OffsetsLeadershipControl implements ReplicaControl {
    private static final Logger log = LoggerFactory.getLogger(OffsetsLeadershipControl.class);

    /** A listener that ignores every change (until a group coordinator is plugged in). */
    public static final OffsetsPartitionListener NO_LISTENER = new OffsetsPartitionListener() {
        @Override
        public void onElection(int partition, int leaderEpoch) {}

        @Override
        public void onResignation(int partition, OptionalInt leaderEpoch) {}

        @Override
        public String toString() {
            return "NO_LISTENER";
        }
    };

    private final int brokerId;
    private final ReplicaControl delegate;
    private final OffsetsPartitionListener listener;
    private final String logPrefix;
    private final String topic;

    public OffsetsLeadershipControl(int brokerId, ReplicaControl delegate, OffsetsPartitionListener listener) {
        this(brokerId, OffsetsTopic.NAME, delegate, listener);
    }

    /** The same for the partitions of another internal topic ({@code __transaction_state}). */
    public OffsetsLeadershipControl(
            int brokerId, String topic, ReplicaControl delegate, OffsetsPartitionListener listener) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.brokerId = brokerId;
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.logPrefix = "[OffsetsLeadershipControl broker=" + brokerId + " topic=" + topic + "]";
    }

    @Override
    public Map<TopicPartition, Errors> becomeLeaderOrFollower(
            int controllerId,
            int controllerEpoch,
            List<LeaderAndIsrPartitionState> states,
            Map<String, Uuid> topicIds) {
        Map<TopicPartition, Errors> result =
                delegate.becomeLeaderOrFollower(controllerId, controllerEpoch, states, topicIds);
        for (LeaderAndIsrPartitionState state : states) {
            if (!topic.equals(state.topicName())) {
                continue;
            }
            TopicPartition tp = new TopicPartition(state.topicName(), state.partitionIndex());
            if (result.get(tp) != Errors.NONE) {
                continue;
            }
            int partition = state.partitionIndex();
            int epoch = state.leaderEpoch();
            if (state.leader() == brokerId) {
                notify(tp, "election", () -> listener.onElection(partition, epoch));
            } else {
                notify(tp, "resignation", () -> listener.onResignation(partition, OptionalInt.of(epoch)));
            }
        }
        return result;
    }

    @Override
    public Map<TopicPartition, Errors> stopReplicas(int controllerEpoch, List<StopReplicaPartition> partitions) {
        Map<TopicPartition, Errors> result = delegate.stopReplicas(controllerEpoch, partitions);
        for (StopReplicaPartition p : partitions) {
            TopicPartition tp = p.topicPartition();
            if (topic.equals(tp.topic()) && result.get(tp) == Errors.NONE) {
                notify(tp, "resignation", () -> listener.onResignation(tp.partition(), OptionalInt.empty()));
            }
        }
        return result;
    }

    private void notify(TopicPartition tp, String what, Runnable call) {
        log.info("{} {} of {}", logPrefix, what, tp);
        try {
            call.run();
        } catch (RuntimeException e) {
            log.error("{} the offsets listener failed on the {} of {}", logPrefix, what, tp, e);
        }
    }
}
