/**
 * The broker's Prometheus scrape and health HTTP endpoint, its JVM meter binders, the histogram buckets of its latency
 * timers and the liveness of its must-not-die threads; depends on {@code io.sluice.metadata.concurrent} (the
 * concurrency helpers), Micrometer and the JDK HTTP server only.
 */
package io.sluice.broker.metrics;
