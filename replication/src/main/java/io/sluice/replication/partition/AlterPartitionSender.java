package io.sluice.replication.partition;

import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.message.AlterPartitionResponseData;

/**
 * Port: sends an AlterPartition request (ISR change proposed by a leader) to the active controller. The broker module
 * implements it over the network; tests implement it in memory. The stage fails on a network error or timeout.
 */
@FunctionalInterface
public interface AlterPartitionSender {
    CompletionStage<AlterPartitionResponseData> send(AlterPartitionRequestData request);
}
