/**
 * Partition and replica state enums with their valid-transition tables; pure, depends on no Sluice package (the JDK
 * only).
 */
package io.sluice.controller.statemachine;
