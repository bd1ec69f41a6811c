package io.sluice.chaos.fault;

import io.sluice.chaos.cluster.Cluster;
import io.sluice.chaos.history.Partitions;
import io.sluice.chaos.history.Sample;
import io.sluice.chaos.net.Link;
import io.sluice.chaos.net.LinkRule;
import io.sluice.chaos.net.ProxyNetwork;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;

/**
 * Every fault the suite knows, in a fixed order (the order {@code sluice-chaos faults} lists them and the schedule
 * draws from). To add one: write a {@link FaultType} (or a {@link #spec} entry here) whose {@code prepare} picks its
 * targets with the given {@link Random} and returns the start and stop actions, and add it to {@link #ALL}.
 */
public final class FaultCatalog {
    private FaultCatalog() {}

    /** Chooses targets and returns the injection. */
    @FunctionalInterface
    interface Preparer {
        Injection prepare(FaultContext ctx, Random random, long holdMs) throws Exception;
    }

    private record Spec(
            String name,
            String params,
            String expected,
            boolean needsNetwork,
            Function<FaultContext, long[]> holdRange,
            Preparer preparer)
            implements FaultType {
        @Override
        public long[] holdRangeMs(FaultContext ctx) {
            return holdRange.apply(ctx);
        }

        @Override
        public Injection prepare(FaultContext ctx, Random random, long holdMs) throws Exception {
            return preparer.prepare(ctx, random, holdMs);
        }
    }

    static FaultType spec(
            String name,
            String params,
            String expected,
            boolean needsNetwork,
            Function<FaultContext, long[]> holdRange,
            Preparer preparer) {
        return new Spec(name, params, expected, needsNetwork, holdRange, preparer);
    }

    private static Function<FaultContext, long[]> fixed(long min, long max) {
        return ctx -> new long[] {min, max};
    }

    /** Longer than both the ZooKeeper session timeout and replica.lag.time.max.ms, by 1.5 to 4 s. */
    private static Function<FaultContext, long[]> beyondSession() {
        return ctx -> {
            long base = Math.max(ctx.sessionTimeoutMs(), ctx.replicaLagTimeMaxMs());
            return new long[] {base + 1_500, base + 4_000};
        };
    }

