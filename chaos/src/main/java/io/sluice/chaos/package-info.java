/**
 * The chaos suite ({@code bin/sluice-chaos}): a seeded fault schedule on a Sluice cluster of processes, a workload
 * of the stock Kafka clients recording a history, a checker of that history and a report. Depends on kafka-clients,
 * Jackson and picocli; never on the broker's code (it talks to a cluster only over the wire, ZooKeeper and signals).
 */
package io.sluice.chaos;
