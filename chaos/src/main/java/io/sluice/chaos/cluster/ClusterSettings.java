package io.sluice.chaos.cluster;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The broker settings of a cluster the harness starts: short timeouts so that faults are detected quickly.
 *
 * @param sessionTimeoutMs {@code zookeeper.session.timeout.ms}
 * @param replicaLagTimeMaxMs {@code replica.lag.time.max.ms}
 * @param heapOpts the brokers' heap flags
 * @param overrides broker properties that replace or add to {@link #brokerProperties()}'s defaults (e.g.
 *     {@code unclean.leader.election.enable=true})
 * @param env extra environment of {@code bin/sluice-cluster} and so of every broker it starts or restarts
 */
public record ClusterSettings(
        int sessionTimeoutMs,
        long replicaLagTimeMaxMs,
        String heapOpts,
        Map<String, String> overrides,
        Map<String, String> env) {
    public static final ClusterSettings DEFAULT = new ClusterSettings(6_000, 7_000, "-Xms256m -Xmx768m");

    public ClusterSettings {
        overrides = Map.copyOf(overrides);
        env = Map.copyOf(env);
    }

    public ClusterSettings(int sessionTimeoutMs, long replicaLagTimeMaxMs, String heapOpts) {
        this(sessionTimeoutMs, replicaLagTimeMaxMs, heapOpts, Map.of(), Map.of());
    }

    /** These settings with {@code key=value} added to the broker properties. */
    public ClusterSettings withOverride(String key, String value) {
        Map<String, String> next = new LinkedHashMap<>(overrides);
        next.put(key, value);
        return new ClusterSettings(sessionTimeoutMs, replicaLagTimeMaxMs, heapOpts, next, env);
    }

    /** These settings with {@code name=value} added to the brokers' environment. */
    public ClusterSettings withEnv(String name, String value) {
        Map<String, String> next = new LinkedHashMap<>(env);
        next.put(name, value);
        return new ClusterSettings(sessionTimeoutMs, replicaLagTimeMaxMs, heapOpts, overrides, next);
    }

    /** The JVM flags of {@link #withQuickStart()}: C1 only, serial GC, no perf data file. */
    public static final String QUICK_START_JVM_OPTS =
            "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Djava.awt.headless=true";

    /**
     * These settings tuned for short runs on small machines, where restarts dominate: JVMs that start fast
     * ({@link #QUICK_START_JVM_OPTS} for ZooKeeper and every broker) and 3 partitions of the offsets topic instead of
     * 50, so that a restarted broker has few logs to load and few partitions to take over. Replication is unchanged.
     */
    public ClusterSettings withQuickStart() {
        return withEnv("SLUICE_JVM_OPTS", QUICK_START_JVM_OPTS).withOverride("offsets.topic.num.partitions", "3");
    }

    /** The keys every broker gets. */
    public Map<String, String> brokerProperties() {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("zookeeper.session.timeout.ms", Integer.toString(sessionTimeoutMs));
        props.put("replica.lag.time.max.ms", Long.toString(replicaLagTimeMaxMs));
        props.put("min.insync.replicas", "2");
        props.put("unclean.leader.election.enable", "false");
        props.put("auto.create.topics.enable", "false");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.putAll(overrides);
        return props;
    }

    /** The environment of the cluster's scripts: the heap flags plus {@link #env()}. */
    public Map<String, String> processEnv() {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("SLUICE_HEAP_OPTS", heapOpts);
        all.putAll(env);
        return all;
    }
}