    public static final List<FaultType> ALL = List.of(
            spec(
                    "kill-leader",
                    "target: the leader of a random partition; hold 2-6 s",
                    "SIGKILL of a partition leader: its partitions elect another ISR member after its session"
                            + " expires; acknowledged writes survive; restarted, it catches up and rejoins the ISR",
                    false,
                    fixed(2_000, 6_000),
                    (ctx, r, hold) -> killRestart(ctx, List.of(ctx.leaderOfRandomPartition(r)), false, r)),
            spec(
                    "kill-controller",
                    "target: the controller; hold 2-6 s",
                    "SIGKILL of the controller: another broker wins the election with a higher controller epoch;"
                            + " its partitions fail over; nothing acknowledged is lost",
                    false,
                    fixed(2_000, 6_000),
                    (ctx, r, hold) -> killRestart(ctx, List.of(ctx.controllerOrRandom(r)), false, r)),
            spec(
                    "kill-random",
                    "target: a random broker; hold 2-6 s",
                    "SIGKILL of one broker: as kill-leader or a follower loss (ISR shrinks, writes continue)",
                    false,
                    fixed(2_000, 6_000),
                    (ctx, r, hold) -> killRestart(ctx, List.of(ctx.randomFreeBroker(r)), false, r)),
            spec(
                    "kill-majority",
                    "targets: two of three brokers; hold 3-8 s",
                    "SIGKILL of two brokers: no partition can meet min.insync.replicas=2, so producers get errors"
                            + " or timeouts and no acknowledgement; after the restart everything acknowledged is"
                            + " there",
                    false,
                    fixed(3_000, 8_000),
                    (ctx, r, hold) -> {
                        List<Integer> free = new ArrayList<>(ctx.freeBrokers());
                        if (free.size() < 2) {
                            return null;
                        }
                        Collections.shuffle(free, r);
                        return killRestart(ctx, List.copyOf(free.subList(0, 2)), false, r);
                    }),
            spec(
                    "term-leader",
                    "target: the leader of a random partition; SIGTERM (controlled shutdown); restart after 1-4 s",
                    "controlled shutdown: leadership moves away before the broker stops, producers see at most a"
                            + " short pause",
                    false,
                    fixed(1_000, 4_000),
                    (ctx, r, hold) -> {
                        int b = ctx.leaderOfRandomPartition(r);
                        return processFault(
                                ctx,
                                b,
                                Map.of("signal", "TERM"),
                                () -> ctx.cluster().terminate(b, Duration.ofSeconds(60)),
                                () -> ctx.cluster().startBroker(b));
                    }),
            spec(
                    "pause-controller",
                    "target: the controller; SIGSTOP for longer than the session timeout and replica.lag.time.max.ms,"
                            + " then SIGCONT",
                    "a zombie controller: the others elect a new controller with a higher epoch; the resumed one"
                            + " must be fenced (its stale requests rejected) and rejoin as a follower",
                    false,
                    beyondSession(),
                    (ctx, r, hold) -> pause(ctx, ctx.controllerOrRandom(r))),
            spec(
                    "pause-leader",
                    "target: the leader of a random partition; SIGSTOP beyond the session timeout and"
                            + " replica.lag.time.max.ms, then SIGCONT",
                    "a zombie leader: its partitions fail over; when it resumes it must not acknowledge writes as"
                            + " leader of an old epoch; it truncates and catches up",
                    false,
                    beyondSession(),
                    (ctx, r, hold) -> pause(ctx, ctx.leaderOfRandomPartition(r))),
            spec(
                    "kill-zookeeper",
                    "target: ZooKeeper; SIGKILL, restart after 2-8 s",
                    "ZooKeeper gone: brokers keep serving with the leaders they have (no elections, no ISR"
                            + " changes); after the restart sessions resume",
                    false,
                    fixed(2_000, 8_000),
                    (ctx, r, hold) -> new Injection(
                            List.of(Cluster.ZOOKEEPER),
                            Map.of("signal", "KILL"),
                            () -> ctx.cluster().kill(Cluster.ZOOKEEPER),
                            () -> ctx.cluster().startZooKeeper())),
            spec(
                    "zk-session-loss",
                    "target: a random broker; its ZooKeeper traffic cut for longer than the session timeout",
                    "the broker's session expires: it is unregistered, its leaderships move; when its traffic"
                            + " passes again it registers anew (new broker epoch) and rejoins",
                    true,
                    beyondSession(),
                    (ctx, r, hold) -> cut(ctx, ctx.randomFreeBroker(r), LinkRule.CUT, l -> l.kind() == Link.Kind.ZK)),
            spec(
                    "isolate-zk",
                    "target: a random broker; cut from ZooKeeper only for 2-10 s (session may or may not expire)",
                    "peers and clients still reach it; a session that survives changes nothing; one that expires"
                            + " behaves as zk-session-loss",
                    true,
                    fixed(2_000, 10_000),
                    (ctx, r, hold) -> cut(ctx, ctx.randomFreeBroker(r), LinkRule.CUT, l -> l.kind() == Link.Kind.ZK)),
            spec(
                    "isolate-peers",
                    "target: a random broker; cut from the other brokers only (both directions) for 4-10 s",
                    "its followers fall out of the ISR after replica.lag.time.max.ms; as a leader it shrinks the ISR"
                            + " to itself and cannot meet min.insync.replicas, so its partitions do not acknowledge"
                            + " until healed; nothing acknowledged is lost",
                    true,
                    fixed(4_000, 10_000),
                    (ctx, r, hold) -> cut(ctx, ctx.randomFreeBroker(r), LinkRule.CUT, l -> l.kind() == Link.Kind.PEER)),
            spec(
                    "isolate-clients",
                    "target: a random broker; cut from the clients only for 3-8 s",
                    "replication continues; producers to its partitions time out and retry; no loss, no duplicates",
                    true,
                    fixed(3_000, 8_000),
                    (ctx, r, hold) ->
                            cut(ctx, ctx.randomFreeBroker(r), LinkRule.CUT, l -> l.kind() == Link.Kind.CLIENT)),
            spec(
                    "split-minority",
                    "target: a random broker cut from its peers and ZooKeeper (clients reach every broker), beyond"
                            + " the session timeout",
                    "minority/majority split with ZooKeeper on the majority side: the lone broker loses its session"
                            + " and leaderships; writes it receives as a stale leader must never be acknowledged",
                    true,
                    beyondSession(),
                    (ctx, r, hold) -> cut(
                            ctx,
                            ctx.randomFreeBroker(r),
                            LinkRule.CUT,
                            l -> l.kind() == Link.Kind.PEER || l.kind() == Link.Kind.ZK)),
            spec(
                    "split-zk-minority",
                    "target: a random broker that keeps ZooKeeper; the other two are cut from it and from ZooKeeper"
                            + " beyond the session timeout",
                    "minority/majority split with ZooKeeper on the minority side: the two brokers lose their"
                            + " sessions; the lone broker cannot meet min.insync.replicas alone; nothing is"
                            + " acknowledged without two replicas",
                    true,
                    beyondSession(),
                    (ctx, r, hold) -> {
                        int alone = ctx.randomFreeBroker(r);
                        if (alone < 0
                                || !ctx.freeBrokers().containsAll(ctx.cluster().brokers())) {
                            return null;
                        }
                        List<Integer> others = ctx.cluster().brokers().stream()
                                .filter(b -> b != alone)
                                .toList();
                        Predicate<Link> which = l -> (l.kind() == Link.Kind.ZK && others.contains(l.from()))
                                || (l.kind() == Link.Kind.PEER && l.touches(alone));
                        return network(
                                ctx, ctx.cluster().brokers(), Map.of("zkWith", "b" + alone), which, LinkRule.CUT);
                    }),
            spec(
                    "one-way",
                    "target: a random broker; drop everything it sends to peers and ZooKeeper (out) or everything"
                            + " it receives from them (in), for 4-10 s",
                    "asymmetric loss: requests arrive but answers do not (or the reverse); timeouts on one side;"
                            + " the ISR shrinks and is restored; no loss",
                    true,
                    fixed(4_000, 10_000),
                    (ctx, r, hold) -> oneWay(ctx, ctx.randomFreeBroker(r), r.nextBoolean())),
            spec(
                    "latency",
                    "target: a random broker; 50-400 ms added to each direction of all its links for 5-10 s",
                    "slow links: requests slow down, some time out and are retried; the ISR may shrink and grow;"
                            + " no loss, no duplicates",
                    true,
                    fixed(5_000, 10_000),
                    (ctx, r, hold) -> {
                        int b = ctx.randomFreeBroker(r);
                        long ms = 50 + r.nextInt(351);
                        return cut(ctx, b, LinkRule.latency(ms), l -> true, Map.of("latencyMs", Long.toString(ms)));
                    }),
            spec(
                    "kill-truncate",
                    "target: a random broker; SIGKILL, cut 1 B-16 KiB off the tail of the active segment of a"
                            + " random workload partition (simulated page-cache loss), restart after 1-3 s",
                    "the broker recovers its log (drops the torn batch), truncates to the leader and catches up;"
                            + " the other replicas hold everything acknowledged",
                    false,
                    fixed(1_000, 3_000),
                    (ctx, r, hold) -> {
                        // Only one replica may lose its unflushed tail, and only while the others hold everything
                        // acknowledged: with a broker down or out of the ISR, the truncated one could be the last
                        // ISR member, and losing acknowledged writes would then be expected, not a defect.
                        int b = ctx.randomFreeBroker(r);
                        if (!ctx.freeBrokers().containsAll(ctx.cluster().brokers()) || !ctx.healedNow()) {
                            return null;
                        }
                        return killRestart(ctx, List.of(b), true, r);
                    }),
            spec(
                    "kill-leader-successor",
                    "target: a partition whose successor (the first ISR replica after its leader in assignment"
                            + " order, the one the controller elects next) is not the controller; the third replica's"
                            + " link to the leader slowed (200 ms), then the leader's answers to it dropped, the successor is cut from its peers, the"
                            + " leader is SIGKILLed, and the successor once it is elected; both restart after a hold"
                            + " beyond the session",
                    "the successor is elected while cut off from its peers (then killed), the third replica follows it and is elected itself"
                            + " when the successor's session expires; its high watermark lags (the answer carrying the"
                            + " last one was dropped), but it must keep every record it holds (truncation by leader"
                            + " epoch, never to its high watermark), so nothing acknowledged is lost; the partition"
                            + " acknowledges nothing until a second replica is back",
                    true,
                    beyondSession(),
                    FaultCatalog::leaderAndSuccessor));

