package io.sluice.replication.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@Timeout(30)
class OffsetCheckpointFileTest {
    @TempDir
    Path dir;

    private OffsetCheckpointFile checkpoint() {
        return new OffsetCheckpointFile(dir.resolve(OffsetCheckpointFile.REPLICATION_OFFSET_CHECKPOINT));
    }

    @Test
    void missingFileReadsAsEmpty() throws IOException {
        assertThat(checkpoint().read()).isEmpty();
    }

    @Test
    void roundTripWithDashesAndDotsInTopicNames() throws IOException {
        Map<TopicPartition, Long> offsets = Map.of(
                new TopicPartition("orders", 0), 1_234L,
                new TopicPartition("orders", 11), 0L,
                new TopicPartition("payments.eu-west-1", 3), Long.MAX_VALUE,
                new TopicPartition("__consumer_offsets", 49), 17L,
                new TopicPartition("a-b.c_d", 2), 99L);
        OffsetCheckpointFile file = checkpoint();
        file.write(offsets);
        assertThat(file.read()).isEqualTo(offsets);
        assertThat(new OffsetCheckpointFile(file.path()).read()).isEqualTo(offsets);
        assertThat(dir.resolve(OffsetCheckpointFile.REPLICATION_OFFSET_CHECKPOINT + AtomicFiles.TEMP_SUFFIX))
                .doesNotExist();
    }

    @Test
    void writesKafkasTextFormatSorted() throws IOException {
        OffsetCheckpointFile file =
                new OffsetCheckpointFile(dir.resolve(OffsetCheckpointFile.RECOVERY_POINT_OFFSET_CHECKPOINT));
        file.write(Map.of(
                new TopicPartition("b", 10), 5L,
                new TopicPartition("b", 2), 6L,
                new TopicPartition("a.x-y", 0), 7L));
        assertThat(Files.readString(file.path())).isEqualTo("0\n3\na.x-y 0 7\nb 2 6\nb 10 5\n");
    }

    @Test
    void rewriteReplacesTheWholeContent() throws IOException {
        OffsetCheckpointFile file =
                new OffsetCheckpointFile(dir.resolve(OffsetCheckpointFile.LOG_START_OFFSET_CHECKPOINT));
        file.write(Map.of(new TopicPartition("t", 0), 5L, new TopicPartition("t", 1), 6L));
        file.write(Map.of(new TopicPartition("t", 1), 8L));
        assertThat(file.read()).isEqualTo(Map.of(new TopicPartition("t", 1), 8L));
        file.write(Map.of());
        assertThat(file.read()).isEmpty();
        assertThat(Files.readString(file.path())).isEqualTo("0\n0\n");
    }

    @Test
    void readsAFileWrittenByKafka() throws IOException {
        Path path = dir.resolve(OffsetCheckpointFile.REPLICATION_OFFSET_CHECKPOINT);
        Files.writeString(path, "0\n2\nmy-topic.v2 0 42\nmy-topic.v2 1 43\n");
        assertThat(new OffsetCheckpointFile(path).read())
                .isEqualTo(
                        Map.of(new TopicPartition("my-topic.v2", 0), 42L, new TopicPartition("my-topic.v2", 1), 43L));
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("empty", "", 1),
                Arguments.of("bad version", "zero\n1\nt 0 1\n", 1),
                Arguments.of("unknown version", "1\n0\n", 1),
                Arguments.of("missing count", "0\n", 2),
                Arguments.of("negative count", "0\n-1\n", 2),
                Arguments.of("truncated after two of three lines", "0\n3\nt 0 1\nt 1 2\n", 5),
                Arguments.of("truncated mid line", "0\n2\nt 0 1\nt 1", 4),
                Arguments.of("two fields", "0\n1\nt 0\n", 3),
                Arguments.of("four fields", "0\n1\nt 0 1 2\n", 3),
                Arguments.of("bad partition", "0\n1\nt x 1\n", 3),
                Arguments.of("bad offset", "0\n1\nt 0 1.5\n", 3),
                Arguments.of("negative offset", "0\n1\nt 0 -4\n", 3),
                Arguments.of("duplicate partition", "0\n2\nt 0 1\nt 0 2\n", 4),
                Arguments.of("extra entry", "0\n1\nt 0 1\nt 1 2\n", 4));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedFileFailsNamingFileAndLine(String name, String content, int line) throws IOException {
        Path path = dir.resolve(OffsetCheckpointFile.REPLICATION_OFFSET_CHECKPOINT);
        Files.writeString(path, content, StandardCharsets.UTF_8);
        assertThatThrownBy(() -> new OffsetCheckpointFile(path).read())
                .isInstanceOf(CorruptCheckpointException.class)
                .hasMessageContaining(path.toString())
                .hasMessageContaining("line " + line)
                .satisfies(e -> {
                    CorruptCheckpointException corrupt = (CorruptCheckpointException) e;
                    assertThat(corrupt.file()).isEqualTo(path);
                    assertThat(corrupt.line()).isEqualTo(line);
                });
    }

    @Test
    void invalidBytesAreReportedAsCorrupt() throws IOException {
        Path path = dir.resolve(OffsetCheckpointFile.REPLICATION_OFFSET_CHECKPOINT);
        Files.write(path, new byte[] {'0', '\n', (byte) 0xC3, (byte) 0x28, '\n'});
        assertThatThrownBy(() -> new OffsetCheckpointFile(path).read()).isInstanceOf(CorruptCheckpointException.class);
    }

    @Test
    void refusesEntriesThatCannotBeReadBack() {
        OffsetCheckpointFile file = checkpoint();
        assertThatIllegalArgumentException()
                .isThrownBy(() -> file.write(Map.of(new TopicPartition("bad topic", 0), 1L)));
        assertThatIllegalArgumentException().isThrownBy(() -> file.write(Map.of(new TopicPartition("t", 0), -1L)));
        Map<TopicPartition, Long> withNull = new HashMap<>();
        withNull.put(new TopicPartition("t", 0), null);
        assertThatIllegalArgumentException().isThrownBy(() -> file.write(withNull));
        assertThat(file.path()).doesNotExist();
    }

    @Test
    void failedWriteKeepsThePreviousContent() throws IOException {
        OffsetCheckpointFile file = checkpoint();
        file.write(Map.of(new TopicPartition("t", 0), 1L));
        // A directory where the temporary file should go makes the write fail before the rename.
        Files.createDirectory(AtomicFiles.tempFileFor(file.path()));
        assertThatThrownBy(() -> file.write(Map.of(new TopicPartition("t", 0), 2L)))
                .isInstanceOf(IOException.class);
        assertThat(file.read()).isEqualTo(Map.of(new TopicPartition("t", 0), 1L));
    }
}
