package io.sluice.metadata.zk;

import java.nio.charset.StandardCharsets;

/**
 * {@code /controller_epoch} (persistent, written by the controller): the epoch as a bare decimal integer, e.g.
 * {@code 3}. Its zkVersion is the controller's fencing token: every controller write is a transaction that checks it.
 */
public final class ControllerEpochZNode {
    private ControllerEpochZNode() {}

    public static final String PATH = "/controller_epoch";

    /** The epoch before any controller was elected (the first controller writes 1). */
    public static final int INITIAL_EPOCH = 0;

    public static byte[] encode(int epoch) {
        return Integer.toString(epoch).getBytes(StandardCharsets.US_ASCII);
    }

    public static int decode(byte[] data) {
        if (data == null || data.length == 0) {
            throw new ZkDataException(PATH, "empty data");
        }
        String s = new String(data, StandardCharsets.UTF_8).trim();
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new ZkDataException(PATH, "not a decimal integer: '" + s + "'", e);
        }
    }
}
