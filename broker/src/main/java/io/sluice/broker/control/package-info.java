/** Handlers of the controller's requests (UpdateMetadata, LeaderAndIsr, StopReplica) with controller/broker epoch fencing, and the hook telling the group coordinator about __consumer_offsets leadership; depends on api, metadata cache, the group ports and kafka-clients messages. */
package io.sluice.broker.control;
