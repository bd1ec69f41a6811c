package io.sluice.chaos.cluster;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The broker settings of a cluster the harness starts: short timeouts so that faults are detected quickly.
 *
 * @param sessionTimeoutMs {@code zookeeper.session.timeout.ms}
 * @param replicaLagTimeMaxMs {@code replica.lag.time.max.ms}
 * @param heapOpts the brokers' heap flags
 */
public record ClusterSettings(int sessionTimeoutMs, long replicaLagTimeMaxMs, String heapOpts) {
    public static final ClusterSettings DEFAULT = new ClusterSettings(6_000, 7_000, "-Xms256m -Xmx768m");

    /** The keys every broker gets. */
    public Map<String, String> brokerProperties() {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("zookeeper.session.timeout.ms", Integer.toString(sessionTimeoutMs));
        props.put("replica.lag.time.max.ms", Long.toString(replicaLagTimeMaxMs));
        props.put("min.insync.replicas", "2");
        props.put("unclean.leader.election.enable", "false");
        props.put("auto.create.topics.enable", "false");
        props.put("group.initial.rebalance.delay.ms", "0");
        return props;
    }
}
