package io.sluice.metadata.zk;

/** The content of a znode cannot be decoded; the message names the path. */
public class ZkDataException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String path;

    public ZkDataException(String path, String message, Throwable cause) {
        super("Malformed data in znode " + path + ": " + message, cause);
        this.path = path;
    }

    public ZkDataException(String path, String message) {
        this(path, message, null);
    }

    /** The znode whose data is malformed. */
    public String path() {
        return path;
    }
}
