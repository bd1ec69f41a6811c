package io.sluice.broker.security;

import io.sluice.broker.api.RequestContext;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.server.authorizer.Action;
import org.apache.kafka.server.authorizer.AuthorizableRequestContext;
import org.apache.kafka.server.authorizer.AuthorizationResult;
import org.apache.kafka.server.authorizer.Authorizer;

/**
 * What the request gates ask: may this request's principal perform an operation on a resource? Without a configured
 * authorizer every answer is yes.
 *
 * <p>Concurrency: immutable over a thread-safe {@link Authorizer}.
 */
public final class RequestAuthorizer {
    private static final RequestAuthorizer NONE = new RequestAuthorizer(Optional.empty());

    private final Optional<Authorizer> authorizer;

    private RequestAuthorizer(Optional<Authorizer> authorizer) {
        this.authorizer = authorizer;
    }

    public static RequestAuthorizer none() {
        return NONE;
    }

    public static RequestAuthorizer over(Authorizer authorizer) {
        return new RequestAuthorizer(Optional.of(authorizer));
    }

    public boolean enabled() {
        return authorizer.isPresent();
    }

    public Optional<Authorizer> authorizer() {
        return authorizer;
    }

    /** Whether the request may perform {@code operation} on the named resource; a denial is logged at INFO. */
    public boolean authorize(RequestContext context, AclOperation operation, ResourceType type, String name) {
        return authorize(context, operation, type, name, true);
    }

    public boolean authorize(
            RequestContext context, AclOperation operation, ResourceType type, String name, boolean logIfDenied) {
        if (authorizer.isEmpty()) {
            return true;
        }
        Action action =
                new Action(operation, new ResourcePattern(type, name, PatternType.LITERAL), 1, true, logIfDenied);
        return authorizer.get().authorize(adapt(context), List.of(action)).get(0) == AuthorizationResult.ALLOWED;
    }

    /** Whether the request may perform {@code operation} on the cluster. */
    public boolean authorizeCluster(RequestContext context, AclOperation operation) {
        return authorize(context, operation, ResourceType.CLUSTER, AclRules.CLUSTER_NAME, true);
    }

    /** The names among {@code names} the request may perform {@code operation} on, each asked once. */
    public Set<String> authorized(
            RequestContext context,
            AclOperation operation,
            ResourceType type,
            Collection<String> names,
            boolean logIfDenied) {
        Set<String> distinct = new LinkedHashSet<>(names);
        if (authorizer.isEmpty()) {
            return distinct;
        }
        List<String> ordered = new ArrayList<>(distinct);
        List<Action> actions = new ArrayList<>(ordered.size());
        for (String name : ordered) {
            actions.add(
                    new Action(operation, new ResourcePattern(type, name, PatternType.LITERAL), 1, true, logIfDenied));
        }
        List<AuthorizationResult> results = authorizer.get().authorize(adapt(context), actions);
        Set<String> allowed = new HashSet<>();
        for (int i = 0; i < ordered.size(); i++) {
            if (results.get(i) == AuthorizationResult.ALLOWED) {
                allowed.add(ordered.get(i));
            }
        }
        return allowed;
    }

    /** Whether the request may perform {@code operation} on at least one resource of {@code type}. */
    public boolean authorizeAny(RequestContext context, AclOperation operation, ResourceType type) {
        return authorizer.isEmpty()
                || authorizer.get().authorizeByResourceType(adapt(context), operation, type)
                        == AuthorizationResult.ALLOWED;
    }

    /** The request as Kafka's authorizer interface sees it. */
    static AuthorizableRequestContext adapt(RequestContext context) {
        InetAddress address = context.remoteAddress() instanceof InetSocketAddress inet ? inet.getAddress() : null;
        return new AuthorizableRequestContext() {
            @Override
            public String listenerName() {
                return context.listenerName();
            }

            @Override
            public SecurityProtocol securityProtocol() {
                return SecurityProtocol.PLAINTEXT;
            }

            @Override
            public KafkaPrincipal principal() {
                return context.principal();
            }

            @Override
            public InetAddress clientAddress() {
                return address;
            }

            @Override
            public int requestType() {
                return context.apiKey().id;
            }

            @Override
            public int requestVersion() {
                return context.apiVersion();
            }

            @Override
            public String clientId() {
                return context.clientId();
            }

            @Override
            public int correlationId() {
                return context.correlationId();
            }
        };
    }
}
