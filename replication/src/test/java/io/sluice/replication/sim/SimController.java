package io.sluice.replication.sim;

import io.sluice.replication.partition.AlterPartitionSender;
import io.sluice.replication.partition.PartitionStates;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.message.AlterPartitionResponseData;
import org.apache.kafka.common.message.LeaderAndIsrRequestData.LeaderAndIsrPartitionState;
import org.apache.kafka.common.protocol.Errors;

/**
 * A small deterministic model of the controller's decisions (docs/design.md#controller), not of its ZooKeeper I/O:
 *
 * <ul>
 *   <li>broker failure (death or session expiry): ISR := ISR − {b}, never emptied; if b led, the new leader is the
 *       first replica in assignment order that is live and in the ISR, else -1 (no unclean election). Either change
 *       bumps the leader epoch (as the ZooKeeper-mode controller does when it removes a replica from the ISR) and
 *       the partition epoch;
 *   <li>broker registration: an offline partition elects from its ISR; the broker gets the current state;
 *   <li>preferred election: the first assigned replica, if live and in the ISR;
 *   <li>AlterPartition: stale broker epoch → STALE_BROKER_EPOCH; other leader epoch → FENCED_LEADER_EPOCH; sender not
 *       the leader → NOT_LEADER_OR_FOLLOWER; other partition epoch → INVALID_UPDATE_VERSION; a proposed ISR that drops
 *       the leader, leaves the replicas or names a dead broker → INELIGIBLE_REPLICA; else commit with partition
 *       epoch + 1;
 *   <li>failover: controller epoch + 1, pending AlterPartitions are lost (the sender retries), every live broker gets
 *       LeaderAndIsr at the new controller epoch.
 * </ul>
 *
 * <p>LeaderAndIsr is delivered to live, registered brokers at once, through the {@link Delivery} callback.
 *
 * <p>Concurrency: confined to the driver thread; AlterPartition requests arrive on it (brokers send them from
 * scheduled tasks or fetch handling, which the driver runs) and are answered on it.
 */
final class SimController implements AlterPartitionSender {
    /** Delivers a LeaderAndIsr request to a broker. */
    @FunctionalInterface
    interface Delivery {
        void leaderAndIsr(int brokerId, int controllerEpoch, List<LeaderAndIsrPartitionState> states);
    }

    /** The controller's view of one partition. */
    static final class PartitionView {
        final TopicPartition tp;
        final List<Integer> replicas;
        int leader;
        int leaderEpoch;
        int partitionEpoch;
        List<Integer> isr;

        PartitionView(TopicPartition tp, List<Integer> replicas) {
            this.tp = tp;
            this.replicas = List.copyOf(replicas);
            this.leader = replicas.get(0);
            this.isr = List.copyOf(replicas);
        }

        LeaderAndIsrPartitionState toState() {
            return PartitionStates.state(tp, leader, leaderEpoch, isr, replicas, partitionEpoch);
        }

        @Override
        public String toString() {
            return tp + "{leader=" + leader + " le=" + leaderEpoch + " pe=" + partitionEpoch + " isr=" + isr + "}";
        }
    }

    private record Pending(AlterPartitionRequestData request, CompletableFuture<AlterPartitionResponseData> answer) {}

    private final Map<TopicPartition, PartitionView> partitions = new LinkedHashMap<>();
    /** Registered brokers and their broker epochs. */
    private final Map<Integer, Long> live = new TreeMap<>();

    private final Deque<Pending> inbox = new ArrayDeque<>();
    private final Trace trace;
    private final boolean ignoreIsrOnElection;
    private Delivery delivery;
    private int controllerEpoch = 1;

    /**
     * @param ignoreIsrOnElection a deliberately broken election (any live replica, ISR or not) with which the
     *     simulation's own tests check that the invariants catch lost data
     */
    SimController(List<TopicPartition> tps, List<Integer> replicas, Trace trace, boolean ignoreIsrOnElection) {
        this.trace = trace;
        this.ignoreIsrOnElection = ignoreIsrOnElection;
        for (TopicPartition tp : tps) {
            partitions.put(tp, new PartitionView(tp, replicas));
        }
    }

