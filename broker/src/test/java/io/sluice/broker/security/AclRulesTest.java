package io.sluice.broker.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class AclRulesTest {
    private static final KafkaPrincipal ALICE = new KafkaPrincipal("User", "alice");
    private static final KafkaPrincipal BOB = new KafkaPrincipal("User", "bob");
    private static final String HOST = "10.0.0.1";

    private static ResourcePattern literal(ResourceType type, String name) {
        return new ResourcePattern(type, name, PatternType.LITERAL);
    }

    private static ResourcePattern topic(String name) {
        return literal(ResourceType.TOPIC, name);
    }

    private static AccessControlEntry allow(String principal, AclOperation op) {
        return new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW);
    }

    private static AccessControlEntry deny(String principal, AclOperation op) {
        return new AccessControlEntry(principal, "*", op, AclPermissionType.DENY);
    }

    private static boolean allowed(AclRules rules, KafkaPrincipal who, AclOperation op, String topic) {
        return rules.decide(who, HOST, op, ResourceType.TOPIC, topic, false, false)
                .allowed();
    }

    @Test
    void noAclDeniesUnlessAllowEveryoneIfNoAclFound() {
        AclRules rules = AclRules.of(Map.of(topic("other"), Set.of(allow("User:bob", AclOperation.READ))));
        assertThat(allowed(rules, ALICE, AclOperation.READ, "orders")).isFalse();
        assertThat(rules.decide(ALICE, HOST, AclOperation.READ, ResourceType.TOPIC, "orders", false, true)
                        .allowed())
                .isTrue();
        // a resource with ACLs stays closed to others even with allow.everyone.if.no.acl.found
        assertThat(rules.decide(ALICE, HOST, AclOperation.READ, ResourceType.TOPIC, "other", false, true)
                        .allowed())
                .isFalse();
    }

    @Test
    void superUsersBypassEvenDenies() {
        AclRules rules = AclRules.of(Map.of(topic("orders"), Set.of(deny("User:alice", AclOperation.ALL))));
        assertThat(rules.decide(ALICE, HOST, AclOperation.WRITE, ResourceType.TOPIC, "orders", true, false)
                        .allowed())
                .isTrue();
        assertThat(allowed(rules, ALICE, AclOperation.WRITE, "orders")).isFalse();
    }

    @Test
    void denyBeatsAllow() {
        AclRules rules = AclRules.of(Map.of(
                topic("orders"), Set.of(allow("User:alice", AclOperation.ALL)),
                topic("*"), Set.of(deny("User:alice", AclOperation.WRITE))));
        assertThat(allowed(rules, ALICE, AclOperation.READ, "orders")).isTrue();
        assertThat(allowed(rules, ALICE, AclOperation.WRITE, "orders")).isFalse();
    }

    @Test
    void wildcardResourceAndPrincipal() {
        AclRules rules = AclRules.of(Map.of(topic("*"), Set.of(allow("User:*", AclOperation.READ))));
        assertThat(allowed(rules, ALICE, AclOperation.READ, "anything")).isTrue();
        assertThat(allowed(rules, BOB, AclOperation.READ, "else")).isTrue();
        assertThat(allowed(rules, BOB, AclOperation.WRITE, "else")).isFalse();
    }

    @Test
    void prefixedPatternsMatchNamesStartingWithThePrefix() {
        AclRules rules = AclRules.of(Map.of(
                new ResourcePattern(ResourceType.TOPIC, "team-a.", PatternType.PREFIXED),
                Set.of(allow("User:alice", AclOperation.WRITE))));
        assertThat(allowed(rules, ALICE, AclOperation.WRITE, "team-a.orders")).isTrue();
        assertThat(allowed(rules, ALICE, AclOperation.WRITE, "team-a.")).isTrue();
        assertThat(allowed(rules, ALICE, AclOperation.WRITE, "team-b.orders")).isFalse();
        assertThat(allowed(rules, ALICE, AclOperation.WRITE, "team-a")).isFalse();
        // a literal ACL of the same name is not a prefix
        AclRules literalOnly = AclRules.of(Map.of(topic("team-a."), Set.of(allow("User:alice", AclOperation.WRITE))));
        assertThat(allowed(literalOnly, ALICE, AclOperation.WRITE, "team-a.orders"))
                .isFalse();
    }

    @Test
    void hostMustMatchUnlessWildcard() {
        AclRules rules = AclRules.of(Map.of(
                topic("orders"),
                Set.of(new AccessControlEntry("User:alice", "10.0.0.9", AclOperation.READ, AclPermissionType.ALLOW))));
        assertThat(allowed(rules, ALICE, AclOperation.READ, "orders")).isFalse();
        assertThat(rules.decide(ALICE, "10.0.0.9", AclOperation.READ, ResourceType.TOPIC, "orders", false, false)
                        .allowed())
                .isTrue();
    }

    @Test
    void impliedOperations() {
        for (AclOperation implying :
                new AclOperation[] {AclOperation.READ, AclOperation.WRITE, AclOperation.DELETE, AclOperation.ALTER}) {
            AclRules rules = AclRules.of(Map.of(topic("t"), Set.of(allow("User:alice", implying))));
            assertThat(allowed(rules, ALICE, AclOperation.DESCRIBE, "t"))
                    .as("%s implies DESCRIBE", implying)
                    .isTrue();
        }
        AclRules alterConfigs =
                AclRules.of(Map.of(topic("t"), Set.of(allow("User:alice", AclOperation.ALTER_CONFIGS))));
        assertThat(allowed(alterConfigs, ALICE, AclOperation.DESCRIBE_CONFIGS, "t"))
                .isTrue();
        assertThat(allowed(alterConfigs, ALICE, AclOperation.DESCRIBE, "t")).isFalse();
        AclRules read = AclRules.of(Map.of(topic("t"), Set.of(allow("User:alice", AclOperation.READ))));
        assertThat(allowed(read, ALICE, AclOperation.WRITE, "t")).isFalse();
        // a DENY of READ does not deny DESCRIBE (implication only widens ALLOW), as in Kafka
        AclRules denyRead = AclRules.of(Map.of(
                topic("t"), Set.of(deny("User:alice", AclOperation.READ), allow("User:alice", AclOperation.DESCRIBE))));
        assertThat(allowed(denyRead, ALICE, AclOperation.DESCRIBE, "t")).isTrue();
    }

    @Test
    void bindingsAreFilteredAndReplacedPerPattern() {
        AclRules rules = AclRules.empty()
                .with(topic("a"), Set.of(allow("User:alice", AclOperation.READ)))
                .with(literal(ResourceType.GROUP, "g"), Set.of(allow("User:bob", AclOperation.READ)));
        assertThat(rules.bindings(AclBindingFilter.ANY)).hasSize(2);
        assertThat(rules.size()).isEqualTo(2);
        assertThat(rules.with(topic("a"), Set.of()).bindings(AclBindingFilter.ANY))
                .singleElement()
                .satisfies(b -> assertThat(b.pattern().resourceType()).isEqualTo(ResourceType.GROUP));
    }

    @Test
    void superUsersAreParsedAndNormalized() {
        assertThat(AclAuthorizer.parseSuperUsers(" User:admin ;User:broker;;"))
                .containsExactlyInAnyOrder("User:admin", "User:broker");
        assertThat(AclAuthorizer.parseSuperUsers("")).isEmpty();
    }
}
