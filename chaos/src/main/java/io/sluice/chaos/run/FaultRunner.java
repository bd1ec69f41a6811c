package io.sluice.chaos.run;

import io.sluice.chaos.fault.FaultCatalog;
import io.sluice.chaos.fault.FaultContext;
import io.sluice.chaos.fault.FaultPlan;
import io.sluice.chaos.fault.FaultType;
import io.sluice.chaos.fault.Injection;
import io.sluice.chaos.history.Fault;
import io.sluice.chaos.history.HistoryWriter;
import io.sluice.chaos.history.Note;
import io.sluice.chaos.workload.MetadataSampler;
import io.sluice.chaos.workload.RunClock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Executes planned faults: prepare (choose targets), record START, inject, hold, undo, record STOP, and wait for the
 * cluster to heal (every partition with a leader and a full ISR in a sample taken after the STOP), then record
 * HEALED. A fault that does not heal within the bound stays pending; the run's final healing records its HEALED.
 *
 * <p>Concurrency: {@link #execute} may run on several threads at once (with {@code --overlap}); targets are claimed
 * in the {@link FaultContext}; the pending list is thread-safe.
 */
final class FaultRunner {
    private static final Logger log = LoggerFactory.getLogger(FaultRunner.class);

    /** A fault undone but not yet seen healed. */
    record Pending(
            String id, String name, Map<String, String> params, List<Integer> targets, String expected, long stopT) {}

    static final long UNDO_BOUND_MS = 180_000;

    private final FaultContext ctx;
    private final MetadataSampler sampler;
    private final HistoryWriter history;
    private final RunClock clock;
    private final long healBoundMs;
    private final List<Pending> pending = new CopyOnWriteArrayList<>();
    private final List<String> executed = new CopyOnWriteArrayList<>();
    /** Set by {@link #stopInjecting}: no fault is injected any more. */
    private volatile boolean stopped;
    /** Injections whose start action runs now. */
    private final AtomicInteger injecting = new AtomicInteger();

    FaultRunner(FaultContext ctx, MetadataSampler sampler, HistoryWriter history, RunClock clock, long healBoundMs) {
        this.ctx = ctx;
        this.sampler = sampler;
        this.history = history;
        this.clock = clock;
        this.healBoundMs = healBoundMs;
    }

    List<Pending> pending() {
        return List.copyOf(pending);
    }

    List<String> executed() {
        return List.copyOf(executed);
    }

    /** Runs {@code plan} to its HEALED (or to the heal bound); returns false if it was skipped. */
    boolean execute(FaultPlan plan) throws InterruptedException {
        FaultType type = FaultCatalog.byName(plan.fault());
        Injection injection;
        try {
            injection = type.prepare(ctx, new Random(plan.seed()), plan.holdMs());
        } catch (Exception e) {
            note("fault " + plan.id() + " " + plan.fault() + " not prepared: " + e);
            return false;
        }
        if (injection == null || !ctx.claim(injection.targets())) {
            note("fault " + plan.id() + " " + plan.fault() + " skipped: no suitable free target");
            return false;
        }
        List<Integer> targets = injection.targets();
        injecting.incrementAndGet();
        if (stopped) {
            injecting.decrementAndGet();
            ctx.release(targets);
            return false;
        }
        boolean counted = true;
        try {
            Map<String, String> params = new LinkedHashMap<>(injection.params());
            params.put("holdMs", Long.toString(plan.holdMs()));
            log.info("[fault {} {}] start on {} {}", plan.id(), plan.fault(), targets, params);
            history.append(new Fault(
                    clock.now(),
                    Fault.Op.START,
                    plan.id(),
                    plan.fault(),
                    Map.copyOf(params),
                    targets,
                    type.expected()));
            executed.add(plan.id() + " " + plan.fault() + " " + targets);
            try {
                injection.start().run();
            } catch (Exception e) {
                note("fault " + plan.id() + " " + plan.fault() + " injection failed: " + e);
                log.warn("[fault {}] injection failed", plan.id(), e);
            } finally {
                injecting.decrementAndGet();
                counted = false;
            }
            Thread.sleep(plan.holdMs());
            undo(plan, injection);
            params = new LinkedHashMap<>(injection.params());
            params.put("holdMs", Long.toString(plan.holdMs()));
            long stopT = clock.now();
            history.append(new Fault(
                    stopT, Fault.Op.STOP, plan.id(), plan.fault(), Map.copyOf(params), targets, type.expected()));
            log.info("[fault {} {}] undone; waiting for full ISRs", plan.id(), plan.fault());
            Pending p = new Pending(plan.id(), plan.fault(), Map.copyOf(params), targets, type.expected(), stopT);
            pending.add(p);
            awaitHealed(List.of(p), healBoundMs);
        } finally {
            if (counted) {
                injecting.decrementAndGet();
            }
            ctx.release(targets);
        }
        return true;
    }

    /**
     * Injects no further fault, and waits up to {@code boundMs} for injections under way to finish their start action
     * (so that a caller healing the cluster afterwards undoes them too).
     */
    void stopInjecting(long boundMs) throws InterruptedException {
        stopped = true;
        long deadline = System.nanoTime() + boundMs * 1_000_000;
        while (injecting.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    /**
     * Undoes the fault, retrying for up to {@link #UNDO_BOUND_MS} (with overlapping faults an undo can fail until
     * another is undone: a broker cannot restart while ZooKeeper is down).
     */
    private void undo(FaultPlan plan, Injection injection) throws InterruptedException {
        long deadline = System.nanoTime() + UNDO_BOUND_MS * 1_000_000;
        for (int attempt = 1; ; attempt++) {
            try {
                injection.stop().run();
                return;
            } catch (Exception e) {
                log.warn("[fault {}] undo attempt {} failed", plan.id(), attempt, e);
                note("fault " + plan.id() + " " + plan.fault() + " undo attempt " + attempt + " failed: " + e);
                if (System.nanoTime() > deadline) {
                    return;
                }
                Thread.sleep(2_000);
            }
        }
    }

    /**
     * Waits until a sample taken after every given fault's STOP shows the cluster healed, and records their HEALED
     * events at that sample's time; returns false if {@code boundMs} passed first.
     */
    boolean awaitHealed(List<Pending> faults, long boundMs) throws InterruptedException {
        if (faults.isEmpty()) {
            return true;
        }
        long after = faults.stream().mapToLong(Pending::stopT).max().orElse(0);
        long deadline = System.nanoTime() + boundMs * 1_000_000;
        while (System.nanoTime() < deadline) {
            MetadataSampler.View view = sampler.latest();
            if (view != null
                    && view.t() > after
                    && MetadataSampler.healed(view, ctx.cluster().brokers())) {
                for (Pending p : faults) {
                    if (pending.remove(p)) {
                        history.append(new Fault(
                                view.t(), Fault.Op.HEALED, p.id(), p.name(), p.params(), p.targets(), p.expected()));
                        log.info("[fault {} {}] healed {} ms after its stop", p.id(), p.name(), view.t() - p.stopT());
                    }
                }
                return true;
            }
            Thread.sleep(200);
        }
        List<String> ids = new ArrayList<>();
        faults.forEach(p -> ids.add(p.id()));
        note("faults " + ids + " not healed within " + boundMs + " ms after their stop");
        log.warn("faults {} not healed within {} ms", ids, boundMs);
        return false;
    }

    private void note(String message) {
        history.append(new Note(clock.now(), "harness", message));
    }
}
