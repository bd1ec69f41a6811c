/** Partition and replica state enums with their valid-transition tables; pure, depends on the JDK only. */
package io.sluice.controller.statemachine;
