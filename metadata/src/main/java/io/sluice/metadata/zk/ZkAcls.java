package io.sluice.metadata.zk;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;

/**
 * The ACLs Sluice gives the znodes it creates, as Kafka does in ZooKeeper mode ({@code zookeeper.set.acl}).
 *
 * <ul>
 *   <li>Not secure ({@code zookeeper.set.acl=false}): {@code world:anyone} has every right.
 *   <li>Secure, ordinary path: the creator's authenticated identities ({@code auth} scheme, i.e. the SASL user or the
 *       TLS certificate's subject of the session that creates the znode) have every right, {@code world:anyone} may
 *       read.
 *   <li>Secure, sensitive path (at or under {@code /config/users} with the SCRAM credentials, {@code /config/brokers},
 *       {@code /delegation_token}): only the creator's identities, no world access at all.
 * </ul>
 *
 * Paths are judged relative to the chroot: Curator hands the provider namespaced paths, so the chroot prefix is cut
 * first, and the chroot's own znodes get the ordinary ACL.
 *
 * <p>Immutable and thread-safe; Curator calls it from any thread that creates a znode.
 */
public final class ZkAcls implements ACLProvider {
    /** Roots whose subtrees nobody but the brokers may read (Kafka's sensitive paths). */
    public static final List<String> SENSITIVE_ROOTS = List.of("/config/users", "/config/brokers", "/delegation_token");

    // unmodifiable views, not List.copyOf: ZooKeeper's ACL check asks contains(null), which List.copyOf lists refuse
    private static final List<ACL> OPEN = concat(ZooDefs.Ids.OPEN_ACL_UNSAFE, List.of());
    private static final List<ACL> CREATOR_ONLY = concat(ZooDefs.Ids.CREATOR_ALL_ACL, List.of());
    private static final List<ACL> CREATOR_AND_WORLD_READ = concat(CREATOR_ONLY, ZooDefs.Ids.READ_ACL_UNSAFE);

    private final boolean secure;
    private final String chrootPrefix;

    /**
     * @param secure {@code zookeeper.set.acl}
     * @param namespace the Curator namespace (the chroot without its leading slash), or {@code null}
     */
    public ZkAcls(boolean secure, String namespace) {
        this.secure = secure;
        this.chrootPrefix = namespace == null || namespace.isEmpty() ? "" : "/" + namespace;
    }

    /** The ACL of a znode at {@code path}, relative to the chroot. */
    public List<ACL> aclFor(String path) {
        if (!secure) {
            return OPEN;
        }
        return isSensitive(path) ? CREATOR_ONLY : CREATOR_AND_WORLD_READ;
    }

    /** Whether {@code path} (relative to the chroot) lies at or under one of the {@link #SENSITIVE_ROOTS}. */
    public static boolean isSensitive(String path) {
        if (path == null) {
            return false;
        }
        for (String root : SENSITIVE_ROOTS) {
            if (path.equals(root) || path.startsWith(root + "/")) {
                return true;
            }
        }
        return false;
    }

    @Override
    public List<ACL> getDefaultAcl() {
        return secure ? CREATOR_AND_WORLD_READ : OPEN;
    }

    @Override
    public List<ACL> getAclForPath(String path) {
        return aclFor(relativeToChroot(path));
    }

    /** {@code path} without the chroot; the chroot and its ancestors map to {@code "/"}. */
    private String relativeToChroot(String path) {
        if (chrootPrefix.isEmpty() || path == null) {
            return path;
        }
        if (path.startsWith(chrootPrefix + "/")) {
            return path.substring(chrootPrefix.length());
        }
        return "/";
    }

    private static List<ACL> concat(List<ACL> a, List<ACL> b) {
        List<ACL> out = new ArrayList<>(a);
        out.addAll(b);
        return Collections.unmodifiableList(out);
    }
}
