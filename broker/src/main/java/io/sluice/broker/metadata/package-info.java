/**
 * The broker's metadata cache, an immutable snapshot fed by the controller's UpdateMetadata; depends on {@code
 * io.sluice.metadata.model} and kafka-clients messages.
 */
package io.sluice.broker.metadata;
