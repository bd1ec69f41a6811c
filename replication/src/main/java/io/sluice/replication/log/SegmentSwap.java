package io.sluice.replication.log;

import io.sluice.replication.checkpoint.AtomicFiles;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The on-disk protocol that replaces a group of segments with one cleaned segment so that a crash at any moment
 * leaves either the old or the new set of segments, never a mix.
 *
 * <p>Files of a swap whose new segment has base offset {@code B} (20-digit, like every segment file):
 *
 * <pre>
 * B.log.cleaned, B.index.cleaned, B.timeindex.cleaned   the new segment while it is written
 * B.replaced.cleaned                                    text: "0\n" (version) then "&lt;end&gt;\n": the swap replaces
 *                                                       every segment with a base offset in [B, end)
 * ... each renamed to .swap; B.log.swap is renamed LAST and is the commit point
 * </pre>
 *
 * <p>Steps ({@link SwapStep}): write and fsync the {@code .cleaned} files and the range file; rename the range file
 * and the indexes to {@code .swap}, then the log file (commit) and fsync the directory; rename the replaced segments
 * to {@code .deleted} (removed after {@code file.delete.delay.ms}); rename the indexes and then the log file to their
 * final names; remove the range file.
 *
 * <p>Recovery ({@link #completeInterruptedSwaps}, before a log is opened): for every {@code B.log.swap} (committed)
 * the regular files of every segment with a base offset in the range file's {@code [B, end)} are deleted, the
 * {@code .swap} indexes are dropped, {@code B.log.swap} becomes {@code B.log}, and the segment is reported for a full
 * recovery that rebuilds its indexes. Then every remaining {@code .cleaned} or {@code .swap} file (an uncommitted
 * swap, or a range file left after the last rename) is deleted.
 *
 * <p>Concurrency: stateless; the swap runs under the owning log's lock, recovery before the log is published.
 */
final class SegmentSwap {

    static final String CLEANED_SUFFIX = ".cleaned";
    static final String SWAP_SUFFIX = ".swap";
    static final String RANGE_SUFFIX = ".replaced";

    private static final Logger LOG = LoggerFactory.getLogger(SegmentSwap.class);
    private static final Pattern SWAP_LOG = Pattern.compile("(\\d{20})\\.log\\.swap");
    private static final Pattern SEGMENT_FILE = Pattern.compile("(\\d{20})\\.(log|index|timeindex)");
    private static final int VERSION = 0;

    private SegmentSwap() {}

    /**
     * Whether {@code replaced} still describes consecutive non-active segments of {@code segments}, unchanged in size
     * and end, with no truncation since it was taken. Caller holds the log's lock.
     */
    static boolean isCurrent(
            ConcurrentSkipListMap<Long, LogSegment> segments, List<SegmentInfo> replaced, long truncations) {
        if (replaced.isEmpty() || replaced.get(0).logGeneration() != truncations) {
            return false;
        }
        long activeBase = segments.lastKey();
        Map<Long, LogSegment> range = segments.subMap(
                replaced.get(0).baseOffset(),
                true,
                replaced.get(replaced.size() - 1).baseOffset(),
                true);
        if (range.size() != replaced.size()) {
            return false;
        }
        for (SegmentInfo info : replaced) {
            LogSegment segment = range.get(info.baseOffset());
            if (segment == null
                    || segment.baseOffset() >= activeBase
                    || segment.size() != info.sizeInBytes()
                    || segment.nextOffset() != info.nextOffset()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Runs the swap steps of the class comment, publishing {@code cleaned} in {@code segments} at the commit point
     * (before the replaced segments leave the map, so a lock-free reader never skips their offsets). Caller holds the
     * log's lock and checked {@link #isCurrent}.
     *
     * @throws IOException when a step fails; before the commit the cleaned files are removed and the old segments stay,
     *     after it the new segment is in use and the next load finishes the swap on disk
     */
    static void swap(
            File dir,
            ConcurrentSkipListMap<Long, LogSegment> segments,
            CleanedSegment cleaned,
            List<SegmentInfo> replaced,
            SegmentDeleter deleter,
            long fileDeleteDelayMs,
            SwapHook hook)
            throws IOException {
        long base = replaced.get(0).baseOffset();
        if (cleaned.baseOffset() != base) {
            cleaned.abort();
            throw new IllegalArgumentException(
                    "cleaned segment " + cleaned.baseOffset() + " must start at the replaced base " + base);
        }
        SegmentInfo last = replaced.get(replaced.size() - 1);
        LogSegment fresh = cleaned.segment();
        boolean committed = false;
        try {
            cleaned.finish(last.lastModifiedMs());
            // an empty last segment has next offset == base offset: the range must still cover it
            writeRangeFile(dir, base, Math.max(last.nextOffset(), last.baseOffset() + 1));
            hook.afterStep(SwapStep.CLEANED_WRITTEN);
            rename(rangeFile(dir, base, CLEANED_SUFFIX), rangeFile(dir, base, SWAP_SUFFIX));
            fresh.changeIndexSuffixes(CLEANED_SUFFIX, SWAP_SUFFIX);
            hook.afterStep(SwapStep.SWAP_INDEXES_RENAMED);
            fresh.changeLogSuffix(CLEANED_SUFFIX, SWAP_SUFFIX);
            committed = true;
        } finally {
            if (!committed) {
                cleaned.abort();
                Files.deleteIfExists(rangeFile(dir, base, CLEANED_SUFFIX).toPath());
                Files.deleteIfExists(rangeFile(dir, base, SWAP_SUFFIX).toPath());
            }
        }
        cleaned.markSwapped();
        List<LogSegment> old = new ArrayList<>(replaced.size());
        for (SegmentInfo info : replaced) {
            old.add(segments.get(info.baseOffset()));
        }
        segments.put(base, fresh);
        for (int i = old.size() - 1; i >= 1; i--) {
            segments.remove(old.get(i).baseOffset());
        }
        fsyncDir(dir);
        hook.afterStep(SwapStep.SWAP_COMMITTED);
        deleter.delete(old, fileDeleteDelayMs);
        hook.afterStep(SwapStep.OLD_SEGMENTS_DELETED);
        fresh.changeIndexSuffixes(SWAP_SUFFIX, "");
        hook.afterStep(SwapStep.FINAL_INDEXES_RENAMED);
        fresh.changeLogSuffix(SWAP_SUFFIX, "");
        hook.afterStep(SwapStep.FINAL_LOG_RENAMED);
        Files.deleteIfExists(rangeFile(dir, base, SWAP_SUFFIX).toPath());
        fsyncDir(dir);
    }

    static File rangeFile(File dir, long baseOffset, String suffix) {
        return new File(dir, LogSegment.fileName(baseOffset, RANGE_SUFFIX) + suffix);
    }

    /** Writes and fsyncs {@code B.replaced.cleaned}: the swap replaces the segments with base in [B, end). */
    static void writeRangeFile(File dir, long baseOffset, long endOffsetExclusive) throws IOException {
        File file = rangeFile(dir, baseOffset, CLEANED_SUFFIX);
        byte[] content = (VERSION + "\n" + endOffsetExclusive + "\n").getBytes(StandardCharsets.UTF_8);
        try (FileChannel channel = FileChannel.open(
                file.toPath(),
                StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
    }

    static void rename(File from, File to) throws IOException {
        Files.move(from.toPath(), to.toPath(), StandardCopyOption.REPLACE_EXISTING);
    }

    static void fsyncDir(File dir) throws IOException {
        AtomicFiles.fsyncDirectory(dir.toPath());
    }

    /**
     * Finishes committed swaps and removes uncommitted ones in {@code dir} (see the class comment).
     *
     * @return the base offsets of the segments that a finished swap produced; they need a full recovery
     */
    static Set<Long> completeInterruptedSwaps(File dir, String logPrefix) throws IOException {
        Set<Long> swapped = new TreeSet<>();
        File[] files = dir.listFiles();
        if (files == null) {
            return swapped;
        }
        for (File file : files) {
            Matcher matcher = SWAP_LOG.matcher(file.getName());
            if (!matcher.matches()) {
                continue;
            }
            long base = Long.parseLong(matcher.group(1));
            long end = readRangeEnd(rangeFile(dir, base, SWAP_SUFFIX), base);
            List<String> dropped = new ArrayList<>();
            for (File other : files) {
                Matcher segment = SEGMENT_FILE.matcher(other.getName());
                if (segment.matches()) {
                    long otherBase = Long.parseLong(segment.group(1));
                    if (otherBase >= base && otherBase < end && Files.deleteIfExists(other.toPath())) {
                        dropped.add(other.getName());
                    }
                }
            }
            rename(file, new File(dir, LogSegment.fileName(base, LogSegment.LOG_SUFFIX)));
            swapped.add(base);
            LOG.info(
                    "{}Completed the interrupted swap of segment {} replacing offsets [{}, {}); removed {}",
                    logPrefix,
                    base,
                    base,
                    end,
                    dropped);
        }
        files = dir.listFiles();
        for (File file : files == null ? new File[0] : files) {
            String name = file.getName();
            if (name.endsWith(CLEANED_SUFFIX) || name.endsWith(SWAP_SUFFIX)) {
                LOG.info("{}Removing leftover file {} of an unfinished segment swap", logPrefix, name);
                Files.deleteIfExists(file.toPath());
            }
        }
        if (!swapped.isEmpty()) {
            fsyncDir(dir);
        }
        return swapped;
    }

    /** The end of the replaced range; without a readable range file only the segment at {@code base} is replaced. */
    private static long readRangeEnd(File file, long base) {
        try {
            List<String> lines = Files.readAllLines(file.toPath(), StandardCharsets.UTF_8);
            if (lines.size() >= 2 && Integer.parseInt(lines.get(0).trim()) == VERSION) {
                long end = Long.parseLong(lines.get(1).trim());
                if (end > base) {
                    return end;
                }
            }
            LOG.warn("Range file {} is malformed; replacing only the segment at {}", file, base);
        } catch (IOException | NumberFormatException e) {
            LOG.warn("Cannot read range file {}; replacing only the segment at {}", file, base, e);
        }
        return base + 1;
    }
}
