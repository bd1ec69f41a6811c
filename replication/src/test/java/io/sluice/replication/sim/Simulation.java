package io.sluice.replication.sim;

import io.sluice.replication.partition.Partition;
import io.sluice.replication.partition.TopicSettings;
import io.sluice.testsupport.ManualClock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.LeaderAndIsrRequestData.LeaderAndIsrPartitionState;
import org.apache.kafka.common.protocol.Errors;

/**
 * Drives three real brokers ({@link SimBroker}: LogManager + ReplicaManager on a directory), the controller model
 * ({@link SimController}), the network ({@link SimNetwork}) and the clients ({@link SimClients}) from one seeded
 * {@link Random}, one action per step, and checks the invariants ({@link Checker}) after every step. Every
 * {@value #QUIESCE_EVERY} steps and at the end all faults are healed and the replicas must converge to
 * byte-identical logs.
 *
 * <p>Fault budget (what docs/design.md#fault-budget promises to survive): RF=3, min.insync.replicas=2, clean elections; at most one
 * broker down (crashed or session-expired) at a time; a crash that also loses the page cache only for a broker that is
 * not the last ISR member of any partition (the controller then removes it from every ISR, and it comes back only by
 * catching up), also while an ISR expansion naming it is in flight, with its requests sent before the crash delivered
 * after the restart (the broker epoch in its fetches and in AlterPartition's {@code newIsrWithEpochs} fences the old
 * incarnation). Faults injected: kill -9 (with or without page-cache loss), restart; ZooKeeper session expiry of a
 * running broker (a zombie: it keeps serving clients with stale metadata and keeps fetching) and re-registration with a
 * new broker epoch; a blocked broker pair; a slow broker pair; a lost AlterPartition; clock jumps (ISR shrink after
 * {@code replica.lag.time.max.ms}); preferred leader election; controller failover; a zombie controller sending
 * LeaderAndIsr at an old controller epoch; clients with stale metadata (one request in ten to a random broker).
 *
 * <p>Not modelled: ZooKeeper itself and the real controller (their decisions are modelled, per docs/design.md#controller); the
 * wire (requests are method calls; records are copied out of the log as the network would); real fetcher threads and
 * long-poll fetches (max wait 0); purgatory timeouts (clients time out on their own clock); delayed or lost LeaderAndIsr
 * (delivered at once to registered brokers); disk full and I/O errors; loss of an un-fsynced checkpoint rename;
 * retention and log start offset movement; more than one broker down at a time; transactions.
 *
 * <p>Determinism: one thread (the caller's) does everything; see {@link SimBroker} for the inert threads. Network
 * messages are ordered by (delivery time, send order), scheduled tasks by (due time, submission order), brokers by id,
 * and all randomness comes from the seed.
 *
 * <p>Concurrency: not thread-safe; one simulation per thread.
 */
final class Simulation implements AutoCloseable {
    static final String TOPIC = "sim";
    static final int BROKERS = 3;
    static final int PARTITIONS = 2;
    static final int MIN_ISR = 2;
    private static final Uuid TOPIC_ID = new Uuid(0x5eedL, 0x1ceL);
    private static final int QUIESCE_EVERY = 150;

    private enum Status {
        UP,
        CRASHED,
        EXPIRED
    }

    private final long seed;
    private final Random random;
    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private final Trace trace = new Trace();
    private final Checker checker = new Checker();
    private final SimController controller;
    private final SimNetwork network;
    private final List<TopicPartition> tps = new ArrayList<>();
    private final SimBroker[] brokers = new SimBroker[BROKERS];
    private final Status[] status = new Status[BROKERS];
    private final long[] incarnation = new long[BROKERS];

    private final List<SimClients.IdempotentProducer> idempotent = new ArrayList<>();
    private final List<SimClients.PlainProducer> plain = new ArrayList<>();
    private final List<SimClients.Consumer> consumers = new ArrayList<>();
    /** Whether the leader's HW is checked against the ISR members' log ends (the rule itself, not its effects). */
    private boolean checkHwRule = true;

    private long nextBrokerEpoch = 100;
    private int step;
    private int crashes;
    private int quiescences;

    Simulation(long seed, Path root) {
        this(seed, root, false);
    }

