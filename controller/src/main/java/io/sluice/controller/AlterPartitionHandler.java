package io.sluice.controller;

import io.sluice.controller.channel.ControllerRequestBatch;
import io.sluice.controller.context.ControllerContext;
import io.sluice.controller.zk.ControllerZkWriter;
import io.sluice.controller.zk.PartialUpdateException;
import io.sluice.metadata.model.BrokerInfo;
import io.sluice.metadata.model.LeaderAndIsr;
import io.sluice.metadata.zk.ZkStore;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.message.AlterPartitionResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * AlterPartition: a leader proposes a new ISR; the controller validates it as Kafka's ZooKeeper-mode controller does,
 * writes the accepted ones under the fence (expecting the partition epoch the leader saw), answers with the new
 * partition epoch and propagates UpdateMetadata. Validation, in order:
 *
 * <ol>
 *   <li>request broker epoch is not the registered one (or broker not live) → {@code STALE_BROKER_EPOCH} (top level);
 *   <li>unknown topic id → {@code UNKNOWN_TOPIC_ID}; unknown topic name or partition →
 *       {@code UNKNOWN_TOPIC_OR_PARTITION};
 *   <li>leader epoch differs from the current one → {@code FENCED_LEADER_EPOCH};
 *   <li>the requester is not the leader → {@code NOT_LEADER_OR_FOLLOWER};
 *   <li>the proposal equals the current state → answered with the current state (a retry of an applied change);
 *   <li>partition epoch differs → {@code INVALID_UPDATE_VERSION};
 *   <li>ISR empty, without the leader, or with a non-replica → {@code INVALID_REQUEST};
 *   <li>ISR with a broker that is not live, shutting down, or (v3) re-registered with another epoch →
 *       {@code INELIGIBLE_REPLICA}.
 * </ol>
 *
 * Request versions 0-3 are accepted: topics by name (v0-1) or id (v2+), the ISR as {@code newIsr} or (v3)
 * {@code newIsrWithEpochs}; the response mirrors the request's topic addressing.
 *
 * <p>Concurrency: used only by the controller event thread, which also serializes ISR changes per partition.
 */
final class AlterPartitionHandler {
    private static final Logger log = LoggerFactory.getLogger(AlterPartitionHandler.class);

    private record Proposal(TopicPartition tp, List<Integer> isr, AlterPartitionRequestData.PartitionData data) {}

    private final ControllerContext ctx;
    private final ZkStore store;
    private final ControllerZkWriter writer;
    private final ControllerRequestBatch batch;

    AlterPartitionHandler(
            ControllerContext ctx, ZkStore store, ControllerZkWriter writer, ControllerRequestBatch batch) {
        this.ctx = ctx;
        this.store = store;
        this.writer = writer;
        this.batch = batch;
    }

    AlterPartitionResponseData handle(AlterPartitionRequestData request) {
        AlterPartitionResponseData response = new AlterPartitionResponseData();
        Optional<BrokerInfo> broker = ctx.liveBroker(request.brokerId());
        if (broker.isEmpty() || (request.brokerEpoch() != -1 && broker.get().brokerEpoch() != request.brokerEpoch())) {
            log.info(
                    "[Controller epoch={}] AlterPartition from broker {} with stale broker epoch {} (registered: {})",
                    ctx.epoch(),
                    request.brokerId(),
                    request.brokerEpoch(),
                    broker.map(b -> Long.toString(b.brokerEpoch())).orElse("not live"));
            return response.setErrorCode(Errors.STALE_BROKER_EPOCH.code());
        }
        Map<TopicPartition, AlterPartitionResponseData.PartitionData> answers = new LinkedHashMap<>();
        Map<TopicPartition, LeaderAndIsr> toWrite = new LinkedHashMap<>();
        List<Proposal> proposals = new ArrayList<>();
        for (AlterPartitionRequestData.TopicData topic : request.topics()) {
            boolean byId = !Uuid.ZERO_UUID.equals(topic.topicId());
            AlterPartitionResponseData.TopicData topicAnswer = new AlterPartitionResponseData.TopicData();
            if (byId) {
                topicAnswer.setTopicId(topic.topicId());
            } else {
                topicAnswer.setTopicName(topic.topicName());
            }
            response.topics().add(topicAnswer);
            Optional<String> name = byId ? ctx.topicName(topic.topicId()) : Optional.of(topic.topicName());
            for (AlterPartitionRequestData.PartitionData p : topic.partitions()) {
                AlterPartitionResponseData.PartitionData answer =
                        new AlterPartitionResponseData.PartitionData().setPartitionIndex(p.partitionIndex());
                topicAnswer.partitions().add(answer);
                if (name.isEmpty()) {
                    answer.setErrorCode(Errors.UNKNOWN_TOPIC_ID.code());
                    continue;
                }
                TopicPartition tp = new TopicPartition(name.get(), p.partitionIndex());
                List<Integer> isr = p.newIsrWithEpochs().isEmpty()
                        ? List.copyOf(p.newIsr())
                        : p.newIsrWithEpochs().stream()
                                .map(AlterPartitionRequestData.BrokerState::brokerId)
                                .toList();
                answers.put(tp, answer);
                proposals.add(new Proposal(tp, isr, p));
            }
        }
        for (Proposal proposal : proposals) {
            validate(request.brokerId(), proposal, answers.get(proposal.tp()), toWrite);
        }
        if (!toWrite.isEmpty()) {
            ControllerZkWriter.UpdateResult result = write(toWrite, Map.of());
            Map<TopicPartition, LeaderAndIsr> written = new LinkedHashMap<>(result.written());
            if (!result.conflicts().isEmpty()) {
                // the state znode moved: re-read and decide once more (the partition epoch check will now answer)
                Map<TopicPartition, LeaderAndIsr> retry = new LinkedHashMap<>();
                for (TopicPartition tp : result.conflicts()) {
                    store.partitionState(tp).ifPresent(s -> ctx.putLeaderAndIsr(tp, s));
                    proposals.stream()
                            .filter(pr -> pr.tp().equals(tp))
                            .forEach(pr -> validate(request.brokerId(), pr, answers.get(tp), retry));
                }
                if (!retry.isEmpty()) {
                    ControllerZkWriter.UpdateResult second = write(retry, written);
                    written.putAll(second.written());
                    second.conflicts()
                            .forEach(tp -> answers.get(tp).setErrorCode(Errors.INVALID_UPDATE_VERSION.code()));
                }
            }
            written.forEach((tp, state) -> {
                ctx.putLeaderAndIsr(tp, state);
                fill(answers.get(tp), state);
                log.debug(
                        "[Controller epoch={}] ISR of {} changed by leader {} to {} (partition epoch {})",
                        ctx.epoch(),
                        tp,
                        state.leader(),
                        state.isr(),
                        state.partitionEpoch());
            });
            // one line per request, not per partition: a leader catching up after a failover sends thousands
            if (!written.isEmpty()) {
                log.info(
                        "[Controller epoch={}] ISR changed by leader {} for {} partitions{}",
                        ctx.epoch(),
                        request.brokerId(),
                        written.size(),
                        written.size() <= 10 ? " " + isrSummary(written) : "");
            }
            batch.addUpdateMetadata(ctx.liveBrokerIds(), written.keySet());
        }
        return response.setErrorCode(Errors.NONE.code());
    }

