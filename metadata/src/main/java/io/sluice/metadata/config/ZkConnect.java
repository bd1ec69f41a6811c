package io.sluice.metadata.config;

import java.util.Optional;

/**
 * A parsed {@code zookeeper.connect}: the ensemble's connect string and the optional chroot, e.g.
 * {@code h1:2181,h2:2181/sluice/a} gives {@code h1:2181,h2:2181} and {@code /sluice/a}. The chroot becomes Curator's
 * namespace ({@link #namespace()}), so every znode path in Sluice is absolute from the chroot.
 *
 * @param connectString hosts and ports, without the chroot
 * @param chroot the chroot with a leading slash and no trailing slash, if any
 */
public record ZkConnect(String connectString, Optional<String> chroot) {

    /**
     * Parses a {@code zookeeper.connect} value.
     *
     * @throws ConfigException naming {@code zookeeper.connect} for an empty ensemble or a malformed chroot
     */
    public static ZkConnect parse(String value) {
        String key = BrokerConfigKeys.ZOOKEEPER_CONNECT.name();
        String v = value.trim();
        int slash = v.indexOf('/');
        String hosts = slash < 0 ? v : v.substring(0, slash);
        String chroot = slash < 0 ? "" : v.substring(slash);
        if (hosts.isBlank()) {
            throw new ConfigException(key, value, "No ZooKeeper host given");
        }
        for (String host : hosts.split(",", -1)) {
            if (host.isBlank()) {
                throw new ConfigException(key, value, "Empty host in the ZooKeeper ensemble");
            }
        }
        if (chroot.equals("/") || chroot.isEmpty()) {
            return new ZkConnect(hosts, Optional.empty());
        }
        if (chroot.endsWith("/") || chroot.contains("//") || chroot.contains(",")) {
            throw new ConfigException(key, value, "Malformed chroot " + chroot);
        }
        return new ZkConnect(hosts, Optional.of(chroot));
    }

    /** The chroot as a Curator namespace (no leading slash), or {@code null} for none. */
    public String namespace() {
        return chroot.map(c -> c.substring(1)).orElse(null);
    }
}
