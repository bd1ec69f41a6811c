/**
 * The group coordinator: classic consumer groups and their committed offsets in __consumer_offsets. Depends on
 * {@code io.sluice.metadata.config} (configuration), {@code io.sluice.metadata.concurrent} (the scheduler's
 * threads) and kafka-clients' message classes; its {@code api} subpackage adapts it to the broker's handler API.
 */
package io.sluice.broker.group;
