/**
 * The controller's event types and its single event thread; depends on the JDK, kafka-clients messages and the
 * metadata module's concurrency helpers only.
 */
package io.sluice.controller.event;
