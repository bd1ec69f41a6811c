package io.sluice.chaos.workload;

import io.sluice.chaos.history.HistoryWriter;
import io.sluice.chaos.history.Note;
import io.sluice.chaos.history.Partitions;
import io.sluice.chaos.history.Send;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One producer (idempotent {@code acks=all} unless the run asks for weaker acks) writing unique values to one partition at a steady rate, recording every
 * send's INVOKE and completion. Values are {@code <process>-<sequence>}, unique across the run.
 *
 * <p>Concurrency: {@link #run} on its own thread; completions arrive on the producer's I/O thread; {@link #stop} from
 * any thread. At most {@code maxInFlight} sends are outstanding.
 */
public final class ProducerWorker implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(ProducerWorker.class);

    private final String process;
    private final TopicPartition tp;
    private final String partition;
    private final String bootstrap;
    private final String acks;
    private final int ratePerSecond;
    private final HistoryWriter history;
    private final RunClock clock;
    private final Semaphore inFlight;
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong lastAckT = new AtomicLong(-1);
    private volatile boolean running = true;

    public ProducerWorker(
            String process,
            TopicPartition tp,
            String bootstrap,
            String acks,
            int ratePerSecond,
            int maxInFlight,
            HistoryWriter history,
            RunClock clock) {
        this.process = process;
        this.tp = tp;
        this.partition = Partitions.name(tp);
        this.bootstrap = bootstrap;
        this.acks = acks;
        this.ratePerSecond = ratePerSecond;
        this.history = history;
        this.clock = clock;
        this.inFlight = new Semaphore(maxInFlight);
    }

    /**
     * The producer's configuration: idempotent with {@code acks=all}; with weaker acks idempotence is off (the
     * client requires acks=all for it).
     */
    static Properties config(String bootstrap, String clientId, String acks) {
        boolean all = acks.equals("all") || acks.equals("-1");
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.ACKS_CONFIG, acks);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, Boolean.toString(all));
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        p.put(ProducerConfig.RETRIES_CONFIG, Integer.toString(Integer.MAX_VALUE));
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
        p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, "100");
        p.put(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, "500");
        p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "1000");
        p.put(ProducerConfig.METADATA_MAX_AGE_CONFIG, "5000");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "5000");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return p;
    }

    public String process() {
        return process;
    }

    public long acked() {
        return acked.get();
    }

    /** The run time of the last acknowledgement, -1 before the first. */
    public long lastAckT() {
        return lastAckT.get();
    }

    public void stop() {
        running = false;
    }

    @Override
    public void run() {
        long seq = 0;
        long intervalNanos = TimeUnit.SECONDS.toNanos(1) / Math.max(1, ratePerSecond);
        long next = System.nanoTime();
        KafkaProducer<String, String> producer = new KafkaProducer<>(config(bootstrap, "chaos-" + process, acks));
        try {
            while (running) {
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                next = Math.max(next + intervalNanos, System.nanoTime() - TimeUnit.SECONDS.toNanos(1));
                if (!inFlight.tryAcquire(200, TimeUnit.MILLISECONDS)) {
                    continue;
                }
                String value = process + "-" + seq++;
                try {
                    send(producer, value);
                } catch (KafkaException | IllegalStateException e) {
                    // The producer is unusable (a fatal error): record it, start a new one.
                    history.append(new Note(clock.now(), process, "producer replaced after " + SendErrors.describe(e)));
                    log.warn("[{} {}] producer replaced after a fatal error", process, partition, e);
                    producer.close(Duration.ZERO);
                    producer = new KafkaProducer<>(config(bootstrap, "chaos-" + process, acks));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            // Waits for outstanding sends (each completes within delivery.timeout.ms), then closes.
            producer.close(Duration.ofSeconds(30));
        }
    }

    private void send(KafkaProducer<String, String> producer, String value) {
        history.append(Send.invoke(clock.now(), process, partition, value));
        Thread caller = Thread.currentThread();
        boolean[] insideSend = {true};
        boolean[] completed = {false};
        try {
            // the outcome is recorded by the callback; the future adds nothing
            var unused =
                    producer.send(new ProducerRecord<>(tp.topic(), tp.partition(), null, value), (metadata, error) -> {
                        synchronized (completed) {
                            if (completed[0]) {
                                return;
                            }
                            completed[0] = true;
                        }
                        inFlight.release();
                        long t = clock.now();
                        if (error == null) {
                            history.append(Send.ok(t, process, partition, value, metadata.offset()));
                            acked.incrementAndGet();
                            lastAckT.accumulateAndGet(t, Math::max);
                        } else if (SendErrors.definitelyNotWritten(
                                error, insideSend[0] && Thread.currentThread() == caller)) {
                            history.append(Send.fail(t, process, partition, value, SendErrors.describe(error)));
                        } else {
                            history.append(Send.info(t, process, partition, value, SendErrors.describe(error)));
                        }
                    });
        } catch (RuntimeException e) {
            // Thrown by send() itself: the record was not accepted (unless the callback already completed it).
            synchronized (completed) {
                if (!completed[0]) {
                    completed[0] = true;
                    inFlight.release();
                    history.append(Send.fail(clock.now(), process, partition, value, SendErrors.describe(e)));
                }
            }
            throw e;
        } finally {
            insideSend[0] = false;
        }
    }
}
