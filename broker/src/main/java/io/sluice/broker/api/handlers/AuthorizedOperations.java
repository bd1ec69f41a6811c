package io.sluice.broker.api.handlers;

/**
 * The authorized-operations bit fields of Metadata and DescribeCluster. Sluice has no authorizer, so every client may
 * perform every operation a resource type supports; the bits are Kafka's {@code AclOperation} codes.
 */
final class AuthorizedOperations {
    /** The value of an authorized-operations field the client did not ask for. */
    static final int NOT_REQUESTED = Integer.MIN_VALUE;

    private static final byte READ = 3;
    private static final byte WRITE = 4;
    private static final byte CREATE = 5;
    private static final byte DELETE = 6;
    private static final byte ALTER = 7;
    private static final byte DESCRIBE = 8;
    private static final byte CLUSTER_ACTION = 9;
    private static final byte DESCRIBE_CONFIGS = 10;
    private static final byte ALTER_CONFIGS = 11;
    private static final byte IDEMPOTENT_WRITE = 12;

    /** What can be done to a topic. */
    static final int TOPIC = bits(READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS);

    /** What can be done to the cluster. */
    static final int CLUSTER =
            bits(CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE);

    private AuthorizedOperations() {}

    private static int bits(byte... operations) {
        int bits = 0;
        for (byte operation : operations) {
            bits |= 1 << operation;
        }
        return bits;
    }
}
