/**
 * The controller's event types and its single event thread; depends on {@code io.sluice.metadata.concurrent} (the
 * concurrency helpers), the JDK and kafka-clients messages only.
 */
package io.sluice.controller.event;
