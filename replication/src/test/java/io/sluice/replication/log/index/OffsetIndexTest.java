package io.sluice.replication.log.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class OffsetIndexTest {

    @TempDir
    Path dir;

    private OffsetIndex indexWithEntries(long base, int n) {
        OffsetIndex index = new OffsetIndex(dir.resolve("i.index").toFile(), base, 8 * 10_000);
        for (int i = 0; i < n; i++) {
            index.append(base + 10L * (i + 1), 100 * (i + 1));
        }
        return index;
    }

    @Test
    void lookupAtBetweenAndOutsideEntries() {
        OffsetIndex index = indexWithEntries(1000, 5000);
        assertThat(index.lookup(1000)).isEqualTo(new OffsetPosition(1000, 0));
        assertThat(index.lookup(1009)).isEqualTo(new OffsetPosition(1000, 0));
        assertThat(index.lookup(1010)).isEqualTo(new OffsetPosition(1010, 100));
        assertThat(index.lookup(1015)).isEqualTo(new OffsetPosition(1010, 100));
        assertThat(index.lookup(1000 + 10L * 2500)).isEqualTo(new OffsetPosition(1000 + 10L * 2500, 250_000));
        assertThat(index.lookup(1000 + 10L * 2500 + 9)).isEqualTo(new OffsetPosition(1000 + 10L * 2500, 250_000));
        // the warm tail
        assertThat(index.lookup(1000 + 10L * 4999 + 3)).isEqualTo(new OffsetPosition(1000 + 10L * 4999, 499_900));
        assertThat(index.lookup(Long.MAX_VALUE)).isEqualTo(new OffsetPosition(1000 + 10L * 5000, 500_000));
        assertThat(index.lookup(5)).isEqualTo(new OffsetPosition(1000, 0));
    }

    @Test
    void neverResizesOrDeletesAFileThatReplacedItsOwnUnderTheSameName() throws Exception {
        OffsetIndex stale = indexWithEntries(0, 3);
        File path = stale.file();
        Files.move(path.toPath(), dir.resolve("moved.index"));
        OffsetIndex fresh = new OffsetIndex(path, 0, 8 * 10_000);
        fresh.append(10, 100);

        assertThatThrownBy(() -> stale.resize(8 * 100)).hasStackTraceContaining("replaced by another file");
        assertThatThrownBy(() -> stale.renameTo(dir.resolve("x.index").toFile()))
                .hasMessageContaining("replaced");
        assertThat(stale.deleteIfExists()).isFalse();
        stale.close();
        assertThat(path).hasSize(8 * 10_000);
        assertThat(fresh.lookup(15)).isEqualTo(new OffsetPosition(10, 100));
    }

    @Test
    void followsItsDirectoryAndClosesWithoutTrimmingWhenAsked() throws Exception {
        OffsetIndex index = indexWithEntries(0, 3);
        Path renamed = dir.resolveSibling(dir.getFileName() + "-renamed");
        Files.move(dir, renamed);
        try {
            index.updateParentDir(renamed.toFile());
            assertThat(index.file()).isEqualTo(renamed.resolve("i.index").toFile());
            index.closeWithoutTrim();
            assertThat(index.file()).hasSize(8 * 10_000);
            index.close(); // already closed: still no trim
            assertThat(index.file()).hasSize(8 * 10_000);
        } finally {
            Files.move(renamed, dir);
        }
    }

    @Test
    void everyEntryIsFoundByBinarySearch() {
        OffsetIndex index = indexWithEntries(0, 3000);
        for (int i = 0; i < 3000; i++) {
            long offset = 10L * (i + 1);
            assertThat(index.lookup(offset).position()).isEqualTo(100 * (i + 1));
            assertThat(index.lookup(offset + 9).position()).isEqualTo(100 * (i + 1));
        }
    }

    @Test
    void rejectsNonIncreasingEntriesAndFullIndex() {
        OffsetIndex index = new OffsetIndex(dir.resolve("s.index").toFile(), 0, 8 * 2);
        index.append(5, 10);
        assertThatThrownBy(() -> index.append(5, 20)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> index.append(6, 10)).isInstanceOf(IllegalArgumentException.class);
        index.append(6, 20);
        assertThat(index.isFull()).isTrue();
        assertThatThrownBy(() -> index.append(7, 30)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void truncateRemovesEntriesAtAndAfterTheOffset() {
        OffsetIndex index = indexWithEntries(0, 10);
        index.truncateTo(50);
        assertThat(index.entries()).isEqualTo(4);
        assertThat(index.lastEntry()).isEqualTo(new OffsetPosition(40, 400));
        index.truncateTo(41);
        assertThat(index.entries()).isEqualTo(4);
        index.truncateTo(0);
        assertThat(index.entries()).isZero();
        index.append(7, 70);
        assertThat(index.lookup(100)).isEqualTo(new OffsetPosition(7, 70));
    }

    @Test
    void closeTrimsAndReopenRestoresEntries() {
        File file = dir.resolve("r.index").toFile();
        OffsetIndex index = new OffsetIndex(file, 100, 8 * 1000);
        assertThat(file.length()).isEqualTo(8 * 1000);
        index.append(110, 64);
        index.append(120, 128);
        index.close();
        assertThat(file.length()).isEqualTo(16);
        OffsetIndex reopened = new OffsetIndex(file, 100, 8 * 1000);
        assertThat(reopened.entries()).isEqualTo(2);
        assertThat(reopened.lookup(125)).isEqualTo(new OffsetPosition(120, 128));
        assertThat(reopened.sanityCheck()).isNull();
    }

    @Test
    void sanityCheckFlagsTornAndUnorderedFiles() throws Exception {
        File file = dir.resolve("t.index").toFile();
        OffsetIndex index = new OffsetIndex(file, 0, 8 * 1000);
        index.append(1, 10);
        index.append(2, 20);
        index.close();
        try (RandomAccessFile raf = new RandomAccessFile(file, "rw")) {
            raf.setLength(13);
        }
        assertThat(new OffsetIndex(file, 0, 8 * 1000).sanityCheck()).contains("multiple");
        try (RandomAccessFile raf = new RandomAccessFile(file, "rw")) {
            raf.setLength(24); // a zero entry after the real ones: offsets go backwards
        }
        assertThat(new OffsetIndex(file, 0, 8 * 1000).sanityCheck()).contains("not increasing");
    }
}
