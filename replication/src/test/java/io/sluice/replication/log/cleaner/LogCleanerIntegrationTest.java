package io.sluice.replication.log.cleaner;

import static io.sluice.replication.log.cleaner.KeyedRecords.kv;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.replication.checkpoint.OffsetCheckpointFile;
import io.sluice.replication.log.LogConfig;
import io.sluice.replication.log.LogFixture;
import io.sluice.replication.log.LogManager;
import io.sluice.replication.log.LogManagerConfig;
import io.sluice.replication.log.UnifiedLog;
import io.sluice.replication.log.cleaner.KeyedRecords.KeyValue;
import io.sluice.replication.log.cleaner.KeyedRecords.Read;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The cleaner threads of a {@link LogManager} compacting a busy keyed log, across a restart. */
@Timeout(120)
class LogCleanerIntegrationTest {

    private static final TopicPartition TP = new TopicPartition("table", 0);
    private static final long DELETE_RETENTION_MS = 60_000;

    @TempDir
    Path tmp;

    @RegisterExtension
    final LogFixture logs = new LogFixture(2, 1_700_000_000_000L);

    private static LogConfig tableConfig() {
        return LogConfig.defaults()
                .withSegmentBytes(64 * 1024)
                .withIndexIntervalBytes(1024)
                .withMaxIndexSize(64 * 1024)
                .withFileDeleteDelayMs(0)
                .withCleanupPolicy(true, false)
                .withDeleteRetentionMs(DELETE_RETENTION_MS)
                .withMinCleanableDirtyRatio(0.2);
    }

    private LogManager start() {
        // a 1 MiB map (about 39,000 keys) makes the cleaner map 100,000 updates in several cleanings
        CleanerConfig cleaner = new CleanerConfig(true, 1, 1024 * 1024, 64 * 1024, 5, 0.9);
        LogManager manager = new LogManager(
                List.of(tmp.resolve("data")),
                LogConfig.defaults(),
                LogManagerConfig.withRecoveryThreads(1).withCleaner(cleaner),
                logs.clock,
                logs.scheduler);
        manager.startup();
        logs.onClose(manager::shutdown);
        return manager;
    }

    @Test
    void aHundredThousandUpdatesOverAThousandKeysCompactToOneRecordPerLiveKey() throws IOException {
        LogManager manager = start();
        UnifiedLog log = manager.getOrCreateLog(TP, tableConfig());
        Random random = new Random(7);
        Map<String, String> expected = new HashMap<>();
        int updates = 0;
        while (updates < 100_000) {
            List<KeyValue> batch = new ArrayList<>();
            for (int i = 0; i < 50; i++, updates++) {
                String key = "key-" + random.nextInt(1000);
                String value = random.nextInt(50) == 0 ? null : key + "=" + updates;
                batch.add(kv(key, value));
                if (value == null) {
                    expected.remove(key);
                } else {
                    expected.put(key, value);
                }
            }
            log.appendAsLeader(KeyedRecords.batch(logs.clock.millis(), batch), 0);
        }
        log.roll();
        long end = log.logEndOffset();
        assertThat(end).isEqualTo(100_000);
        int deleted = 1000 - expected.size();
        assertThat(deleted).isPositive();

        // every key once: live keys with their latest value, deleted keys as a tombstone
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    List<Read> reads = KeyedRecords.readAll(log);
                    return reads.size() == 1000
                            && reads.stream().map(Read::key).distinct().count() == 1000;
                });
        List<Read> compacted = KeyedRecords.readAll(log);
        assertThat(KeyedRecords.finalValues(compacted)).isEqualTo(expected);
        assertThat(compacted.stream().filter(r -> r.value() == null).count()).isEqualTo(deleted);
        assertThat(compacted).extracting(Read::offset).isSorted();
        assertThat(log.logEndOffset()).isEqualTo(end);
        assertThat(log.size()).isLessThan(100_000L);

        logs.clock.advance(DELETE_RETENTION_MS + 1);
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> KeyedRecords.readAll(log).size() == expected.size());
        List<Read> live = KeyedRecords.readAll(log);
        assertThat(live).noneMatch(r -> r.value() == null);
        assertThat(KeyedRecords.finalValues(live)).isEqualTo(expected);

        long firstDirty = manager.cleaner().orElseThrow().firstDirtyOffset(log).orElseThrow();
        assertThat(firstDirty).isEqualTo(end);
        manager.shutdown();

        // the boundary is checkpointed, and a restarted broker serves the same compacted log
        Map<TopicPartition, Long> checkpoint =
                new OffsetCheckpointFile(tmp.resolve("data").resolve(CleanerCheckpoints.FILE_NAME)).read();
        assertThat(checkpoint).containsEntry(TP, end);
        LogManager restarted = start();
        UnifiedLog reopened = restarted.getOrCreateLog(TP, tableConfig());
        assertThat(reopened.config().compact()).isTrue();
        assertThat(KeyedRecords.readAll(reopened)).isEqualTo(live);
        assertThat(restarted.cleaner().orElseThrow().firstDirtyOffset(reopened)).contains(end);
    }

    @Test
    void aTruncationBelowTheCleanBoundaryLowersTheCheckpoint() throws IOException {
        LogManager manager = start();
        UnifiedLog log = manager.getOrCreateLog(TP, tableConfig());
        for (int round = 0; round < 200; round++) {
            List<KeyValue> batch = new ArrayList<>();
            for (int k = 0; k < 20; k++) {
                batch.add(kv("k" + k, "v" + round));
            }
            log.appendAsLeader(KeyedRecords.batch(logs.clock.millis(), batch), 0);
        }
        log.roll();
        long end = log.logEndOffset();
        await().atMost(Duration.ofSeconds(30))
                .until(() ->
                        manager.cleaner().orElseThrow().firstDirtyOffset(log).orElse(-1L) == end);

        log.truncateTo(end - 10);

        assertThat(manager.cleaner().orElseThrow().firstDirtyOffset(log)).contains(end - 10);
        assertThat(new OffsetCheckpointFile(tmp.resolve("data").resolve(CleanerCheckpoints.FILE_NAME)).read())
                .containsEntry(TP, end - 10);
    }
}
