package io.sluice.replication.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.replication.log.index.OffsetIndex;
import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Recovery from deliberately damaged files: nothing before the damage is lost, nothing after it is served. */
@Timeout(60)
class LogRecoveryTest {

    private static final TopicPartition TP = new TopicPartition("events", 0);
    private static final int BATCHES = 60;
    private static final int PER_BATCH = 5;

    @TempDir
    Path tmp;

    @RegisterExtension
    final LogFixture logs = new LogFixture();

    private final Random random = new Random(42);

    private static LogConfig config() {
        return LogConfig.defaults()
                .withSegmentBytes(2048)
                .withIndexIntervalBytes(100)
                .withMaxIndexSize(4096);
    }

    private File dir() {
        return tmp.resolve("events-0").toFile();
    }

    private UnifiedLog open(boolean clean, long recoveryPoint) {
        return logs.open(dir(), TP, config(), recoveryPoint, clean);
    }

    /** Writes the standard log, closes it, and returns what it held. */
    private List<Batches.Read> writeAndClose() {
        UnifiedLog log = UnifiedLog.load(dir(), TP, config(), 0, 0, true, logs.clock, logs.scheduler);
        for (int i = 0; i < BATCHES; i++) {
            log.appendAsLeader(Batches.batch(logs.clock.millis() + i, PER_BATCH, "v" + i), 1);
        }
        assertThat(log.numberOfSegments()).isGreaterThan(3);
        List<Batches.Read> all = Batches.readAll(log);
        log.close();
        return all;
    }

    private File lastFile(String suffix) {
        File[] files = dir().listFiles((d, name) -> name.endsWith(suffix));
        return Arrays.stream(files).max(Comparator.comparing(File::getName)).orElseThrow();
    }

    private File segmentFile(int index, String suffix) {
        File[] files = dir().listFiles((d, name) -> name.endsWith(suffix));
        return Arrays.stream(files)
                .sorted(Comparator.comparing(File::getName))
                .toList()
                .get(index);
    }

    private static long baseOf(File file) {
        return Long.parseLong(file.getName().substring(0, 20));
    }

    /** Checks the recovered log holds exactly the records before {@code end}, and serves nothing from there on. */
    private static void assertHoldsExactlyPrefix(UnifiedLog log, List<Batches.Read> original, long end)
            throws IOException {
        assertThat(log.logEndOffset()).isEqualTo(end);
        List<Batches.Read> expected =
                original.stream().filter(r -> r.offset() < end).toList();
        assertThat(Batches.readAll(log)).isEqualTo(expected);
        for (long offset = 0; offset < end; offset += 3) {
            assertThat(log.read(offset, 1, end)
                            .records()
                            .readRecords()
                            .firstBatch()
                            .lastOffset())
                    .isGreaterThanOrEqualTo(offset);
        }
        assertThatThrownBy(() -> log.read(end + 1, 100, Long.MAX_VALUE)).isInstanceOf(OffsetOutOfRangeException.class);
        assertThat(log.read(end, 100, Long.MAX_VALUE).records().isEmpty()).isTrue();
    }

    @Test
    void halfWrittenLastBatchIsTruncated() throws Exception {
        List<Batches.Read> original = writeAndClose();
        File last = lastFile(".log");
        long size = last.length();
        try (RandomAccessFile raf = new RandomAccessFile(last, "rw")) {
            raf.setLength(size - 20);
        }
        // an unclean shutdown leaves the active segment's indexes preallocated with zeros
        File index = lastFile(".index");
        try (RandomAccessFile raf = new RandomAccessFile(index, "rw")) {
            raf.setLength(4096);
        }
        UnifiedLog log = open(false, 0);
        long end = BATCHES * PER_BATCH - PER_BATCH;
        assertHoldsExactlyPrefix(log, original, end);
        log.appendAsLeader(Batches.batch(logs.clock.millis(), 2, "again"), 2);
        assertThat(log.logEndOffset()).isEqualTo(end + 2);
        assertThat(Batches.readAll(log, end, end + 2, 1 << 20))
                .extracting(Batches.Read::value)
                .containsExactly("again-0", "again-1");
    }

    @Test
    void garbageAfterTheLastBatchIsTruncated() throws Exception {
        List<Batches.Read> original = writeAndClose();
        File last = lastFile(".log");
        long size = last.length();
        byte[] garbage = new byte[333];
        random.nextBytes(garbage);
        Files.write(last.toPath(), garbage, StandardOpenOption.APPEND);
        UnifiedLog log = open(false, 0);
        assertHoldsExactlyPrefix(log, original, BATCHES * PER_BATCH);
        assertThat(last.length()).isEqualTo(size);
    }

    @Test
    void garbageIsFoundEvenAfterACleanShutdown() throws Exception {
        List<Batches.Read> original = writeAndClose();
        File last = lastFile(".log");
        Files.write(last.toPath(), new byte[] {0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 90, 1}, StandardOpenOption.APPEND);
        UnifiedLog log = open(true, BATCHES * PER_BATCH);
        assertHoldsExactlyPrefix(log, original, BATCHES * PER_BATCH);
    }

