package io.sluice.replication.log;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a partition directory and brings its segments to a consistent state.
 *
 * <ol>
 *   <li>Segment swaps of the cleaner interrupted by a crash are finished if they were committed and undone
 *       otherwise ({@link SegmentSwap}); a segment produced by a finished swap gets a full recovery.
 *   <li>Leftovers are removed: {@code *.deleted} files (deletions interrupted by a crash), {@code *.tmp} files, and
 *       index files without their {@code .log}.
 *   <li>After a clean shutdown every segment's indexes are sanity-checked (whole entries, increasing ends, last
 *       offset entry pointing at a batch with that base offset, tail scan from it) and rebuilt only when wrong.
 *   <li>After an unclean shutdown the segments before the one holding the recovery point get the same check; the
 *       segment holding the recovery point and every later one are re-validated batch by batch (magic, sizes,
 *       CRC, increasing offsets) with fresh indexes. The first invalid byte ends the log: the segment is truncated
 *       there, later segments are deleted, and the bytes lost are logged.
 * </ol>
 *
 * <p>Concurrency: runs on one recovery thread per log before the log is published; touches only that directory.
 */
final class LogLoader {

    private static final Logger LOG = LoggerFactory.getLogger(LogLoader.class);
    private static final Pattern SEGMENT_FILE = Pattern.compile("(\\d{20})\\.(log|index|timeindex)");

    private LogLoader() {}

    /** The loaded segments and bounds of a log. */
    record LoadedLog(
            ConcurrentSkipListMap<Long, LogSegment> segments,
            long logStartOffset,
            long recoveryPoint,
            long logEndOffset) {}

    static LoadedLog load(
            File dir,
            String logPrefix,
            LogConfig config,
            long recoveryPointCheckpoint,
            long logStartOffsetCheckpoint,
            boolean hadCleanShutdown,
            long nowMs)
            throws IOException {
        Files.createDirectories(dir.toPath());
        Set<Long> swapped = SegmentSwap.completeInterruptedSwaps(dir, logPrefix);
        TreeMap<Long, LogSegment> opened = openSegments(dir, logPrefix, config);
        long recoveryPoint = recoveryPointCheckpoint;
        if (!opened.isEmpty()) {
            Long recoverFrom = hadCleanShutdown ? null : opened.floorKey(Math.max(recoveryPoint, 0));
            if (!hadCleanShutdown && recoverFrom == null) {
                recoverFrom = opened.firstKey();
            }
            boolean recovered = false;
            List<Long> bases = new ArrayList<>(opened.keySet());
            for (int i = 0; i < bases.size(); i++) {
                LogSegment segment = opened.get(bases.get(i));
                boolean fullRecovery = recoverFrom != null && segment.baseOffset() >= recoverFrom
                        || swapped.contains(segment.baseOffset());
                String problem = fullRecovery ? "unclean shutdown or interrupted swap" : checkSegment(segment);
                if (problem == null) {
                    continue;
                }
                if (!fullRecovery) {
                    LOG.warn("{}Rebuilding indexes of segment {}: {}", logPrefix, segment.baseOffset(), problem);
                }
                int truncated = segment.recover(config.maxMessageBytes());
                recovered = true;
                if (truncated > 0) {
                    LOG.error(
                            "{}Truncated {} bytes of segment {} at offset {}: {}",
                            logPrefix,
                            truncated,
                            segment.baseOffset(),
                            segment.nextOffset(),
                            segment.lastRecoveryProblem());
                    for (int j = i + 1; j < bases.size(); j++) {
                        LogSegment later = opened.remove(bases.get(j));
                        LOG.error(
                                "{}Deleted segment {} ({} bytes) after the truncation point",
                                logPrefix,
                                later.baseOffset(),
                                later.logFile().length());
                        later.closeAndDelete();
                    }
                    break;
                }
            }
            if (recovered) {
                for (LogSegment segment : opened.values()) {
                    segment.flush();
                }
                recoveryPoint = opened.lastEntry().getValue().nextOffset();
            }
        }
        if (opened.isEmpty()) {
            long start = Math.max(0, logStartOffsetCheckpoint);
            opened.put(start, LogSegment.create(dir, start, config, nowMs));
        }
        for (LogSegment segment : opened.headMap(opened.lastKey()).values()) {
            segment.onRoll();
        }
        LogSegment active = opened.lastEntry().getValue();
        active.resizeIndexes(config.maxIndexSize());
        long logEndOffset = active.nextOffset();
        long logStartOffset = Math.max(opened.firstKey(), Math.min(logStartOffsetCheckpoint, logEndOffset));
        recoveryPoint = Math.max(logStartOffset, Math.min(recoveryPoint, logEndOffset));
        return new LoadedLog(new ConcurrentSkipListMap<>(opened), logStartOffset, recoveryPoint, logEndOffset);
    }

    private static String checkSegment(LogSegment segment) throws IOException {
        String problem = segment.offsetIndex().sanityCheck();
        if (problem == null) {
            problem = segment.timeIndex().sanityCheck();
        }
        if (problem == null) {
            problem = segment.loadTailState();
        }
        return problem;
    }

    private static TreeMap<Long, LogSegment> openSegments(File dir, String logPrefix, LogConfig config)
            throws IOException {
        File[] files = dir.listFiles();
        TreeMap<Long, LogSegment> segments = new TreeMap<>();
        if (files == null) {
            return segments;
        }
        Map<Long, List<File>> indexFiles = new TreeMap<>();
        for (File file : files) {
            String name = file.getName();
            if (name.endsWith(LogSegment.DELETED_SUFFIX) || name.endsWith(".tmp")) {
                LOG.info("{}Removing leftover file {}", logPrefix, name);
                Files.deleteIfExists(file.toPath());
                continue;
            }
            Matcher matcher = SEGMENT_FILE.matcher(name);
            if (!matcher.matches()) {
                continue;
            }
            long base = Long.parseLong(matcher.group(1));
            if (matcher.group(2).equals("log")) {
                segments.put(base, null);
            } else {
                indexFiles.computeIfAbsent(base, b -> new ArrayList<>()).add(file);
            }
        }
        for (Map.Entry<Long, List<File>> entry : indexFiles.entrySet()) {
            if (!segments.containsKey(entry.getKey())) {
                for (File orphan : entry.getValue()) {
                    LOG.warn("{}Removing index file {} without a log file", logPrefix, orphan.getName());
                    Files.deleteIfExists(orphan.toPath());
                }
            }
        }
        for (Long base : new ArrayList<>(segments.keySet())) {
            segments.put(base, LogSegment.open(dir, base, config));
        }
        return segments;
    }
}
