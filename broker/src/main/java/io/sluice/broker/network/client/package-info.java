/**
 * Outbound inter-broker client on Netty (controller and follower requests to other brokers); depends on no Sluice
 * package (Netty, kafka-clients' wire codec and Micrometer only), never on the server-side network or API packages.
 */
package io.sluice.broker.network.client;