    void delivery(Delivery delivery) {
        this.delivery = delivery;
    }

    int controllerEpoch() {
        return controllerEpoch;
    }

    PartitionView view(TopicPartition tp) {
        return partitions.get(tp);
    }

    List<PartitionView> views() {
        return List.copyOf(partitions.values());
    }

    boolean isLive(int brokerId) {
        return live.containsKey(brokerId);
    }

    int pendingAlterPartitions() {
        return inbox.size();
    }

    @Override
    public CompletionStage<AlterPartitionResponseData> send(AlterPartitionRequestData request) {
        CompletableFuture<AlterPartitionResponseData> answer = new CompletableFuture<>();
        inbox.add(new Pending(request.duplicate(), answer));
        return answer;
    }

    /** Registers a broker (start or re-registration after session expiry) and brings it up to date. */
    void brokerRegistered(int brokerId, long brokerEpoch) {
        live.put(brokerId, brokerEpoch);
        List<LeaderAndIsrPartitionState> forBroker = new ArrayList<>();
        for (PartitionView p : partitions.values()) {
            if (!p.replicas.contains(brokerId)) {
                continue;
            }
            if (p.leader < 0 && electFromIsr(p)) {
                p.leaderEpoch++;
                p.partitionEpoch++;
                trace.add("controller: elected " + p + " on registration of " + brokerId);
                sendToLiveReplicas(p);
            } else {
                forBroker.add(p.toState());
            }
        }
        if (!forBroker.isEmpty()) {
            delivery.leaderAndIsr(brokerId, controllerEpoch, forBroker);
        }
    }

    /** A broker died or its session expired. */
    void brokerFailed(int brokerId) {
        live.remove(brokerId);
        List<Pending> lost = new ArrayList<>();
        inbox.removeIf(p -> p.request().brokerId() == brokerId && lost.add(p));
        lost.forEach(p -> p.answer().completeExceptionally(new java.io.IOException("connection lost")));
        for (PartitionView p : partitions.values()) {
            boolean inIsr = p.isr.contains(brokerId);
            if (!inIsr && p.leader != brokerId) {
                continue;
            }
            if (inIsr && p.isr.size() > 1) {
                List<Integer> isr = new ArrayList<>(p.isr);
                isr.remove(Integer.valueOf(brokerId));
                p.isr = List.copyOf(isr);
            }
            if (p.leader == brokerId && !electFromIsr(p)) {
                p.leader = -1;
            }
            p.leaderEpoch++;
            p.partitionEpoch++;
            trace.add("controller: broker " + brokerId + " failed -> " + p);
            sendToLiveReplicas(p);
        }
    }

    /** Moves leadership to the preferred replica when it is live, in the ISR and not leading. */
    void preferredElection(TopicPartition tp) {
        PartitionView p = partitions.get(tp);
        int preferred = p.replicas.get(0);
        if (p.leader == preferred || !live.containsKey(preferred) || !p.isr.contains(preferred)) {
            return;
        }
        p.leader = preferred;
        p.leaderEpoch++;
        p.partitionEpoch++;
        trace.add("controller: preferred election -> " + p);
        sendToLiveReplicas(p);
    }

    /** A new controller takes over: epoch + 1, in-flight AlterPartitions lost, LeaderAndIsr to everyone. */
    void failover() {
        controllerEpoch++;
        while (!inbox.isEmpty()) {
            inbox.poll().answer().completeExceptionally(new java.io.IOException("controller moved"));
        }
        trace.add("controller: failover to epoch " + controllerEpoch);
        for (int broker : List.copyOf(live.keySet())) {
            List<LeaderAndIsrPartitionState> states = new ArrayList<>();
            for (PartitionView p : partitions.values()) {
                if (p.replicas.contains(broker)) {
                    states.add(p.toState());
                }
            }
            delivery.leaderAndIsr(broker, controllerEpoch, states);
        }
    }

    /** Answers the oldest pending AlterPartition; {@code drop} loses it in the network instead. */
    boolean processOne(boolean drop) {
        Pending pending = inbox.poll();
        if (pending == null) {
            return false;
        }
        if (drop) {
            trace.add("controller: AlterPartition from " + pending.request().brokerId() + " lost");
            pending.answer().completeExceptionally(new java.io.IOException("request lost"));
            return true;
        }
        pending.answer().complete(handle(pending.request()));
        return true;
    }

