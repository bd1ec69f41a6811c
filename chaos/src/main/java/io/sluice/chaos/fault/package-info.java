/** The faults (FaultCatalog), their seeded schedule (FaultSchedule) and what one injection does (Injection). Depends on io.sluice.chaos.cluster, io.sluice.chaos.net and the workload's metadata sampler. */
package io.sluice.chaos.fault;
