package io.sluice.broker.metadata;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;

/**
 * Waits until this broker's {@link MetadataCache} shows every partition of some topics with a leader, as Kafka's
 * CreateTopics does before it answers: a client that creates a topic and then asks this broker for its metadata finds
 * it (clients such as kafkajs only retry {@code LEADER_NOT_AVAILABLE}, not an unknown topic).
 *
 * <p>Concurrency: thread-safe. Waiters live in a copy-on-write list; each metadata update (on the thread applying
 * it) completes the waiters it satisfies; a waiter that times out is removed by its own completion.
 */
public final class TopicLeadersWaiter implements MetadataListener {
    private final MetadataCache cache;
    private final List<Waiter> waiters = new CopyOnWriteArrayList<>();

    private record Waiter(Map<String, Integer> partitionsByTopic, CompletableFuture<Boolean> done) {}

    private TopicLeadersWaiter(MetadataCache cache) {
        this.cache = cache;
    }

    /** A waiter registered as a listener of {@code cache}. */
    public static TopicLeadersWaiter over(MetadataCache cache) {
        TopicLeadersWaiter waiter = new TopicLeadersWaiter(Objects.requireNonNull(cache, "cache"));
        cache.addListener(waiter);
        return waiter;
    }

    /**
     * Completes with {@code true} once every partition {@code 0..n-1} of each topic has a leader in the cache, or with
     * {@code false} after {@code timeoutMs}. Never completes exceptionally.
     */
    public CompletableFuture<Boolean> awaitLeaders(Map<String, Integer> partitionsByTopic, long timeoutMs) {
        Map<String, Integer> wanted = Map.copyOf(partitionsByTopic);
        if (allLed(cache.snapshot(), wanted)) {
            return CompletableFuture.completedFuture(true);
        }
        Waiter waiter = new Waiter(wanted, new CompletableFuture<>());
        waiters.add(waiter);
        // an update between the first check and the registration would otherwise be missed
        if (allLed(cache.snapshot(), wanted)) {
            waiter.done().complete(true);
        }
        waiter.done().completeOnTimeout(false, timeoutMs, TimeUnit.MILLISECONDS);
        waiter.done().whenComplete((led, e) -> waiters.remove(waiter));
        return waiter.done();
    }

    @Override
    public void onMetadataUpdate(MetadataSnapshot previous, MetadataSnapshot current) {
        for (Waiter waiter : waiters) {
            if (allLed(current, waiter.partitionsByTopic())) {
                waiter.done().complete(true);
            }
        }
    }

    private static boolean allLed(MetadataSnapshot snapshot, Map<String, Integer> partitionsByTopic) {
        for (Map.Entry<String, Integer> e : partitionsByTopic.entrySet()) {
            for (int p = 0; p < e.getValue(); p++) {
                boolean led = snapshot.partitionState(new TopicPartition(e.getKey(), p))
                        .map(s -> s.leader() >= 0)
                        .orElse(false);
                if (!led) {
                    return false;
                }
            }
        }
        return true;
    }
}