    /** The fault named {@code name}. */
    public static FaultType byName(String name) {
        return ALL.stream()
                .filter(f -> f.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown fault '" + name + "'; known: "
                        + ALL.stream().map(FaultType::name).toList()));
    }

    // ------------------------------------------------------------------ building blocks

    /** Latency added to the third replica's link to the leader: each fetch round then carries that much traffic. */
    static final long THIRD_LINK_LATENCY_MS = 200;
    /** How long the latency applies before the answers are dropped (a few rounds). */
    static final long LATENCY_BEFORE_DROP_MS = 1_000;
    /** How long the third replica's fetch answers are dropped before the leader is killed (beyond one round). */
    static final long ANSWERS_DROPPED_BEFORE_KILL_MS = 1_000;

    /**
     * {@code kill-leader-successor}: makes one election order certain. With partition state (leader {@code L}, ISR
     * {@code [L, S, T]}) the controller elects {@code S} when {@code L}'s session expires (the first live ISR member in
     * assignment order), and {@code T} when {@code S}'s expires.
     *
     * <ol>
     *   <li>{@code T}'s link to {@code L} gets {@value #THIRD_LINK_LATENCY_MS} ms of latency each way (so that each of
     *       its fetch rounds carries some records), then {@code L}'s answers to {@code T} are dropped: {@code T}'s next
     *       fetch still reaches {@code L}, which advances its high watermark to it and acknowledges the records of the
     *       previous answer, but the answer carrying that high watermark never arrives, so {@code T}'s high watermark
     *       lags what was acknowledged by a round's records.
     *   <li>{@code S} is cut from its peers (it keeps ZooKeeper, so it stays registered and electable, but can neither
     *       lead nor serve {@code T}'s fetches), and {@code L} is killed.
     *   <li>Once the samples show {@code S} elected ({@code T} has been told to follow it), {@code S} is killed; when
     *       its session expires {@code T} is elected and leads with what it holds.
     * </ol>
     *
     * The successor must not be the controller (cut from its peers, it could not tell {@code T} to follow it); the
     * partition is preferably one whose third replica is the controller (with the controller on {@code L}, the next
     * controller may be {@code S}, which again tells nobody).
     */
    private static Injection leaderAndSuccessor(FaultContext ctx, Random r, long holdMs) {
        if (!ctx.freeBrokers().containsAll(ctx.cluster().brokers()) || !ctx.healedNow()) {
            return null;
        }
        int controller = ctx.controller();
        List<int[]> best = new ArrayList<>();
        List<int[]> others = new ArrayList<>();
        for (int i = 0; i < ctx.partitions().size(); i++) {
            Sample.PartitionSample p = ctx.partitionState(ctx.partitions().get(i));
            if (p == null
                    || p.replicas() == null
                    || p.isr() == null
                    || p.replicas().size() != 3) {
                continue;
            }
            int leader = p.leader();
            int successor = p.replicas().stream()
                    .filter(b -> b != leader && p.isr().contains(b))
                    .findFirst()
                    .orElse(-1);
            int third = p.replicas().stream()
                    .filter(b -> b != leader && b != successor)
                    .findFirst()
                    .orElse(-1);
            if (leader < 0
                    || successor < 0
                    || third < 0
                    || successor == controller
                    || !p.isr().contains(third)) {
                continue;
            }
            (third == controller ? best : others).add(new int[] {i, leader, successor, third, p.leaderEpoch()});
        }
        List<int[]> candidates = best.isEmpty() ? others : best;
        if (candidates.isEmpty()) {
            return null;
        }
        int[] chosen = candidates.get(r.nextInt(candidates.size()));
        TopicPartition tp = ctx.partitions().get(chosen[0]);
        int leader = chosen[1];
        int successor = chosen[2];
        int third = chosen[3];
        int epoch = chosen[4];
        ProxyNetwork net = network(ctx);
        Predicate<Link> answersToThird = l -> l.equals(new Link(Link.Kind.PEER, third, leader));
        Predicate<Link> successorsPeers = l -> l.kind() == Link.Kind.PEER && l.touches(successor);
        Map<String, String> params = new LinkedHashMap<>();
        params.put("partition", Partitions.name(tp));
        params.put("leader", Integer.toString(leader));
        params.put("successor", Integer.toString(successor));
        params.put("third", Integer.toString(third));
        params.put("controller", Integer.toString(controller));
        List<Integer> targets = List.of(leader, successor);
        long electionBoundMs = 3L * ctx.sessionTimeoutMs();
        return new Injection(
                targets,
                params,
                () -> {
                    net.apply(LinkRule.latency(THIRD_LINK_LATENCY_MS), answersToThird);
                    Thread.sleep(LATENCY_BEFORE_DROP_MS);
                    net.apply(new LinkRule(false, true, THIRD_LINK_LATENCY_MS), answersToThird);
                    Thread.sleep(ANSWERS_DROPPED_BEFORE_KILL_MS);
                    net.apply(LinkRule.CUT, successorsPeers);
                    ctx.cluster().kill(leader);
                    long deadline = System.nanoTime() + electionBoundMs * 1_000_000;
                    boolean elected = false;
                    while (!elected && System.nanoTime() < deadline) {
                        Sample.PartitionSample now = ctx.partitionState(tp);
                        elected = now != null && now.leader() == successor && now.leaderEpoch() > epoch;
                        if (!elected) {
                            Thread.sleep(100);
                        }
                    }
                    params.put("successorElected", Boolean.toString(elected));
                    ctx.cluster().kill(successor);
                },
                () -> {
                    net.apply(LinkRule.OPEN, answersToThird.or(successorsPeers));
                    startAll(ctx, targets);
                });
    }

    private static Injection killRestart(FaultContext ctx, List<Integer> targets, boolean truncate, Random r) {
        if (targets.contains(-1)) {
            return null;
        }
        Map<String, String> params = new LinkedHashMap<>();
        params.put("signal", "KILL");
        // Drawn now, so that the choice depends on the seed only.
        int partitionChoice = r.nextInt(Integer.MAX_VALUE);
        int bytesChoice = 1 + r.nextInt(16 * 1024);
        return new Injection(
                targets,
                params,
                () -> {
                    for (int b : targets) {
                        ctx.cluster().kill(b);
                    }
                    if (truncate) {
                        params.putAll(SegmentTail.cut(ctx, targets.get(0), partitionChoice, bytesChoice));
                    }
                },
                () -> startAll(ctx, targets));
    }

    /** Restarts the brokers in parallel (each restart waits for its old session to end and a JVM to start). */
    private static void startAll(FaultContext ctx, List<Integer> brokers) throws Exception {
        if (brokers.size() == 1) {
            ctx.cluster().startBroker(brokers.get(0));
            return;
        }
        List<CompletableFuture<Void>> starts = new ArrayList<>();
        for (int b : brokers) {
            starts.add(CompletableFuture.runAsync(() -> {
                try {
                    ctx.cluster().startBroker(b);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }));
        }
        try {
            CompletableFuture.allOf(starts.toArray(new CompletableFuture<?>[0])).get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    private static Injection processFault(
            FaultContext ctx, int broker, Map<String, String> params, Injection.Action start, Injection.Action stop) {
        if (broker < 0) {
            return null;
        }
        return new Injection(List.of(broker), params, start, stop);
    }

    private static Injection pause(FaultContext ctx, int broker) {
        return processFault(
                ctx,
                broker,
                Map.of("signal", "STOP"),
                () -> ctx.cluster().signal(broker, "STOP"),
                () -> ctx.cluster().signal(broker, "CONT"));
    }

    private static Injection cut(FaultContext ctx, int broker, LinkRule rule, Predicate<Link> which) {
        return cut(ctx, broker, rule, which, Map.of());
    }

    private static Injection cut(
            FaultContext ctx, int broker, LinkRule rule, Predicate<Link> which, Map<String, String> params) {
        if (broker < 0) {
            return null;
        }
        return network(ctx, List.of(broker), params, l -> l.touches(broker) && which.test(l), rule);
    }

    private static Injection oneWay(FaultContext ctx, int broker, boolean out) {
        if (broker < 0) {
            return null;
        }
        ProxyNetwork net = network(ctx);
        Map<String, String> params = Map.of("direction", out ? "out" : "in");
        // Broker -> peer or ZooKeeper is "up" on links it opens and "down" on links peers open to it.
        LinkRule onItsOwn = LinkRule.oneWay(out);
        LinkRule onPeers = LinkRule.oneWay(!out);
        Predicate<Link> own = l -> (l.kind() == Link.Kind.PEER || l.kind() == Link.Kind.ZK) && l.from() == broker;
        Predicate<Link> peers = l -> l.kind() == Link.Kind.PEER && l.to() == broker;
        return new Injection(
                List.of(broker),
                params,
                () -> {
                    net.apply(onItsOwn, own);
                    net.apply(onPeers, peers);
                },
                () -> net.apply(LinkRule.OPEN, own.or(peers)));
    }

    private static Injection network(
            FaultContext ctx, List<Integer> targets, Map<String, String> params, Predicate<Link> which, LinkRule rule) {
        ProxyNetwork net = network(ctx);
        Map<String, String> all = new LinkedHashMap<>(params);
        all.put("rule", rule.toString());
        return new Injection(
                targets,
                all,
                () -> all.put("links", net.apply(rule, which).toString()),
                () -> net.apply(LinkRule.OPEN, which));
    }

    private static ProxyNetwork network(FaultContext ctx) {
        return ctx.cluster()
                .network()
                .orElseThrow(() -> new IllegalStateException(
                        "network faults need the proxies of a cluster the harness starts (--start)"));
    }
}