    /** @param brokenElection elect any live replica, ignoring the ISR (to check that the checker catches it) */
    Simulation(long seed, Path root, boolean brokenElection) {
        this.seed = seed;
        this.random = new Random(seed);
        for (int p = 0; p < PARTITIONS; p++) {
            tps.add(new TopicPartition(TOPIC, p));
        }
        List<Integer> ids = List.of(0, 1, 2);
        controller = new SimController(tps, ids, trace, brokenElection);
        controller.delivery(this::deliverLeaderAndIsr);
        network = new SimNetwork(BROKERS, clock, trace, new SimNetwork.Brokers() {
            @Override
            public boolean isRunning(int b) {
                return status[b] != Status.CRASHED;
            }

            @Override
            public long incarnation(int b) {
                return incarnation[b];
            }

            @Override
            public SimBroker broker(int b) {
                return brokers[b];
            }
        });
        for (int b = 0; b < BROKERS; b++) {
            brokers[b] = new SimBroker(b, root, clock, controller);
        }
        SimClients clients = new SimClients(
                new SimClients.Cluster() {
                    @Override
                    public Optional<SimBroker> target(TopicPartition tp) {
                        return clientTarget(tp);
                    }

                    @Override
                    public long now() {
                        return clock.millis();
                    }
                },
                checker,
                trace);
        for (TopicPartition tp : tps) {
            idempotent.add(clients.new IdempotentProducer(tp, 1000L + tp.partition()));
            plain.add(clients.new PlainProducer(tp));
            consumers.add(clients.new Consumer(tp));
        }
        // Rotate the preferred leaders so that each partition starts on a different broker.
        for (int b = 0; b < BROKERS; b++) {
            startBroker(b);
        }
    }

    /**
     * Skips the check of the leader's high watermark against its ISR members' log ends, so that a broken HW rule
     * must be caught by its effects on the data (lost, changed or duplicated records) rather than by the rule itself.
     */
    Simulation withoutHwRuleCheck() {
        checkHwRule = false;
        return this;
    }

    /** Summary of a finished run. */
    record Result(
            long seed,
            int steps,
            long traceHash,
            long events,
            int crashes,
            int quiescences,
            int committed,
            int mustSurvive) {}

    Result run(int steps) {
        try {
            for (step = 1; step <= steps; step++) {
                trace.at(step, clock.millis());
                act();
                checkAll();
                if (step % QUIESCE_EVERY == 0) {
                    quiesce();
                }
            }
            trace.at(step, clock.millis());
            quiesce();
        } catch (Checker.Violation | AssertionError e) {
            throw new AssertionError(failure(e.getMessage()), e);
        } catch (RuntimeException e) {
            throw new AssertionError(failure("unexpected " + e), e);
        }
        return new Result(
                seed,
                steps,
                trace.hash(),
                trace.events(),
                crashes,
                quiescences,
                checker.committedCount(),
                checker.mustSurviveCount());
    }

    private String failure(String what) {
        return "Simulation failed: " + what + "\n  replay with -Dsluice.sim.seed=" + seed + " -Dsluice.sim.steps="
                + step + " (failed at step " + step + ")\n  last " + Trace.KEEP + " events:\n" + trace.recent();
    }

    // ---------------------------------------------------------------- actions

    private void act() {
        int roll = random.nextInt(100);
        TopicPartition tp = tps.get(random.nextInt(tps.size()));
        if (roll < 20) {
            idempotent.get(tp.partition()).step(1 + random.nextInt(3));
        } else if (roll < 28) {
            plain.get(tp.partition()).send(random.nextInt(4) == 0);
        } else if (roll < 54) {
            // A follower's fetch request covers every partition it follows.
            int b = random.nextInt(BROKERS);
            for (TopicPartition t : tps) {
                network.fetch(b, t);
            }
        } else if (roll < 62) {
            consumers.get(tp.partition()).poll();
        } else if (roll < 74) {
            advance(1 + random.nextInt(random.nextInt(8) == 0 ? 6_000 : 400));
        } else if (roll < 82) {
            controller.processOne(random.nextInt(10) == 0);
        } else if (roll < 85) {
            maybeCrash();
        } else if (roll < 89) {
            maybeRecover();
        } else if (roll < 90) {
            maybeExpire();
        } else if (roll < 95) {
            networkFault();
        } else if (roll < 97) {
            controller.preferredElection(tp);
        } else if (roll < 98) {
            controller.failover();
        } else {
            zombieController();
        }
    }

    private void startBroker(int b) {
        long epoch = nextBrokerEpoch++;
        brokers[b].start(epoch);
        incarnation[b] = epoch;
        status[b] = Status.UP;
        trace.add("broker " + b + " started, broker epoch " + epoch);
        controller.brokerRegistered(b, epoch);
    }

    private int downCount() {
        int n = 0;
        for (Status s : status) {
            n += s == Status.UP ? 0 : 1;
        }
        return n;
    }

