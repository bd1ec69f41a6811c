package io.sluice.replication.log.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class TimeIndexTest {

    @TempDir
    Path dir;

    @Test
    void appendsOnlyGrowingTimestampsAndLooksUpTheLargestLowerBound() {
        TimeIndex index = new TimeIndex(dir.resolve("t.timeindex").toFile(), 100, 12 * 100);
        index.maybeAppend(1_000, 105);
        index.maybeAppend(1_000, 110); // not larger: skipped
        index.maybeAppend(900, 111); // older: skipped
        index.maybeAppend(2_000, 120);
        index.maybeAppend(3_000, 130);
        assertThat(index.entries()).isEqualTo(3);
        assertThat(index.lookup(999)).isEqualTo(new TimestampOffset(-1, 100));
        assertThat(index.lookup(1_000)).isEqualTo(new TimestampOffset(1_000, 105));
        assertThat(index.lookup(2_500)).isEqualTo(new TimestampOffset(2_000, 120));
        assertThat(index.lookup(Long.MAX_VALUE)).isEqualTo(new TimestampOffset(3_000, 130));
        assertThat(index.lastEntry()).isEqualTo(new TimestampOffset(3_000, 130));
    }

    @Test
    void truncateByOffsetAndReopenAfterClose() {
        var file = dir.resolve("u.timeindex").toFile();
        TimeIndex index = new TimeIndex(file, 0, 12 * 100);
        for (int i = 1; i <= 10; i++) {
            index.maybeAppend(i * 100L, i * 10L);
        }
        index.truncateTo(55);
        assertThat(index.lastEntry()).isEqualTo(new TimestampOffset(500, 50));
        index.close();
        assertThat(file.length()).isEqualTo(5 * 12);
        TimeIndex reopened = new TimeIndex(file, 0, 12 * 100);
        assertThat(reopened.entries()).isEqualTo(5);
        assertThat(reopened.sanityCheck()).isNull();
        assertThat(reopened.lookup(450)).isEqualTo(new TimestampOffset(400, 40));
    }
}
