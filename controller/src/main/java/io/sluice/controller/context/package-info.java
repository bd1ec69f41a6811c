/**
 * The controller's in-memory view of the cluster, owned by the event thread; depends on {@code
 * io.sluice.metadata.model} and the state enums of {@code io.sluice.controller.statemachine}.
 */
package io.sluice.controller.context;
