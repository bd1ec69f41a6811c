package io.sluice.controller;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.controller.channel.BrokerChannel;
import io.sluice.controller.channel.ControllerRequestBatch;
import io.sluice.controller.context.ControllerContext;
import io.sluice.controller.election.ControllerElector;
import io.sluice.controller.event.ControllerEvent;
import io.sluice.controller.event.ControllerEventManager;
import io.sluice.controller.zk.ControllerZkWriter;
import io.sluice.metadata.concurrent.ThreadStatus;
import io.sluice.metadata.zk.ZkStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.message.AlterPartitionResponseData;
import org.apache.kafka.common.message.ControlledShutdownResponseData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.LeaderAndIsrResponseData;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.StopReplicaResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller candidate every broker runs, and the entry points the broker's API handlers call. Every broker
 * starts one; the one that wins the epoch compare-and-set in ZooKeeper is the active controller until it loses its
 * session, finds another controller's epoch in a fenced write, or shuts down.
 *
 * <p>Request methods enqueue an event and return a future completed by the event thread; when this broker is not the
 * active controller they answer {@code NOT_CONTROLLER}. Curator connection states: {@code SUSPENDED} is logged ("maybe
 * not controller", fenced writes protect ZooKeeper meanwhile), {@code LOST} resigns at once and re-runs the election,
 * {@code CONNECTED} and {@code RECONNECTED} re-check the election.
 *
 * <p>Lifecycle: {@code NEW → STARTED → SHUT_DOWN} (compare-and-set; {@link #shutdown()} is safe twice). The caller
 * owns the Curator client and closes it after {@link #shutdown()}.
 *
 * <p>Concurrency: all methods are thread-safe; all state changes happen on the event thread.
 */
public final class Controller implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Controller.class);

    private enum Lifecycle {
        NEW,
        STARTED,
        SHUT_DOWN
    }

    private final ControllerConfig config;
    private final ZkStore store;
    private final Clock clock;
    private final ControllerEventManager events;
    private final ControllerLifecycle lifecycle;
    private final AtomicReference<Lifecycle> state = new AtomicReference<>(Lifecycle.NEW);
    private final ConnectionStateListener connectionListener = this::onConnectionStateChange;

    /**
     * @param config controller settings
     * @param store ZooKeeper access over the broker's (started) Curator client
     * @param channel how requests reach the brokers
     * @param registry where the controller's meters are registered
     * @param clock wall-clock time (znode timestamps, deadlines)
     * @param random drives replica placement and topic ids
     */
    public Controller(
            ControllerConfig config,
            ZkStore store,
            BrokerChannel channel,
            MeterRegistry registry,
            Clock clock,
            Random random) {
        this(config, store, channel, registry, clock, random, TopicRules.DEFAULTS);
    }

    /**
     * As the other constructor, with the partition limits and create-topic policy topic creations are checked against.
     *
     * @param rules partition limits and the create-topic policy (owned by the caller, which closes the policy)
     */
    public Controller(
            ControllerConfig config,
            ZkStore store,
            BrokerChannel channel,
            MeterRegistry registry,
            Clock clock,
            Random random,
            TopicRules rules) {
        this.config = config;
        this.store = store;
        this.clock = clock;
        ControllerMetrics metrics = new ControllerMetrics(registry, config.brokerId());
        ControllerContext ctx = new ControllerContext();
        ControllerZkWriter writer = new ControllerZkWriter(store);
        ControllerElector elector = new ControllerElector(store, config.brokerId(), clock);
        AtomicReference<ControllerEventHandler> handler = new AtomicReference<>();
        this.events =
                new ControllerEventManager(config.brokerId(), e -> handler.get().process(e), metrics, System::nanoTime);
        metrics.bindQueueSize(events::queueSize);
        ControllerRequestBatch batch = new ControllerRequestBatch(
                config.brokerId(), channel, new ResponseToEvent(events), config.interBrokerListenerName());
        PartitionLeadershipManager.ElectionTimings timings = new PartitionLeadershipManager.ElectionTimings();
        PartitionLeadershipManager leadership =
                new PartitionLeadershipManager(config, ctx, store, writer, batch, timings, System::nanoTime);
        TopicDeletionManager deletion = new TopicDeletionManager(ctx, writer, batch);
        PartitionReassignments reassignments = new PartitionReassignments(ctx, store, writer, batch, leadership);
        this.lifecycle = new ControllerLifecycle(
                config,
                store,
                elector,
                writer,
                ctx,
                batch,
                channel,
                leadership,
                deletion,
                reassignments,
                metrics,
                events,
                timings,
                System::nanoTime);
        handler.set(new ControllerEventHandler(
                config,
                store,
                ctx,
                writer,
                batch,
                channel,
                lifecycle,
                leadership,
                new TopicCommands(config, ctx, store, writer, leadership, rules, random),
                new AlterPartitionHandler(ctx, store, writer, batch),
                deletion,
                reassignments,
                metrics,
                events,
                clock));
    }

    /** Starts the event thread and enters the election. */
    public void startup() {
        if (!state.compareAndSet(Lifecycle.NEW, Lifecycle.STARTED)) {
            return;
        }
        store.curator().getConnectionStateListenable().addListener(connectionListener);
        events.start();
        events.put(new ControllerEvent.Startup());
    }

    /** Resigns (releasing {@code /controller} so another broker takes over), stops the event thread. */
    public void shutdown() {
        if (state.getAndSet(Lifecycle.SHUT_DOWN) != Lifecycle.STARTED) {
            return;
        }
        store.curator().getConnectionStateListenable().removeListener(connectionListener);
        CompletableFuture<Void> resigned = new CompletableFuture<>();
        events.put(new ControllerEvent.Callback("shutdown", () -> {
            lifecycle.shutdown();
            resigned.complete(null);
        }));
        resigned.completeOnTimeout(null, 30, java.util.concurrent.TimeUnit.SECONDS)
                .join();
        events.close();
        log.info("[Controller {}] shut down", config.brokerId());
    }

    /**
     * Stops the event thread without resigning or touching ZooKeeper, as a crash would (the session's end is what
     * removes {@code /controller}).
     */
    void halt() {
        if (state.getAndSet(Lifecycle.SHUT_DOWN) != Lifecycle.STARTED) {
            return;
        }
        store.curator().getConnectionStateListenable().removeListener(connectionListener);
        events.close();
    }

    @Override
    public void close() {
        shutdown();
    }

    /** The controller event thread as a must-not-die thread, while the controller runs. */
    public List<ThreadStatus> eventThreadStatuses() {
        return events.eventThreadStatuses();
    }

    /** The controller's timer thread as a must-not-die thread, while the controller runs. */
    public List<ThreadStatus> schedulerStatuses() {
        return events.schedulerStatuses();
    }

    /** Whether this broker is the active controller (its epoch fence may already be stale; writes are checked). */
    public boolean isActive() {
        return lifecycle.isActive();
    }

    /** The epoch this broker holds as controller, {@code -1} when not active. */
    public int epoch() {
        return lifecycle.epoch();
    }

    public int brokerId() {
        return config.brokerId();
    }

    /** The controller's broker id as ZooKeeper has it now, empty if none is elected. */
    public Optional<Integer> activeControllerId() {
        return store.controllerId();
    }

    public CompletionStage<AlterPartitionResponseData> alterPartition(AlterPartitionRequestData request) {
        CompletableFuture<AlterPartitionResponseData> f = new CompletableFuture<>();
        submit(new ControllerEvent.AlterPartitionReceived(request, f));
        return f;
    }

    /** Moves {@code brokerId}'s leaderships away; the response lists the partitions it still leads. */
    public CompletionStage<ControlledShutdownResponseData> controlledShutdown(int brokerId, long brokerEpoch) {
        CompletableFuture<ControlledShutdownResponseData> f = new CompletableFuture<>();
        submit(new ControllerEvent.ControlledShutdown(brokerId, brokerEpoch, f));
        return f;
    }

    /**
     * Starts or cancels partition reassignments (KIP-455); answered once each move is started (or refused), not when
     * it completes.
     */
    public CompletionStage<AlterPartitionReassignmentsResponseData> alterPartitionReassignments(
            AlterPartitionReassignmentsRequestData request) {
        CompletableFuture<AlterPartitionReassignmentsResponseData> f = new CompletableFuture<>();
        submit(new ControllerEvent.AlterPartitionReassignments(request, f));
        return f;
    }

    /** The partitions being reassigned (all, or among those the request names). */
    public CompletionStage<ListPartitionReassignmentsResponseData> listPartitionReassignments(
            ListPartitionReassignmentsRequestData request) {
        CompletableFuture<ListPartitionReassignmentsResponseData> f = new CompletableFuture<>();
        submit(new ControllerEvent.ListPartitionReassignments(request, f));
        return f;
    }

    /** Preferred ({@code electionType} 0) or unclean (1) leader election. */
    public CompletionStage<ElectLeadersResponseData> electLeaders(ElectLeadersRequestData request) {
        CompletableFuture<ElectLeadersResponseData> f = new CompletableFuture<>();
        submit(new ControllerEvent.ElectLeaders(request, f));
        return f;
    }

    /** Creates topics; each result is answered once its partitions are initialized (or validated only). */
    public CompletionStage<CreateTopicsResponseData> createTopics(
            CreateTopicsRequestData request, boolean validateOnly) {
        CompletableFuture<CreateTopicsResponseData> f = new CompletableFuture<>();
        submit(new ControllerEvent.CreateTopics(request, validateOnly, f));
        return f;
    }

    public CompletionStage<CreatePartitionsResponseData> createPartitions(
            CreatePartitionsRequestData request, boolean validateOnly) {
        CompletableFuture<CreatePartitionsResponseData> f = new CompletableFuture<>();
        submit(new ControllerEvent.CreatePartitions(request, validateOnly, f));
        return f;
    }

    /**
     * Queues topics for deletion; the result per topic is {@code NONE} once the topic is gone,
     * {@code REQUEST_TIMED_OUT} if it is not gone within {@code timeout}, or the reason it was refused.
     */
    public CompletionStage<Map<String, Errors>> deleteTopics(Collection<String> topics, Duration timeout) {
        CompletableFuture<Map<String, Errors>> f = new CompletableFuture<>();
        submit(new ControllerEvent.DeleteTopics(List.copyOf(topics), clock.millis() + timeout.toMillis(), f));
        return f;
    }

    /**
     * Enqueues an event (the broker's and tests' access to the event loop, e.g. a {@code Callback} that pauses the
     * event thread the way a long GC pause would). The event runs on the event thread in queue order.
     */
    public void enqueue(ControllerEvent event) {
        events.put(event);
    }

    private void submit(ControllerEvent event) {
        if (!lifecycle.isActive()) {
            event.fail(Errors.NOT_CONTROLLER, "Broker " + config.brokerId() + " is not the active controller");
            return;
        }
        events.put(event);
    }

    private void onConnectionStateChange(org.apache.curator.framework.CuratorFramework client, ConnectionState s) {
        switch (s) {
            case SUSPENDED ->
                log.warn(
                        "[Controller {}] ZooKeeper connection suspended: maybe no longer controller",
                        config.brokerId());
            case LOST -> {
                log.warn("[Controller {}] ZooKeeper session lost: resigning", config.brokerId());
                events.put(new ControllerEvent.Expire());
            }
            case CONNECTED, RECONNECTED -> events.put(new ControllerEvent.Reelect());
            default -> {}
        }
    }

    /** Turns broker responses (on channel threads) into events. */
    private record ResponseToEvent(ControllerEventManager events) implements ControllerRequestBatch.ResponseListener {
        @Override
        public void onLeaderAndIsrResponse(int brokerId, LeaderAndIsrResponseData response) {
            events.put(new ControllerEvent.LeaderAndIsrResponseReceived(brokerId, response));
        }

        @Override
        public void onStopReplicaResponse(
                int brokerId, boolean delete, List<String> topics, StopReplicaResponseData response) {
            events.put(new ControllerEvent.StopReplicaResponseReceived(brokerId, delete, topics, response));
        }
    }
}
