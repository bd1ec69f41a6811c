package io.sluice.metadata.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class AclZNodeTest {

    @Test
    void pathsAreKafkas() {
        assertThat(AclZNode.path(new ResourcePattern(ResourceType.TOPIC, "orders", PatternType.LITERAL)))
                .isEqualTo("/kafka-acl/Topic/orders");
        assertThat(AclZNode.path(new ResourcePattern(ResourceType.TRANSACTIONAL_ID, "tx-", PatternType.PREFIXED)))
                .isEqualTo("/kafka-acl-extended/prefixed/TransactionalId/tx-");
        assertThat(AclZNode.path(new ResourcePattern(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL)))
                .isEqualTo("/kafka-acl/Cluster/kafka-cluster");
    }

    @Test
    void aclJsonRoundTripsAndReadsKafkasLayout() {
        String kafka = "{\"version\":1,\"acls\":[{\"principal\":\"User:alice\",\"permissionType\":\"Allow\","
                + "\"operation\":\"Write\",\"host\":\"*\"},{\"principal\":\"User:*\",\"permissionType\":\"Deny\","
                + "\"operation\":\"DescribeConfigs\",\"host\":\"10.0.0.1\"}]}";
        Set<AccessControlEntry> entries = AclZNode.decode("/p", kafka.getBytes(StandardCharsets.UTF_8));
        assertThat(entries)
                .containsExactlyInAnyOrder(
                        new AccessControlEntry("User:alice", "*", AclOperation.WRITE, AclPermissionType.ALLOW),
                        new AccessControlEntry(
                                "User:*", "10.0.0.1", AclOperation.DESCRIBE_CONFIGS, AclPermissionType.DENY));
        assertThat(AclZNode.decode("/p", AclZNode.encode(entries))).isEqualTo(entries);
        assertThat(new String(AclZNode.encode(Set.of(entries.iterator().next())), StandardCharsets.UTF_8))
                .contains("\"version\":1")
                .contains("\"permissionType\":\"");
        assertThatThrownBy(() -> AclZNode.decode("/p", "{\"version\":2,\"acls\":[]}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ZkDataException.class);
    }

    @Test
    void changeNotificationsInBothFormats() {
        ResourcePattern literal = new ResourcePattern(ResourceType.GROUP, "g:1", PatternType.LITERAL);
        ResourcePattern prefixed = new ResourcePattern(ResourceType.TOPIC, "team-", PatternType.PREFIXED);
        assertThat(new String(AclZNode.encodeChange(literal), StandardCharsets.UTF_8))
                .isEqualTo("GROUP:g:1");
        assertThat(AclZNode.decodeChange(AclZNode.LITERAL_CHANGES, "/c", AclZNode.encodeChange(literal)))
                .isEqualTo(literal);
        // older Kafka releases wrote the camel-case type name
        assertThat(AclZNode.decodeChange(
                        AclZNode.LITERAL_CHANGES, "/c", "TransactionalId:tx".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(new ResourcePattern(ResourceType.TRANSACTIONAL_ID, "tx", PatternType.LITERAL));
        assertThat(AclZNode.decodeChange(AclZNode.EXTENDED_CHANGES, "/c", AclZNode.encodeChange(prefixed)))
                .isEqualTo(prefixed);
        assertThat(new String(AclZNode.encodeChange(prefixed), StandardCharsets.UTF_8))
                .isEqualTo(
                        "{\"version\":1,\"resourceType\":\"TOPIC\",\"name\":\"team-\",\"patternType\":\"PREFIXED\"}");
    }
}
