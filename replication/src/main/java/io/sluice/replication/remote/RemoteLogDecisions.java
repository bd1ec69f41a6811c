package io.sluice.replication.remote;

import io.sluice.replication.epoch.EpochEntry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentMetadata;

/**
 * The remote log manager's decisions, as pure functions: which rolled segments to copy, which remote segments total
 * retention deletes, and the leader-epoch data that travels with a segment.
 *
 * <p>Stateless.
 */
final class RemoteLogDecisions {

    private RemoteLogDecisions() {}

    /** A local segment: its first offset, the offset after it, its size. */
    record LocalSegment(long baseOffset, long nextOffset, long sizeInBytes) {}

    /**
     * The rolled segments to copy, oldest first: those holding an offset above {@code copiedUpTo} (the highest offset
     * already in the remote tier, -1 for none) and lying wholly below {@code copyBound} (the smaller of the high
     * watermark and the last stable offset: only committed, decided data leaves the broker). The active (last)
     * segment and empty segments are never copied; the walk stops at the first segment past the bound, so copies
     * stay in offset order.
     */
    static List<LocalSegment> segmentsToCopy(List<LocalSegment> segments, long copiedUpTo, long copyBound) {
        List<LocalSegment> out = new ArrayList<>();
        for (int i = 0; i + 1 < segments.size(); i++) {
            LocalSegment s = segments.get(i);
            if (s.nextOffset() - 1 <= copiedUpTo || s.sizeInBytes() == 0) {
                continue;
            }
            if (s.nextOffset() > copyBound) {
                break;
            }
            out.add(s);
        }
        return out;
    }

    /**
     * The oldest remote segments total retention deletes, from {@code segments} (copied ones, sorted by start
     * offset): while a segment lies wholly below the log start offset, is older than {@code retentionMs} (by its
     * largest timestamp), or removing it keeps the whole log (remote bytes plus {@code localOnlyBytes}, the local
     * bytes not yet in the remote tier) at or above {@code retentionBytes}. The walk stops at the first kept segment,
     * so the remote log stays contiguous. -1 limits are unlimited.
     */
    static List<RemoteLogSegmentMetadata> segmentsToDelete(
            List<RemoteLogSegmentMetadata> segments,
            long retentionMs,
            long retentionBytes,
            long localOnlyBytes,
            long logStartOffset,
            long nowMs) {
        long total = localOnlyBytes;
        for (RemoteLogSegmentMetadata s : segments) {
            total += s.segmentSizeInBytes();
        }
        long excess = retentionBytes < 0 ? 0 : total - retentionBytes;
        List<RemoteLogSegmentMetadata> out = new ArrayList<>();
        for (RemoteLogSegmentMetadata s : segments) {
            boolean belowStart = s.endOffset() < logStartOffset;
            boolean expired = retentionMs >= 0 && nowMs - s.maxTimestampMs() > retentionMs;
            boolean oversize = retentionBytes >= 0 && excess >= s.segmentSizeInBytes();
            if (!(belowStart || expired || oversize)) {
                break;
            }
            excess -= s.segmentSizeInBytes();
            out.add(s);
        }
        return out;
    }

    /** Sorts remote segments by start offset, then end offset. */
    static List<RemoteLogSegmentMetadata> sortedByOffset(List<RemoteLogSegmentMetadata> segments) {
        List<RemoteLogSegmentMetadata> sorted = new ArrayList<>(segments);
        sorted.sort(Comparator.comparingLong(RemoteLogSegmentMetadata::startOffset)
                .thenComparingLong(RemoteLogSegmentMetadata::endOffset));
        return sorted;
    }

    /**
     * The leader epochs of the records in {@code [baseOffset, nextOffset)}: each epoch with the first offset of it in
     * the segment (the epoch in force at the base offset starts at the base offset). {@code fallbackEpoch} at the
     * base offset when the history knows none (the metadata must name at least one epoch).
     */
    static Map<Integer, Long> segmentEpochs(
            List<EpochEntry> history, long baseOffset, long nextOffset, int fallbackEpoch) {
        TreeMap<Integer, Long> out = new TreeMap<>();
        for (int i = 0; i < history.size(); i++) {
            EpochEntry e = history.get(i);
            long end = i + 1 < history.size() ? history.get(i + 1).startOffset() : Long.MAX_VALUE;
            if (e.startOffset() < nextOffset && end > baseOffset) {
                out.put(e.epoch(), Math.max(e.startOffset(), baseOffset));
            }
        }
        if (out.isEmpty()) {
            out.put(Math.max(0, fallbackEpoch), baseOffset);
        }
        return out;
    }

    /**
     * The leader-epoch checkpoint that travels with a segment ending before {@code nextOffset}: Kafka's text format
     * (version 0, the entry count, one {@code epoch startOffset} line per entry) with the entries starting below
     * {@code nextOffset}.
     */
    static ByteBuffer epochCheckpoint(List<EpochEntry> history, long nextOffset) {
        List<EpochEntry> kept =
                history.stream().filter(e -> e.startOffset() < nextOffset).toList();
        StringBuilder text = new StringBuilder();
        text.append(0).append('\n').append(kept.size()).append('\n');
        for (EpochEntry e : kept) {
            text.append(e.epoch()).append(' ').append(e.startOffset()).append('\n');
        }
        return ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
    }
}
