package io.sluice.broker.network.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class BrokerClientPoolTest {
    private ClientEventLoops loops;
    private BrokerClientPool pool;
    private final List<BrokerClient> created = new ArrayList<>();

    @BeforeEach
    void setUp() {
        loops = ClientEventLoops.create(1, "test-pool", false);
        BrokerClientConfig config = BrokerClientConfig.defaults(1);
        pool = new BrokerClientPool(1, address -> {
            BrokerClient client =
                    new BrokerClient(address, config, loops, ClientMetrics.NOOP, System::nanoTime, new Random(1));
            created.add(client);
            return client;
        });
    }

    @AfterEach
    void tearDown() {
        pool.close();
        loops.close();
    }

    @Test
    void keepsUnchangedClientsReplacesMovedOnesAndClosesRemovedOnes() {
        pool.update(List.of(address(1, 9091), address(2, 9092), address(3, 9093)));
        BrokerClient one = pool.client(1).orElseThrow();
        BrokerClient two = pool.client(2).orElseThrow();
        BrokerClient three = pool.client(3).orElseThrow();

        pool.update(List.of(address(1, 9091), address(2, 9999), address(4, 9094)));

        assertThat(pool.nodeIds()).containsExactlyInAnyOrder(1, 2, 4);
        assertThat(pool.client(1)).containsSame(one);
        assertThat(one.isClosed()).isFalse();
        BrokerClient movedTwo = pool.client(2).orElseThrow();
        assertThat(movedTwo).isNotSameAs(two);
        assertThat(movedTwo.target().port()).isEqualTo(9999);
        assertThat(two.isClosed()).isTrue();
        assertThat(three.isClosed()).isTrue();
        assertThat(pool.client(3)).isEmpty();
        assertThat(pool.client(4).orElseThrow().target()).isEqualTo(address(4, 9094));
        assertThat(created).hasSize(5);
    }

    @Test
    void duplicateNodeIdsAreRejected() {
        assertThatThrownBy(() -> pool.update(List.of(address(1, 9091), address(1, 9092))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("node 1 listed twice");
    }

    @Test
    void closeClosesEveryClientAndIsIdempotent() {
        pool.update(List.of(address(1, 9091), address(2, 9092)));

        pool.close();
        pool.close();

        assertThat(created).hasSize(2).allMatch(BrokerClient::isClosed);
        assertThat(pool.nodeIds()).isEmpty();
        assertThatThrownBy(() -> pool.update(List.of(address(1, 9091)))).isInstanceOf(IllegalStateException.class);
    }

    private static BrokerAddress address(int id, int port) {
        return new BrokerAddress(id, "127.0.0.1", port);
    }
}
