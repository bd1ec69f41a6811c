/**
 * Integration tests ({@code *IT}, run by Failsafe) of whole brokers driven by the stock Kafka clients and the Kafka
 * CLI, the in-JVM cluster harness they share, and unit tests ({@code *Test}) of the harness's own checks. May depend
 * on every broker package and on curator-test.
 */
package io.sluice.broker.it;
