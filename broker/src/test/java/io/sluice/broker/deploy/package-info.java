/**
 * Checks of the launch scripts ({@code bin/}) and deployment files ({@code docker-compose.yml}, {@code deploy/}):
 * static checks against the broker's configuration keys, script behaviour, and a process-level local-cluster test;
 * may depend on the metadata module's configuration, the broker's metrics endpoint and kafka-clients.
 */
package io.sluice.broker.deploy;
