package io.sluice.broker.it;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * A stock idempotent producer writing keyed records ({@code key-(i % 100)}, {@code value-i}) to a topic at a steady
 * rate, {@code perTick} records every {@code tickMillis} ms on a scheduler thread, so consumers have work all through a
 * test without being flooded.
 *
 * <p>Concurrency: sends happen on the scheduler's single thread; {@link #sent()} may be read from any thread;
 * {@link #stop()} is called by the test thread.
 */
final class SteadyProducer implements AutoCloseable {
    private final KafkaProducer<byte[], byte[]> producer;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "steady-producer");
        t.setDaemon(true);
        return t;
    });
    private final List<Future<RecordMetadata>> sends = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger next = new AtomicInteger();

    SteadyProducer(String bootstrap, String topic, int perTick, long tickMillis) {
        this.producer = Clients.producer(bootstrap, Map.of());
        scheduler.scheduleAtFixedRate(
                () -> {
                    for (int k = 0; k < perTick; k++) {
                        int i = next.getAndIncrement();
                        sends.add(producer.send(new ProducerRecord<>(
                                topic,
                                ("key-" + (i % 100)).getBytes(StandardCharsets.UTF_8),
                                ("value-" + i).getBytes(StandardCharsets.UTF_8))));
                    }
                },
                0,
                tickMillis,
                TimeUnit.MILLISECONDS);
    }

    /** Records handed to the producer so far. */
    int sent() {
        return next.get();
    }

    /** Stops sending and waits until every record sent was acknowledged (throws if one failed). */
    void stop() throws Exception {
        scheduler.shutdown();
        if (!scheduler.awaitTermination(30, TimeUnit.SECONDS)) {
            throw new AssertionError("the producer's scheduler did not stop");
        }
        producer.flush();
        Clients.awaitAll(List.copyOf(sends));
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        producer.close();
    }
}
