package io.sluice.metadata.zk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.utils.SecurityUtils;

/**
 * ACLs in ZooKeeper, exactly as Kafka's ZooKeeper-mode authorizer stores them.
 *
 * <pre>
 * /kafka-acl/&lt;Type&gt;/&lt;name&gt;                       literal patterns, e.g. /kafka-acl/Topic/orders
 * /kafka-acl-extended/prefixed/&lt;Type&gt;/&lt;name&gt;     prefixed patterns
 *   {"version":1,"acls":[{"principal":"User:alice","permissionType":"Allow","operation":"Write","host":"*"}]}
 * /kafka-acl-changes/acl_changes_0000000042            literal change, data "TOPIC:orders" (type:name, UTF-8)
 * /kafka-acl-extended-changes/acl_changes_0000000007   prefixed change, data
 *   {"version":1,"resourceType":"TOPIC","name":"orders-","patternType":"PREFIXED"}
 * </pre>
 *
 * Type names in paths and operation/permission names in the JSON are Kafka's camel-case names ({@code Topic},
 * {@code TransactionalId}, {@code DescribeConfigs}, {@code Allow}); the cluster resource is named
 * {@code kafka-cluster}. Change notifications name the resource whose znode changed; every broker re-reads it.
 */
public final class AclZNode {
    private AclZNode() {}

    public static final String LITERAL_ROOT = "/kafka-acl";
    public static final String EXTENDED_ROOT = "/kafka-acl-extended";
    public static final String PREFIXED_ROOT = EXTENDED_ROOT + "/prefixed";
    public static final String LITERAL_CHANGES = "/kafka-acl-changes";
    public static final String EXTENDED_CHANGES = "/kafka-acl-extended-changes";
    /** Prefix of the sequential change znodes under both change paths. */
    public static final String CHANGE_PREFIX = "acl_changes_";

    /** The resource types ACLs may be stored for (Kafka's specific types). */
    public static final List<ResourceType> TYPES = List.of(
            ResourceType.TOPIC,
            ResourceType.GROUP,
            ResourceType.CLUSTER,
            ResourceType.TRANSACTIONAL_ID,
            ResourceType.DELEGATION_TOKEN,
            ResourceType.USER);

    /** The root holding patterns of {@code patternType} (LITERAL or PREFIXED). */
    public static String root(PatternType patternType) {
        return switch (patternType) {
            case LITERAL -> LITERAL_ROOT;
            case PREFIXED -> PREFIXED_ROOT;
            default ->
                throw new IllegalArgumentException(
                        "ACLs are stored for LITERAL and PREFIXED patterns only, not " + patternType);
        };
    }

    public static String typePath(PatternType patternType, ResourceType type) {
        return root(patternType) + "/" + SecurityUtils.resourceTypeName(type);
    }

    public static String path(ResourcePattern pattern) {
        return typePath(pattern.patternType(), pattern.resourceType()) + "/" + pattern.name();
    }

    /** The change path notifications for {@code patternType} go to. */
    public static String changePath(PatternType patternType) {
        return patternType == PatternType.LITERAL ? LITERAL_CHANGES : EXTENDED_CHANGES;
    }

    public static byte[] encode(Set<AccessControlEntry> entries) {
        ObjectNode n = ZkJson.object();
        n.put("version", 1);
        ArrayNode acls = n.putArray("acls");
        entries.stream()
                .sorted(Comparator.comparing(AccessControlEntry::toString))
                .forEach(e -> {
                    ObjectNode a = acls.addObject();
                    a.put("principal", e.principal());
                    a.put("permissionType", SecurityUtils.permissionTypeName(e.permissionType()));
                    a.put("operation", SecurityUtils.operationName(e.operation()));
                    a.put("host", e.host());
                });
        return ZkJson.bytes(n);
    }

    public static Set<AccessControlEntry> decode(String path, byte[] data) {
        ObjectNode n = ZkJson.parseObject(path, data);
        ZkJson.checkVersion(path, ZkJson.intField(path, n, "version"), 1, 1);
        JsonNode acls = ZkJson.required(path, n, "acls");
        if (!acls.isArray()) {
            throw new ZkDataException(path, "acls is not an array: " + acls);
        }
        Set<AccessControlEntry> out = new HashSet<>();
        for (JsonNode a : acls) {
            try {
                out.add(new AccessControlEntry(
                        ZkJson.stringField(path, a, "principal"),
                        ZkJson.stringField(path, a, "host"),
                        SecurityUtils.operation(ZkJson.stringField(path, a, "operation")),
                        SecurityUtils.permissionType(ZkJson.stringField(path, a, "permissionType"))));
            } catch (IllegalArgumentException e) {
                throw new ZkDataException(path, "invalid ACL " + a + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** The data of a change notification for {@code pattern}. */
    public static byte[] encodeChange(ResourcePattern pattern) {
        if (pattern.patternType() == PatternType.LITERAL) {
            return (pattern.resourceType() + ":" + pattern.name()).getBytes(StandardCharsets.UTF_8);
        }
        ObjectNode n = ZkJson.object();
        n.put("version", 1);
        n.put("resourceType", pattern.resourceType().name());
        n.put("name", pattern.name());
        n.put("patternType", pattern.patternType().name());
        return ZkJson.bytes(n);
    }

    /** The resource a change notification under {@code changePath} names. */
    public static ResourcePattern decodeChange(String changePath, String path, byte[] data) {
        if (LITERAL_CHANGES.equals(changePath)) {
            String text = data == null ? "" : new String(data, StandardCharsets.UTF_8);
            int colon = text.indexOf(':');
            if (colon <= 0) {
                throw new ZkDataException(path, "expected ResourceType:name but got '" + text + "'");
            }
            return new ResourcePattern(
                    resourceType(path, text.substring(0, colon)), text.substring(colon + 1), PatternType.LITERAL);
        }
        ObjectNode n = ZkJson.parseObject(path, data);
        ZkJson.checkVersion(path, ZkJson.intField(path, n, "version"), 1, 1);
        PatternType patternType = PatternType.fromString(ZkJson.stringField(path, n, "patternType"));
        if (patternType != PatternType.PREFIXED) {
            throw new ZkDataException(path, "unsupported pattern type " + patternType);
        }
        return new ResourcePattern(
                resourceType(path, ZkJson.stringField(path, n, "resourceType")),
                ZkJson.stringField(path, n, "name"),
                patternType);
    }

    private static ResourceType resourceType(String path, String name) {
        // Kafka writes the enum's name (TOPIC); older releases wrote the camel-case name (TransactionalId)
        ResourceType type = ResourceType.fromString(name);
        if (type == ResourceType.UNKNOWN) {
            try {
                type = SecurityUtils.resourceType(name);
            } catch (IllegalArgumentException e) {
                type = ResourceType.UNKNOWN;
            }
        }
        if (type == ResourceType.UNKNOWN || type == ResourceType.ANY) {
            throw new ZkDataException(path, "unknown resource type '" + name + "'");
        }
        return type;
    }
}
