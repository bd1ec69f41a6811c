package io.sluice.broker.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.broker.metadata.MetadataCache;
import io.sluice.broker.testing.ControlRequests;
import io.sluice.broker.ui.GroupSummaries.Group;
import io.sluice.broker.ui.GroupSummaries.Groups;
import io.sluice.broker.ui.GroupSummaries.Member;
import io.sluice.broker.ui.GroupSummaries.PartitionLag;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

class ClusterViewTest {
    private static final Uuid TOPIC_ID = Uuid.fromString("kX1YbvYDSbC1w9nVdJ1Qwg");
    private static final Groups GROUPS = new Groups(
            "groups coordinated by broker 1",
            List.of(new Group(
                    "billing",
                    "Stable",
                    List.of(new Member("m-1", "c-1", "/127.0.0.1")),
                    7L,
                    List.of(new PartitionLag("orders", 0, 3, 10L, 7L), new PartitionLag("orders", 1, 5, null, null)))));

    private final MetadataCache cache = new MetadataCache(1, "cluster-a");
    private final ClusterPage page = new ClusterPage(
            new ClusterView(1, cache::snapshot, () -> GROUPS),
            Clock.fixed(Instant.ofEpochMilli(1_000), ZoneOffset.UTC));
    private final ObjectMapper json = new ObjectMapper();

    /** Three brokers on r1..r3 (2 the controller); orders-0 healthy, -1 short of replica 3, -2 led by a dead broker. */
    private void threeBrokers() {
        cache.update(ControlRequests.updateMetadata(2, 5)
                .broker(3, 9003, Optional.of("r3"))
                .broker(1, 9001, Optional.of("r1"))
                .broker(2, 9002, Optional.of("r2"))
                .partition("orders", TOPIC_ID, 0, 1, 1, List.of(1, 2, 3), List.of(1, 2, 3), List.of())
                .partition("orders", TOPIC_ID, 1, 2, 1, List.of(2, 1), List.of(2, 3, 1), List.of())
                .partition("orders", TOPIC_ID, 2, 4, 1, List.of(4), List.of(4, 1), List.of(4))
                .partition("__consumer_offsets", Uuid.randomUuid(), 0, 1, List.of(1))
                .build());
    }

    @Test
    void documentDrawsBrokersByRackPartitionsWithStatusAndGroups() throws Exception {
        threeBrokers();

        JsonNode doc = json.readTree(page.json());

        assertThat(doc.get("broker").asInt()).isEqualTo(1);
        assertThat(doc.get("clusterId").asText()).isEqualTo("cluster-a");
        assertThat(doc.get("controller").asInt()).isEqualTo(2);
        assertThat(doc.get("generatedAtMs").asLong()).isEqualTo(1_000);
        assertThat(doc.get("brokers").toString())
                .as("live brokers by rack, then broker 4 (a replica never seen alive) without one")
                .isEqualTo("[{\"id\":1,\"rack\":\"r1\",\"alive\":true,\"controller\":false},"
                        + "{\"id\":2,\"rack\":\"r2\",\"alive\":true,\"controller\":true},"
                        + "{\"id\":3,\"rack\":\"r3\",\"alive\":true,\"controller\":false},"
                        + "{\"id\":4,\"rack\":null,\"alive\":false,\"controller\":false}]");
        assertThat(doc.get("summary").toString())
                .isEqualTo("{\"brokersAlive\":3,\"brokers\":4,\"topics\":2,\"partitions\":4,"
                        + "\"underReplicated\":1,\"offline\":1}");

        JsonNode internal = doc.get("topics").get(0);
        assertThat(internal.get("name").asText()).isEqualTo("__consumer_offsets");
        assertThat(internal.get("internal").asBoolean()).isTrue();
        JsonNode orders = doc.get("topics").get(1);
        assertThat(orders.get("name").asText()).isEqualTo("orders");
        assertThat(orders.get("internal").asBoolean()).isFalse();
        assertThat(orders.get("underReplicated").asInt()).isEqualTo(1);
        assertThat(orders.get("offline").asInt()).isEqualTo(1);
        assertThat(orders.get("partitions").toString())
                .isEqualTo("[{\"partition\":0,\"leader\":1,\"replicas\":[1,2,3],\"isr\":[1,2,3],\"offline\":[],"
                        + "\"status\":\"ok\"},"
                        + "{\"partition\":1,\"leader\":2,\"replicas\":[2,3,1],\"isr\":[2,1],\"offline\":[],"
                        + "\"status\":\"under-replicated\"},"
                        + "{\"partition\":2,\"leader\":4,\"replicas\":[4,1],\"isr\":[4],\"offline\":[4],"
                        + "\"status\":\"offline\"}]");

        JsonNode groups = doc.get("groups");
        assertThat(groups.get("note").asText()).isEqualTo("groups coordinated by broker 1");
        assertThat(groups.get("groups").toString())
                .isEqualTo(
                        "[{\"id\":\"billing\",\"state\":\"Stable\","
                                + "\"members\":[{\"memberId\":\"m-1\",\"clientId\":\"c-1\",\"host\":\"/127.0.0.1\"}],"
                                + "\"lag\":7,\"partitions\":["
                                + "{\"topic\":\"orders\",\"partition\":0,\"committed\":3,\"highWatermark\":10,\"lag\":7},"
                                + "{\"topic\":\"orders\",\"partition\":1,\"committed\":5,\"highWatermark\":null,\"lag\":null}]}]");
    }

    @Test
    void aBrokerThatLeavesStaysOnThePageDownWithItsRack() throws Exception {
        threeBrokers();
        page.json();
        cache.update(ControlRequests.updateMetadata(1, 6)
                .broker(1, 9001, Optional.of("r1"))
                .broker(3, 9003, Optional.of("r3"))
                .partition("orders", TOPIC_ID, 1, 1, 2, List.of(1), List.of(2, 3, 1), List.of(2))
                .build());

        JsonNode doc = json.readTree(page.json());

        assertThat(doc.get("controller").asInt()).isEqualTo(1);
        JsonNode two = doc.get("brokers").get(1);
        assertThat(two.toString()).isEqualTo("{\"id\":2,\"rack\":\"r2\",\"alive\":false,\"controller\":false}");
        JsonNode partition1 = doc.get("topics").get(1).get("partitions").get(1);
        assertThat(partition1.get("isr").toString()).isEqualTo("[1]");
        assertThat(partition1.get("status").asText()).isEqualTo("under-replicated");
        assertThat(doc.get("summary").get("brokersAlive").asInt()).isEqualTo(2);
    }

    @Test
    void anEmptySnapshotHasNoControllerAndNoBrokers() throws Exception {
        JsonNode doc = json.readTree(page.json());

        assertThat(doc.get("controller").isNull()).isTrue();
        assertThat(doc.get("brokers")).isEmpty();
        assertThat(doc.get("topics")).isEmpty();
    }

    @Test
    void thePageIsSelfContainedAndPutsServerValuesInAsTextOnly() {
        String html = page.html();

        assertThat(html).contains("/ui/cluster.json").contains("setTimeout(refresh, 2000)");
        assertThat(html)
                .as("no markup built from data")
                .doesNotContain("innerHTML")
                .doesNotContain("outerHTML");
        assertThat(html)
                .as("nothing loaded from another host")
                .doesNotContain("http://")
                .doesNotContain("https://")
                .doesNotContain("src=");
    }
}
