package io.sluice.broker.security;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

/**
 * An immutable snapshot of every ACL, and the pure decision Kafka's ACL authorizer makes over it.
 *
 * <p>Matching ACLs of a resource (type T, name N): the literal pattern (T, N), the literal wildcard (T, {@code *})
 * and every prefixed pattern (T, P) with N starting with P. An entry applies to a request when its principal is the
 * request's principal or {@code User:*} and its host is the client's address or {@code *}. Then, in order:
 *
 * <ol>
 *   <li>a super user is allowed;
 *   <li>no matching ACL at all: allowed only with {@code allow.everyone.if.no.acl.found};
 *   <li>an applying DENY entry for the operation (or ALL) denies;
 *   <li>an applying ALLOW entry for the operation, for ALL, or for an operation that implies it allows — READ, WRITE,
 *       DELETE and ALTER imply DESCRIBE; ALTER_CONFIGS implies DESCRIBE_CONFIGS;
 *   <li>otherwise denied.
 * </ol>
 *
 * <p>Concurrency: immutable; {@link #with} returns a new snapshot.
 */
final class AclRules {
    /** Kafka's name for the one cluster resource. */
    static final String CLUSTER_NAME = "kafka-cluster";

    static final String WILDCARD = ResourcePattern.WILDCARD_RESOURCE;
    static final String WILDCARD_PRINCIPAL = "User:*";
    static final String WILDCARD_HOST = "*";

    /** Why a decision came out as it did, for the authorizer log. */
    record Decision(boolean allowed, String reason) {}

    private static final AclRules EMPTY = new AclRules(Map.of());

    private final Map<ResourcePattern, Set<AccessControlEntry>> acls;

    private AclRules(Map<ResourcePattern, Set<AccessControlEntry>> acls) {
        this.acls = acls;
    }

    static AclRules empty() {
        return EMPTY;
    }

    static AclRules of(Map<ResourcePattern, Set<AccessControlEntry>> acls) {
        Map<ResourcePattern, Set<AccessControlEntry>> copy = new HashMap<>();
        acls.forEach((pattern, entries) -> {
            if (!entries.isEmpty()) {
                copy.put(pattern, Set.copyOf(entries));
            }
        });
        return new AclRules(Collections.unmodifiableMap(copy));
    }

    /** A snapshot with {@code pattern}'s entries replaced (an empty set removes the pattern). */
    AclRules with(ResourcePattern pattern, Set<AccessControlEntry> entries) {
        Map<ResourcePattern, Set<AccessControlEntry>> copy = new HashMap<>(acls);
        if (entries.isEmpty()) {
            copy.remove(pattern);
        } else {
            copy.put(pattern, Set.copyOf(entries));
        }
        return new AclRules(Collections.unmodifiableMap(copy));
    }

    /** The entries stored for exactly {@code pattern}. */
    Set<AccessControlEntry> entries(ResourcePattern pattern) {
        return acls.getOrDefault(pattern, Set.of());
    }

    /** Every stored binding {@code filter} matches. */
    List<AclBinding> bindings(AclBindingFilter filter) {
        List<AclBinding> result = new ArrayList<>();
        acls.forEach((pattern, entries) -> {
            for (AccessControlEntry entry : entries) {
                AclBinding binding = new AclBinding(pattern, entry);
                if (filter.matches(binding)) {
                    result.add(binding);
                }
            }
        });
        return result;
    }

    int size() {
        return acls.values().stream().mapToInt(Set::size).sum();
    }

    /**
     * Decides whether {@code principal} at {@code host} may perform {@code operation} on the resource.
     *
     * @param superUser whether {@code principal} is one of {@code super.users}
     * @param allowIfNoAcl {@code allow.everyone.if.no.acl.found}
     */
    Decision decide(
            KafkaPrincipal principal,
            String host,
            AclOperation operation,
            ResourceType type,
            String name,
            boolean superUser,
            boolean allowIfNoAcl) {
        if (superUser) {
            return new Decision(true, "super user");
        }
        List<Matched> matching = matching(type, name);
        if (matching.isEmpty()) {
            return new Decision(allowIfNoAcl, "no ACL found, allow.everyone.if.no.acl.found=" + allowIfNoAcl);
        }
        String who = principal.getPrincipalType() + ":" + principal.getName();
        Optional<Matched> deny = find(matching, who, host, AclPermissionType.DENY, Set.of(operation));
        if (deny.isPresent()) {
            return new Decision(false, "DENY rule " + deny.get());
        }
        Optional<Matched> allow = find(matching, who, host, AclPermissionType.ALLOW, implying(operation));
        if (allow.isPresent()) {
            return new Decision(true, "ALLOW rule " + allow.get());
        }
        return new Decision(false, "no ALLOW rule among " + matching.size() + " ACLs of the resource");
    }

    /** Operations whose ALLOW also allows {@code operation}. */
    static Set<AclOperation> implying(AclOperation operation) {
        return switch (operation) {
            case DESCRIBE ->
                Set.of(
                        AclOperation.DESCRIBE,
                        AclOperation.READ,
                        AclOperation.WRITE,
                        AclOperation.DELETE,
                        AclOperation.ALTER);
            case DESCRIBE_CONFIGS -> Set.of(AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS);
            default -> Set.of(operation);
        };
    }

    private record Matched(ResourcePattern pattern, AccessControlEntry entry) {
        @Override
        public String toString() {
            return entry + " on " + pattern;
        }
    }

    private List<Matched> matching(ResourceType type, String name) {
        List<Matched> result = new ArrayList<>();
        add(result, new ResourcePattern(type, name, PatternType.LITERAL));
        if (!WILDCARD.equals(name)) {
            add(result, new ResourcePattern(type, WILDCARD, PatternType.LITERAL));
        }
        for (int length = 1; length <= name.length(); length++) {
            add(result, new ResourcePattern(type, name.substring(0, length), PatternType.PREFIXED));
        }
        return result;
    }

    private void add(List<Matched> result, ResourcePattern pattern) {
        Set<AccessControlEntry> entries = acls.get(pattern);
        if (entries != null) {
            for (AccessControlEntry entry : entries) {
                result.add(new Matched(pattern, entry));
            }
        }
    }

    private static Optional<Matched> find(
            List<Matched> matching,
            String principal,
            String host,
            AclPermissionType permission,
            Set<AclOperation> operations) {
        for (Matched m : matching) {
            AccessControlEntry e = m.entry();
            if (e.permissionType() == permission
                    && (e.principal().equals(principal) || e.principal().equals(WILDCARD_PRINCIPAL))
                    && (e.host().equals(host) || e.host().equals(WILDCARD_HOST))
                    && (e.operation() == AclOperation.ALL || operations.contains(e.operation()))) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }
}
