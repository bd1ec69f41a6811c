package io.sluice.replication.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** What takes a log directory offline, and that it goes offline once, naming the directory of the failed log. */
@Timeout(60)
class LogDirFailureTest {
    @TempDir
    Path tmp;

    @RegisterExtension
    final LogFixture logs = new LogFixture();

    @Test
    void aFailedWriteIsADirectoryFaultAClosedChannelOrAMappedIndexFaultIsNot() {
        assertThat(LogDirFailureChannel.isLogDirFault(
                        new KafkaStorageException("append failed", new IOException("Input/output error"))))
                .isTrue();
        assertThat(LogDirFailureChannel.isLogDirFault(new UncheckedIOException(new IOException("No space left"))))
                .isTrue();
        assertThat(LogDirFailureChannel.isLogDirFault(
                        new KafkaStorageException("append failed", new ClosedChannelException())))
                .isFalse();
        assertThat(LogDirFailureChannel.isLogDirFault(new KafkaStorageException("log is closed")))
                .isFalse();
        assertThat(LogDirFailureChannel.isLogDirFault(
                        new InternalError("a fault occurred in a recent unsafe memory access operation")))
                .isFalse();
        assertThat(LogDirFailureChannel.isLogDirFault(new IllegalStateException("bug")))
                .isFalse();
    }

    @Test
    void theFirstReportOfADirectoryTakesItOfflineAndTellsTheListenerOnce() throws Exception {
        Path dirA = tmp.resolve("a");
        Path dirB = tmp.resolve("b");
        LogManager manager = new LogManager(
                List.of(dirA, dirB), LogConfig.defaults().withFileDeleteDelayMs(0), 1, logs.clock, logs.scheduler);
        manager.startup();
        try {
            List<String> told = new ArrayList<>();
            manager.failureChannel().setListener((dir, what, cause) -> told.add(dir + " " + what));
            TopicPartition tp = new TopicPartition("disk", 0);
            UnifiedLog log = manager.getOrCreateLog(tp, LogConfig.defaults());
            Path dir = log.dir().toPath().getParent();
            IOException io = new IOException("Input/output error");

            // not a disk fault, or a log that is gone: nothing goes offline
            assertThat(manager.reportStorageFault(tp, "an append", new KafkaStorageException("log is closed")))
                    .isFalse();
            assertThat(manager.reportStorageFault(
                            new TopicPartition("gone", 0), "an append", new KafkaStorageException("x", io)))
                    .isFalse();
            assertThat(manager.failureChannel().offlineDirs()).isEmpty();

            assertThat(manager.reportStorageFault(tp, "an append", new KafkaStorageException("append failed", io)))
                    .isTrue();
            assertThat(manager.reportStorageFault(tp, "a roll", new KafkaStorageException("roll failed", io)))
                    .isFalse();
            assertThat(manager.failureChannel().isOffline(dir)).isTrue();
            assertThat(manager.failureChannel().offlineDirs())
                    .containsExactly(dir.toAbsolutePath().normalize());
            assertThat(told).containsExactly(dir.toAbsolutePath().normalize() + " an append of disk-0");
        } finally {
            manager.shutdown();
        }
    }
}
