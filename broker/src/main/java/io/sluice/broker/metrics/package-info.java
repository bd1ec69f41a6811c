/**
 * The broker's Prometheus scrape and health HTTP endpoint, its JVM meter binders, the histogram buckets of its latency
 * timers and the liveness of its must-not-die threads; depends on Micrometer, the JDK HTTP server and the metadata
 * module's concurrency helpers only.
 */
package io.sluice.broker.metrics;