    private void maybeCrash() {
        if (downCount() > 0) {
            return;
        }
        int b = random.nextInt(BROKERS);
        boolean lastIsrMember = false;
        for (SimController.PartitionView v : controller.views()) {
            lastIsrMember |= v.isr.size() == 1 && v.isr.contains(b);
        }
        // A restart that loses data may happen while an ISR expansion naming this broker is in flight, and fetches
        // it sent before the crash stay in the network: the broker epoch that fetches carry and ISR expansions name
        // lets the controller refuse the old incarnation (KIP-903).
        boolean losePageCache = random.nextInt(3) == 0 && !lastIsrMember;
        String what = brokers[b].crash(losePageCache, 600, random);
        status[b] = Status.CRASHED;
        crashes++;
        network.forgetFetchesOf(b);
        trace.add("broker " + b + " crashed: " + what);
        controller.brokerFailed(b);
    }

    private void maybeRecover() {
        for (int b = 0; b < BROKERS; b++) {
            if (status[b] == Status.CRASHED) {
                startBroker(b);
            } else if (status[b] == Status.EXPIRED) {
                long epoch = nextBrokerEpoch++;
                brokers[b].brokerEpoch(epoch);
                status[b] = Status.UP;
                trace.add("broker " + b + " re-registered, broker epoch " + epoch);
                controller.brokerRegistered(b, epoch);
            }
        }
    }

    /** The broker's ZooKeeper session expires: the controller treats it as dead, the process keeps running. */
    private void maybeExpire() {
        if (downCount() > 0) {
            return;
        }
        int b = random.nextInt(BROKERS);
        status[b] = Status.EXPIRED;
        trace.add("broker " + b + " session expired (zombie)");
        controller.brokerFailed(b);
    }

    private void networkFault() {
        int a = random.nextInt(BROKERS);
        int b = (a + 1 + random.nextInt(BROKERS - 1)) % BROKERS;
        switch (random.nextInt(4)) {
            case 0 -> {
                network.block(a, b);
            }
            case 1 -> {
                network.delay(a, b, 50 + random.nextInt(3_000));
            }
            default -> {
                healNetwork();
            }
        }
    }

    private void healNetwork() {
        network.heal();
    }

    /** A deposed controller sends LeaderAndIsr at its old epoch, trying to make a broker leader: must be ignored. */
    private void zombieController() {
        int epoch = controller.controllerEpoch() - 1;
        int b = random.nextInt(BROKERS);
        if (epoch < 1 || status[b] != Status.UP) {
            return;
        }
        List<LeaderAndIsrPartitionState> states = new ArrayList<>();
        for (SimController.PartitionView v : controller.views()) {
            states.add(v.toState()
                    .setLeader(b)
                    .setLeaderEpoch(v.leaderEpoch + 1000)
                    .setIsr(List.of(b)));
        }
        Map<TopicPartition, Errors> result = brokers[b]
                .replicaManager()
                .becomeLeaderOrFollower(epoch, states, Map.of(TOPIC, TOPIC_ID), t -> settings());
        trace.add("zombie controller epoch " + epoch + " -> broker " + b + ": " + result);
        result.forEach((tp, error) -> {
            if (error != Errors.STALE_CONTROLLER_EPOCH) {
                Checker.fail("broker " + b + " accepted LeaderAndIsr from stale controller epoch " + epoch + ": " + tp
                        + " " + error);
            }
        });
    }

    private static TopicSettings settings() {
        return new TopicSettings(MIN_ISR, SimBroker.LOG_CONFIG);
    }

    private void deliverLeaderAndIsr(int brokerId, int controllerEpoch, List<LeaderAndIsrPartitionState> states) {
        if (status[brokerId] != Status.UP) {
            return;
        }
        Map<TopicPartition, Errors> result = brokers[brokerId]
                .replicaManager()
                .becomeLeaderOrFollower(controllerEpoch, states, Map.of(TOPIC, TOPIC_ID), t -> settings());
        trace.add("LeaderAndIsr c" + controllerEpoch + " -> broker " + brokerId + ": " + result);
        result.forEach((tp, error) -> {
            if (error != Errors.NONE && error != Errors.STALE_CONTROLLER_EPOCH) {
                Checker.fail("LeaderAndIsr for " + tp + " failed on broker " + brokerId + ": " + error);
            }
        });
    }

    /** Clients mostly use the controller's leader; one in ten sends to a random running broker (stale metadata). */
    private Optional<SimBroker> clientTarget(TopicPartition tp) {
        int b;
        if (random.nextInt(10) == 0) {
            b = random.nextInt(BROKERS);
        } else {
            b = controller.view(tp).leader;
        }
        if (b < 0 || status[b] == Status.CRASHED) {
            return Optional.empty();
        }
        return Optional.of(brokers[b]);
    }

