package io.sluice.broker.api.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.broker.api.ApiHandlerRegistry;
import io.sluice.broker.metadata.MetadataCache;
import io.sluice.broker.network.Endpoint;
import io.sluice.broker.network.NetworkConfig;
import io.sluice.broker.network.NetworkServer;
import io.sluice.broker.producer.ProducerIdManager;
import io.sluice.broker.testing.ControlRequests;
import io.sluice.broker.txn.TransactionCoordinator;
import io.sluice.metadata.model.ProducerIdBlock;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The stock AdminClient against a {@link NetworkServer} serving this package's handlers on 127.0.0.1. */
@Timeout(60)
class ClusterApisWithKafkaClientsTest {
    private static final Uuid ORDERS = Uuid.fromString("AAAAAAAAAAAAAAAAAAAAAQ");

    private final MetadataCache cache = new MetadataCache(1, "cluster-x");
    private NetworkServer server;
    private Admin admin;

    @BeforeEach
    void start() {
        ProducerIdManager producerIds =
                new ProducerIdManager(1, (broker, size) -> new ProducerIdBlock(broker, 0, size), 1000, Runnable::run);
        ApiHandlerRegistry registry = ApiHandlerRegistry.of(List.of(
                new MetadataHandler(
                        cache, false, topic -> CompletableFuture.completedFuture(Errors.NONE), Duration.ofSeconds(1)),
                new DescribeClusterHandler(cache),
                new InitProducerIdHandler(
                        producerIds,
                        (id, timeout, pid, epoch) -> CompletableFuture.completedFuture(
                                new TransactionCoordinator.InitResult(Errors.NOT_COORDINATOR, -1L, (short) -1)))));
        server = new NetworkServer(
                1,
                NetworkConfig.of(List.of(Endpoint.parse("PLAINTEXT://127.0.0.1:0")), 1, 2, 16, 1 << 20),
                registry,
                new SimpleMeterRegistry(),
                Clock.systemUTC(),
                Duration.ofSeconds(2));
        server.start();
        int port = server.boundPort("PLAINTEXT");
        cache.update(ControlRequests.updateMetadata(1, 3)
                .broker(1, port, Optional.of("rack-1"))
                .partition("orders", ORDERS, 0, 1, 2, List.of(1), List.of(1), List.of())
                .partition("orders", ORDERS, 1, 1, 2, List.of(1), List.of(1), List.of())
                .build());
        admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000));
    }

    @AfterEach
    void stop() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
        server.close();
    }

    @Test
    void describeClusterShowsTheRealController() throws Exception {
        DescribeClusterResult cluster = admin.describeCluster();

        assertThat(cluster.clusterId().get(20, TimeUnit.SECONDS)).isEqualTo("cluster-x");
        assertThat(cluster.controller().get(20, TimeUnit.SECONDS).id()).isEqualTo(1);
        assertThat(cluster.nodes().get(20, TimeUnit.SECONDS))
                .extracting(Node::id, Node::rack)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1, "rack-1"));
    }

    @Test
    void listAndDescribeTopics() throws Exception {
        assertThat(admin.listTopics().names().get(20, TimeUnit.SECONDS)).containsExactly("orders");

        TopicDescription orders = admin.describeTopics(List.of("orders"))
                .allTopicNames()
                .get(20, TimeUnit.SECONDS)
                .get("orders");

        assertThat(orders.topicId()).isEqualTo(ORDERS);
        assertThat(orders.partitions())
                .extracting(TopicPartitionInfo::partition)
                .containsExactly(0, 1);
        assertThat(orders.partitions().get(0).leader().id()).isEqualTo(1);
        assertThat(orders.partitions().get(0).isr()).extracting(Node::id).containsExactly(1);
    }
}
