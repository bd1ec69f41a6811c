/**
 * Incremental fetch sessions (KIP-227): the per-broker session cache with its eviction policy and the per-request
 * session context the Fetch handler reads through; depends on kafka-clients' message classes, Micrometer and the JDK
 * only.
 */
package io.sluice.broker.fetch;
