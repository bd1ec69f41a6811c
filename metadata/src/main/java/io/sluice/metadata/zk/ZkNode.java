package io.sluice.metadata.zk;

import org.apache.zookeeper.data.Stat;

/**
 * The raw content of one znode as read.
 *
 * @param path the znode path (absolute from the chroot)
 * @param data the data, never {@code null} (empty for a znode without data)
 * @param stat the znode's stat: {@code getVersion()} is the zkVersion, {@code getCzxid()} the creation zxid
 */
public record ZkNode(String path, byte[] data, Stat stat) {

    public ZkNode {
        data = data == null ? new byte[0] : data;
    }

    /** The data version, the token for a conditional write. */
    public int zkVersion() {
        return stat.getVersion();
    }

    /** The zxid that created the znode (a broker registration's czxid is its broker epoch). */
    public long czxid() {
        return stat.getCzxid();
    }

    /** The owner session of an ephemeral znode, 0 for a persistent one. */
    public long ephemeralOwner() {
        return stat.getEphemeralOwner();
    }
}
