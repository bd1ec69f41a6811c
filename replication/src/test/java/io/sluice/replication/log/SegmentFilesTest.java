package io.sluice.replication.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A segment's file operations never act on a newer file that took its name. */
@Timeout(30)
class SegmentFilesTest {

    @TempDir
    Path dir;

    private final LogConfig config = LogConfig.defaults().withMaxIndexSize(8 * 1024);

    @Test
    void removingADeletedSegmentLeavesTheLaterDeletedSegmentOfTheSameNameAlone() throws Exception {
        // the cleaner replaced segment 0 twice: the second .deleted rename replaced the first one's files
        LogSegment first = LogSegment.create(dir.toFile(), 0, config, 0);
        first.renameToDeleted();
        LogSegment second = LogSegment.create(dir.toFile(), 0, config, 0);
        second.renameToDeleted();
        File log = new File(dir.toFile(), "00000000000000000000.log.deleted");
        File index = new File(dir.toFile(), "00000000000000000000.index.deleted");
        File timeIndex = new File(dir.toFile(), "00000000000000000000.timeindex.deleted");

        first.closeAndDelete();

        assertThat(log).exists();
        assertThat(index).exists().hasSize(8 * 1024);
        assertThat(timeIndex).exists();
        second.closeAndDelete();
        assertThat(log).doesNotExist();
        assertThat(index).doesNotExist();
        assertThat(timeIndex).doesNotExist();
    }
}
