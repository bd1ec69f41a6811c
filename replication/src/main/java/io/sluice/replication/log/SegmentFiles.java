package io.sluice.replication.log;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The files of one rolled segment, as the remote log manager copies them.
 *
 * @param baseOffset the first offset of the segment
 * @param nextOffset the offset after its last batch
 * @param sizeInBytes the size of the segment file
 * @param maxTimestamp the largest batch timestamp in it, -1 if none
 * @param logFile the segment file
 * @param offsetIndex its offset index
 * @param timeIndex its time index
 * @param transactionIndex its aborted-transaction index, when it has one
 */
public record SegmentFiles(
        long baseOffset,
        long nextOffset,
        int sizeInBytes,
        long maxTimestamp,
        Path logFile,
        Path offsetIndex,
        Path timeIndex,
        Optional<Path> transactionIndex) {}
