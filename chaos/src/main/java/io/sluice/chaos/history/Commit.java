package io.sluice.chaos.history;

/**
 * A consumer group's committed offset of one partition, as the committing member saw the commit complete.
 *
 * @param ok whether the commit succeeded
 * @param error the failure, when not ok
 */
public record Commit(long t, String process, String group, String partition, long offset, boolean ok, String error)
        implements Event {}
