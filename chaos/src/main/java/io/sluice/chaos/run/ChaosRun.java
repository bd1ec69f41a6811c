package io.sluice.chaos.run;

import io.sluice.chaos.cluster.Cluster;
import io.sluice.chaos.fault.FaultCatalog;
import io.sluice.chaos.fault.FaultContext;
import io.sluice.chaos.fault.FaultPlan;
import io.sluice.chaos.fault.FaultSchedule;
import io.sluice.chaos.fault.FaultType;
import io.sluice.chaos.history.HistoryWriter;
import io.sluice.chaos.history.Note;
import io.sluice.chaos.history.Phase;
import io.sluice.chaos.history.RunStarted;
import io.sluice.chaos.net.ProxyNetwork;
import io.sluice.chaos.workload.FinalReader;
import io.sluice.chaos.workload.ProducerWorker;
import io.sluice.chaos.workload.RunClock;
import io.sluice.chaos.workload.Workload;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One chaos run: start or attach to a cluster, create a fresh topic, run the workload while the seeded schedule
 * injects faults for the duration, heal everything, let the producers write a little longer, stop them, read every
 * partition in full, and leave the history in {@code outDir/history.jsonl}.
 *
 * <pre>
 *   RunStarted → Phase WORKLOAD → faults (START, STOP, HEALED)... → Phase HEALING → (HEALED of pending faults)
 *   → Phase HEALED → producers stop → Phase FINAL_READ → final read → Phase DONE
 * </pre>
 *
 * <p>Runs on the caller's thread (plus the workload's and, with overlap, one thread per active fault).
 */
public final class ChaosRun {
    private static final Logger log = LoggerFactory.getLogger(ChaosRun.class);
    public static final String HISTORY_FILE = "history.jsonl";

    /** What a run produced. */
    public record Outcome(Path history, List<String> faults, long acked, boolean healed, boolean finalReadComplete) {}

    private final RunOptions options;
    /** The history, clock and fault runner of the run under way (for the shutdown hook). */
    private volatile HistoryWriter history;

    private volatile RunClock clock;
    private volatile FaultRunner runner;
    /** Set when the run returned or failed: a later shutdown hook has nothing to do. */
    private volatile boolean finished;

    public ChaosRun(RunOptions options) {
        this.options = options;
    }

    /** The fault types of {@code names}, checked against what the cluster offers. */
    static List<FaultType> resolve(List<String> names, boolean haveNetwork) {
        List<FaultType> out = new ArrayList<>();
        for (String name : names) {
            FaultType type = FaultCatalog.byName(name);
            if (type.needsNetwork() && !haveNetwork) {
                throw new IllegalArgumentException("fault '" + name + "' needs the proxies of a cluster the harness"
                        + " starts itself (--start); an attached cluster (--cluster) has none");
            }
            out.add(type);
        }
        return out;
    }

    /**
     * Starts (or attaches to) the cluster of the options, runs, and stops a started cluster unless it is kept. On
     * SIGTERM or SIGINT the run stops injecting, heals what it injected, records a note, keeps the history written so
     * far, and stops the cluster it started itself (by pid: brokers and ZooKeeper; the directory with data and logs
     * stays); an attached or kept cluster is healed instead (links opened, processes resumed, stopped ones started).
     */
    public Outcome run() throws Exception {
        Files.createDirectories(options.outDir());
        boolean stopAtEnd = options.clusterDir() == null && !options.keepCluster();
        AtomicReference<Cluster> current = new AtomicReference<>();
        Thread hook = new Thread(() -> onSignal(current.get(), stopAtEnd), "chaos-signal");
        Runtime.getRuntime().addShutdownHook(hook);
        Cluster cluster = null;
        try {
            cluster = options.clusterDir() != null
                    ? Cluster.attach(options.home(), options.clusterDir())
                    : Cluster.start(
                            options.home(),
                            options.startDir(),
                            options.cluster(),
                            new Random(options.seed()),
                            current::set);
            current.set(cluster);
            return runChecked(cluster);
        } catch (Exception | Error e) {
            if (cluster != null) {
                releaseAll(cluster);
            }
            throw e;
        } finally {
            finished = true;
            removeHook(hook);
            if (cluster != null && stopAtEnd) {
                cluster.close();
            }
        }
    }

