/**
 * Pure replica placement (rack-aware, load-aware) and manual-assignment validation; depends on no Sluice package (the
 * JDK and kafka-clients {@code Errors} only).
 */
package io.sluice.controller.assignment;
