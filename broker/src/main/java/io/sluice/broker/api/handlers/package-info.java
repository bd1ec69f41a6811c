/**
 * Client-facing Kafka API handlers, one class per API key; depend on {@code io.sluice.broker.api}, the broker
 * components each one fronts ({@code io.sluice.broker.metadata}, {@code io.sluice.broker.config}, {@code
 * io.sluice.broker.group}, {@code io.sluice.broker.fetch} (fetch sessions), {@code io.sluice.broker.metrics}, {@code io.sluice.broker.producer}, {@code
 * io.sluice.controller}, {@code io.sluice.replication.epoch}, {@code io.sluice.replication.log}, {@code
 * io.sluice.replication.partition}, {@code io.sluice.replication.purgatory}, {@code io.sluice.replication.log.index} (aborted transactions), {@code io.sluice.replication.producer}
 * (DescribeProducers), {@code io.sluice.broker.txn}), {@code io.sluice.broker.network} (the
 * zero-copy {@code FileRecordsSlice} of fetch responses) and {@code io.sluice.metadata.config}, {@code
 * io.sluice.metadata.model} and {@code io.sluice.metadata.zk}.
 */
package io.sluice.broker.api.handlers;
