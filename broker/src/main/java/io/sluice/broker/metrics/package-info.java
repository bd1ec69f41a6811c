/**
 * The broker's Prometheus scrape and health HTTP endpoint and its JVM meter binders; depends on Micrometer and the JDK
 * HTTP server only.
 */
package io.sluice.broker.metrics;
