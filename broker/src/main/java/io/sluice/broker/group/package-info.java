/**
 * The group coordinator: classic consumer groups and their committed offsets in __consumer_offsets. Depends on
 * metadata (configuration) and kafka-clients' message classes; its {@code api} subpackage adapts it to the broker's
 * handler API.
 */
package io.sluice.broker.group;
