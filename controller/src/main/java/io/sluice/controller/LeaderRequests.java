package io.sluice.controller;

import io.sluice.controller.channel.ControllerRequestBatch;
import io.sluice.controller.context.ControllerContext;
import io.sluice.controller.context.ReplicaKey;
import io.sluice.controller.leader.ElectionResult;
import io.sluice.controller.leader.LeaderElection;
import io.sluice.controller.leader.LeaderImbalance;
import io.sluice.controller.statemachine.ReplicaState;
import io.sluice.metadata.model.BrokerInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ControlledShutdownResponseData;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leadership moves asked for by brokers, admins and the rebalance timer: controlled shutdown (move a broker's
 * leaderships away, drop it from ISRs, answer the partitions it still leads), ElectLeaders (preferred, type 0, or
 * unclean, type 1) and the automatic preferred-leader rebalance.
 *
 * <p>Concurrency: used only by the controller event thread.
 */
final class LeaderRequests {
    private static final Logger log = LoggerFactory.getLogger(LeaderRequests.class);

    private static final byte PREFERRED = 0;
    private static final byte UNCLEAN = 1;

    private final ControllerConfig config;
    private final ControllerContext ctx;
    private final PartitionLeadershipManager leadership;
    private final ControllerRequestBatch batch;

    LeaderRequests(
            ControllerConfig config,
            ControllerContext ctx,
            PartitionLeadershipManager leadership,
            ControllerRequestBatch batch) {
        this.config = config;
        this.ctx = ctx;
        this.leadership = leadership;
        this.batch = batch;
    }

    ControlledShutdownResponseData controlledShutdown(int brokerId, long brokerEpoch) {
        ControlledShutdownResponseData response = new ControlledShutdownResponseData();
        Optional<BrokerInfo> broker = ctx.liveBroker(brokerId);
        if (broker.isEmpty()) {
            return response.setErrorCode(Errors.BROKER_NOT_AVAILABLE.code());
        }
        if (brokerEpoch != -1 && broker.get().brokerEpoch() != brokerEpoch) {
            return response.setErrorCode(Errors.STALE_BROKER_EPOCH.code());
        }
        ctx.markShuttingDown(brokerId);
        log.info("[Controller epoch={}] controlled shutdown of broker {}", ctx.epoch(), brokerId);
        List<TopicPartition> partitions = ctx.partitionsOnBroker(brokerId).stream()
                .filter(tp -> ctx.replicas(tp).size() > 1 && !ctx.isQueuedForDeletion(tp.topic()))
                .toList();
        Set<Integer> live = ctx.liveBrokerIds();
        Set<Integer> shuttingDown = ctx.shuttingDownBrokers();
        leadership.elect(
                partitions,
                (tp, assignment, current) ->
                        LeaderElection.controlledShutdownLeader(assignment, current, live, shuttingDown));
        for (TopicPartition tp : partitions) {
            ctx.leaderAndIsr(tp).filter(s -> s.leader() != brokerId).ifPresent(s -> {
                batch.addStopReplica(brokerId, tp, false, s.leaderEpoch());
                ctx.transition(new ReplicaKey(tp, brokerId), ReplicaState.Offline);
            });
        }
        ControlledShutdownResponseData.RemainingPartitionCollection remaining =
                new ControlledShutdownResponseData.RemainingPartitionCollection();
        for (TopicPartition tp : ctx.partitionsLedBy(brokerId)) {
            if (ctx.replicas(tp).size() > 1) {
                remaining.add(new ControlledShutdownResponseData.RemainingPartition()
                        .setTopicName(tp.topic())
                        .setPartitionIndex(tp.partition()));
            }
        }
        return response.setErrorCode(Errors.NONE.code()).setRemainingPartitions(remaining);
    }

