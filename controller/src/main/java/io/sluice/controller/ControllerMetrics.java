package io.sluice.controller;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.sluice.controller.event.ControllerEvent;
import io.sluice.controller.event.ControllerEventManager;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * The controller's Micrometer meters: {@code sluice.controller.active} (0/1), {@code sluice.controller.epoch},
 * {@code sluice.controller.offline.partitions}, {@code sluice.controller.event.queue.size},
 * {@code sluice.controller.event.queue.time} and {@code sluice.controller.event.processing.time} (timers tagged with
 * the event name).
 *
 * <p>Concurrency: the values are atomics written by the event thread and read by the registry from any thread.
 */
public final class ControllerMetrics implements ControllerEventManager.Observer {
    private final MeterRegistry registry;
    private final String brokerTag;
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger epoch = new AtomicInteger(-1);
    private final AtomicInteger offlinePartitions = new AtomicInteger();
    private final Timer queueTime;

    public ControllerMetrics(MeterRegistry registry, int brokerId) {
        this.registry = registry;
        String broker = Integer.toString(brokerId);
        this.brokerTag = broker;
        Gauge.builder("sluice.controller.active", active, AtomicInteger::get)
                .description("1 if this broker is the active controller")
                .tag("broker", broker)
                .register(registry);
        Gauge.builder("sluice.controller.epoch", epoch, AtomicInteger::get)
                .description("The controller epoch this broker holds, -1 if not controller")
                .tag("broker", broker)
                .register(registry);
        Gauge.builder("sluice.controller.offline.partitions", offlinePartitions, AtomicInteger::get)
                .description("Partitions without a live leader (active controller only)")
                .tag("broker", broker)
                .register(registry);
        this.queueTime = Timer.builder("sluice.controller.event.queue.time")
                .description("Time events wait in the controller queue")
                .tag("broker", broker)
                .register(registry);
    }

    /** Registers the queue-size gauge over the event manager. */
    void bindQueueSize(IntSupplier queueSize) {
        Gauge.builder("sluice.controller.event.queue.size", queueSize, IntSupplier::getAsInt)
                .description("Events waiting for the controller event thread")
                .tag("broker", brokerTag)
                .register(registry);
    }

    void setActive(boolean isActive, int controllerEpoch) {
        epoch.set(isActive ? controllerEpoch : -1);
        active.set(isActive ? 1 : 0);
        if (!isActive) {
            offlinePartitions.set(0);
        }
    }

    void setOfflinePartitions(int count) {
        offlinePartitions.set(count);
    }

    @Override
    public void eventProcessed(ControllerEvent event, long queueTimeNanos, long processingTimeNanos) {
        queueTime.record(queueTimeNanos, TimeUnit.NANOSECONDS);
        Timer.builder("sluice.controller.event.processing.time")
                .description("Time the controller event thread spends on one event")
                .tag("event", event.name())
                .tag("broker", brokerTag)
                .register(registry)
                .record(processingTimeNanos, TimeUnit.NANOSECONDS);
    }
}