    // ---------------------------------------------------------------- time

    /** Moves time forward by {@code ms}, running due tasks (brokers in id order) and delivering due messages. */
    private void advance(long ms) {
        long target = clock.millis() + ms;
        while (true) {
            long next = network.nextDelivery();
            for (int b = 0; b < BROKERS; b++) {
                if (status[b] != Status.CRASHED) {
                    next = Math.min(next, brokers[b].nextDue());
                }
            }
            if (next > target) {
                break;
            }
            clock.advanceTo(Math.max(clock.millis(), next));
            for (int b = 0; b < BROKERS; b++) {
                if (status[b] != Status.CRASHED) {
                    brokers[b].runDue(clock.millis());
                }
            }
            network.deliverDue(clock.millis());
        }
        clock.advanceTo(target);
        trace.at(step, clock.millis());
        trace.add("time +" + ms);
    }

    // ---------------------------------------------------------------- invariants

    private void checkAll() {
        for (TopicPartition tp : tps) {
            SimController.PartitionView view = controller.view(tp);
            Checker.controllerView(view);
            Map<Integer, LogImage> images = new HashMap<>();
            for (int b = 0; b < BROKERS; b++) {
                if (status[b] == Status.CRASHED) {
                    continue;
                }
                Optional<Partition> p = brokers[b].partition(tp);
                if (p.isEmpty()) {
                    continue;
                }
                LogImage image = LogImage.read(brokers[b].log(tp).orElseThrow());
                images.put(b, image);
                checker.replica(b, incarnation[b], p.get(), image);
            }
            int leader = view.leader;
            if (leader >= 0 && status[leader] == Status.UP) {
                Partition lp = brokers[leader].partition(tp).orElseThrow();
                if (!lp.isLeader() || lp.leaderEpoch() != view.leaderEpoch) {
                    Checker.fail("broker " + leader + " should lead " + view + " but is " + lp.state());
                }
                checker.leaderHoldsAll(leader, tp, images.get(leader));
                for (int m : checkHwRule ? lp.state().isr() : Set.<Integer>of()) {
                    LogImage member = images.get(m);
                    if (member != null && member.logEndOffset() < lp.highWatermark()) {
                        Checker.fail("HW " + lp.highWatermark() + " of " + tp + " on leader " + leader
                                + " above the LEO " + member.logEndOffset() + " of ISR member " + m);
                    }
                }
            }
        }
    }

    /**
     * Heals every fault and runs fetch rounds until each partition has all replicas in the ISR with equal log end
     * offsets and high watermarks; then the logs must be byte-identical.
     */
    private void quiesce() {
        trace.add("quiesce");
        healNetwork();
        maybeRecover();
        for (int round = 0; round < 400; round++) {
            advance(100);
            while (controller.processOne(false)) {
                // answer every pending AlterPartition
            }
            for (int b = 0; b < BROKERS; b++) {
                for (TopicPartition tp : tps) {
                    network.fetch(b, tp);
                }
            }
            checkAll();
            if (converged()) {
                for (TopicPartition tp : tps) {
                    byte[] first =
                            LogImage.read(brokers[0].log(tp).orElseThrow()).bytes();
                    for (int b = 1; b < BROKERS; b++) {
                        byte[] other =
                                LogImage.read(brokers[b].log(tp).orElseThrow()).bytes();
                        if (!Arrays.equals(first, other)) {
                            Checker.fail("logs of " + tp + " differ between broker 0 and " + b + " at quiescence");
                        }
                    }
                }
                quiescences++;
                trace.add("quiescent after " + round + " rounds");
                return;
            }
        }
        StringBuilder state = new StringBuilder();
        for (TopicPartition tp : tps) {
            state.append(controller.view(tp)).append(' ');
            for (int b = 0; b < BROKERS; b++) {
                brokers[b].partition(tp).ifPresent(p -> state.append(p).append(' '));
            }
        }
        Checker.fail("no convergence after healing every fault: " + state);
    }

    private boolean converged() {
        for (TopicPartition tp : tps) {
            SimController.PartitionView view = controller.view(tp);
            if (view.leader < 0 || view.isr.size() != BROKERS) {
                return false;
            }
            Partition leader = brokers[view.leader].partition(tp).orElseThrow();
            long leo = leader.logEndOffset();
            for (int b = 0; b < BROKERS; b++) {
                Optional<Partition> p = brokers[b].partition(tp);
                if (p.isEmpty() || p.get().logEndOffset() != leo || p.get().highWatermark() != leo) {
                    return false;
                }
            }
        }
        return true;
    }

    @Override
    public void close() {
        for (SimBroker b : brokers) {
            b.close();
        }
    }
}
