/** The controller's event types and its single event thread; depends on the JDK and kafka-clients messages only. */
package io.sluice.controller.event;
