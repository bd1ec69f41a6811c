package io.sluice.broker.security;

import io.sluice.metadata.zk.AclZNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.curator.framework.CuratorFramework;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.utils.SecurityUtils;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.Stat;

/**
 * Reads and writes the ACL znodes ({@link AclZNode} describes the layout) and their change notifications through
 * Curator. Writes are compare-and-set on the znode version, as Kafka's authorizer does, so two brokers adding ACLs to
 * one resource at once both land.
 *
 * <p>Concurrency: stateless over a thread-safe Curator client.
 */
final class ZkAclStore {
    /** The entries of one resource pattern and the znode version they were read at (-1: no znode). */
    record Versioned(Set<AccessControlEntry> entries, int version) {}

    private final CuratorFramework curator;

    ZkAclStore(CuratorFramework curator) {
        this.curator = curator;
    }

    /** Creates the ACL roots and change paths if they are missing. */
    void ensurePaths() throws Exception {
        for (String path : List.of(
                AclZNode.LITERAL_ROOT, AclZNode.PREFIXED_ROOT, AclZNode.LITERAL_CHANGES, AclZNode.EXTENDED_CHANGES)) {
            try {
                curator.create().creatingParentsIfNeeded().forPath(path, new byte[0]);
            } catch (KeeperException.NodeExistsException e) {
                // already there
            }
        }
    }

    /** Every stored ACL. */
    Map<ResourcePattern, Set<AccessControlEntry>> loadAll() throws Exception {
        Map<ResourcePattern, Set<AccessControlEntry>> all = new HashMap<>();
        for (PatternType patternType : List.of(PatternType.LITERAL, PatternType.PREFIXED)) {
            for (String typeName : children(AclZNode.root(patternType))) {
                ResourceType type = SecurityUtils.resourceType(typeName);
                for (String name : children(AclZNode.typePath(patternType, type))) {
                    ResourcePattern pattern = new ResourcePattern(type, name, patternType);
                    Versioned read = read(pattern);
                    if (!read.entries().isEmpty()) {
                        all.put(pattern, read.entries());
                    }
                }
            }
        }
        return all;
    }

    Versioned read(ResourcePattern pattern) throws Exception {
        String path = AclZNode.path(pattern);
        Stat stat = new Stat();
        try {
            byte[] data = curator.getData().storingStatIn(stat).forPath(path);
            return new Versioned(AclZNode.decode(path, data), stat.getVersion());
        } catch (KeeperException.NoNodeException e) {
            return new Versioned(Set.of(), -1);
        }
    }

    /**
     * Replaces the entries of {@code pattern} if its znode is still at {@code expectedVersion} (-1: absent); an empty
     * set deletes the znode.
     *
     * @return false if another writer got there first (re-read and retry)
     */
    boolean write(ResourcePattern pattern, Set<AccessControlEntry> entries, int expectedVersion) throws Exception {
        String path = AclZNode.path(pattern);
        try {
            if (expectedVersion < 0) {
                if (!entries.isEmpty()) {
                    curator.create().creatingParentsIfNeeded().forPath(path, AclZNode.encode(entries));
                }
            } else if (entries.isEmpty()) {
                curator.delete().withVersion(expectedVersion).forPath(path);
            } else {
                curator.setData().withVersion(expectedVersion).forPath(path, AclZNode.encode(entries));
            }
            return true;
        } catch (KeeperException.BadVersionException
                | KeeperException.NodeExistsException
                | KeeperException.NoNodeException e) {
            return false;
        }
    }

    /** Tells every broker to re-read {@code pattern}. */
    void notifyChange(ResourcePattern pattern) throws Exception {
        curator.create()
                .creatingParentsIfNeeded()
                .withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                .forPath(
                        AclZNode.changePath(pattern.patternType()) + "/" + AclZNode.CHANGE_PREFIX,
                        AclZNode.encodeChange(pattern));
    }

    /** The change notifications under {@code changePath}, oldest first, watching for new ones. */
    List<String> changes(String changePath, Watcher watcher) throws Exception {
        List<String> names =
                new ArrayList<>(curator.getChildren().usingWatcher(watcher).forPath(changePath));
        names.removeIf(n -> !n.startsWith(AclZNode.CHANGE_PREFIX));
        names.sort(null);
        return names;
    }

    /** The resource notification {@code name} under {@code changePath} names, and the znode's creation time. */
    record Change(ResourcePattern pattern, long createdMs) {}

    Change readChange(String changePath, String name) throws Exception {
        String path = changePath + "/" + name;
        Stat stat = new Stat();
        byte[] data = curator.getData().storingStatIn(stat).forPath(path);
        return new Change(AclZNode.decodeChange(changePath, path, data), stat.getCtime());
    }

    void deleteChange(String changePath, String name) throws Exception {
        try {
            curator.delete().forPath(changePath + "/" + name);
        } catch (KeeperException.NoNodeException e) {
            // another broker purged it
        }
    }

    private List<String> children(String path) throws Exception {
        try {
            return curator.getChildren().forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        }
    }

    static long sequence(String changeName) {
        return Long.parseLong(changeName.substring(AclZNode.CHANGE_PREFIX.length()));
    }
}