    ElectLeadersResponseData electLeaders(ElectLeadersRequestData request) {
        ElectLeadersResponseData response = new ElectLeadersResponseData().setErrorCode(Errors.NONE.code());
        byte type = request.electionType();
        if (type != PREFERRED && type != UNCLEAN) {
            return response.setErrorCode(Errors.INVALID_REQUEST.code());
        }
        Map<TopicPartition, ElectLeadersResponseData.PartitionResult> results = new java.util.LinkedHashMap<>();
        List<TopicPartition> requested = new ArrayList<>();
        if (request.topicPartitions() == null) {
            ctx.allPartitions().stream()
                    .filter(tp -> !ctx.isQueuedForDeletion(tp.topic()))
                    .forEach(requested::add);
        } else {
            request.topicPartitions()
                    .forEach(t -> t.partitions().forEach(p -> requested.add(new TopicPartition(t.topic(), p))));
        }
        List<TopicPartition> toElect = new ArrayList<>();
        for (TopicPartition tp : requested) {
            var result = new ElectLeadersResponseData.PartitionResult().setPartitionId(tp.partition());
            results.put(tp, result);
            var state = ctx.leaderAndIsr(tp);
            if (state.isEmpty() || ctx.isQueuedForDeletion(tp.topic())) {
                result.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
                        .setErrorMessage("The partition does not exist.");
            } else if (type == PREFERRED
                    && state.get().leader() == ctx.replicas(tp).get(0)) {
                result.setErrorCode(Errors.ELECTION_NOT_NEEDED.code())
                        .setErrorMessage("The preferred replica is already the leader.");
            } else if (type == UNCLEAN
                    && state.get().hasLeader()
                    && ctx.isLive(state.get().leader())) {
                result.setErrorCode(Errors.ELECTION_NOT_NEEDED.code())
                        .setErrorMessage("The partition has a live leader.");
            } else {
                toElect.add(tp);
            }
        }
        Set<Integer> live = ctx.liveBrokerIds();
        Map<TopicPartition, ElectionResult> outcomes = type == PREFERRED
                ? leadership.elect(toElect, (tp, a, cur) -> LeaderElection.preferredReplicaLeader(a, cur, live))
                : leadership.elect(toElect, (tp, a, cur) -> LeaderElection.offlinePartitionLeader(a, cur, live, true));
        for (TopicPartition tp : toElect) {
            ElectionResult outcome = outcomes.get(tp);
            var result = results.get(tp);
            if (outcome instanceof ElectionResult.Elected) {
                result.setErrorCode(Errors.NONE.code());
            } else {
                Errors error = type == PREFERRED
                        ? Errors.PREFERRED_LEADER_NOT_AVAILABLE
                        : Errors.ELIGIBLE_LEADERS_NOT_AVAILABLE;
                String reason = outcome instanceof ElectionResult.Unchanged u ? u.reason() : String.valueOf(outcome);
                result.setErrorCode(error.code()).setErrorMessage(reason);
            }
        }
        if (request.topicPartitions() == null) {
            // asked for every partition: answer for those where an election was needed, as Kafka does (KIP-460), so
            // kafka-leader-election.sh --all-topic-partitions on a balanced cluster reports nothing
            results.values().removeIf(r -> r.errorCode() == Errors.ELECTION_NOT_NEEDED.code());
        }
        Map<String, ElectLeadersResponseData.ReplicaElectionResult> byTopic = new TreeMap<>();
        results.forEach((tp, r) -> byTopic.computeIfAbsent(
                        tp.topic(), t -> new ElectLeadersResponseData.ReplicaElectionResult().setTopic(t))
                .partitionResult()
                .add(r));
        return response.setReplicaElectionResults(new ArrayList<>(byTopic.values()));
    }

    void autoRebalance() {
        if (!config.autoLeaderRebalanceEnable()) {
            return;
        }
        Map<TopicPartition, List<Integer>> assignments = new HashMap<>();
        Map<TopicPartition, io.sluice.controller.leader.LeaderAndIsr> states = new HashMap<>();
        for (TopicPartition tp : ctx.allPartitions()) {
            if (ctx.isQueuedForDeletion(tp.topic())) {
                continue;
            }
            var s = ctx.leaderAndIsr(tp);
            List<Integer> replicas = ctx.replicas(tp);
            if (s.isEmpty() || replicas.isEmpty() || ctx.shuttingDownBrokers().contains(replicas.get(0))) {
                continue;
            }
            assignments.put(tp, replicas);
            states.put(tp, PartitionLeadershipManager.toDecision(s.get()));
        }
        LeaderImbalance.Report report = LeaderImbalance.compute(
                assignments, states, ctx.liveBrokerIds(), config.leaderImbalancePerBrokerPercentage());
        if (report.toRebalance().isEmpty()) {
            return;
        }
        log.info(
                "[Controller epoch={}] leader imbalance {}; moving {} partitions back to preferred leaders",
                ctx.epoch(),
                report.perBroker().values(),
                report.toRebalance().size());
        Set<Integer> live = ctx.liveBrokerIds();
        leadership.elect(report.toRebalance(), (tp, a, cur) -> LeaderElection.preferredReplicaLeader(a, cur, live));
    }
}
