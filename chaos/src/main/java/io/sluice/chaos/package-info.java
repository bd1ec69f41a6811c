/**
 * The chaos suite ({@code bin/sluice-chaos}): a seeded fault schedule on a Sluice cluster of processes, a workload of
 * the stock Kafka clients recording a history, a checker of that history and a report. The module depends on no other
 * Sluice module, never on the broker's code (it talks to a cluster only over the wire, ZooKeeper and signals). This
 * package, the command line, depends on {@code io.sluice.chaos.check}, {@code io.sluice.chaos.cluster}, {@code
 * io.sluice.chaos.fault}, {@code io.sluice.chaos.report}, {@code
 * io.sluice.chaos.run}, kafka-clients and picocli.
 */
package io.sluice.chaos;
