package io.sluice.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.broker.config.ConfigEntityStore.ConcurrentConfigUpdateException;
import io.sluice.metadata.config.ConfigException;
import io.sluice.metadata.zk.ConfigEntityZNode;
import io.sluice.metadata.zk.Versioned;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class ConfigEntityStoreTest {
    private static final String PATH = ConfigEntityZNode.topicPath("t");

    @TempDir
    Path dataDir;

    private ConfigTestFixture fixture;

    @BeforeEach
    void start() throws Exception {
        fixture = new ConfigTestFixture(dataDir.toFile());
    }

    @AfterEach
    void stop() throws Exception {
        fixture.close();
    }

    @Test
    void createsAnAbsentZnodeAndUpdatesItWithTheKafkaLayout() {
        ConfigEntityStore entities = new ConfigEntityStore(fixture.store());
        assertThat(entities.read(PATH)).isEqualTo(new Versioned<>(Map.of(), ConfigEntityStore.ABSENT));

        entities.update(PATH, current -> Map.of("retention.ms", "1000"), false);
        entities.update(PATH, current -> with(current, "segment.bytes", "2048"), false);

        String json = new String(fixture.store().get(PATH).orElseThrow().data(), StandardCharsets.UTF_8);
        assertThat(json).isEqualTo("{\"version\":1,\"config\":{\"retention.ms\":\"1000\",\"segment.bytes\":\"2048\"}}");
        assertThat(entities.read(PATH).zkVersion()).isEqualTo(1);
    }

    @Test
    void dryRunsFailedValidationsAndNoOpsWriteNothing() {
        ConfigEntityStore entities = new ConfigEntityStore(fixture.store());

        assertThat(entities.update(PATH, current -> Map.of("a", "1"), true)).containsExactly(Map.entry("a", "1"));
        assertThat(fixture.store().exists(PATH)).isEmpty();

        entities.update(PATH, current -> Map.of("a", "1"), false);
        assertThatThrownBy(() -> entities.update(
                        PATH,
                        current -> {
                            throw new ConfigException("a", "bad", "no");
                        },
                        false))
                .isInstanceOf(ConfigException.class);
        entities.update(PATH, current -> current, false);
        assertThat(entities.read(PATH)).isEqualTo(new Versioned<>(Map.of("a", "1"), 0));
    }

    @Test
    void concurrentWritersNeverLoseEachOthersKeys() throws Exception {
        int writers = 4;
        int keysEach = 10;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                ConfigEntityStore entities = new ConfigEntityStore(fixture.store(), 1000);
                futures.add(pool.submit(() -> {
                    for (int k = 0; k < keysEach; k++) {
                        String key = "w" + writer + ".k" + k;
                        entities.update(PATH, current -> with(current, key, "v"), false);
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(new ConfigEntityStore(fixture.store()).read(PATH).value()).hasSize(writers * keysEach);
    }

    @Test
    void givesUpAfterTheConfiguredNumberOfLostRaces() {
        ConfigEntityStore entities = new ConfigEntityStore(fixture.store(), 2);
        entities.update(PATH, current -> Map.of("a", "0"), false);
        int[] calls = {0};

        // every round, another writer changes the znode between our read and our write
        assertThatThrownBy(() -> entities.update(
                        PATH,
                        current -> {
                            calls[0]++;
                            fixture.setTopicConfig("t", Map.of("a", "other" + calls[0]));
                            return Map.of("a", "mine");
                        },
                        false))
                .isInstanceOf(ConcurrentConfigUpdateException.class)
                .hasMessageContaining(PATH);
        assertThat(calls[0]).isEqualTo(2);
        assertThat(entities.read(PATH).value()).containsExactly(Map.entry("a", "other2"));
    }

    private static Map<String, String> with(Map<String, String> current, String key, String value) {
        Map<String, String> next = new HashMap<>(current);
        next.put(key, value);
        return next;
    }
}
