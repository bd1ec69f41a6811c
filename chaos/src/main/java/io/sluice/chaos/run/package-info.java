/**
 * One chaos run: the cluster, the workload and the schedule put together, the fault lifecycle (START, STOP, HEALED)
 * and the final healing. Depends on {@code io.sluice.chaos.cluster}, {@code io.sluice.chaos.fault}, {@code
 * io.sluice.chaos.history}, {@code io.sluice.chaos.net}, {@code io.sluice.chaos.workload}, and {@code io.sluice.chaos.check} with
 * {@code io.sluice.chaos.report} (a run's verdict and report).
 */
package io.sluice.chaos.run;
