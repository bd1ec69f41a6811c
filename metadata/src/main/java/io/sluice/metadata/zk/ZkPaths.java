package io.sluice.metadata.zk;

import java.util.List;

/**
 * The roots of Kafka's ZooKeeper-mode layout that Sluice uses. Paths are absolute from the chroot (the chroot is the
 * Curator namespace). The per-znode paths are built by the znode classes ({@link BrokerIdZNode#path(int)},
 * {@link TopicPartitionStateZNode#path(String, int)}, ...).
 */
public final class ZkPaths {
    private ZkPaths() {}

    public static final String CLUSTER = "/cluster";
    public static final String BROKERS = "/brokers";
    public static final String BROKER_IDS = "/brokers/ids";
    public static final String BROKER_TOPICS = "/brokers/topics";
    public static final String BROKER_SEQUENCE_ID = "/brokers/seqid";
    public static final String CONTROLLER = ControllerZNode.PATH;
    public static final String CONTROLLER_EPOCH = ControllerEpochZNode.PATH;
    public static final String CONFIG = "/config";
    public static final String CONFIG_TOPICS = "/config/topics";
    public static final String CONFIG_BROKERS = "/config/brokers";
    public static final String CONFIG_CHANGES = "/config/changes";
    public static final String ADMIN = "/admin";
    public static final String DELETE_TOPICS = "/admin/delete_topics";
    public static final String LATEST_PRODUCER_ID_BLOCK = ProducerIdBlockZNode.PATH;

    /**
     * The persistent paths every broker creates (if absent) at startup, parents first, as Kafka's
     * {@code ZkData.PersistentZkPaths}, so watchers can set child watches on them.
     */
    public static final List<String> PERSISTENT_PATHS = List.of(
            CLUSTER,
            BROKERS,
            BROKER_IDS,
            BROKER_TOPICS,
            BROKER_SEQUENCE_ID,
            CONFIG,
            CONFIG_TOPICS,
            CONFIG_BROKERS,
            CONFIG_CHANGES,
            ADMIN,
            DELETE_TOPICS,
            LATEST_PRODUCER_ID_BLOCK);

    /** The last element of {@code path}. */
    public static String lastSegment(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? path : path.substring(slash + 1);
    }
}
