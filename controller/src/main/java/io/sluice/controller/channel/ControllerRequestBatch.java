package io.sluice.controller.channel;

import io.sluice.controller.context.ControllerContext;
import io.sluice.metadata.model.BrokerInfo;
import io.sluice.metadata.model.Endpoint;
import io.sluice.metadata.model.LeaderAndIsr;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.LeaderAndIsrRequestData;
import org.apache.kafka.common.message.LeaderAndIsrResponseData;
import org.apache.kafka.common.message.StopReplicaRequestData;
import org.apache.kafka.common.message.StopReplicaResponseData;
import org.apache.kafka.common.message.UpdateMetadataRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker requests one controller event produces, accumulated while the event is handled and sent when it ends
 * ({@link #sendRequestsToBrokers}): per broker one LeaderAndIsr with only that broker's partitions, one UpdateMetadata
 * (to every live broker), one StopReplica per delete flag. If the event fails, in particular when the controller lost
 * its epoch fence, the batch is {@link #clear() cleared} and nothing is sent.
 *
 * <p>UpdateMetadata partition states are taken from the context at send time, so they reflect every write of the
 * event. Leaders of partitions of topics queued for deletion are sent as {@link LeaderAndIsr#LEADER_DURING_DELETE}.
 *
 * <p>Concurrency: used only by the controller event thread.
 */
public final class ControllerRequestBatch {
    private static final Logger log = LoggerFactory.getLogger(ControllerRequestBatch.class);

    /** Leader epoch sent in StopReplica with delete, so brokers delete whatever epoch they hold (Kafka's value). */
    public static final int EPOCH_DURING_DELETE = -2;

    /** Receives responses, on the channel's threads; the controller enqueues them as events. */
    public interface ResponseListener {
        void onLeaderAndIsrResponse(int brokerId, LeaderAndIsrResponseData response);

        /** {@code response} is null when the request failed without an answer. */
        void onStopReplicaResponse(int brokerId, boolean delete, List<String> topics, StopReplicaResponseData response);
    }

    private record LeaderAndIsrEntry(LeaderAndIsr state, List<Integer> replicas, boolean isNew) {}

    private final int controllerId;
    private final BrokerChannel channel;
    private final ResponseListener listener;
    private final String interBrokerListener;
    private final Map<Integer, Map<TopicPartition, LeaderAndIsrEntry>> leaderAndIsr = new TreeMap<>();
    private final Set<Integer> updateMetadataBrokers = new TreeSet<>();
    private final Set<TopicPartition> updateMetadataPartitions = new LinkedHashSet<>();
    private final Map<Integer, Map<Boolean, Map<TopicPartition, Integer>>> stopReplica = new TreeMap<>();

    public ControllerRequestBatch(
            int controllerId, BrokerChannel channel, ResponseListener listener, String interBrokerListener) {
        this.controllerId = controllerId;
        this.channel = channel;
        this.listener = listener;
        this.interBrokerListener = interBrokerListener;
    }

    /** Discards everything accumulated (the event failed). */
    public void clear() {
        leaderAndIsr.clear();
        updateMetadataBrokers.clear();
        updateMetadataPartitions.clear();
        stopReplica.clear();
    }

    public boolean isEmpty() {
        return leaderAndIsr.isEmpty() && updateMetadataBrokers.isEmpty() && stopReplica.isEmpty();
    }

    /** Tells {@code brokerIds} (the live replicas of {@code tp}) its leader and ISR. */
    public void addLeaderAndIsr(
            Collection<Integer> brokerIds,
            TopicPartition tp,
            LeaderAndIsr state,
            List<Integer> replicas,
            boolean isNew) {
        for (int b : brokerIds) {
            leaderAndIsr
                    .computeIfAbsent(b, k -> new LinkedHashMap<>())
                    .put(tp, new LeaderAndIsrEntry(state, replicas, isNew));
        }
    }

    /** Sends UpdateMetadata with {@code partitions} (possibly none: live brokers only) to {@code brokerIds}. */
    public void addUpdateMetadata(Collection<Integer> brokerIds, Collection<TopicPartition> partitions) {
        updateMetadataBrokers.addAll(brokerIds);
        updateMetadataPartitions.addAll(partitions);
    }

    /** Tells {@code brokerId} to stop (and with {@code delete}, delete) its replica of {@code tp}. */
    public void addStopReplica(int brokerId, TopicPartition tp, boolean delete, int leaderEpoch) {
        stopReplica
                .computeIfAbsent(brokerId, k -> new TreeMap<>())
                .computeIfAbsent(delete, k -> new LinkedHashMap<>())
                .put(tp, delete ? EPOCH_DURING_DELETE : leaderEpoch);
    }

    /** Sends everything accumulated to the brokers that are live in {@code ctx}, then clears the batch. */
    public void sendRequestsToBrokers(ControllerContext ctx) {
        try {
            sendLeaderAndIsr(ctx);
            sendUpdateMetadata(ctx);
            sendStopReplica(ctx);
        } finally {
            clear();
        }
    }

    private void sendLeaderAndIsr(ControllerContext ctx) {
        int epoch = ctx.epoch();
        leaderAndIsr.forEach((brokerId, partitions) -> {
            BrokerInfo broker = ctx.liveBrokers().get(brokerId);
            if (broker == null) {
                return;
            }
            Map<String, LeaderAndIsrRequestData.LeaderAndIsrTopicState> topics = new TreeMap<>();
            Set<Integer> leaders = new TreeSet<>();
            partitions.forEach((tp, e) -> {
                topics.computeIfAbsent(
                                tp.topic(),
                                t -> new LeaderAndIsrRequestData.LeaderAndIsrTopicState()
                                        .setTopicName(t)
                                        .setTopicId(ctx.topicId(t)))
                        .partitionStates()
                        .add(new LeaderAndIsrRequestData.LeaderAndIsrPartitionState()
                                .setTopicName(tp.topic())
                                .setPartitionIndex(tp.partition())
                                .setControllerEpoch(e.state().controllerEpoch())
                                .setLeader(e.state().leader())
                                .setLeaderEpoch(e.state().leaderEpoch())
                                .setIsr(new ArrayList<>(e.state().isr()))
                                .setPartitionEpoch(e.state().partitionEpoch())
                                .setReplicas(new ArrayList<>(e.replicas()))
                                .setAddingReplicas(new ArrayList<>(reassigning(ctx, tp, true)))
                                .setRemovingReplicas(new ArrayList<>(reassigning(ctx, tp, false)))
                                .setIsNew(e.isNew()));
                if (e.state().hasLeader()) {
                    leaders.add(e.state().leader());
                }
            });
            List<LeaderAndIsrRequestData.LeaderAndIsrLiveLeader> liveLeaders = new ArrayList<>();
            for (int leader : leaders) {
                BrokerInfo lb = ctx.liveBrokers().get(leader);
                if (lb != null) {
                    Endpoint ep = endpoint(lb);
                    liveLeaders.add(new LeaderAndIsrRequestData.LeaderAndIsrLiveLeader()
                            .setBrokerId(leader)
                            .setHostName(ep.host())
                            .setPort(ep.port()));
                }
            }
            LeaderAndIsrRequestData request = new LeaderAndIsrRequestData()
                    .setControllerId(controllerId)
                    .setControllerEpoch(epoch)
                    .setBrokerEpoch(broker.brokerEpoch())
                    .setTopicStates(new ArrayList<>(topics.values()))
                    .setLiveLeaders(liveLeaders);
            channel.leaderAndIsr(brokerId, request).whenComplete((response, error) -> {
                if (error != null) {
                    log.warn(
                            "[Controller id={} epoch={}] LeaderAndIsr to broker {} failed: {}",
                            controllerId,
                            epoch,
                            brokerId,
                            error.toString());
                } else {
                    listener.onLeaderAndIsrResponse(brokerId, response);
                }
            });
        });
    }

    private void sendUpdateMetadata(ControllerContext ctx) {
        int epoch = ctx.epoch();
        if (updateMetadataBrokers.isEmpty()) {
            return;
        }
        Map<String, UpdateMetadataRequestData.UpdateMetadataTopicState> topics = new TreeMap<>();
        for (TopicPartition tp : updateMetadataPartitions) {
            LeaderAndIsr s = ctx.leaderAndIsr(tp).orElse(null);
            if (s == null) {
                continue;
            }
            List<Integer> replicas = ctx.replicas(tp);
            List<Integer> offline =
                    replicas.stream().filter(b -> !ctx.isLive(b)).toList();
            int leader = ctx.isQueuedForDeletion(tp.topic()) ? LeaderAndIsr.LEADER_DURING_DELETE : s.leader();
            topics.computeIfAbsent(
                            tp.topic(),
                            t -> new UpdateMetadataRequestData.UpdateMetadataTopicState()
                                    .setTopicName(t)
                                    .setTopicId(ctx.topicId(t)))
                    .partitionStates()
                    .add(new UpdateMetadataRequestData.UpdateMetadataPartitionState()
                            .setTopicName(tp.topic())
                            .setPartitionIndex(tp.partition())
                            .setControllerEpoch(s.controllerEpoch())
                            .setLeader(leader)
                            .setLeaderEpoch(s.leaderEpoch())
                            .setIsr(new ArrayList<>(s.isr()))
                            .setZkVersion(s.partitionEpoch())
                            .setReplicas(new ArrayList<>(replicas))
                            .setOfflineReplicas(new ArrayList<>(offline)));
        }
        List<UpdateMetadataRequestData.UpdateMetadataBroker> liveBrokers = new ArrayList<>();
        for (BrokerInfo b : ctx.liveBrokers().values()) {
            List<UpdateMetadataRequestData.UpdateMetadataEndpoint> endpoints = new ArrayList<>();
            for (Endpoint ep : b.endpoints()) {
                endpoints.add(new UpdateMetadataRequestData.UpdateMetadataEndpoint()
                        .setHost(ep.host())
                        .setPort(ep.port())
                        .setListener(ep.listenerName())
                        // SecurityProtocol is declared in Kafka's id order: PLAINTEXT 0, SSL 1, SASL_PLAINTEXT 2,
                        // SASL_SSL 3
                        .setSecurityProtocol((short) ep.securityProtocol().ordinal()));
            }
            liveBrokers.add(new UpdateMetadataRequestData.UpdateMetadataBroker()
                    .setId(b.id())
                    .setEndpoints(endpoints)
                    .setRack(b.rack().orElse(null)));
        }
        List<UpdateMetadataRequestData.UpdateMetadataTopicState> topicStates = new ArrayList<>(topics.values());
        for (int brokerId : updateMetadataBrokers) {
            BrokerInfo broker = ctx.liveBrokers().get(brokerId);
            if (broker == null) {
                continue;
            }
            UpdateMetadataRequestData request = new UpdateMetadataRequestData()
                    .setControllerId(controllerId)
                    .setControllerEpoch(epoch)
                    .setBrokerEpoch(broker.brokerEpoch())
                    .setTopicStates(topicStates)
                    .setLiveBrokers(liveBrokers);
            channel.updateMetadata(brokerId, request).whenComplete((response, error) -> {
                if (error != null) {
                    log.warn(
                            "[Controller id={} epoch={}] UpdateMetadata to broker {} failed: {}",
                            controllerId,
                            epoch,
                            brokerId,
                            error.toString());
                } else if (response.errorCode() != Errors.NONE.code()) {
                    log.warn(
                            "[Controller id={} epoch={}] UpdateMetadata to broker {} answered {}",
                            controllerId,
                            epoch,
                            brokerId,
                            Errors.forCode(response.errorCode()));
                }
            });
        }
    }

    private void sendStopReplica(ControllerContext ctx) {
        int epoch = ctx.epoch();
        stopReplica.forEach((brokerId, byDelete) -> {
            BrokerInfo broker = ctx.liveBrokers().get(brokerId);
            if (broker == null) {
                return;
            }
            byDelete.forEach((delete, partitions) -> {
                Map<String, StopReplicaRequestData.StopReplicaTopicState> topics = new TreeMap<>();
                partitions.forEach((tp, leaderEpoch) -> topics.computeIfAbsent(
                                tp.topic(), t -> new StopReplicaRequestData.StopReplicaTopicState().setTopicName(t))
                        .partitionStates()
                        .add(new StopReplicaRequestData.StopReplicaPartitionState()
                                .setPartitionIndex(tp.partition())
                                .setLeaderEpoch(leaderEpoch)
                                .setDeletePartition(delete)));
                StopReplicaRequestData request = new StopReplicaRequestData()
                        .setControllerId(controllerId)
                        .setControllerEpoch(epoch)
                        .setBrokerEpoch(broker.brokerEpoch())
                        .setTopicStates(new ArrayList<>(topics.values()));
                List<String> topicNames = List.copyOf(topics.keySet());
                channel.stopReplica(brokerId, request).whenComplete((response, error) -> {
                    if (error != null) {
                        log.warn(
                                "[Controller id={} epoch={}] StopReplica to broker {} failed: {}",
                                controllerId,
                                epoch,
                                brokerId,
                                error.toString());
                    }
                    listener.onStopReplicaResponse(brokerId, delete, topicNames, error == null ? response : null);
                });
            });
        });
    }

    /** The adding (or removing) replicas of a partition being reassigned, as the context has them at send time. */
    private static List<Integer> reassigning(ControllerContext ctx, TopicPartition tp, boolean adding) {
        return ctx.topic(tp.topic())
                .map(t -> t.partitions().get(tp.partition()))
                .map(a -> adding ? a.addingReplicas() : a.removingReplicas())
                .orElse(List.of());
    }

    private Endpoint endpoint(BrokerInfo broker) {
        return broker.endpoint(interBrokerListener)
                .orElseGet(() -> broker.endpoints().isEmpty()
                        ? Endpoint.plaintext("", 0)
                        : broker.endpoints().get(0));
    }
}
