package io.sluice.metadata.zk;

/**
 * {@code /admin/delete_topics/T} (persistent, created by DeleteTopics, removed by the controller when the deletion
 * completes). The znode's existence is the request; it holds no data.
 */
public final class DeleteTopicsZNode {
    private DeleteTopicsZNode() {}

    public static final String PATH = ZkPaths.DELETE_TOPICS;

    public static String path(String topic) {
        return PATH + "/" + topic;
    }

    /** The data Kafka writes: none. */
    public static byte[] encode() {
        return new byte[0];
    }
}
