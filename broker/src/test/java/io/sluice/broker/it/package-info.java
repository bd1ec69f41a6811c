/**
 * Integration tests ({@code *IT}, run by Failsafe) of whole brokers driven by the stock Kafka clients, and the in-JVM
 * cluster harness they share. May depend on every broker package and on curator-test.
 */
package io.sluice.broker.it;
