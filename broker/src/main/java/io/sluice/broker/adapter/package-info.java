/**
 * Implementations of the controller's, the replication module's and the broker packages' ports: on the broker's
 * outbound client (controller requests, follower fetches, AlterPartition), on the replica manager (the controller's
 * replica control, the group coordinator's offsets log) and on the metadata cache; depends on {@code
 * io.sluice.broker.network.client}, {@code io.sluice.broker.metadata}, {@code io.sluice.broker.control}, {@code
 * io.sluice.broker.group}, {@code io.sluice.controller.channel}, {@code io.sluice.metadata.model}, {@code
 * io.sluice.replication.fetcher}, {@code io.sluice.replication.log}, {@code io.sluice.replication.partition}, {@code
 * io.sluice.replication.producer} (the producer state a transactional offsets write continues), {@code
 * io.sluice.broker.txn} (the transaction markers' channel) and {@code io.sluice.broker.api.handlers} (the
 * WriteTxnMarkers append it shares with that handler).
 */
package io.sluice.broker.adapter;
