/**
 * The checked workload with the stock kafka-clients: idempotent acks=all producers, assign-mode and group consumers,
 * the metadata sampler and the final read, each recording into the history. Depends on {@code
 * io.sluice.chaos.history}.
 */
package io.sluice.chaos.workload;
