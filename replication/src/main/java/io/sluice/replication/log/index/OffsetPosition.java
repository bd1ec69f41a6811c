package io.sluice.replication.log.index;

/**
 * An offset index entry: a batch's base offset and its byte position in the segment file.
 *
 * @param offset absolute offset
 * @param position byte position in the {@code .log} file
 */
public record OffsetPosition(long offset, int position) {}