    private static String isrSummary(Map<TopicPartition, LeaderAndIsr> written) {
        StringBuilder out = new StringBuilder();
        written.forEach((tp, s) -> out.append(out.length() == 0 ? "" : ", ")
                .append(tp)
                .append(" isr=")
                .append(s.isr())
                .append(" partitionEpoch=")
                .append(s.partitionEpoch()));
        return out.toString();
    }

    /**
     * Writes ISR changes; when only part of them committed, records that part and {@code earlier} (written by a
     * previous round of the same request) in the context and propagates them, so the context agrees with ZooKeeper,
     * before the failure goes on.
     */
    private ControllerZkWriter.UpdateResult write(
            Map<TopicPartition, LeaderAndIsr> states, Map<TopicPartition, LeaderAndIsr> earlier) {
        try {
            return writer.updatePartitionStates(states);
        } catch (PartialUpdateException e) {
            Map<TopicPartition, LeaderAndIsr> committed = new LinkedHashMap<>(earlier);
            committed.putAll(e.committed());
            committed.forEach(ctx::putLeaderAndIsr);
            batch.addUpdateMetadata(ctx.liveBrokerIds(), committed.keySet());
            throw e;
        }
    }

    private void validate(
            int brokerId,
            Proposal proposal,
            AlterPartitionResponseData.PartitionData answer,
            Map<TopicPartition, LeaderAndIsr> toWrite) {
        TopicPartition tp = proposal.tp();
        Optional<LeaderAndIsr> currentOpt = ctx.leaderAndIsr(tp);
        if (currentOpt.isEmpty() || ctx.isQueuedForDeletion(tp.topic())) {
            answer.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
            return;
        }
        LeaderAndIsr current = currentOpt.get();
        AlterPartitionRequestData.PartitionData p = proposal.data();
        List<Integer> isr = proposal.isr();
        if (p.leaderEpoch() != current.leaderEpoch()) {
            answer.setErrorCode(Errors.FENCED_LEADER_EPOCH.code());
            return;
        }
        if (current.leader() != brokerId) {
            answer.setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code());
            return;
        }
        if (isr.equals(current.isr())) {
            fill(answer, current);
            return;
        }
        if (p.partitionEpoch() != current.partitionEpoch()) {
            answer.setErrorCode(Errors.INVALID_UPDATE_VERSION.code());
            return;
        }
        List<Integer> replicas = ctx.replicas(tp);
        Set<Integer> distinct = new HashSet<>(isr);
        if (isr.isEmpty() || !isr.contains(brokerId) || !replicas.containsAll(isr) || distinct.size() != isr.size()) {
            answer.setErrorCode(Errors.INVALID_REQUEST.code());
            return;
        }
        for (int b : isr) {
            if (!ctx.isLive(b) || ctx.shuttingDownBrokers().contains(b) || staleMemberEpoch(p, b)) {
                answer.setErrorCode(Errors.INELIGIBLE_REPLICA.code());
                return;
            }
        }
        toWrite.put(
                tp,
                new LeaderAndIsr(current.leader(), current.leaderEpoch(), isr, ctx.epoch(), current.partitionEpoch()));
    }

    private boolean staleMemberEpoch(AlterPartitionRequestData.PartitionData p, int brokerId) {
        for (AlterPartitionRequestData.BrokerState s : p.newIsrWithEpochs()) {
            if (s.brokerId() == brokerId && s.brokerEpoch() != -1) {
                return ctx.liveBroker(brokerId)
                        .map(b -> b.brokerEpoch() != s.brokerEpoch())
                        .orElse(true);
            }
        }
        return false;
    }

    private static void fill(AlterPartitionResponseData.PartitionData answer, LeaderAndIsr state) {
        answer.setErrorCode(Errors.NONE.code())
                .setLeaderId(state.leader())
                .setLeaderEpoch(state.leaderEpoch())
                .setIsr(new ArrayList<>(state.isr()))
                .setPartitionEpoch(state.partitionEpoch());
    }
}
