/**
 * One chaos run: the cluster, the workload and the schedule put together, the fault lifecycle (START, STOP, HEALED)
 * and the final healing. Depends on {@code io.sluice.chaos.cluster}, {@code io.sluice.chaos.fault}, {@code
 * io.sluice.chaos.history}, {@code io.sluice.chaos.net} and {@code io.sluice.chaos.workload}.
 */
package io.sluice.chaos.run;