    /**
     * Runs against {@code cluster} (started or attached by the caller, who stops it). On SIGTERM or SIGINT the run
     * heals what it injected and keeps the history written so far; the cluster stays to its owner.
     */
    public Outcome run(Cluster cluster) throws Exception {
        Thread hook = new Thread(() -> onSignal(cluster, false), "chaos-signal");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return runChecked(cluster);
        } catch (Exception | Error e) {
            releaseAll(cluster);
            throw e;
        } finally {
            finished = true;
            removeHook(hook);
        }
    }

    /** Opens every link and resumes every paused process (best effort; stopped brokers stay stopped). */
    private static void releaseAll(Cluster cluster) {
        cluster.network().ifPresent(net -> net.healAll());
        for (int b : cluster.brokers()) {
            try {
                cluster.signal(b, "CONT");
            } catch (IOException e) {
                log.warn("cannot resume broker {}", b, e);
            }
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs
        }
    }

    /** The shutdown hook: the JVM is ending (a signal) while the run is under way. */
    private void onSignal(Cluster cluster, boolean stopCluster) {
        if (finished) {
            return;
        }
        log.warn(
                "signal received: stopping the run ({})", stopCluster ? "stopping its cluster" : "healing the cluster");
        note("run interrupted by a signal; " + (stopCluster ? "stopping the cluster" : "healing the cluster"));
        FaultRunner r = runner;
        if (r != null) {
            try {
                r.stopInjecting(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (cluster != null) {
            releaseAll(cluster);
            if (stopCluster) {
                cluster.stopAll(Cluster.STOP_BOUND);
                cluster.network().ifPresent(ProxyNetwork::close);
            } else {
                restartStopped(cluster);
            }
        }
        note("run stopped after a signal");
        HistoryWriter h = history;
        if (h != null) {
            h.seal();
            log.warn("history so far: {}", options.outDir().resolve(HISTORY_FILE));
        }
    }

    private void note(String message) {
        HistoryWriter h = history;
        RunClock c = clock;
        if (h != null && c != null) {
            h.append(new Note(c.now(), "harness", message));
        }
    }

    /** Starts ZooKeeper and every broker that is not running (a cluster the run does not stop). */
    private static void restartStopped(Cluster cluster) {
        try {
            if (!cluster.running(Cluster.ZOOKEEPER)) {
                cluster.startZooKeeper();
            }
            for (int b : cluster.brokers()) {
                if (!cluster.running(b)) {
                    cluster.startBroker(b);
                }
            }
        } catch (IOException e) {
            log.warn("could not start every process of {} again", cluster.dir(), e);
        }
    }

    private Outcome runChecked(Cluster cluster) throws Exception {
        Files.createDirectories(options.outDir());
        List<FaultType> types = resolve(options.faults(), cluster.network().isPresent());
        Path historyFile = options.outDir().resolve(HISTORY_FILE);
        String topic = "chaos-" + Long.toUnsignedString(options.seed(), 36) + "-"
                + Long.toString(System.currentTimeMillis(), 36);
        RunClock clock = new RunClock();
        this.clock = clock;
        try (HistoryWriter history = new HistoryWriter(historyFile);
                Workload workload = new Workload(
                        new Workload.Settings(
                                topic,
                                options.partitions(),
                                options.ratePerProducer(),
                                options.groupMembers(),
                                options.acks(),
                                options.topicConfigs()),
                        cluster.bootstrapServers(),
                        cluster.zkConnect(),
                        history,
                        clock)) {
            this.history = history;
            history.append(new RunStarted(
                    clock.now(),
                    options.seed(),
                    options.durationMs(),
                    options.faults(),
                    cluster.brokers(),
                    Map.of(topic, options.partitions()),
                    settings(cluster, topic)));
            workload.createTopic(cluster.brokers(), Duration.ofSeconds(60));
            FaultContext ctx = new FaultContext(
                    cluster,
                    workload.sampler(),
                    workload.partitions(),
                    options.cluster().sessionTimeoutMs(),
                    options.cluster().replicaLagTimeMaxMs());
            FaultRunner runner = new FaultRunner(ctx, workload.sampler(), history, clock, options.healBoundMs());
            this.runner = runner;
            workload.start();
            history.append(new Phase(clock.now(), Phase.Name.WORKLOAD));
            Thread.sleep(options.gapRangeMs()[0]);
            List<FaultPlan> plans = plans(types, ctx);
            long end = clock.now() + options.durationMs();
            if (options.overlap()) {
                runOverlapping(runner, plans, clock, end);
            } else {
                runSequential(runner, plans, clock, end);
            }

            history.append(new Phase(clock.now(), Phase.Name.HEALING));
            boolean healed = healEverything(cluster, runner, history, clock);
            history.append(new Phase(clock.now(), Phase.Name.HEALED));
            Thread.sleep(options.afterHealedMs());
            workload.stopWriters();
            long acked = workload.producers().stream()
                    .mapToLong(ProducerWorker::acked)
                    .sum();
            history.append(new Phase(clock.now(), Phase.Name.FINAL_READ));
            workload.stopReaders();
            boolean complete = FinalReader.readAll(
                    cluster.bootstrapServers(), workload.partitions(), history, clock, Duration.ofSeconds(120));
            history.append(new Phase(clock.now(), Phase.Name.DONE));
            history.flush();
            log.info("run {} done: {} acknowledged writes, faults {}", options.seed(), acked, runner.executed());
            return new Outcome(historyFile, runner.executed(), acked, healed, complete);
        }
    }

    private List<FaultPlan> plans(List<FaultType> types, FaultContext ctx) {
        List<FaultSchedule.Choice> choices = new ArrayList<>();
        for (FaultType t : types) {
            long[] range = t.holdRangeMs(ctx);
            long max = range[0] + Math.round((range[1] - range[0]) * options.holdFraction());
            choices.add(new FaultSchedule.Choice(t.name(), range[0], max));
        }
        // Enough plans for any duration: a fault takes at least a second.
        int count = (int) Math.max(1, options.durationMs() / 1_000 + 1);
        return FaultSchedule.plan(options.seed(), choices, count, options.gapRangeMs());
    }

    private void runSequential(FaultRunner runner, List<FaultPlan> plans, RunClock clock, long end)
            throws InterruptedException {
        int done = 0;
        for (FaultPlan plan : plans) {
            if (clock.now() >= end || (options.maxFaults() > 0 && done >= options.maxFaults())) {
                return;
            }
            done++;
            if (runner.execute(plan)) {
                Thread.sleep(plan.gapMs());
            }
        }
    }

    private void runOverlapping(FaultRunner runner, List<FaultPlan> plans, RunClock clock, long end)
            throws InterruptedException {
        ExecutorService pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "chaos-fault");
            t.setDaemon(true);
            return t;
        });
        List<Future<Boolean>> running = new ArrayList<>();
        long start = clock.now();
        try {
            for (FaultPlan plan : plans) {
                long at = start + plan.atMs();
                if (at >= end || (options.maxFaults() > 0 && running.size() >= options.maxFaults())) {
                    break;
                }
                long wait = at - clock.now();
                if (wait > 0) {
                    Thread.sleep(wait);
                }
                running.add(pool.submit(() -> runner.execute(plan)));
            }
            for (Future<Boolean> f : running) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    log.warn("a fault failed", e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** Undoes whatever is still faulted (links, paused or stopped processes) and waits for full ISRs. */
    private boolean healEverything(Cluster cluster, FaultRunner runner, HistoryWriter history, RunClock clock)
            throws InterruptedException {
        cluster.network().ifPresent(net -> {
            if (!net.faulted().isEmpty()) {
                history.append(new Note(clock.now(), "harness", "healing links " + net.faulted()));
            }
            net.healAll();
        });
        try {
            if (!cluster.running(Cluster.ZOOKEEPER)) {
                history.append(new Note(clock.now(), "harness", "starting ZooKeeper again"));
                cluster.startZooKeeper();
            }
            for (int b : cluster.brokers()) {
                cluster.signal(b, "CONT");
                if (!cluster.running(b)) {
                    history.append(new Note(clock.now(), "harness", "starting broker " + b + " again"));
                    cluster.startBroker(b);
                }
            }
        } catch (IOException e) {
            history.append(new Note(clock.now(), "harness", "healing failed: " + e));
            log.warn("healing failed", e);
        }
        List<FaultRunner.Pending> pending = runner.pending();
        long stopT = clock.now();
        List<FaultRunner.Pending> all = new ArrayList<>(pending);
        if (all.isEmpty()) {
            // Nothing pending: still wait for full ISRs after the healing step.
            all.add(new FaultRunner.Pending("-", "-", Map.of(), List.of(), "", stopT));
        }
        return runner.awaitHealed(all, Math.max(options.healBoundMs(), 120_000));
    }

    private Map<String, String> settings(Cluster cluster, String topic) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("acks", options.acks());
        s.put("enable.idempotence", Boolean.toString(options.acksAll()));
        s.put("min.insync.replicas", options.topicConfigs().getOrDefault("min.insync.replicas", "2"));
        s.put(
                "unclean.leader.election.enable",
                options.topicConfigs().getOrDefault("unclean.leader.election.enable", "false"));
        s.put("replication.factor", "3");
        s.put("zookeeper.session.timeout.ms", Integer.toString(options.cluster().sessionTimeoutMs()));
        s.put("replica.lag.time.max.ms", Long.toString(options.cluster().replicaLagTimeMaxMs()));
        s.put("producers", Integer.toString(options.partitions()));
        s.put("ratePerProducer", Integer.toString(options.ratePerProducer()));
        s.put("assignConsumers", "1");
        s.put("groupMembers", Integer.toString(options.groupMembers()));
        s.put("overlap", Boolean.toString(options.overlap()));
        s.put("clusterDir", cluster.dir().toString());
        s.put("proxies", Boolean.toString(cluster.network().isPresent()));
        s.put("topic", topic);
        return s;
    }
}