    private AlterPartitionResponseData handle(AlterPartitionRequestData request) {
        int sender = request.brokerId();
        Long epoch = live.get(sender);
        if (epoch == null || epoch != request.brokerEpoch()) {
            trace.add(
                    "controller: AlterPartition from " + sender + " with stale broker epoch " + request.brokerEpoch());
            return new AlterPartitionResponseData().setErrorCode(Errors.STALE_BROKER_EPOCH.code());
        }
        AlterPartitionResponseData response = new AlterPartitionResponseData();
        for (AlterPartitionRequestData.TopicData topic : request.topics()) {
            AlterPartitionResponseData.TopicData out =
                    new AlterPartitionResponseData.TopicData().setTopicName(topic.topicName());
            for (AlterPartitionRequestData.PartitionData data : topic.partitions()) {
                TopicPartition tp = new TopicPartition(topic.topicName(), data.partitionIndex());
                PartitionView p = partitions.get(tp);
                List<Integer> proposed = new ArrayList<>();
                data.newIsrWithEpochs().forEach(b -> proposed.add(b.brokerId()));
                Errors error = check(p, sender, data, proposed);
                if (error == Errors.NONE) {
                    p.isr = List.copyOf(proposed);
                    p.partitionEpoch++;
                }
                trace.add("controller: AlterPartition " + tp + " from " + sender + " le=" + data.leaderEpoch() + " pe="
                        + data.partitionEpoch() + " isr=" + proposed + " -> " + error + " " + p);
                out.partitions()
                        .add(new AlterPartitionResponseData.PartitionData()
                                .setPartitionIndex(data.partitionIndex())
                                .setErrorCode(error.code())
                                .setLeaderId(p == null ? -1 : p.leader)
                                .setLeaderEpoch(p == null ? -1 : p.leaderEpoch)
                                .setIsr(p == null ? List.of() : p.isr)
                                .setPartitionEpoch(p == null ? -1 : p.partitionEpoch));
            }
            response.topics().add(out);
        }
        return response;
    }

    private Errors check(
            PartitionView p, int sender, AlterPartitionRequestData.PartitionData data, List<Integer> proposed) {
        if (p == null) {
            return Errors.UNKNOWN_TOPIC_OR_PARTITION;
        }
        if (data.leaderEpoch() != p.leaderEpoch) {
            return Errors.FENCED_LEADER_EPOCH;
        }
        if (p.leader != sender) {
            return Errors.NOT_LEADER_OR_FOLLOWER;
        }
        if (data.partitionEpoch() != p.partitionEpoch) {
            return Errors.INVALID_UPDATE_VERSION;
        }
        Set<Integer> distinct = new HashSet<>(proposed);
        if (!proposed.contains(sender) || distinct.size() != proposed.size() || !p.replicas.containsAll(proposed)) {
            return Errors.INVALID_REQUEST;
        }
        for (AlterPartitionRequestData.BrokerState member : data.newIsrWithEpochs()) {
            // Mirrors AlterPartitionHandler.staleMemberEpoch: -1 is an unknown epoch and accepted.
            Long registered = live.get(member.brokerId());
            if (registered == null || (member.brokerEpoch() != -1 && member.brokerEpoch() != registered)) {
                return Errors.INELIGIBLE_REPLICA;
            }
        }
        return Errors.NONE;
    }

    private boolean electFromIsr(PartitionView p) {
        for (int replica : p.replicas) {
            if (live.containsKey(replica) && (p.isr.contains(replica) || ignoreIsrOnElection)) {
                p.leader = replica;
                if (!p.isr.contains(replica)) {
                    p.isr = List.of(replica);
                }
                return true;
            }
        }
        return false;
    }

    private void sendToLiveReplicas(PartitionView p) {
        for (int replica : p.replicas) {
            if (live.containsKey(replica)) {
                delivery.leaderAndIsr(replica, controllerEpoch, List.of(p.toState()));
            }
        }
    }
}
