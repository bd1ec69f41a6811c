/** One chaos run: the cluster, the workload and the schedule put together, the fault lifecycle (START, STOP, HEALED) and the final healing. Depends on every other chaos package. */
package io.sluice.chaos.run;
