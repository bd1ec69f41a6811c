/** Handlers of the controller's requests (UpdateMetadata, LeaderAndIsr, StopReplica) with controller/broker epoch fencing; depends on api, metadata cache and kafka-clients messages. */
package io.sluice.broker.control;
