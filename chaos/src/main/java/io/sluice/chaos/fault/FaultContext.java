package io.sluice.chaos.fault;

import io.sluice.chaos.cluster.Cluster;
import io.sluice.chaos.history.Partitions;
import io.sluice.chaos.history.Sample;
import io.sluice.chaos.workload.MetadataSampler;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * What a fault acts on and reads: the cluster's processes and proxies, the latest metadata sample, the workload's
 * partitions, the session and lag timeouts, and the targets other active faults hold.
 *
 * <p>Concurrency: the busy set is guarded by this object; everything else is immutable or thread-safe.
 */
public final class FaultContext {
    private final Cluster cluster;
    private final MetadataSampler sampler;
    private final List<TopicPartition> partitions;
    private final int sessionTimeoutMs;
    private final long replicaLagTimeMaxMs;
    private final Set<Integer> busy = new HashSet<>();

    public FaultContext(
            Cluster cluster,
            MetadataSampler sampler,
            List<TopicPartition> partitions,
            int sessionTimeoutMs,
            long replicaLagTimeMaxMs) {
        this.cluster = cluster;
        this.sampler = sampler;
        this.partitions = List.copyOf(partitions);
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.replicaLagTimeMaxMs = replicaLagTimeMaxMs;
    }

    public Cluster cluster() {
        return cluster;
    }

    public List<TopicPartition> partitions() {
        return partitions;
    }

    public int sessionTimeoutMs() {
        return sessionTimeoutMs;
    }

    public long replicaLagTimeMaxMs() {
        return replicaLagTimeMaxMs;
    }

    /** Whether the latest sample shows every partition with a leader and a full ISR and every broker registered. */
    public boolean healedNow() {
        return MetadataSampler.healed(sampler.latest(), cluster.brokers());
    }

    /** Brokers no active fault holds, in id order. */
    public synchronized List<Integer> freeBrokers() {
        List<Integer> out = new ArrayList<>();
        for (int b : cluster.brokers()) {
            if (!busy.contains(b)) {
                out.add(b);
            }
        }
        return out;
    }

    /** Claims {@code targets} for a fault; false (nothing claimed) if another fault holds one of them. */
    public synchronized boolean claim(List<Integer> targets) {
        for (int t : targets) {
            if (busy.contains(t)) {
                return false;
            }
        }
        busy.addAll(targets);
        return true;
    }

    public synchronized void release(List<Integer> targets) {
        targets.forEach(busy::remove);
    }

    /** The partition as the latest sample showed it; null if unknown. */
    public Sample.PartitionSample partitionState(TopicPartition tp) {
        MetadataSampler.View v = sampler.latest();
        return v == null ? null : v.sample().partitions().get(Partitions.name(tp));
    }

    /** The controller of the latest sample; -1 if unknown. */
    public int controller() {
        return sampler.controller();
    }

    /** A free broker chosen by {@code random}; -1 if none. */
    public int randomFreeBroker(Random random) {
        List<Integer> free = freeBrokers();
        return free.isEmpty() ? -1 : free.get(random.nextInt(free.size()));
    }

    /** The leader of a partition chosen by {@code random} if it is free, else a free broker chosen by random. */
    public int leaderOfRandomPartition(Random random) {
        TopicPartition tp = partitions.get(random.nextInt(partitions.size()));
        int leader = sampler.leaderOf(tp);
        List<Integer> free = freeBrokers();
        int fallback = free.isEmpty() ? -1 : free.get(random.nextInt(free.size()));
        return free.contains(leader) ? leader : fallback;
    }

    /** The controller if it is known and free, else a free broker chosen by random. */
    public int controllerOrRandom(Random random) {
        int controller = sampler.controller();
        List<Integer> free = freeBrokers();
        int fallback = free.isEmpty() ? -1 : free.get(random.nextInt(free.size()));
        return free.contains(controller) ? controller : fallback;
    }
}
