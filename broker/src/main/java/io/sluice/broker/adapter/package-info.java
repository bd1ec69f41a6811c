/** Network implementations of the controller's and the replication module's ports on the broker's outbound client; depends on network.client, the metadata cache, controller.channel and replication ports. */
package io.sluice.broker.adapter;
