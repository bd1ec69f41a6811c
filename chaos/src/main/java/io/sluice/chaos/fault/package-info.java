/**
 * The faults (FaultCatalog), their seeded schedule (FaultSchedule) and what one injection does (Injection). Depends on
 * {@code io.sluice.chaos.cluster}, {@code io.sluice.chaos.net} and {@code io.sluice.chaos.workload} (the metadata
 * sampler) and {@code io.sluice.chaos.history} (the samples).
 */
package io.sluice.chaos.fault;
