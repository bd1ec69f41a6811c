package io.sluice.chaos.history;

/**
 * A consumer's position moved other than by reading: a start, a seek, a reset after OFFSET_OUT_OF_RANGE, a new
 * assignment starting at the committed offset. The next records it reads of that partition start here.
 *
 * @param reason why (e.g. {@code start}, {@code assigned}, {@code reset})
 */
public record Seek(long t, String process, String partition, long offset, String reason) implements Event {}
