package io.sluice.broker.txn;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Meters of the transaction coordinator: {@code sluice.txn.coordinator.ongoing}, the transactions open (Ongoing or
 * being completed) among the transactional ids this broker coordinates.
 *
 * <p>Thread-safety: registration only; the gauge reads an atomic counter.
 */
public final class TransactionMetrics {
    private TransactionMetrics() {}

    public static void register(MeterRegistry registry, TransactionCoordinator coordinator) {
        Gauge.builder("sluice.txn.coordinator.ongoing", coordinator, TransactionCoordinator::ongoingTransactions)
                .description("Open transactions of the transactional ids this broker coordinates")
                .register(registry);
    }
}
