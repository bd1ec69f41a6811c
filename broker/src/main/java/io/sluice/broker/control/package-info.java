/**
 * Handlers of the controller's requests (UpdateMetadata, LeaderAndIsr, StopReplica) with controller/broker epoch
 * fencing, the {@code ReplicaControl} port they drive and the hook telling the group coordinator about
 * __consumer_offsets leadership; depends on {@code io.sluice.broker.api}, {@code io.sluice.broker.metadata} (the
 * metadata cache), {@code io.sluice.broker.group} (the group ports) and kafka-clients messages, never on the
 * replication module (the adapter package implements its port on the replica manager).
 */
package io.sluice.broker.control;
