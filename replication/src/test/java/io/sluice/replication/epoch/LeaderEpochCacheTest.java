package io.sluice.replication.epoch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.replication.checkpoint.CorruptCheckpointException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

@Timeout(30)
class LeaderEpochCacheTest {
    private static final TopicPartition TP = new TopicPartition("orders", 3);

    @TempDir
    Path dir;

    private LeaderEpochCache cache;

    @BeforeEach
    void setUp() throws IOException {
        cache = new LeaderEpochCache(TP, dir);
    }

    private static List<EpochEntry> entries(long... epochAndOffset) {
        EpochEntry[] result = new EpochEntry[epochAndOffset.length / 2];
        for (int i = 0; i < result.length; i++) {
            result[i] = new EpochEntry((int) epochAndOffset[2 * i], epochAndOffset[2 * i + 1]);
        }
        return List.of(result);
    }

    /** Cache (2,6) (3,8) (5,12) with log end offset 20, as in Kafka's LeaderEpochFileCacheTest. */
    private void threeEpochs() {
        cache.assign(2, 6);
        cache.assign(3, 8);
        cache.assign(5, 12);
    }

    @Test
    void emptyCache() {
        assertThat(cache.latestEpoch()).isEmpty();
        assertThat(cache.latestEntry()).isEmpty();
        assertThat(cache.earliestEntry()).isEmpty();
        assertThat(cache.epochForOffset(0)).isEmpty();
        assertThat(cache.endOffsetFor(0, 10)).isEqualTo(EpochEndOffset.UNDEFINED);
        assertThat(cache.isEmpty()).isTrue();
    }

    @Test
    void assignAppendsNewerEpochs() {
        threeEpochs();
        assertThat(cache.epochEntries()).isEqualTo(entries(2, 6, 3, 8, 5, 12));
        assertThat(cache.latestEpoch()).isEqualTo(OptionalInt.of(5));
        assertThat(cache.earliestEntry()).contains(new EpochEntry(2, 6));
        assertThat(cache.startOffsetOf(3)).contains(8L);
        assertThat(cache.startOffsetOf(4)).isEmpty();
    }

    @Test
    void assignIgnoresOlderEpochsAndLaterStartOfTheLatestEpoch() {
        threeEpochs();
        cache.assign(4, 30); // older epoch
        cache.assign(5, 13); // same epoch, later start: the first offset of an epoch never moves up
        cache.assign(5, 12); // same as existing
        assertThat(cache.epochEntries()).isEqualTo(entries(2, 6, 3, 8, 5, 12));
    }

    @Test
    void assignOfTheLatestEpochWithAnEarlierStartReplacesIt() {
        threeEpochs();
        cache.assign(5, 10);
        assertThat(cache.epochEntries()).isEqualTo(entries(2, 6, 3, 8, 5, 10));
    }

    @Test
    void newerEpochAtTheSameStartReplacesAnEpochThatWroteNothing() {
        threeEpochs();
        cache.assign(6, 12);
        assertThat(cache.epochEntries()).isEqualTo(entries(2, 6, 3, 8, 6, 12));
    }

    @Test
    void newerEpochBelowExistingStartOffsetsRemovesTheConflictingEntries() {
        threeEpochs();
        cache.assign(7, 7); // the log diverged: offsets >= 7 were rewritten under epoch 7
        assertThat(cache.epochEntries()).isEqualTo(entries(2, 6, 7, 7));
        cache.assign(8, 0);
        assertThat(cache.epochEntries()).isEqualTo(entries(8, 0));
    }

    @Test
    void assignRejectsNegativeValues() {
        assertThatIllegalArgumentException().isThrownBy(() -> cache.assign(-1, 0));
        assertThatIllegalArgumentException().isThrownBy(() -> cache.assign(0, -1));
    }

    @ParameterizedTest(name = "offset {0} -> epoch {1}")
    @CsvSource({"0, -1", "5, -1", "6, 2", "7, 2", "8, 3", "11, 3", "12, 5", "1000, 5"})
    void epochForOffset(long offset, int expectedEpoch) {
        threeEpochs();
        OptionalInt expected = expectedEpoch < 0 ? OptionalInt.empty() : OptionalInt.of(expectedEpoch);
        assertThat(cache.epochForOffset(offset)).isEqualTo(expected);
    }

    /** Mirrors Kafka's {@code LeaderEpochFileCache.endOffsetFor} on (2,6) (3,8) (5,12), log end offset 20. */
    @ParameterizedTest(name = "requested {0} -> ({1}, {2})")
    @CsvSource({
        "-1, -1, -1", // undefined epoch asked
        "0, 0, 6", // below the first entry: the requested epoch and the first start offset
        "1, 1, 6",
        "2, 2, 8", // known epoch: start of the next
        "3, 3, 12",
        "4, 3, 12", // unknown epoch between known ones: largest lower epoch, start of the next higher
        "5, 5, 20", // the latest epoch ends at the log end offset
        "6, -1, -1", // newer than anything known
    })
    void endOffsetFor(int requested, int expectedEpoch, long expectedEndOffset) {
        threeEpochs();
        assertThat(cache.endOffsetFor(requested, 20)).isEqualTo(new EpochEndOffset(expectedEpoch, expectedEndOffset));
    }

    @Test
    void endOffsetForSingleEntry() {
        cache.assign(0, 0);
        assertThat(cache.endOffsetFor(0, 42)).isEqualTo(new EpochEndOffset(0, 42));
        assertThat(cache.endOffsetFor(1, 42).isUndefined()).isTrue();
    }

