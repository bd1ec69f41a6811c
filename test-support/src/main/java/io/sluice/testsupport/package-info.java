/**
 * The test kit every module's tests share: {@link io.sluice.testsupport.ManualClock}, {@link
 * io.sluice.testsupport.ManualScheduler}, {@link io.sluice.testsupport.RawKafkaConnection} and {@link
 * io.sluice.testsupport.EmbeddedZooKeeper}. It depends on no Sluice module, only on kafka-clients and curator-test; a
 * module whose main code wants its own time or scheduler interface adapts these in its tests (a method reference or a
 * few lines), so that no module keeps a clock or scheduler of its own.
 */
package io.sluice.testsupport;
