package io.sluice.broker.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Binds Micrometer's JVM and process meters to a registry: memory pools and buffers ({@code jvm_memory_*},
 * {@code jvm_buffer_*}), garbage collection ({@code jvm_gc_*}), threads ({@code jvm_threads_*}), class loading
 * ({@code jvm_classes_*}), JVM info, CPU ({@code system_cpu_*}, {@code process_cpu_*}), uptime and open file
 * descriptors.
 *
 * <p>Concurrency: {@link #bindTo} is called once by the thread that wires the broker; {@link #close} may be called
 * from any thread, any number of times (the GC binder holds JMX notification listeners that it removes).
 */
public final class JvmMetrics implements AutoCloseable {
    private final JvmGcMetrics gcMetrics;
    private final AtomicBoolean closed = new AtomicBoolean();

    private JvmMetrics(JvmGcMetrics gcMetrics) {
        this.gcMetrics = gcMetrics;
    }

    /** Binds all JVM and process meters to {@code registry}; close the result to stop listening for GC events. */
    public static JvmMetrics bindTo(MeterRegistry registry) {
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new JvmInfoMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        return new JvmMetrics(gc);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            gcMetrics.close();
        }
    }
}