    @ParameterizedTest(name = "truncateFromEnd({0})")
    @CsvSource({
        "20, '2 6 3 8 5 12'",
        "13, '2 6 3 8 5 12'",
        "12, '2 6 3 8'",
        "9, '2 6 3 8'",
        "8, '2 6'",
        "6, ''",
        "0, ''",
        "-1, '2 6 3 8 5 12'",
    })
    void truncateFromEnd(long endOffset, String expected) {
        threeEpochs();
        cache.truncateFromEnd(endOffset);
        assertThat(cache.epochEntries()).isEqualTo(parse(expected));
    }

    @ParameterizedTest(name = "truncateFromStart({0})")
    @CsvSource({
        "0, '2 6 3 8 5 12'",
        "5, '2 6 3 8 5 12'",
        "6, '2 6 3 8 5 12'",
        "7, '2 7 3 8 5 12'",
        "8, '3 8 5 12'",
        "9, '3 9 5 12'",
        "12, '5 12'",
        "30, '5 30'",
    })
    void truncateFromStart(long startOffset, String expected) {
        threeEpochs();
        cache.truncateFromStart(startOffset);
        assertThat(cache.epochEntries()).isEqualTo(parse(expected));
    }

    private static List<EpochEntry> parse(String text) {
        if (text.isBlank()) {
            return List.of();
        }
        String[] parts = text.trim().split(" ");
        long[] values = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            values[i] = Long.parseLong(parts[i]);
        }
        return entries(values);
    }

    @Test
    void everyChangeIsPersistedAndReloaded() throws IOException {
        threeEpochs();
        assertThat(new LeaderEpochCache(TP, dir).epochEntries()).isEqualTo(entries(2, 6, 3, 8, 5, 12));
        assertThat(Files.readString(dir.resolve(LeaderEpochCheckpointFile.FILE_NAME)))
                .isEqualTo("0\n3\n2 6\n3 8\n5 12\n");

        cache.truncateFromEnd(12);
        assertThat(new LeaderEpochCache(TP, dir).epochEntries()).isEqualTo(entries(2, 6, 3, 8));
        cache.truncateFromStart(7);
        assertThat(new LeaderEpochCache(TP, dir).epochEntries()).isEqualTo(entries(2, 7, 3, 8));
        cache.clearAndFlush();
        assertThat(new LeaderEpochCache(TP, dir).isEmpty()).isTrue();
        assertThat(Files.readString(dir.resolve(LeaderEpochCheckpointFile.FILE_NAME)))
                .isEqualTo("0\n0\n");
        assertThat(dir.resolve(LeaderEpochCheckpointFile.FILE_NAME + ".tmp")).doesNotExist();
    }

    static Stream<Arguments> corruptFiles() {
        return Stream.of(
                Arguments.of("wrong version", "1\n1\n0 0\n", 1),
                Arguments.of("empty file", "", 1),
                Arguments.of("bad count", "0\nx\n", 2),
                Arguments.of("no count", "0\n", 2),
                Arguments.of("truncated", "0\n2\n0 0\n", 4),
                Arguments.of("one field", "0\n1\n0\n", 3),
                Arguments.of("bad number", "0\n1\n0 zero\n", 3),
                Arguments.of("epochs not increasing", "0\n2\n3 10\n2 20\n", 4),
                Arguments.of("offsets not increasing", "0\n2\n1 10\n2 10\n", 4),
                Arguments.of("negative epoch", "0\n1\n-1 10\n", 3),
                Arguments.of("trailing entry", "0\n1\n1 10\n2 20\n", 4));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corruptFiles")
    void corruptFileFailsNamingFileAndLine(String name, String content, int expectedLine) throws IOException {
        Path file = dir.resolve(LeaderEpochCheckpointFile.FILE_NAME);
        Files.writeString(file, content, StandardCharsets.UTF_8);
        assertThatThrownBy(() -> new LeaderEpochCache(TP, dir))
                .isInstanceOf(CorruptCheckpointException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("line " + expectedLine)
                .satisfies(
                        e -> assertThat(((CorruptCheckpointException) e).line()).isEqualTo(expectedLine));
    }

    @Test
    void readsAFileWrittenByKafka() throws IOException {
        Files.writeString(dir.resolve(LeaderEpochCheckpointFile.FILE_NAME), "0\n2\n0 0\n4 1523\n");
        LeaderEpochCache loaded = new LeaderEpochCache(TP, dir);
        assertThat(loaded.epochEntries()).isEqualTo(entries(0, 0, 4, 1523));
        assertThat(loaded.endOffsetFor(0, 2000)).isEqualTo(new EpochEndOffset(0, 1523));
    }

    @Test
    void concurrentReadersSeeOnlyWholeStates() throws Exception {
        Thread writer = new Thread(() -> {
            for (int epoch = 0; epoch < 100; epoch++) {
                cache.assign(epoch, epoch * 10L);
            }
        });
        writer.start();
        while (writer.isAlive()) {
            List<EpochEntry> snapshot = cache.epochEntries();
            for (int i = 1; i < snapshot.size(); i++) {
                assertThat(snapshot.get(i).epoch())
                        .isGreaterThan(snapshot.get(i - 1).epoch());
                assertThat(snapshot.get(i).startOffset())
                        .isGreaterThan(snapshot.get(i - 1).startOffset());
            }
        }
        writer.join();
        assertThat(cache.latestEpoch()).isEqualTo(OptionalInt.of(99));
        assertThat(new LeaderEpochCache(TP, dir).epochEntries()).hasSize(100);
    }
}
