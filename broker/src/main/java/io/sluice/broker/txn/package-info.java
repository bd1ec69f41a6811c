/**
 * The transaction coordinator: transactional ids, producer ids and epochs, the transaction state machine kept in the
 * compacted {@code __transaction_state} topic (Kafka's record layout), transaction markers sent to partition
 * leaders, and timeouts. Depends on {@code io.sluice.broker.group} (its ports
 * {@code OffsetsLog} and {@code OffsetsPartitionListener}), {@code io.sluice.broker.producer} (the producer-id manager)
 * and kafka-clients' message classes.
 */
package io.sluice.broker.txn;