    @Test
    void flippedCrcByteInAMiddleSegmentEndsTheLogThere() throws Exception {
        List<Batches.Read> original = writeAndClose();
        File middle = segmentFile(1, ".log");
        long segmentBase = baseOf(middle);
        int segments = dir().listFiles((d, name) -> name.endsWith(".log")).length;
        // flip a byte in the records of the third batch of that segment
        UnifiedLog reader = open(true, 0);
        List<BatchHeader> headers = new ArrayList<>();
        reader.batchesFrom(segmentBase).forEach(headers::add);
        reader.close();
        BatchHeader victim = headers.get(2);
        try (RandomAccessFile raf = new RandomAccessFile(middle, "rw")) {
            long at = victim.position() + BatchHeader.SIZE + 3;
            raf.seek(at);
            int b = raf.read();
            raf.seek(at);
            raf.write(b ^ 0x40);
        }
        UnifiedLog log = open(false, 0);
        assertHoldsExactlyPrefix(log, original, victim.baseOffset());
        assertThat(log.numberOfSegments()).isEqualTo(2).isLessThan(segments);
        assertThat(dir().listFiles((d, name) -> name.endsWith(".log"))).hasSize(2);
    }

    @Test
    void segmentsBeforeTheRecoveryPointAreNotRevalidated() throws Exception {
        List<Batches.Read> original = writeAndClose();
        File first = segmentFile(0, ".log");
        try (RandomAccessFile raf = new RandomAccessFile(first, "rw")) {
            raf.seek(BatchHeader.SIZE + 2);
            int b = raf.read();
            raf.seek(BatchHeader.SIZE + 2);
            raf.write(b ^ 0x01);
        }
        File last = lastFile(".log");
        try (RandomAccessFile raf = new RandomAccessFile(last, "rw")) {
            raf.setLength(raf.length() - 1);
        }
        UnifiedLog log = open(false, baseOf(last));
        // the torn tail after the recovery point is gone, the first segment was trusted as flushed
        assertThat(log.logEndOffset()).isEqualTo(BATCHES * PER_BATCH - PER_BATCH);
        assertThat(log.batchesFrom(0).iterator().next().baseOffset()).isZero();
        assertThat(original).isNotEmpty();
    }

    @Test
    void truncatedIndexIsRebuiltAfterACleanShutdown() throws Exception {
        List<Batches.Read> original = writeAndClose();
        File index = segmentFile(1, ".index");
        try (RandomAccessFile raf = new RandomAccessFile(index, "rw")) {
            raf.setLength(raf.length() / 2 + 3);
        }
        UnifiedLog log = open(true, BATCHES * PER_BATCH);
        assertHoldsExactlyPrefix(log, original, BATCHES * PER_BATCH);
        assertThat(index.length() % OffsetIndex.ENTRY_SIZE).isZero();
    }

    @Test
    void staleIndexIsRebuiltAfterACleanShutdown() throws Exception {
        List<Batches.Read> original = writeAndClose();
        File index = segmentFile(2, ".index");
        long base = baseOf(index);
        Files.delete(index.toPath());
        // entries of an older incarnation of the segment: plausible shape, wrong positions
        OffsetIndex stale = new OffsetIndex(index, base, 4096);
        stale.append(base + 1, 37);
        stale.append(base + 7, 160);
        stale.close();
        UnifiedLog log = open(true, BATCHES * PER_BATCH);
        assertHoldsExactlyPrefix(log, original, BATCHES * PER_BATCH);

        Files.delete(segmentFile(3, ".index").toPath());
        File pastEnd = segmentFile(3, ".log");
        log.close();
        OffsetIndex beyond =
                new OffsetIndex(new File(dir(), pastEnd.getName().replace(".log", ".index")), baseOf(pastEnd), 4096);
        beyond.append(baseOf(pastEnd) + 3, (int) pastEnd.length() + 100);
        beyond.close();
        UnifiedLog again = open(true, BATCHES * PER_BATCH);
        assertHoldsExactlyPrefix(again, original, BATCHES * PER_BATCH);
    }

    @Test
    void missingIndexFilesAreRecreatedAndLeftoversRemoved() throws Exception {
        List<Batches.Read> original = writeAndClose();
        Files.delete(segmentFile(0, ".index").toPath());
        Files.delete(segmentFile(0, ".timeindex").toPath());
        Files.write(tmp.resolve("events-0").resolve("00000000000000000000.log.deleted"), new byte[10]);
        Files.write(tmp.resolve("events-0").resolve("00000000000099999999.index"), new byte[16]);
        UnifiedLog log = open(true, BATCHES * PER_BATCH);
        assertHoldsExactlyPrefix(log, original, BATCHES * PER_BATCH);
        assertThat(new File(dir(), "00000000000000000000.log.deleted")).doesNotExist();
        assertThat(new File(dir(), "00000000000099999999.index")).doesNotExist();
        // batch i holds timestamps i..i+4, so the first record at +30 is the last record of batch 26
        assertThat(log.offsetForTimestamp(logs.clock.millis() + 30).orElseThrow().offset)
                .isEqualTo(26 * PER_BATCH + 4);
    }
}
