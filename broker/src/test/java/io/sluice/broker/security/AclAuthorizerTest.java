package io.sluice.broker.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.testsupport.EmbeddedZooKeeper;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.ClusterResource;
import org.apache.kafka.common.Endpoint;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.server.authorizer.Action;
import org.apache.kafka.server.authorizer.AuthorizableRequestContext;
import org.apache.kafka.server.authorizer.AuthorizationResult;
import org.apache.kafka.server.authorizer.AuthorizerServerInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Two authorizers on one ZooKeeper, as on two brokers: what one writes, the other learns through the notifications. */
@Timeout(60)
class AclAuthorizerTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private EmbeddedZooKeeper zooKeeper;
    private final List<AclAuthorizer> authorizers = new ArrayList<>();

    @BeforeEach
    void startZooKeeper() throws Exception {
        zooKeeper = EmbeddedZooKeeper.start(dir);
    }

    @AfterEach
    void stop() throws Exception {
        for (AclAuthorizer authorizer : authorizers) {
            authorizer.close();
        }
        zooKeeper.close();
    }

    private AclAuthorizer start(int brokerId) {
        AclAuthorizer authorizer = new AclAuthorizer();
        authorizers.add(authorizer);
        authorizer.configure(
                Map.of("zookeeper.connect", zooKeeper.connectString() + "/sluice", "super.users", "User:admin"));
        authorizer.start(new AuthorizerServerInfo() {
            @Override
            public ClusterResource clusterResource() {
                return new ClusterResource("test");
            }

            @Override
            public int brokerId() {
                return brokerId;
            }

            @Override
            public Collection<Endpoint> endpoints() {
                return List.of();
            }

            @Override
            public Endpoint interBrokerEndpoint() {
                return null;
            }

            @Override
            public Collection<String> earlyStartListeners() {
                return List.of();
            }
        });
        return authorizer;
    }

    private static AuthorizableRequestContext as(String user) {
        return new AuthorizableRequestContext() {
            @Override
            public String listenerName() {
                return "PLAINTEXT";
            }

            @Override
            public SecurityProtocol securityProtocol() {
                return SecurityProtocol.PLAINTEXT;
            }

            @Override
            public KafkaPrincipal principal() {
                return new KafkaPrincipal(KafkaPrincipal.USER_TYPE, user);
            }

            @Override
            public InetAddress clientAddress() {
                return InetAddress.getLoopbackAddress();
            }

            @Override
            public int requestType() {
                return 0;
            }

            @Override
            public int requestVersion() {
                return 9;
            }

            @Override
            public String clientId() {
                return "test";
            }

            @Override
            public int correlationId() {
                return 1;
            }
        };
    }

    private static AuthorizationResult write(AclAuthorizer authorizer, String user, String topic) {
        Action action = new Action(
                AclOperation.WRITE, new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL), 1, true, true);
        return authorizer.authorize(as(user), List.of(action)).get(0);
    }

    private static AclBinding allowWrite(String user, String name, PatternType patternType) {
        return new AclBinding(
                new ResourcePattern(ResourceType.TOPIC, name, patternType),
                new AccessControlEntry("User:" + user, "*", AclOperation.WRITE, AclPermissionType.ALLOW));
    }

    @Test
    void whatOneBrokerWritesTheOtherLearnsThroughTheChangeNotifications() {
        AclAuthorizer one = start(1);
        AclAuthorizer two = start(2);
        assertThat(write(two, "alice", "orders")).isEqualTo(AuthorizationResult.DENIED);
        assertThat(write(two, "admin", "orders")).isEqualTo(AuthorizationResult.ALLOWED);

        AclBinding literal = allowWrite("alice", "orders", PatternType.LITERAL);
        AclBinding prefixed = allowWrite("bob", "team-", PatternType.PREFIXED);
        assertThat(one.createAcls(as("admin"), List.of(literal, prefixed)))
                .allSatisfy(r ->
                        assertThat(r.toCompletableFuture().join().exception()).isEmpty());
        // the writer's own cache is updated at once
        assertThat(write(one, "alice", "orders")).isEqualTo(AuthorizationResult.ALLOWED);

        await().atMost(WAIT).until(() -> write(two, "alice", "orders") == AuthorizationResult.ALLOWED);
        await().atMost(WAIT).until(() -> write(two, "bob", "team-x") == AuthorizationResult.ALLOWED);
        assertThat(write(two, "bob", "other")).isEqualTo(AuthorizationResult.DENIED);

        // a broker started later loads everything
        AclAuthorizer three = start(3);
        assertThat(three.acls(AclBindingFilter.ANY)).containsExactlyInAnyOrder(literal, prefixed);

        assertThat(two.deleteAcls(as("admin"), List.of(literal.toFilter()))
                        .get(0)
                        .toCompletableFuture()
                        .join()
                        .aclBindingDeleteResults())
                .singleElement()
                .satisfies(d -> assertThat(d.aclBinding()).isEqualTo(literal));
        await().atMost(WAIT).until(() -> write(one, "alice", "orders") == AuthorizationResult.DENIED);
        await().atMost(WAIT).until(() -> write(three, "alice", "orders") == AuthorizationResult.DENIED);
        assertThat(one.acls(AclBindingFilter.ANY)).containsExactly(prefixed);
    }

    @Test
    void invalidBindingsAreRefused() {
        AclAuthorizer one = start(1);
        AclBinding wrongClusterName = new AclBinding(
                new ResourcePattern(ResourceType.CLUSTER, "my-cluster", PatternType.LITERAL),
                new AccessControlEntry("User:alice", "*", AclOperation.ALTER, AclPermissionType.ALLOW));
        AclBinding badPrincipal = new AclBinding(
                new ResourcePattern(ResourceType.TOPIC, "t", PatternType.LITERAL),
                new AccessControlEntry("alice", "*", AclOperation.READ, AclPermissionType.ALLOW));
        assertThat(one.createAcls(as("admin"), List.of(wrongClusterName, badPrincipal)))
                .allSatisfy(r -> assertThat(r.toCompletableFuture().join().exception())
                        .containsInstanceOf(InvalidRequestException.class));
        assertThat(one.aclCount()).isZero();
    }
}
