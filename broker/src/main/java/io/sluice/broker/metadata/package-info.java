/** The broker's metadata cache, an immutable snapshot fed by the controller's UpdateMetadata; depends on metadata (model) and kafka-clients messages. */
package io.sluice.broker.metadata;
