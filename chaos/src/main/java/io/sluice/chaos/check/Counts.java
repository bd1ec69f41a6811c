package io.sluice.chaos.check;

/**
 * What the history holds, in numbers.
 *
 * @param events events in the history
 * @param writesInvoked distinct values handed to a producer
 * @param writesAcknowledged values acknowledged (Send OK)
 * @param writesFailed values that definitely failed (Send FAIL)
 * @param writesIndeterminate values with an unknown outcome (Send INFO, or no completion at all)
 * @param recordsRead records returned to the workload's consumers (every mode but the final read)
 * @param finalReadRecords distinct (partition, offset) records of the final read
 * @param faults faults started
 * @param samples metadata samples
 */
public record Counts(
        long events,
        long writesInvoked,
        long writesAcknowledged,
        long writesFailed,
        long writesIndeterminate,
        long recordsRead,
        long finalReadRecords,
        long faults,
        long samples) {}
